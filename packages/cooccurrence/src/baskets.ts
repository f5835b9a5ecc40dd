import {
  type Csr,
  type CustomerAssignment,
  checkNumber,
  checkOneOf,
  checkOptions,
  defaultCustomers,
  EVENT_TYPES,
  type EventLog,
  type EventType,
  IdMap,
  invalidArgument,
} from '@encore/core';

/** What makes a basket: one order, one session, or one customer's events (within a window). */
export const BASKET_KINDS = Object.freeze(['order', 'session', 'customer'] as const);
export type BasketKind = (typeof BASKET_KINDS)[number];

export interface BasketMatrixOptions {
  /** Basket key (default 'order'): the event's orderId, sessionId, or customer. */
  readonly by?: BasketKind;
  /** Event types that put an item in a basket (default ['purchase']). */
  readonly types?: readonly EventType[];
  /** Only events in (now − windowDays, now] count (default: all events). */
  readonly windowDays?: number;
  /** End of the window, epoch ms (default: the log's latest timestamp; never the clock). */
  readonly now?: number;
  /** Customer of each event for `by: 'customer'` (default core's `defaultCustomers(log)`). */
  readonly customers?: CustomerAssignment;
}

export const DEFAULT_BASKET_MATRIX_OPTIONS: Readonly<{ by: BasketKind; types: readonly EventType[] }> = Object.freeze({
  by: 'order',
  types: Object.freeze(['purchase'] as EventType[]),
});

/** A binary baskets × items matrix and the ids naming its rows and columns. */
export interface BasketMatrix {
  /** Baskets × items, 1 where the item is in the basket. Columns are the log's item indices. */
  readonly matrix: Csr;
  /** Row ids: order ids, session ids or customer ids. */
  readonly ids: IdMap;
  /** Column ids: the log's item IdMap. */
  readonly items: IdMap;
}

const MS_PER_DAY = 86_400_000;

/**
 * The baskets × items matrix of an event log: rows are orders, sessions or customers (the
 * caller chooses what "together" means), columns the log's items, 1 where an event of one of
 * `types` put the item in the basket. One typed-array pass over the log with a basket
 * assignment (as core's `buildInteractions` takes), so matrices of one log with different event types share rows and columns — what
 * cross-occurrence needs. Events without the basket key (no orderId, say) are left out. Rows of
 * baskets without such events stay empty (they do not count as baskets in the scores).
 *
 * Throws INVALID_ARGUMENT for an unknown kind or event type, a bad window, or a customer
 * assignment of the wrong length.
 *
 * @example
 * const orders = basketMatrix(log, { by: 'order' });
 * const sessionsViewed = basketMatrix(log, { by: 'session', types: ['view'] });
 * const recentCustomers = basketMatrix(log, { by: 'customer', windowDays: 90 });
 */
export function basketMatrix(log: EventLog, options: BasketMatrixOptions = {}): BasketMatrix {
  const where = 'cooccurrence/basketMatrix';
  const o = checkOptions(where, options, ['by', 'types', 'windowDays', 'now', 'customers']);
  const by = checkOneOf(where, 'by', o.by ?? DEFAULT_BASKET_MATRIX_OPTIONS.by, BASKET_KINDS);
  const types = o.types ?? DEFAULT_BASKET_MATRIX_OPTIONS.types;
  if (!Array.isArray(types) || types.length === 0) {
    throw invalidArgument(where, 'types must be a non-empty array of event types', types);
  }
  const wanted = new Uint8Array(EVENT_TYPES.length);
  for (const t of types) wanted[EVENT_TYPES.indexOf(checkOneOf(where, 'types[]', t, EVENT_TYPES))] = 1;

  let assignment: CustomerAssignment;
  if (by === 'customer') {
    assignment = (o.customers as CustomerAssignment | undefined) ?? defaultCustomers(log);
    if (!(assignment.ofEvent instanceof Int32Array) || assignment.ofEvent.length !== log.length) {
      throw invalidArgument(where, 'customers.ofEvent must have one entry per event', assignment.ofEvent?.length);
    }
  } else {
    if (o.customers !== undefined) throw invalidArgument(where, "customers only applies to by: 'customer'", by);
    const column = by === 'order' ? log.order : log.session;
    assignment = {
      ids: column.values === null ? new IdMap() : column.ids,
      ofEvent: column.values ?? new Int32Array(log.length).fill(-1),
    };
  }

  let from = Number.NEGATIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  if (o.windowDays !== undefined) {
    const days = checkNumber(where, 'windowDays', o.windowDays, Number.MIN_VALUE);
    let now = o.now === undefined ? Number.NEGATIVE_INFINITY : checkNumber(where, 'now', o.now);
    if (o.now === undefined) for (let e = 0; e < log.length; e++) now = Math.max(now, log.timestamp[e] as number);
    from = now - days * MS_PER_DAY;
    to = now;
  } else if (o.now !== undefined) {
    throw invalidArgument(where, 'now only applies with windowDays', o.now);
  }
  const matrix = binaryMatrix(log, assignment, wanted, from, to);
  return { matrix, ids: assignment.ids, items: log.item.ids };
}

/**
 * One typed-array pass for a binary matrix (cheaper than the general `buildInteractions`, which
 * weighs, decays and merges values): count per row, scatter, then sort and dedupe each row
 * (insertion sort: rows are baskets, mostly short).
 */
function binaryMatrix(
  log: EventLog,
  assignment: CustomerAssignment,
  wanted: Uint8Array,
  from: number,
  to: number,
): Csr {
  const rows = assignment.ids.size;
  const cols = log.item.ids.size;
  const itemCol = log.item.values;
  const ofEvent = assignment.ofEvent;
  const { type, timestamp } = log;
  const windowed = from > Number.NEGATIVE_INFINITY;
  const start = new Int32Array(rows + 1);
  if (itemCol !== null) {
    for (let e = 0; e < log.length; e++) {
      const r = ofEvent[e] as number;
      if (r < 0 || wanted[type[e] as number] !== 1 || (itemCol[e] as number) < 0) continue;
      if (windowed && !((timestamp[e] as number) > from && (timestamp[e] as number) <= to)) continue;
      start[r + 1]!++;
    }
  }
  for (let r = 0; r < rows; r++) start[r + 1]! += start[r] as number;
  const raw = new Int32Array(start[rows] as number);
  const fill = start.slice(0, rows);
  if (itemCol !== null) {
    for (let e = 0; e < log.length; e++) {
      const r = ofEvent[e] as number;
      if (r < 0 || wanted[type[e] as number] !== 1 || (itemCol[e] as number) < 0) continue;
      if (windowed && !((timestamp[e] as number) > from && (timestamp[e] as number) <= to)) continue;
      raw[fill[r]!++] = itemCol[e] as number;
    }
  }
  const indptr = new Int32Array(rows + 1);
  let w = 0;
  for (let r = 0; r < rows; r++) {
    const s = start[r] as number;
    const e = start[r + 1] as number;
    if (e - s > 32) raw.subarray(s, e).sort();
    else {
      for (let p = s + 1; p < e; p++) {
        const v = raw[p] as number;
        let q = p - 1;
        while (q >= s && (raw[q] as number) > v) {
          raw[q + 1] = raw[q] as number;
          q--;
        }
        raw[q + 1] = v;
      }
    }
    const rowStart = w;
    for (let p = s; p < e; p++) {
      const v = raw[p] as number;
      if (w === rowStart || v !== raw[w - 1]) raw[w++] = v;
    }
    indptr[r + 1] = w;
  }
  const indices = w === raw.length ? raw : raw.slice(0, w);
  return { rows, cols, indptr, indices, data: new Float32Array(w).fill(1), times: null };
}
