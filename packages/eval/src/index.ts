export {
  DEFAULT_POPULAR_PARAMS,
  DEFAULT_RANDOM_PARAMS,
  type PopularParams,
  popular,
  type RandomParams,
  random,
} from './baselines.js';
export { DEFAULT_EVALUATION_OPTIONS, type Evaluation, type EvaluationOptions, evaluate } from './harness.js';
export {
  DEFAULT_RANKING_OPTIONS,
  evaluateRankings,
  type Metrics,
  type RankingMetrics,
  type RankingOptions,
  rankingMetricsForUser,
  type UserRankingMetrics,
} from './metrics.js';
export { type AlgorithmRegistry, type AnyAlgorithm, baselineAlgorithms, createAlgorithmRegistry } from './registry.js';
export {
  DEFAULT_SPLIT_OPTIONS,
  type DedupeOptions,
  dedupePairs,
  SPLIT_KINDS,
  type Split,
  type SplitKind,
  type SplitOptions,
  splitInteractions,
  trainCount,
} from './splits.js';
