import { DEFAULT_TIME_RANGE, type EventLogIds, type EventType, type TimeRange } from '@encore/core';

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
  /**
   * Stop at the first malformed line, or the first line that needed a repair (a stray byte order
   * mark, an over-long title), with a PARSE_ERROR (details `{ line, reason, path }`). Default false.
   */
  readonly strict?: boolean;
  /** How many rejected (and how many repaired) lines to keep as samples in the report. Default 20. */
  readonly maxRejectedSamples?: number;
  /**
   * Times an event may carry, epoch ms, `from` included, `to` excluded; a line with a time outside
   * is rejected. Default `DEFAULT_TIME_RANGE` of core: `{ from: 0, to: 4_102_444_800_000 }`
   * (1970-01-01 to 2100-01-01 UTC). Both ends must lie within ±8.64e15 (the Date range). Not for
   * `baskets`, whose events carry no time (INVALID_ARGUMENT).
   *
   * @example
   * loadDataset(path, 'csv', { timeRange: { from: Date.UTC(2020, 0, 1), to: Date.UTC(2030, 0, 1) } });
   */
  readonly timeRange?: TimeRange;
  /**
   * `csv` only: header name → event field. Columns not named are ignored. Default: each header
   * name that is an EventField maps to itself, other columns are ignored. `parseColumnMapping`
   * reads this map from text such as `userId=user,itemId=item,rating=rating,timestamp=timestamp`.
   */
  readonly columns?: ReadonlyMap<string, EventField> | Readonly<Record<string, EventField>>;
  /**
   * `csv` only: raw values of the type column → event type, e.g. `{ addtocart: 'cart' }`.
   * Values not in the map must be event type names themselves. Not with `type`.
   */
  readonly typeMap?: ReadonlyMap<string, EventType> | Readonly<Record<string, EventType>>;
  /**
   * `csv` only: every row is an event of this type, for a file of one event type without a type
   * column (a ratings file: `type: 'rate'`). The header must then map no column to `type`
   * (PARSE_ERROR otherwise); not with `typeMap`. Default: the type is read from the type column.
   */
  readonly type?: EventType;
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
  timeRange: DEFAULT_TIME_RANGE,
});
