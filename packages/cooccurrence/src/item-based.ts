import {
  type Algorithm,
  type Csr,
  checkCsr,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkRecommendOptions,
  invalidArgument,
  type Model,
  type RecommendOptions,
  type TopK,
  TopKHeap,
} from '@encore/core';
import { buildCooccurrence } from './cooccurrence.js';
import { SIMILARITIES, type Similarity } from './scores.js';

/** How a customer's interaction value becomes their affinity for the item. */
export const AFFINITIES = Object.freeze(['value', 'binary'] as const);
export type Affinity = (typeof AFFINITIES)[number];

/** Hyperparameters of the item-based (SAR-like) recommender. */
export type ItemBasedParams = {
  /** Item-item similarity (default 'cosine'). */
  readonly similarity: Similarity;
  /** Neighbours kept per item; 0 keeps every pair (default 0, as SAR). */
  readonly neighbours: number;
  /** Minimum co-count of a pair (default 1, SAR's threshold). */
  readonly minSupport: number;
  /** Items kept per customer when counting (default 500). */
  readonly maxPerBasket: number;
  /** Customers kept per item when counting (default 500). */
  readonly maxPerItem: number;
  /** Affinity: the matrix value (rating, event weight) or 1 (default 'binary'). */
  readonly affinity: Affinity;
  /** Half-life of SAR's time decay of affinities in days; 0 turns it off (default 0). Needs matrix.times. */
  readonly halfLifeDays: number;
  /** Reference time of the decay, epoch ms; default (NaN) the latest time in the matrix. */
  readonly now: number;
  /** Seed of the down-sampling (default 42). */
  readonly seed: number;
};

export const DEFAULT_ITEM_BASED_PARAMS: Readonly<ItemBasedParams> = Object.freeze({
  similarity: 'cosine',
  neighbours: 0,
  minSupport: 1,
  maxPerBasket: 500,
  maxPerItem: 500,
  affinity: 'binary',
  halfLifeDays: 0,
  now: Number.NaN,
  seed: 42,
});

const MS_PER_DAY = 86_400_000;

/**
 * Item-based recommender in the manner of Microsoft's SAR (Simple Algorithm for
 * Recommendation, recommenders/models/sar/sar_singlenode.py): item-item similarity S from the
 * co-occurrence of items in customers' histories (AᵀA of the binarised training matrix, pairs
 * under `minSupport` dropped, optionally pruned to each item's top `neighbours`), a customer's
 * affinity row a (the value or 1, optionally decayed exponentially with `halfLifeDays` as SAR's
 * `time_decay_coefficient`), and scores aᵀS, top-k with the customer's `exclude` row left out.
 * Customers with fewer than k scored items get the rest by popularity (score 0).
 *
 * The counting is this package's kernel (down-sampling caps as `buildCooccurrence`), the scoring
 * a sparse × sparse product into a dense accumulator per customer.
 *
 * fit rejects with INVALID_ARGUMENT for a malformed matrix, unknown or out-of-range params, or a
 * time decay on a matrix without times; recommend throws INVALID_ARGUMENT for a bad k.
 *
 * @example
 * const model = await cooccurrence.fit(train, { similarity: 'jaccard' });
 * model.recommend(Int32Array.of(0, 1), { k: 10, exclude: train });
 */
export const cooccurrence: Algorithm<ItemBasedParams> = Object.freeze({
  name: 'cooccurrence',
  defaults: DEFAULT_ITEM_BASED_PARAMS,
  async fit(matrix: Csr, params: Partial<ItemBasedParams> = {}): Promise<Model> {
    return fitItemBased(matrix, params);
  },
});

function resolveParams(where: string, params: unknown): ItemBasedParams {
  const o = checkOptions(where, params, Object.keys(DEFAULT_ITEM_BASED_PARAMS));
  const d = DEFAULT_ITEM_BASED_PARAMS;
  const now = o.now ?? d.now;
  if (typeof now !== 'number' || Number.isFinite(now) === false) {
    if (!(typeof now === 'number' && Number.isNaN(now))) throw invalidArgument(where, 'now must be epoch ms', now);
  }
  return Object.freeze({
    similarity: checkOneOf(where, 'similarity', o.similarity ?? d.similarity, SIMILARITIES),
    neighbours: checkInteger(where, 'neighbours', o.neighbours ?? d.neighbours, 0, 0x7fffffff),
    minSupport: checkInteger(where, 'minSupport', o.minSupport ?? d.minSupport, 1, 0x7fffffff),
    maxPerBasket: checkInteger(where, 'maxPerBasket', o.maxPerBasket ?? d.maxPerBasket, 1, 0x7fffffff),
    maxPerItem: checkInteger(where, 'maxPerItem', o.maxPerItem ?? d.maxPerItem, 1, 0x7fffffff),
    affinity: checkOneOf(where, 'affinity', o.affinity ?? d.affinity, AFFINITIES),
    halfLifeDays: checkNumber(where, 'halfLifeDays', o.halfLifeDays ?? d.halfLifeDays, 0),
    now: now as number,
    seed: checkNumber(where, 'seed', o.seed ?? d.seed),
  });
}

function fitItemBased(matrix: Csr, raw: Partial<ItemBasedParams>): Model {
  const where = 'cooccurrence/cooccurrence.fit';
  const params = resolveParams(where, raw);
  checkCsr(where, 'matrix', matrix);
  const items = matrix.cols;
  const relation = buildCooccurrence(matrix, {
    name: 'similarity',
    similarity: params.similarity,
    minSupport: params.minSupport,
    neighbours: params.neighbours === 0 ? Math.max(1, items) : params.neighbours,
    maxPerBasket: params.maxPerBasket,
    maxPerItem: params.maxPerItem,
    seed: params.seed,
    keepCounts: false,
  });
  const affinity = affinityOf(where, matrix, params);
  const popularity = Float64Array.from(relation.rowCounts);
  const byPopularity = new Int32Array(items);
  for (let i = 0; i < items; i++) byPopularity[i] = i;
  byPopularity.sort((a, b) => (popularity[b] as number) - (popularity[a] as number) || a - b);
  const { indptr: sPtr, ids: sIds, scores: sScores } = relation.neighbours;

  return {
    algorithm: 'cooccurrence',
    params,
    customers: matrix.rows,
    items,
    recommend(customers: Int32Array, options: RecommendOptions): TopK[] {
      const { k, exclude } = checkRecommendOptions('cooccurrence/cooccurrence.recommend', options);
      const score = new Float64Array(items);
      const stamp = new Int32Array(items).fill(-1);
      const touched = new Int32Array(items);
      return Array.from(customers, (u, tag) => {
        // Excluded items.
        if (exclude !== undefined && u >= 0 && u < exclude.rows) {
          for (let p = exclude.indptr[u] as number, end = exclude.indptr[u + 1] as number; p < end; p++) {
            const j = exclude.indices[p] as number;
            if (j >= 0 && j < items) stamp[j] = tag;
          }
        }
        let len = 0;
        if (u >= 0 && u < matrix.rows) {
          for (let p = matrix.indptr[u] as number, end = matrix.indptr[u + 1] as number; p < end; p++) {
            const i = matrix.indices[p] as number;
            const a = affinity[p] as number;
            if (!(a > 0)) continue;
            for (let q = sPtr[i] as number, qe = sPtr[i + 1] as number; q < qe; q++) {
              const j = sIds[q] as number;
              if (stamp[j] === tag) continue;
              if (score[j] === 0) touched[len++] = j;
              score[j]! += a * (sScores[q] as number);
            }
          }
        }
        const heap = new TopKHeap(Math.min(k, len));
        for (let t = 0; t < len; t++) {
          const j = touched[t] as number;
          heap.offer(score[j] as number, j);
          score[j] = 0;
        }
        const ids = new Int32Array(k);
        const scores = new Float32Array(k);
        let r = heap.drainInto(ids, scores);
        for (let q = 0; q < r; q++) stamp[ids[q] as number] = tag;
        // Popularity fills the rest (score 0).
        for (let p = 0; r < k && p < items; p++) {
          const j = byPopularity[p] as number;
          if (stamp[j] !== tag) ids[r++] = j;
        }
        if (r < k) return { ids: ids.slice(0, r), scores: scores.slice(0, r) };
        return { ids, scores };
      });
    },
  };
}

/** Affinity per stored entry of `matrix`: value or 1, times SAR's decay 2^(−(now − t) / halfLife). */
function affinityOf(where: string, matrix: Csr, params: ItemBasedParams): Float32Array {
  const out = params.affinity === 'binary' ? new Float32Array(matrix.data.length).fill(1) : matrix.data.slice();
  if (params.halfLifeDays > 0) {
    const times = matrix.times;
    if (times === null) throw invalidArgument(where, 'time decay (halfLifeDays > 0) needs matrix.times', null);
    let now = params.now;
    if (Number.isNaN(now)) {
      now = Number.NEGATIVE_INFINITY;
      for (let p = 0; p < times.length; p++) now = Math.max(now, times[p] as number);
    }
    const rate = Math.LN2 / (params.halfLifeDays * MS_PER_DAY);
    for (let p = 0; p < out.length; p++) out[p]! *= Math.exp(-rate * (now - (times[p] as number)));
  }
  return out;
}
