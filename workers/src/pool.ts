import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { checkInteger, checkNumber, checkOptions, EncoreError, ErrorCode } from '@encore/core';
import { Piscina } from 'piscina';
import type { PoolTask, PoolTaskResult } from './internal/worker.js';

/**
 * The built worker module. Resolved against this file as `../dist/internal/worker.js`, which names
 * the same file from the compiled `dist/pool.js` and from the TypeScript source `src/pool.ts`
 * (vitest): tests need the package built first (`npm test` builds).
 */
const WORKER_FILE = fileURLToPath(new URL('../dist/internal/worker.js', import.meta.url));

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Worker threads (default: one per core, `os.availableParallelism()`). */
  readonly threads: number;
  /**
   * Milliseconds an idle worker lives before it exits (default: Infinity — workers live until
   * `close()`; a finite value lets a process that forgot to close exit on its own).
   */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_WORKER_POOL_OPTIONS: Readonly<WorkerPoolOptions> = Object.freeze({
  threads: availableParallelism(),
  idleTimeoutMs: Number.POSITIVE_INFINITY,
});

/**
 * A pool of worker threads that run Encore's kernels (ALS half-iterations, batch scoring). Starting
 * threads and loading the kernels costs tens of milliseconds per thread, so a process that fits or
 * scores more than once keeps one pool and passes it to each job; jobs given no pool make their
 * own and close it. A thin class over a private Piscina.
 */
export class WorkerPool {
  readonly threads: number;
  readonly #piscina: Piscina;
  #closed = false;

  /** Use {@link createWorkerPool}. */
  constructor(options: Readonly<WorkerPoolOptions>) {
    this.threads = options.threads;
    this.#piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: options.idleTimeoutMs,
      // Every task is CPU-bound: one at a time per thread, queue the rest here.
      concurrentTasksPerWorker: 1,
    });
    // Piscina emits 'error' for trouble no task owns (a thread aborted after it had posted its
    // result: "Unexpected message from Worker"); unheard, that event would kill the process.
    // The tasks concerned have already settled, so it is kept for inspection, not rethrown.
    this.#piscina.on('error', (error: unknown) => {
      this.lastError = error instanceof Error ? error : new Error(String(error));
    });
  }

  /** The last error the pool reported outside any task (see the constructor), null if none. */
  lastError: Error | null = null;

  /**
   * Runs one task on a free worker. Rejects with the signal's reason when aborted before it
   * starts, and with the worker's error when the task throws or its thread dies (Piscina starts a
   * new thread in its place; the caller decides whether to retry).
   */
  run<T extends PoolTask>(task: T, signal?: AbortSignal): Promise<PoolTaskResult<T>> {
    if (this.#closed) {
      return Promise.reject(new EncoreError(ErrorCode.INVALID_ARGUMENT, 'workers/WorkerPool: the pool is closed'));
    }
    return this.#piscina.run(task, signal === undefined ? {} : { signal }) as Promise<PoolTaskResult<T>>;
  }

  /** Threads that are running now (for tests and progress lines). */
  get liveThreads(): number {
    return this.#piscina.threads.length;
  }

  /** Waits for running tasks to settle and stops every thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.destroy();
  }
}

/**
 * Starts a pool of `threads` workers. Rejects with INVALID_ARGUMENT for bad options and with
 * FILE_NOT_FOUND when the worker module is not built (run `npm run build`).
 *
 * @example
 * const pool = await createWorkerPool({ threads: 2 });
 * try {
 *   const model = await fitAlsParallel(train, { threads: 2 }, { pool });
 * } finally {
 *   await pool.close();
 * }
 */
export async function createWorkerPool(options: Partial<WorkerPoolOptions> = {}): Promise<WorkerPool> {
  const where = 'workers/createWorkerPool';
  const o = checkOptions(where, options, Object.keys(DEFAULT_WORKER_POOL_OPTIONS));
  const resolved: WorkerPoolOptions = Object.freeze({
    threads: checkInteger(where, 'threads', o.threads ?? DEFAULT_WORKER_POOL_OPTIONS.threads, 1, 1024),
    idleTimeoutMs:
      o.idleTimeoutMs === undefined || o.idleTimeoutMs === Number.POSITIVE_INFINITY
        ? DEFAULT_WORKER_POOL_OPTIONS.idleTimeoutMs
        : checkNumber(where, 'idleTimeoutMs', o.idleTimeoutMs, 0),
  });
  if (!existsSync(WORKER_FILE)) {
    throw new EncoreError(
      ErrorCode.FILE_NOT_FOUND,
      `${where}: worker module ${WORKER_FILE} not found; expected @encore/workers to be built (npm run build)`,
      { path: WORKER_FILE },
    );
  }
  return new WorkerPool(resolved);
}
