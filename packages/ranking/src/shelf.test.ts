import { decodeModelFile, ErrorCode, encodeModelFile } from '@encore/core';
import { generateSynthetic } from '@encore/datasets';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import { bestSellers } from './best-sellers.js';
import { customerHistories, historyOf } from './history.js';
import { decodeCustomerHistories, encodeCustomerHistories } from './history-codec.js';
import { buildShelf, CURATED_LISTS, decodeShelf, encodeShelf, shelfList } from './shelf.js';
import { trending } from './trending.js';

const { log, catalog } = generateSynthetic({ preset: 'small', seed: 7 });
let now = 0;
for (const t of log.timestamp) now = Math.max(now, t);
const attributes = itemAttributes(catalog, log.item.ids);

/** What a decoder throws for a file it refuses: MODEL_FORMAT, saying what was wrong. */
const modelFormat = (message: RegExp): unknown =>
  expect.objectContaining({ code: ErrorCode.MODEL_FORMAT, message: expect.stringMatching(message) });

describe('buildShelf', () => {
  const shelf = buildShelf(log, { now, attributes, k: 30, categoryK: 5 });

  it('holds each list exactly as its own function makes it: one definition per list', () => {
    for (const name of CURATED_LISTS) expect(shelfList(shelf, name), name).toBeDefined();
    const best = bestSellers(log, { now, attributes, k: 30 });
    expect(shelfList(shelf, 'best-sellers')?.ids).toEqual(best.ids);
    expect(shelfList(shelf, 'trending')?.scores).toEqual(trending(log, { now, attributes, k: 30 }).scores);
    const categories = shelf.lists.filter((l) => l.name === 'best-sellers' && l.category !== undefined);
    expect(categories.length).toBeGreaterThan(1);
    for (const c of categories) expect(c.ids.length).toBeLessThanOrEqual(5);
  });

  it('round-trips through its file and refuses a list that points outside the items', () => {
    const back = decodeShelf(encodeShelf(shelf));
    expect(back).toEqual(shelf);
    const file = decodeModelFile(encodeShelf(shelf));
    const ids = file.int32('l0.ids').slice();
    ids[0] = shelf.itemIds.length;
    const sections: Record<string, unknown> = { itemIds: file.strings('itemIds') };
    shelf.lists.forEach((l, at) => {
      sections[`l${at}.ids`] = at === 0 ? ids : l.ids;
      sections[`l${at}.scores`] = l.scores;
      sections[`l${at}.support`] = l.support;
    });
    expect(() =>
      decodeShelf(encodeModelFile({ family: 'curated-lists', version: 1, meta: file.meta, sections } as never)),
    ).toThrow(modelFormat(/l0\.ids\[0\] is/));
  });
});

describe('customer history files', () => {
  it('round-trip every timeline, and refuse events out of time order', () => {
    const histories = customerHistories(log);
    const saved = decodeCustomerHistories(encodeCustomerHistories(histories, log.item.ids.ids()));
    expect(saved.itemIds).toEqual(log.item.ids.ids());
    for (const customer of ['c0', 'c17', 'nobody']) {
      expect(historyOf(saved.histories, customer)).toEqual(historyOf(histories, customer));
    }
    const file = decodeModelFile(encodeCustomerHistories(histories, log.item.ids.ids()));
    const times = file.float64('times').slice();
    const first = historyOf(histories, 0).times.length;
    times[0] = (times[first - 1] as number) + 1;
    const sections = {
      customerIds: file.strings('customerIds'),
      itemIds: file.strings('itemIds'),
      indptr: file.int32('indptr'),
      items: file.int32('items'),
      types: file.uint8('types'),
      times,
    };
    expect(() =>
      decodeCustomerHistories(encodeModelFile({ family: 'histories', version: 1, meta: file.meta, sections } as never)),
    ).toThrow(modelFormat(/customer 0's events are out of time order/));
  });
});
