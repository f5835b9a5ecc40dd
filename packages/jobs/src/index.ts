/**
 * @encore/jobs — the batch side of Encore: train, evaluate, score every customer, mine rules,
 * publish. Plain async functions over the pure packages, each taking an optional Progress and an
 * AbortSignal, called by the command line and by nightly pipelines alike. No job calls another
 * command; the serving facade (@encore/engine) is not imported here.
 */
export { algorithmRegistry } from './algorithms.js';
export { describeEnvironment, type Environment } from './environment.js';
export { type EvalOptions, type EvalResult, evaluateAlgorithm, type GridPoint } from './evaluate.js';
export { type DataInput, interactionWeights, loadInput, loadWarnings } from './input.js';
export { type JobContext, type Progress, SILENT_PROGRESS } from './progress.js';
export {
  curatedPublication,
  type PublishContent,
  publishContent,
  rankedOf,
  togetherPublication,
} from './publish.js';
export { mineAssociationRules, type RulesOptions, type RulesResult } from './rules.js';
export { type ScoreOptions, type ScoreResult, scoreLists } from './score.js';
export {
  TRAINABLE_ALGORITHMS,
  type TrainableAlgorithm,
  type TrainOptions,
  type TrainResult,
  trainModels,
} from './train.js';
