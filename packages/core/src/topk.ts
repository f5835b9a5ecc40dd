import { invalidArgument } from './errors.js';

/** A ranked list: `ids[i]` scored `scores[i]`, best first (ties: lower id first). */
export interface TopK {
  readonly ids: Int32Array;
  readonly scores: Float32Array;
}

/**
 * The k best (score, id) pairs among those offered, one at a time, in any order: a bounded
 * min-heap whose root is the worst pair kept, so an offer costs O(1) when it cannot enter and
 * O(log k) when it does. "Best" is the order of every Encore list: higher score first, ties on the
 * lower id, so the result is deterministic whatever the order of the offers. NaN and -Infinity
 * scores are never kept (a filtered or undefined score is never recommended).
 *
 * For selections that are not over one dense score array (candidates gathered in a sparse
 * accumulator, a payload carried beside each id, one heap per customer of a block); over a dense
 * array, {@link topK} is the shorthand. Scores are kept in float64, so float64 scores order
 * exactly; the lists come out in float32 or float64 as the caller's arrays are.
 *
 * Throws INVALID_ARGUMENT when `capacity` is not an integer ≥ 0.
 *
 * @example
 * const heap = new TopKHeap(2);
 * heap.offer(0.5, 7);
 * heap.offer(0.9, 3);
 * heap.offer(0.5, 4); // ties with 7 and wins on the lower id
 * heap.drain(); // { ids: [3, 4], scores: [0.9, 0.5] }
 */
export class TopKHeap {
  /** Pairs kept at most (k). */
  readonly capacity: number;
  readonly #ids: Int32Array;
  readonly #scores: Float64Array;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0x7fffffff) {
      throw invalidArgument('core/TopKHeap', 'capacity must be an integer ≥ 0', capacity);
    }
    this.capacity = capacity;
    this.#ids = new Int32Array(capacity);
    this.#scores = new Float64Array(capacity);
  }

  /** Pairs kept now. */
  get size(): number {
    return this.#size;
  }

  /**
   * The score an offer must beat to enter: the worst kept score once the heap is full (an equal
   * score enters only with a lower id than the worst kept), -Infinity before, +Infinity for a heap
   * of capacity 0. Lets a hot loop skip the call for most candidates: `if (s > heap.threshold)`.
   */
  get threshold(): number {
    if (this.#size < this.capacity) return Number.NEGATIVE_INFINITY;
    return this.capacity === 0 ? Number.POSITIVE_INFINITY : (this.#scores[0] as number);
  }

  /** Offers (score, id); true when it is kept (for now: a better pair may push it out later). */
  offer(score: number, id: number): boolean {
    if (!(score > Number.NEGATIVE_INFINITY)) return false; // NaN and -Infinity are never kept
    const scores = this.#scores;
    const ids = this.#ids;
    const size = this.#size;
    if (size < this.capacity) {
      let c = size;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(score, id, scores[p] as number, ids[p] as number)) break;
        scores[c] = scores[p] as number;
        ids[c] = ids[p] as number;
        c = p;
      }
      scores[c] = score;
      ids[c] = id;
      this.#size = size + 1;
      return true;
    }
    if (size === 0 || !worse(scores[0] as number, ids[0] as number, score, id)) return false;
    siftDown(scores, ids, size, score, id);
    return true;
  }

  /**
   * Empties the heap into `ids[at …]` and `scores[at …]`, best first; returns how many pairs it
   * wrote (the size it had). The heap is then empty and may be filled again.
   */
  drainInto(ids: Int32Array, scores: Float32Array | Float64Array, at = 0): number {
    const heapScores = this.#scores;
    const heapIds = this.#ids;
    const n = this.#size;
    // Pop the worst into the back of the output, n − 1 down to 0.
    for (let end = n - 1; end >= 0; end--) {
      ids[at + end] = heapIds[0] as number;
      scores[at + end] = heapScores[0] as number;
      siftDown(heapScores, heapIds, end, heapScores[end] as number, heapIds[end] as number);
    }
    this.#size = 0;
    return n;
  }

  /** Empties the heap into a new {@link TopK}, best first. */
  drain(): TopK {
    const ids = new Int32Array(this.#size);
    const scores = new Float32Array(this.#size);
    this.drainInto(ids, scores);
    return { ids, scores };
  }
}

/**
 * The k best entries of `scores` (k capped at the number of candidates), skipping the ids in
 * `exclude` (ascending, e.g. a CSR row of seen items) and NaN / -Infinity scores: id i scores
 * `scores[i]`. A bounded min-heap ({@link TopKHeap}): O(n log k) time, O(k) extra memory. Ties
 * break on the lower id, so results are deterministic.
 *
 * Throws INVALID_ARGUMENT when k is not an integer ≥ 0.
 *
 * @example
 * topK(Float32Array.of(0.5, 2, 2, 3), 2); // { ids: [3, 1], scores: [3, 2] }
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: Int32Array): TopK {
  if (!Number.isInteger(k) || k < 0) throw invalidArgument('core/topK', 'k must be an integer ≥ 0', k);
  const n = scores.length;
  const heap = new TopKHeap(Math.min(k, n));
  let e = 0;
  const excludeLength = exclude?.length ?? 0;
  for (let i = 0; i < n; i++) {
    if (e < excludeLength) {
      while (e < excludeLength && (exclude as Int32Array)[e]! < i) e++;
      if (e < excludeLength && (exclude as Int32Array)[e] === i) continue;
    }
    heap.offer(scores[i] as number, i);
  }
  return heap.drain();
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
