/**
 * Piscina worker of `fitAlsParallel`: solves one row range of an ALS half-iteration in place. The
 * half's arrays live in shared memory, so nothing but the views crosses threads. Imports only
 * the ALS kernel (no tfjs, no other model code).
 */
import { type AlsHalf, alsSolveRows } from '@encore/factorization/als-kernel';

export interface AlsTask {
  readonly half: AlsHalf;
  readonly from: number;
  readonly to: number;
  /** The scratch slot of this task (distinct among the tasks of one half). */
  readonly slot: number;
}

/** What a task sends back: nothing, or the typed error it met (errors lose their class across threads). */
export type AlsTaskResult = null | {
  readonly code: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
};

export default function solveRange(task: AlsTask): AlsTaskResult {
  try {
    alsSolveRows(task.half, task.from, task.to, task.slot);
    return null;
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof e?.code === 'string') {
      return {
        code: e.code,
        message: String(e.message),
        details: (e.details ?? {}) as Readonly<Record<string, unknown>>,
      };
    }
    throw error;
  }
}
