import { availableParallelism } from 'node:os';
import { type Algorithm, type Csr, EncoreError, ErrorCode, type FitContext, invalidArgument } from '@encore/core';
import {
  type AlsFitOptions,
  type AlsIteration,
  type AlsModel,
  type AlsParams,
  DEFAULT_ALS_PARAMS,
  type FactorRecommender,
  fitAls,
  resolveAlsParams,
  toRecommender,
} from '@encore/factorization';
import {
  type AlsHalf,
  alsIterationReport,
  type PreparedAlsFit,
  prepareAlsFit,
} from '@encore/factorization/internal/kernels';
import {
  CONTROL_WORDS,
  EVENTS,
  endFit,
  FAILED,
  FINISHED,
  ITERATIONS,
  PUBLISHED,
  STATE,
  STOPPED,
} from './internal/als-fit-task.js';
import { createWorkerPool, type WorkerPool } from './pool.js';

/**
 * `Atomics.waitAsync` (in V8 since Node 16), typed here: TypeScript declares it only in lib
 * es2024, and raising the lib would also admit APIs Node 20 lacks.
 */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
    ): { readonly async: false; readonly value: string } | { readonly async: true; readonly value: Promise<string> };
  }
).waitAsync.bind(Atomics);

/** ALS defaults of the parallel driver: DEFAULT_ALS_PARAMS with one thread per core. */
export const DEFAULT_ALS_PARALLEL_PARAMS: Readonly<AlsParams> = Object.freeze({
  ...DEFAULT_ALS_PARAMS,
  threads: availableParallelism(),
});

/** Row ranges per thread and half-iteration, taken by whichever thread is free. */
const RANGES_PER_THREAD = 4;

/** Options of a parallel fit: those of `fitAls` plus the pool to run on. */
export interface AlsParallelFitOptions extends AlsFitOptions {
  /**
   * A running pool (see {@link createWorkerPool}); the fit makes its own of `threads` workers and
   * closes it when not given. `threads` still sets how many tasks the fit runs (one per thread).
   */
  readonly pool?: WorkerPool | undefined;
}

/**
 * Implicit ALS on `params.threads` worker threads (default: one per core): the same arithmetic as
 * `fitAls` (both lay the fit out with factorization's `prepareAlsFit` and run its halves with
 * `alsSolveRows` and `finishAlsHalf`), so the model is bit-identical to the single-threaded one
 * for the same seed. The matrix, its transpose, the factors and the partial Gramians are put in
 * shared memory once (one shared WebAssembly memory for the 'wasm' kernel, SharedArrayBuffers for
 * 'js').
 *
 * The fit runs as one task per thread from its first half-iteration to its last
 * (internal/als-fit-task.ts): each half is cut into 4·`threads` row ranges of decreasing work (see
 * {@link balancedRanges}), the threads take them one at a time with an atomic ticket and solve
 * them in place, and the last to finish a half reduces its Gramian and publishes the next half to
 * the others, which spin briefly before they sleep. The calling thread is on no half's path: its
 * event loop stays free, it wakes once per iteration to report it (`onIteration`, `onProgress`,
 * the DIVERGED check) and stops the fit at once on abort. A pool made here is closed at the end,
 * on error and on abort; a given one is left running. threads = 1 without a pool runs `fitAls`.
 *
 * Rejects as `fitAls` (INVALID_ARGUMENT, DIVERGED, the signal's reason), with WORKER_FAILED when a
 * worker thread dies mid-fit, and with FILE_NOT_FOUND when the worker module is not built.
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
  const { threads, iterations } = resolved;
  // More ranges than threads: row costs are only estimated, and a thread that runs out of ranges
  // waits for the others.
  const parts = threads * RANGES_PER_THREAD;
  if (2 * iterations * parts >= 2 ** 31) {
    throw invalidArgument(where, 'iterations × threads is too large for one fit (tickets are int32)', resolved);
  }
  const { signal } = options;
  // Filled by runFit once the tasks are on their way: thread wake-up overlaps the filling.
  const fit = prepareAlsFit(matrix, resolved, { slots: threads, shared: true, deferFill: true });
  try {
    signal?.throwIfAborted();
    if (iterations === 0) {
      fit.fill();
      return fit.model([]);
    }
    const pool = options.pool ?? (await createWorkerPool({ threads }));
    try {
      return await runFit(fit, pool, threads, parts, options);
    } finally {
      if (options.pool === undefined) await pool.close();
    }
  } finally {
    // Every task has settled (runFit waits for them): no thread reads the fit's memory any more.
    fit.release();
  }
}

/** fitAlsParallel once the fit is laid out: one task per thread, until the last half or a failure. */
async function runFit(
  fit: PreparedAlsFit,
  pool: WorkerPool,
  threads: number,
  parts: number,
  options: AlsParallelFitOptions,
): Promise<AlsModel> {
  const where = 'workers/fitAlsParallel';
  const { signal, onIteration, onProgress } = options;
  const { layout } = fit;
  const { iterations } = layout;
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  const ends = new Float64Array(new SharedArrayBuffer(8 * iterations));
  const cuts: [Int32Array, Int32Array] = [balancedRanges(layout.user, parts), balancedRanges(layout.item, parts)];
  const stop = (): void => void endFit(control, STOPPED);
  signal?.addEventListener('abort', stop);
  let failure: unknown = null;
  // Generation 0 is published once the layout is filled, below: the tasks start meanwhile (a
  // message to each pool thread and its wake-up, 1-6 ms here) and wait for it.
  const tasks = Array.from({ length: threads }, (_, slot) =>
    pool.run({ kind: 'als-fit', control, layout, cuts, parts, slot, ends }).then(
      (result) => {
        if (result !== null) failure ??= new EncoreError(result.code as ErrorCode, result.message, result.details);
      },
      (error: unknown) => {
        // A closed pool refuses with its own typed error; anything else is a thread that died.
        failure ??=
          error instanceof EncoreError
            ? error
            : new EncoreError(
                ErrorCode.WORKER_FAILED,
                `${where}: a worker thread failed mid-fit: ${error instanceof Error ? error.message : String(error)}`,
                { slot },
                { cause: error },
              );
        endFit(control, FAILED);
      },
    ),
  );
  try {
    fit.fill();
    const started = performance.timeOrigin + performance.now();
    Atomics.add(control, PUBLISHED, 1);
    Atomics.notify(control, PUBLISHED);
    const history: AlsIteration[] = [];
    for (;;) {
      // EVENTS first: whatever happens after this read changes it, and the wait below returns at once.
      const seen = Atomics.load(control, EVENTS);
      const state = Atomics.load(control, STATE);
      const done = Atomics.load(control, ITERATIONS);
      while (history.length < done) {
        signal?.throwIfAborted();
        const i = history.length;
        const seconds = ((ends[i] as number) - (i === 0 ? started : (ends[i - 1] as number))) / 1000;
        const report = alsIterationReport(i + 1, layout.losses[i] as number, seconds);
        history.push(report);
        onIteration?.(report);
        onProgress?.((i + 1) / iterations, `iteration ${i + 1}/${iterations}`);
      }
      signal?.throwIfAborted();
      if (state === FINISHED) return fit.model(history);
      if (state === FAILED) {
        // The failing task's result settles a moment after it marked the fit.
        await Promise.all(tasks);
        throw failure ?? new EncoreError(ErrorCode.WORKER_FAILED, `${where}: the fit stopped without a reason`);
      }
      const wait = waitAsync(control, EVENTS, seen);
      if (wait.async) await wait.value;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    // Stops the threads when the fit ends here (DIVERGED, abort, a throwing callback).
    endFit(control, STOPPED);
    await Promise.all(tasks);
  }
}

/**
 * Cut points 0 = c₀ ≤ c₁ ≤ … ≤ c_parts = rows splitting the half's rows into `parts` ranges of
 * decreasing work, each cut on a multiple of the half's `blockRows`: range k holds about
 * (2(parts − k) − 1)/parts² of the work (stored entries + f/2 per row), so the threads take the
 * big ranges first and the last ones are small. Taken in order by whichever thread is free, that
 * leaves at most about 1/parts² of a half for one thread to finish alone (guided scheduling), where
 * equal ranges leave up to 1/parts. Ranges may be empty when there are fewer blocks than parts.
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
  // The work before cut p: total·(1 − (1 − p/parts)²).
  const before = (p: number): number => total * (1 - (1 - p / parts) ** 2);
  const cuts = new Int32Array(parts + 1);
  let done = 0;
  let part = 1;
  for (let b = 0; b < blocks && part < parts; b++) {
    const work = cost(b);
    // A cut goes before block b when that lands nearer its target than after it.
    while (part < parts && done + work / 2 >= before(part)) cuts[part++] = b * blockRows;
    done += work;
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
