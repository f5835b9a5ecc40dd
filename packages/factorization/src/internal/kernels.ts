/**
 * `@encore/factorization/internal/kernels`: the kernel plumbing @encore/workers runs on worker
 * threads, for @encore/workers only (its task entry points, and the drivers on the calling thread
 * that lay out the work they hand them; the benchmarks time the kernels through it too). Not a
 * stable API: names and shapes change with the workers that use them. Users call `fitAls`, the
 * recommender contract and @encore/workers' `fitAlsParallel` / `scoreCustomers` instead.
 *
 * A subpath of its own because a worker thread must stay light: a pool worker imports this module
 * and nothing else of the package (the ALS solver and fit layout, the scoring kernel; under them
 * only @encore/core, ml-matrix and the WebAssembly loaders), never the barrel's model code (BPR and
 * its tfjs backends: @tensorflow/tfjs-node breaks from the second worker thread on, and a worker
 * needs none of it). Keep it so: nothing here may import `../index.js`, `../als.js`, `../bpr.js`
 * or `../tfjs.js`.
 */
export { ALS_ROW_BLOCK, type AlsFitLayout, type AlsHalf, alsSolveRows, finishAlsHalf } from '../als-kernel.js';
export { type AlsFitPlan, alsIterationReport, type PreparedAlsFit, prepareAlsFit } from '../als-layout.js';
export {
  buildScoringJob,
  DEFAULT_SCORING_OPTIONS,
  type ScoredRange,
  type ScoreRangeOptions,
  type ScoringJob,
  type ScoringOptions,
  type ScoringPlan,
  scoreNaive,
  scoreRange,
  scoringFlops,
} from '../score-kernel.js';
