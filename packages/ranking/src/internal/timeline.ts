import { EVENT_TYPES, eventTypeCode, invalidArgument } from '@encore/core';
import type { CustomerHistory } from '../history.js';

/** Reading customer timelines: cart state, recency, and the boundary check of a history. */

const CART = eventTypeCode('cart');
const REMOVE = eventTypeCode('remove_from_cart');
const PURCHASE = eventTypeCode('purchase');

/**
 * Items of the open cart whose latest `cart` event is after `since` (epoch ms), most recently
 * added first. The history must be checked.
 */
export function openCart(history: CustomerHistory, since: number): Int32Array {
  const { items, types, times } = history;
  // Walk backwards: the first cart-related event met for an item is its latest.
  const seen = new Set<number>();
  const out: number[] = [];
  for (let p = items.length - 1; p >= 0; p--) {
    const t = types[p] as number;
    if (t !== CART && t !== REMOVE && t !== PURCHASE) continue;
    const i = items[p] as number;
    if (seen.has(i)) continue;
    seen.add(i);
    if (t === CART && (times[p] as number) > since) out.push(i);
  }
  return Int32Array.from(out);
}

/** Distinct items of events whose type is in `mask`, most recent first, at most `limit`. */
export function latestItems(history: CustomerHistory, mask: Uint8Array, limit: number): Int32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (let p = history.items.length - 1; p >= 0 && out.length < limit; p--) {
    if (mask[history.types[p] as number] !== 1) continue;
    const i = history.items[p] as number;
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return Int32Array.from(out);
}

/** A list of event type names as a mask over type codes. */
export function checkTypes(where: string, name: string, value: unknown): Uint8Array {
  if (!Array.isArray(value)) throw invalidArgument(where, `${name} must be an array of event types`, value);
  const mask = new Uint8Array(EVENT_TYPES.length);
  for (const type of value) {
    const code = typeof type === 'string' ? eventTypeCode(type) : -1;
    if (code < 0) throw invalidArgument(where, `${name}: unknown event type, expected one of ${EVENT_TYPES}`, type);
    mask[code] = 1;
  }
  return mask;
}

/**
 * A well-formed CustomerHistory, in O(events): typed arrays of one length, known type codes,
 * times non-decreasing (cart state and recency are read from the order).
 */
export function checkHistory(where: string, value: unknown): CustomerHistory {
  const h = value as CustomerHistory;
  if (
    typeof value !== 'object' ||
    value === null ||
    !(h.items instanceof Int32Array) ||
    !(h.types instanceof Uint8Array) ||
    !(h.times instanceof Float64Array)
  ) {
    throw invalidArgument(where, 'history must be a CustomerHistory ({ items, types, times } typed arrays)', value);
  }
  const n = h.items.length;
  if (h.types.length !== n || h.times.length !== n) {
    throw invalidArgument(where, 'history items, types and times must have the same length', {
      items: n,
      types: h.types.length,
      times: h.times.length,
    });
  }
  let previous = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < n; p++) {
    if ((h.types[p] as number) >= EVENT_TYPES.length) {
      throw invalidArgument(where, `history.types[${p}] is not an event type code`, h.types[p]);
    }
    const t = h.times[p] as number;
    if (!(t >= previous)) throw invalidArgument(where, `history.times must be non-decreasing (at ${p})`, t);
    previous = t;
  }
  return h;
}
