import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));

describe('taobao', () => {
  it('maps pv/cart/fav/buy to view/cart/wishlist/purchase and builds category paths', async () => {
    const { log, catalog, report } = await loadDataset(fixture('taobao'), 'taobao');
    expect(report).toMatchObject({ lines: 6, accepted: 6, rejected: 0, skipped: 0 });
    expect(report.counts).toEqual({
      events: 6,
      'events.view': 3,
      'events.cart': 1,
      'events.purchase': 1,
      'events.wishlist': 1,
      catalogItems: 4,
      categoryConflicts: 1,
    });
    expect(eventAt(log, 2)).toMatchObject({
      type: 'wishlist',
      userId: '2',
      itemId: '2576651',
      timestamp: 1511572885000,
    });
    expect(catalog.get('2268318')?.categoryPath).toEqual(['2520377']);
    expect(catalog.get('100')?.categoryPath).toEqual(['7']); // first category wins, the other is counted
  });

  it('counts malformed lines; strict mode names the first', async () => {
    const path = fixture('taobao-malformed/UserBehavior.csv');
    const { report, log } = await loadDataset(path, 'taobao');
    expect(report).toMatchObject({ lines: 9, accepted: 3, rejected: 6, skipped: 0 });
    expect(log.length).toBe(3);
    expect(report.rejectedSamples).toEqual([
      { line: 2, reason: 'unknown behavior "click", expected pv, cart, fav or buy' },
      { line: 3, reason: 'expected 5 comma-separated fields (user, item, category, behavior, timestamp), found 4' },
      { line: 4, reason: 'user id must be a non-negative integer, found "u1"' },
      { line: 5, reason: 'timestamp must be Unix seconds (digits), found "2017-11-25"' },
      { line: 8, reason: 'item id must be a non-negative integer, found "\\u000111"' },
      { line: 9, reason: 'category id must be a non-negative integer, found "x"' },
    ]);
    const error = await loadDataset(path, 'taobao', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(2);
    expect(error.message).toContain('line 2');
  });
});
