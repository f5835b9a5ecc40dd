import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));

describe('baskets', () => {
  it('turns each line into one anonymous basket with one purchase per distinct item', async () => {
    const { log, report } = await loadDataset(fixture('baskets/baskets.csv'), 'baskets');
    expect(report).toMatchObject({ lines: 6, accepted: 6, rejected: 0, skipped: 0 });
    expect(report.counts).toEqual({
      events: 14,
      'events.purchase': 14,
      itemOccurrences: 15,
      duplicateItems: 1,
      emptyCells: 0,
    });
    expect(eventAt(log, 0)).toEqual(
      expect.objectContaining({
        type: 'purchase',
        anonymousId: 'basket-1',
        orderId: '1',
        itemId: 'citrus fruit',
        timestamp: 0,
      }),
    );
    // line 4 is blank: the next basket is still numbered by its physical line
    const baskets = log.anonymous.ids.ids();
    expect(baskets).toEqual(['basket-1', 'basket-2', 'basket-3', 'basket-5', 'basket-6', 'basket-7']);
    expect(log.item.ids.ids()).toEqual([
      'citrus fruit',
      'semi-finished bread',
      'margarine',
      'ready soups',
      'tropical fruit',
      'yogurt',
      'coffee',
      'whole milk',
      'bottled water, still',
      'soda',
      '__proto__',
      'constructor',
    ]);
  });

  it('counts malformed baskets; strict mode names the first', async () => {
    const path = fixture('baskets/baskets-malformed.csv');
    const { report, log } = await loadDataset(path, 'baskets');
    expect(report).toMatchObject({ lines: 7, accepted: 3, rejected: 4, skipped: 0 });
    expect(report.counts.emptyCells).toBe(2);
    expect(log.length).toBe(4);
    expect(report.rejectedSamples).toEqual([
      { line: 2, reason: 'basket has no items, expected at least one item name' },
      { line: 3, reason: 'unterminated quoted field 2 (a quoted field must close on the same line)' },
      { line: 4, reason: 'item 2 must not contain control characters, found "\\u0002cola"' },
      { line: 6, reason: `item 1 must be at most 512 characters, found "${'x'.repeat(40)}…"` },
    ]);
    const error = await loadDataset(path, 'baskets', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(2);
  });
});
