import {
  type Csr,
  checkIds,
  checkInteger,
  checkRecommendOptions,
  invalidArgument,
  type Model,
  type RecommendOptions,
  type TopK,
  topK,
} from '@encore/core';

/**
 * A latent-factor model as plain data: customer u scores item i by userFactors[u]·itemFactors[i].
 * Typed arrays only (they may live on a SharedArrayBuffer), so msgpackr packs it and a worker can
 * share it.
 */
export interface FactorModel {
  /** Algorithm name ('als', …). */
  readonly algorithm: string;
  /** Resolved hyperparameters (JSON-serializable). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Latent factors f. */
  readonly factors: number;
  /** Customers (rows of the fitted matrix). */
  readonly users: number;
  /** Items (columns of the fitted matrix). */
  readonly items: number;
  /** users × f, row-major. */
  readonly userFactors: Float32Array;
  /** items × f, row-major. */
  readonly itemFactors: Float32Array;
}

/** What scoring needs of a factor model (ALS's and BPR's models both have it). */
export type FactorScoring = Pick<FactorModel, 'factors' | 'items' | 'userFactors' | 'itemFactors'>;

/** Options of {@link recommendItems}: core's RecommendOptions plus items nobody gets and a fallback. */
export interface RecommendItemsOptions extends RecommendOptions {
  /** Items never recommended to anyone (e.g. out of stock), any order. */
  readonly filterItems?: Int32Array | undefined;
  /**
   * Scores (one per item) for customers the model does not know, e.g. item biases or popularity.
   * Absent: unknown customers get an empty list (fold them in with `recalculateUser`).
   */
  readonly fallback?: Float32Array | undefined;
}

/** Customers scored together: a (block × f)·(f × items) product per block keeps Y's rows in cache. */
const USER_BLOCK = 16;

/**
 * Top-k items for each customer index in `users` (batch first), by the dot product of the
 * customer's and the items' factors. A blocked kernel scores USER_BLOCK customers against every
 * item (a small GEMM, each item's factors read once per block), then core's `topK` drops the
 * customer's `exclude` row and the `filterItems`. Customers outside the rows of `userFactors` get
 * the top of `fallback` under the same exclusions, or an empty list without one; they never throw.
 * Ties break on the lower item index.
 *
 * Throws INVALID_ARGUMENT for factor arrays whose lengths do not fit `factors` and `items`, a k that
 * is not an integer ≥ 0, `users` not an Int32Array, a malformed `exclude`, `filterItems` ids out of
 * range, or a fallback that is not one score per item.
 *
 * @example
 * const lists = recommendItems(model, Int32Array.of(0, 1), { k: 10, exclude: train });
 */
export function recommendItems(model: FactorScoring, users: Int32Array, options: RecommendItemsOptions): TopK[] {
  const where = 'factorization/recommendItems';
  const known = shapeOf(where, model).users;
  if (!(users instanceof Int32Array)) throw invalidArgument(where, 'users must be an Int32Array', users);
  const { k, exclude } = checkRecommendOptions(where, options);
  const { factors: f, items, itemFactors, userFactors } = model;
  const fallback = options.fallback;
  if (fallback !== undefined && (!(fallback instanceof Float32Array) || fallback.length !== items)) {
    throw invalidArgument(where, `fallback must be a Float32Array of ${items} scores`, fallback?.length);
  }
  let filtered: Uint8Array | null = null;
  if (options.filterItems !== undefined) {
    const filterItems = checkIds(where, 'filterItems', options.filterItems, items);
    filtered = new Uint8Array(items);
    for (let i = 0; i < filterItems.length; i++) filtered[filterItems[i] as number] = 1;
  }
  const out: TopK[] = new Array(users.length);
  // A block no larger than the batch: one customer (a request) scores into one row, not sixteen.
  const rows = Math.max(1, Math.min(USER_BLOCK, users.length));
  const block = new Float64Array(rows * f);
  const scores = new Float64Array(rows * items);
  const members = new Int32Array(USER_BLOCK);
  const empty: TopK = { ids: new Int32Array(0), scores: new Float32Array(0) };
  let fallbackScores: Float64Array | null = null;
  if (fallback !== undefined) {
    fallbackScores = Float64Array.from(fallback);
    if (filtered !== null)
      for (let i = 0; i < items; i++) if (filtered[i] === 1) fallbackScores[i] = Number.NEGATIVE_INFINITY;
  }
  for (let from = 0; from < users.length; from += USER_BLOCK) {
    // Gather the block's known customers.
    let m = 0;
    for (let t = from; t < Math.min(users.length, from + USER_BLOCK); t++) {
      const u = users[t] as number;
      if (!(u >= 0 && u < known)) {
        out[t] = fallbackScores === null ? empty : topK(fallbackScores, k, excludedRow(exclude, u));
        continue;
      }
      for (let j = 0; j < f; j++) block[m * f + j] = userFactors[u * f + j] as number;
      members[m++] = t;
    }
    if (m === 0) continue;
    scoreBlock(block, m, itemFactors, items, f, scores);
    for (let b = 0; b < m; b++) {
      const t = members[b] as number;
      const u = users[t] as number;
      const row = scores.subarray(b * items, (b + 1) * items);
      if (filtered !== null) for (let i = 0; i < items; i++) if (filtered[i] === 1) row[i] = Number.NEGATIVE_INFINITY;
      out[t] = topK(row, k, excludedRow(exclude, u));
    }
  }
  return out;
}

/**
 * Scores of every item for one customer: `out[i] = userFactors[u,:] · itemFactors[i,:]`. Writes
 * into `out` (allocated when absent) and returns it. Sums in float64, stores float32.
 *
 * Throws INVALID_ARGUMENT when `user` is not a row of `userFactors` or `out` is shorter than the items.
 *
 * @example
 * const scores = scoreFactors(model, 3);
 */
export function scoreFactors(model: FactorScoring, user: number, out?: Float32Array): Float32Array {
  const where = 'factorization/scoreFactors';
  const { users } = shapeOf(where, model);
  const { factors: f, items, userFactors, itemFactors } = model;
  if (!Number.isInteger(user) || user < 0 || user >= users) {
    throw invalidArgument(where, `user must be an integer in 0..${users - 1}`, user);
  }
  const scores = out ?? new Float32Array(items);
  if (scores.length < items) throw invalidArgument(where, `out must hold ${items} scores`, scores.length);
  for (let i = 0; i < items; i++) {
    let sum = 0;
    for (let j = 0; j < f; j++) sum += (userFactors[user * f + j] as number) * (itemFactors[i * f + j] as number);
    scores[i] = sum;
  }
  return scores;
}

/** The number of customers, after checking the factor arrays fit `factors` and `items`. */
function shapeOf(where: string, model: FactorScoring): { users: number } {
  const { factors, items, userFactors, itemFactors } = model;
  checkInteger(where, 'factors', factors, 1);
  checkInteger(where, 'items', items, 0);
  if (!(userFactors instanceof Float32Array) || userFactors.length % factors !== 0) {
    throw invalidArgument(where, `userFactors must be a Float32Array of customers × ${factors}`, userFactors?.length);
  }
  if (!(itemFactors instanceof Float32Array) || itemFactors.length !== items * factors) {
    throw invalidArgument(where, `itemFactors must be a Float32Array of ${items} × ${factors}`, itemFactors?.length);
  }
  return { users: userFactors.length / factors };
}

/** scores[b·items + i] = block[b]·Y[i] for the first m rows of the block. */
function scoreBlock(
  block: Float64Array,
  m: number,
  y: Float32Array,
  items: number,
  f: number,
  scores: Float64Array,
): void {
  const f4 = f & ~3;
  for (let i = 0; i < items; i++) {
    const yo = i * f;
    for (let b = 0; b < m; b++) {
      const bo = b * f;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < f4; j += 4) {
        s0 += (block[bo + j] as number) * (y[yo + j] as number);
        s1 += (block[bo + j + 1] as number) * (y[yo + j + 1] as number);
        s2 += (block[bo + j + 2] as number) * (y[yo + j + 2] as number);
        s3 += (block[bo + j + 3] as number) * (y[yo + j + 3] as number);
      }
      for (; j < f; j++) s0 += (block[bo + j] as number) * (y[yo + j] as number);
      scores[b * items + i] = s0 + s1 + (s2 + s3);
    }
  }
}

function excludedRow(exclude: Csr | undefined, u: number): Int32Array | undefined {
  if (exclude === undefined || !(u >= 0 && u < exclude.rows)) return undefined;
  return exclude.indices.subarray(exclude.indptr[u] as number, exclude.indptr[u + 1] as number);
}

/**
 * The k items most similar to each item in `items` (batch first), by the cosine of their factors;
 * the item itself is left out. Items outside 0..items - 1 get an empty list; items whose factors
 * are all zero (no training data) score NaN against everything and get an empty list too.
 *
 * Throws INVALID_ARGUMENT for `items` not an Int32Array or a k that is not an integer ≥ 0.
 *
 * @example
 * const [neighbours] = similarItems(model, Int32Array.of(42), 10);
 */
export function similarItems(model: FactorModel, items: Int32Array, k: number): TopK[] {
  const where = 'factorization/similarItems';
  if (!(items instanceof Int32Array)) throw invalidArgument(where, 'items must be an Int32Array', items);
  checkInteger(where, 'k', k, 0);
  const { factors: f, items: n, itemFactors: y } = model;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += (y[i * f + j] as number) ** 2;
    norms[i] = Math.sqrt(s);
  }
  const scores = new Float64Array(n);
  return Array.from(items, (q) => {
    if (!(q >= 0 && q < n)) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    const qo = q * f;
    const qn = norms[q] as number;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0, io = i * f; j < f; j++) s += (y[qo + j] as number) * (y[io + j] as number);
      scores[i] = s / (qn * (norms[i] as number));
    }
    return topK(scores, k, Int32Array.of(q));
  });
}

/** A FactorModel behind core's recommender contract, with the plain data at `model`. */
export interface FactorRecommender<M extends FactorModel = FactorModel> extends Model {
  readonly model: M;
}

/**
 * The run-time choices a factor model records (ALS `kernel`, BPR `backend`), for reports.
 *
 * @example
 * factorRuntime(fitAls(train)); // { kernel: 'wasm' }
 */
export function factorRuntime(model: FactorModel): Readonly<Record<string, string>> {
  const runtime: Record<string, string> = {};
  for (const key of ['kernel', 'backend'] as const) {
    const value = (model as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string') runtime[key] = value;
  }
  return Object.freeze(runtime);
}

/**
 * Wraps a fitted FactorModel in core's `Model` contract (`recommend` = {@link recommendItems}).
 *
 * @example
 * const recommender = toRecommender(fitAls(train));
 * recommender.recommend(Int32Array.of(0), { k: 10, exclude: train });
 */
export function toRecommender<M extends FactorModel>(model: M): FactorRecommender<M> {
  return Object.freeze({
    algorithm: model.algorithm,
    params: model.params,
    runtime: factorRuntime(model),
    customers: model.users,
    items: model.items,
    model,
    recommend: (customers: Int32Array, options: RecommendOptions): TopK[] => recommendItems(model, customers, options),
  });
}
