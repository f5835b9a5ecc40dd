export {
  type AlsParallelFitOptions,
  alsParallel,
  balancedRanges,
  DEFAULT_ALS_PARALLEL_PARAMS,
  fitAlsParallel,
} from './als-parallel.js';
export { createWorkerPool, DEFAULT_WORKER_POOL_OPTIONS, WorkerPool, type WorkerPoolOptions } from './pool.js';
