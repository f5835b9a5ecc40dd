export { type Catalog, type CatalogItem, catalogFrom, MAX_TITLE_LENGTH, validateCatalogItem } from './catalog.js';
export { CATALOG_FORMAT, catalogFromFile, decodeCatalog, encodeCatalog } from './catalog-codec.js';
export {
  checkBoolean,
  checkCoo,
  checkCsr,
  checkEventLog,
  checkIds,
  checkInteger,
  checkName,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkRecommendOptions,
} from './checks.js';
export { crc32, crc32Int } from './crc32.js';
export {
  type Combine,
  type Coo,
  type Csr,
  type CsrAllocator,
  columnCounts,
  cooToCsr,
  csrToCoo,
  groupByKey,
  rowLength,
  rowView,
  transposeCsr,
  transposeCsrInto,
} from './csr.js';
export { EncoreError, ErrorCode, invalidArgument, isEncoreError } from './errors.js';
export {
  countEventTypes,
  type EventFields,
  type EventLog,
  EventLogBuilder,
  type EventLogIds,
  emptyIndexedEventFields,
  eventAt,
  eventLogFrom,
  type IndexedEventFields,
  type InternedColumn,
} from './event-log.js';
export {
  assertEvent,
  checkId,
  checkTimeRange,
  checkTimestamp,
  DEFAULT_TIME_RANGE,
  EVENT_TYPES,
  type Event,
  type EventType,
  eventTypeCode,
  parseTimestamp,
  RATING_RANGE,
  type Rejection,
  type TimeRange,
  type ValidateEventOptions,
  type Validation,
  validateEvent,
} from './events.js';
export { IdMap } from './idmap.js';
export {
  ANONYMOUS_PREFIX,
  buildInteractions,
  type CustomerAssignment,
  compactInteractions,
  DEFAULT_EVENT_WEIGHTS,
  DEVICE_PREFIX,
  defaultCustomers,
  type InteractionOptions,
  type InteractionPairs,
  type Interactions,
  interactionPairs,
  isAnonymousCustomer,
} from './interactions.js';
export {
  type DecodeModelFileOptions,
  decodeModelFile,
  encodeModelFile,
  type JsonValue,
  MODEL_FILE_VERSION,
  type ModelArray,
  ModelFile,
  type ModelFileContent,
  type ModelSection,
  peekModelFile,
  type SectionCheck,
} from './model-file.js';
export type { Algorithm, FitContext, Model, RecommendOptions } from './recommender.js';
export { createRng, type Rng, shuffleInPlace } from './rng.js';
export { type TopK, TopKHeap, topK } from './topk.js';
