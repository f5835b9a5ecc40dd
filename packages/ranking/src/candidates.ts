import { checkName, checkNumber, checkOneOf, checkOptions, invalidArgument, type TopK } from '@encore/core';
import { cellOf, slotTable } from './internal/slot-table.js';

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
  // One pass over the lists: every distinct item gets a slot in order of first appearance (an
  // open-addressing table sized for the entries, not Maps), its combined score, its best single
  // score and the seed behind that.
  let entries = 0;
  for (const list of lists) entries += list?.ids instanceof Int32Array ? list.ids.length : 0;
  const table = slotTable(entries);
  const item = new Int32Array(entries);
  const total = new Float64Array(entries);
  const best = new Float64Array(entries);
  const seed = new Int32Array(entries);
  const keys = table.keys;
  let n = 0;
  for (let l = 0; l < lists.length; l++) {
    if (!(l in lists)) continue; // a hole, as forEach skips it
    // Float64 scores are taken too (a merged source's, say), as the check below says.
    const list = lists[l] as { readonly ids: Int32Array; readonly scores: Float32Array | Float64Array };
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
      const cell = cellOf(table, i);
      if (keys[cell] === -1) {
        const slot = n++;
        keys[cell] = i;
        table.slots[cell] = slot;
        item[slot] = i;
        total[slot] = s;
        best[slot] = s;
        seed[slot] = by;
        continue;
      }
      const slot = table.slots[cell] as number;
      const had = total[slot] as number;
      total[slot] = combine === 'sum' ? had + s : Math.max(had, s);
      // The seed behind the largest single score; ties keep the earlier list's.
      if (!((best[slot] as number) >= s)) {
        best[slot] = s;
        seed[slot] = by;
      }
    }
  }
  // Slots in order of first appearance, sorted by the comparator the item ids were sorted with.
  const order = new Int32Array(n);
  for (let slot = 0; slot < n; slot++) order[slot] = slot;
  order.sort((a, b) => (total[b] as number) - (total[a] as number) || (item[a] as number) - (item[b] as number));
  const ids = new Int32Array(n);
  const scores = new Float64Array(n);
  const seeds = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const slot = order[r] as number;
    ids[r] = item[slot] as number;
    scores[r] = total[slot] as number;
    seeds[r] = seed[slot] as number;
  }
  return {
    name,
    ids,
    scores,
    because: seeds,
    weight,
    ...(reason === undefined ? {} : { reason }),
  };
}
