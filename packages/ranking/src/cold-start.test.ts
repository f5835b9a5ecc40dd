import { catalogFrom, ErrorCode, IdMap, isEncoreError, type TopK } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import type { CandidateSource } from './candidates.js';
import { chooseSources, SOURCE_REASONS } from './cold-start.js';
import type { CustomerHistory } from './history.js';
import { rankItems } from './rank.js';

const NOW = Date.UTC(2024, 5, 1);
const MIN = 60_000;
const items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7']);
const attributes = itemAttributes(catalogFrom(items.ids().map((id) => ({ id }))), items);

// Bought together: 0 ↔ 1 (5), 0 ↔ 2 (2), 3 ↔ 4 (4), 3 ↔ 1 (1); nothing for 5.
const NEIGHBOURS = new Map<number, [number, number][]>([
  [
    0,
    [
      [1, 5],
      [2, 2],
    ],
  ],
  [
    1,
    [
      [0, 5],
      [3, 1],
    ],
  ],
  [2, [[0, 2]]],
  [
    3,
    [
      [4, 4],
      [1, 1],
    ],
  ],
  [4, [[3, 4]]],
]);
const together = (item: number): TopK | undefined => {
  const list = NEIGHBOURS.get(item);
  if (list === undefined) return undefined;
  return { ids: Int32Array.from(list, (x) => x[0]), scores: Float32Array.from(list, (x) => x[1]) };
};
const bestSellers: CandidateSource = {
  name: 'best-sellers',
  ids: Int32Array.of(7, 6, 1, 0),
  scores: Float64Array.of(90, 80, 70, 60),
};
const als: CandidateSource = { name: 'als', ids: Int32Array.of(6, 2), scores: Float64Array.of(0.5, 0.4) };

// EVENT_TYPES codes: view 0, cart 1, remove_from_cart 2, purchase 3.
function history(rows: [item: number, type: number][]): CustomerHistory {
  return {
    items: Int32Array.from(rows, (r) => r[0]),
    types: Uint8Array.from(rows, (r) => r[1]),
    times: Float64Array.from(rows, (_, p) => NOW - (rows.length - p) * MIN),
  };
}
const empty = history([]);

describe('chooseSources', () => {
  it('no history: the curated lists, and the explanation says why', () => {
    for (const h of [undefined, empty]) {
      const plan = chooseSources(h, { personal: [], together, curated: [bestSellers] });
      expect(plan.strategy).toBe('curated');
      expect(plan.seeds.length).toBe(0);
      expect(plan.sources).toEqual([{ ...bestSellers, reason: SOURCE_REASONS.noHistory }]);
      const list = rankItems(plan.sources, { attributes, now: NOW });
      expect(Array.from(list.ids)).toEqual([7, 6, 1, 0]);
      expect(list.explanations[0]?.contributions[0]?.reason).toBe('cold-start:no-history');
    }
  });

  it('only a cart: bought-together from the cart items, because = the cart item', () => {
    // Carted 0 then 3, removed nothing; viewed 5 before.
    const h = history([
      [5, 0],
      [0, 1],
      [3, 1],
    ]);
    const plan = chooseSources(h, { together, curated: [bestSellers] });
    expect(plan.strategy).toBe('cart');
    expect(Array.from(plan.seeds)).toEqual([3, 0]); // most recently added first; views do not seed
    const [bt, backfill] = plan.sources;
    expect(bt?.name).toBe('bought-together');
    expect(bt?.reason).toBe(SOURCE_REASONS.cart);
    // Seed 3 proposes 4 (4) and 1 (1), seed 0 proposes 1 (5) and 2 (2): 1 sums to 6, because of 0.
    expect(Array.from(bt?.ids ?? [])).toEqual([1, 4, 2]);
    expect(Array.from(bt?.scores ?? [])).toEqual([6, 4, 2]);
    expect(Array.from(bt?.because ?? [])).toEqual([0, 3, 0]);
    expect(backfill).toEqual({ ...bestSellers, weight: 0.1, reason: SOURCE_REASONS.backfill });

    // Ranked: curated items fill in behind, without the cart's own item 0 (open cart exclusion).
    const list = rankItems(plan.sources, { attributes, history: h, now: NOW });
    expect(Array.from(list.ids)).toEqual([1, 4, 2, 7, 6]);
    expect(list.explanations[0]?.because).toBe(0);
    expect(list.explanations[0]?.becauseEvent).toBe('cart');
    expect(list.explanations[1]?.contributions[0]?.reason).toBe('cold-start:cart');
    expect(list.explanations[3]?.contributions[0]?.reason).toBe('backfill');
  });

  it('a cart emptied by removal is no cart: browsing seeds bought-together', () => {
    const h = history([
      [0, 1],
      [0, 2],
      [3, 0],
    ]);
    const plan = chooseSources(h, { together, curated: [bestSellers] });
    expect(plan.strategy).toBe('recent');
    expect(Array.from(plan.seeds)).toEqual([3, 0]); // viewed 3, carted 0: both recent
    expect(plan.sources[0]?.reason).toBe(SOURCE_REASONS.recent);
  });

  it('a customer the personal models know: their sources, bought-together from cart then recent items, backfill', () => {
    const h = history([
      [2, 3],
      [4, 0],
      [0, 1],
    ]);
    const plan = chooseSources(h, { personal: [als], together, curated: [bestSellers] }, { maxSeeds: 2 });
    expect(plan.strategy).toBe('personal');
    expect(Array.from(plan.seeds)).toEqual([0, 4]); // cart first, then the latest of the rest
    expect(plan.sources.map((s) => [s.name, s.reason, s.weight])).toEqual([
      ['als', undefined, undefined],
      ['bought-together', SOURCE_REASONS.recentItems, 1],
      ['best-sellers', SOURCE_REASONS.backfill, 0.1],
    ]);
  });

  it('personal sources without candidates do not make a customer known', () => {
    const none = { ...als, ids: new Int32Array(0), scores: new Float64Array(0) };
    expect(chooseSources(history([[0, 1]]), { personal: [none], together }).strategy).toBe('cart');
  });

  it('without a bought-together provider, history falls back to the curated lists', () => {
    const plan = chooseSources(history([[0, 1]]), { curated: [bestSellers] });
    expect(plan.strategy).toBe('curated');
    expect(plan.sources[0]?.reason).toBe(SOURCE_REASONS.curated);
  });

  it('seeds without neighbours give an empty bought-together source; the backfill still fills', () => {
    const h = history([[5, 1]]);
    const plan = chooseSources(h, { together, curated: [bestSellers] }, { backfillWeight: 0.5 });
    expect(plan.strategy).toBe('cart');
    expect(plan.sources[0]?.ids.length).toBe(0);
    expect(Array.from(rankItems(plan.sources, { attributes, history: h, now: NOW }).ids)).toEqual([7, 6, 1, 0]);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const call of [
      () => chooseSources(empty, { together: 3 as never }),
      () => chooseSources(empty, { curated: bestSellers as never }),
      () => chooseSources(empty, { curated: [{ name: 'x' } as never] }),
      () => chooseSources(empty, { models: [] } as never),
      () => chooseSources(empty, {}, { maxSeeds: 0 }),
      () => chooseSources(empty, {}, { backfillWeight: -1 }),
      () => chooseSources(empty, {}, { historyTypes: ['click' as never] }),
      () => chooseSources({ items: [] } as never, {}),
    ]) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(isEncoreError(caught, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    }
  });
});
