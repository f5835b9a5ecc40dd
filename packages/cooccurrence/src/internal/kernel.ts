import { TopKHeap } from '@encore/core';
import { type Similarity, xLogX } from '../scores.js';
import type { Pattern } from './sample.js';

/** Item statistics a row of pair scores needs: source and target item counts, basket count. */
export interface ItemStats {
  readonly rowCounts: Int32Array;
  readonly colCounts: Int32Array;
  readonly n: number;
}

/** How a row of co-counts turns into a pruned, scored neighbour list. */
export interface ScoreParams {
  readonly similarity: Similarity;
  readonly minSupport: number;
  /** Neighbours kept per row (top by score, ties on the lower id). */
  readonly neighbours: number;
}

/** Rows [from, to) of a neighbour list (and, optionally, of the raw pair counts), offsets local to the block. */
export interface RowBlock {
  readonly from: number;
  readonly to: number;
  readonly indptr: Int32Array;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  readonly support: Int32Array;
  readonly counts: { readonly indptr: Int32Array; readonly ids: Int32Array; readonly counts: Int32Array } | null;
}

class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const next = new Int32Array(Math.max(this.length + extra, 2 * this.data.length));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  finish(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

class FloatBuffer {
  data: Float32Array;
  constructor(capacity: number) {
    this.data = new Float32Array(Math.max(16, capacity));
  }
  reserve(length: number, extra: number): void {
    if (length + extra <= this.data.length) return;
    const next = new Float32Array(Math.max(length + extra, 2 * this.data.length));
    next.set(this.data.subarray(0, length));
    this.data = next;
  }
}

/**
 * Scores candidate rows and keeps each row's top `neighbours` in a bounded min-heap (core's
 * TopKHeap), so a row of m candidates costs O(m log neighbours) and one logarithm per pair: the
 * LLR's x·ln x terms of the small cells come from a table (counts are bounded by the down-sampling
 * caps) and the per-item terms are computed once per item.
 */
class RowScorer {
  readonly #p: ScoreParams;
  readonly #s: ItemStats;
  readonly #heap: TopKHeap;
  /** The co-count of each candidate when the heap took it, by item: the support of a kept neighbour. */
  readonly #supportOf: Int32Array;
  readonly #table: Float64Array;
  readonly #rowTerm: Float64Array | null;
  readonly #colTerm: Float64Array | null;
  readonly #nTerm: number;
  readonly ids: IntBuffer;
  readonly support: IntBuffer;
  readonly scores: FloatBuffer;

  constructor(params: ScoreParams, stats: ItemStats, rowsHint: number) {
    this.#p = params;
    this.#s = stats;
    const cols = stats.colCounts.length;
    const cap = Math.max(0, Math.min(params.neighbours, cols));
    this.#heap = new TopKHeap(cap);
    this.#supportOf = new Int32Array(cols);
    const hint = Math.min(rowsHint * Math.min(cap, 64), 1 << 24);
    this.ids = new IntBuffer(hint);
    this.support = new IntBuffer(hint);
    this.scores = new FloatBuffer(hint);
    if (params.similarity === 'llr') {
      let max = 0;
      for (const c of stats.rowCounts) if (c > max) max = c;
      for (const c of stats.colCounts) if (c > max) max = c;
      this.#table = new Float64Array(max + 1);
      for (let x = 1; x <= max; x++) this.#table[x] = x * Math.log(x);
      const n = stats.n;
      this.#rowTerm = Float64Array.from(stats.rowCounts, (c) => xLogX(c) + xLogX(n - c));
      this.#colTerm = Float64Array.from(stats.colCounts, (c) => xLogX(c) + xLogX(n - c));
      this.#nTerm = xLogX(n);
    } else {
      this.#table = new Float64Array(0);
      this.#rowTerm = null;
      this.#colTerm = null;
      this.#nTerm = 0;
    }
  }

  /** Appends row i's kept neighbours (best first) given its candidates and their co-counts. */
  emit(i: number, cand: Int32Array, counts: Int32Array, length: number): void {
    const { similarity, minSupport } = this.#p;
    const { rowCounts, colCounts, n } = this.#s;
    const heap = this.#heap;
    const supportOf = this.#supportOf;
    const table = this.#table;
    const ci = rowCounts[i] as number;
    const rowTerm = this.#rowTerm === null ? 0 : (this.#rowTerm[i] as number);
    const colTerm = this.#colTerm;
    const nTerm = this.#nTerm;
    for (let t = 0; t < length; t++) {
      const k11 = counts[t] as number;
      if (k11 < minSupport) continue;
      const j = cand[t] as number;
      const cj = colCounts[j] as number;
      let s: number;
      switch (similarity) {
        case 'llr': {
          // Positive association only: k11 / ci > (cj − k11) / (n − ci).
          if (k11 * (n - ci) <= (cj - k11) * ci) continue;
          const k22 = n - ci - cj + k11;
          const g2 =
            2 *
            ((table[k11] as number) +
              (table[ci - k11] as number) +
              (table[cj - k11] as number) +
              (k22 > 0 ? k22 * Math.log(k22) : 0) -
              rowTerm -
              (colTerm as Float64Array)[j]! +
              nTerm);
          s = g2 > 0 ? Math.sqrt(g2) : 0;
          break;
        }
        case 'jaccard':
          s = k11 / (ci + cj - k11);
          break;
        case 'cosine':
          s = k11 / Math.sqrt(ci * cj);
          break;
        case 'lift':
          s = (k11 * n) / (ci * cj);
          break;
        default:
          s = k11;
      }
      if (!(s > 0)) continue;
      // A row lists each candidate once, so the support stored for j is the one it entered with.
      if (heap.offer(s, j)) supportOf[j] = k11;
    }
    const base = this.ids.length;
    const size = heap.size;
    this.ids.reserve(size);
    this.support.reserve(size);
    this.scores.reserve(base, size);
    const ids = this.ids.data;
    const sup = this.support.data;
    heap.drainInto(ids, this.scores.data, base);
    for (let r = base; r < base + size; r++) sup[r] = supportOf[ids[r]!]!;
    this.ids.length = base + size;
    this.support.length = base + size;
  }

  get length(): number {
    return this.ids.length;
  }
}

/**
 * Counts and scores rows [from, to) of AᵀB — a pure function of its inputs, so a worker pool can
 * split the item rows into ranges and concatenate the blocks. `aT` is the transposed source
 * pattern (items × baskets), `b` the target pattern (baskets × items; `b` = A for co-occurrence).
 * Row i walks i's baskets, then their items, accumulating co-counts in a dense Int32Array with a
 * touched list (Gustavson's sparse accumulator): O(Σ over i's baskets of basket length).
 * `skipDiagonal` drops j = i (co-occurrence). With `keepCounts`, every co-count ≥ 1 is kept too
 * (in first-touched order), for incremental updates.
 */
export function countRowRange(
  aT: Pattern,
  b: Pattern,
  stats: ItemStats,
  params: ScoreParams,
  options: { readonly skipDiagonal: boolean; readonly keepCounts: boolean },
  from: number,
  to: number,
): RowBlock {
  const cols = b.cols;
  const acc = new Int32Array(cols);
  const touched = new Int32Array(cols);
  const cnt = new Int32Array(cols);
  const scorer = new RowScorer(params, stats, to - from);
  const indptr = new Int32Array(to - from + 1);
  const keep = options.keepCounts;
  const countPtr = keep ? new Int32Array(to - from + 1) : null;
  const countIds = new IntBuffer(keep ? 4 * (to - from) : 0);
  const countVals = new IntBuffer(keep ? 4 * (to - from) : 0);
  const { indptr: aPtr, indices: aIdx } = aT;
  const { indptr: bPtr, indices: bIdx } = b;
  for (let i = from; i < to; i++) {
    let len = 0;
    for (let p = aPtr[i] as number, pe = aPtr[i + 1] as number; p < pe; p++) {
      const u = aIdx[p] as number;
      for (let q = bPtr[u] as number, qe = bPtr[u + 1] as number; q < qe; q++) {
        const j = bIdx[q] as number;
        if (acc[j] === 0) touched[len++] = j;
        acc[j]!++;
      }
    }
    let m = 0;
    for (let t = 0; t < len; t++) {
      const j = touched[t] as number;
      const c = acc[j] as number;
      acc[j] = 0;
      if (options.skipDiagonal && j === i) continue;
      touched[m] = j;
      cnt[m++] = c;
    }
    if (keep) {
      countIds.reserve(m);
      countVals.reserve(m);
      countIds.data.set(touched.subarray(0, m), countIds.length);
      countVals.data.set(cnt.subarray(0, m), countVals.length);
      countIds.length += m;
      countVals.length += m;
      (countPtr as Int32Array)[i - from + 1] = countIds.length;
    }
    scorer.emit(i, touched, cnt, m);
    indptr[i - from + 1] = scorer.length;
  }
  return {
    from,
    to,
    indptr,
    ids: scorer.ids.finish(),
    scores: scorer.scores.data.slice(0, scorer.length),
    support: scorer.support.finish(),
    counts: keep ? { indptr: countPtr as Int32Array, ids: countIds.finish(), counts: countVals.finish() } : null,
  };
}

/** Scores rows [from, to) from stored pair counts (a CSR of co-counts), e.g. after an incremental update. */
export function scoreCountRange(
  counts: { readonly indptr: Int32Array; readonly ids: Int32Array; readonly counts: Int32Array },
  stats: ItemStats,
  params: ScoreParams,
  from: number,
  to: number,
): RowBlock {
  const scorer = new RowScorer(params, stats, to - from);
  const indptr = new Int32Array(to - from + 1);
  for (let i = from; i < to; i++) {
    const start = counts.indptr[i] as number;
    const end = counts.indptr[i + 1] as number;
    scorer.emit(i, counts.ids.subarray(start, end), counts.counts.subarray(start, end), end - start);
    indptr[i - from + 1] = scorer.length;
  }
  return {
    from,
    to,
    indptr,
    ids: scorer.ids.finish(),
    scores: scorer.scores.data.slice(0, scorer.length),
    support: scorer.support.finish(),
    counts: null,
  };
}
