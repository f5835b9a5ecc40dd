import { catalogFrom, ErrorCode, type Event, eventLogFrom, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import { bestSellers, bestSellersByCategory } from './best-sellers.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);
const items = IdMap.from(['a', 'b', 'c', 'd', 'e', 'f']);
const [A, B, C, D, , F] = [0, 1, 2, 3, 4, 5];
const catalog = catalogFrom([
  { id: 'a', categoryPath: ['Home', 'Lighting'], price: 9, stock: 0 },
  { id: 'b', categoryPath: ['Home', 'Textiles'], price: 7, stock: 4 },
  { id: 'c', categoryPath: ['Garden'] },
  { id: 'd', categoryPath: ['Garden'], price: 1 },
  { id: 'e', categoryPath: ['Toys'] },
  { id: 'f', price: 2 },
]);
const attributes = itemAttributes(catalog, items);

const buy = (itemId: string, daysAgo: number, quantity?: number, price?: number): Event => ({
  type: 'purchase',
  userId: 'u',
  itemId,
  timestamp: NOW - daysAgo * DAY,
  quantity,
  price,
});
const back = (itemId: string, daysAgo: number, quantity: number): Event => ({
  type: 'return',
  userId: 'u',
  itemId,
  timestamp: NOW - daysAgo * DAY,
  quantity,
});
const log = eventLogFrom(
  [
    buy('a', 1, 3, 10),
    buy('a', 2, 2, 10),
    buy('b', 3, 4),
    back('b', 1, 1),
    buy('c', 0), // exactly now: counts; no quantity: 1 unit
    buy('c', 30, 1), // exactly a window ago: does not count
    buy('d', 29.999, 10),
    back('d', 5, 10), // d nets 0: not listed
    buy('e', -1 / 24, 2), // an hour after now
    buy('e', 40, 1), // before the window
    buy('f', 10, 5, 2),
    { type: 'view', userId: 'u', itemId: 'e', timestamp: NOW - DAY },
  ],
  { items },
);

const list = (r: { ids: Int32Array; scores: Float32Array; support: Float32Array }) => ({
  ids: Array.from(r.ids),
  scores: Array.from(r.scores),
  support: Array.from(r.support),
});

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return isEncoreError(error) ? error.code : 'not an EncoreError';
  }
  return undefined;
}

describe('bestSellers', () => {
  it('net units in (now − 30 days, now], ties on the lower index; future events reported', () => {
    const r = bestSellers(log, { now: NOW });
    // a 3 + 2; f 5; b 4 − 1; c 1; d 10 − 10 = 0.
    expect(list(r)).toEqual({ ids: [A, F, B, C], scores: [5, 5, 3, 1], support: [2, 1, 1, 1] });
    expect(r.report).toEqual({ events: 8, future: 1 });
  });

  it('returns can be left alone', () => {
    expect(list(bestSellers(log, { now: NOW, subtractReturns: false }))).toEqual({
      ids: [D, A, F, B, C],
      scores: [10, 5, 5, 4, 1],
      support: [1, 2, 1, 1, 1],
    });
  });

  it('measure purchases counts events; revenue uses the event price, else the catalog price', () => {
    // Purchases: a 2; b 1 − 1; c 1; d 1 − 1; f 1.
    expect(list(bestSellers(log, { now: NOW, measure: 'purchases' })).ids).toEqual([A, C, F]);
    // Revenue: a 5 × 10; b (4 − 1) × 7 (catalog); f 5 × 2; c has no price; d (10 − 10) × 1.
    const r = bestSellers(log, { now: NOW, measure: 'revenue', attributes });
    expect(list(r)).toEqual({ ids: [A, B, F], scores: [50, 21, 10], support: [2, 1, 1] });
    // Without attributes there is no catalog price for b.
    expect(list(bestSellers(log, { now: NOW, measure: 'revenue' })).ids).toEqual([A, F]);
  });

  it('window edges: an event at now counts, one exactly a window before does not', () => {
    // (now − 2 days, now]: a's 3 (1 day ago), c (now), b's return; a's 2 units at exactly 2 days are out.
    expect(list(bestSellers(log, { now: NOW, windowDays: 2 }))).toEqual({
      ids: [A, C],
      scores: [3, 1],
      support: [1, 1],
    });
    // Moving now back a day takes c out and a's 2 units in.
    expect(list(bestSellers(log, { now: NOW - DAY, windowDays: 2 })).ids).toEqual([A]);
    expect(bestSellers(log, { now: NOW, windowDays: Number.POSITIVE_INFINITY }).ids).toContain(4);
  });

  it('k caps the list', () => {
    expect(Array.from(bestSellers(log, { now: NOW, k: 1 }).ids)).toEqual([A]);
    expect(bestSellers(log, { now: NOW, k: 50 }).ids.length).toBe(4);
  });

  it('per category: one category and its subcategories, or a filter', () => {
    expect(Array.from(bestSellers(log, { now: NOW, attributes, category: 'Home' }).ids)).toEqual([A, B]);
    expect(Array.from(bestSellers(log, { now: NOW, attributes, category: 'Home > Textiles' }).ids)).toEqual([B]);
    expect(Array.from(bestSellers(log, { now: NOW, attributes, filter: { inStock: true } }).ids)).toEqual([F, B, C]);
  });

  it('byCategory: every category keyed by name, empty lists included', () => {
    const shelves = bestSellersByCategory(log, { now: NOW, attributes });
    expect([...shelves.keys()]).toEqual(['Home > Lighting', 'Home > Textiles', 'Garden', 'Toys']);
    expect(Array.from(shelves.get('Home > Lighting')?.ids ?? [])).toEqual([A]);
    expect(Array.from(shelves.get('Home > Textiles')?.ids ?? [])).toEqual([B]);
    expect(Array.from(shelves.get('Garden')?.ids ?? [])).toEqual([C]);
    expect(shelves.get('Toys')?.ids.length).toBe(0);
    expect(shelves.get('Garden')?.report).toEqual({ events: 8, future: 1 });
    const coarse = itemAttributes(catalog, items, { categoryDepth: 1 });
    const home = bestSellersByCategory(log, { now: NOW, attributes: coarse, category: 'Home', k: 1 });
    expect([...home.keys()]).toEqual(['Home']);
    expect(Array.from(home.get('Home')?.ids ?? [])).toEqual([A]);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    const bad: [string, () => unknown][] = [
      ['no now', () => bestSellers(log, {} as never)],
      ['NaN now', () => bestSellers(log, { now: Number.NaN })],
      ['k 0', () => bestSellers(log, { now: NOW, k: 0 })],
      ['k negative', () => bestSellers(log, { now: NOW, k: -3 })],
      ['window 0', () => bestSellers(log, { now: NOW, windowDays: 0 })],
      ['unknown measure', () => bestSellers(log, { now: NOW, measure: 'profit' as never })],
      ['unknown option', () => bestSellers(log, { now: NOW, window: 3 } as never)],
      ['category without attributes', () => bestSellers(log, { now: NOW, category: 'Home' })],
      ['unknown category', () => bestSellers(log, { now: NOW, attributes, category: 'Kitchen' })],
      ['byCategory without attributes', () => bestSellersByCategory(log, { now: NOW })],
      [
        'attributes of another map',
        () => bestSellers(log, { now: NOW, attributes: itemAttributes(catalog, IdMap.from(['a'])) }),
      ],
      ['not a log', () => bestSellers({} as never, { now: NOW })],
    ];
    for (const [, call] of bad) expect(codeOf(call)).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
