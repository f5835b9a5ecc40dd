export { alsParallel, balancedRanges, DEFAULT_ALS_PARALLEL_PARAMS, fitAlsParallel } from './als-parallel.js';
