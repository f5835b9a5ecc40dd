import { type Csr, checkCsr, checkInteger, checkOptions, invalidArgument, type TopK } from '@encore/core';

/**
 * Ranking metrics at k, averaged over the evaluated users. Definitions follow Microsoft
 * Recommenders' recommenders/evaluation/python_evaluation.py (`precision_at_k`, `recall_at_k`,
 * `ndcg_at_k` with the default binary relevance, `map`, `map_at_k`, `catalog_coverage`).
 */
export interface RankingMetrics {
  /** Mean of hits / k (k fixed, even when a list is shorter; MS / Spark `precisionAt`). */
  readonly precision: number;
  /** Mean of hits / |relevant|. */
  readonly recall: number;
  /** Mean nDCG@k, binary relevance, DCG = Σ 1/log2(1 + rank) over hits, IDCG over min(k, |relevant|) hits. */
  readonly ndcg: number;
  /** MS `map`: mean of (Σ over hits of precision at the hit's rank) / |relevant|. */
  readonly map: number;
  /** MS `map_at_k`: as `map`, divided by min(k, |relevant|) instead of |relevant|. */
  readonly mapAtK: number;
  /** Share of users with at least one hit in their top k. */
  readonly hitRate: number;
  /** Distinct items in the evaluated top-k lists / `items`. */
  readonly coverage: number;
  /** Number of users evaluated (users with ≥ 1 relevant item). */
  readonly users: number;
}

/** The metrics `evaluate` reports (an alias of {@link RankingMetrics}). */
export type Metrics = RankingMetrics;

export interface RankingOptions {
  /** Cut-off (default 10, MS `DEFAULT_K`). Lists longer than k are cut; shorter lists count as they are. */
  readonly k?: number;
  /** Denominator of `coverage` (default `test.cols`). MS `catalog_coverage` uses the number of distinct training items. */
  readonly items?: number;
}

export const DEFAULT_RANKING_OPTIONS: Readonly<{ k: number }> = Object.freeze({ k: 10 });

/** One user's metrics at k (see {@link RankingMetrics} for the definitions). */
export interface UserRankingMetrics {
  readonly hits: number;
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  /** Average precision over |relevant| (MS `map` before averaging over users). */
  readonly averagePrecision: number;
  /** Average precision over min(k, |relevant|) (MS `map_at_k` before averaging). */
  readonly averagePrecisionAtK: number;
}

/**
 * Averages ranking metrics over users: `recommendations[i]` is the ranked list of `users[i]` and
 * row `users[i]` of `test` holds that user's relevant items. Users with no relevant item are
 * skipped (they are not counted in `users`); a user with an empty list counts as all zeros.
 *
 * Differences from MS, on purpose: MS averages precision, recall and MAP over users present in
 * both truth and predictions (a user with no predictions drops out; its newer `ndcg_at_k` keeps
 * them as zeros) — here every user with a relevant item counts, so a model cannot gain by
 * returning nothing. An item repeated in one list counts once. nDCG uses log2; MS's default natural
 * log gives the same ratio.
 *
 * INVALID_ARGUMENT when lengths disagree, a user is out of range or repeated, a recommended id is
 * outside 0..test.cols-1, or k / items are not positive integers.
 *
 * @example
 * const m = evaluateRankings(model.recommend(users, { k: 10, exclude: train }), users, test, { k: 10 });
 */
export function evaluateRankings(
  recommendations: readonly TopK[],
  users: Int32Array,
  test: Csr,
  options: RankingOptions = {},
): RankingMetrics {
  const where = 'eval/evaluateRankings';
  checkOptions(where, options, ['k', 'items']);
  const k = checkInteger(where, 'k', options.k ?? DEFAULT_RANKING_OPTIONS.k, 1);
  const items = checkInteger(where, 'items', options.items ?? test.cols, 0);
  checkCsr(where, 'test', test);
  if (!(users instanceof Int32Array)) throw invalidArgument(where, 'users must be an Int32Array', users);
  if (!Array.isArray(recommendations) || recommendations.length !== users.length) {
    throw invalidArgument(where, `recommendations must be an array aligned with users (${users.length} entries)`, {
      recommendations: Array.isArray(recommendations) ? recommendations.length : typeof recommendations,
    });
  }
  const idcg = idcgTable(k);
  const relevantStamp = new Int32Array(test.cols).fill(-1);
  const listStamp = new Int32Array(test.cols).fill(-1);
  const recommended = new Uint8Array(test.cols);
  const userSeen = new Uint8Array(test.rows);
  let distinct = 0;
  let evaluated = 0;
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let map = 0;
  let mapAtK = 0;
  let hitUsers = 0;
  for (let i = 0; i < users.length; i++) {
    const u = users[i] as number;
    if (u < 0 || u >= test.rows) throw invalidArgument(where, `users[${i}] must be in 0..${test.rows - 1}`, u);
    if (userSeen[u])
      throw invalidArgument(where, `user ${u} appears more than once in users, expected unique users`, u);
    userSeen[u] = 1;
    const from = test.indptr[u] as number;
    const to = test.indptr[u + 1] as number;
    const nRelevant = to - from;
    if (nRelevant === 0) continue;
    for (let p = from; p < to; p++) relevantStamp[test.indices[p]!] = u;
    const ids = recommendations[i]?.ids;
    if (!(ids instanceof Int32Array))
      throw invalidArgument(where, `recommendations[${i}].ids must be an Int32Array`, ids);
    let hits = 0;
    let dcg = 0;
    let apSum = 0;
    let rank = 0;
    for (let j = 0; j < ids.length && rank < k; j++) {
      const item = ids[j] as number;
      if (!(item >= 0 && item < test.cols)) {
        throw invalidArgument(where, `recommendations[${i}].ids[${j}] must be an item in 0..${test.cols - 1}`, item);
      }
      if (listStamp[item] === i) continue; // repeated in this list: counts once
      listStamp[item] = i;
      rank++;
      if (!recommended[item]) {
        recommended[item] = 1;
        distinct++;
      }
      if (relevantStamp[item] === u) {
        hits++;
        dcg += 1 / Math.log2(rank + 1);
        apSum += hits / rank;
      }
    }
    evaluated++;
    if (hits > 0) {
      hitUsers++;
      precision += hits / k;
      recall += hits / nRelevant;
      ndcg += dcg / (idcg[Math.min(k, nRelevant)] as number);
      map += apSum / nRelevant;
      mapAtK += apSum / Math.min(k, nRelevant);
    }
  }
  const mean = (sum: number): number => (evaluated === 0 ? 0 : sum / evaluated);
  return {
    precision: mean(precision),
    recall: mean(recall),
    ndcg: mean(ndcg),
    map: mean(map),
    mapAtK: mean(mapAtK),
    hitRate: mean(hitUsers),
    coverage: items === 0 ? 0 : distinct / items,
    users: evaluated,
  };
}

/**
 * Metrics at k of one ranked list against one user's relevant items (any order, non-empty).
 * Same definitions as {@link evaluateRankings}; an id repeated in `recommended` counts once.
 *
 * INVALID_ARGUMENT when `relevant` is empty or k is not a positive integer.
 *
 * @example
 * rankingMetricsForUser([3, 1, 7], [1, 7, 9], 3).precision; // 2 / 3
 */
export function rankingMetricsForUser(
  recommended: ArrayLike<number>,
  relevant: ArrayLike<number>,
  k: number,
): UserRankingMetrics {
  const where = 'eval/rankingMetricsForUser';
  checkInteger(where, 'k', k, 1);
  const relevantSet = new Set<number>(Array.from(relevant));
  const nRelevant = relevantSet.size;
  if (nRelevant === 0) throw invalidArgument(where, 'relevant must hold at least one item', relevant);
  const seen = new Set<number>();
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  let rank = 0;
  for (let j = 0; j < recommended.length && rank < k; j++) {
    const item = recommended[j] as number;
    if (seen.has(item)) continue;
    seen.add(item);
    rank++;
    if (relevantSet.has(item)) {
      hits++;
      dcg += 1 / Math.log2(rank + 1);
      apSum += hits / rank;
    }
  }
  const cut = Math.min(k, nRelevant);
  return {
    hits,
    precision: hits / k,
    recall: hits / nRelevant,
    ndcg: dcg / (idcgTable(cut)[cut] as number),
    averagePrecision: apSum / nRelevant,
    averagePrecisionAtK: apSum / cut,
  };
}

/** idcg[m] = Σ_{i=1..m} 1 / log2(1 + i): the DCG of m hits at the top. */
function idcgTable(k: number): Float64Array {
  const table = new Float64Array(k + 1);
  for (let i = 1; i <= k; i++) table[i] = (table[i - 1] as number) + 1 / Math.log2(i + 1);
  return table;
}
