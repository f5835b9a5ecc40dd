import { catalogFrom, defaultCustomers, ErrorCode, type Event, eventLogFrom, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import { topRated, topRatedByCategory } from './top-rated.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);
const items = IdMap.from(['p', 'q', 'r', 't']);
const [P, Q, , T] = [0, 1, 2, 3];

let user = 0;
/** One rating per new customer, `daysAgo` days before now. */
const rate = (itemId: string, rating: number, daysAgo = 1, userId = `u${user++}`): Event => ({
  type: 'rate',
  userId,
  itemId,
  rating,
  timestamp: NOW - daysAgo * DAY,
});
const times = (n: number, make: () => Event): Event[] => Array.from({ length: n }, make);

// Global mean exactly 4: p 5 × 4, q 5 × 5, r 5 × 3, t 4 × 4 (76 / 19).
const ratings: Event[] = [
  ...times(5, () => rate('p', 4)),
  ...times(5, () => rate('q', 5)),
  ...times(5, () => rate('r', 3)),
  ...times(4, () => rate('t', 4)),
];
const log = eventLogFrom(ratings, { items });

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return isEncoreError(error) ? error.code : 'not an EncoreError';
  }
  return undefined;
}

describe('topRated', () => {
  it('Bayesian average with the global mean as prior (m = 10), shown at ≥ 4.0 with ≥ 5 ratings', () => {
    const r = topRated(log, { now: NOW });
    // q (10 · 4 + 25) / 15 = 4.33; p (40 + 20) / 15 = 4.0 exactly: on the threshold, shown;
    // r (40 + 15) / 15 = 3.67: below; t has 4 ratings: too few.
    expect(Array.from(r.ids)).toEqual([Q, P]);
    expect(r.scores[0]).toBeCloseTo(65 / 15, 6);
    expect(r.scores[1]).toBe(4);
    expect(Array.from(r.support)).toEqual([5, 5]);
    expect(r.report).toEqual({ events: 19, future: 0 });
  });

  it('the minimum count edge: 4 ratings pass at minCount 4', () => {
    const r = topRated(log, { now: NOW, minCount: 4 });
    // t: (40 + 16) / 14 = 4.0, ties p on score and follows it on index.
    expect(Array.from(r.ids)).toEqual([Q, P, T]);
    expect(Array.from(topRated(log, { now: NOW, minCount: 6 }).ids)).toEqual([]);
  });

  it('the threshold and the prior weight are options', () => {
    expect(Array.from(topRated(log, { now: NOW, minAverage: 4.2 }).ids)).toEqual([Q]);
    expect(Array.from(topRated(log, { now: NOW, minAverage: 3 }).ids)).toEqual([Q, P, 2]);
    // m = 0: the raw mean. m = 1000: everything collapses onto μ = 4.
    expect(Array.from(topRated(log, { now: NOW, priorWeight: 0 }).scores)).toEqual([5, 4]);
    const heavy = topRated(log, { now: NOW, priorWeight: 1000 });
    expect(Array.from(heavy.ids)).toEqual([Q, P]);
    expect(heavy.scores[0]).toBeCloseTo(4025 / 1005, 6);
  });

  it('few perfect ratings do not beat many good ones', () => {
    const l = eventLogFrom(
      [...times(2, () => rate('p', 5)), ...times(40, () => rate('q', 4.5)), ...times(40, () => rate('r', 3.5))],
      { items },
    );
    // μ = (10 + 180 + 140) / 82 ≈ 4.02: p (10μ + 10) / 12 ≈ 4.18 < q (10μ + 180) / 50 ≈ 4.40.
    const mu = 330 / 82;
    const r = topRated(l, { now: NOW, minCount: 2 });
    expect(Array.from(r.ids)).toEqual([Q, P]);
    expect(r.scores[0]).toBeCloseTo((10 * mu + 180) / 50, 5);
    expect(r.scores[1]).toBeCloseTo((10 * mu + 10) / 12, 5);
    // The raw mean would put the two perfect ratings first.
    expect(Array.from(topRated(l, { now: NOW, minCount: 2, priorWeight: 0 }).ids)).toEqual([P, Q]);
  });

  it('one rating per customer and item (the latest); ratings without a customer count each', () => {
    const l = eventLogFrom(
      [
        rate('p', 1, 3, 'same'),
        rate('p', 5, 2, 'same'), // supersedes the 1
        ...times(4, () => rate('p', 5)),
        { type: 'rate', itemId: 'q', rating: 5, timestamp: NOW - DAY },
        { type: 'rate', itemId: 'q', rating: 5, timestamp: NOW - DAY },
      ],
      { items },
    );
    const r = topRated(l, { now: NOW, minCount: 2 });
    expect(Array.from(r.ids)).toEqual([P, Q]);
    expect(Array.from(r.support)).toEqual([5, 2]);
    expect(Array.from(r.scores)).toEqual([5, 5]);
    // Told that both 'same' events are different customers, the 1 counts.
    const customers = defaultCustomers(l);
    const split = { ids: customers.ids, ofEvent: customers.ofEvent.map((c, e) => (e === 0 ? -1 : c)) };
    expect(Array.from(topRated(l, { now: NOW, minCount: 2, customers: split }).support)).toEqual([2, 6]);
  });

  it('window and future: only ratings in (now − windowDays, now]', () => {
    const l = eventLogFrom(
      [...times(5, () => rate('p', 5, 40)), ...times(5, () => rate('q', 5, 10)), rate('r', 5, -1)],
      {
        items,
      },
    );
    const all = topRated(l, { now: NOW });
    expect(Array.from(all.ids)).toEqual([P, Q]);
    expect(all.report).toEqual({ events: 10, future: 1 });
    expect(Array.from(topRated(l, { now: NOW, windowDays: 30 }).ids)).toEqual([Q]);
    expect(Array.from(topRated(l, { now: NOW, windowDays: 10 }).ids)).toEqual([]);
  });

  it("ratings: 'catalog' reads the review system's aggregates", () => {
    const attributes = itemAttributes(
      catalogFrom([
        { id: 'p', ratingMean: 4.8, ratingCount: 200 },
        { id: 'q', ratingMean: 5, ratingCount: 3 },
        { id: 'r', ratingMean: 3.9, ratingCount: 1000 },
        { id: 't', ratingMean: 4.5 },
      ]),
      items,
    );
    // μ = (960 + 15 + 3900) / 1203; p (10μ + 960) / 210 ≈ 4.76.
    const r = topRated(log, { now: NOW, ratings: 'catalog', attributes });
    expect(Array.from(r.ids)).toEqual([P]);
    const mu = (960 + 15 + 3900) / 1203;
    expect(r.scores[0]).toBeCloseTo((10 * mu + 960) / 210, 5);
    expect(r.support[0]).toBe(200);
    expect(codeOf(() => topRated(log, { now: NOW, ratings: 'catalog' }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('per category, with the shop-wide mean as prior', () => {
    const attributes = itemAttributes(
      catalogFrom([
        { id: 'p', categoryPath: ['Books'] },
        { id: 'q', categoryPath: ['Games'] },
        { id: 'r', categoryPath: ['Games'] },
        { id: 't', categoryPath: ['Books'] },
      ]),
      items,
    );
    expect(Array.from(topRated(log, { now: NOW, attributes, category: 'Books' }).ids)).toEqual([P]);
    const shelves = topRatedByCategory(log, { now: NOW, attributes, minCount: 4 });
    expect(Array.from(shelves.get('Books')?.ids ?? [])).toEqual([P, T]);
    expect(Array.from(shelves.get('Games')?.ids ?? [])).toEqual([Q]);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const bad of [
      { now: NOW, k: 0 },
      { now: NOW, priorWeight: -1 },
      { now: NOW, minCount: 0 },
      { now: NOW, minAverage: Number.NaN },
      { now: NOW, ratings: 'stars' },
      { now: NOW, windowDays: -1 },
      { now: NOW, customers: { ids: new IdMap(), ofEvent: new Int32Array(1) } },
      { now: NOW, threshold: 4 },
    ]) {
      expect(codeOf(() => topRated(log, bad as never))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
