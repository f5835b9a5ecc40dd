export { type Catalog, type CatalogItem, catalogFrom, validateCatalogItem } from './catalog.js';
export { checkCsr, checkIds, checkInteger, checkNumber, checkOneOf, checkOptions } from './checks.js';
export {
  type Combine,
  type Coo,
  type Csr,
  type CsrAllocator,
  columnCounts,
  cooToCsr,
  csrToCoo,
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
  EVENT_TYPES,
  type Event,
  type EventType,
  eventTypeCode,
  parseTimestamp,
  RATING_RANGE,
  type Rejection,
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
} from './interactions.js';
export type { Algorithm, FitContext, Model, RecommendOptions } from './recommender.js';
export { createRng, type Rng, shuffleInPlace } from './rng.js';
export { type TopK, topK } from './topk.js';
