export { algorithmRegistry } from './algorithms.js';
export { type CliIo, main } from './cli.js';
export { type AlgorithmScore, type DemoResult, runDemo } from './commands/demo.js';
export { DEFAULT_EVAL_EVENTS, type EvalOptions, type EvalResult, runEval } from './commands/evaluate.js';
export { describeEnvironment, type Environment } from './environment.js';
export { createProgress, type Progress, type ProgressOptions } from './internal/progress.js';
