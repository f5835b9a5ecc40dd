import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));

/**
 * A fixture folder laid out as the dataset ships: the repo keeps its files under neutral names (never
 * the names of the licensed originals), so copy them to the original file names in a temporary folder.
 */
async function releaseDir(folder: string, names: ReadonlyMap<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'encore-fixture-'));
  for (const name of await readdir(fixture(folder)))
    await copyFile(join(fixture(folder), name), join(dir, names.get(name) ?? name));
  return dir;
}

const EVENTS = new Map([['retailrocket-events.csv', 'events.csv']]);

describe('retailrocket', () => {
  it('maps view/addtocart/transaction and transactionid → orderId, timestamps in ms', async () => {
    const { log, report } = await loadDataset(await releaseDir('retailrocket', EVENTS), 'retailrocket');
    expect(report).toMatchObject({ lines: 5, accepted: 5, rejected: 0, skipped: 0 });
    expect(report.counts).toEqual({
      events: 5,
      'events.view': 2,
      'events.cart': 1,
      'events.purchase': 2,
      transactionsWithoutId: 1,
    });
    expect(eventAt(log, 0)).toMatchObject({
      type: 'view',
      userId: '700001',
      itemId: '800001',
      timestamp: 1500000000117,
    });
    expect(eventAt(log, 0).orderId).toBeUndefined();
    expect(eventAt(log, 3)).toMatchObject({ type: 'purchase', orderId: '900001' });
  });

  it('counts malformed lines with their numbers (the header is line 1)', async () => {
    const { report } = await loadDataset(await releaseDir('retailrocket-malformed', EVENTS), 'retailrocket');
    expect(report).toMatchObject({ lines: 8, accepted: 2, rejected: 6, skipped: 0 });
    expect(report.rejectedSamples).toEqual([
      { line: 3, reason: 'unknown event "click", expected view, addtocart or transaction' },
      { line: 4, reason: 'expected 5 comma-separated fields as in the header, found 4' },
      { line: 5, reason: 'timestamp must be epoch milliseconds (digits), found "14332213x"' },
      { line: 6, reason: 'visitorid must be a non-negative integer, found ""' },
      { line: 7, reason: 'itemid must be a non-negative integer, found ""' },
      { line: 9, reason: 'transactionid must not contain control characters' },
    ]);
    const error = await loadDataset(await releaseDir('retailrocket-malformed', EVENTS), 'retailrocket', {
      strict: true,
    }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(3);
  });

  it('a file without the header is a PARSE_ERROR on line 1', async () => {
    const error = await loadDataset(fixture('taobao/UserBehavior.csv'), 'retailrocket').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(1);
  });
});
