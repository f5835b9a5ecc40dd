import type { Csr, Rng } from '@encore/core';

/** A binary sparse pattern: the stored positions of a CSR matrix without values. */
export interface Pattern {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
}

/**
 * Seeded down-sampling of a binary matrix (Mahout's `SimilarityAnalysis.sampleDownAndBinarize`,
 * made exact): every row keeps at most `maxPerRow` of its entries, chosen uniformly without
 * replacement (partial Fisher–Yates); then every column c keeps at most `colCap(c)` of its
 * remaining entries, again uniformly. Mahout keeps each entry independently with probability
 * min(rowRate, colRate), which only bounds the work in expectation; exact caps bound it always.
 * Entries with a value ≤ 0 count as absent. Rows keep ascending columns. O(nnz) plus the draws.
 */
export function samplePattern(
  m: Csr,
  maxPerRow: number,
  colCap: (col: number) => number,
  rng: Rng,
): { pattern: Pattern; colCounts: Int32Array } {
  const { rows, cols, indptr, indices, data } = m;
  // Pass 1: positive entries, row cap.
  const outPtr = new Int32Array(rows + 1);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let len = 0;
    for (let p = indptr[r] as number, end = indptr[r + 1] as number; p < end; p++) if ((data[p] as number) > 0) len++;
    total += Math.min(len, maxPerRow);
    outPtr[r + 1] = total;
  }
  let out = new Int32Array(total);
  let scratch = new Int32Array(16);
  for (let r = 0; r < rows; r++) {
    const start = outPtr[r] as number;
    const keep = (outPtr[r + 1] as number) - start;
    let len = 0;
    const begin = indptr[r] as number;
    const end = indptr[r + 1] as number;
    if (end - begin > scratch.length) scratch = new Int32Array(2 * (end - begin));
    for (let p = begin; p < end; p++) if ((data[p] as number) > 0) scratch[len++] = indices[p] as number;
    if (len > keep) {
      for (let t = 0; t < keep; t++) {
        const s = t + rng.int(len - t);
        const tmp = scratch[s] as number;
        scratch[s] = scratch[t] as number;
        scratch[t] = tmp;
      }
      scratch.subarray(0, keep).sort();
    }
    out.set(scratch.subarray(0, keep), start);
  }

  // Pass 2: column cap.
  const colCounts = new Int32Array(cols);
  for (let p = 0; p < total; p++) colCounts[out[p]!]!++;
  let over = false;
  for (let c = 0; c < cols; c++) {
    if ((colCounts[c] as number) > colCap(c)) {
      over = true;
      break;
    }
  }
  if (!over) return { pattern: { rows, cols, indptr: outPtr, indices: out }, colCounts };

  // Positions of each column's entries (row order), then a uniform subset of each over-full column.
  const colStart = new Int32Array(cols + 1);
  for (let c = 0; c < cols; c++) colStart[c + 1] = (colStart[c] as number) + (colCounts[c] as number);
  const fill = colStart.slice(0, cols);
  const positions = new Int32Array(total);
  for (let p = 0; p < total; p++) positions[fill[out[p]!]!++] = p;
  const drop = new Uint8Array(total);
  for (let c = 0; c < cols; c++) {
    const n = colCounts[c] as number;
    const cap = Math.max(0, colCap(c));
    if (n <= cap) continue;
    const base = colStart[c] as number;
    for (let t = 0; t < cap; t++) {
      const s = base + t + rng.int(n - t);
      const tmp = positions[s] as number;
      positions[s] = positions[base + t] as number;
      positions[base + t] = tmp;
    }
    for (let t = cap; t < n; t++) drop[positions[base + t]!] = 1;
    colCounts[c] = cap;
  }
  const ptr = new Int32Array(rows + 1);
  let w = 0;
  for (let r = 0; r < rows; r++) {
    for (let p = outPtr[r] as number, end = outPtr[r + 1] as number; p < end; p++) {
      if (drop[p] === 0) out[w++] = out[p] as number;
    }
    ptr[r + 1] = w;
  }
  out = out.slice(0, w);
  return { pattern: { rows, cols, indptr: ptr, indices: out }, colCounts };
}

/** The transpose of a pattern (columns × rows), rows ascending within each column. O(nnz). */
export function transposePattern(p: Pattern): Pattern {
  const { rows, cols, indptr, indices } = p;
  const tPtr = new Int32Array(cols + 1);
  for (let k = 0; k < indices.length; k++) tPtr[indices[k]! + 1]!++;
  for (let c = 0; c < cols; c++) tPtr[c + 1]! += tPtr[c]!;
  const fill = tPtr.slice(0, cols);
  const tIdx = new Int32Array(indices.length);
  for (let r = 0; r < rows; r++) {
    for (let k = indptr[r] as number, end = indptr[r + 1] as number; k < end; k++) tIdx[fill[indices[k]!]!++] = r;
  }
  return { rows: cols, cols: rows, indptr: tPtr, indices: tIdx };
}

/** Rows with at least one entry in `a` or (when given) `b`. */
export function nonEmptyRows(a: Pattern, b: Pattern | null): number {
  let n = 0;
  for (let r = 0; r < a.rows; r++) {
    if ((a.indptr[r + 1] as number) > (a.indptr[r] as number)) n++;
    else if (b !== null && (b.indptr[r + 1] as number) > (b.indptr[r] as number)) n++;
  }
  return n;
}
