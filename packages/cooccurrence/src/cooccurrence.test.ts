import { type Csr, cooToCsr, ErrorCode, isEncoreError } from '@encore/core';
import { generateSynthetic } from '@encore/datasets';
import { describe, expect, it } from 'vitest';
import { basketMatrix } from './baskets.js';
import {
  buildCooccurrence,
  buildCrossOccurrence,
  type CooccurrenceRelation,
  rescoreCooccurrence,
  updateCooccurrence,
  updateCrossOccurrence,
} from './cooccurrence.js';
import { pairScore } from './scores.js';

/** A binary baskets × items Csr from lists of items. */
function baskets(lists: readonly (readonly number[])[], cols?: number): Csr {
  const row: number[] = [];
  const col: number[] = [];
  lists.forEach((items, r) => {
    for (const i of items) {
      row.push(r);
      col.push(i);
    }
  });
  const width = cols ?? Math.max(0, ...col) + 1;
  return cooToCsr(
    {
      rows: lists.length,
      cols: width,
      row: Int32Array.from(row),
      col: Int32Array.from(col),
      value: new Float32Array(row.length).fill(1),
      time: null,
    },
    { combine: 'max' },
  );
}

function rowOf(r: CooccurrenceRelation, i: number): { ids: number[]; scores: number[]; support: number[] } {
  const { indptr, ids, scores, support } = r.neighbours;
  const s = indptr[i] as number;
  const e = indptr[i + 1] as number;
  return {
    ids: Array.from(ids.subarray(s, e)),
    scores: Array.from(scores.subarray(s, e)),
    support: Array.from(support.subarray(s, e)),
  };
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(isEncoreError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return;
  }
  throw new Error('expected an EncoreError');
}

// Items 0..3 in 5 baskets (the last one empty: it is not a basket).
const TINY = baskets([[0, 1, 2], [0, 1], [1, 2], [0, 3], []]);

describe('buildCooccurrence: known answers', () => {
  it('counts co-occurrence by hand: item and pair counts, N, support', () => {
    const r = buildCooccurrence(TINY, { similarity: 'count', minSupport: 1 });
    expect(r.baskets).toBe(4);
    expect(Array.from(r.rowCounts)).toEqual([3, 3, 2, 1]);
    // Pairs: (0,1) 2, (0,2) 1, (0,3) 1, (1,2) 2. Ties break on the lower id.
    expect(rowOf(r, 0)).toEqual({ ids: [1, 2, 3], scores: [2, 1, 1], support: [2, 1, 1] });
    expect(rowOf(r, 1)).toEqual({ ids: [0, 2], scores: [2, 2], support: [2, 2] });
    expect(rowOf(r, 2)).toEqual({ ids: [1, 0], scores: [2, 1], support: [2, 1] });
    expect(rowOf(r, 3)).toEqual({ ids: [0], scores: [1], support: [1] });
  });

  it('scores each similarity as pairScore does, and drops pairs under minSupport', () => {
    for (const similarity of ['jaccard', 'cosine', 'lift', 'llr'] as const) {
      const r = buildCooccurrence(TINY, { similarity, minSupport: 1 });
      const row = rowOf(r, 1);
      const expected = [
        [0, pairScore(similarity, 2, 3, 3, 4)],
        [2, pairScore(similarity, 2, 3, 2, 4)],
      ]
        .filter(([, s]) => (s as number) > 0)
        .sort((a, b) => (b[1] as number) - (a[1] as number) || (a[0] as number) - (b[0] as number));
      expect(row.ids).toEqual(expected.map(([j]) => j));
      row.scores.forEach((s, t) => {
        expect(s).toBeCloseTo(expected[t]![1] as number, 5);
      });
    }
    const pruned = buildCooccurrence(TINY, { similarity: 'count', minSupport: 2 });
    expect(rowOf(pruned, 0).ids).toEqual([1]);
    expect(rowOf(pruned, 3).ids).toEqual([]);
  });

  it('LLR keeps only positively associated pairs', () => {
    // 0 and 1 each in half the baskets, never together: anti-associated.
    const m = baskets([[0], [0], [1], [1], [0, 2], [1, 2]]);
    const r = buildCooccurrence(m, { minSupport: 1 });
    expect(rowOf(r, 0).ids).not.toContain(1);
  });

  it('keeps the top `neighbours` per item', () => {
    const r = buildCooccurrence(TINY, { similarity: 'count', minSupport: 1, neighbours: 1 });
    expect(rowOf(r, 0).ids).toEqual([1]);
    expect(rowOf(r, 1).ids).toEqual([0]);
  });

  it('checkerboard: items of two disjoint groups only ever neighbour their own group', () => {
    const lists: number[][] = [];
    for (let b = 0; b < 200; b++) {
      const base = b % 2 === 0 ? 0 : 5;
      lists.push([base + (b % 5), base + ((b * 3 + 1) % 5), base + ((b * 7 + 2) % 5)]);
    }
    const r = buildCooccurrence(baskets(lists, 10), { minSupport: 1 });
    for (let i = 0; i < 10; i++) {
      const group = i < 5 ? 0 : 1;
      const ids = rowOf(r, i).ids;
      expect(ids.length).toBeGreaterThan(0);
      for (const j of ids) expect(j < 5 ? 0 : 1).toBe(group);
    }
  });
});

describe('planted bundles of the synthetic shop', () => {
  it('every planted pair is each other’s top bought-together neighbour (LLR, order baskets)', () => {
    const { log, truth, options } = generateSynthetic({ preset: 'small' });
    const { matrix, items } = basketMatrix(log, { by: 'order' });
    const r = buildCooccurrence(matrix);
    const pairs = truth.bundles.slice(0, options.bundles);
    expect(pairs.length).toBe(20);
    for (const [a, b] of pairs as [string, string][]) {
      const ia = items.indexOf(a);
      const ib = items.indexOf(b);
      expect(rowOf(r, ia).ids[0], `${a} → ${b}`).toBe(ib);
      expect(rowOf(r, ib).ids[0], `${b} → ${a}`).toBe(ia);
    }
    // Triples: the two other members are each member's top two.
    for (const triple of truth.bundles.slice(options.bundles)) {
      const ids = triple.map((id) => items.indexOf(id));
      for (const i of ids) {
        expect(new Set(rowOf(r, i).ids.slice(0, 2))).toEqual(new Set(ids.filter((j) => j !== i)));
      }
    }
  });
});

describe('down-sampling caps', () => {
  const lists: number[][] = [];
  for (let b = 0; b < 300; b++) lists.push(Array.from({ length: 1 + (b % 40) }, (_, t) => (b * 7 + t * 13) % 60));
  const big = baskets(lists.map((l) => [...new Set(l)]));

  it('bounds counts per item and is deterministic for a seed', () => {
    const options = { similarity: 'count', minSupport: 1, maxPerBasket: 10, maxPerItem: 30, seed: 3 } as const;
    const a = buildCooccurrence(big, options);
    const b = buildCooccurrence(big, options);
    expect(a).toEqual(b);
    expect(Math.max(...a.rowCounts)).toBeLessThanOrEqual(30);
    for (let i = 0; i < a.rows; i++) for (const s of rowOf(a, i).support) expect(s).toBeLessThanOrEqual(30);
    const c = buildCooccurrence(big, { ...options, seed: 4 });
    expect(c.counts).not.toEqual(a.counts);
  });

  it('changes nothing when the caps do not bind', () => {
    const a = buildCooccurrence(big, { seed: 1 });
    const b = buildCooccurrence(big, { seed: 2 });
    expect(a.neighbours).toEqual(b.neighbours);
  });
});

describe('incremental updates', () => {
  const { log } = generateSynthetic({ preset: 'small', customers: 300 });
  const all = basketMatrix(log, { by: 'order' }).matrix;
  const half = Math.floor(all.rows / 2);
  const slice = (m: Csr, from: number, to: number, cols = m.cols): Csr => {
    const base = m.indptr[from] as number;
    return {
      rows: to - from,
      cols,
      indptr: m.indptr.slice(from, to + 1).map((p) => p - base),
      indices: m.indices.slice(base, m.indptr[to]),
      data: m.data.slice(base, m.indptr[to]),
      times: null,
    };
  };

  it('old baskets + update == a full recount (co-occurrence), also when new items appear', () => {
    for (const similarity of ['llr', 'lift', 'jaccard'] as const) {
      const full = buildCooccurrence(all, { similarity, minSupport: 1 });
      // The first half is built over fewer item columns: the update grows the item space.
      let maxCol = 0;
      for (let p = 0; p < (all.indptr[half] as number); p++) maxCol = Math.max(maxCol, (all.indices[p] as number) + 1);
      const first = buildCooccurrence(slice(all, 0, half, maxCol), { similarity, minSupport: 1 });
      const updated = updateCooccurrence(first, slice(all, half, all.rows));
      expect(updated.rows).toBe(full.rows);
      expect(updated.baskets).toBe(full.baskets);
      expect(updated.rowCounts).toEqual(full.rowCounts);
      expect(updated.neighbours).toEqual(full.neighbours);
    }
  });

  it('old baskets + update == a full recount (cross-occurrence)', () => {
    const views = basketMatrix(log, { by: 'customer', types: ['view'] }).matrix;
    const buys = basketMatrix(log, { by: 'customer', types: ['purchase'] }).matrix;
    const h = Math.floor(views.rows / 2);
    const full = buildCrossOccurrence(views, buys);
    const first = buildCrossOccurrence(slice(views, 0, h), slice(buys, 0, h));
    const updated = updateCrossOccurrence(first, slice(views, h, views.rows), slice(buys, h, buys.rows));
    expect(updated.baskets).toBe(full.baskets);
    expect(updated.neighbours).toEqual(full.neighbours);
  });

  it('rescoring from kept counts equals building with the other options', () => {
    const built = buildCooccurrence(all, { similarity: 'cosine', minSupport: 3, neighbours: 5 });
    const rescored = rescoreCooccurrence(buildCooccurrence(all), {
      similarity: 'cosine',
      minSupport: 3,
      neighbours: 5,
    });
    expect(rescored.neighbours).toEqual(built.neighbours);
  });

  it('refuses relations without counts and the wrong kind', () => {
    const noCounts = buildCooccurrence(all, { keepCounts: false });
    expect(noCounts.counts).toBeNull();
    expectCode(() => updateCooccurrence(noCounts, all), ErrorCode.INVALID_ARGUMENT);
    expectCode(() => rescoreCooccurrence(noCounts, { similarity: 'lift' }), ErrorCode.INVALID_ARGUMENT);
    const cross = buildCrossOccurrence(all, all);
    expectCode(() => updateCooccurrence(cross, all), ErrorCode.INVALID_ARGUMENT);
    expectCode(() => updateCrossOccurrence(buildCooccurrence(all), all, all), ErrorCode.INVALID_ARGUMENT);
  });
});

describe('boundary checks', () => {
  it('rejects bad options and matrices with INVALID_ARGUMENT', () => {
    const bad: unknown[] = [
      { similarity: 'pearson' },
      { minSupport: 0 },
      { neighbours: 1.5 },
      { maxPerBasket: -1 },
      { maxPerItem: 0 },
      { seed: Number.NaN },
      { keepCounts: 'yes' },
      { name: '' },
      { minsupport: 2 },
    ];
    for (const options of bad) {
      expectCode(() => buildCooccurrence(TINY, options as never), ErrorCode.INVALID_ARGUMENT);
    }
    expectCode(() => buildCooccurrence({ ...TINY, indptr: new Int32Array(2) }), ErrorCode.INVALID_ARGUMENT);
    expectCode(() => buildCrossOccurrence(TINY, baskets([[0]])), ErrorCode.INVALID_ARGUMENT);
  });
});
