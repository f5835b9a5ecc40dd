import { invalidArgument } from './errors.js';

/** A ranked list: `ids[i]` scored `scores[i]`, best first (ties: lower id first). */
export interface TopK {
  readonly ids: Int32Array;
  readonly scores: Float32Array;
}

/**
 * The k best entries of `scores` (k capped at the number of candidates), skipping the ids in
 * `exclude` (ascending, e.g. a CSR row of seen items) and NaN / -Infinity scores.
 * A bounded min-heap: O(n log k) time, O(k) extra memory. Ties break on the lower id, so
 * results are deterministic.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: Int32Array): TopK {
  if (!Number.isInteger(k) || k < 0) throw invalidArgument('core/topK', 'k must be an integer ≥ 0', k);
  const n = scores.length;
  const cap = Math.min(k, n);
  const heapIds = new Int32Array(cap);
  const heapScores = new Float64Array(cap);
  let size = 0;
  let e = 0;
  const excludeLength = exclude?.length ?? 0;
  for (let i = 0; i < n; i++) {
    if (e < excludeLength) {
      while (e < excludeLength && (exclude as Int32Array)[e]! < i) e++;
      if (e < excludeLength && (exclude as Int32Array)[e] === i) continue;
    }
    const s = scores[i] as number;
    if (!(s > Number.NEGATIVE_INFINITY)) continue; // NaN and -Infinity are never recommended
    if (size < cap) {
      // sift up
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, heapScores[p]!, heapIds[p]!)) break;
        heapScores[c] = heapScores[p]!;
        heapIds[c] = heapIds[p]!;
        c = p;
      }
      heapScores[c] = s;
      heapIds[c] = i;
    } else if (cap > 0 && worse(heapScores[0]!, heapIds[0]!, s, i)) {
      siftDown(heapScores, heapIds, size, s, i);
    }
  }
  // Pop the heap into descending order.
  const ids = new Int32Array(size);
  const out = new Float32Array(size);
  for (let end = size - 1; end >= 0; end--) {
    ids[end] = heapIds[0]!;
    out[end] = heapScores[0]!;
    siftDown(heapScores, heapIds, end, heapScores[end]!, heapIds[end]!);
  }
  return { ids, scores: out };
}

/** True when (sa, ia) ranks below (sb, ib): lower score, or equal score and higher id. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Replaces the heap root with (s, i) and restores the min-heap over the first `size` slots. */
function siftDown(heapScores: Float64Array, heapIds: Int32Array, size: number, s: number, i: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    let m = l;
    if (r < size && worse(heapScores[r]!, heapIds[r]!, heapScores[l]!, heapIds[l]!)) m = r;
    if (!worse(heapScores[m]!, heapIds[m]!, s, i)) break;
    heapScores[c] = heapScores[m]!;
    heapIds[c] = heapIds[m]!;
    c = m;
  }
  heapScores[c] = s;
  heapIds[c] = i;
}
