import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Csr, cooToCsr, createRng, ErrorCode } from '@encore/core';
import type { FactorScoring } from '@encore/factorization';
import { type ScoredRange, scoreNaive } from '@encore/factorization/internal/kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolTask } from './internal/worker.js';
import { createWorkerPool, type WorkerPool } from './pool.js';
import { type ScoredBatch, type ScoreProgress, type ScoringPool, scoreCustomers } from './score.js';

// The pool runs the built worker (dist/internal/worker.js); `npm test` builds first.
if (!existsSync(fileURLToPath(new URL('../dist/internal/worker.js', import.meta.url)))) {
  throw new Error('@encore/workers is not built: run npm run build (npm test does)');
}

function randomModel(users: number, items: number, f: number, seed: number): FactorScoring {
  const rng = createRng(seed);
  return {
    factors: f,
    items,
    userFactors: Float32Array.from({ length: users * f }, () => rng.next() - 0.4),
    itemFactors: Float32Array.from({ length: items * f }, () => rng.next() - 0.4),
  };
}

function randomExclude(rows: number, cols: number, perRow: number, seed: number): Csr {
  const rng = createRng(seed);
  const row: number[] = [];
  const col: number[] = [];
  for (let u = 0; u < rows; u++) {
    const seen = new Set<number>();
    for (let t = rng.int(2 * perRow + 1); t > 0; t--) seen.add(rng.int(cols));
    for (const i of seen) {
      row.push(u);
      col.push(i);
    }
  }
  return cooToCsr({
    rows,
    cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

/** Batches as delivered: checks they come in order, back to back, and gathers the lists. */
function collector(count: number, k: number) {
  const ids = new Int32Array(count * k).fill(-2);
  const scores = new Float32Array(count * k);
  const customers: number[] = [];
  let expectedFrom = 0;
  const onResults = (batch: ScoredBatch): void => {
    expect(batch.from).toBe(expectedFrom);
    expect(batch.k).toBe(k);
    expect(batch.ids.length).toBe((batch.to - batch.from) * k);
    expectedFrom = batch.to;
    customers.push(...batch.customers);
    ids.set(batch.ids, batch.from * k);
    scores.set(batch.scores, batch.from * k);
  };
  return { ids, scores, customers, onResults, end: () => expectedFrom };
}

function expectLists(ids: Int32Array | null, scores: Float32Array | null, reference: ScoredRange): void {
  expect(ids).not.toBeNull();
  expect(Array.from(ids!)).toEqual(Array.from(reference.ids));
  expect(Array.from(scores!)).toEqual(Array.from(reference.scores));
}

/**
 * A pool that passes tasks to `pool`, turning some into a worker thread's death mid-range; the
 * errors its tasks rejected with land in `errors`.
 */
function faultyPool(
  pool: WorkerPool,
  dies: (task: PoolTask & { kind: 'score' }) => boolean,
  errors: unknown[] = [],
): ScoringPool {
  return {
    threads: pool.threads,
    run: ((task: PoolTask, signal?: AbortSignal) => {
      const pending = pool.run(task.kind === 'score' && dies(task) ? { ...task, exitAfter: 5 } : task, signal);
      pending.catch((error: unknown) => errors.push(error));
      return pending;
    }) as WorkerPool['run'],
  };
}

describe('scoreCustomers', () => {
  const model = randomModel(1500, 700, 16, 3);
  const exclude = randomExclude(1400, 700, 20, 4);
  const filterItems = Int32Array.of(0, 1, 2, 650);
  const k = 12;
  const reference = scoreNaive(model, { k, exclude, filterItems });
  let pool: WorkerPool;

  beforeAll(async () => {
    pool = await createWorkerPool({ threads: 2 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives the naive lists on a pool and inline, with either kernel', async () => {
    for (const kernel of ['wasm', 'js'] as const) {
      const pooled = await scoreCustomers(model, { k, exclude, filterItems, kernel, pool, rangeSize: 97 });
      expect(pooled).toMatchObject({ customers: 1500, k, kernel, inline: false, threads: 2, ranges: 16, retries: 0 });
      expectLists(pooled.ids, pooled.scores, reference);
      const inline = await scoreCustomers(model, { k, exclude, filterItems, kernel, inline: true, rangeSize: 400 });
      expect(inline).toMatchObject({ kernel, inline: true, threads: 1, ranges: 4 });
      expectLists(inline.ids, inline.scores, reference);
    }
    // Its own pool (made and closed here).
    const own = await scoreCustomers(model, { k, exclude, filterItems, threads: 2, inline: false });
    expect(own).toMatchObject({ inline: false, threads: 2, kernel: 'wasm' });
    expect(own.gflops).toBeGreaterThan(0);
    expectLists(own.ids, own.scores, reference);
    // Small jobs run inline under 'auto'.
    expect((await scoreCustomers(model, { k: 3 })).inline).toBe(true);
  });

  it('streams lists to onResults in customer order, each customer once', async () => {
    const c = collector(1500, k);
    const result = await scoreCustomers(model, {
      k,
      exclude,
      filterItems,
      pool,
      rangeSize: 64,
      onResults: async (batch) => {
        // A slow consumer: later ranges finish first and must wait their turn.
        if (batch.from % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
        c.onResults(batch);
      },
    });
    expect(result.ids).toBeNull();
    expect(c.end()).toBe(1500);
    expect(c.customers).toEqual(Array.from({ length: 1500 }, (_, u) => u));
    expectLists(c.ids, c.scores, reference);
  });

  it('scores a given subset of customers in its order', async () => {
    const customers = Int32Array.from({ length: 300 }, (_, t) => (t * 37) % 1500);
    const subset = scoreNaive(model, { k, exclude, customers });
    const c = collector(300, k);
    await scoreCustomers(model, { k, exclude, customers, pool, rangeSize: 50, onResults: c.onResults });
    expect(c.customers).toEqual(Array.from(customers));
    expectLists(c.ids, c.scores, subset);
  });

  it('reports progress that never goes back and ends at the total', async () => {
    for (const inline of [false, true]) {
      const reports: ScoreProgress[] = [];
      await scoreCustomers(model, {
        k,
        pool,
        inline,
        rangeSize: 100,
        progressIntervalMs: 0,
        onProgress: (p) => reports.push(p),
      });
      expect(reports.length).toBeGreaterThan(3);
      for (let t = 1; t < reports.length; t++) expect(reports[t]!.done).toBeGreaterThan(reports[t - 1]!.done);
      const last = reports.at(-1)!;
      expect(last).toMatchObject({ done: 1500, total: 1500, etaSeconds: 0 });
      expect(last.rate).toBeGreaterThan(0);
      expect(reports.every((p) => p.total === 1500 && p.etaSeconds >= 0 && Number.isFinite(p.etaSeconds))).toBe(true);
    }
  });

  it('stops on abort with the signal reason and leaves the pool usable', async () => {
    for (const inline of [false, true]) {
      const controller = new AbortController();
      const reason = new Error('stop scoring');
      let batches = 0;
      const pending = scoreCustomers(model, {
        k,
        pool,
        inline,
        rangeSize: 20,
        signal: controller.signal,
        onResults: () => {
          if (++batches === 3) controller.abort(reason);
        },
      });
      await expect(pending).rejects.toBe(reason);
      expect(batches).toBe(3);
    }
    // A consumer that fails stops the job the same way.
    const failure = new Error('disk full');
    let seen = 0;
    await expect(
      scoreCustomers(model, {
        k,
        pool,
        rangeSize: 20,
        onResults: () => {
          if (++seen === 2) throw failure;
        },
      }),
    ).rejects.toBe(failure);
    const aborted = new AbortController();
    aborted.abort(new Error('before'));
    await expect(scoreCustomers(model, { k, pool, signal: aborted.signal })).rejects.toThrow('before');
    const again = await scoreCustomers(model, { k, exclude, filterItems, pool, rangeSize: 200 });
    expectLists(again.ids, again.scores, reference);
    await expect.poll(() => pool.liveThreads).toBe(2);
  });

  it('replaces a worker killed mid-range and still delivers every customer exactly once', async () => {
    // Customers 500 … 599 (range 5 of 15): its first attempt kills its worker thread after
    // scoring 5 of them into its scratch slot, while other ranges are in flight on the other.
    let kills = 0;
    const errors: unknown[] = [];
    const faulty = faultyPool(
      pool,
      (task) => {
        if (task.from !== 500 || kills > 0) return false;
        kills++;
        return true;
      },
      errors,
    );
    const c = collector(1500, k);
    const result = await scoreCustomers(model, {
      k,
      exclude,
      filterItems,
      pool: faulty,
      rangeSize: 100,
      onResults: c.onResults,
    });
    expect(kills).toBe(1);
    // The thread really died (process.exit(75) inside it), and only that task failed.
    expect(errors).toEqual([expect.objectContaining({ message: 'worker exited with code: 75' })]);
    expect(result.retries).toBe(1);
    expect(c.customers).toEqual(Array.from({ length: 1500 }, (_, u) => u));
    expect(new Set(c.customers).size).toBe(1500);
    expectLists(c.ids, c.scores, reference);
    // Piscina started a thread in the dead one's place.
    await expect.poll(() => pool.liveThreads).toBe(2);
    const after = await scoreCustomers(model, { k, exclude, filterItems, pool });
    expectLists(after.ids, after.scores, reference);
  });

  it('gives up with WORKER_FAILED when a range keeps killing its worker', async () => {
    let attempts = 0;
    const faulty = faultyPool(pool, (task) => {
      if (task.from !== 200) return false;
      attempts++;
      return true;
    });
    await expect(
      scoreCustomers(model, { k, pool: faulty, rangeSize: 100, maxRetries: 2, onResults: () => {} }),
    ).rejects.toMatchObject({ name: 'EncoreError', code: ErrorCode.WORKER_FAILED, details: { from: 200, to: 300 } });
    expect(attempts).toBe(3);
    await expect.poll(() => pool.liveThreads).toBe(2);
  });

  it("brings a worker's typed error back as an EncoreError", async () => {
    // A slot the job does not have: scoreRange throws INVALID_ARGUMENT inside the worker.
    const badSlot: ScoringPool = {
      threads: pool.threads,
      run: ((task: PoolTask, signal?: AbortSignal) =>
        pool.run(task.kind === 'score' ? { ...task, slot: 999 } : task, signal)) as WorkerPool['run'],
    };
    await expect(scoreCustomers(model, { k, pool: badSlot })).rejects.toMatchObject({
      name: 'EncoreError',
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  it('rejects bad options with INVALID_ARGUMENT, never throwing synchronously', async () => {
    const bad: unknown[] = [
      { k: -1 },
      { threads: 0 },
      { rangeSize: 0 },
      { maxRetries: -1 },
      { inline: 'sometimes' },
      { onResults: 3 },
      { signal: {} },
      { pool: {} },
      { customers: Int32Array.of(1500) },
      { batch: 10 },
    ];
    for (const options of bad) {
      const pending = scoreCustomers(model, options as never);
      await expect(pending).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    }
    await expect(scoreCustomers({ ...model, itemFactors: new Float32Array(3) }, { pool })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  it('handles no customers and k = 0', async () => {
    const reports: ScoreProgress[] = [];
    const none = await scoreCustomers(model, {
      customers: new Int32Array(0),
      pool,
      onProgress: (p) => reports.push(p),
    });
    expect(none).toMatchObject({ customers: 0, ranges: 0 });
    expect(reports).toEqual([expect.objectContaining({ done: 0, total: 0 })]);
    const zero = await scoreCustomers(model, { k: 0, pool });
    expect(zero).toMatchObject({ customers: 1500, k: 0 });
    expect(zero.ids!.length).toBe(0);
  });
});
