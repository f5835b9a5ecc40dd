import { cooccurrence } from '@encore/cooccurrence';
import {
  type Algorithm,
  type Csr,
  cooToCsr,
  ErrorCode,
  isEncoreError,
  type Model,
  rowLength,
  type TopK,
} from '@encore/core';
import { popular } from '@encore/eval';
import { als, bpr } from '@encore/factorization';
import { describe, expect, it } from 'vitest';

/**
 * The behaviour every recommender honours (after implicit's tests/recommender_base_test.py): one
 * suite run against each algorithm. Adding an algorithm is one line in RECOMMENDERS.
 */
interface Subject {
  // biome-ignore lint/suspicious/noExplicitAny: algorithms differ in their params type
  readonly algorithm: Algorithm<any>;
  /** Params for the fixture (small and fast, still enough to learn the checkerboard). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Params with a value out of range (beyond the unknown key and NaN seed every algorithm rejects). */
  readonly invalid: readonly Readonly<Record<string, unknown>>[];
  /** Whether it must find the checkerboard's known answer (non-personalised baselines cannot). */
  readonly collaborative: boolean;
}

const RECOMMENDERS: readonly Subject[] = [
  { algorithm: popular, params: {}, invalid: [{ seed: 'x' }], collaborative: false },
  {
    algorithm: cooccurrence,
    params: {},
    invalid: [{ neighbours: -1 }, { similarity: 'pearson' }],
    collaborative: true,
  },
  {
    algorithm: bpr,
    params: { factors: 16, epochs: 60 },
    invalid: [{ factors: 0 }, { learningRate: -1 }],
    collaborative: true,
  },
  {
    algorithm: als,
    params: { factors: 16, iterations: 10, regularization: 0.1 },
    invalid: [{ factors: 0 }, { regularization: -1 }],
    collaborative: true,
  },
];

/**
 * Block-diagonal checkerboard: BLOCKS blocks of SIZE customers × SIZE items; customer u (in block
 * ⌊u / SIZE⌋) has every item of their block except item u. With the training matrix excluded, item
 * u is the one unseen item liked by all of u's look-alikes and by no one else, so it is the right
 * first recommendation for any collaborative model. Every item has the same popularity (SIZE − 1).
 */
const BLOCKS = 5;
const SIZE = 8;
const N = BLOCKS * SIZE;

function checkerboard(): Csr {
  const row: number[] = [];
  const col: number[] = [];
  for (let u = 0; u < N; u++) {
    const base = Math.floor(u / SIZE) * SIZE;
    for (let i = base; i < base + SIZE; i++) {
      if (i === u) continue;
      row.push(u);
      col.push(i);
    }
  }
  return cooToCsr({
    rows: N,
    cols: N,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: Float64Array.from(row, (u) => 1.7e12 + u * 60_000),
  });
}

/** Deep copy, so a test can tell whether fit touched its input. */
function copyCsr(m: Csr): Csr {
  return {
    rows: m.rows,
    cols: m.cols,
    indptr: m.indptr.slice(),
    indices: m.indices.slice(),
    data: m.data.slice(),
    times: m.times === null ? null : m.times.slice(),
  };
}

function rowOf(m: Csr, u: number): number[] {
  return Array.from(m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!));
}

/** Distinct in-range ids, scores non-increasing. */
function expectWellFormed(list: TopK, items: number): void {
  expect(list.ids.length).toBe(list.scores.length);
  expect(new Set(list.ids).size).toBe(list.ids.length);
  for (let r = 0; r < list.ids.length; r++) {
    expect(list.ids[r]).toBeGreaterThanOrEqual(0);
    expect(list.ids[r]).toBeLessThan(items);
    if (r > 0) expect(list.scores[r]!).toBeLessThanOrEqual(list.scores[r - 1]!);
  }
}

const everyone = Int32Array.from({ length: N }, (_, u) => u);
const isInvalid = (e: unknown): boolean => isEncoreError(e, ErrorCode.INVALID_ARGUMENT);

describe.each(RECOMMENDERS.map((s) => [s.algorithm.name, s] as const))('recommender contract: %s', (_, subject) => {
  const { algorithm, params } = subject;
  const train = checkerboard();
  let fitted: Promise<Model> | undefined;
  const model = (): Promise<Model> => {
    fitted ??= algorithm.fit(train, params);
    return fitted;
  };

  it.skipIf(!subject.collaborative)('recommends item u first to customer u on the checkerboard', async () => {
    const m = await model();
    const lists = m.recommend(everyone, { k: 1, exclude: train });
    expect(lists.map((l) => l.ids[0])).toEqual(Array.from(everyone));
  });

  it('describes itself: name, frozen defaults, shape, params echoing the resolved defaults', async () => {
    expect(Object.isFrozen(algorithm.defaults)).toBe(true);
    const m = await model();
    expect(m.algorithm).toBe(algorithm.name);
    expect([m.customers, m.items]).toEqual([N, N]);
    expect(m.params).toEqual({ ...algorithm.defaults, ...params });
    const plain = await algorithm.fit(train);
    expect(plain.params).toEqual({ ...algorithm.defaults });
    expect(JSON.parse(JSON.stringify(m.params))).toBeTypeOf('object');
  });

  it('never recommends excluded items', async () => {
    const m = await model();
    // The training rows, then an arbitrary exclude matrix: two items per customer, rows for half of them.
    const arbitrary = cooToCsr({
      rows: N / 2,
      cols: N,
      row: Int32Array.from({ length: N }, (_, e) => e >> 1),
      col: Int32Array.from({ length: N }, (_, e) => (e % 2 === 0 ? (e >> 1) % N : (e * 7 + 3) % N)),
      value: new Float32Array(N).fill(1),
      time: null,
    });
    for (const exclude of [train, arbitrary]) {
      m.recommend(everyone, { k: N, exclude }).forEach((list, u) => {
        const seen = u < exclude.rows ? rowOf(exclude, u) : [];
        for (const id of list.ids) expect(seen).not.toContain(id);
      });
    }
  });

  it('caps k at the candidates and returns sorted, distinct items', async () => {
    const m = await model();
    const lists = m.recommend(everyone, { k: 10_000, exclude: train });
    lists.forEach((list, u) => {
      expect(list.ids.length).toBe(N - rowLength(train, u));
      expectWellFormed(list, N);
    });
    for (const list of m.recommend(everyone, { k: 3 })) {
      expect(list.ids.length).toBe(3);
      expectWellFormed(list, N);
    }
    for (const list of m.recommend(Int32Array.of(0, 1), { k: 0, exclude: train })) expect(list.ids.length).toBe(0);
    expect(m.recommend(new Int32Array(0), { k: 5 })).toEqual([]);
  });

  it('gives the same lists in one batch as one by one', async () => {
    const m = await model();
    const batch = m.recommend(everyone, { k: 5, exclude: train });
    everyone.forEach((u) => {
      const [single] = m.recommend(Int32Array.of(u), { k: 5, exclude: train });
      expect(single).toEqual(batch[u]);
    });
    const reversed = m.recommend(everyone.slice().reverse(), { k: 5, exclude: train });
    expect(reversed.reverse()).toEqual(batch);
  });

  it('serves unknown customers a fallback or an empty list, never an exception', async () => {
    const m = await model();
    const unknown = Int32Array.of(-1, N, N + 1000, 0x7fffffff);
    const lists = m.recommend(unknown, { k: 5, exclude: train });
    expect(lists).toHaveLength(unknown.length);
    for (const list of lists) {
      expect(list.ids.length).toBeLessThanOrEqual(5);
      expectWellFormed(list, N);
    }
  });

  it('rejects a bad k with INVALID_ARGUMENT', async () => {
    const m = await model();
    for (const k of [-1, 1.5, Number.NaN]) {
      expect(() => m.recommend(everyone, { k })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
  });

  it('is deterministic for a seed', async () => {
    const a = await algorithm.fit(train, { ...params, seed: 11 });
    const b = await algorithm.fit(train, { ...params, seed: 11 });
    expect(b.recommend(everyone, { k: 5, exclude: train })).toEqual(a.recommend(everyone, { k: 5, exclude: train }));
  });

  it('rejects bad params with INVALID_ARGUMENT', async () => {
    for (const bad of [{ notAParam: 1 }, { seed: Number.NaN }, ...subject.invalid]) {
      await expect(algorithm.fit(train, { ...params, ...bad }), JSON.stringify(bad)).rejects.toSatisfy(isInvalid);
    }
    await expect(algorithm.fit({ ...train, indptr: new Int32Array(2) }, params)).rejects.toSatisfy(isInvalid);
  });

  it('never mutates its input', async () => {
    const input = checkerboard();
    const before = copyCsr(input);
    const m = await algorithm.fit(input, params);
    m.recommend(everyone, { k: 5, exclude: input });
    expect(input).toEqual(before);
  });
});
