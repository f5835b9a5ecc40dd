import { checkName, checkNumber, checkOneOf, checkOptions, invalidArgument, type TopK } from '@encore/core';

/**
 * Candidates from one source — a model's top-N (`recommendItems`, `scoreFactors` + `topK`),
 * bought-together lists (`together`), a curated list — in item indices. Ranking never calls a
 * model: the caller hands it what the models produced, so this package depends on core alone.
 *
 * `ids` and `scores` are parallel, any order, no repeated id; scores are on the source's own
 * scale (rankItems normalises them). `because[p]` is the customer's item that put `ids[p]` there
 * (the seed of a bought-together list), -1 for none.
 */
export interface CandidateSource {
  /** Unique among the sources of one ranking ('als', 'bought-together', 'best-sellers'). */
  readonly name: string;
  readonly ids: Int32Array;
  readonly scores: Float32Array | Float64Array;
  readonly because?: Int32Array | undefined;
  /** Blend weight, finite ≥ 0 (default 1). */
  readonly weight?: number | undefined;
  /** Why the source was chosen (e.g. SOURCE_REASONS.noHistory), copied into each explanation. */
  readonly reason?: string | undefined;
}

export interface MergeCandidatesOptions {
  /** Name of the merged source. */
  readonly name: string;
  /** The customer's item behind each list (`because[l]` seeded `lists[l]`), -1 for none. Default: none. */
  readonly because?: ArrayLike<number>;
  /**
   * How an item found by several lists scores: 'sum' (default; what `together` does over a cart,
   * so two links beat one) or 'max'.
   */
  readonly combine?: 'sum' | 'max';
  /** Weight of the merged source (default 1). */
  readonly weight?: number;
  /** Reason copied into explanations. */
  readonly reason?: string;
}

export const DEFAULT_MERGE_CANDIDATES_OPTIONS: Readonly<{ combine: 'sum' | 'max'; weight: number }> = Object.freeze({
  combine: 'sum',
  weight: 1,
});

/**
 * Merges per-seed lists into one source, keeping for each item the seed behind its largest single
 * score as `because` (ties: the earlier list — pass seeds most recent first). This is how
 * "because you bought X" survives: call `together(model, seed)` once per recent item instead of
 * once for all, then merge. O(Σ list lengths); the result is sorted by score (desc), then id.
 *
 * Defaults: DEFAULT_MERGE_CANDIDATES_OPTIONS. Throws INVALID_ARGUMENT for lists that are not
 * TopK, a `because` of another length than `lists`, non-finite scores, or bad options.
 *
 * @example
 * const seeds = recentItems(history, { types: ['purchase'], limit: 5 });
 * const lists = Array.from(seeds, (seed) => together(model, seed, { k: 50 }));
 * const source = mergeCandidates(lists, { name: 'bought-together', because: seeds });
 */
export function mergeCandidates(lists: readonly TopK[], options: MergeCandidatesOptions): CandidateSource {
  const where = 'ranking/mergeCandidates';
  if (!Array.isArray(lists)) throw invalidArgument(where, 'lists must be an array of { ids, scores }', lists);
  const o = checkOptions(where, options, ['name', 'because', 'combine', 'weight', 'reason']);
  const name = checkName(where, 'name', o.name);
  const d = DEFAULT_MERGE_CANDIDATES_OPTIONS;
  const combine = checkOneOf(where, 'combine', o.combine ?? d.combine, ['sum', 'max'] as const);
  const weight = checkNumber(where, 'weight', o.weight ?? d.weight, 0);
  const reason = o.reason === undefined ? undefined : checkName(where, 'reason', o.reason);
  const because = o.because as ArrayLike<number> | undefined;
  if (because !== undefined && (typeof because !== 'object' || because === null || because.length !== lists.length)) {
    throw invalidArgument(where, `because must hold one item per list (${lists.length})`, because?.length);
  }
  const score = new Map<number, number>();
  const best = new Map<number, number>();
  const seed = new Map<number, number>();
  lists.forEach((list, l) => {
    if (
      typeof list !== 'object' ||
      list === null ||
      !(list.ids instanceof Int32Array) ||
      !(list.scores instanceof Float32Array || list.scores instanceof Float64Array) ||
      list.ids.length !== list.scores.length
    ) {
      throw invalidArgument(where, `lists[${l}] must be { ids: Int32Array, scores } of one length`, list);
    }
    const by = because === undefined ? -1 : (because[l] as number);
    if (!Number.isInteger(by) || by < -1) throw invalidArgument(where, `because[${l}] must be an item index or -1`, by);
    for (let p = 0; p < list.ids.length; p++) {
      const i = list.ids[p] as number;
      const s = list.scores[p] as number;
      if (i < 0) throw invalidArgument(where, `lists[${l}].ids[${p}] must be an item index`, i);
      if (!Number.isFinite(s)) throw invalidArgument(where, `lists[${l}].scores[${p}] must be finite`, s);
      const had = score.get(i);
      score.set(i, had === undefined ? s : combine === 'sum' ? had + s : Math.max(had, s));
      if (!((best.get(i) ?? Number.NEGATIVE_INFINITY) >= s)) {
        best.set(i, s);
        seed.set(i, by);
      }
    }
  });
  const ids = Int32Array.from(score.keys());
  ids.sort((a, b) => (score.get(b) as number) - (score.get(a) as number) || a - b);
  return {
    name,
    ids,
    scores: Float64Array.from(ids, (i) => score.get(i) as number),
    because: Int32Array.from(ids, (i) => seed.get(i) as number),
    weight,
    ...(reason === undefined ? {} : { reason }),
  };
}
