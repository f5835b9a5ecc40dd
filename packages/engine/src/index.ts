/**
 * @encore/engine — the serving facade: load the models a nightly job wrote, create an engine over
 * them and a cache, and serve recommend / together / list, each item with its explanation.
 */

export {
  type Because,
  type LoadedModels,
  loadModels,
  type ModelKind,
  type ModelSet,
  type SavedModels,
  type SaveModelsOptions,
  type ServingFilter,
  type ServingRules,
  saveModels,
} from '@encore/models';
export { createEngine, Engine } from './engine.js';
export {
  DEFAULT_ENGINE_OPTIONS,
  type EngineEvent,
  type EngineItem,
  type EngineList,
  type EngineOptions,
  type EngineRecommendOptions,
  type EngineShedEvent,
} from './options.js';
