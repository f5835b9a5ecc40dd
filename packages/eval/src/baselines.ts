import {
  type Algorithm,
  type Csr,
  checkCsr,
  checkNumber,
  checkOptions,
  checkRecommendOptions,
  columnCounts,
  createRng,
  type Model,
  type RecommendOptions,
  type TopK,
} from '@encore/core';
import { streamSeed } from './internal/hash.js';

/**
 * The popularity baseline has no parameters of its own. It accepts and ignores a finite `seed`
 * (it is deterministic), so a caller can hand one seed to every algorithm.
 */
export type PopularParams = { readonly seed?: number };

/** Parameters of the random baseline. */
export type RandomParams = {
  /** Seed of the draws (default 42). */
  readonly seed: number;
};

export const DEFAULT_POPULAR_PARAMS: Readonly<PopularParams> = Object.freeze({});
export const DEFAULT_RANDOM_PARAMS: Readonly<RandomParams> = Object.freeze({ seed: 42 });

/**
 * Most-popular baseline: an item's score is the number of training customers who interacted with
 * it (stored entries per column); every customer gets the same ranking minus the items in their
 * `exclude` row. Ties break on the lower item index, so results are deterministic. Customers beyond
 * the training matrix get the plain ranking.
 *
 * fit rejects with INVALID_ARGUMENT on a malformed matrix, a non-finite `seed` or any other
 * parameter (it takes none; `seed` is accepted and ignored);
 * recommend throws INVALID_ARGUMENT for a k that is not an integer ≥ 0.
 *
 * @example
 * const model = await popular.fit(train);
 * model.recommend(Int32Array.of(0, 1), { k: 10, exclude: train });
 */
export const popular: Algorithm<PopularParams> = Object.freeze({
  name: 'popular',
  defaults: DEFAULT_POPULAR_PARAMS,
  async fit(matrix: Csr, params: Partial<PopularParams> = {}): Promise<Model> {
    const where = 'eval/popular.fit';
    checkOptions(where, params, ['seed'], 'params');
    if (params.seed !== undefined) checkNumber(where, 'seed', params.seed);
    checkCsr(where, 'matrix', matrix);
    const counts = columnCounts(matrix);
    const order = new Int32Array(matrix.cols);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => counts[b]! - counts[a]! || a - b);
    const items = matrix.cols;
    return {
      algorithm: 'popular',
      params: DEFAULT_POPULAR_PARAMS,
      customers: matrix.rows,
      items,
      recommend(customers: Int32Array, options: RecommendOptions): TopK[] {
        const { k, exclude } = checkRecommendOptions('eval/popular.recommend', options);
        const stamp = new Int32Array(items).fill(-1);
        return Array.from(customers, (u, i) => {
          const excluded = markExcluded(exclude, u, i, stamp);
          const m = Math.min(k, items - excluded);
          const ids = new Int32Array(m);
          const scores = new Float32Array(m);
          for (let p = 0, o = 0; o < m; p++) {
            const item = order[p] as number;
            if (stamp[item] === i) continue;
            ids[o] = item;
            scores[o++] = counts[item] as number;
          }
          return { ids, scores };
        });
      },
    };
  },
});

/**
 * Uniform random baseline: each customer gets k distinct items drawn uniformly among the items not
 * in their `exclude` row. Each customer's draws come from their own stream, seeded from (seed,
 * customer index), so results do not depend on batching or on the other customers asked for.
 * Scores are rank-based (1, 1 - 1/k, …), only their order means something.
 *
 * fit rejects with INVALID_ARGUMENT on a malformed matrix, an unknown parameter or a non-finite seed.
 *
 * @example
 * const model = await random.fit(train, { seed: 7 });
 */
export const random: Algorithm<RandomParams> = Object.freeze({
  name: 'random',
  defaults: DEFAULT_RANDOM_PARAMS,
  async fit(matrix: Csr, params: Partial<RandomParams> = {}): Promise<Model> {
    const where = 'eval/random.fit';
    checkOptions(where, params, Object.keys(DEFAULT_RANDOM_PARAMS), 'params');
    const resolved: RandomParams = Object.freeze({ ...DEFAULT_RANDOM_PARAMS, ...params });
    checkNumber(where, 'seed', resolved.seed);
    checkCsr(where, 'matrix', matrix);
    const items = matrix.cols;
    return {
      algorithm: 'random',
      params: resolved,
      customers: matrix.rows,
      items,
      recommend(customers: Int32Array, options: RecommendOptions): TopK[] {
        const { k, exclude } = checkRecommendOptions('eval/random.recommend', options);
        const stamp = new Int32Array(items).fill(-1);
        return Array.from(customers, (u, i) => {
          const excluded = markExcluded(exclude, u, i, stamp);
          const available = items - excluded;
          const m = Math.min(k, available);
          const rng = createRng(streamSeed(resolved.seed, u));
          const ids = new Int32Array(m);
          if (2 * m <= available) {
            // Rejection sampling: at most half the candidates get taken, so ≤ 2 draws per pick on average.
            for (let o = 0; o < m; ) {
              const item = rng.int(items);
              if (stamp[item] === i) continue;
              stamp[item] = i;
              ids[o++] = item;
            }
          } else {
            // Partial Fisher–Yates over the candidates.
            const candidates = new Int32Array(available);
            for (let item = 0, o = 0; item < items; item++) if (stamp[item] !== i) candidates[o++] = item;
            for (let o = 0; o < m; o++) {
              const j = o + rng.int(available - o);
              const pickItem = candidates[j] as number;
              candidates[j] = candidates[o] as number;
              ids[o] = pickItem;
            }
          }
          const scores = new Float32Array(m);
          for (let o = 0; o < m; o++) scores[o] = 1 - o / m;
          return { ids, scores };
        });
      },
    };
  },
});

/** Stamps customer u's excluded items with `tag`; returns how many distinct in-range items it stamped. */
function markExcluded(exclude: Csr | undefined, u: number, tag: number, stamp: Int32Array): number {
  if (exclude === undefined || !(u >= 0 && u < exclude.rows)) return 0;
  let count = 0;
  for (let p = exclude.indptr[u] as number, end = exclude.indptr[u + 1] as number; p < end; p++) {
    const item = exclude.indices[p] as number;
    if (item >= 0 && item < stamp.length && stamp[item] !== tag) {
      stamp[item] = tag;
      count++;
    }
  }
  return count;
}
