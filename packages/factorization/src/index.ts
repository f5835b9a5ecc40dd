export {
  ALS_AFFINITIES,
  type AlsAffinity,
  type AlsFitOptions,
  type AlsIteration,
  type AlsModel,
  type AlsParams,
  als,
  DEFAULT_ALS_PARAMS,
  fitAls,
  recalculateItem,
  recalculateUser,
  resolveAlsParams,
} from './als.js';
export { ALS_KERNELS, ALS_SOLVERS, type AlsKernel, type AlsKernelChoice, type AlsSolver } from './als-kernel.js';
export {
  BPR_ENGINES,
  BPR_SAMPLINGS,
  type BprBackend,
  type BprEngine,
  type BprEpoch,
  type BprModel,
  type BprParams,
  type BprRecommender,
  type BprSampling,
  bpr,
  bprRecommender,
  DEFAULT_BPR_PARAMS,
  fitBpr,
  resolveBprParams,
} from './bpr.js';
export { explainFactors, type FactorExplanation } from './explain.js';
export {
  decodeFactorModel,
  encodeFactorModel,
  FACTOR_MODEL_FORMAT,
  factorModelFromFile,
  type TrainedFactorModel,
} from './factor-codec.js';
export {
  type FactorModel,
  type FactorRecommender,
  type FactorScoring,
  factorRuntime,
  type RecommendItemsOptions,
  type RecommendKernel,
  type RecommendScratch,
  recommendItems,
  scoreFactors,
  similarItems,
  toRecommender,
} from './factor-model.js';
export { SCORE_KERNELS, type ScoreKernel, type ScoreKernelChoice } from './score-kernel.js';
export {
  selectTfjsBackend,
  TFJS_BACKENDS,
  type Tfjs,
  type TfjsBackend,
  type TfjsSelection,
  type TfjsSelectionOptions,
} from './tfjs.js';
