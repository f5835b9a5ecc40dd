import { type CustomerAssignment, type EventLog, eventTypeCode } from '@encore/core';
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

export interface MostWishedOptions extends CuratedOptions {
  /** Days before `now` that count (default 30). */
  readonly windowDays?: number;
  /** Customer of each event, to count each wisher once (default `defaultCustomers(log)`). */
  readonly customers?: CustomerAssignment;
}

export const DEFAULT_MOST_WISHED_OPTIONS: Readonly<{ k: number; windowDays: number }> = Object.freeze({
  k: 10,
  windowDays: 30,
});

const KEYS = ['windowDays', 'customers'];
const WISHLIST = eventTypeCode('wishlist');

function tally(where: string, log: EventLog, options: MostWishedOptions, byCategory: boolean): Tally {
  const { common: c, o } = resolveCommon(where, log, options, KEYS, byCategory, DEFAULT_MOST_WISHED_OPTIONS.k);
  const window = checkDays(where, 'windowDays', o.windowDays ?? DEFAULT_MOST_WISHED_OPTIONS.windowDays, true);
  const customers = customersOf(where, o.customers, log);
  const start = c.now - window * MS_PER_DAY;
  const itemOf = log.item.values;
  const rows: number[] = [];
  let future = 0;
  for (let e = 0; e < log.length && itemOf !== null; e++) {
    if (log.type[e] !== WISHLIST || (itemOf[e] as number) < 0) continue;
    const t = log.timestamp[e] as number;
    if (t > c.now) future++;
    else if (t > start) rows.push(e);
  }
  const sorted = byItemAndCustomer(Int32Array.from(rows), log, customers);
  const who = customers.ofEvent;
  const wishers = new Float64Array(c.n);
  const support = new Float64Array(c.n);
  for (let p = 0; p < sorted.length; p++) {
    const e = sorted[p] as number;
    const i = (itemOf as Int32Array)[e] as number;
    const u = who[e] as number;
    support[i]!++;
    // Rows are grouped by (item, customer): count a customer at their group's first row only.
    if (u >= 0 && p > 0) {
      const prev = sorted[p - 1] as number;
      if (who[prev] === u && (itemOf as Int32Array)[prev] === i) continue;
    }
    wishers[i]!++;
  }
  for (let i = 0; i < c.n; i++) if (wishers[i] === 0) wishers[i] = Number.NaN;
  return { c, score: wishers, support, events: sorted.length, future };
}

/**
 * Most wished: items by the number of distinct customers who added them to a wishlist in
 * (now − windowDays, now] (wishlist events without a customer count one each). `support` is the
 * number of wishlist events. Events after `now` are counted in `report.future`.
 *
 * Defaults: DEFAULT_MOST_WISHED_OPTIONS. Throws INVALID_ARGUMENT as bestSellers, and for
 * `customers` of another length.
 *
 * @example
 * const shelf = mostWished(log, { now, windowDays: 14 });
 */
export function mostWished(log: EventLog, options: MostWishedOptions): CuratedList {
  return selectTop(tally('ranking/mostWished', log, options, false));
}

/**
 * mostWished for every category at once (k per category), keyed by category name. Needs
 * `attributes`; otherwise as mostWished.
 *
 * @example
 * const shelves = mostWishedByCategory(log, { now, attributes });
 */
export function mostWishedByCategory(log: EventLog, options: MostWishedOptions): Map<string, CuratedList> {
  return selectByCategory(tally('ranking/mostWishedByCategory', log, options, true));
}
