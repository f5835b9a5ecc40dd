import { ANONYMOUS_PREFIX, ErrorCode, type Event, eventLogFrom, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { type CustomerHistory, cartItems, customerHistories, historyOf, recentItems } from './history.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const items = IdMap.from(['a', 'b', 'c', 'd']);

function log(events: Event[]) {
  return eventLogFrom(events, { items });
}

function history(rows: [item: number, type: number, minute: number][]): CustomerHistory {
  return {
    items: Int32Array.from(rows, (r) => r[0]),
    types: Uint8Array.from(rows, (r) => r[1]),
    times: Float64Array.from(rows, (r) => T0 + r[2] * MIN),
  };
}
// EVENT_TYPES codes: view 0, cart 1, remove_from_cart 2, purchase 3, wishlist 4, rate 5, search 6, return 7.

function invalid(call: () => unknown): boolean {
  try {
    call();
  } catch (error) {
    return isEncoreError(error, ErrorCode.INVALID_ARGUMENT);
  }
  return false;
}

describe('customerHistories', () => {
  const events: Event[] = [
    { type: 'view', userId: 'u1', itemId: 'b', timestamp: T0 + 5 * MIN },
    { type: 'view', anonymousId: 'cookie', itemId: 'c', timestamp: T0 },
    { type: 'purchase', userId: 'u1', itemId: 'a', timestamp: T0 + 2 * MIN }, // out of time order
    { type: 'search', userId: 'u1', query: 'lamp', timestamp: T0 + 3 * MIN }, // no item
    { type: 'cart', userId: 'u1', itemId: 'd', timestamp: T0 + 99 * MIN }, // after now
    { type: 'cart', userId: 'u2', itemId: 'a', timestamp: T0 + MIN },
  ];

  it('groups events by customer, oldest first, and leaves out itemless and future events', () => {
    const h = customerHistories(log(events), { now: T0 + 60 * MIN });
    expect(h.report).toEqual({ events: 4, future: 1, unusable: 1 });
    const u1 = historyOf(h, 'u1');
    expect(Array.from(u1.items)).toEqual([0, 1]);
    expect(Array.from(u1.types)).toEqual([3, 0]);
    expect(Array.from(u1.times)).toEqual([T0 + 2 * MIN, T0 + 5 * MIN]);
    expect(Array.from(historyOf(h, `${ANONYMOUS_PREFIX}cookie`).items)).toEqual([2]);
    expect(Array.from(historyOf(h, h.customers.indexOf('u2')).items)).toEqual([0]);
  });

  it('keeps every event without now, and gives a new visitor an empty history', () => {
    const h = customerHistories(log(events));
    expect(h.report.future).toBe(0);
    expect(Array.from(historyOf(h, 'u1').items)).toEqual([0, 1, 3]);
    expect(historyOf(h, 'stranger').items.length).toBe(0);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    const h = customerHistories(log(events));
    expect(invalid(() => historyOf(h, 99))).toBe(true);
    expect(invalid(() => historyOf(h, -1))).toBe(true);
    expect(invalid(() => customerHistories(log(events), { now: Number.NaN }))).toBe(true);
    expect(invalid(() => customerHistories(log(events), { at: 1 } as never))).toBe(true);
    expect(
      invalid(() => customerHistories(log(events), { customers: { ids: new IdMap(), ofEvent: new Int32Array(2) } })),
    ).toBe(true);
    expect(invalid(() => customerHistories({} as never))).toBe(true);
  });
});

describe('cartItems', () => {
  it('is the open cart: added, not since removed or bought; most recent first', () => {
    const h = history([
      [0, 1, 0], // cart a
      [1, 1, 1], // cart b
      [2, 1, 2], // cart c
      [1, 2, 3], // remove b
      [2, 3, 4], // buy c
      [3, 1, 5], // cart d
      [1, 1, 6], // cart b again
      [0, 0, 7], // view a (does not touch the cart)
    ]);
    expect(Array.from(cartItems(h))).toEqual([1, 3, 0]);
    expect(cartItems(history([])).length).toBe(0);
  });

  it('rejects a malformed history', () => {
    expect(
      invalid(() =>
        cartItems(
          history([
            [0, 1, 5],
            [1, 1, 4],
          ]),
        ),
      ),
    ).toBe(true); // time going back
    expect(invalid(() => cartItems(history([[0, 9, 0]])))).toBe(true); // no such type
    expect(
      invalid(() => cartItems({ items: new Int32Array(2), types: new Uint8Array(1), times: new Float64Array(2) })),
    ).toBe(true);
    expect(invalid(() => cartItems({ items: [0], types: [0], times: [0] } as never))).toBe(true);
  });
});

describe('recentItems', () => {
  const h = history([
    [0, 3, 0], // buy a
    [1, 0, 1], // view b
    [2, 0, 2], // view c
    [1, 0, 3], // view b again
    [3, 6, 4], // a search type with an item: not a default type
  ]);

  it('lists distinct items of the chosen types, most recent first, up to the limit', () => {
    expect(Array.from(recentItems(h))).toEqual([1, 2, 0]);
    expect(Array.from(recentItems(h, { limit: 2 }))).toEqual([1, 2]);
    expect(Array.from(recentItems(h, { types: ['purchase'] }))).toEqual([0]);
    expect(Array.from(recentItems(h, { types: ['search', 'view'] }))).toEqual([3, 1, 2]);
  });

  it('rejects an unknown type or a bad limit', () => {
    expect(invalid(() => recentItems(h, { types: ['click' as never] }))).toBe(true);
    expect(invalid(() => recentItems(h, { limit: 0 }))).toBe(true);
  });
});
