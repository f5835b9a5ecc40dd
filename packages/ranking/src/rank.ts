import {
  checkBoolean,
  checkIds,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  EVENT_TYPES,
  type EventType,
  eventTypeCode,
  invalidArgument,
} from '@encore/core';
import type { ItemAttributes } from './attributes.js';
import type { CandidateSource } from './candidates.js';
import type { ItemFilter } from './filter.js';
import type { CustomerHistory } from './history.js';
import { checkSource, NORMALIZATIONS, type Normalization, normalizeScores } from './internal/blend.js';
import { type CompiledFilter, compileFilter } from './internal/item-filter.js';
import { checkAttributes, checkByEventType, checkDays, checkK, checkNow, MS_PER_DAY } from './internal/options.js';
import { cellOf, slotOf, slotTable } from './internal/slot-table.js';
import { checkHistory, openCart } from './internal/timeline.js';

export type { Normalization } from './internal/blend.js';

/** What a ranking request knows about the shop and the customer. */
export interface RankContext {
  /** The catalog table (see itemAttributes); candidate ids index it. */
  readonly attributes: ItemAttributes;
  /** The customer's timeline, for exclusions and "because you bought" wording. Default: none. */
  readonly history?: CustomerHistory | undefined;
  /**
   * The time of the request (epoch ms). Required when an exclusion has a finite look-back; history
   * events after it are ignored.
   */
  readonly now?: number | undefined;
}

/** Multiply the score of these items by `factor` (a campaign, a brand deal). */
export interface ItemBoost {
  readonly items: Int32Array;
  /** Finite ≥ 0; above 1 lifts, below 1 lowers. */
  readonly factor: number;
}

/** Show `item` at position `slot` (0 = first) whatever its score. */
export interface Pin {
  readonly item: number;
  readonly slot: number;
}

export interface RankOptions {
  /** List length (default 10), capped at the number of items that qualify. */
  readonly k?: number;
  /**
   * How each source's scores are put on one scale before the weighted sum (default 'rrf'):
   * - 'rrf' — reciprocal rank fusion, (c + 1) / (c + rank) with c = `rrfConstant` (Cormack, Clarke
   *   & Büttcher 2009), scaled so each source's best candidate scores 1. The default because the
   *   sources are on unrelated scales (ALS dot products, summed LLRs, units sold) with heavy tails:
   *   ranks ignore both, and unlike a linear rank score (1 − r/n) they do not depend on how long
   *   each source's list is.
   * - 'minmax' — (s − min) / (max − min) per source: keeps score gaps, but one outlier squeezes
   *   the rest.
   * - 'none' — raw scores, for sources already on one scale.
   * Normalisation runs over the candidates that survive filters and exclusions, so a model whose
   * top picks were already bought still gives its best remaining pick full weight.
   */
  readonly normalize?: Normalization;
  /** The c of 'rrf' (default 60, as Cormack et al.): larger flattens the rank curve. */
  readonly rrfConstant?: number;
  /**
   * Leave out items the customer already has, per event type, with a look-back in days (Infinity:
   * ever). Default `{ purchase: Infinity, cart: Infinity }`; `{}` excludes nothing; a given object
   * replaces the default. `cart` means the open cart (added and not since removed or bought);
   * every other type means any such event in the look-back. `{ purchase: 90 }` suits consumables.
   */
  readonly exclude?: Readonly<Partial<Record<EventType, number>>>;
  /** Which items may be shown (default: all). Applied to candidates and pins alike. */
  readonly filter?: ItemFilter;
  /**
   * Margin boost weight w ≥ 0 (default 0): scores are multiplied by max(0, 1 + w · margin), so at
   * w = 1 an item with a 40% margin gets × 1.4. Items without a margin are not boosted.
   */
  readonly marginBoost?: number;
  /** Factor ≥ 0 applied to items flagged as promoted in the attributes (default 1: none). */
  readonly promotionBoost?: number;
  /** Further boosts by item list; an item in several multiplies their factors. */
  readonly boosts?: readonly ItemBoost[];
  /** Items moved below every unburied item (kept in their order; still shown if k allows). */
  readonly bury?: Int32Array;
  /** Bury items whose stock is known and ≤ 0, instead of filtering them out (default false). */
  readonly buryOutOfStock?: boolean;
  /**
   * At most this many items of one category in the list (default Infinity: no cap), for
   * diversity. Items without a category are not capped. Pinned items count towards their
   * category's cap.
   */
  readonly maxPerCategory?: number;
  /**
   * Items placed at fixed slots. A pin whose slot is ≥ k, or whose item fails the filter or an
   * exclusion, is dropped (counted in `report.pinsDropped`). Slots and items must be distinct.
   */
  readonly pins?: readonly Pin[];
}

export const DEFAULT_RANK_OPTIONS: Readonly<{
  k: number;
  normalize: Normalization;
  rrfConstant: number;
  exclude: Readonly<Partial<Record<EventType, number>>>;
  marginBoost: number;
  promotionBoost: number;
  buryOutOfStock: boolean;
  maxPerCategory: number;
}> = Object.freeze({
  k: 10,
  normalize: 'rrf',
  rrfConstant: 60,
  exclude: Object.freeze({ purchase: Number.POSITIVE_INFINITY, cart: Number.POSITIVE_INFINITY }),
  marginBoost: 0,
  promotionBoost: 1,
  buryOutOfStock: false,
  maxPerCategory: Number.POSITIVE_INFINITY,
});

/** One source's part in an item's score. */
export interface Contribution {
  readonly source: string;
  /** The source's reason (e.g. 'cold-start:no-history'), when it gave one. */
  readonly reason: string | undefined;
  /** The source's raw score for the item. */
  readonly score: number;
  /** The item's 1-based rank within the source, among the candidates that survived filters and exclusions. */
  readonly rank: number;
  /** weight × normalised score: the amount added to the blended score. */
  readonly contribution: number;
  /** The customer's item that put the candidate in this source, -1 for none. */
  readonly because: number;
}

/** Why an item is in the list and where. */
export interface Explanation {
  /** Largest contribution first (ties: source order). Empty for a pinned item no source proposed. */
  readonly contributions: readonly Contribution[];
  /** The customer's item behind the largest contribution that names one, -1 for none ("because you bought X"). */
  readonly because: number;
  /**
   * What the customer did with `because`, from the history: the strongest of purchase, cart,
   * wishlist, rate, view; undefined without one.
   */
  readonly becauseEvent: EventType | undefined;
  /** The product of the boost factors applied (1: none). */
  readonly boost: number;
  readonly buried: boolean;
  readonly pinned: boolean;
}

export interface RankReport {
  /** Distinct candidate items over all sources. */
  readonly candidates: number;
  /** Candidates removed by the filter. */
  readonly filtered: number;
  /** Candidates removed by exclusions (counted after the filter). */
  readonly excluded: number;
  /** Candidates skipped by the per-category cap while the list was filled. */
  readonly capped: number;
  /** Pins not placed (slot ≥ k, filtered or excluded). */
  readonly pinsDropped: number;
}

/** The list to show: `ids[r]` at position r with final score `scores[r]` and `explanations[r]`. */
export interface RankedList {
  readonly ids: Int32Array;
  /**
   * Blended and boosted scores. The list is in score order except where pins and bury place items
   * (a pinned item no source proposed scores 0).
   */
  readonly scores: Float32Array;
  readonly explanations: readonly Explanation[];
  readonly report: RankReport;
}

interface Resolved {
  readonly k: number;
  readonly normalize: Normalization;
  readonly rrfConstant: number;
  /** Look-back in ms per event type code, NaN when the type does not exclude. */
  readonly lookback: Float64Array;
  readonly filter: CompiledFilter;
  readonly marginBoost: number;
  readonly promotionBoost: number;
  readonly boostOf: ReadonlyMap<number, number>;
  readonly buried: ReadonlySet<number>;
  readonly buryOutOfStock: boolean;
  readonly maxPerCategory: number;
  readonly pins: readonly Pin[];
}

const OPTION_KEYS = [
  'k',
  'normalize',
  'rrfConstant',
  'exclude',
  'filter',
  'marginBoost',
  'promotionBoost',
  'boosts',
  'bury',
  'buryOutOfStock',
  'maxPerCategory',
  'pins',
];

function resolve(where: string, options: unknown, attributes: ItemAttributes, now: number | undefined): Resolved {
  const o = checkOptions(where, options, OPTION_KEYS);
  const d = DEFAULT_RANK_OPTIONS;
  const n = attributes.items;
  const lookback = checkByEventType(where, 'exclude', o.exclude ?? d.exclude, Number.NaN, (type, v) =>
    checkDays(where, `exclude.${type}`, v, true),
  );
  for (const days of lookback) {
    if (Number.isFinite(days) && now === undefined) {
      throw invalidArgument(where, 'an exclusion look-back in days needs context.now', days);
    }
  }
  const boostOf = new Map<number, number>();
  const boosts = o.boosts ?? [];
  if (!Array.isArray(boosts)) throw invalidArgument(where, 'boosts must be an array of { items, factor }', boosts);
  boosts.forEach((b: ItemBoost, at) => {
    checkOptions(where, b, ['items', 'factor'], `boosts[${at}]`);
    const factor = checkNumber(where, `boosts[${at}].factor`, b.factor, 0);
    for (const i of checkIds(where, `boosts[${at}].items`, b.items, n)) boostOf.set(i, (boostOf.get(i) ?? 1) * factor);
  });
  const maxPerCategory = o.maxPerCategory ?? d.maxPerCategory;
  if (maxPerCategory !== Number.POSITIVE_INFINITY) checkInteger(where, 'maxPerCategory', maxPerCategory, 1);
  const pins = o.pins ?? [];
  if (!Array.isArray(pins)) throw invalidArgument(where, 'pins must be an array of { item, slot }', pins);
  const slots = new Set<number>();
  const pinned = new Set<number>();
  pins.forEach((p: Pin, at) => {
    checkOptions(where, p, ['item', 'slot'], `pins[${at}]`);
    const item = checkInteger(where, `pins[${at}].item`, p.item, 0, n - 1);
    const slot = checkInteger(where, `pins[${at}].slot`, p.slot, 0);
    if (slots.has(slot)) throw invalidArgument(where, `pins[${at}].slot is taken by another pin`, slot);
    if (pinned.has(item)) throw invalidArgument(where, `pins[${at}].item is pinned twice`, item);
    slots.add(slot);
    pinned.add(item);
  });
  return {
    k: checkK(where, o.k ?? d.k),
    normalize: checkOneOf(where, 'normalize', o.normalize ?? d.normalize, NORMALIZATIONS),
    rrfConstant: checkNumber(where, 'rrfConstant', o.rrfConstant ?? d.rrfConstant, 0),
    lookback: lookback.map((days) => days * MS_PER_DAY),
    filter: compileFilter(where, attributes, o.filter ?? {}),
    marginBoost: checkNumber(where, 'marginBoost', o.marginBoost ?? d.marginBoost, 0),
    promotionBoost: checkNumber(where, 'promotionBoost', o.promotionBoost ?? d.promotionBoost, 0),
    boostOf,
    buried: new Set(o.bury === undefined ? [] : checkIds(where, 'bury', o.bury, n)),
    buryOutOfStock: checkBoolean(where, 'buryOutOfStock', o.buryOutOfStock ?? d.buryOutOfStock),
    maxPerCategory: maxPerCategory as number,
    pins: [...(pins as Pin[])].sort((a, b) => a.slot - b.slot),
  };
}

const CART = eventTypeCode('cart');

/** The history up to `now` (times ascend, so a prefix). */
function historyUntil(history: CustomerHistory, now: number | undefined): CustomerHistory {
  if (now === undefined) return history;
  let lo = 0;
  let hi = history.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((history.times[mid] as number) <= now) lo = mid + 1;
    else hi = mid;
  }
  return {
    items: history.items.subarray(0, lo),
    types: history.types.subarray(0, lo),
    times: history.times.subarray(0, lo),
  };
}

/** Items the customer already has, per the exclusion look-backs. */
function excludedItems(
  history: CustomerHistory | undefined,
  lookback: Float64Array,
  now: number | undefined,
): Set<number> {
  const out = new Set<number>();
  if (history === undefined) return out;
  const { items, types, times } = history;
  for (let t = 0; t < lookback.length; t++) {
    const span = lookback[t] as number;
    if (Number.isNaN(span)) continue;
    const cutoff = span === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : (now as number) - span;
    if (t === CART) {
      for (const i of openCart(history, cutoff)) out.add(i);
      continue;
    }
    for (let p = 0; p < items.length; p++) {
      if (types[p] === t && (times[p] as number) > cutoff) out.add(items[p] as number);
    }
  }
  return out;
}

/** Event types that can word a "because", strongest first. */
const BECAUSE_TYPES: readonly EventType[] = ['purchase', 'cart', 'wishlist', 'rate', 'view'];

function becauseEventOf(history: CustomerHistory | undefined, item: number): EventType | undefined {
  if (history === undefined || item < 0) return undefined;
  let best = BECAUSE_TYPES.length;
  for (let p = 0; p < history.items.length; p++) {
    if (history.items[p] !== item) continue;
    const at = BECAUSE_TYPES.indexOf(EVENT_TYPES[history.types[p] as number] as EventType);
    if (at >= 0 && at < best) best = at;
  }
  return BECAUSE_TYPES[best];
}

/**
 * Turns candidate sources into the list a shop shows, with an explanation per item. Steps, in
 * this order:
 * 1. filters (`options.filter`) drop candidates;
 * 2. exclusions drop what the customer already has (`options.exclude` over `context.history`);
 * 3. blend: each source's surviving scores are normalised (`options.normalize`) and summed with the
 *    source weights;
 * 4. boosts multiply (margin, promotion flag, item lists) and bury moves items below the rest —
 *    a factor above 1 always lifts and below 1 always lowers, also for negative raw scores
 *    (`normalize: 'none'`): the score moves by |score| · (factor − 1);
 * 5. the per-category cap skips items of full categories;
 * 6. pins take their slots; the other items fill the remaining slots in order.
 * Ties break on score (desc), then item index (asc), so results are deterministic. Cost:
 * O(C) for C candidates given best first (O(C log C) otherwise), plus O(k log C) to pick the list
 * and O(history); nothing scales with the catalog.
 *
 * Defaults: DEFAULT_RANK_OPTIONS. Throws INVALID_ARGUMENT for a malformed source (lengths that
 * differ, ids out of range or repeated, non-finite scores, a NaN or negative weight, a repeated
 * name), a malformed context, history or attribute table, an unknown category in the filter, k < 1,
 * a finite exclusion look-back without `context.now`, or pins sharing a slot or an item.
 *
 * @example
 * const list = rankItems(
 *   [
 *     { name: 'als', ids: als.ids, scores: als.scores, weight: 1 },
 *     mergeCandidates(lists, { name: 'bought-together', because: seeds, weight: 0.8 }),
 *   ],
 *   { attributes, history, now },
 *   { k: 12, filter: { inStock: true }, marginBoost: 0.5, maxPerCategory: 3, pins: [{ item: 42, slot: 0 }] },
 * );
 * list.explanations[0].because; // the customer's item behind the first recommendation
 */
export function rankItems(
  sources: readonly CandidateSource[],
  context: RankContext,
  options: RankOptions = {},
): RankedList {
  const where = 'ranking/rankItems';
  const c = checkOptions(where, context, ['attributes', 'history', 'now'], 'context');
  const attributes = checkAttributes(where, c.attributes);
  const now = c.now === undefined ? undefined : checkNow(where, c.now);
  const history = c.history === undefined ? undefined : historyUntil(checkHistory(where, c.history), now);
  if (!Array.isArray(sources)) throw invalidArgument(where, 'sources must be an array of CandidateSource', sources);
  const names = new Set<string>();
  sources.forEach((s, at) => {
    checkSource(where, s, at, attributes.items, names);
  });
  const r = resolve(where, options, attributes, now);

  // 1–2. The candidate pool: every distinct item once (a slot each, in order of first appearance),
  // then filters and exclusions.
  let entries = 0;
  let longest = 0;
  for (const s of sources) {
    entries += s.ids.length;
    longest = Math.max(longest, s.ids.length);
  }
  // The request's working arrays, all from one buffer (see RequestArrays); the pool is at most `entries`.
  const arrays = new RequestArrays(entries, longest);
  const table = slotTable(entries);
  const entrySlot = arrays.int32(entries);
  const poolItem = arrays.int32(entries);
  const lastSource = arrays.int32(entries);
  let pool = 0;
  let e = 0;
  sources.forEach((s, at) => {
    for (let p = 0; p < s.ids.length; p++) {
      const i = s.ids[p] as number;
      const cell = cellOf(table, i);
      let slot: number;
      if (table.keys[cell] === -1) {
        slot = pool++;
        table.keys[cell] = i;
        table.slots[cell] = slot;
        poolItem[slot] = i;
      } else {
        slot = table.slots[cell] as number;
        if (lastSource[slot] === at) throw invalidArgument(where, `sources[${at}].ids[${p}] repeats an item`, i);
      }
      lastSource[slot] = at;
      entrySlot[e++] = slot;
    }
  });
  const excluded = excludedItems(history, r.lookback, now);
  const eligible = arrays.uint8(pool);
  let filtered = 0;
  let excludedCount = 0;
  for (let slot = 0; slot < pool; slot++) {
    const i = poolItem[slot] as number;
    if (r.filter.active && !r.filter.test(i)) filtered++;
    else if (excluded.has(i)) excludedCount++;
    else eligible[slot] = 1;
  }

  // 3. Blend. Each contribution is kept as an entry, chained per slot, for the explanations.
  const score = arrays.float64(pool);
  const head = arrays.int32(pool).fill(-1);
  const next = arrays.int32(entries);
  const entrySource = arrays.int32(entries);
  const entryPosition = arrays.int32(entries);
  const entryRank = arrays.int32(entries);
  const entryContribution = arrays.float64(entries);
  // One source at a time: its survivors, their ranks and normalised scores (written before read).
  const slots = arrays.int32(longest);
  const positions = arrays.int32(longest);
  const values = arrays.float64(longest);
  const rank = arrays.int32(longest);
  const value = arrays.float64(longest);
  let first = 0;
  e = 0;
  sources.forEach((s, at) => {
    const weight = s.weight ?? 1;
    const { ids, scores } = s;
    let m = 0;
    for (let p = 0; p < ids.length; p++) {
      const slot = entrySlot[first + p] as number;
      if (eligible[slot] === 0) continue;
      slots[m] = slot;
      positions[m] = p;
      values[m++] = scores[p] as number;
    }
    first += ids.length;
    normalizeScores(values.subarray(0, m), r.normalize, r.rrfConstant, rank, value);
    for (let q = 0; q < m; q++) {
      const slot = slots[q] as number;
      const amount = weight * (value[q] as number);
      score[slot]! += amount;
      entrySource[e] = at;
      entryPosition[e] = positions[q] as number;
      entryRank[e] = rank[q] as number;
      entryContribution[e] = amount;
      next[e] = head[slot] as number;
      head[slot] = e++;
    }
  });

  // 4. Boosts and bury.
  const factor = arrays.float64(pool).fill(1);
  const buried = arrays.uint8(pool);
  const { margin, promoted, stock, category } = attributes;
  for (let slot = 0; slot < pool; slot++) {
    if (eligible[slot] === 0) continue;
    const i = poolItem[slot] as number;
    let f = 1;
    if (r.marginBoost > 0) {
      const mg = margin[i] as number;
      if (!Number.isNaN(mg)) f *= Math.max(0, 1 + r.marginBoost * mg);
    }
    if (promoted[i] === 1) f *= r.promotionBoost;
    f *= r.boostOf.get(i) ?? 1;
    factor[slot] = f;
    const s = score[slot] as number;
    score[slot] = s + Math.abs(s) * (f - 1);
    if (r.buried.has(i) || (r.buryOutOfStock && (stock[i] as number) <= 0)) buried[slot] = 1;
  }

  // 6 (first half). Pins that can be shown; their items leave the organic ranking.
  const pins: Pin[] = [];
  let pinsDropped = 0;
  const pinnedItems = new Set<number>();
  for (const pin of r.pins) {
    const ok = pin.slot < r.k && (!r.filter.active || r.filter.test(pin.item)) && !excluded.has(pin.item);
    if (ok) {
      pins.push(pin);
      pinnedItems.add(pin.item);
    } else pinsDropped++;
  }

  // 5. Take items best first (unburied, score desc, item asc) under the category cap. A heap pops
  // only as many as the list needs: O(P + (k + capped) log P) instead of sorting the whole pool.
  // Not core's TopKHeap, which keeps the k best of a stream: how many items this takes is not
  // known in advance (an item over its category's cap is skipped and the next one popped), so the
  // whole pool is heapified, best on top, and popped lazily; its order also puts every buried item
  // after the unburied ones whatever their scores.
  const better = (a: number, b: number): boolean =>
    buried[a] !== buried[b]
      ? (buried[a] as number) < (buried[b] as number)
      : score[a] !== score[b]
        ? (score[a] as number) > (score[b] as number)
        : (poolItem[a] as number) < (poolItem[b] as number);
  const heap = arrays.int32(pool);
  let size = 0;
  for (let slot = 0; slot < pool; slot++) {
    if (eligible[slot] === 1 && !pinnedItems.has(poolItem[slot] as number)) heap[size++] = slot;
  }
  for (let at = (size >> 1) - 1; at >= 0; at--) siftDown(heap, size, at, better);
  const perCategory = new Map<number, number>();
  const capped = Number.isFinite(r.maxPerCategory);
  if (capped) {
    for (const pin of pins) {
      const cat = category[pin.item] as number;
      if (cat >= 0) perCategory.set(cat, (perCategory.get(cat) ?? 0) + 1);
    }
  }
  const organic: number[] = [];
  let cappedCount = 0;
  while (size > 0 && organic.length < r.k - pins.length) {
    const slot = heap[0] as number;
    heap[0] = heap[--size] as number;
    siftDown(heap, size, 0, better);
    if (capped) {
      const cat = category[poolItem[slot] as number] as number;
      if (cat >= 0) {
        const have = perCategory.get(cat) ?? 0;
        if (have >= r.maxPerCategory) {
          cappedCount++;
          continue;
        }
        perCategory.set(cat, have + 1);
      }
    }
    organic.push(slot);
  }

  // 6 (second half). Interleave: a pin at its slot, or as soon as the organic items run out.
  const length = organic.length + pins.length;
  const ids = new Int32Array(length);
  const scores = new Float32Array(length);
  const explanations: Explanation[] = [];
  let nextPin = 0;
  let nextOrganic = 0;
  for (let pos = 0; pos < length; pos++) {
    const pin = pins[nextPin];
    const usePin = pin !== undefined && (pin.slot === pos || nextOrganic === organic.length);
    const item = usePin ? (pin as Pin).item : (poolItem[organic[nextOrganic] as number] as number);
    if (usePin) nextPin++;
    else nextOrganic++;
    const slot = slotOf(table, item);
    const known = slot >= 0 && eligible[slot] === 1;
    ids[pos] = item;
    scores[pos] = known ? (score[slot] as number) : 0;
    const contributions: Contribution[] = [];
    for (let x = known ? (head[slot] as number) : -1; x >= 0; x = next[x] as number) {
      const s = sources[entrySource[x] as number] as CandidateSource;
      const p = entryPosition[x] as number;
      contributions.push({
        source: s.name,
        reason: s.reason,
        score: s.scores[p] as number,
        rank: entryRank[x] as number,
        contribution: entryContribution[x] as number,
        because: s.because === undefined ? -1 : (s.because[p] as number),
      });
    }
    // Entries were chained newest source first; order by contribution, then source order.
    contributions.reverse();
    contributions.sort((a, b) => b.contribution - a.contribution);
    const because = contributions.find((x) => x.because >= 0)?.because ?? -1;
    explanations.push({
      contributions,
      because,
      becauseEvent: becauseEventOf(history, because),
      boost: known ? (factor[slot] as number) : 1,
      buried: known && buried[slot] === 1,
      pinned: usePin,
    });
  }
  return {
    ids,
    scores,
    explanations,
    report: { candidates: pool, filtered, excluded: excludedCount, capped: cappedCount, pinsDropped },
  };
}

/**
 * The working arrays of one rankItems call, cut from one zeroed ArrayBuffer: a request makes about
 * 25 of them, a few hundred entries each, and each typed array of its own costs ~1 µs to allocate
 * (most of rankItems' time before); one buffer of their total costs a few. Sized for `entries`
 * candidate entries (the pool is at most that) and sources of at most `longest`; handed out in
 * the order rankItems takes them, float64 first so that every view is aligned.
 */
class RequestArrays {
  readonly #buffer: ArrayBuffer;
  #float64 = 0;
  #int32: number;
  #uint8: number;

  constructor(entries: number, longest: number) {
    // float64: score, entryContribution, factor (entries each), values, value (longest each);
    // int32: 9 × entries, 3 × longest; uint8: eligible, buried.
    const f64 = 3 * entries + 2 * longest;
    const i32 = 9 * entries + 3 * longest;
    this.#int32 = 8 * f64;
    this.#uint8 = this.#int32 + 4 * i32;
    this.#buffer = new ArrayBuffer(this.#uint8 + 2 * entries);
  }

  float64(length: number): Float64Array {
    const view = new Float64Array(this.#buffer, this.#float64, length);
    this.#float64 += 8 * length;
    return view;
  }

  int32(length: number): Int32Array {
    const view = new Int32Array(this.#buffer, this.#int32, length);
    this.#int32 += 4 * length;
    return view;
  }

  uint8(length: number): Uint8Array {
    const view = new Uint8Array(this.#buffer, this.#uint8, length);
    this.#uint8 += length;
    return view;
  }
}

/** Restores the heap property (the best item on top) below position `at`. */
function siftDown(heap: Int32Array, size: number, at: number, better: (a: number, b: number) => boolean): void {
  const item = heap[at] as number;
  let i = at;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && better(heap[right] as number, heap[left] as number) ? right : left;
    if (!better(heap[child] as number, item)) break;
    heap[i] = heap[child] as number;
    i = child;
  }
  heap[i] = item;
}
