import {
  type CustomerAssignment,
  checkEventLog,
  checkInteger,
  checkOptions,
  defaultCustomers,
  type EventLog,
  type EventType,
  type IdMap,
} from '@encore/core';
import { checkCustomers, checkNow } from './internal/options.js';
import { checkHistory, checkTypes, latestItems, openCart } from './internal/timeline.js';

/**
 * One customer's timeline: what they did with which item, oldest first (ties keep log order).
 * Plain typed arrays, so a backend with its own event store can build one directly.
 */
export interface CustomerHistory {
  /** Item index of each event. */
  readonly items: Int32Array;
  /** Event type code of each event (index into EVENT_TYPES). */
  readonly types: Uint8Array;
  /** Epoch ms of each event, non-decreasing. */
  readonly times: Float64Array;
}

/**
 * Every customer's timeline in one CSR layout: customer u's events are
 * `indptr[u] .. indptr[u + 1]` of `items`, `types` and `times`, oldest first.
 */
export interface CustomerHistories {
  /** The customer id space (row u is `customers.idAt(u)`). */
  readonly customers: IdMap;
  readonly indptr: Int32Array;
  readonly items: Int32Array;
  readonly types: Uint8Array;
  readonly times: Float64Array;
  readonly report: {
    /** Events kept. */
    readonly events: number;
    /** Events after `now`, left out (a log replayed for an earlier date, or clock skew). */
    readonly future: number;
    /** Events without an item (searches) or without a customer, left out. */
    readonly unusable: number;
  };
}

export interface CustomerHistoryOptions {
  /** Customer of each event (from identity resolution). Default: `defaultCustomers(log)`. */
  readonly customers?: CustomerAssignment;
  /** Leave out events after this time (epoch ms). Default: keep every event. */
  readonly now?: number;
}

/**
 * Groups a log's events by customer into timelines (what exclusions and cold start read), in
 * O(events) plus a sort of any customer whose rows are out of time order. Build it once per log
 * and take each customer's view with `historyOf`.
 *
 * Throws INVALID_ARGUMENT for a malformed log, a `customers` assignment of another length, a
 * non-finite `now`, or unknown options.
 *
 * @example
 * const histories = customerHistories(log, { now });
 * const history = historyOf(histories, '17850');
 */
export function customerHistories(log: EventLog, options: CustomerHistoryOptions = {}): CustomerHistories {
  const where = 'ranking/customerHistories';
  checkEventLog(where, 'log', log);
  const o = checkOptions(where, options, ['customers', 'now']);
  const customers = o.customers === undefined ? defaultCustomers(log) : checkCustomers(where, o.customers, log);
  const now = o.now === undefined ? Number.POSITIVE_INFINITY : checkNow(where, o.now);
  const rows = customers.ids.size;
  const ofEvent = customers.ofEvent;
  const itemOf = log.item.values;
  const ts = log.timestamp;
  const indptr = new Int32Array(rows + 1);
  let future = 0;
  let unusable = 0;
  for (let e = 0; e < log.length; e++) {
    const u = ofEvent[e] as number;
    if (u < 0 || itemOf === null || (itemOf[e] as number) < 0) {
      unusable++;
      continue;
    }
    if ((ts[e] as number) > now) {
      future++;
      continue;
    }
    indptr[u + 1]!++;
  }
  for (let u = 0; u < rows; u++) indptr[u + 1]! += indptr[u] as number;
  const total = indptr[rows] as number;
  const order = new Int32Array(total);
  const fill = indptr.slice(0, rows);
  for (let e = 0; e < log.length && itemOf !== null; e++) {
    const u = ofEvent[e] as number;
    if (u < 0 || (itemOf[e] as number) < 0 || (ts[e] as number) > now) continue;
    order[fill[u]!++] = e;
  }
  // Logs are mostly in time order per customer; sort only the timelines that are not.
  for (let u = 0; u < rows; u++) {
    const from = indptr[u] as number;
    const to = indptr[u + 1] as number;
    for (let p = from + 1; p < to; p++) {
      if ((ts[order[p]!] as number) < (ts[order[p - 1]!] as number)) {
        order.subarray(from, to).sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
        break;
      }
    }
  }
  const items = new Int32Array(total);
  const types = new Uint8Array(total);
  const times = new Float64Array(total);
  for (let p = 0; p < total; p++) {
    const e = order[p] as number;
    items[p] = (itemOf as Int32Array)[e] as number;
    types[p] = log.type[e] as number;
    times[p] = ts[e] as number;
  }
  return {
    customers: customers.ids,
    indptr,
    items,
    types,
    times,
    report: Object.freeze({ events: total, future, unusable }),
  };
}

/**
 * One customer's timeline (views into `histories`, no copy). A customer id the histories do not
 * know is a new visitor: an empty history, not an error. An index outside the rows is
 * INVALID_ARGUMENT.
 *
 * @example
 * const history = historyOf(histories, ANONYMOUS_PREFIX + cookieId);
 */
export function historyOf(histories: CustomerHistories, customer: number | string): CustomerHistory {
  const where = 'ranking/historyOf';
  const rows = histories.indptr.length - 1;
  let u: number;
  if (typeof customer === 'string') {
    u = histories.customers.indexOf(customer);
    if (u >= rows) u = -1; // interned after the histories were built
  } else {
    u = checkInteger(where, 'customer', customer, 0, rows - 1);
  }
  const from = u < 0 ? 0 : (histories.indptr[u] as number);
  const to = u < 0 ? 0 : (histories.indptr[u + 1] as number);
  return {
    items: histories.items.subarray(from, to),
    types: histories.types.subarray(from, to),
    times: histories.times.subarray(from, to),
  };
}

/**
 * The customer's open cart: items with a `cart` event not followed by a `remove_from_cart` or a
 * `purchase` of the same item, most recently added first. O(history).
 *
 * Throws INVALID_ARGUMENT for a malformed history (see CustomerHistory).
 *
 * @example
 * cartItems(history); // Int32Array [17, 4]
 */
export function cartItems(history: CustomerHistory): Int32Array {
  const h = checkHistory('ranking/cartItems', history);
  return openCart(h, Number.NEGATIVE_INFINITY);
}

export interface RecentItemsOptions {
  /** Event types that count (default view, cart, purchase, wishlist, rate). */
  readonly types?: readonly EventType[];
  /** Most items returned (default 10). */
  readonly limit?: number;
}

export const DEFAULT_RECENT_ITEMS_OPTIONS: Readonly<{ types: readonly EventType[]; limit: number }> = Object.freeze({
  types: Object.freeze(['view', 'cart', 'purchase', 'wishlist', 'rate'] as EventType[]),
  limit: 10,
});

/**
 * The distinct items of the customer's latest events of `types`, most recent first: the seeds for
 * "because you viewed X" candidates. O(history).
 *
 * Defaults: DEFAULT_RECENT_ITEMS_OPTIONS. Throws INVALID_ARGUMENT for a malformed history, an
 * unknown event type or a limit that is not an integer ≥ 1.
 *
 * @example
 * recentItems(history, { types: ['purchase'], limit: 5 });
 */
export function recentItems(history: CustomerHistory, options: RecentItemsOptions = {}): Int32Array {
  const where = 'ranking/recentItems';
  const h = checkHistory(where, history);
  const o = checkOptions(where, options, ['types', 'limit']);
  const d = DEFAULT_RECENT_ITEMS_OPTIONS;
  const mask = checkTypes(where, 'types', o.types ?? d.types);
  const limit = checkInteger(where, 'limit', o.limit ?? d.limit, 1);
  return latestItems(h, mask, limit);
}
