import { type Csr, cooToCsr, ErrorCode, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { popular, random } from './baselines.js';
import { baselineAlgorithms, createAlgorithmRegistry } from './registry.js';

function csr(rows: number, cols: number, byRow: number[][]): Csr {
  const row: number[] = [];
  const col: number[] = [];
  byRow.forEach((items, r) => {
    for (const c of items) {
      row.push(r);
      col.push(c);
    }
  });
  return cooToCsr({
    rows,
    cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

// Item popularity: 0 → 3 customers, 1 → 2, 2 → 1, 3 → 1, 4 → 0.
const train = csr(4, 5, [[0, 1], [0, 2], [0, 1, 3], []]);

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isEncoreError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('popular', () => {
  it('ranks by number of training customers, excludes seen items, ties on the lower index', async () => {
    const model = await popular.fit(train);
    expect(model).toMatchObject({ algorithm: 'popular', customers: 4, items: 5, params: {} });
    const [c0, c2, c3, unseen] = model.recommend(Int32Array.of(0, 2, 3, 99), { k: 2, exclude: train });
    expect(Array.from(c0!.ids)).toEqual([2, 3]); // 2 and 3 tie at 1: lower index first
    expect(Array.from(c0!.scores)).toEqual([1, 1]);
    expect(Array.from(c2!.ids)).toEqual([2, 4]);
    expect(Array.from(c3!.ids)).toEqual([0, 1]);
    expect(Array.from(c3!.scores)).toEqual([3, 2]);
    expect(Array.from(unseen!.ids)).toEqual([0, 1]); // beyond the exclude matrix: nothing excluded
    // k is capped at the number of candidates.
    expect(Array.from(model.recommend(Int32Array.of(2), { k: 10, exclude: train })[0]!.ids)).toEqual([2, 4]);
    expect(Array.from(model.recommend(Int32Array.of(2), { k: 10 })[0]!.ids)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects parameters and a malformed matrix; recommend rejects a bad k', async () => {
    expect(await rejection(popular.fit(train, { alpha: 1 } as never))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await rejection(popular.fit(train, { seed: Number.NaN }))).toBe(ErrorCode.INVALID_ARGUMENT);
    // A shared seed is accepted and changes nothing.
    const seeded = await popular.fit(train, { seed: 7 });
    expect(seeded.params).toEqual({});
    expect(seeded.recommend(Int32Array.of(0), { k: 2, exclude: train })[0]!.ids).toEqual(Int32Array.of(2, 3));
    expect(await rejection(popular.fit({ ...train, indptr: Int32Array.of(0) }))).toBe(ErrorCode.INVALID_ARGUMENT);
    const model = await popular.fit(train);
    expect(() => model.recommend(Int32Array.of(0), { k: -1 })).toThrow();
  });
});

describe('random', () => {
  const big = csr(
    50,
    200,
    Array.from({ length: 50 }, (_, u) => Array.from({ length: u }, (_, j) => (j * 7 + u) % 200)),
  );

  it('recommends k distinct unseen items, deterministic for a seed, independent of batching', async () => {
    const model = await random.fit(big, { seed: 5 });
    expect(model.params).toEqual({ seed: 5 });
    const all = Int32Array.from({ length: 50 }, (_, u) => u);
    const batch = model.recommend(all, { k: 10, exclude: big });
    const again = (await random.fit(big, { seed: 5 })).recommend(all, { k: 10, exclude: big });
    expect(again).toEqual(batch);
    for (let u = 0; u < 50; u++) {
      const alone = model.recommend(Int32Array.of(u), { k: 10, exclude: big })[0]!;
      expect(alone).toEqual(batch[u]);
      const ids = Array.from(batch[u]!.ids);
      expect(new Set(ids).size).toBe(10);
      const seen = new Set(big.indices.subarray(big.indptr[u]!, big.indptr[u + 1]!));
      for (const i of ids) expect(seen.has(i)).toBe(false);
    }
    const other = (await random.fit(big, { seed: 6 })).recommend(all, { k: 10, exclude: big });
    expect(other).not.toEqual(batch);
  });

  it('uses its default seed 42 and caps k at the unseen items (dense branch)', async () => {
    const model = await random.fit(train);
    expect(model.params).toEqual({ seed: 42 });
    const [c2] = model.recommend(Int32Array.of(2), { k: 5, exclude: train });
    expect(Array.from(c2!.ids).sort()).toEqual([2, 4]);
  });

  it('rejects a bad seed or unknown parameter', async () => {
    expect(await rejection(random.fit(train, { seed: Number.NaN }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await rejection(random.fit(train, { sead: 1 } as never))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('algorithm registry', () => {
  it('holds the baselines and resolves names', () => {
    expect([...baselineAlgorithms.keys()]).toEqual(['popular', 'random']);
    expect(baselineAlgorithms.get('popular')).toBe(popular);
    expect(baselineAlgorithms.has('nope')).toBe(false);
    let code: unknown;
    try {
      baselineAlgorithms.get('nope');
    } catch (error) {
      code = isEncoreError(error) ? error.code : error;
      expect(isEncoreError(error) && error.details.known).toEqual(['popular', 'random']);
    }
    expect(code).toBe(ErrorCode.UNKNOWN_ALGORITHM);
  });

  it('extends and rejects duplicate names', () => {
    const extra = { ...random, name: 'random-2' };
    const registry = createAlgorithmRegistry(...baselineAlgorithms.values(), extra);
    expect(registry.size).toBe(3);
    expect(registry.get('random-2')).toBe(extra);
    expect(() => createAlgorithmRegistry(popular, popular)).toThrow();
  });
});
