import {
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkTimeRange,
  EVENT_TYPES,
  type EventLogIds,
  type EventType,
  IdMap,
  invalidArgument,
  type TimeRange,
} from '@encore/core';
import type { DataFormat } from '../formats.js';
import { DEFAULT_LOAD_OPTIONS, EVENT_FIELDS, type EventField, type LoadOptions } from '../options.js';

/** LoadOptions resolved once at the boundary: every field present and checked. */
export interface ResolvedOptions {
  readonly strict: boolean;
  readonly maxRejectedSamples: number;
  readonly columns: ReadonlyMap<string, EventField> | null;
  readonly typeMap: ReadonlyMap<string, EventType> | null;
  /** The type of every row (`csv` with `options.type`), or null: read from the type column. */
  readonly type: EventType | null;
  readonly timeRange: Readonly<TimeRange>;
  /** users, anonymous, devices and items always present (shared with the caller's log). */
  readonly ids: EventLogIds & Required<Pick<EventLogIds, 'users' | 'anonymous' | 'devices' | 'items'>>;
  readonly onProgress: ((bytesRead: number, totalBytes: number) => void) | null;
  readonly signal: AbortSignal | null;
}

/** Validates and resolves LoadOptions; INVALID_ARGUMENT on anything malformed. */
export function resolveOptions(where: string, format: DataFormat, options: LoadOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(where, 'options must be an object', options);
  }
  const strict = checkBoolean(where, 'options.strict', options.strict ?? DEFAULT_LOAD_OPTIONS.strict);
  const maxRejectedSamples = checkInteger(
    where,
    'options.maxRejectedSamples',
    options.maxRejectedSamples ?? DEFAULT_LOAD_OPTIONS.maxRejectedSamples,
    0,
  );
  if (format !== 'csv' && options.columns !== undefined) {
    throw invalidArgument(where, `options.columns applies to the csv format only, not ${format}`, options.columns);
  }
  if (format !== 'csv' && options.typeMap !== undefined) {
    throw invalidArgument(where, `options.typeMap applies to the csv format only, not ${format}`, options.typeMap);
  }
  if (format !== 'csv' && options.type !== undefined) {
    throw invalidArgument(where, `options.type applies to the csv format only, not ${format}`, options.type);
  }
  const type = options.type === undefined ? null : checkOneOf(where, 'options.type', options.type, EVENT_TYPES);
  if (type !== null && options.typeMap !== undefined) {
    throw invalidArgument(
      where,
      'options.type fixes every event type, options.typeMap maps a type column: expected one of them',
      options.typeMap,
    );
  }
  if (format === 'baskets' && options.timeRange !== undefined) {
    throw invalidArgument(
      where,
      'options.timeRange does not apply to baskets: the data has no time (every timestamp is 0)',
      options.timeRange,
    );
  }
  const timeRange =
    options.timeRange === undefined
      ? DEFAULT_LOAD_OPTIONS.timeRange
      : checkTimeRange(where, 'options.timeRange', options.timeRange);
  const columns =
    options.columns === undefined
      ? null
      : toStringMap(where, 'options.columns', options.columns, EVENT_FIELDS as readonly string[]);
  if (columns !== null) {
    const seen = new Set<string>();
    for (const field of columns.values()) {
      if (seen.has(field))
        throw invalidArgument(where, `options.columns maps two columns to ${field}, expected one`, field);
      seen.add(field);
    }
  }
  const typeMap =
    options.typeMap === undefined
      ? null
      : toStringMap(where, 'options.typeMap', options.typeMap, EVENT_TYPES as readonly string[]);
  const ids = options.ids ?? {};
  if (typeof ids !== 'object' || ids === null) throw invalidArgument(where, 'options.ids must be an object', ids);
  for (const key of ['users', 'anonymous', 'devices', 'items', 'sessions', 'orders', 'channels', 'queries'] as const) {
    const map = ids[key];
    if (map !== undefined && !(map instanceof IdMap)) {
      throw invalidArgument(where, `options.ids.${key} must be an IdMap`, map);
    }
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalidArgument(where, 'options.onProgress must be a function', options.onProgress);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidArgument(where, 'options.signal must be an AbortSignal', options.signal);
  }
  return {
    strict,
    maxRejectedSamples,
    columns: columns as ReadonlyMap<string, EventField> | null,
    typeMap: typeMap as ReadonlyMap<string, EventType> | null,
    type,
    timeRange,
    ids: {
      sessions: ids.sessions,
      orders: ids.orders,
      channels: ids.channels,
      queries: ids.queries,
      users: ids.users ?? new IdMap(),
      anonymous: ids.anonymous ?? new IdMap(),
      devices: ids.devices ?? new IdMap(),
      items: ids.items ?? new IdMap(),
    },
    onProgress: options.onProgress ?? null,
    signal: options.signal ?? null,
  };
}

/** A Map or a plain object (own enumerable keys only) → Map, each value one of `allowed`. */
function toStringMap(
  where: string,
  name: string,
  input: unknown,
  allowed: readonly string[],
): ReadonlyMap<string, string> {
  let entries: [unknown, unknown][];
  if (input instanceof Map) entries = [...input.entries()];
  else if (typeof input === 'object' && input !== null && !Array.isArray(input)) entries = Object.entries(input);
  else throw invalidArgument(where, `${name} must be a Map or an object`, input);
  const out = new Map<string, string>();
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw invalidArgument(where, `${name} keys must be strings`, key);
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw invalidArgument(where, `${name}[${JSON.stringify(key)}] must be one of ${allowed.join(', ')}`, value);
    }
    out.set(key, value);
  }
  return out;
}
