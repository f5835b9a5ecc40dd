import { type Coo, type Csr, cooToCsr, ErrorCode, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { popular } from './baselines.js';
import { evaluate } from './harness.js';

function coo(rows: number, cols: number, byRow: number[][]): Coo {
  const row: number[] = [];
  const col: number[] = [];
  byRow.forEach((items, r) => {
    for (const c of items) {
      row.push(r);
      col.push(c);
    }
  });
  return {
    rows,
    cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  };
}

// Popularity 0:3, 1:2, 2:1, 3:1, 4:0.
const train = coo(4, 5, [[0, 1], [0, 2], [0, 1, 3], []]);
// At k = 2: c0 gets [2, 3] (hit at rank 1), c1 gets [1, 3] (miss), c3 gets [0, 1] (hit at rank 1).
const test = coo(4, 5, [[2], [4], [], [0]]);

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isEncoreError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('evaluate', () => {
  it('popular end to end on a tiny matrix with a known answer', async () => {
    const progress: Array<[number, string]> = [];
    const result = await evaluate(popular, {}, { train, test, k: 2, onProgress: (f, l) => progress.push([f, l]) });
    expect(result.algorithm).toBe('popular');
    expect(result.users).toBe(3);
    expect(result.k).toBe(2);
    const m = result.metrics;
    expect(m.precision).toBeCloseTo(1 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.ndcg).toBeCloseTo(2 / 3, 12);
    expect(m.map).toBeCloseTo(2 / 3, 12);
    expect(m.mapAtK).toBeCloseTo(2 / 3, 12);
    expect(m.hitRate).toBeCloseTo(2 / 3, 12);
    // Recommended {0, 1, 2, 3} of the 5 catalog items.
    expect(m.coverage).toBe(0.8);
    expect(result.timings.trainSeconds).toBeGreaterThanOrEqual(0);
    expect(result.timings.recommendSeconds).toBeGreaterThanOrEqual(0);
    expect(progress.at(-1)).toEqual([1, 'recommend']);
  });

  it('gives the same metrics for Csr input and any batch size', async () => {
    const base = await evaluate(popular, {}, { train, test, k: 2 });
    const csrTrain: Csr = cooToCsr(train);
    const other = await evaluate(popular, {}, { train: csrTrain, test: cooToCsr(test), k: 2, batchSize: 1 });
    expect(other.metrics).toEqual(base.metrics);
  });

  it('rejects bad input, shape mismatches and aborts', async () => {
    expect(await rejection(evaluate(popular, {}, { train, test, k: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await rejection(evaluate(popular, {}, { train, test, batchSize: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await rejection(evaluate(popular, {}, { train, test: { ...test, cols: 6 } }))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(await rejection(evaluate(popular, { x: 1 }, { train, test }))).toBe(ErrorCode.INVALID_ARGUMENT);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(await rejection(evaluate(popular, {}, { train, test, signal: controller.signal }))).toBe('Error: stop');
  });

  it('rejects a model that returns the wrong number of lists', async () => {
    const broken = {
      name: 'broken',
      defaults: {},
      fit: async () => ({ algorithm: 'broken', params: {}, customers: 4, items: 5, recommend: () => [] }),
    };
    expect(await rejection(evaluate(broken, {}, { train, test }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
