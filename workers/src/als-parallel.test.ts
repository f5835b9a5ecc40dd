import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Coo, type Csr, cooToCsr, createRng, ErrorCode } from '@encore/core';
import { fitAls } from '@encore/factorization';
import { ALS_ROW_BLOCK } from '@encore/factorization/internal/kernels';
import { describe, expect, it } from 'vitest';
import { alsParallel, balancedRanges, DEFAULT_ALS_PARALLEL_PARAMS, fitAlsParallel } from './als-parallel.js';
import { createWorkerPool } from './pool.js';

// The pool runs the built worker (dist/internal/worker.js); `npm test` builds first.
if (!existsSync(fileURLToPath(new URL('../dist/internal/worker.js', import.meta.url)))) {
  throw new Error('@encore/workers is not built: run npm run build (npm test does)');
}

function randomMatrix(users: number, items: number, perUser: number, seed: number): Csr {
  const rng = createRng(seed);
  const row: number[] = [];
  const col: number[] = [];
  for (let u = 0; u < users; u++) {
    const seen = new Set<number>();
    // Skewed activity so row ranges need balancing by entries, not rows.
    const n = Math.min(items, 1 + Math.floor(perUser * 4 * rng.next() ** 3));
    while (seen.size < n) seen.add(Math.floor(items * rng.next() ** 2));
    for (const i of seen) {
      row.push(u);
      col.push(i);
    }
  }
  const coo: Coo = {
    rows: users,
    cols: items,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: Float32Array.from(row, () => 1 + rng.int(5)),
    time: null,
  };
  return cooToCsr(coo);
}

const PARAMS = Object.freeze({ factors: 12, regularization: 2, alpha: 3, iterations: 5 });

describe('fitAlsParallel', () => {
  const matrix = randomMatrix(700, 300, 12, 9);

  it(`gives the same bits as single-threaded fitAls`, async () => {
    const single = fitAls(matrix, PARAMS);
    for (const threads of [2, 3]) {
      const iterations: number[] = [];
      const parallel = await fitAlsParallel(
        matrix,
        { ...PARAMS, threads },
        { onIteration: (it) => iterations.push(it.iteration) },
      );
      expect(iterations).toEqual([1, 2, 3, 4, 5]);
      expect(Buffer.from(parallel.userFactors.buffer).equals(Buffer.from(single.userFactors.buffer))).toBe(true);
      expect(Buffer.from(parallel.itemFactors.buffer).equals(Buffer.from(single.itemFactors.buffer))).toBe(true);
      expect(parallel.history.map((h) => h.loss)).toEqual(single.history.map((h) => h.loss));
      expect(parallel.params.threads).toBe(threads);
    }
  });

  it(`brings a worker's typed error back as an EncoreError`, async () => {
    // One customer, one item, λ = 0: YᵀY + (c − 1)yyᵀ has rank 1, so the exact solve fails in the worker.
    const tiny = cooToCsr({
      rows: 1,
      cols: 1,
      row: Int32Array.of(0),
      col: Int32Array.of(0),
      value: Float32Array.of(1),
      time: null,
    });
    await expect(
      fitAlsParallel(tiny, { factors: 4, regularization: 0, solver: 'cholesky', iterations: 1, threads: 2 }),
    ).rejects.toMatchObject({ name: 'EncoreError', code: ErrorCode.DIVERGED });
  });

  it(`stops on abort and closes its pool`, async () => {
    const controller = new AbortController();
    const pending = fitAlsParallel(
      matrix,
      { ...PARAMS, iterations: 50, threads: 2 },
      { signal: controller.signal, onIteration: (it) => it.iteration === 2 && controller.abort(new Error('stop')) },
    );
    await expect(pending).rejects.toThrow('stop');
  });

  it('runs on a given pool, leaves it running for the next fit and gives the same bits', async () => {
    const pool = await createWorkerPool({ threads: 2 });
    try {
      const single = fitAls(matrix, PARAMS);
      for (let fit = 0; fit < 2; fit++) {
        const model = await fitAlsParallel(matrix, { ...PARAMS, threads: 3 }, { pool });
        expect(Buffer.from(model.userFactors.buffer).equals(Buffer.from(single.userFactors.buffer))).toBe(true);
        expect(pool.liveThreads).toBe(2);
      }
    } finally {
      await pool.close();
    }
    await expect(fitAlsParallel(matrix, { ...PARAMS, threads: 2 }, { pool })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(createWorkerPool({ threads: 0 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });

  it('rejects with WORKER_FAILED, and does not hang, when its pool is torn down mid-fit', async () => {
    const pool = await createWorkerPool({ threads: 2 });
    const big = randomMatrix(3000, 800, 30, 3);
    const pending = fitAlsParallel(
      big,
      { ...PARAMS, factors: 32, iterations: 200, threads: 2 },
      { pool, onIteration: (it) => it.iteration === 1 && void pool.close() },
    );
    await expect(pending).rejects.toMatchObject({ name: 'EncoreError', code: ErrorCode.WORKER_FAILED });
  });

  it('validates params before starting workers', async () => {
    await expect(fitAlsParallel(matrix, { threads: 0 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(fitAlsParallel(matrix, { alpha: Number.NaN, threads: 2 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(fitAlsParallel(matrix, { epochs: 3 } as never)).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  it(`alsParallel honours the recommender contract`, async () => {
    expect(alsParallel.name).toBe('als');
    expect(alsParallel.defaults).toBe(DEFAULT_ALS_PARALLEL_PARAMS);
    const model = await alsParallel.fit(matrix, { ...PARAMS, threads: 2 });
    const lists = model.recommend(Int32Array.of(0, 1, 5000), { k: 5, exclude: matrix });
    expect(lists.map((l) => l.ids.length)).toEqual([5, 5, 0]);
  });
});

describe('balancedRanges', () => {
  it('cuts aligned ranges whose work decreases, biggest first, as guided scheduling wants', () => {
    const matrix = randomMatrix(4000, 400, 20, 4);
    const half = { rows: matrix.rows, indptr: matrix.indptr, factors: 8, blockRows: ALS_ROW_BLOCK };
    for (const parts of [1, 2, 4, 8]) {
      const cuts = balancedRanges(half, parts);
      expect(cuts.length).toBe(parts + 1);
      expect(cuts[0]).toBe(0);
      expect(cuts[parts]).toBe(4000);
      const work: number[] = [];
      let biggestBlock = 0;
      for (let b = 0; b < 4000; b += ALS_ROW_BLOCK) {
        const end = Math.min(4000, b + ALS_ROW_BLOCK);
        biggestBlock = Math.max(biggestBlock, matrix.indptr[end]! - matrix.indptr[b]! + (end - b) * 5);
      }
      for (let t = 0; t < parts; t++) {
        const from = cuts[t]!;
        const to = cuts[t + 1]!;
        expect(from % ALS_ROW_BLOCK).toBe(0);
        expect(to >= from).toBe(true);
        work.push(matrix.indptr[to]! - matrix.indptr[from]! + (to - from) * 5);
      }
      const total = work.reduce((a, b) => a + b, 0);
      // Range k holds (2(parts − k) − 1)/parts² of the work, give or take a block at each end.
      work.forEach((w, k) => {
        expect(Math.abs(w - (total * (2 * (parts - k) - 1)) / parts ** 2)).toBeLessThanOrEqual(biggestBlock);
      });
      for (let k = 1; k < parts; k++) expect(work[k]!).toBeLessThanOrEqual(work[k - 1]! + biggestBlock);
    }
  });

  it('leaves ranges empty, never overlapping, when there are fewer blocks than parts', () => {
    const matrix = randomMatrix(3 * ALS_ROW_BLOCK, 50, 5, 1);
    const cuts = balancedRanges({ rows: matrix.rows, indptr: matrix.indptr, factors: 8, blockRows: ALS_ROW_BLOCK }, 8);
    for (let t = 0; t < 8; t++) expect(cuts[t + 1]! >= cuts[t]!).toBe(true);
    expect(cuts[8]).toBe(matrix.rows);
    expect(new Set(cuts).size).toBeLessThanOrEqual(4);
  });
});
