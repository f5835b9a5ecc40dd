import { checkCoo } from './checks.js';
import { invalidArgument } from './errors.js';

/**
 * A sparse matrix in compressed sparse row form. Row r holds columns
 * `indices[indptr[r] .. indptr[r+1])` (strictly ascending) with values `data[…]` at the same
 * positions. `times`, when present, holds one timestamp (epoch ms) per stored entry: the latest
 * event that contributed to it, for callers that need recency.
 */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
  readonly times: Float64Array | null;
}

/** Entries in coordinate form: entry e is (row[e], col[e]) = value[e], at time[e] when present. */
export interface Coo {
  readonly rows: number;
  readonly cols: number;
  readonly row: Int32Array;
  readonly col: Int32Array;
  readonly value: Float32Array;
  readonly time: Float64Array | null;
}

/** How duplicate (row, col) entries combine. Timestamps always keep the latest. */
export type Combine = 'sum' | 'max' | 'last';

/**
 * Builds a CSR matrix from coordinate entries in O(entries + rows + cols), without a comparison
 * sort: a counting sort by column, then a stable scatter by row, leaves every row's columns
 * ascending so duplicates sit side by side and merge in one sweep (`combine`, default 'sum';
 * 'last' keeps the value of the latest entry in input order).
 *
 * INVALID_ARGUMENT when the entries are malformed (see checkCoo: an index out of range, arrays
 * that disagree in length or type) or `combine` is unknown; LIMIT_EXCEEDED for rows or cols
 * ≥ 2³¹ − 1.
 */
export function cooToCsr(coo: Coo, options: { combine?: Combine } = {}): Csr {
  const combine = options.combine ?? 'sum';
  if (combine !== 'sum' && combine !== 'max' && combine !== 'last') {
    throw invalidArgument('core/cooToCsr', "combine must be 'sum', 'max' or 'last'", combine);
  }
  const { rows, cols, row, col, value, time } = checkCoo('core/cooToCsr', 'coo', coo);
  const n = row.length;
  // Counting sort by column.
  const byCol = groupByKey(col, cols).order;

  // Stable scatter by row: within a row, columns arrive ascending and ties keep input order.
  const rowStart = new Int32Array(rows + 1);
  for (let e = 0; e < n; e++) rowStart[row[e]! + 1]!++;
  for (let r = 0; r < rows; r++) rowStart[r + 1]! += rowStart[r]!;
  const fill = rowStart.slice(0, rows);
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  const ts = time === null ? null : new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const e = byCol[k] as number;
    const p = fill[row[e]!]!++;
    idx[p] = col[e] as number;
    val[p] = value[e] as number;
    if (ts !== null) ts[p] = (time as Float64Array)[e] as number;
  }

  // Merge adjacent duplicates in place and compact.
  const indptr = new Int32Array(rows + 1);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    const end = rowStart[r + 1] as number;
    let p = rowStart[r] as number;
    while (p < end) {
      const c = idx[p] as number;
      let v = val[p] as number;
      let t = ts === null ? 0 : (ts[p] as number);
      p++;
      while (p < end && idx[p] === c) {
        const w = val[p] as number;
        v = combine === 'sum' ? v + w : combine === 'max' ? Math.max(v, w) : w;
        if (ts !== null) t = Math.max(t, ts[p] as number);
        p++;
      }
      idx[out] = c;
      val[out] = v;
      if (ts !== null) ts[out] = t;
      out++;
    }
    indptr[r + 1] = out;
  }
  return {
    rows,
    cols,
    indptr,
    indices: out === n ? idx : idx.slice(0, out),
    data: out === n ? val : val.slice(0, out),
    times: ts === null ? null : out === n ? ts : ts.slice(0, out),
  };
}

/** The entries of a CSR matrix in coordinate form (row-major order). */
export function csrToCoo(csr: Csr): Coo {
  const nnz = csr.indices.length;
  const row = new Int32Array(nnz);
  for (let r = 0; r < csr.rows; r++) row.fill(r, csr.indptr[r] as number, csr.indptr[r + 1] as number);
  return {
    rows: csr.rows,
    cols: csr.cols,
    row,
    col: csr.indices.slice(),
    value: csr.data.slice(),
    time: csr.times === null ? null : csr.times.slice(),
  };
}

/** Where a CSR's arrays are allocated (e.g. in shared or WebAssembly memory, so no copy is needed later). */
export interface CsrAllocator {
  int32(length: number): Int32Array;
  float32(length: number): Float32Array;
  float64(length: number): Float64Array;
}

const ORDINARY_ALLOCATOR: CsrAllocator = Object.freeze({
  int32: (n: number) => new Int32Array(n),
  float32: (n: number) => new Float32Array(n),
  float64: (n: number) => new Float64Array(n),
});

/**
 * The transpose (items × customers from customers × items), in O(nnz + rows + cols), its arrays
 * made by `allocate` (ordinary typed arrays by default; they must come zero-filled).
 */
export function transposeCsr(csr: Csr, allocate: CsrAllocator = ORDINARY_ALLOCATOR): Csr {
  const nnz = csr.indices.length;
  return transposeCsrInto(csr, {
    indptr: allocate.int32(csr.cols + 1),
    indices: allocate.int32(nnz),
    data: allocate.float32(nnz),
    times: csr.times === null ? null : allocate.float64(nnz),
  });
}

/**
 * The transpose of `csr` written into arrays the caller made (and may have handed out already,
 * e.g. to worker threads): `out.indptr` of cols + 1 zeros, `out.indices` and `out.data` of nnz,
 * `out.times` of nnz when `csr` has times (else null). Returns the transpose over those arrays.
 * Throws INVALID_ARGUMENT when an array has the wrong length or `out.indptr` is not zero-filled.
 */
export function transposeCsrInto(csr: Csr, out: Pick<Csr, 'indptr' | 'indices' | 'data' | 'times'>): Csr {
  const where = 'core/transposeCsrInto';
  const { rows, cols, indptr, indices, data, times } = csr;
  const nnz = indices.length;
  const { indptr: tIndptr, indices: tIndices, data: tData, times: tTimes } = out;
  if (tIndptr.length !== cols + 1 || tIndices.length !== nnz || tData.length !== nnz) {
    throw invalidArgument(where, `out needs indptr of ${cols + 1} and indices, data of ${nnz} entries`, {
      indptr: tIndptr.length,
      indices: tIndices.length,
      data: tData.length,
    });
  }
  if ((times === null) !== (tTimes === null) || (tTimes !== null && tTimes.length !== nnz)) {
    throw invalidArgument(where, `out.times must be ${times === null ? 'null' : `of ${nnz} entries`}`, tTimes?.length);
  }
  for (let c = 0; c <= cols; c++) {
    if (tIndptr[c] !== 0) throw invalidArgument(where, 'out.indptr must be zero-filled', c);
  }
  for (let k = 0; k < nnz; k++) tIndptr[indices[k]! + 1]!++;
  for (let c = 0; c < cols; c++) tIndptr[c + 1]! += tIndptr[c]!;
  const fill = tIndptr.slice(0, cols);
  for (let r = 0; r < rows; r++) {
    for (let k = indptr[r] as number, end = indptr[r + 1] as number; k < end; k++) {
      const p = fill[indices[k]!]!++;
      tIndices[p] = r;
      tData[p] = data[k] as number;
      if (tTimes !== null) tTimes[p] = (times as Float64Array)[k] as number;
    }
  }
  return { rows: cols, cols: rows, indptr: tIndptr, indices: tIndices, data: tData, times: tTimes };
}

/** Number of stored entries in row r. */
export function rowLength(csr: Csr, r: number): number {
  return (csr.indptr[r + 1] as number) - (csr.indptr[r] as number);
}

/** Views (no copies) of row r's columns and values. */
export function rowView(csr: Csr, r: number): { indices: Int32Array; data: Float32Array } {
  if (!Number.isInteger(r) || r < 0 || r >= csr.rows) {
    throw invalidArgument('core/rowView', `row must be an integer in 0..${csr.rows - 1}`, r);
  }
  const start = csr.indptr[r] as number;
  const end = csr.indptr[r + 1] as number;
  return { indices: csr.indices.subarray(start, end), data: csr.data.subarray(start, end) };
}

/** Number of stored entries per column (e.g. item popularity from a customers × items matrix). */
export function columnCounts(csr: Csr): Float64Array {
  const counts = new Float64Array(csr.cols);
  for (let k = 0; k < csr.indices.length; k++) counts[csr.indices[k]!]!++;
  return counts;
}

/**
 * A stable counting sort of positions 0 … n − 1 by `keys` (each in 0 … groups − 1): group g's
 * positions are `order[start[g] … start[g + 1])`, ascending. O(n + groups), no comparison: how
 * a CSR's rows are laid out from coordinate entries (`start` is the indptr). Keys out of range
 * are the caller's bug (checked nowhere here: this runs inside loops that already checked them).
 *
 * @example
 * const { start, order } = groupByKey(coo.row, coo.rows); // entries of customer u: order[start[u] … start[u + 1])
 */
export function groupByKey(keys: Int32Array, groups: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let e = 0; e < keys.length; e++) start[keys[e]! + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, groups);
  const order = new Int32Array(keys.length);
  for (let e = 0; e < keys.length; e++) order[fill[keys[e]!]!++] = e;
  return { start, order };
}
