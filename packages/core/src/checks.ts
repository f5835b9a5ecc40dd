import type { Coo, Csr } from './csr.js';
import { EncoreError, ErrorCode, invalidArgument } from './errors.js';
import type { EventLog } from './event-log.js';
import type { RecommendOptions } from './recommender.js';

/**
 * Boundary checks shared by every package: each throws INVALID_ARGUMENT
 * (`package/function: what was wrong, what was expected`, the value in `details`) and returns the
 * checked value typed, so options resolve in one line: `k: checkInteger(where, 'k', o.k ?? 10, 1)`.
 */

/** An integer in [min, max]. */
export function checkInteger(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`;
    throw invalidArgument(where, `${name} must be an integer ${range}`, value);
  }
  return value;
}

/** A finite number in [min, max]; pass `Number.MIN_VALUE` as `min` for "greater than 0". */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(where, `${name} must be a finite number${describeRange(min, max)}`, value);
  }
  return value;
}

function describeRange(min: number, max: number): string {
  const low = min === Number.MIN_VALUE ? '> 0' : `≥ ${min}`;
  if (min === Number.NEGATIVE_INFINITY) return max === Number.POSITIVE_INFINITY ? '' : ` ≤ ${max}`;
  return max === Number.POSITIVE_INFINITY ? ` ${low}` : ` ${low} and ≤ ${max}`;
}

/** One of `allowed`. */
export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(where, `${name} must be one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** A boolean (no truthy stand-ins: `'false'` is a bug at the caller, not false). */
export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(where, `${name} must be a boolean`, value);
  return value;
}

/** A name a caller gives something (a relation, a candidate source): a string of 1 to 200 characters. */
export function checkName(where: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw invalidArgument(where, `${name} must be a non-empty string of at most 200 characters`, value);
  }
  return value;
}

/**
 * A plain object whose keys are all in `known` (a misspelt option is an error, not a silent
 * default). `noun` names the object in the message ('options', 'params').
 */
export function checkOptions(
  where: string,
  options: unknown,
  known: readonly string[],
  noun = 'options',
): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(where, `${noun} must be an object`, options);
  }
  // for-in, not Object.keys: no array per call (request handlers check their options every call).
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) {
      throw invalidArgument(
        where,
        `unknown ${noun === 'params' ? 'parameter' : 'option'} ${JSON.stringify(key)}, expected one of: ${known.join(', ') || '(none)'}`,
        key,
      );
    }
  }
  return options as Record<string, unknown>;
}

/**
 * A well-formed Csr, in O(rows + nnz): typed arrays of matching lengths, indptr from 0 to nnz
 * without decreasing, each row's columns strictly ascending within range; with `nonNegative`,
 * every value finite and ≥ 0.
 */
export function checkCsr(where: string, name: string, m: unknown, nonNegative = false): Csr {
  const csr = m as Csr;
  if (
    typeof m !== 'object' ||
    m === null ||
    !(csr.indptr instanceof Int32Array) ||
    !(csr.indices instanceof Int32Array) ||
    !(csr.data instanceof Float32Array) ||
    !Number.isInteger(csr.rows) ||
    !Number.isInteger(csr.cols) ||
    csr.rows < 0 ||
    csr.cols < 0 ||
    csr.indptr.length !== csr.rows + 1 ||
    csr.data.length !== csr.indices.length
  ) {
    throw invalidArgument(where, `${name} must be a Csr matrix (indptr of rows + 1, indices, data)`, m);
  }
  const { indptr, indices, data, cols } = csr;
  if (indptr[0] !== 0 || indptr[csr.rows] !== indices.length) {
    throw invalidArgument(where, `${name}.indptr must run from 0 to the number of entries`, indptr[csr.rows]);
  }
  for (let r = 0; r < csr.rows; r++) {
    const end = indptr[r + 1]!;
    let p = indptr[r]!;
    if (end < p) throw invalidArgument(where, `${name}.indptr must not decrease (row ${r})`, end);
    let prev = -1;
    for (; p < end; p++) {
      const c = indices[p]!;
      if (!(c > prev && c < cols)) {
        throw invalidArgument(where, `${name} row ${r}: columns must ascend strictly within 0..${cols - 1}`, c);
      }
      prev = c;
      if (nonNegative) {
        const v = data[p]!;
        if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) {
          throw invalidArgument(where, `${name} row ${r}: values must be finite and ≥ 0`, v);
        }
      }
    }
  }
  return csr;
}

/** An Int32Array of indices in 0..n - 1. */
export function checkIds(where: string, name: string, ids: unknown, n: number): Int32Array {
  if (!(ids instanceof Int32Array)) throw invalidArgument(where, `${name} must be an Int32Array`, ids);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < n)) throw invalidArgument(where, `${name}[${i}] must be in 0..${n - 1}`, id);
  }
  return ids;
}

/**
 * Well-formed Coo entries, in O(entries): rows and cols integers ≥ 0, Int32Array row and col, a
 * Float32Array value (and a Float64Array time, or null) of one length, every (row, col) within
 * range. Duplicates are allowed (cooToCsr combines them). Throws LIMIT_EXCEEDED, not
 * INVALID_ARGUMENT, for rows or cols ≥ 2³¹ − 1, which no Int32Array index can reach.
 */
export function checkCoo(where: string, name: string, value: unknown): Coo {
  if (typeof value !== 'object' || value === null) {
    throw invalidArgument(where, `${name} must be a Coo matrix (rows, cols, row, col, value, time)`, value);
  }
  const coo = value as Coo;
  const { rows, cols, row, col, time } = coo;
  for (const [dim, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw invalidArgument(where, `${name}.${dim} must be an integer ≥ 0`, v);
    if (v >= 0x7fffffff) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, `${where}: ${name}.${dim} exceeds 2^31 - 2`, { value: v });
    }
  }
  if (!(row instanceof Int32Array) || !(col instanceof Int32Array) || !(coo.value instanceof Float32Array)) {
    throw invalidArgument(where, `${name}.row and .col must be Int32Arrays and .value a Float32Array`, value);
  }
  const n = row.length;
  if (
    col.length !== n ||
    coo.value.length !== n ||
    (time !== null && (!(time instanceof Float64Array) || time.length !== n))
  ) {
    throw invalidArgument(where, `${name}.row, .col, .value (and .time) must have the same length`, {
      row: n,
      col: col.length,
      value: coo.value.length,
      time: time?.length,
    });
  }
  for (let e = 0; e < n; e++) {
    const r = row[e]!;
    const c = col[e]!;
    if (!(r >= 0 && r < rows && c >= 0 && c < cols)) {
      throw invalidArgument(where, `${name} entry ${e} is out of range, expected row < ${rows} and col < ${cols}`, {
        row: r,
        col: c,
      });
    }
  }
  return coo;
}

/**
 * An EventLog's shape, in O(1): a length, Uint8Array types and Float64Array timestamps of that
 * length, an item column. The columns' contents are trusted (EventLogBuilder.finish made them);
 * checking every row per call would cost O(events) on request paths.
 */
export function checkEventLog(where: string, name: string, value: unknown): EventLog {
  const log = value as EventLog;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Number.isSafeInteger(log.length) ||
    log.length < 0 ||
    !(log.type instanceof Uint8Array) ||
    !(log.timestamp instanceof Float64Array) ||
    typeof log.item !== 'object' ||
    log.item === null ||
    log.type.length !== log.length ||
    log.timestamp.length !== log.length
  ) {
    throw invalidArgument(where, `${name} must be an EventLog (what EventLogBuilder.finish returns)`, value);
  }
  return log;
}

/**
 * The options of the recommender contract's `recommend` (see {@link RecommendOptions}): an
 * object with k an integer ≥ 0 and `exclude` absent or a Csr. `exclude` is checked for its shape
 * only, in O(1): a request path cannot afford O(nnz) per call, and a row beyond its size
 * excludes nothing.
 *
 * @example
 * const { k, exclude } = checkRecommendOptions('eval/popular.recommend', options);
 */
export function checkRecommendOptions(
  where: string,
  options: unknown,
): { readonly k: number; readonly exclude: Csr | undefined } {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(where, 'options must be an object with k', options);
  }
  const o = options as Partial<RecommendOptions>;
  const k = checkInteger(where, 'k', o.k, 0);
  const exclude = o.exclude ?? undefined;
  if (exclude !== undefined && (typeof exclude !== 'object' || !(exclude.indptr instanceof Int32Array))) {
    throw invalidArgument(where, 'exclude must be a Csr matrix', exclude);
  }
  return { k, exclude };
}
