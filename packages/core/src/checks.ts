import type { Csr } from './csr.js';
import { invalidArgument } from './errors.js';

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
