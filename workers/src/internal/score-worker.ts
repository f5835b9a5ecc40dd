/**
 * Piscina worker of `scoreCustomers`: scores one range of positions of a scoring job
 * (score-task.ts). The job's arrays live in shared memory (one shared WebAssembly memory, or
 * SharedArrayBuffers), so only their views cross threads; the lists come back in fresh
 * ArrayBuffers that are transferred, not copied. Imports only the scoring kernel (no tfjs, no
 * other model code).
 */
import { scoreRange } from '@encore/factorization/internal/kernels';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runScoreTask, type ScoreTask } from './score-task.js';

export type { ScoreTask, ScoreTaskResult } from './score-task.js';

/** The pool's entry for 'score' tasks: the lists' two ArrayBuffers are moved to the caller. */
export default function scoreRangeTask(task: ScoreTask): unknown {
  const result = runScoreTask(scoreRange, task);
  if (!('ids' in result)) return result;
  // Both arrays were allocated for this task, each on its own ArrayBuffer: moving them is free.
  return move({
    [transferableSymbol]: [result.ids.buffer, result.scores.buffer],
    [valueSymbol]: result,
  });
}
