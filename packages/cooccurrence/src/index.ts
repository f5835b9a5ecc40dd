export {
  BASKET_KINDS,
  type BasketKind,
  type BasketMatrix,
  type BasketMatrixOptions,
  basketMatrix,
  DEFAULT_BASKET_MATRIX_OPTIONS,
} from './baskets.js';
export {
  buildCooccurrence,
  buildCrossOccurrence,
  type CooccurrenceOptions,
  type CooccurrenceRelation,
  DEFAULT_COOCCURRENCE_OPTIONS,
  type NeighbourLists,
  type PairCounts,
  type RelationKind,
  type RelationParams,
  type RescoreOptions,
  rescoreCooccurrence,
  updateCooccurrence,
  updateCrossOccurrence,
} from './cooccurrence.js';
export {
  type BundleCandidate,
  type BundleOptions,
  bundleCandidates,
  DEFAULT_BUNDLE_OPTIONS,
  DEFAULT_RANDOM_WALK_OPTIONS,
  type ItemEdgeAttributes,
  type ItemGraph,
  type ItemNodeAttributes,
  type RandomWalkOptions,
  randomWalkWithRestart,
  toItemGraph,
} from './graph.js';
export {
  AFFINITIES,
  type Affinity,
  cooccurrence,
  DEFAULT_ITEM_BASED_PARAMS,
  type ItemBasedParams,
} from './item-based.js';
export {
  buildCooccurrenceModel,
  type CooccurrenceModel,
  CUSTOMERS_ALSO,
  customersAlso,
  DEFAULT_RELATIONS,
  emptyRelationReason,
  type RelationSpec,
  relationOf,
} from './model.js';
export {
  COOCCURRENCE_MODEL_FORMAT,
  cooccurrenceModelFromFile,
  decodeCooccurrenceModel,
  encodeCooccurrenceModel,
} from './model-codec.js';
export {
  type AssociationRule,
  associationRules,
  DEFAULT_ITEMSET_OPTIONS,
  DEFAULT_RULE_OPTIONS,
  type FrequentItemsets,
  type Itemset,
  type ItemsetOptions,
  type ItemsetRecord,
  type MineRulesOptions,
  mineFrequentItemsets,
  mineRules,
  type RuleMiningResult,
  type RuleOptions,
  type RuleRecord,
  serializeItemsets,
  serializeRules,
} from './rules.js';
export {
  logLikelihoodRatio,
  pairScore,
  rootLogLikelihoodRatio,
  SIMILARITIES,
  type Similarity,
  xLogX,
} from './scores.js';
export { DEFAULT_TOGETHER_OPTIONS, type TogetherOptions, type TogetherResult, together } from './together.js';
