import { type Coo, type Csr, invalidArgument } from '@encore/core';

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

/** Throws INVALID_ARGUMENT unless `value` is a finite number. */
export function checkFinite(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(where, `${name} must be a finite number`, value);
  }
  return value;
}

/** Throws INVALID_ARGUMENT when `options` holds a key not in `known` (catches typos such as `seeds`). */
export function checkKnownKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw invalidArgument(
        where,
        `unknown option ${JSON.stringify(key)}, expected one of: ${known.join(', ') || '(none)'}`,
        key,
      );
    }
  }
}

/** Shape, lengths and index ranges of a Coo, in O(entries). */
export function checkCoo(where: string, coo: Coo): void {
  if (typeof coo !== 'object' || coo === null) throw invalidArgument(where, 'matrix must be a Coo object', coo);
  checkInteger(where, 'rows', coo.rows, 0, 0x7ffffffe);
  checkInteger(where, 'cols', coo.cols, 0, 0x7ffffffe);
  const { rows, cols, row, col, value, time } = coo;
  if (!(row instanceof Int32Array) || !(col instanceof Int32Array) || !(value instanceof Float32Array)) {
    throw invalidArgument(where, 'row and col must be Int32Arrays and value a Float32Array', coo);
  }
  const n = row.length;
  if (
    col.length !== n ||
    value.length !== n ||
    (time !== null && (!(time instanceof Float64Array) || time.length !== n))
  ) {
    throw invalidArgument(where, 'row, col, value (and time) must have the same length', {
      row: n,
      col: col.length,
      value: value.length,
      time: time?.length,
    });
  }
  for (let e = 0; e < n; e++) {
    const r = row[e] as number;
    const c = col[e] as number;
    if (r < 0 || r >= rows || c < 0 || c >= cols) {
      throw invalidArgument(where, `entry ${e} is out of range, expected row < ${rows} and col < ${cols}`, {
        row: r,
        col: c,
      });
    }
  }
}

/** Shape, monotone indptr and column ranges of a Csr, in O(rows + nnz). */
export function checkCsr(where: string, csr: Csr): void {
  if (typeof csr !== 'object' || csr === null) throw invalidArgument(where, 'matrix must be a Csr object', csr);
  checkInteger(where, 'rows', csr.rows, 0, 0x7ffffffe);
  checkInteger(where, 'cols', csr.cols, 0, 0x7ffffffe);
  const { rows, cols, indptr, indices } = csr;
  if (!(indptr instanceof Int32Array) || indptr.length !== rows + 1 || indptr[0] !== 0) {
    throw invalidArgument(
      where,
      `indptr must be an Int32Array of length rows + 1 (${rows + 1}) starting at 0`,
      indptr?.length,
    );
  }
  if (!(indices instanceof Int32Array) || indices.length !== indptr[rows]) {
    throw invalidArgument(where, 'indices must be an Int32Array of length indptr[rows]', indices?.length);
  }
  for (let r = 0; r < rows; r++) {
    if ((indptr[r + 1] as number) < (indptr[r] as number)) {
      throw invalidArgument(where, 'indptr must be non-decreasing', { row: r });
    }
  }
  for (let p = 0; p < indices.length; p++) {
    const c = indices[p] as number;
    if (c < 0 || c >= cols)
      throw invalidArgument(where, `column index out of range 0..${cols - 1}`, { position: p, col: c });
  }
}

/**
 * Stable counting sort of entries by `keys` (values in 0..groups-1): entries of group g are
 * `order[start[g] .. start[g+1])`, in input order. O(n + groups).
 */
export function groupBy(keys: Int32Array, groups: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let e = 0; e < keys.length; e++) start[(keys[e] as number) + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, groups);
  const order = new Int32Array(keys.length);
  for (let e = 0; e < keys.length; e++) order[fill[keys[e]!]!++] = e;
  return { start, order };
}
