import {
  type Csr,
  checkBoolean,
  checkCsr,
  checkInteger,
  checkName,
  checkNumber,
  checkOneOf,
  checkOptions,
  createRng,
  EncoreError,
  ErrorCode,
  invalidArgument,
} from '@encore/core';
import { countRowRange, type ItemStats, type RowBlock, scoreCountRange } from './internal/kernel.js';
import { nonEmptyRows, type Pattern, samplePattern, transposePattern } from './internal/sample.js';
import { SIMILARITIES, type Similarity } from './scores.js';

/**
 * Pruned neighbour lists of a relation, in CSR form over source items: row i holds i's kept
 * neighbours `ids[indptr[i] .. indptr[i+1])`, best first, with their `scores` and `support`
 * (co-count: baskets holding both, after down-sampling).
 */
export interface NeighbourLists {
  readonly indptr: Int32Array;
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  readonly support: Int32Array;
}

/** Raw co-counts of every pair seen together at least once (CSR over source items; columns within a row in no particular order). */
export interface PairCounts {
  readonly indptr: Int32Array;
  readonly ids: Int32Array;
  readonly counts: Int32Array;
}

/** 'cooccurrence' (AᵀA, e.g. bought together) or 'cross-occurrence' (AᵀB, e.g. viewed X → bought Y). */
export type RelationKind = 'cooccurrence' | 'cross-occurrence';

/** The resolved options a relation was built with (plain JSON). */
export interface RelationParams {
  readonly similarity: Similarity;
  readonly minSupport: number;
  readonly neighbours: number;
  readonly maxPerBasket: number;
  readonly maxPerItem: number;
  readonly seed: number;
}

/**
 * One item-to-item relation: plain data (typed arrays, numbers, strings), so msgpackr can pack it
 * and a worker can receive it. Items are the column indices of the basket matrices it was built
 * from (the log's item index space); source items are rows, target items columns (the same
 * space for co-occurrence).
 */
export interface CooccurrenceRelation {
  readonly name: string;
  readonly kind: RelationKind;
  /** Source items (columns of A). */
  readonly rows: number;
  /** Target items (columns of B; = rows for co-occurrence). */
  readonly cols: number;
  /** N: baskets with at least one (sampled) source or target item. */
  readonly baskets: number;
  /** Baskets holding each source item, after down-sampling (the ci of the scores). */
  readonly rowCounts: Int32Array;
  /** Baskets holding each target item, after down-sampling (the cj; equal to rowCounts for co-occurrence). */
  readonly colCounts: Int32Array;
  readonly neighbours: NeighbourLists;
  /** Every pair's co-count, kept for `updateCooccurrence` / `rescoreCooccurrence`; null when built with keepCounts false. */
  readonly counts: PairCounts | null;
  readonly params: RelationParams;
}

export interface CooccurrenceOptions {
  /** Relation name (default 'bought-together'; 'viewed-bought' for cross-occurrence). */
  readonly name?: string;
  /** Pair score ranking the neighbours (default 'llr', the signed root LLR). */
  readonly similarity?: Similarity;
  /** Minimum co-count for a pair to be scored (default 2: one shared basket is an anecdote). */
  readonly minSupport?: number;
  /** Neighbours kept per item (default 50, Mahout's maxCorrelatorsPerItem). */
  readonly neighbours?: number;
  /**
   * Items kept per basket, sampled uniformly (default 500, Mahout's maxNumInteractions). A
   * basket of m items costs m² pair updates; the cap bounds it.
   */
  readonly maxPerBasket?: number;
  /**
   * Baskets kept per item, sampled uniformly (default 500). Bounds the cost of hugely popular
   * items; their counts (and co-counts) are then those of the sample, so their scores stay
   * consistent estimates but rarer partners of a popular item may fall under `minSupport`.
   */
  readonly maxPerItem?: number;
  /** Seed of the down-sampling (default 42). */
  readonly seed?: number;
  /** Keep all pair co-counts so the relation can be updated and rescored (default true). */
  readonly keepCounts?: boolean;
}

export const DEFAULT_COOCCURRENCE_OPTIONS: Readonly<Required<Omit<CooccurrenceOptions, 'name'>>> = Object.freeze({
  similarity: 'llr',
  minSupport: 2,
  neighbours: 50,
  maxPerBasket: 500,
  maxPerItem: 500,
  seed: 42,
  keepCounts: true,
});

const OPTION_KEYS = ['name', ...Object.keys(DEFAULT_COOCCURRENCE_OPTIONS)];
const MAX_INT = 0x7fffffff;

interface Resolved extends RelationParams {
  readonly name: string;
  readonly keepCounts: boolean;
}

function resolve(where: string, options: unknown, defaultName: string): Resolved {
  const o = checkOptions(where, options, OPTION_KEYS);
  const d = DEFAULT_COOCCURRENCE_OPTIONS;
  return {
    name: checkName(where, 'name', o.name ?? defaultName),
    similarity: checkOneOf(where, 'similarity', o.similarity ?? d.similarity, SIMILARITIES),
    minSupport: checkInteger(where, 'minSupport', o.minSupport ?? d.minSupport, 1, MAX_INT),
    neighbours: checkInteger(where, 'neighbours', o.neighbours ?? d.neighbours, 1, MAX_INT),
    maxPerBasket: checkInteger(where, 'maxPerBasket', o.maxPerBasket ?? d.maxPerBasket, 1, MAX_INT),
    maxPerItem: checkInteger(where, 'maxPerItem', o.maxPerItem ?? d.maxPerItem, 1, MAX_INT),
    seed: checkNumber(where, 'seed', o.seed ?? d.seed),
    keepCounts: checkBoolean(where, 'keepCounts', o.keepCounts ?? d.keepCounts),
  };
}

function paramsOf(r: Resolved): RelationParams {
  return Object.freeze({
    similarity: r.similarity,
    minSupport: r.minSupport,
    neighbours: r.neighbours,
    maxPerBasket: r.maxPerBasket,
    maxPerItem: r.maxPerItem,
    seed: r.seed,
  });
}

/**
 * Item-to-item co-occurrence AᵀA of a baskets × items matrix (orders, sessions or customers ×
 * items; any positive value counts as presence): each basket is down-sampled to `maxPerBasket`
 * items and each item to `maxPerItem` baskets (seeded, see the options), every pair's co-count
 * is taken, pairs under `minSupport` dropped, the rest scored (`similarity`) and each item's top
 * `neighbours` kept. Work is O(Σ over baskets of (capped size)²), all on typed arrays.
 *
 * The method is Amazon's item-to-item collaborative filtering (Linden, Smith & York, "Amazon.com
 * recommendations: item-to-item collaborative filtering", IEEE Internet Computing 2003) scored
 * with Dunning's LLR as in Apache Mahout's SimilarityAnalysis.cooccurrences / the Universal
 * Recommender's correlators.
 *
 * Throws INVALID_ARGUMENT for a malformed matrix or options.
 *
 * @example
 * const { matrix } = basketMatrix(log, { by: 'order' });
 * const boughtTogether = buildCooccurrence(matrix, { similarity: 'llr', neighbours: 20 });
 */
export function buildCooccurrence(baskets: Csr, options: CooccurrenceOptions = {}): CooccurrenceRelation {
  const where = 'cooccurrence/buildCooccurrence';
  const r = resolve(where, options, 'bought-together');
  checkCsr(where, 'baskets', baskets);
  const rng = createRng(r.seed);
  const { pattern, colCounts } = samplePattern(baskets, r.maxPerBasket, () => r.maxPerItem, rng);
  return assemble('cooccurrence', r, pattern, pattern, colCounts, colCounts);
}

/**
 * Cross-occurrence AᵀB of two matrices over the same baskets (e.g. customers × viewed items and
 * customers × bought items): row i lists the target items j most associated with source item i
 * (viewed i → bought j), scored with the same pair scores (ci from A, cj from B, N = baskets with
 * any entry in A or B). Mahout's SimilarityAnalysis.cooccurrencesIDSs (correlated cross-occurrence,
 * CCO). The diagonal stays: viewed i → bought i is a legitimate, often strong, indicator.
 *
 * Throws INVALID_ARGUMENT for malformed matrices, different row counts, or bad options.
 *
 * @example
 * const views = basketMatrix(log, { by: 'customer', types: ['view'] }).matrix;
 * const buys = basketMatrix(log, { by: 'customer', types: ['purchase'] }).matrix;
 * const viewedBought = buildCrossOccurrence(views, buys);
 */
export function buildCrossOccurrence(a: Csr, b: Csr, options: CooccurrenceOptions = {}): CooccurrenceRelation {
  const where = 'cooccurrence/buildCrossOccurrence';
  const r = resolve(where, options, 'viewed-bought');
  checkCsr(where, 'a', a);
  checkCsr(where, 'b', b);
  if (a.rows !== b.rows) {
    throw invalidArgument(where, 'a and b must have the same rows (baskets)', { a: a.rows, b: b.rows });
  }
  const rng = createRng(r.seed);
  const sa = samplePattern(a, r.maxPerBasket, () => r.maxPerItem, rng);
  const sb = samplePattern(b, r.maxPerBasket, () => r.maxPerItem, rng);
  return assemble('cross-occurrence', r, sa.pattern, sb.pattern, sa.colCounts, sb.colCounts);
}

function assemble(
  kind: RelationKind,
  r: Resolved,
  a: Pattern,
  b: Pattern,
  rowCounts: Int32Array,
  colCounts: Int32Array,
): CooccurrenceRelation {
  const co = kind === 'cooccurrence';
  const stats: ItemStats = { rowCounts, colCounts, n: nonEmptyRows(a, co ? null : b) };
  const block = countRowRange(
    transposePattern(a),
    b,
    stats,
    r,
    { skipDiagonal: co, keepCounts: r.keepCounts },
    0,
    a.cols,
  );
  return relationFrom(kind, r.name, paramsOf(r), stats, block, block.counts);
}

function relationFrom(
  kind: RelationKind,
  name: string,
  params: RelationParams,
  stats: ItemStats,
  block: RowBlock,
  counts: PairCounts | null,
): CooccurrenceRelation {
  return {
    name,
    kind,
    rows: stats.rowCounts.length,
    cols: stats.colCounts.length,
    baskets: stats.n,
    rowCounts: stats.rowCounts,
    colCounts: stats.colCounts,
    neighbours: { indptr: block.indptr, ids: block.ids, scores: block.scores, support: block.support },
    counts,
    params,
  };
}

export interface RescoreOptions {
  readonly similarity?: Similarity;
  readonly minSupport?: number;
  readonly neighbours?: number;
}

/**
 * Re-scores a relation from its kept pair counts with another similarity, support threshold or
 * neighbour count, without touching the baskets: O(stored pairs). Options default to the
 * relation's own.
 *
 * Throws INVALID_ARGUMENT when the relation was built with `keepCounts: false`, or for bad options.
 *
 * @example
 * const byLift = rescoreCooccurrence(boughtTogether, { similarity: 'lift', minSupport: 5 });
 */
export function rescoreCooccurrence(
  relation: CooccurrenceRelation,
  options: RescoreOptions = {},
): CooccurrenceRelation {
  const where = 'cooccurrence/rescoreCooccurrence';
  const o = checkOptions(where, options, ['similarity', 'minSupport', 'neighbours']);
  const counts = requireCounts(where, relation);
  const p = relation.params;
  const params: RelationParams = Object.freeze({
    ...p,
    similarity: checkOneOf(where, 'similarity', o.similarity ?? p.similarity, SIMILARITIES),
    minSupport: checkInteger(where, 'minSupport', o.minSupport ?? p.minSupport, 1, MAX_INT),
    neighbours: checkInteger(where, 'neighbours', o.neighbours ?? p.neighbours, 1, MAX_INT),
  });
  const stats: ItemStats = { rowCounts: relation.rowCounts, colCounts: relation.colCounts, n: relation.baskets };
  const block = scoreCountRange(counts, stats, params, 0, relation.rows);
  return relationFrom(relation.kind, relation.name, params, stats, block, counts);
}

function requireCounts(where: string, relation: CooccurrenceRelation): PairCounts {
  if (typeof relation !== 'object' || relation === null || typeof relation.rows !== 'number') {
    throw invalidArgument(where, 'relation must be a CooccurrenceRelation', relation);
  }
  if (relation.counts === null) {
    throw invalidArgument(where, `relation ${relation.name} was built with keepCounts: false`, relation.name);
  }
  return relation.counts;
}

/**
 * Adds new baskets to a co-occurrence relation without recounting the old ones: the new baskets'
 * pairs are counted (same kernel), added to the kept pair counts, item counts and N, and every
 * row is re-scored from the counts (O(stored pairs); N changes every LLR and lift, so touched
 * rows alone would not do). `baskets` may have more columns than the relation (new items); the
 * relation grows to them. Without binding caps the result equals a full recount over old + new
 * baskets. With caps, new baskets are capped per basket as in a full build, and each item keeps
 * at most `maxPerItem − (its current count)` of its new baskets (sampled uniformly): memory
 * stays bounded, but the sample differs from a full recount's.
 *
 * Throws INVALID_ARGUMENT for a cross-occurrence relation (use `updateCrossOccurrence`), a
 * relation without counts, fewer columns than the relation, or a malformed matrix.
 *
 * @example
 * const next = updateCooccurrence(boughtTogether, basketMatrix(todaysLog, { by: 'order' }).matrix, { seed: 7 });
 */
export function updateCooccurrence(
  relation: CooccurrenceRelation,
  baskets: Csr,
  options: { readonly seed?: number } = {},
): CooccurrenceRelation {
  const where = 'cooccurrence/updateCooccurrence';
  const counts = requireCounts(where, relation);
  if (relation.kind !== 'cooccurrence') {
    throw invalidArgument(where, 'relation is a cross-occurrence, use updateCrossOccurrence', relation.kind);
  }
  const o = checkOptions(where, options, ['seed']);
  checkCsr(where, 'baskets', baskets);
  if (baskets.cols < relation.rows) {
    throw invalidArgument(
      where,
      `baskets must have at least the relation's ${relation.rows} item columns`,
      baskets.cols,
    );
  }
  const seed = checkNumber(where, 'seed', o.seed ?? relation.params.seed + 1);
  const p = relation.params;
  const old = grow(relation.rowCounts, baskets.cols);
  const s = samplePattern(baskets, p.maxPerBasket, (c) => p.maxPerItem - (old[c] as number), createRng(seed));
  const fresh = countRowRange(
    transposePattern(s.pattern),
    s.pattern,
    { rowCounts: s.colCounts, colCounts: s.colCounts, n: 1 },
    { similarity: 'count', minSupport: MAX_INT, neighbours: 1 },
    { skipDiagonal: true, keepCounts: true },
    0,
    baskets.cols,
  );
  for (let c = 0; c < old.length; c++) old[c]! += s.colCounts[c] as number;
  const merged = addCounts(counts, fresh.counts as PairCounts, baskets.cols, baskets.cols);
  const stats: ItemStats = { rowCounts: old, colCounts: old, n: relation.baskets + nonEmptyRows(s.pattern, null) };
  return relationFrom(
    'cooccurrence',
    relation.name,
    p,
    stats,
    scoreCountRange(merged, stats, p, 0, old.length),
    merged,
  );
}

/**
 * Adds new baskets to a cross-occurrence relation: `a` and `b` over the same new baskets (source
 * and target events). Same method and guarantees as {@link updateCooccurrence}.
 *
 * Throws INVALID_ARGUMENT for a co-occurrence relation, a relation without counts, matrices with
 * different rows or fewer columns than the relation, or malformed matrices.
 */
export function updateCrossOccurrence(
  relation: CooccurrenceRelation,
  a: Csr,
  b: Csr,
  options: { readonly seed?: number } = {},
): CooccurrenceRelation {
  const where = 'cooccurrence/updateCrossOccurrence';
  const counts = requireCounts(where, relation);
  if (relation.kind !== 'cross-occurrence') {
    throw invalidArgument(where, 'relation is a co-occurrence, use updateCooccurrence', relation.kind);
  }
  const o = checkOptions(where, options, ['seed']);
  checkCsr(where, 'a', a);
  checkCsr(where, 'b', b);
  if (a.rows !== b.rows) throw invalidArgument(where, 'a and b must have the same rows (baskets)', [a.rows, b.rows]);
  if (a.cols < relation.rows || b.cols < relation.cols) {
    throw invalidArgument(where, 'a and b must have at least the relation’s item columns', [a.cols, b.cols]);
  }
  const seed = checkNumber(where, 'seed', o.seed ?? relation.params.seed + 1);
  const p = relation.params;
  const oldRows = grow(relation.rowCounts, a.cols);
  const oldCols = grow(relation.colCounts, b.cols);
  const rng = createRng(seed);
  const sa = samplePattern(a, p.maxPerBasket, (c) => p.maxPerItem - (oldRows[c] as number), rng);
  const sb = samplePattern(b, p.maxPerBasket, (c) => p.maxPerItem - (oldCols[c] as number), rng);
  const fresh = countRowRange(
    transposePattern(sa.pattern),
    sb.pattern,
    { rowCounts: sa.colCounts, colCounts: sb.colCounts, n: 1 },
    { similarity: 'count', minSupport: MAX_INT, neighbours: 1 },
    { skipDiagonal: false, keepCounts: true },
    0,
    a.cols,
  );
  for (let c = 0; c < oldRows.length; c++) oldRows[c]! += sa.colCounts[c] as number;
  for (let c = 0; c < oldCols.length; c++) oldCols[c]! += sb.colCounts[c] as number;
  const merged = addCounts(counts, fresh.counts as PairCounts, a.cols, b.cols);
  const stats: ItemStats = {
    rowCounts: oldRows,
    colCounts: oldCols,
    n: relation.baskets + nonEmptyRows(sa.pattern, sb.pattern),
  };
  return relationFrom(
    'cross-occurrence',
    relation.name,
    p,
    stats,
    scoreCountRange(merged, stats, p, 0, oldRows.length),
    merged,
  );
}

function grow(counts: Int32Array, length: number): Int32Array {
  const out = new Int32Array(length);
  out.set(counts);
  return out;
}

/**
 * Row-wise sum of two pair-count CSRs (x may have fewer rows than `rows`), through a dense
 * accumulator per row: O(rows + nnz + cols), no sorting.
 */
function addCounts(x: PairCounts, y: PairCounts, rows: number, cols: number): PairCounts {
  const xRows = x.indptr.length - 1;
  const upper = x.ids.length + y.ids.length;
  if (upper > MAX_INT) {
    throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, 'cooccurrence/update: more than 2^31 - 1 stored pairs', {
      value: upper,
    });
  }
  const indptr = new Int32Array(rows + 1);
  const ids = new Int32Array(upper);
  const counts = new Int32Array(upper);
  const slot = new Int32Array(cols).fill(-1);
  let w = 0;
  for (let r = 0; r < rows; r++) {
    const start = w;
    if (r < xRows) {
      for (let p = x.indptr[r] as number, pe = x.indptr[r + 1] as number; p < pe; p++) {
        const j = x.ids[p] as number;
        slot[j] = w;
        ids[w] = j;
        counts[w++] = x.counts[p] as number;
      }
    }
    for (let q = y.indptr[r] as number, qe = y.indptr[r + 1] as number; q < qe; q++) {
      const j = y.ids[q] as number;
      const at = slot[j] as number;
      if (at >= start) counts[at]! += y.counts[q] as number;
      else {
        slot[j] = w;
        ids[w] = j;
        counts[w++] = y.counts[q] as number;
      }
    }
    indptr[r + 1] = w;
  }
  return { indptr, ids: ids.slice(0, w), counts: counts.slice(0, w) };
}
