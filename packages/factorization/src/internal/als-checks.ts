import { type Csr, invalidArgument } from '@encore/core';

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]. */
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

/** Throws INVALID_ARGUMENT unless `value` is a finite number in [min, max]. */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(where, `${name} must be a finite number in [${min}, ${max}]`, value);
  }
  return value;
}

/** Throws INVALID_ARGUMENT unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(where, `${name} must be one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** Throws INVALID_ARGUMENT unless `options` is a plain object whose keys are all in `known`. */
export function checkOptions(where: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(where, 'options must be an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw invalidArgument(
        where,
        `unknown option ${JSON.stringify(key)}, expected one of: ${known.join(', ') || '(none)'}`,
        key,
      );
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Shape and index ranges of a Csr (O(rows + nnz)); rows' columns must ascend strictly; with
 * `nonNegative`, every value must be finite and ≥ 0.
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
    const end = indptr[r + 1] as number;
    let prev = -1;
    let p = indptr[r] as number;
    if (end < p) throw invalidArgument(where, `${name}.indptr must not decrease (row ${r})`, end);
    for (; p < end; p++) {
      const c = indices[p] as number;
      if (!(c > prev && c < cols)) {
        throw invalidArgument(where, `${name} row ${r}: columns must ascend strictly within 0..${cols - 1}`, c);
      }
      prev = c;
      if (nonNegative) {
        const v = data[p] as number;
        if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) {
          throw invalidArgument(where, `${name} row ${r}: values must be finite and ≥ 0`, v);
        }
      }
    }
  }
  return csr;
}

/** Throws INVALID_ARGUMENT unless `ids` is an Int32Array of indices in 0..n - 1. */
export function checkIds(where: string, name: string, ids: unknown, n: number): Int32Array {
  if (!(ids instanceof Int32Array)) throw invalidArgument(where, `${name} must be an Int32Array`, ids);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!(id >= 0 && id < n)) throw invalidArgument(where, `${name}[${i}] must be in 0..${n - 1}`, id);
  }
  return ids;
}
