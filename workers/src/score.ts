import { availableParallelism } from 'node:os';
import { checkInteger, checkNumber, checkOptions, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import type { FactorScoring, ScoreKernel } from '@encore/factorization';
import {
  buildScoringJob,
  DEFAULT_SCORING_OPTIONS,
  type ScoringOptions,
  scoreRange,
  scoringFlops,
} from '@encore/factorization/internal/kernels';
import { runScoreTask, type ScoreTask, type ScoreTaskLists, type ScoreTaskResult } from './internal/score-task.js';
import { createWorkerPool, type WorkerPool } from './pool.js';

/** A running pool to score on: a {@link WorkerPool}, or anything with its `threads` and `run`. */
export type ScoringPool = Pick<WorkerPool, 'threads' | 'run'>;

/** Where a batch-scoring job stands, reported to `onProgress`. */
export interface ScoreProgress {
  /** Customers scored so far (never decreases; ends at `total`). */
  readonly done: number;
  readonly total: number;
  /** Customers per second since the start. */
  readonly rate: number;
  /** Seconds left at the current rate (0 when done, Infinity before anything is done). */
  readonly etaSeconds: number;
  readonly elapsedSeconds: number;
}

/**
 * Lists of consecutive customers, handed to `onResults` in customer order: position p of the
 * job (`from` ≤ p < `to`) is customer `customers[p − from]`, its list at ids / scores
 * [(p − from)·k, (p − from + 1)·k), best first, -1 / -Infinity padding a list with fewer than k
 * candidates. The arrays belong to the callee.
 */
export interface ScoredBatch {
  readonly from: number;
  readonly to: number;
  readonly k: number;
  readonly customers: Int32Array;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
}

/** Options of {@link scoreCustomers}: what to score (factorization's ScoringOptions) and how. */
export interface ScoreCustomersOptions extends ScoringOptions {
  /** Worker threads of a pool made for the job (default: one per core); a given pool's count wins. */
  readonly threads: number;
  /** A running pool (see {@link createWorkerPool}), left running; default: one made and closed here. */
  readonly pool: ScoringPool | undefined;
  /**
   * Score on the calling thread, with the same task code (true), on a pool (false), or 'auto'
   * (default): inline when no pool is given and the job is small (under 10⁹ flops, about 50 ms
   * of kernel time: starting threads would cost more) or threads is 1.
   */
  readonly inline: 'auto' | boolean;
  /** Customers per task (default: about 10⁹ flops a task, at least 4 tasks a thread). */
  readonly rangeSize: number | undefined;
  /** Retries of a range whose worker died before the job fails with WORKER_FAILED (default 3). */
  readonly maxRetries: number;
  /** Least milliseconds between two progress reports; the last one (done = total) always comes (default 1000). */
  readonly progressIntervalMs: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: ScoreProgress) => void) | undefined;
  /**
   * Receives the lists in customer order, each customer exactly once; a returned promise is
   * awaited before the next batch (backpressure, e.g. a stream's drain). Without it the lists are
   * collected into the result.
   */
  readonly onResults: ((batch: ScoredBatch) => void | Promise<void>) | undefined;
}

export const DEFAULT_SCORE_CUSTOMERS_OPTIONS: Readonly<ScoreCustomersOptions> = Object.freeze({
  ...DEFAULT_SCORING_OPTIONS,
  threads: availableParallelism(),
  pool: undefined,
  inline: 'auto',
  rangeSize: undefined,
  maxRetries: 3,
  progressIntervalMs: 1000,
  signal: undefined,
  onProgress: undefined,
  onResults: undefined,
});

/** What a batch-scoring job did. */
export interface ScoreCustomersResult {
  /** Customers scored. */
  readonly customers: number;
  /** List length (k capped at the items). */
  readonly k: number;
  readonly seconds: number;
  readonly customersPerSecond: number;
  /** Threads that scored (1 inline). */
  readonly threads: number;
  /** Effective GFLOP/s: 2·customers·items·factors over the wall time, setup included. */
  readonly gflops: number;
  readonly kernel: ScoreKernel;
  readonly inline: boolean;
  /** Tasks (ranges of customers) the job was cut into. */
  readonly ranges: number;
  /** Ranges run again after their worker died. */
  readonly retries: number;
  /** Every list, customers × k in customer order, when no `onResults` was given; null otherwise. */
  readonly ids: Int32Array | null;
  readonly scores: Float32Array | null;
}

/** Below this many flops a job runs inline under `inline: 'auto'`. */
const INLINE_FLOPS = 1e9;
/** Flops a task aims at by default: ~50 ms of kernel, long beside a task's round trip. */
const TASK_FLOPS = 1e9;
/** Ranges dispatched ahead of the next one to deliver, per slot (bounds the buffered lists). */
const WINDOW_PER_SLOT = 4;

/**
 * Scores every customer of a factor model (or `customers`) against every item and streams each
 * one's top-k list to `onResults` in customer order — the batch job behind `encore score`. The
 * job (customers' factors, packed item factors, exclusions) is laid into shared memory once
 * (factorization's `buildScoringJob`); tasks are ranges of customers run by factorization's
 * blocked kernel (`scoreRange`) on a worker pool, two in flight per thread, their lists
 * transferred back in fresh ArrayBuffers. A range whose worker dies is run again (Piscina
 * replaces the thread) up to `maxRetries` times; a ledger of ranges delivers each customer once,
 * in order. The same task code runs inline for small jobs. A pool made here is closed at the end,
 * on error and on abort; a given one is left running and usable.
 *
 * Rejects with INVALID_ARGUMENT for bad options (as `buildScoringJob`, plus threads, rangeSize,
 * maxRetries, progressIntervalMs, callbacks), WORKER_FAILED when a range's worker dies more than
 * `maxRetries` times, LIMIT_EXCEEDED when the job does not fit in memory, FILE_NOT_FOUND when the worker module is
 * not built, the signal's reason on abort, and whatever `onResults` throws.
 *
 * @example
 * const result = await scoreCustomers(model, {
 *   k: 20,
 *   exclude: train,
 *   onProgress: (p) => process.stderr.write(`${p.done}/${p.total} ${Math.round(p.rate)}/s eta ${p.etaSeconds.toFixed(0)} s\n`),
 *   onResults: (batch) => writeLists(batch),
 * });
 */
export async function scoreCustomers(
  model: FactorScoring,
  options: Partial<ScoreCustomersOptions> = {},
): Promise<ScoreCustomersResult> {
  const where = 'workers/scoreCustomers';
  const start = performance.now();
  const o = resolveOptions(where, options);
  o.signal?.throwIfAborted();
  const threads = o.pool?.threads ?? o.threads;
  let inline = o.inline === true || (o.inline === 'auto' && o.pool === undefined && threads === 1);
  if (o.inline === 'auto' && !inline && o.pool === undefined) {
    // Sized before validation (buildScoringJob validates): a malformed model only throws later.
    const f = Number(model?.factors) || 1;
    const count = o.customers?.length ?? (Number(model?.userFactors?.length) || 0) / f;
    inline = scoringFlops(count, Number(model?.items) || 0, f) < INLINE_FLOPS;
  }
  const slots = inline ? 1 : 2 * threads;
  const { k: requestedK, exclude, customers, filterItems, kernel } = o;
  const job = buildScoringJob(
    model,
    { k: requestedK, exclude, customers, filterItems, kernel },
    { slots, shared: !inline },
  );
  const { k } = job;
  // Whole blocks of 8 customers (the kernel scores 4 at a time) unless the caller says otherwise.
  const rangeSize =
    o.rangeSize ??
    8 *
      Math.max(
        1,
        Math.ceil(
          Math.min(
            TASK_FLOPS / Math.max(1, scoringFlops(1, job.items, job.factors)),
            job.count / (4 * (inline ? 1 : threads)),
          ) / 8,
        ),
      );
  const ranges = Math.ceil(job.count / rangeSize);
  const collect = o.onResults === undefined;
  const ids = collect ? new Int32Array(job.count * k) : null;
  const scores = collect ? new Float32Array(job.count * k) : null;
  const deliver =
    o.onResults ??
    ((batch: ScoredBatch): void => {
      ids!.set(batch.ids, batch.from * k);
      scores!.set(batch.scores, batch.from * k);
    });

  const ownPool = inline || o.pool !== undefined ? null : await createWorkerPool({ threads });
  const pool = inline ? null : (o.pool ?? ownPool);

  // The ledger: each range is pending, in flight, done (lists held) or delivered, once.
  const PENDING = 0;
  const RUNNING = 1;
  const DONE = 2;
  const DELIVERED = 3;
  const state = new Uint8Array(ranges);
  const attempts = new Int32Array(ranges);
  const held = new Map<number, ScoreTaskLists>();
  const retryQueue: number[] = [];
  const freeSlots = Array.from({ length: slots }, (_, s) => slots - 1 - s);
  const inFlight = new Set<Promise<void>>();
  type Settled = { range: number; slot: number; result?: ScoreTaskResult; error?: unknown };
  const settled: Settled[] = [];
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  // Abort and failure cancel the tasks in flight through a shared flag they check between chunks
  // of customers, never by terminating threads: Piscina can only abort a running task by killing
  // its thread, and a result already posted by that thread then surfaces as an uncaught 'error'
  // event of the pool. So a cancelled job leaves a given pool exactly as it found it.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = (): void => {
    Atomics.store(cancel, 0, 1);
    notify();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });

  const run = (task: ScoreTask): Promise<ScoreTaskResult> =>
    pool === null
      ? // Inline: one task at a time on this thread, after a turn of the event loop so timers,
        // I/O and the abort signal get in between ranges.
        new Promise<void>((resolve) => setImmediate(resolve)).then(() => runScoreTask(scoreRange, task))
      : pool.run({ kind: 'score', ...task });

  const dispatch = (range: number, slot: number): void => {
    state[range] = RUNNING;
    attempts[range] = attempts[range]! + 1;
    const from = range * rangeSize;
    const to = Math.min(job.count, from + rangeSize);
    const pending = run({ job, from, to, slot, cancel }).then(
      (result) => {
        settled.push({ range, slot, result });
      },
      (error: unknown) => {
        settled.push({ range, slot, error });
      },
    );
    const tracked = pending.finally(() => {
      inFlight.delete(tracked);
      notify();
    });
    inFlight.add(tracked);
  };

  let next = 0;
  let delivered = 0;
  let done = 0;
  let retries = 0;
  let lastReport = Number.NEGATIVE_INFINITY;
  let reportedAll = false;
  let reportedDone = -1;
  const report = (): void => {
    if (o.onProgress === undefined || reportedAll || done === reportedDone) return;
    const now = performance.now();
    if (done < job.count && now - lastReport < o.progressIntervalMs) return;
    lastReport = now;
    reportedDone = done;
    reportedAll = done >= job.count;
    const elapsedSeconds = (now - start) / 1000;
    const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const etaSeconds = done >= job.count ? 0 : rate > 0 ? (job.count - done) / rate : Number.POSITIVE_INFINITY;
    o.onProgress(Object.freeze({ done, total: job.count, rate, etaSeconds, elapsedSeconds }));
  };

  try {
    while (delivered < ranges) {
      o.signal?.throwIfAborted();
      const window = delivered + WINDOW_PER_SLOT * slots;
      while (freeSlots.length > 0) {
        let range = -1;
        if (retryQueue.length > 0) range = retryQueue.shift()!;
        else if (next < ranges && next < window) range = next++;
        if (range < 0) break;
        dispatch(range, freeSlots.pop()!);
      }
      if (settled.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      for (const { range, slot, result, error } of settled.splice(0)) {
        freeSlots.push(slot);
        o.signal?.throwIfAborted();
        if (result === undefined) {
          // The task's thread died (or the task threw outside the kernel's typed errors).
          if (pool === null) throw error;
          if (attempts[range]! > o.maxRetries) {
            const from = range * rangeSize;
            const to = Math.min(job.count, from + rangeSize);
            throw new EncoreError(
              ErrorCode.WORKER_FAILED,
              `${where}: customers ${from}..${to - 1} failed ${attempts[range]} times (${String((error as Error)?.message ?? error)}); expected a worker to finish them within ${o.maxRetries} retries`,
              { from, to, attempts: attempts[range] },
              { cause: error },
            );
          }
          retries++;
          state[range] = PENDING;
          retryQueue.push(range);
          retryQueue.sort((a, b) => a - b);
          continue;
        }
        if ('cancelled' in result) throw new Error(`${where}: a task was cancelled while the job ran`);
        if (!('ids' in result)) throw new EncoreError(result.code as ErrorCode, result.message, result.details);
        if (state[range] !== RUNNING) throw new Error(`${where}: range ${range} finished twice (ledger bug)`);
        state[range] = DONE;
        held.set(range, result);
        done += result.to - result.from;
      }
      report();
      // Deliver the finished prefix in order.
      for (let lists = held.get(delivered); lists !== undefined; lists = held.get(delivered)) {
        held.delete(delivered);
        state[delivered] = DELIVERED;
        delivered++;
        const batch: ScoredBatch = Object.freeze({
          from: lists.from,
          to: lists.to,
          k,
          customers: job.customers.slice(lists.from, lists.to),
          ids: lists.ids,
          scores: lists.scores,
        });
        await deliver(batch);
        o.signal?.throwIfAborted();
      }
    }
    report();
    const seconds = (performance.now() - start) / 1000;
    return Object.freeze({
      customers: job.count,
      k,
      seconds,
      customersPerSecond: seconds > 0 ? job.count / seconds : 0,
      threads: pool === null ? 1 : pool.threads,
      gflops: seconds > 0 ? scoringFlops(job.count, job.items, job.factors) / seconds / 1e9 : 0,
      kernel: job.kernel,
      inline: pool === null,
      ranges,
      retries,
      ids,
      scores,
    });
  } catch (error) {
    if (o.signal?.aborted) throw o.signal.reason;
    throw error;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (inFlight.size > 0) {
      Atomics.store(cancel, 0, 1);
      await Promise.allSettled([...inFlight]);
    }
    await ownPool?.close();
  }
}

/** Checks the driver's own options; the scoring ones (k, exclude, …) are buildScoringJob's to check. */
function resolveOptions(where: string, options: unknown): Readonly<ScoreCustomersOptions> {
  const o = checkOptions(where, options ?? {}, Object.keys(DEFAULT_SCORE_CUSTOMERS_OPTIONS)) as Partial<
    Record<keyof ScoreCustomersOptions, unknown>
  >;
  const d = DEFAULT_SCORE_CUSTOMERS_OPTIONS;
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw invalidArgument(where, 'signal must be an AbortSignal', o.signal);
  }
  for (const name of ['onProgress', 'onResults'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      throw invalidArgument(where, `${name} must be a function`, o[name]);
    }
  }
  const pool = o.pool as ScoringPool | undefined;
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || typeof pool.run !== 'function')) {
    throw invalidArgument(where, 'pool must be a WorkerPool', pool);
  }
  const inline = o.inline ?? d.inline;
  if (inline !== 'auto' && typeof inline !== 'boolean') {
    throw invalidArgument(where, "inline must be 'auto', true or false", inline);
  }
  return Object.freeze({
    k: o.k as number,
    exclude: o.exclude as ScoringOptions['exclude'],
    customers: o.customers as ScoringOptions['customers'],
    filterItems: o.filterItems as ScoringOptions['filterItems'],
    kernel: o.kernel as ScoringOptions['kernel'],
    threads: checkInteger(where, 'threads', o.threads ?? d.threads, 1, 1024),
    pool,
    inline,
    rangeSize: o.rangeSize === undefined ? undefined : checkInteger(where, 'rangeSize', o.rangeSize, 1),
    maxRetries: checkInteger(where, 'maxRetries', o.maxRetries ?? d.maxRetries, 0, 1000),
    progressIntervalMs: checkNumber(where, 'progressIntervalMs', o.progressIntervalMs ?? d.progressIntervalMs, 0),
    signal: o.signal as AbortSignal | undefined,
    onProgress: o.onProgress as ScoreCustomersOptions['onProgress'],
    onResults: o.onResults as ScoreCustomersOptions['onResults'],
  });
}
