import {
  type CustomerAssignment,
  checkEventLog,
  checkOptions,
  defaultCustomers,
  type EventLog,
  invalidArgument,
  TopKHeap,
} from '@encore/core';
import type { ItemAttributes } from '../attributes.js';
import type { CuratedList, CuratedReport } from '../curated.js';
import { categoryMask, compileFilter } from './item-filter.js';
import { checkAttributes, checkCustomers, checkK, checkNow } from './options.js';

/** The machinery the curated lists share: options, item selection, top-k overall and per category. */

export const COMMON_KEYS = ['now', 'k', 'category', 'filter', 'attributes'] as const;

export interface Common {
  readonly log: EventLog;
  /** Items: the log's item index space. */
  readonly n: number;
  readonly now: number;
  readonly k: number;
  readonly attributes: ItemAttributes | undefined;
  /** Which items may be listed; null: all. */
  readonly keep: ((item: number) => boolean) | null;
  /** The category codes of the `category` option (with those below it); null: all. */
  readonly categories: Uint8Array | null;
}

/**
 * Checks the log and the options shared by every list; `keys` are the list's own option names.
 * A per-category list (`byCategory`) needs attributes, as `category` and `filter` do.
 */
export function resolveCommon(
  where: string,
  log: unknown,
  options: unknown,
  keys: readonly string[],
  byCategory: boolean,
  defaultK: number,
): { common: Common; o: Record<string, unknown> } {
  const l = checkEventLog(where, 'log', log);
  const o = checkOptions(where, options, [...COMMON_KEYS, ...keys]);
  const n = l.item.ids.size;
  const now = checkNow(where, o.now);
  const k = checkK(where, o.k ?? defaultK);
  const attributes = o.attributes === undefined ? undefined : checkAttributes(where, o.attributes);
  if (attributes !== undefined && attributes.items !== n) {
    throw invalidArgument(
      where,
      `attributes cover ${attributes.items} items but the log has ${n}: build them from log.item.ids`,
      attributes.items,
    );
  }
  const needs = byCategory
    ? 'a per-category list'
    : o.category !== undefined
      ? 'category'
      : o.filter !== undefined
        ? 'filter'
        : null;
  if (needs !== null && attributes === undefined) {
    throw invalidArgument(where, `${needs} needs attributes (itemAttributes(catalog, log.item.ids))`, undefined);
  }
  let keep: Common['keep'] = null;
  let categories: Uint8Array | null = null;
  if (attributes !== undefined) {
    const filter = o.filter === undefined ? null : compileFilter(where, attributes, o.filter);
    if (o.category !== undefined) {
      if (typeof o.category !== 'string') throw invalidArgument(where, 'category must be a string', o.category);
      categories = categoryMask(where, 'category', attributes, [o.category]);
    }
    const mask = categories;
    const codes = attributes.category;
    if (filter?.active || mask !== null) {
      keep = (i) =>
        (mask === null || ((codes[i] as number) >= 0 && mask[codes[i] as number] === 1)) &&
        (filter === null || filter.test(i));
    }
  }
  return { common: { log: l, n, now, k, attributes, keep, categories }, o };
}

/** The customer of each event, as given or by `defaultCustomers`. */
export function customersOf(where: string, value: unknown, log: EventLog): CustomerAssignment {
  return value === undefined ? defaultCustomers(log) : checkCustomers(where, value, log);
}

function listOf(
  ids: ArrayLike<number>,
  score: Float64Array,
  support: Float64Array,
  report: CuratedReport,
): CuratedList {
  const m = ids.length;
  const out = { ids: new Int32Array(m), scores: new Float32Array(m), support: new Float32Array(m), report };
  for (let r = 0; r < m; r++) {
    const i = ids[r] as number;
    out.ids[r] = i;
    out.scores[r] = score[i] as number;
    out.support[r] = support[i] as number;
  }
  return out;
}

/**
 * What a curated list's pass over the events gives: per item a score (NaN for items not to list)
 * and a support, with the events counted and those after `now`.
 */
export interface Tally {
  readonly c: Common;
  readonly score: Float64Array;
  readonly support: Float64Array;
  readonly events: number;
  readonly future: number;
}

/**
 * The top k items of a tally: items with a finite score that may be listed (the category and
 * filter options), best first (score desc, then index asc), with core's TopKHeap.
 */
export function selectTop({ c, score, support, events, future }: Tally): CuratedList {
  const heap = new TopKHeap(Math.min(c.k, c.n));
  for (let i = 0; i < c.n; i++) {
    const s = score[i] as number;
    if (Number.isFinite(s) && (c.keep === null || c.keep(i))) heap.offer(s, i);
  }
  return listOf(heap.drain().ids, score, support, { events, future });
}

/**
 * The top k items of a tally in every category (of the `category` option, or all), keyed by category name
 * in category-code order. Every category gets an entry, empty when nothing qualifies, so a cache
 * refresh overwrites a stale list rather than leaving it. Items without a category are in none.
 */
export function selectByCategory({ c, score, support, events, future }: Tally): Map<string, CuratedList> {
  const report: CuratedReport = { events, future };
  const attributes = c.attributes as ItemAttributes;
  const { categories, category } = attributes;
  // The items that may be listed first, counted per category: each category's heap holds at most
  // what the category has (k may exceed that by far, and there may be many categories).
  const listable: number[] = [];
  const counts = new Int32Array(categories.length);
  for (let i = 0; i < c.n; i++) {
    const code = category[i] as number;
    if (code >= 0 && Number.isFinite(score[i] as number) && (c.keep === null || c.keep(i))) {
      listable.push(i);
      counts[code]!++;
    }
  }
  const heaps = Array.from(counts, (count) => new TopKHeap(Math.min(c.k, count)));
  for (const i of listable) heaps[category[i] as number]!.offer(score[i] as number, i);
  const out = new Map<string, CuratedList>();
  categories.forEach((name, code) => {
    if (c.categories === null || c.categories[code] === 1) {
      out.set(name, listOf((heaps[code] as TopKHeap).drain().ids, score, support, report));
    }
  });
  return out;
}

/**
 * Event rows ordered by (item, customer, time, row): what "one per customer and item" needs.
 * Rows without a customer (-1) sort first within their item.
 */
export function byItemAndCustomer(rows: Int32Array, log: EventLog, customers: CustomerAssignment): Int32Array {
  const item = log.item.values as Int32Array;
  const who = customers.ofEvent;
  const ts = log.timestamp;
  return rows.sort(
    (a, b) =>
      (item[a] as number) - (item[b] as number) ||
      (who[a] as number) - (who[b] as number) ||
      (ts[a] as number) - (ts[b] as number) ||
      a - b,
  );
}
