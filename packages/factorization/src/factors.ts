import { type Csr, invalidArgument, type TopK, topK } from '@encore/core';

/** Options of {@link recommendFromFactors}. */
export interface FactorRecommendOptions {
  /** List length; capped at the number of candidate items. */
  readonly k: number;
  /** Row u holds customer u's items to leave out (ascending, e.g. the training matrix); rows beyond it exclude nothing. */
  readonly exclude?: Csr | undefined;
  /**
   * Scores (one per item) for customers beyond `userFactors` (unknown customers), e.g. item biases
   * or popularity. Absent: unknown customers get an empty list.
   */
  readonly fallback?: Float32Array | undefined;
}

/**
 * Scores of every item for one customer: `out[i] = userFactors[u,:] · itemFactors[i,:]` over
 * row-major matrices with `factors` columns. Writes into `out` (allocated when absent) and returns it.
 * Sums in float64, stores float32.
 *
 * Throws INVALID_ARGUMENT when `user` is not a row of `userFactors` or `out` is shorter than the items.
 *
 * @example
 * const scores = scoreFactors(model.userFactors, model.itemFactors, model.factors, 3);
 */
export function scoreFactors(
  userFactors: Float32Array,
  itemFactors: Float32Array,
  factors: number,
  user: number,
  out?: Float32Array,
): Float32Array {
  const where = 'factorization/scoreFactors';
  const { users, items } = shapeOf(where, userFactors, itemFactors, factors);
  if (!Number.isInteger(user) || user < 0 || user >= users) {
    throw invalidArgument(where, `user must be an integer in 0..${users - 1}`, user);
  }
  const scores = out ?? new Float32Array(items);
  if (scores.length < items) throw invalidArgument(where, `out must hold ${items} scores`, scores.length);
  scoreInto(userFactors, itemFactors, factors, items, user * factors, scores);
  return scores;
}

/**
 * Top-k items per customer of a factor model (ALS, BPR, …): dot products of the customer's row of
 * `userFactors` with every row of `itemFactors` (row-major, `factors` columns each), then
 * {@link topK} without the customer's `exclude` row. Customers outside `userFactors` (negative,
 * beyond its rows, not integers) get the top of `options.fallback` (minus their `exclude` row), or
 * an empty list when no fallback is given; they never throw. Lists are sorted best first, ties on
 * the lower item index, k capped at the candidates. O(customers × items × factors).
 *
 * Throws INVALID_ARGUMENT for mismatched factor shapes, a k that is not an integer ≥ 0, a malformed
 * `exclude`, or a fallback whose length is not the number of items.
 *
 * @example
 * const lists = recommendFromFactors(userFactors, itemFactors, 65, Int32Array.of(0, 1), { k: 10, exclude: train });
 */
export function recommendFromFactors(
  userFactors: Float32Array,
  itemFactors: Float32Array,
  factors: number,
  users: Int32Array,
  options: FactorRecommendOptions,
): TopK[] {
  const where = 'factorization/recommendFromFactors';
  const shape = shapeOf(where, userFactors, itemFactors, factors);
  if (!(users instanceof Int32Array)) throw invalidArgument(where, 'users must be an Int32Array', users);
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(where, 'options must be an object with k', options);
  }
  const { k, exclude, fallback } = options;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
    throw invalidArgument(where, 'k must be an integer ≥ 0', k);
  }
  if (
    exclude !== undefined &&
    (typeof exclude !== 'object' ||
      exclude === null ||
      !(exclude.indptr instanceof Int32Array) ||
      !(exclude.indices instanceof Int32Array) ||
      exclude.indptr.length !== exclude.rows + 1)
  ) {
    throw invalidArgument(where, 'exclude must be a Csr matrix', exclude);
  }
  if (fallback !== undefined && (!(fallback instanceof Float32Array) || fallback.length !== shape.items)) {
    throw invalidArgument(where, `fallback must be a Float32Array of ${shape.items} scores`, fallback?.length);
  }
  const scores = new Float32Array(shape.items);
  return Array.from(users, (u) => {
    const known = Number.isInteger(u) && u >= 0 && u < shape.users;
    if (!known && fallback === undefined) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    if (known) scoreInto(userFactors, itemFactors, factors, shape.items, u * factors, scores);
    const seen =
      exclude !== undefined && u >= 0 && u < exclude.rows
        ? exclude.indices.subarray(exclude.indptr[u] as number, exclude.indptr[u + 1] as number)
        : undefined;
    return topK(known ? scores : (fallback as Float32Array), k, seen);
  });
}

function shapeOf(
  where: string,
  userFactors: Float32Array,
  itemFactors: Float32Array,
  factors: number,
): { users: number; items: number } {
  if (!Number.isInteger(factors) || factors < 1)
    throw invalidArgument(where, 'factors must be an integer ≥ 1', factors);
  if (!(userFactors instanceof Float32Array) || userFactors.length % factors !== 0) {
    throw invalidArgument(where, `userFactors must be a Float32Array of rows × ${factors}`, userFactors?.length);
  }
  if (!(itemFactors instanceof Float32Array) || itemFactors.length % factors !== 0) {
    throw invalidArgument(where, `itemFactors must be a Float32Array of items × ${factors}`, itemFactors?.length);
  }
  return { users: userFactors.length / factors, items: itemFactors.length / factors };
}

/** scores[i] = X[uo .. uo + f) · Y[i f .. i f + f) for every item i. */
function scoreInto(
  X: Float32Array,
  Y: Float32Array,
  factors: number,
  items: number,
  uo: number,
  scores: Float32Array,
): void {
  for (let i = 0, io = 0; i < items; i++, io += factors) {
    let s = 0;
    for (let f = 0; f < factors; f++) s += (X[uo + f] as number) * (Y[io + f] as number);
    scores[i] = s;
  }
}
