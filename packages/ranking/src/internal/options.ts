import {
  type CustomerAssignment,
  checkInteger,
  checkNumber,
  EVENT_TYPES,
  type EventLog,
  type EventType,
  invalidArgument,
} from '@encore/core';
import type { ItemAttributes } from '../attributes.js';

/**
 * Boundary checks of ranking's own inputs (each throws INVALID_ARGUMENT with the value); the
 * general ones (checkBoolean, checkName, checkIds, checkEventLog, …) are core's.
 */

export const MS_PER_DAY = 86_400_000;

/** A span in days: a finite number > 0, or Infinity when `infinite` (meaning "no limit"). */
export function checkDays(where: string, name: string, value: unknown, infinite = false): number {
  if (infinite && value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw invalidArgument(where, `${name} must be a number of days > 0${infinite ? ' (or Infinity)' : ''}`, value);
  }
  return value;
}

/** `now`: a finite epoch-ms timestamp. Required: time is always passed in, never read from the clock. */
export function checkNow(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(where, 'now must be a finite timestamp (epoch ms)', value);
  }
  return value;
}

/** k: an integer ≥ 1 (an empty list is never what a shelf asks for, so k = 0 is a caller bug). */
export function checkK(where: string, value: unknown): number {
  return checkInteger(where, 'k', value, 1);
}

/**
 * Per-event-type numbers (weights, look-backs) given as `{ purchase: 1, view: 0.2 }`: keys must be
 * event types, values pass `check`. Returns them by type code, `absent` where not given.
 */
export function checkByEventType(
  where: string,
  name: string,
  value: unknown,
  absent: number,
  check: (type: EventType, v: unknown) => number,
): Float64Array {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(where, `${name} must be an object keyed by event type`, value);
  }
  const out = new Float64Array(EVENT_TYPES.length).fill(absent);
  for (const [type, v] of Object.entries(value)) {
    const code = (EVENT_TYPES as readonly string[]).indexOf(type);
    if (code < 0) throw invalidArgument(where, `${name}: unknown event type, expected one of ${EVENT_TYPES}`, type);
    out[code] = check(type as EventType, v);
  }
  return out;
}

/** Event weights: finite ≥ 0 per type, at least one > 0. Types not listed weigh 0. */
export function checkEventWeights(where: string, name: string, value: unknown): Float64Array {
  const weights = checkByEventType(where, name, value, 0, (type, v) => checkNumber(where, `${name}.${type}`, v, 0));
  if (!weights.some((w) => w > 0))
    throw invalidArgument(where, `${name} must give some event type a weight > 0`, value);
  return weights;
}

/** A CustomerAssignment for `log`: one customer index (or -1) per event. */
export function checkCustomers(where: string, value: unknown, log: EventLog): CustomerAssignment {
  const c = value as CustomerAssignment;
  if (
    typeof value !== 'object' ||
    value === null ||
    !(c.ofEvent instanceof Int32Array) ||
    typeof c.ids !== 'object' ||
    c.ids === null
  ) {
    throw invalidArgument(where, 'customers must be a CustomerAssignment ({ ids, ofEvent })', value);
  }
  if (c.ofEvent.length !== log.length) {
    throw invalidArgument(where, `customers.ofEvent must have one entry per event (${log.length})`, c.ofEvent.length);
  }
  return c;
}

/**
 * An ItemAttributes' shape, checked in O(1) per column (values are trusted: the table is built by
 * itemAttributes, and checking every category code on each ranking request would cost O(items)).
 */
export function checkAttributes(where: string, value: unknown): ItemAttributes {
  const a = value as ItemAttributes;
  if (typeof value !== 'object' || value === null || !Number.isInteger(a.items) || a.items < 0) {
    throw invalidArgument(where, 'attributes must be an ItemAttributes table (see itemAttributes)', value);
  }
  const columns: readonly [string, unknown, new (n: number) => unknown][] = [
    ['category', a.category, Int32Array],
    ['price', a.price, Float64Array],
    ['margin', a.margin, Float32Array],
    ['stock', a.stock, Float64Array],
    ['ratingMean', a.ratingMean, Float32Array],
    ['ratingCount', a.ratingCount, Float64Array],
    ['promoted', a.promoted, Uint8Array],
    ['inCatalog', a.inCatalog, Uint8Array],
  ];
  for (const [name, column, type] of columns) {
    if (!(column instanceof type) || (column as { length: number }).length !== a.items) {
      throw invalidArgument(
        where,
        `attributes.${name} must be a ${type.name} of ${a.items} entries`,
        (column as { length?: number } | undefined)?.length,
      );
    }
  }
  if (!Array.isArray(a.categories))
    throw invalidArgument(where, 'attributes.categories must be an array', a.categories);
  return a;
}
