import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countEventTypes } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from './index.js';

// The shared copies of the public datasets live outside the repository (their licences forbid
// committing most of them): <repo>/../shared/datasets, or wherever ENCORE_DATASETS points.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const datasetsDir = process.env.ENCORE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
const found = existsSync(datasetsDir);
const title = found
  ? `real datasets in ${datasetsDir}`
  : `real datasets — skipped: ../shared/datasets not found (looked in ${datasetsDir}; set ENCORE_DATASETS)`;
const at = (path: string): string => resolve(datasetsDir, path);

describe.skipIf(!found)(title, () => {
  it('MovieLens 100K: 100,000 ratings by 943 users of 1,682 movies, 1,682 catalog titles', async () => {
    const { log, catalog, report } = await loadDataset(at('movielens-100k'), 'movielens');
    expect(report).toMatchObject({ lines: 100_000, accepted: 100_000, rejected: 0, skipped: 0 });
    expect(report.warnings).toEqual({ byteOrderMark: 0 });
    expect(report.catalogFile).toMatchObject({ rejected: 0, warnings: { byteOrderMark: 0, titleTruncated: 0 } });
    expect(log.length).toBe(100_000);
    expect(log.user.ids.size).toBe(943);
    expect(log.item.ids.size).toBe(1_682);
    expect(catalog.size).toBe(1_682);
    expect([...catalog.values()].filter((item) => item.title !== undefined && item.title.length > 0).length).toBe(
      1_682,
    );
    expect(catalog.get('1633')?.title).toMatch(/[À-ÿ]/); // Latin-1 accents decoded
    const stars = [0, 0, 0, 0, 0];
    for (const r of log.rating ?? []) stars[r - 1]!++;
    expect(stars).toEqual([6_110, 11_370, 27_145, 34_174, 21_201]);
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const t of log.timestamp) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    expect([min, max]).toEqual([874_724_710_000, 893_286_638_000]);
  });

  it('Taobao UserBehavior sample: per-type counts, 815 users, 55,368 items', async () => {
    const { log, catalog, report } = await loadDataset(
      at('taobao-userbehavior-sample/UserBehavior_head.csv'),
      'taobao',
    );
    expect(report).toMatchObject({ lines: 84_475, accepted: 84_475, rejected: 0, skipped: 0 });
    expect(Object.fromEntries(countEventTypes(log))).toEqual({
      view: 75_872,
      cart: 4_497,
      wishlist: 2_356,
      purchase: 1_750,
    });
    expect(log.user.ids.size).toBe(815);
    expect(log.item.ids.size).toBe(55_368);
    expect(catalog.size).toBe(55_368);
    expect(new Set([...catalog.values()].map((item) => item.categoryPath?.[0])).size).toBe(2_914);
  });

  it('Online Retail Dec 2010 – Aug 2011: all 320,705 lines accounted for', async () => {
    const { log, report } = await loadDataset(
      at('online-retail/online_retail_2010-12_to_2011-08.csv'),
      'online-retail',
    );
    expect(report.lines).toBe(320_705);
    expect(report.accepted + report.rejected + report.skipped).toBe(report.lines);
    expect(log.length).toBe(report.accepted);
    expect(report.counts.cancellationRows).toBe(5_847);
    expect(report.counts.guestRows).toBe(88_652);
    // The buckets as this loader draws them (see ONLINE_RETAIL_NON_PRODUCT_CODES).
    expect(report).toMatchObject({ accepted: 317_829, rejected: 0, skipped: 2_876 });
    expect(report.warnings).toEqual({ byteOrderMark: 0, titleTruncated: 0 });
    expect(report.skippedReasons).toEqual({
      nonProductStockCode: 1_951,
      stockAdjustment: 925,
      cancellationNotNegative: 0,
    });
    expect(report.counts).toMatchObject({ 'events.purchase': 312_375, 'events.return': 5_454 });
  });

  it('Groceries: 9,835 baskets, 169 items, 43,367 purchases', async () => {
    const { log, report } = await loadDataset(at('groceries/groceries.csv'), 'baskets');
    expect(report).toMatchObject({ lines: 9_835, accepted: 9_835, rejected: 0, skipped: 0 });
    expect(log.anonymous.ids.size).toBe(9_835);
    expect(log.item.ids.size).toBe(169);
    expect(log.length).toBe(43_367);
    expect(report.counts).toMatchObject({ itemOccurrences: 43_367, duplicateItems: 0 });
  });
});
