export { algorithmRegistry } from './algorithms.js';
export { type CliIo, main } from './cli.js';
export { type AlgorithmScore, type DemoResult, runDemo } from './commands/demo.js';
export { DEFAULT_EVAL_EVENTS, type EvalOptions, type EvalResult, runEval } from './commands/evaluate.js';
export type { FactorModelData } from './commands/factor-train.js';
export type { CooccurrenceModelData } from './commands/train.js';
export {
  createEngine,
  DEFAULT_ENGINE_OPTIONS,
  Engine,
  type EngineEvent,
  type EngineList,
  type EngineModels,
  type EngineOptions,
  type EnginePublication,
  type EngineRecommendOptions,
  type EngineRules,
} from './engine.js';
export { describeEnvironment, type Environment } from './environment.js';
export { createProgress, type Progress, type ProgressOptions } from './internal/progress.js';
