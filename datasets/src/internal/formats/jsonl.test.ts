import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));

describe('jsonl', () => {
  it('loads validated events; __proto__ and constructor are ordinary ids', async () => {
    const { log, report } = await loadDataset(fixture('jsonl/events.jsonl'), 'jsonl');
    expect(report).toMatchObject({ lines: 4, accepted: 4, rejected: 0, skipped: 0 });
    expect(eventAt(log, 1)).toMatchObject({
      type: 'purchase',
      timestamp: Date.parse('2023-11-14T22:13:20Z'),
      quantity: 2,
      orderId: 'o1',
    });
    expect(eventAt(log, 2).timestamp).toBe(1_700_000_000_000);
    expect(eventAt(log, 3)).toMatchObject({ userId: '__proto__', itemId: 'constructor' });
  });

  it('rejects bad lines with validateEvent reasons', async () => {
    const path = fixture('jsonl/events-malformed.jsonl');
    const { report } = await loadDataset(path, 'jsonl');
    expect(report).toMatchObject({ lines: 8, accepted: 2, rejected: 6, skipped: 0 });
    expect(report.rejectedSamples.map((s) => s.line)).toEqual([2, 3, 4, 5, 7, 9]);
    expect(report.rejectedSamples[0]?.reason).toMatch(/^invalid JSON/);
    expect(report.rejectedSamples.slice(1).map((s) => s.reason)).toEqual([
      'event must be an object',
      'unknown event type "click", expected one of view, cart, remove_from_cart, purchase, wishlist, rate, search, return',
      'rating must be a finite number in [-10, 10]',
      'event needs a customer key: userId, anonymousId or deviceId',
      'userId must not contain control characters',
    ]);
    const error = await loadDataset(path, 'jsonl', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(2);
  });
});
