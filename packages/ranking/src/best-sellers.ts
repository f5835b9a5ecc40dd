import { checkBoolean, checkOneOf, type EventLog, eventTypeCode } from '@encore/core';
import type { CuratedList, CuratedOptions } from './curated.js';
import { checkDays, MS_PER_DAY } from './internal/options.js';
import { resolveCommon, selectByCategory, selectTop, type Tally } from './internal/shelf.js';

/** What "sells best" measures. */
export type SalesMeasure = 'units' | 'purchases' | 'revenue';

export interface BestSellersOptions extends CuratedOptions {
  /** Days before `now` that count (default 30). */
  readonly windowDays?: number;
  /**
   * 'units' (default): a purchase of quantity q counts q (no quantity: 1); 'purchases': each
   * purchase event counts 1, so one wholesale order does not outsell many shoppers; 'revenue':
   * units × the event's price, or the catalog price when the event has none (neither: 0).
   */
  readonly measure?: SalesMeasure;
  /**
   * Returns subtract (default true): a `return` of quantity q in the window takes back what a
   * purchase of q added. A best-seller shelf should show what stays sold; in Online Retail the
   * returns are cancelled invoices. Items whose net is ≤ 0 are not listed.
   */
  readonly subtractReturns?: boolean;
}

export const DEFAULT_BEST_SELLERS_OPTIONS: Readonly<{
  k: number;
  windowDays: number;
  measure: SalesMeasure;
  subtractReturns: boolean;
}> = Object.freeze({ k: 10, windowDays: 30, measure: 'units', subtractReturns: true });

const KEYS = ['windowDays', 'measure', 'subtractReturns'];
const PURCHASE = eventTypeCode('purchase');
const RETURN = eventTypeCode('return');

function tally(where: string, log: EventLog, options: BestSellersOptions, byCategory: boolean): Tally {
  const { common: c, o } = resolveCommon(where, log, options, KEYS, byCategory, DEFAULT_BEST_SELLERS_OPTIONS.k);
  const d = DEFAULT_BEST_SELLERS_OPTIONS;
  const window = checkDays(where, 'windowDays', o.windowDays ?? d.windowDays, true) * MS_PER_DAY;
  const measure = checkOneOf(where, 'measure', o.measure ?? d.measure, ['units', 'purchases', 'revenue'] as const);
  const subtract = checkBoolean(where, 'subtractReturns', o.subtractReturns ?? d.subtractReturns);
  const catalogPrice = c.attributes?.price;
  const start = c.now - window;
  const score = new Float64Array(c.n);
  const support = new Float64Array(c.n);
  const itemOf = log.item.values;
  const { quantity, price, type, timestamp } = log;
  let events = 0;
  let future = 0;
  for (let e = 0; e < log.length && itemOf !== null; e++) {
    const t = type[e] as number;
    if (t !== PURCHASE && !(subtract && t === RETURN)) continue;
    const i = itemOf[e] as number;
    if (i < 0) continue;
    const at = timestamp[e] as number;
    if (at > c.now) {
      future++;
      continue;
    }
    if (!(at > start)) continue;
    events++;
    const q = quantity === null ? Number.NaN : (quantity[e] as number);
    // Returns are stored with a positive quantity; take the size of either sign.
    const units = Number.isNaN(q) ? 1 : t === PURCHASE ? Math.max(0, q) : Math.abs(q);
    let amount = units;
    if (measure === 'purchases') amount = 1;
    else if (measure === 'revenue') {
      const p = price === null ? Number.NaN : (price[e] as number);
      const unitPrice = Number.isNaN(p) ? (catalogPrice?.[i] ?? Number.NaN) : p;
      amount = Number.isNaN(unitPrice) ? 0 : units * unitPrice;
    }
    if (t === PURCHASE) {
      score[i]! += amount;
      support[i]!++;
    } else score[i]! -= amount;
  }
  for (let i = 0; i < c.n; i++) if (!((score[i] as number) > 0)) score[i] = Number.NaN;
  return { c, score, support, events, future };
}

/**
 * Best sellers: items by net sales in the window (now − windowDays, now] — units by default,
 * returns subtracted (see BestSellersOptions). `support` is the number of purchase events. Events
 * after `now` are ignored and counted in `report.future`. O(events + items log items).
 *
 * Defaults: DEFAULT_BEST_SELLERS_OPTIONS. Throws INVALID_ARGUMENT for a malformed log, a missing or
 * non-finite `now`, k < 1, a window that is not > 0 days, an unknown measure, a category or filter
 * without `attributes` or naming an unknown category, attributes built for another item map.
 *
 * @example
 * const shelf = bestSellers(log, { now: Date.parse('2010-12-24T00:00:00Z'), windowDays: 7, k: 20 });
 * shelf.ids; // item indices of log.item.ids, best first
 */
export function bestSellers(log: EventLog, options: BestSellersOptions): CuratedList {
  return selectTop(tally('ranking/bestSellers', log, options, false));
}

/**
 * bestSellers for every category at once (k per category), keyed by category name: one pass over
 * the events for all shelves. Needs `attributes`; otherwise as bestSellers.
 *
 * @example
 * for (const [category, shelf] of bestSellersByCategory(log, { now, attributes })) cache.set(category, shelf);
 */
export function bestSellersByCategory(log: EventLog, options: BestSellersOptions): Map<string, CuratedList> {
  return selectByCategory(tally('ranking/bestSellersByCategory', log, options, true));
}
