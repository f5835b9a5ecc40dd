/**
 * Pair scores of co-occurrence analysis. For items i and j seen in `n` baskets, i in `ci` of them,
 * j in `cj` and both in `k11`, the 2 × 2 contingency table is
 *
 * |            | j        | not j               |
 * |------------|----------|---------------------|
 * | **i**      | k11      | k12 = ci − k11      |
 * | **not i**  | k21 = cj − k11 | k22 = n − ci − cj + k11 |
 *
 * - `count`: k11 (Microsoft SAR's "cooccurrence").
 * - `jaccard`: k11 / (ci + cj − k11) (SAR's default).
 * - `cosine`: k11 / √(ci · cj) (Amazon item-to-item, Linden, Smith & York 2003, on binary vectors).
 * - `lift`: k11 · n / (ci · cj), observed over expected co-occurrence. SAR's lift omits the n (it
 *   only ranks); we keep it so that 1 means independence.
 * - `llr`: Dunning's log-likelihood ratio G² (T. Dunning, "Accurate Methods for the Statistics of
 *   Surprise and Coincidence", Computational Linguistics 19(1), 1993), in the entropy form of
 *   Apache Mahout's `org.apache.mahout.math.stats.LogLikelihood`, returned as Mahout's
 *   `rootLogLikelihoodRatio`: √G², negative when i makes j *less* likely (k11/ci < k21/(n − ci)).
 *   The signed root is a z-score-like quantity: it ranks exactly as raw G² among positively
 *   associated pairs, drops anti-associated pairs below zero, and sums across a cart without one
 *   huge pair drowning the rest (G² grows linearly with n, √G² with √n).
 *
 * @module
 */

/** Names of the pair scores, as taken by `similarity` options. */
export const SIMILARITIES = Object.freeze(['llr', 'jaccard', 'cosine', 'lift', 'count'] as const);
export type Similarity = (typeof SIMILARITIES)[number];

/** x · ln x with 0 · ln 0 = 0. */
export function xLogX(x: number): number {
  return x > 0 ? x * Math.log(x) : 0;
}

/**
 * Dunning's G² = 2 · (matrix entropy − row entropy − column entropy) over the unnormalised
 * entropies of Mahout's `LogLikelihood.logLikelihoodRatio(k11, k12, k21, k22)`; ≥ 0 (round-off
 * below zero is returned as 0, as Mahout does). Counts must be ≥ 0.
 *
 * @example
 * logLikelihoodRatio(10, 0, 0, 10); // 27.7258… = 2 · 20 · ln 2
 */
export function logLikelihoodRatio(k11: number, k12: number, k21: number, k22: number): number {
  const n = k11 + k12 + k21 + k22;
  const g2 =
    2 *
    (xLogX(k11) +
      xLogX(k12) +
      xLogX(k21) +
      xLogX(k22) -
      xLogX(k11 + k12) -
      xLogX(k21 + k22) -
      xLogX(k11 + k21) -
      xLogX(k12 + k22) +
      xLogX(n));
  return Math.max(g2, 0);
}

/**
 * Mahout's `rootLogLikelihoodRatio`: √G², negated when k11 / (k11 + k12) < k21 / (k21 + k22).
 *
 * @example
 * rootLogLikelihoodRatio(0, 10, 10, 0); // −5.265… (never together: negative)
 */
export function rootLogLikelihoodRatio(k11: number, k12: number, k21: number, k22: number): number {
  const root = Math.sqrt(logLikelihoodRatio(k11, k12, k21, k22));
  return k11 * (k21 + k22) < k21 * (k11 + k12) ? -root : root;
}

/**
 * The score of a pair from its co-count `k11`, the item counts `ci`, `cj` and the basket count
 * `n` (see the module comment for each formula; `llr` is the signed root). Requires
 * 0 ≤ k11 ≤ min(ci, cj) and ci + cj − k11 ≤ n; returns 0 when a denominator is 0.
 *
 * @example
 * pairScore('jaccard', 2, 3, 4, 10); // 2 / 5
 */
export function pairScore(similarity: Similarity, k11: number, ci: number, cj: number, n: number): number {
  switch (similarity) {
    case 'count':
      return k11;
    case 'jaccard': {
      const union = ci + cj - k11;
      return union > 0 ? k11 / union : 0;
    }
    case 'cosine':
      return ci > 0 && cj > 0 ? k11 / Math.sqrt(ci * cj) : 0;
    case 'lift':
      return ci > 0 && cj > 0 ? (k11 * n) / (ci * cj) : 0;
    case 'llr':
      return rootLogLikelihoodRatio(k11, ci - k11, cj - k11, n - ci - cj + k11);
  }
}
