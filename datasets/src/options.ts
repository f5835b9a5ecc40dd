import type { EventLogIds, EventType } from '@encore/core';

/** The event fields a `csv` column can be mapped to. */
export type EventField =
  | 'type'
  | 'userId'
  | 'anonymousId'
  | 'deviceId'
  | 'itemId'
  | 'timestamp'
  | 'quantity'
  | 'price'
  | 'rating'
  | 'channel'
  | 'sessionId'
  | 'orderId'
  | 'query';

/** Every EventField, in the order of the Event interface. */
export const EVENT_FIELDS: readonly EventField[] = Object.freeze([
  'type',
  'userId',
  'anonymousId',
  'deviceId',
  'itemId',
  'timestamp',
  'quantity',
  'price',
  'rating',
  'channel',
  'sessionId',
  'orderId',
  'query',
] as const);

/**
 * Options of `loadDataset` and `readEvents`. Every option is optional; defaults are in
 * `DEFAULT_LOAD_OPTIONS`. Invalid options are an INVALID_ARGUMENT error.
 */
export interface LoadOptions {
  /** Stop at the first malformed line with a PARSE_ERROR (details `{ line, reason, path }`). Default false. */
  readonly strict?: boolean;
  /** How many rejected lines to keep as samples in the report. Default 20. */
  readonly maxRejectedSamples?: number;
  /**
   * `csv` only: header name → event field. Columns not named are ignored. Default: each header
   * name that is an EventField maps to itself, other columns are ignored.
   */
  readonly columns?: ReadonlyMap<string, EventField> | Readonly<Record<string, EventField>>;
  /**
   * `csv` only: raw values of the type column → event type, e.g. `{ addtocart: 'cart' }`.
   * Values not in the map must be event type names themselves.
   */
  readonly typeMap?: ReadonlyMap<string, EventType> | Readonly<Record<string, EventType>>;
  /** Shared id spaces for the EventLog (`loadDataset` only; events from `readEvents` carry strings). */
  readonly ids?: EventLogIds;
  /** Called after each chunk read with the bytes read so far and the file size (compressed bytes for `.gz`). */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Aborts the load; the promise (or iteration) rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Defaults of LoadOptions. */
export const DEFAULT_LOAD_OPTIONS = Object.freeze({
  strict: false,
  maxRejectedSamples: 20,
});
