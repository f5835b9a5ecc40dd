/**
 * The one entry point of every pool worker: runs a task by its `kind`. Imports only kernels (the
 * ALS solver, the scoring kernel), never tfjs: @tensorflow/tfjs-node breaks from the second worker
 * thread on, and a worker needs none of the model code around the kernels.
 */
import runAlsFit, { type AlsFitTask, type AlsTaskResult } from './als-fit-task.js';
import scoreRangeTask, { type ScoreTask, type ScoreTaskResult } from './score-worker.js';

/** A task of any kind a pool worker runs. */
export type PoolTask = ({ readonly kind: 'als-fit' } & AlsFitTask) | ({ readonly kind: 'score' } & ScoreTask);

/** What a task of each kind resolves to. */
export type PoolTaskResult<T extends PoolTask> = T extends { kind: 'als-fit' }
  ? AlsTaskResult
  : T extends { kind: 'score' }
    ? ScoreTaskResult
    : never;

export default function runTask(task: PoolTask): unknown {
  switch (task.kind) {
    case 'als-fit':
      return runAlsFit(task);
    case 'score':
      return scoreRangeTask(task);
    default:
      throw new TypeError(`workers: unknown task kind ${JSON.stringify((task as { kind?: unknown }).kind)}`);
  }
}
