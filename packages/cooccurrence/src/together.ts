import { checkInteger, checkOptions, invalidArgument, TopKHeap } from '@encore/core';
import type { CooccurrenceRelation } from './cooccurrence.js';
import { type CooccurrenceModel, relationOf } from './model.js';

export interface TogetherOptions {
  /** List length (default 10), capped at the number of candidates. */
  readonly k?: number;
  /** Relation name (default 'bought-together'). Ignored when `together` is given a relation. */
  readonly relation?: string;
  /** Item indices never to return (the input items are always left out). */
  readonly exclude?: Iterable<number>;
  /** Keep only items for which the predicate is true, or that are in the set (e.g. in stock). */
  readonly filter?: ((item: number) => boolean) | ReadonlySet<number>;
}

export const DEFAULT_TOGETHER_OPTIONS: Readonly<{ k: number; relation: string }> = Object.freeze({
  k: 10,
  relation: 'bought-together',
});

/** Top-k items with their scores and support (co-counts summed over the input items). */
export interface TogetherResult {
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  readonly support: Int32Array;
}

/**
 * "Customers who bought this also bought": the items to add to one item or a whole cart. Each
 * input item's neighbour list (of the chosen relation) votes for its neighbours; an item's score
 * is the sum of its scores over the input items (SAR's `get_item_based_topk` with unit weights;
 * with the default signed-root LLR this is a sum of z-like scores, so two moderate links beat one
 * marginal one), its support the sum of its co-counts. Input items, `exclude`, and items failing
 * `filter` are left out. Ties break on the lower index. Input items the relation does not know
 * (new items) vote for nothing. O(Σ neighbour-list lengths · log k).
 *
 * Throws INVALID_ARGUMENT for an item index outside the model, an unknown relation, or bad options.
 *
 * @example
 * const { ids, scores, support } = together(model, [items.indexOf('85123A')], { k: 10 });
 */
export function together(
  model: CooccurrenceModel | CooccurrenceRelation,
  items: ArrayLike<number> | number,
  options: TogetherOptions = {},
): TogetherResult {
  const where = 'cooccurrence/together';
  const o = checkOptions(where, options, ['k', 'relation', 'exclude', 'filter']);
  const k = checkInteger(where, 'k', o.k ?? DEFAULT_TOGETHER_OPTIONS.k, 0);
  const relation =
    'relations' in model
      ? relationOf(model, (o.relation as string | undefined) ?? DEFAULT_TOGETHER_OPTIONS.relation)
      : model;
  const universe = 'relations' in model ? model.items : Math.max(relation.rows, relation.cols);
  const input = typeof items === 'number' ? [items] : items;
  const filter = o.filter as TogetherOptions['filter'];
  if (filter !== undefined && typeof filter !== 'function' && !(filter instanceof Set)) {
    throw invalidArgument(where, 'filter must be a predicate on item indices or a Set of them', filter);
  }
  const cols = relation.cols;
  const blocked = new Set<number>();
  for (let t = 0; t < input.length; t++) {
    const i = input[t] as number;
    if (!Number.isInteger(i) || i < 0 || i >= universe) {
      throw invalidArgument(where, `items must be item indices in 0..${universe - 1}`, i);
    }
    if (i < cols) blocked.add(i);
  }
  if (o.exclude !== undefined) {
    for (const i of o.exclude as Iterable<number>) if (Number.isInteger(i) && i >= 0 && i < cols) blocked.add(i);
  }
  const { indptr, ids, scores, support } = relation.neighbours;
  // Sums over the input items' neighbour lists, in slots handed out in order of first touch: the
  // work is in the lists' lengths, not the catalog's (a request's cart of a few items would
  // otherwise clear arrays of every item, on every call).
  let touched = 0;
  for (let t = 0; t < input.length; t++) {
    const i = input[t] as number;
    if (i < relation.rows) touched += (indptr[i + 1] as number) - (indptr[i] as number);
  }
  const slotOf = new Map<number, number>();
  const item = new Int32Array(touched);
  const score = new Float64Array(touched);
  const sup = new Int32Array(touched);
  let n = 0;
  for (let t = 0; t < input.length; t++) {
    const i = input[t] as number;
    if (i >= relation.rows) continue;
    for (let p = indptr[i] as number, end = indptr[i + 1] as number; p < end; p++) {
      const j = ids[p] as number;
      if (blocked.has(j)) continue;
      let slot = slotOf.get(j);
      if (slot === undefined) {
        slot = n++;
        slotOf.set(j, slot);
        item[slot] = j;
      }
      score[slot]! += scores[p] as number;
      sup[slot]! += support[p] as number;
    }
  }
  const heap = new TopKHeap(Math.min(k, n));
  for (let slot = 0; slot < n; slot++) {
    const j = item[slot] as number;
    if (filter === undefined || (typeof filter === 'function' ? filter(j) : filter.has(j))) {
      heap.offer(score[slot] as number, j);
    }
  }
  const m = heap.size;
  const out: TogetherResult = { ids: new Int32Array(m), scores: new Float32Array(m), support: new Int32Array(m) };
  heap.drainInto(out.ids, out.scores);
  for (let r = 0; r < m; r++) out.support[r] = sup[slotOf.get(out.ids[r] as number) as number] as number;
  return out;
}
