export {
  type AlsParallelFitOptions,
  alsParallel,
  DEFAULT_ALS_PARALLEL_PARAMS,
  fitAlsParallel,
} from './als-parallel.js';
export { createWorkerPool, DEFAULT_WORKER_POOL_OPTIONS, WorkerPool, type WorkerPoolOptions } from './pool.js';
export {
  DEFAULT_SCORE_CUSTOMERS_OPTIONS,
  type ScoreCustomersOptions,
  type ScoreCustomersResult,
  type ScoredBatch,
  type ScoreProgress,
  type ScoringPool,
  scoreCustomers,
} from './score.js';
