import type { Csr, Rng } from '@encore/core';

/** How the (customer, positive) half of a BPR triple is drawn. */
export type BprSampling = 'user' | 'interaction';

/**
 * Draws BPR training triples (u, i, j): u a customer with at least one item and at least one item
 * they have not seen, i one of u's items, j an item u has not seen.
 *
 * - 'user': u uniform over those customers, then i uniform in u's row (MyMediaLite's BPRMF; every
 *   customer weighs the same, as the per-customer ranking metrics do).
 * - 'interaction': (u, i) uniform over the stored entries (LearnBPR's bootstrap over D_S in
 *   Rendle et al. 2009; implicit and Cornac), so heavy customers are drawn more often.
 *
 * j is uniform over the catalog, re-drawn until it is not in u's row (a binary search in the sorted
 * CSR row): "verified negatives", so no triple ever ranks a seen item below another seen item.
 */
export interface TripleSampler {
  /** Customers that can be sampled. */
  readonly users: number;
  /** Fills u, i, j at [from, from + count). */
  draw(u: Int32Array, i: Int32Array, j: Int32Array, from: number, count: number): void;
}

export function createTripleSampler(matrix: Csr, sampling: BprSampling, rng: Rng): TripleSampler {
  const { indptr, indices, rows, cols } = matrix;
  let eligibleUsers = 0;
  let eligibleEntries = 0;
  for (let u = 0; u < rows; u++) {
    const n = (indptr[u + 1] as number) - (indptr[u] as number);
    if (n > 0 && n < cols) {
      eligibleUsers++;
      eligibleEntries += n;
    }
  }
  const userList = new Int32Array(eligibleUsers);
  // For 'interaction': the customer and CSR position of each eligible stored entry.
  const entryUser = sampling === 'interaction' ? new Int32Array(eligibleEntries) : null;
  const entryPos = sampling === 'interaction' ? new Int32Array(eligibleEntries) : null;
  for (let u = 0, o = 0, e = 0; u < rows; u++) {
    const start = indptr[u] as number;
    const end = indptr[u + 1] as number;
    if (end - start > 0 && end - start < cols) {
      userList[o++] = u;
      if (entryUser !== null && entryPos !== null) {
        for (let p = start; p < end; p++, e++) {
          entryUser[e] = u;
          entryPos[e] = p;
        }
      }
    }
  }

  return {
    users: eligibleUsers,
    draw(us, is, js, from, count) {
      if (eligibleUsers === 0) return;
      for (let t = from, end = from + count; t < end; t++) {
        let u: number;
        let p: number;
        if (entryUser !== null && entryPos !== null) {
          const e = rng.int(eligibleEntries);
          u = entryUser[e] as number;
          p = entryPos[e] as number;
        } else {
          u = userList[rng.int(eligibleUsers)] as number;
          const start = indptr[u] as number;
          p = start + rng.int((indptr[u + 1] as number) - start);
        }
        const start = indptr[u] as number;
        const stop = indptr[u + 1] as number;
        let j = rng.int(cols);
        while (contains(indices, start, stop, j)) j = rng.int(cols);
        us[t] = u;
        is[t] = indices[p] as number;
        js[t] = j;
      }
    },
  };
}

/** True when `value` is in the ascending `indices[start .. stop)`. */
export function contains(indices: Int32Array, start: number, stop: number, value: number): boolean {
  let lo = start;
  let hi = stop;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = indices[mid] as number;
    if (v < value) lo = mid + 1;
    else if (v > value) hi = mid;
    else return true;
  }
  return false;
}
