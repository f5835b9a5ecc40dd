import { availableParallelism } from 'node:os';
import { type Algorithm, type Csr, EncoreError, type ErrorCode, type FitContext } from '@encore/core';
import {
  type AlsFitOptions,
  type AlsHalf,
  type AlsModel,
  type AlsParams,
  alsFitSteps,
  DEFAULT_ALS_PARAMS,
  type FactorRecommender,
  fitAls,
  resolveAlsParams,
  toRecommender,
} from '@encore/factorization';
import type { AlsTaskResult } from './internal/als-worker.js';
import { createWorkerPool, type WorkerPool } from './pool.js';

/** ALS defaults of the parallel driver: DEFAULT_ALS_PARAMS with one thread per core. */
export const DEFAULT_ALS_PARALLEL_PARAMS: Readonly<AlsParams> = Object.freeze({
  ...DEFAULT_ALS_PARAMS,
  threads: availableParallelism(),
});

/** Row ranges per thread and half-iteration (each with its own scratch slot). */
const RANGES_PER_THREAD = 4;

/** Options of a parallel fit: those of `fitAls` plus the pool to run on. */
export interface AlsParallelFitOptions extends AlsFitOptions {
  /**
   * A running pool (see {@link createWorkerPool}); the fit makes its own of `threads` workers and
   * closes it when not given. `threads` still sets how many row ranges each half is cut into.
   */
  readonly pool?: WorkerPool | undefined;
}

/**
 * Implicit ALS on `params.threads` worker threads (default: one per core): the same arithmetic as
 * `fitAls` (its steps come from factorization's `alsFitSteps`), so the model is bit-identical to
 * the single-threaded one for the same seed. The matrix, its transpose, the factors and the
 * partial Gramians are put in shared memory once (one shared WebAssembly memory for the 'wasm'
 * kernel, SharedArrayBuffers for 'js'); each half-iteration is split into 4·`threads` row ranges of
 * about equal work (stored entries + f/2 per row, cut on the half's block ends) solved in place
 * on a worker pool, each task with its own scratch slot. A pool made here is closed at the end, on
 * error and on abort; a given one is left running. threads = 1 without a pool runs `fitAls` inline.
 *
 * Rejects as `fitAls` (INVALID_ARGUMENT, DIVERGED, the signal's reason) and with FILE_NOT_FOUND
 * when the worker module is not built.
 *
 * @example
 * const model = await fitAlsParallel(train, { factors: 64, threads: 2 });
 */
export async function fitAlsParallel(
  matrix: Csr,
  params: Partial<AlsParams> = {},
  options: AlsParallelFitOptions = {},
): Promise<AlsModel> {
  const where = 'workers/fitAlsParallel';
  const resolved = resolveAlsParams(where, params, DEFAULT_ALS_PARALLEL_PARAMS);
  if (resolved.threads === 1 && options.pool === undefined) return fitAls(matrix, resolved, options);
  const threads = resolved.threads;
  // More ranges than threads, handed out as workers free up: row costs are only estimated, and
  // with one range per thread the slower range set the pace (ML-100k: 1.38× on 2 threads with
  // 2 ranges, 1.5–1.7× with 8).
  const parts = threads * RANGES_PER_THREAD;
  const steps = alsFitSteps(matrix, resolved, options, { slots: parts, shared: true });
  const pool = options.pool ?? (await createWorkerPool({ threads }));
  const ranges = new Map<Int32Array, Int32Array>();
  try {
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done === true) return step.value;
      const half = step.value;
      let cuts = ranges.get(half.indptr);
      if (cuts === undefined) {
        cuts = balancedRanges(half, parts);
        ranges.set(half.indptr, cuts);
      }
      const tasks: Promise<AlsTaskResult>[] = [];
      for (let t = 0; t + 1 < cuts.length; t++) {
        const from = cuts[t] as number;
        const to = cuts[t + 1] as number;
        if (to > from) tasks.push(pool.run({ kind: 'als', half, from, to, slot: t }));
      }
      for (const result of await Promise.all(tasks)) {
        if (result !== null) {
          throw new EncoreError(result.code as ErrorCode, result.message, result.details);
        }
      }
    }
  } finally {
    steps.return(undefined as never);
    if (options.pool === undefined) await pool.close();
  }
}

/**
 * Cut points 0 = c₀ ≤ c₁ ≤ … ≤ c_parts = rows splitting the half's rows into `parts` ranges of
 * about equal work, each cut on a multiple of the half's `blockRows`.
 */
export function balancedRanges(
  half: Pick<AlsHalf, 'rows' | 'indptr' | 'factors' | 'blockRows'>,
  parts: number,
): Int32Array {
  const { rows, indptr, factors, blockRows } = half;
  const blocks = Math.ceil(rows / blockRows);
  const rowCost = factors / 2 + 1;
  const cost = (b: number): number => {
    const from = b * blockRows;
    const to = Math.min(rows, from + blockRows);
    return (indptr[to] as number) - (indptr[from] as number) + (to - from) * rowCost;
  };
  let total = 0;
  for (let b = 0; b < blocks; b++) total += cost(b);
  const cuts = new Int32Array(parts + 1);
  let done = 0;
  let part = 1;
  for (let b = 0; b < blocks && part < parts; b++) {
    done += cost(b);
    while (part < parts && done >= (total * part) / parts) cuts[part++] = Math.min(rows, (b + 1) * blockRows);
  }
  for (; part <= parts; part++) cuts[part] = rows;
  return cuts;
}

/**
 * Implicit ALS behind core's recommender contract (name 'als'), fitted by {@link fitAlsParallel}
 * on `threads` workers (default: one per core). What the engine registers as 'als'.
 *
 * @example
 * const recommender = await alsParallel.fit(train, { threads: 2 });
 */
export const alsParallel: Algorithm<AlsParams> = Object.freeze({
  name: 'als',
  defaults: DEFAULT_ALS_PARALLEL_PARAMS,
  async fit(
    matrix: Csr,
    params: Partial<AlsParams> = {},
    context: FitContext = {},
  ): Promise<FactorRecommender<AlsModel>> {
    return toRecommender(await fitAlsParallel(matrix, params, context));
  },
});
