import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Algorithm, type Csr, EncoreError, ErrorCode, type FitContext } from '@encore/core';
import {
  ALS_ROW_BLOCK,
  type AlsFitOptions,
  type AlsHalf,
  type AlsMemory,
  type AlsModel,
  type AlsParams,
  alsFitSteps,
  DEFAULT_ALS_PARAMS,
  type FactorRecommender,
  fitAls,
  resolveAlsParams,
  toRecommender,
} from '@encore/factorization';
import { Piscina } from 'piscina';
import type { AlsTask, AlsTaskResult } from './internal/als-worker.js';

/** ALS defaults of the parallel driver: DEFAULT_ALS_PARAMS with one thread per core. */
export const DEFAULT_ALS_PARALLEL_PARAMS: Readonly<AlsParams> = Object.freeze({
  ...DEFAULT_ALS_PARAMS,
  threads: availableParallelism(),
});

/**
 * The built worker module. Resolved against this file as `../dist/internal/als-worker.js`, which
 * names the same file from the compiled `dist/als-parallel.js` and from the TypeScript source
 * `src/als-parallel.ts` (vitest): tests need the package built first (`npm test` builds).
 */
const WORKER_FILE = fileURLToPath(new URL('../dist/internal/als-worker.js', import.meta.url));

/** SharedArrayBuffer-backed arrays: handed to a worker, they are shared, not copied. */
const SHARED_MEMORY: AlsMemory = Object.freeze({
  float32: (n: number) => new Float32Array(new SharedArrayBuffer(4 * n)),
  float64: (n: number) => new Float64Array(new SharedArrayBuffer(8 * n)),
  int32: (n: number) => new Int32Array(new SharedArrayBuffer(4 * n)),
});

/**
 * Implicit ALS on `params.threads` worker threads (default: one per core): the same arithmetic as
 * `fitAls` (its steps come from factorization's `alsFitSteps`), so the model is bit-identical to
 * the single-threaded one for the same seed. The matrix, its transpose, the factors and the
 * partial Gramians are put on SharedArrayBuffers once; each half-iteration is split into
 * `threads` row ranges of about equal work (stored entries + f/2 per row, ranges aligned to
 * ALS_ROW_BLOCK) solved in place by a Piscina pool, closed at the end, on error and on abort.
 * The returned model's factors live on SharedArrayBuffers. threads = 1 runs `fitAls` inline.
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
  options: AlsFitOptions = {},
): Promise<AlsModel> {
  const where = 'workers/fitAlsParallel';
  const resolved = resolveAlsParams(where, params, DEFAULT_ALS_PARALLEL_PARAMS);
  if (resolved.threads === 1) return fitAls(matrix, resolved, options);
  if (!existsSync(WORKER_FILE)) {
    throw new EncoreError(
      ErrorCode.FILE_NOT_FOUND,
      `${where}: worker module ${WORKER_FILE} not found; expected @encore/workers to be built (npm run build)`,
      { path: WORKER_FILE },
    );
  }
  const threads = resolved.threads;
  const steps = alsFitSteps(matrix, resolved, options, SHARED_MEMORY);
  const pool = new Piscina<AlsTask, AlsTaskResult>({
    filename: WORKER_FILE,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  const ranges = new Map<Int32Array, Int32Array>();
  try {
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done === true) return step.value;
      const half = step.value;
      let cuts = ranges.get(half.indptr);
      if (cuts === undefined) {
        cuts = balancedRanges(half, threads);
        ranges.set(half.indptr, cuts);
      }
      const tasks: Promise<AlsTaskResult>[] = [];
      for (let t = 0; t + 1 < cuts.length; t++) {
        const from = cuts[t] as number;
        const to = cuts[t + 1] as number;
        if (to > from) tasks.push(pool.run({ half, from, to }));
      }
      for (const result of await Promise.all(tasks)) {
        if (result !== null) {
          throw new EncoreError(result.code as ErrorCode, result.message, result.details);
        }
      }
    }
  } finally {
    steps.return(undefined as never);
    await pool.destroy();
  }
}

/**
 * Cut points 0 = c₀ ≤ c₁ ≤ … ≤ c_parts = rows splitting the half's rows into `parts` ranges of
 * about equal work, each cut on a multiple of ALS_ROW_BLOCK.
 */
export function balancedRanges(half: Pick<AlsHalf, 'rows' | 'indptr' | 'factors'>, parts: number): Int32Array {
  const { rows, indptr, factors } = half;
  const blocks = Math.ceil(rows / ALS_ROW_BLOCK);
  const rowCost = factors / 2 + 1;
  const cost = (b: number): number => {
    const from = b * ALS_ROW_BLOCK;
    const to = Math.min(rows, from + ALS_ROW_BLOCK);
    return (indptr[to] as number) - (indptr[from] as number) + (to - from) * rowCost;
  };
  let total = 0;
  for (let b = 0; b < blocks; b++) total += cost(b);
  const cuts = new Int32Array(parts + 1);
  let done = 0;
  let part = 1;
  for (let b = 0; b < blocks && part < parts; b++) {
    done += cost(b);
    while (part < parts && done >= (total * part) / parts) cuts[part++] = Math.min(rows, (b + 1) * ALS_ROW_BLOCK);
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
