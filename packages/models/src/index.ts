/**
 * @encore/models — model directories: a trained set of models (personal factors, co-occurrence
 * relations, curated lists, customer timelines, the catalog) saved and loaded atomically, each
 * part encoded by its own package.
 */
export {
  type LoadedModels,
  loadModels,
  MANIFEST_FILE,
  type ManifestEntry,
  type ModelManifest,
  readManifest,
  type SavedModels,
  type SaveModelsOptions,
  saveModels,
} from './model-dir.js';
export { checkModelSet, MODEL_KINDS, type ModelKind, type ModelSet } from './model-set.js';
export {
  type Because,
  DEFAULT_SERVING_OPTIONS,
  listValue,
  prepareServing,
  type ServedItem,
  type ServedList,
  type ServedSource,
  type ServeRecommendOptions,
  type ServingFilter,
  ServingModels,
  type ServingOptions,
  type ServingRules,
  servingRelation,
} from './serving.js';
