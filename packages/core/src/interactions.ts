import { type Coo, type Csr, cooToCsr } from './csr.js';
import { invalidArgument } from './errors.js';
import type { EventLog } from './event-log.js';
import { ANONYMOUS_PREFIX, DEVICE_PREFIX, EVENT_TYPES, type EventType, isAnonymousCustomer } from './events.js';
import { IdMap } from './idmap.js';

export { ANONYMOUS_PREFIX, DEVICE_PREFIX, isAnonymousCustomer };

/**
 * Which customer each event belongs to: `ofEvent[row]` indexes `ids`, -1 when the event has no
 * customer key. The identity package produces this from stitched identities; `defaultCustomers`
 * gives the plain resolution without stitching.
 */
export interface CustomerAssignment {
  readonly ids: IdMap;
  readonly ofEvent: Int32Array;
}

/**
 * One customer per userId; events without a userId belong to their anonymousId, else deviceId,
 * named `anonymous:<anonymousId>` / `device:<deviceId>` (ANONYMOUS_PREFIX, DEVICE_PREFIX). No
 * stitching across keys.
 *
 * The names cannot collide with user ids because a userId starting with either prefix is
 * rejected at the boundary (`validateEvent`, the loaders); a log built without that check and
 * holding such a userId is an INVALID_ARGUMENT error here rather than two customers merged.
 *
 * @example
 * const { ids } = defaultCustomers(log); // ['17850', 'anonymous:guest-invoice:536414', 'device:d0', …]
 */
export function defaultCustomers(log: EventLog): CustomerAssignment {
  const ids = new IdMap();
  const ofEvent = new Int32Array(log.length).fill(-1);
  const u = log.user.values;
  const a = log.anonymous.values;
  const d = log.device.values;
  // Cache per source index so each distinct key is interned once.
  const userMap = new Int32Array(log.user.ids.size).fill(-1);
  const anonMap = new Int32Array(log.anonymous.ids.size).fill(-1);
  const devMap = new Int32Array(log.device.ids.size).fill(-1);
  for (let row = 0; row < log.length; row++) {
    let k = u === null ? -1 : (u[row] as number);
    if (k >= 0) {
      let c = userMap[k] as number;
      if (c < 0) {
        const id = log.user.ids.idAt(k);
        if (isAnonymousCustomer(id)) {
          throw invalidArgument(
            'core/defaultCustomers',
            `userId ${JSON.stringify(id)} starts with "${ANONYMOUS_PREFIX}" or "${DEVICE_PREFIX}", which name anonymous and device customers; expected events checked by validateEvent`,
            id,
          );
        }
        userMap[k] = c = ids.intern(id);
      }
      ofEvent[row] = c;
      continue;
    }
    k = a === null ? -1 : (a[row] as number);
    if (k >= 0) {
      let c = anonMap[k] as number;
      if (c < 0) anonMap[k] = c = ids.intern(ANONYMOUS_PREFIX + log.anonymous.ids.idAt(k));
      ofEvent[row] = c;
      continue;
    }
    k = d === null ? -1 : (d[row] as number);
    if (k >= 0) {
      let c = devMap[k] as number;
      if (c < 0) devMap[k] = c = ids.intern(DEVICE_PREFIX + log.device.ids.idAt(k));
      ofEvent[row] = c;
    }
  }
  return { ids, ofEvent };
}

/** Default weight of each event type in an interaction matrix. */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<EventType, number>> = Object.freeze({
  view: 1,
  cart: 3,
  remove_from_cart: 0,
  purchase: 5,
  wishlist: 2,
  rate: 1,
  search: 0,
  return: 0,
});

export interface InteractionOptions {
  /**
   * Weight per event type; types not listed weigh 0 and are left out. Default DEFAULT_EVENT_WEIGHTS.
   * `{ purchase: 1 }` builds a purchase-only matrix.
   */
  readonly weights?: Readonly<Partial<Record<EventType, number>>>;
  /** For `rate` events, multiply the weight by the rating (default false: a rating counts as one interaction). */
  readonly ratingAsWeight?: boolean;
  /** For `purchase` and `cart` events with a positive quantity, multiply the weight by it (default false). */
  readonly quantityAsWeight?: boolean;
  /**
   * Exponential time decay: an event `halfLifeDays` before `now` counts half. Requires `now`.
   * Default: no decay.
   */
  readonly halfLifeDays?: number;
  /** The reference time for decay, epoch ms. */
  readonly now?: number;
  /** How repeated (customer, item) events combine: 'sum' (default) or 'max'. */
  readonly combine?: 'sum' | 'max';
  /** Keep the latest timestamp of each (customer, item) pair in `matrix.times` (default false). */
  readonly keepTimes?: boolean;
  /** Customer of each event (from identity resolution). Default: `defaultCustomers(log)`. */
  readonly customers?: CustomerAssignment;
}

/** A customers × items matrix with the id maps that name its rows and columns. */
export interface Interactions {
  readonly customers: IdMap;
  readonly items: IdMap;
  readonly matrix: Csr;
}

const MS_PER_DAY = 86_400_000;

/**
 * Builds the customers × items interaction matrix of an event log in one pass over the events
 * (plus a counting sort; no comparison sort). Rows are every customer of the log and columns every
 * item of the log, so matrices built from one log with different weights (views, carts, purchases)
 * share their index spaces — what cross-occurrence needs.
 *
 * Events with weight 0, no customer or no item are left out (they are not errors: a search has no
 * item). INVALID_ARGUMENT for a negative or non-finite weight, or decay without `now`.
 *
 * @example
 * const { matrix } = buildInteractions(log, { weights: { purchase: 1 }, keepTimes: true });
 */
export function buildInteractions(log: EventLog, options: InteractionOptions = {}): Interactions {
  const where = 'core/buildInteractions';
  const weights = new Float64Array(EVENT_TYPES.length);
  const given = options.weights ?? DEFAULT_EVENT_WEIGHTS;
  for (const [type, w] of Object.entries(given)) {
    const code = EVENT_TYPES.indexOf(type as EventType);
    if (code < 0) throw invalidArgument(where, `unknown event type in weights: ${type}`, type);
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw invalidArgument(where, `weight of ${type} must be a finite number ≥ 0`, w);
    }
    weights[code] = w;
  }
  let decayRate = 0;
  const now = options.now ?? Number.NaN;
  if (options.halfLifeDays !== undefined) {
    if (!(options.halfLifeDays > 0)) throw invalidArgument(where, 'halfLifeDays must be > 0', options.halfLifeDays);
    if (!Number.isFinite(now)) throw invalidArgument(where, 'time decay needs `now` (epoch ms)', options.now);
    decayRate = Math.LN2 / (options.halfLifeDays * MS_PER_DAY);
  }
  const customers = options.customers ?? defaultCustomers(log);
  if (customers.ofEvent.length !== log.length) {
    throw invalidArgument(where, 'customers.ofEvent must have one entry per event', customers.ofEvent.length);
  }
  const itemCol = log.item.values;
  const ofEvent = customers.ofEvent;
  const rateCode = EVENT_TYPES.indexOf('rate');
  const purchaseCode = EVENT_TYPES.indexOf('purchase');
  const cartCode = EVENT_TYPES.indexOf('cart');
  const useRating = options.ratingAsWeight === true && log.rating !== null;
  const useQuantity = options.quantityAsWeight === true && log.quantity !== null;

  let kept = 0;
  if (itemCol !== null) {
    for (let e = 0; e < log.length; e++) {
      if ((weights[log.type[e] as number] as number) > 0 && (itemCol[e] as number) >= 0 && (ofEvent[e] as number) >= 0)
        kept++;
    }
  }
  const row = new Int32Array(kept);
  const col = new Int32Array(kept);
  const value = new Float32Array(kept);
  const time = options.keepTimes ? new Float64Array(kept) : null;
  let k = 0;
  if (itemCol !== null) {
    for (let e = 0; e < log.length; e++) {
      const type = log.type[e] as number;
      let w = weights[type] as number;
      const item = itemCol[e] as number;
      const customer = ofEvent[e] as number;
      if (!(w > 0) || item < 0 || customer < 0) continue;
      if (useRating && type === rateCode) {
        const r = (log.rating as Float32Array)[e] as number;
        if (!Number.isNaN(r)) w *= r;
      }
      if (useQuantity && (type === purchaseCode || type === cartCode)) {
        const q = (log.quantity as Float32Array)[e] as number;
        if (q > 0) w *= q;
      }
      const t = log.timestamp[e] as number;
      if (decayRate > 0) w *= Math.exp(-decayRate * Math.max(0, now - t));
      row[k] = customer;
      col[k] = item;
      value[k] = w;
      if (time !== null) time[k] = t;
      k++;
    }
  }
  const matrix = cooToCsr(
    { rows: customers.ids.size, cols: log.item.ids.size, row, col, value, time },
    { combine: options.combine ?? 'sum' },
  );
  return { customers: customers.ids, items: log.item.ids, matrix };
}

/**
 * Drops customers and items without any stored entry, renumbering both densely (in their old
 * order) and carrying per-entry times. Evaluation counts users and items this way: an item only
 * ever returned, or a customer who only searched, is not part of the catalog under test.
 */
export function compactInteractions(interactions: Interactions): Interactions {
  const { matrix } = interactions;
  const rowMap = new Int32Array(matrix.rows).fill(-1);
  const colMap = new Int32Array(matrix.cols).fill(-1);
  const customers = new IdMap();
  const items = new IdMap();
  for (let r = 0; r < matrix.rows; r++) {
    if ((matrix.indptr[r + 1] as number) > (matrix.indptr[r] as number)) {
      rowMap[r] = customers.intern(interactions.customers.idAt(r));
    }
  }
  for (let k = 0; k < matrix.indices.length; k++) colMap[matrix.indices[k]!] = 0;
  for (let c = 0; c < matrix.cols; c++) if (colMap[c] === 0) colMap[c] = items.intern(interactions.items.idAt(c));
  const indptr = new Int32Array(customers.size + 1);
  for (let r = 0; r < matrix.rows; r++) {
    const to = rowMap[r]!;
    if (to >= 0) indptr[to + 1] = matrix.indptr[r + 1]!;
  }
  // Rows keep their order, so entries keep their positions and only column numbers change.
  const indices = new Int32Array(matrix.indices.length);
  for (let k = 0; k < indices.length; k++) indices[k] = colMap[matrix.indices[k]!]!;
  return {
    customers,
    items,
    matrix: {
      rows: customers.size,
      cols: items.size,
      indptr,
      indices,
      data: matrix.data.slice(),
      times: matrix.times === null ? null : matrix.times.slice(),
    },
  };
}

/** The pairs of {@link interactionPairs} and the ids of their dense rows and columns. */
export interface InteractionPairs {
  readonly pairs: Coo;
  readonly customers: IdMap;
  readonly items: IdMap;
}

/**
 * The unique (customer, item) pairs of a log — each pair's value and latest time as
 * `buildInteractions` combines them with the same options — numbered densely (customers and items
 * without any pair are left out, as `compactInteractions` does), in the order each pair first
 * appears in the log.
 *
 * The order is what evaluation needs: Microsoft Recommenders' stratified split draws one random
 * key per row in file order, so splitting these pairs reproduces their train/test rows exactly for
 * a given seed. Throws as `buildInteractions`.
 *
 * @example
 * const { pairs } = interactionPairs(log, { weights: { rate: 1 }, ratingAsWeight: true });
 * const { train, test } = splitInteractions(pairs, { kind: 'item-stratified', ratio: 0.75, seed: 42 });
 */
export function interactionPairs(log: EventLog, options: InteractionOptions = {}): InteractionPairs {
  const customers = options.customers ?? defaultCustomers(log);
  const full = buildInteractions(log, { ...options, keepTimes: true, customers });
  const { indptr, indices, data } = full.matrix;
  const times = full.matrix.times as Float64Array;
  // Dense numbering in compactInteractions' order: non-empty rows, then used columns, each in index order.
  const customerIds = new IdMap();
  const rowMap = new Int32Array(full.matrix.rows).fill(-1);
  for (let r = 0; r < full.matrix.rows; r++) {
    if (indptr[r + 1]! > indptr[r]!) rowMap[r] = customerIds.intern(full.customers.idAt(r));
  }
  const itemIds = new IdMap();
  const colMap = new Int32Array(full.matrix.cols).fill(-1);
  for (let k = 0; k < indices.length; k++) colMap[indices[k]!] = 0;
  for (let c = 0; c < full.matrix.cols; c++) if (colMap[c] === 0) colMap[c] = itemIds.intern(full.items.idAt(c));

  const weights = options.weights ?? DEFAULT_EVENT_WEIGHTS;
  const counted = Uint8Array.from(EVENT_TYPES, (type) => ((weights[type] ?? 0) > 0 ? 1 : 0));
  const nnz = indices.length;
  const emitted = new Uint8Array(nnz);
  const row = new Int32Array(nnz);
  const col = new Int32Array(nnz);
  const value = new Float32Array(nnz);
  const time = new Float64Array(nnz);
  const itemOf = log.item.values;
  let n = 0;
  for (let e = 0; e < log.length && n < nnz && itemOf !== null; e++) {
    const r = customers.ofEvent[e]!;
    const c = itemOf[e]!;
    if (r < 0 || c < 0 || counted[log.type[e]!] !== 1) continue;
    // The pair's slot in row r: binary search over its ascending columns.
    let lo = indptr[r]!;
    let hi = indptr[r + 1]! - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indices[mid]! < c) lo = mid + 1;
      else hi = mid;
    }
    if (indices[lo] !== c || emitted[lo] === 1) continue;
    emitted[lo] = 1;
    row[n] = rowMap[r]!;
    col[n] = colMap[c]!;
    value[n] = data[lo]!;
    time[n] = times[lo]!;
    n++;
  }
  return {
    pairs: { rows: customerIds.size, cols: itemIds.size, row, col, value, time },
    customers: customerIds,
    items: itemIds,
  };
}
