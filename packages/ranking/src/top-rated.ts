import {
  type CustomerAssignment,
  checkInteger,
  checkNumber,
  checkOneOf,
  type EventLog,
  eventTypeCode,
  invalidArgument,
} from '@encore/core';
import type { CuratedList, CuratedOptions } from './curated.js';
import { checkDays, MS_PER_DAY } from './internal/options.js';
import {
  byItemAndCustomer,
  customersOf,
  resolveCommon,
  selectByCategory,
  selectTop,
  type Tally,
} from './internal/shelf.js';

export interface TopRatedOptions extends CuratedOptions {
  /** Days before `now` whose ratings count (default Infinity: all; reviews stay relevant). */
  readonly windowDays?: number;
  /**
   * Where ratings come from: 'events' (default) — `rate` events, one per customer and item (their
   * latest; ratings without a customer count each); 'catalog' — the catalog's ratingMean and
   * ratingCount (a review system's aggregates; needs `attributes`; the window does not apply).
   */
  readonly ratings?: 'events' | 'catalog';
  /**
   * m, the weight of the prior in ratings (default 10): an item's average is pulled towards the
   * global mean as if it had m more ratings at that mean.
   */
  readonly priorWeight?: number;
  /** Fewest ratings for an item to be listed (default 5). */
  readonly minCount?: number;
  /** Lowest Bayesian average listed (default 4: the "4 stars and up" shelf on a 1–5 scale). */
  readonly minAverage?: number;
  /** Customer of each event, for one rating per customer (default `defaultCustomers(log)`). */
  readonly customers?: CustomerAssignment;
}

export const DEFAULT_TOP_RATED_OPTIONS: Readonly<{
  k: number;
  windowDays: number;
  ratings: 'events' | 'catalog';
  priorWeight: number;
  minCount: number;
  minAverage: number;
}> = Object.freeze({
  k: 10,
  windowDays: Number.POSITIVE_INFINITY,
  ratings: 'events',
  priorWeight: 10,
  minCount: 5,
  minAverage: 4,
});

const KEYS = ['windowDays', 'ratings', 'priorWeight', 'minCount', 'minAverage', 'customers'];
const RATE = eventTypeCode('rate');
/** Tolerance of the threshold, so an average of exactly 4 is not lost to rounding. */
const EPSILON = 1e-9;

function tally(where: string, log: EventLog, options: TopRatedOptions, byCategory: boolean): Tally {
  const { common: c, o } = resolveCommon(where, log, options, KEYS, byCategory, DEFAULT_TOP_RATED_OPTIONS.k);
  const d = DEFAULT_TOP_RATED_OPTIONS;
  const window = checkDays(where, 'windowDays', o.windowDays ?? d.windowDays, true) * MS_PER_DAY;
  const fromCatalog =
    checkOneOf(where, 'ratings', o.ratings ?? d.ratings, ['events', 'catalog'] as const) === 'catalog';
  if (fromCatalog && c.attributes === undefined) {
    throw invalidArgument(
      where,
      "ratings: 'catalog' needs attributes (itemAttributes(catalog, log.item.ids))",
      undefined,
    );
  }
  const m = checkNumber(where, 'priorWeight', o.priorWeight ?? d.priorWeight, 0);
  const minCount = checkInteger(where, 'minCount', o.minCount ?? d.minCount, 1);
  const minAverage = checkNumber(where, 'minAverage', o.minAverage ?? d.minAverage);
  const sum = new Float64Array(c.n);
  const count = new Float64Array(c.n);
  let events = 0;
  let future = 0;
  if (fromCatalog) {
    const { ratingMean, ratingCount } = c.attributes!;
    for (let i = 0; i < c.n; i++) {
      const mean = ratingMean[i] as number;
      const n = ratingCount[i] as number;
      if (!(n > 0) || Number.isNaN(mean)) continue;
      sum[i] = mean * n;
      count[i] = n;
    }
  } else {
    const customers = customersOf(where, o.customers, log);
    const itemOf = log.item.values;
    const rating = log.rating;
    const start = c.now - window;
    const rows: number[] = [];
    for (let e = 0; e < log.length && itemOf !== null && rating !== null; e++) {
      if (log.type[e] !== RATE || (itemOf[e] as number) < 0 || Number.isNaN(rating[e] as number)) continue;
      const t = log.timestamp[e] as number;
      if (t > c.now) future++;
      else if (t > start) rows.push(e);
    }
    const sorted = byItemAndCustomer(Int32Array.from(rows), log, customers);
    const who = customers.ofEvent;
    for (let p = 0; p < sorted.length; p++) {
      const e = sorted[p] as number;
      const u = who[e] as number;
      const i = (itemOf as Int32Array)[e] as number;
      // A customer's earlier ratings of the item are superseded by the latest (the next row).
      if (u >= 0 && p + 1 < sorted.length) {
        const f = sorted[p + 1] as number;
        if (who[f] === u && (itemOf as Int32Array)[f] === i) continue;
      }
      sum[i]! += (rating as Float32Array)[e] as number;
      count[i]!++;
      events++;
    }
  }
  let total = 0;
  let n = 0;
  for (let i = 0; i < c.n; i++) {
    total += sum[i] as number;
    n += count[i] as number;
  }
  const score = new Float64Array(c.n).fill(Number.NaN);
  if (n > 0) {
    const mean = total / n;
    for (let i = 0; i < c.n; i++) {
      const k = count[i] as number;
      if (k < minCount) continue;
      const average = (m * mean + (sum[i] as number)) / (m + k);
      if (average >= minAverage - EPSILON) score[i] = average;
    }
  }
  return { c, score, support: count, events, future };
}

/**
 * Top rated: items by Bayesian average (m·μ + Σ ratings) / (m + n), μ the mean of every rating
 * counted (all items, before any category restriction), m = `priorWeight`, n the item's ratings —
 * the weighted rating of IMDb's Top 250 — listed only with n ≥ `minCount` and an average ≥
 * `minAverage` (the 4-star shelf: few ratings cannot make a 5.0, and a popular 3.8 is not shown).
 * `support` is n. By default one rating per customer and item counts (their latest). Rate events
 * after `now` are counted in `report.future`.
 *
 * Defaults: DEFAULT_TOP_RATED_OPTIONS. Throws INVALID_ARGUMENT for a malformed log, a missing
 * `now`, k < 1, a negative prior weight, minCount < 1, a non-finite minAverage, `customers` of
 * another length, and as bestSellers for window, category, filter and attributes.
 *
 * @example
 * const shelf = topRated(log, { now, minCount: 20, minAverage: 4 });
 */
export function topRated(log: EventLog, options: TopRatedOptions): CuratedList {
  return selectTop(tally('ranking/topRated', log, options, false));
}

/**
 * topRated for every category at once (k per category; μ stays the shop-wide mean), keyed by
 * category name. Needs `attributes`; otherwise as topRated.
 *
 * @example
 * const shelves = topRatedByCategory(log, { now, attributes });
 */
export function topRatedByCategory(log: EventLog, options: TopRatedOptions): Map<string, CuratedList> {
  return selectByCategory(tally('ranking/topRatedByCategory', log, options, true));
}
