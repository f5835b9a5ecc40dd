import { catalogFrom, ErrorCode, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import type { CandidateSource } from './candidates.js';
import type { CustomerHistory } from './history.js';
import { type RankContext, type RankOptions, rankItems } from './rank.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);

// Eight items in four categories (and one without).
const items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7']);
const attributes = itemAttributes(
  catalogFrom([
    { id: 'i0', categoryPath: ['Home', 'Lighting'], price: 10, margin: 0.5, stock: 5 },
    { id: 'i1', categoryPath: ['Home', 'Lighting'], price: 20, margin: 0.1, stock: 0 },
    { id: 'i2', categoryPath: ['Home', 'Textiles'], price: 30, stock: 3, attributes: new Map([['promotion', true]]) },
    { id: 'i3', categoryPath: ['Home', 'Textiles'], price: 40, margin: -0.5 },
    { id: 'i4', categoryPath: ['Garden'], price: 50, margin: 0.3, stock: 1 },
    { id: 'i5', categoryPath: ['Garden'], stock: 2 },
    { id: 'i6', categoryPath: ['Toys'], price: 5, stock: 9 },
    { id: 'i7', price: 15, stock: 1 },
  ]),
  items,
);
const context: RankContext = { attributes, now: NOW };

function source(name: string, ids: number[], scores: number[], extra: Partial<CandidateSource> = {}): CandidateSource {
  return { name, ids: Int32Array.from(ids), scores: Float64Array.from(scores), ...extra };
}

// EVENT_TYPES codes: view 0, cart 1, remove_from_cart 2, purchase 3, wishlist 4.
function history(rows: [item: number, type: number, daysAgo: number][]): CustomerHistory {
  return {
    items: Int32Array.from(rows, (r) => r[0]),
    types: Uint8Array.from(rows, (r) => r[1]),
    times: Float64Array.from(rows, (r) => NOW - r[2] * DAY),
  };
}

/** Scaled reciprocal rank with c = 60. */
const rrf = (rank: number): number => 61 / (60 + rank);

const rank = (sources: CandidateSource[], options: RankOptions = {}, ctx: RankContext = context) =>
  rankItems(sources, ctx, options);
const ids = (sources: CandidateSource[], options: RankOptions = {}, ctx: RankContext = context) =>
  Array.from(rankItems(sources, ctx, options).ids);

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return isEncoreError(error) ? error.code : 'not an EncoreError';
  }
  return undefined;
}

describe('rankItems: blending', () => {
  const x = source('x', [0, 1, 2], [3, 2, 1]);
  const y = source('y', [2, 4], [10, 5], { weight: 2 });

  it('rrf (default): weight × (c + 1) / (c + rank), summed over sources', () => {
    const r = rank([x, y]);
    expect(Array.from(r.ids)).toEqual([2, 4, 0, 1]);
    expect(r.scores[0]).toBeCloseTo(rrf(3) + 2 * rrf(1), 6);
    expect(r.scores[1]).toBeCloseTo(2 * rrf(2), 6);
    expect(r.scores[2]).toBeCloseTo(rrf(1), 6);
    expect(r.scores[3]).toBeCloseTo(rrf(2), 6);
    expect(r.report).toEqual({ candidates: 4, filtered: 0, excluded: 0, capped: 0, pinsDropped: 0 });
  });

  it('minmax: (s − min) / (max − min) per source; equal scores tie on the lower index', () => {
    const r = rank([x, { ...y, weight: 1 }], { normalize: 'minmax' });
    // 0: 1; 2: 0 + 1; 1: 0.5; 4: 0.
    expect(Array.from(r.ids)).toEqual([0, 2, 1, 4]);
    expect(Array.from(r.scores)).toEqual([1, 1, 0.5, 0]);
    // One candidate, or all equal: each scores 1.
    expect(Array.from(rank([source('z', [5, 6], [7, 7])], { normalize: 'minmax' }).scores)).toEqual([1, 1]);
  });

  it('none: raw scores times weights', () => {
    const r = rank([x, y], { normalize: 'none' });
    expect(Array.from(r.ids)).toEqual([2, 4, 0, 1]);
    expect(Array.from(r.scores)).toEqual([21, 10, 3, 2]);
  });

  it('tied scores share a rank, whatever the input order', () => {
    const r = rank([source('t', [3, 1, 0], [5, 1, 5])]);
    expect(Array.from(r.ids)).toEqual([0, 3, 1]);
    expect(r.scores[0]).toBeCloseTo(rrf(1), 6);
    expect(r.scores[1]).toBeCloseTo(rrf(1), 6);
    expect(r.scores[2]).toBeCloseTo(rrf(3), 6);
    expect(r.explanations.map((e) => e.contributions[0]?.rank)).toEqual([1, 1, 3]);
  });

  it('a weight of 0 keeps the candidates at score 0', () => {
    const r = rank([source('x', [0, 1], [2, 1], { weight: 0 }), source('y', [1], [1])]);
    expect(Array.from(r.ids)).toEqual([1, 0]);
    expect(r.scores[1]).toBe(0);
  });

  it('normalises over the candidates left after filters and exclusions', () => {
    // Item 0, the model's top pick, was bought: item 1 becomes the model's rank 1 and scores a full 1.
    const r = rank([source('als', [0, 1], [9, 1])], {}, { ...context, history: history([[0, 3, 10]]) });
    expect(Array.from(r.ids)).toEqual([1]);
    expect(r.scores[0]).toBeCloseTo(1, 6);
    expect(r.explanations[0]?.contributions[0]?.rank).toBe(1);
  });

  it('caps k at the qualifying candidates', () => {
    expect(ids([x, y], { k: 2 })).toEqual([2, 4]);
    expect(ids([x, y], { k: 100 })).toHaveLength(4);
    expect(ids([])).toEqual([]);
  });
});

describe('rankItems: exclusions', () => {
  const all = source('all', [0, 1, 2, 3, 4, 5, 6, 7], [8, 7, 6, 5, 4, 3, 2, 1]);
  const h = history([
    [0, 3, 400], // bought 0 long ago
    [1, 3, 10], // bought 1 recently
    [2, 1, 5], // carted 2, then removed it
    [2, 2, 4],
    [3, 1, 3], // 3 is in the open cart
    [4, 0, 1], // viewed 4
    [5, 3, -1], // bought 5 tomorrow: after now, ignored
  ]);

  it('default: everything ever bought and the open cart', () => {
    const r = rank([all], {}, { ...context, history: h });
    expect(Array.from(r.ids)).toEqual([2, 4, 5, 6, 7]);
    expect(r.report.excluded).toBe(3);
  });

  it('look-back per event type, in days before now', () => {
    expect(ids([all], { exclude: { purchase: 30 } }, { ...context, history: h })).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(ids([all], { exclude: { view: 2, cart: 2 } }, { ...context, history: h })).toEqual([0, 1, 2, 3, 5, 6, 7]);
    expect(ids([all], { exclude: { view: 1 } }, { ...context, history: h })).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ids([all], { exclude: { remove_from_cart: Number.POSITIVE_INFINITY } }, { ...context, history: h })).toEqual(
      [0, 1, 3, 4, 5, 6, 7],
    );
  });

  it('{} excludes nothing; no history excludes nothing', () => {
    expect(ids([all], { exclude: {} }, { ...context, history: h })).toHaveLength(8);
    expect(ids([all])).toHaveLength(8);
  });

  it('without now, every history event counts and finite look-backs are refused', () => {
    const noNow = { attributes, history: h };
    expect(ids([all], {}, noNow)).toEqual([2, 4, 6, 7]); // 5's purchase now counts too
    expect(codeOf(() => rank([all], { exclude: { purchase: 30 } }, noNow))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('rankItems: filters', () => {
  const all = source('all', [0, 1, 2, 3, 4, 5, 6, 7], [8, 7, 6, 5, 4, 3, 2, 1]);

  it('category, stock, price range and item lists, counted in the report', () => {
    expect(ids([all], { filter: { categories: ['Home'] } })).toEqual([0, 1, 2, 3]);
    expect(ids([all], { filter: { categories: ['Home > Textiles', 'Toys'] } })).toEqual([2, 3, 6]);
    expect(ids([all], { filter: { inStock: true } })).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(ids([all], { filter: { minPrice: 15, maxPrice: 40 } })).toEqual([1, 2, 3, 7]);
    expect(ids([all], { filter: { items: Int32Array.of(6, 1) } })).toEqual([1, 6]);
    expect(ids([all], { filter: { excludeItems: Int32Array.of(0, 1, 2) } })).toEqual([3, 4, 5, 6, 7]);
    expect(rank([all], { filter: { categories: ['Garden'] } }).report.filtered).toBe(6);
  });

  it('runs before exclusions: an item both filtered and excluded counts as filtered', () => {
    const r = rank(
      [all],
      { filter: { categories: ['Garden'] } },
      {
        ...context,
        history: history([
          [0, 3, 1],
          [4, 3, 1],
        ]),
      },
    );
    expect(Array.from(r.ids)).toEqual([5]);
    expect(r.report).toMatchObject({ candidates: 8, filtered: 6, excluded: 1 });
  });

  it('an unknown category is INVALID_ARGUMENT', () => {
    expect(codeOf(() => rank([all], { filter: { categories: ['Kitchen'] } }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('rankItems: boosts and bury', () => {
  // rrf ranks 1..4 for items 0, 4, 6, 2.
  const s = source('s', [0, 4, 6, 2], [4, 3, 2, 1]);

  it('margin boost multiplies by 1 + w · margin; items without a margin stay', () => {
    const r = rank([s], { marginBoost: 1 });
    // 0: rrf(1) · 1.5; 4: rrf(2) · 1.3; 6: rrf(3) (no margin); 2: rrf(4) (no margin).
    expect(Array.from(r.ids)).toEqual([0, 4, 6, 2]);
    expect(r.scores[0]).toBeCloseTo(rrf(1) * 1.5, 6);
    expect(r.scores[1]).toBeCloseTo(rrf(2) * 1.3, 6);
    expect(r.explanations.map((e) => e.boost)).toEqual([1.5, Math.fround(0.3) + 1, 1, 1]);
    // 6 (no margin) leads 4 (margin 0.3) until the boost: rrf(2) · 1.3 > rrf(1).
    const lead = source('lead', [6, 4], [2, 1]);
    expect(ids([lead])).toEqual([6, 4]);
    expect(ids([lead], { marginBoost: 1 })).toEqual([4, 6]);
  });

  it('a negative margin lowers, never below 0', () => {
    const r = rank([source('s', [3, 6], [2, 1])], { marginBoost: 4 });
    // 3: margin −0.5 → max(0, 1 − 2) = 0.
    expect(Array.from(r.ids)).toEqual([6, 3]);
    expect(r.scores[1]).toBe(0);
  });

  it('promotion flag and item-list boosts multiply', () => {
    const r = rank([s], {
      promotionBoost: 3,
      boosts: [
        { items: Int32Array.of(2, 6), factor: 2 },
        { items: Int32Array.of(2), factor: 1.5 },
      ],
    });
    // 2: rrf(4) · 3 · 2 · 1.5 = 9 · rrf(4); 6: rrf(3) · 2.
    expect(Array.from(r.ids)).toEqual([2, 6, 0, 4]);
    expect(r.scores[0]).toBeCloseTo(rrf(4) * 9, 5);
    expect(r.explanations[0]?.boost).toBe(9);
    expect(r.scores[1]).toBeCloseTo(rrf(3) * 2, 6);
  });

  it('with raw negative scores a factor above 1 still lifts', () => {
    const r = rank([source('mf', [0, 6], [-1, -1.2])], {
      normalize: 'none',
      boosts: [{ items: Int32Array.of(6), factor: 1.5 }],
    });
    // 6: −1.2 + 1.2 · 0.5 = −0.6 > −1.
    expect(Array.from(r.ids)).toEqual([6, 0]);
    expect(r.scores[0]).toBeCloseTo(-0.6, 6);
  });

  it('bury moves items below all others, keeping their order', () => {
    const r = rank([s], { bury: Int32Array.of(4, 0) });
    expect(Array.from(r.ids)).toEqual([6, 2, 0, 4]);
    expect(r.explanations.map((e) => e.buried)).toEqual([false, false, true, true]);
    expect(ids([s], { bury: Int32Array.of(0), k: 3 })).toEqual([4, 6, 2]);
  });

  it('buryOutOfStock buries known stock ≤ 0 instead of dropping it', () => {
    const t = source('t', [1, 0, 3], [3, 2, 1]); // 1 has stock 0; 3 stock unknown
    expect(ids([t], { buryOutOfStock: true })).toEqual([0, 3, 1]);
    expect(ids([t], { filter: { inStock: true } })).toEqual([0, 3]);
  });
});

describe('rankItems: diversity cap', () => {
  // Scores 8..1 for items 0..7: Home > Lighting 0, 1; Home > Textiles 2, 3; Garden 4, 5; Toys 6; none 7.
  const all = source('all', [0, 1, 2, 3, 4, 5, 6, 7], [8, 7, 6, 5, 4, 3, 2, 1]);

  it('keeps at most maxPerCategory items of a category; uncategorised items are not capped', () => {
    const r = rank([all], { maxPerCategory: 1 });
    expect(Array.from(r.ids)).toEqual([0, 2, 4, 6, 7]);
    expect(r.report.capped).toBe(3);
    expect(ids([all], { maxPerCategory: 1, k: 3 })).toEqual([0, 2, 4]);
    expect(ids([source('n', [7, 0, 1], [3, 2, 1])], { maxPerCategory: 1 })).toEqual([7, 0]);
  });

  it('is applied to the categories of attributes (their depth), after boosts and bury', () => {
    const coarse = itemAttributes(
      catalogFrom([...['i0', 'i1', 'i2', 'i3'].map((id) => ({ id, categoryPath: ['Home', id] }))]),
      IdMap.from(['i0', 'i1', 'i2', 'i3']),
      { categoryDepth: 1 },
    );
    const s = source('s', [0, 1, 2, 3], [4, 3, 2, 1]);
    expect(ids([s], { maxPerCategory: 2 }, { attributes: coarse })).toEqual([0, 1]);
    expect(ids([s], { maxPerCategory: 2, bury: Int32Array.of(0) }, { attributes: coarse })).toEqual([1, 2]);
    expect(
      ids([s], { maxPerCategory: 2, boosts: [{ items: Int32Array.of(3), factor: 10 }] }, { attributes: coarse }),
    ).toEqual([3, 0]);
  });

  it('pinned items count towards their category', () => {
    expect(ids([all], { maxPerCategory: 1, pins: [{ item: 1, slot: 2 }], k: 4 })).toEqual([2, 4, 1, 6]);
  });
});

describe('rankItems: pins', () => {
  const s = source('s', [0, 2, 4, 6], [4, 3, 2, 1]);

  it('places an item at its slot, whether or not a source proposed it', () => {
    const r = rank([s], {
      pins: [
        { item: 5, slot: 1 },
        { item: 6, slot: 0 },
      ],
    });
    expect(Array.from(r.ids)).toEqual([6, 5, 0, 2, 4]);
    expect(r.explanations.map((e) => e.pinned)).toEqual([true, true, false, false, false]);
    expect(r.scores[1]).toBe(0); // 5 came from no source
    expect(r.explanations[1]?.contributions).toEqual([]);
    expect(r.scores[0]).toBeCloseTo(rrf(4), 6); // 6 keeps its score and its explanation
    expect(r.explanations[0]?.contributions[0]?.source).toBe('s');
  });

  it('a slot past the end of a short list lands at the end; a slot ≥ k is dropped', () => {
    expect(ids([s], { pins: [{ item: 7, slot: 8 }], k: 10 })).toEqual([0, 2, 4, 6, 7]);
    const r = rank([s], { pins: [{ item: 7, slot: 3 }], k: 3 });
    expect(Array.from(r.ids)).toEqual([0, 2, 4]);
    expect(r.report.pinsDropped).toBe(1);
    expect(ids([s], { pins: [{ item: 7, slot: 2 }], k: 3 })).toEqual([0, 2, 7]);
  });

  it('respects filters and exclusions', () => {
    const r = rank(
      [s],
      {
        pins: [
          { item: 1, slot: 0 },
          { item: 3, slot: 1 },
        ],
        filter: { inStock: true },
      },
      {
        ...context,
        history: history([[3, 3, 1]]),
      },
    );
    expect(Array.from(r.ids)).toEqual([0, 2, 4, 6]);
    expect(r.report.pinsDropped).toBe(2);
  });

  it('overrides bury', () => {
    expect(ids([s], { bury: Int32Array.of(0), pins: [{ item: 0, slot: 0 }] })).toEqual([0, 2, 4, 6]);
  });

  it('rejects two pins on one slot or one item pinned twice', () => {
    expect(
      codeOf(() =>
        rank([s], {
          pins: [
            { item: 1, slot: 0 },
            { item: 3, slot: 0 },
          ],
        }),
      ),
    ).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(
      codeOf(() =>
        rank([s], {
          pins: [
            { item: 1, slot: 0 },
            { item: 1, slot: 1 },
          ],
        }),
      ),
    ).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => rank([s], { pins: [{ item: 8, slot: 0 }] }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => rank([s], { pins: [{ item: 1, slot: -1 }] }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('rankItems: order of the rules', () => {
  it('filters → exclusions → blend → boosts/bury → cap → pins', () => {
    const a = source('a', [0, 1, 2, 3, 4, 6], [6, 5, 4, 3, 2, 1]);
    const r = rank(
      [a],
      {
        filter: { excludeItems: Int32Array.of(6) }, // 1. 6 goes
        boosts: [{ items: Int32Array.of(3), factor: 100 }], // 4. 3 jumps to the top
        bury: Int32Array.of(0), // 4. 0 sinks
        maxPerCategory: 1, // 5. one per category: 3 (Textiles) shuts out 2, 1 (Lighting) shuts out 0
        pins: [{ item: 7, slot: 1 }], // 6.
      },
      { ...context, history: history([[4, 3, 2]]) }, // 2. 4 was bought
    );
    expect(Array.from(r.ids)).toEqual([3, 7, 1]);
    expect(r.report).toEqual({ candidates: 6, filtered: 1, excluded: 1, capped: 2, pinsDropped: 0 });
  });
});

describe('rankItems: explanations', () => {
  it('name every source, its contribution and the customer item behind it', () => {
    const als = source('als', [4, 6], [0.9, 0.8]);
    const bt = source('bought-together', [6, 2], [12, 3], {
      because: Int32Array.of(0, 1),
      weight: 0.5,
      reason: 'recent-items',
    });
    const r = rank(
      [als, bt],
      {},
      {
        ...context,
        history: history([
          [0, 3, 20],
          [0, 0, 2],
          [1, 0, 1],
        ]),
      },
    );
    // 6: rrf(2) + 0.5 · rrf(1); 4: rrf(1); 2: 0.5 · rrf(2).
    expect(Array.from(r.ids)).toEqual([6, 4, 2]);
    const first = r.explanations[0];
    expect(first?.contributions).toEqual([
      { source: 'als', reason: undefined, score: 0.8, rank: 2, contribution: rrf(2), because: -1 },
      { source: 'bought-together', reason: 'recent-items', score: 12, rank: 1, contribution: 0.5 * rrf(1), because: 0 },
    ]);
    expect(first?.because).toBe(0);
    expect(first?.becauseEvent).toBe('purchase'); // bought and viewed: the purchase words it
    expect(r.explanations[1]).toEqual({
      contributions: [{ source: 'als', reason: undefined, score: 0.9, rank: 1, contribution: 1, because: -1 }],
      because: -1,
      becauseEvent: undefined,
      boost: 1,
      buried: false,
      pinned: false,
    });
    expect(r.explanations[2]?.because).toBe(1);
    expect(r.explanations[2]?.becauseEvent).toBe('view');
  });

  it('are deterministic whatever the order of the sources', () => {
    const a = source('a', [0, 1, 2], [1, 1, 1]);
    const b = source('b', [2, 1, 0], [1, 1, 1]);
    expect(Array.from(rank([a, b]).ids)).toEqual([0, 1, 2]);
    expect(Array.from(rank([b, a]).ids)).toEqual([0, 1, 2]);
  });
});

describe('rankItems: purity', () => {
  it('never mutates its input', () => {
    const s = source('s', [6, 0, 4, 2], [1, 4, 3, 2], { because: Int32Array.of(-1, 1, -1, -1) });
    const h = history([
      [1, 3, 2],
      [3, 1, 1],
    ]);
    const before = [Array.from(s.ids), Array.from(s.scores), Array.from(s.because ?? []), Array.from(h.items)];
    const first = rank([s], { maxPerCategory: 1, pins: [{ item: 7, slot: 0 }] }, { ...context, history: h });
    expect([Array.from(s.ids), Array.from(s.scores), Array.from(s.because ?? []), Array.from(h.items)]).toEqual(before);
    const again = rank([s], { maxPerCategory: 1, pins: [{ item: 7, slot: 0 }] }, { ...context, history: h });
    expect(again).toEqual(first);
  });
});

describe('rankItems: invalid input', () => {
  const ok = source('s', [0, 1], [1, 2]);
  it.each([
    ['k = 0', [ok], context, { k: 0 }],
    ['k fractional', [ok], context, { k: 2.5 }],
    ['ids and scores of different lengths', [source('s', [0, 1], [1])], context, {}],
    ['an id out of range', [source('s', [8], [1])], context, {}],
    ['a repeated id', [source('s', [1, 1], [1, 2])], context, {}],
    ['a NaN score', [source('s', [1], [Number.NaN])], context, {}],
    ['an infinite score', [source('s', [1], [Number.POSITIVE_INFINITY])], context, {}],
    ['a NaN weight', [source('s', [1], [1], { weight: Number.NaN })], context, {}],
    ['a negative weight', [source('s', [1], [1], { weight: -1 })], context, {}],
    ['two sources with one name', [ok, ok], context, {}],
    ['because of another length', [source('s', [1], [1], { because: Int32Array.of(1, 2) })], context, {}],
    ['ids not an Int32Array', [{ name: 's', ids: [1], scores: Float64Array.of(1) }], context, {}],
    ['an unknown option', [ok], context, { limit: 3 }],
    ['an unknown normalisation', [ok], context, { normalize: 'zscore' }],
    ['a NaN boost', [ok], context, { boosts: [{ items: Int32Array.of(1), factor: Number.NaN }] }],
    ['a NaN margin boost', [ok], context, { marginBoost: Number.NaN }],
    ['maxPerCategory 0', [ok], context, { maxPerCategory: 0 }],
    ['an unknown exclusion type', [ok], context, { exclude: { bought: 1 } }],
    ['a zero look-back', [ok], context, { exclude: { purchase: 0 } }],
    ['bury ids out of range', [ok], context, { bury: Int32Array.of(9) }],
    ['no attributes', [ok], { now: NOW }, {}],
    ['a NaN now', [ok], { attributes, now: Number.NaN }, {}],
    [
      'a history out of time order',
      [ok],
      {
        attributes,
        history: history([
          [0, 0, 1],
          [1, 0, 2],
        ]),
      },
      {},
    ],
    ['sources not an array', ok, context, {}],
  ])('%s is INVALID_ARGUMENT', (_, sources, ctx, options) => {
    expect(codeOf(() => rankItems(sources as never, ctx as never, options as never))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
