export {
  ALS_AFFINITIES,
  type AlsAffinity,
  type AlsFitOptions,
  type AlsIteration,
  type AlsMemory,
  type AlsModel,
  type AlsParams,
  als,
  alsFitSteps,
  DEFAULT_ALS_PARAMS,
  fitAls,
  recalculateItem,
  recalculateUser,
  resolveAlsParams,
} from './als.js';
export {
  ALS_ROW_BLOCK,
  ALS_SOLVERS,
  type AlsHalf,
  type AlsSolver,
  alsSolveRows,
  gramOf,
  sumGramPartials,
} from './als-kernel.js';
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
export {
  type FactorModel,
  type FactorRecommender,
  type RecommendItemsOptions,
  recommendItems,
  similarItems,
  toRecommender,
} from './factor-model.js';
export { type FactorRecommendOptions, recommendFromFactors, scoreFactors } from './factors.js';
export {
  selectTfjsBackend,
  TFJS_BACKENDS,
  type Tfjs,
  type TfjsBackend,
  type TfjsSelection,
  type TfjsSelectionOptions,
} from './tfjs.js';
