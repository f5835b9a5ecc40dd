/**
 * One task of `scoreCustomers`: score a range of positions of a scoring job. The same code runs
 * in a pool worker (score-worker.ts) and inline on the calling thread; the kernel function is
 * passed in because the two import it differently (a worker imports only the kernels subpath,
 * `@encore/factorization/internal/kernels`, never the package's model code).
 */
import { isMainThread } from 'node:worker_threads';
import type { ScoringJob, scoreRange } from '@encore/factorization/internal/kernels';
import { type TaskError, taskError } from './task-error.js';

export interface ScoreTask {
  readonly job: ScoringJob;
  readonly from: number;
  readonly to: number;
  /** The scratch slot of this task (distinct among the job's tasks in flight). */
  readonly slot: number;
  /**
   * A flag on a SharedArrayBuffer the caller sets (to non-zero) to cancel the job: the task
   * checks it between chunks of customers and stops with `{ cancelled: true }`. Cancelling this
   * way, rather than terminating the thread, leaves the pool's threads running.
   */
  readonly cancel?: Int32Array | undefined;
  /**
   * Test-only fault injection, never set by `scoreCustomers`: a worker thread scores this many
   * positions of the range into its scratch slot, then exits (`process.exit` ends only the
   * thread), so tests can kill a real worker in the middle of a task.
   */
  readonly exitAfter?: number | undefined;
}

/** The lists of a range. */
export interface ScoreTaskLists {
  readonly from: number;
  readonly to: number;
  readonly k: number;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  readonly kernel: ScoringJob['kernel'];
}

/** The lists of a range, word that it was cancelled, or the typed error it met (errors lose their class across threads). */
export type ScoreTaskResult = ScoreTaskLists | { readonly cancelled: true } | TaskError;

/**
 * Scores the task's range with `score` (factorization's scoreRange) on this thread, one chunk of
 * customers at a time into fresh arrays, checking the cancel flag between chunks; typed errors
 * come back as data, others are thrown.
 */
export function runScoreTask(score: typeof scoreRange, task: ScoreTask): ScoreTaskResult {
  try {
    const { job, from, to, slot, cancel } = task;
    const k = job.k;
    if (task.exitAfter !== undefined) {
      if (isMainThread) throw new Error('workers: exitAfter is a fault injection for worker threads only');
      score(job, from, Math.min(to, from + task.exitAfter), { slot });
      process.exit(75);
    }
    const ids = new Int32Array((to - from) * k);
    const scores = new Float32Array((to - from) * k);
    for (let c0 = from; c0 < to; c0 += job.chunk) {
      if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) return { cancelled: true };
      const at = (c0 - from) * k;
      score(job, c0, Math.min(to, c0 + job.chunk), { slot, ids: ids.subarray(at), scores: scores.subarray(at) });
    }
    return { from, to, k, ids, scores, kernel: job.kernel };
  } catch (error) {
    return taskError(error);
  }
}
