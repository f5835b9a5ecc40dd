import { type EventLogBuilder, emptyIndexedEventFields, eventTypeCode, type Rng } from '@encore/core';
import type { SyntheticOptions } from '../synthetic.js';
import { poisson, sampleAlias } from './synthetic-sampling.js';
import type { SyntheticWorld } from './synthetic-world.js';

const SECOND = 1000;
const DAY = 86_400_000;
const VIEW = eventTypeCode('view');
const CART = eventTypeCode('cart');
const REMOVE = eventTypeCode('remove_from_cart');
const PURCHASE = eventTypeCode('purchase');
const WISHLIST = eventTypeCode('wishlist');
const RATE = eventTypeCode('rate');
const SEARCH = eventTypeCode('search');
const RETURN = eventTypeCode('return');

/** Longest session (views); keeps the per-session scratch buffers bounded. */
const MAX_VIEWS = 200;
/** Share of an identity-splitting customer's sessions that start before login. */
const PRE_LOGIN_SESSION_SHARE = 0.6;

/** What the simulation counted, for the dataset's truth. */
export interface SessionStats {
  sessions: number;
  orders: number;
  abandonedCarts: number;
  anonymousOwner: Int32Array;
  deviceOwner: Int32Array;
}

/**
 * Expected events per session, for sizing the builder up front (a growth would double memory).
 * Carts gain a few percent from bundle partners; the caller adds a safety margin.
 */
export function expectedEventsPerSession(o: Readonly<SyntheticOptions>): number {
  const views = Math.min(MAX_VIEWS, o.viewsPerSession);
  const carts = views * o.cartRate * 1.03;
  const afterCart = 1 + o.removeRate + (1 - o.abandonRate) * (1 + o.rateRate + o.returnRate);
  return o.searchRate + views * (1 + o.wishlistRate) + carts * (afterCart + 0.05);
}

class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Simulates every customer's sessions and appends their events to `builder`, customer by customer,
 * each customer's sessions in time order. Events go in by index (`addIndexed`): the builder's user
 * index c must be customer c and item index j item j; session, order, cookie and device ids are
 * interned once when made, channels and queries when used, so each id space keeps the order of
 * first appearance. One reused row object, scratch typed arrays for the cart: no per-event
 * allocations.
 */
export function simulateSessions(
  world: SyntheticWorld,
  o: Readonly<SyntheticOptions>,
  rng: Rng,
  builder: EventLogBuilder,
): SessionStats {
  const { itemPrice, itemCategory, itemQuality, categoryQueries, customerCluster } = world;
  const {
    categoryStart,
    categoryItems,
    categoryTables,
    globalTable,
    clusterTables,
    bundleOf,
    bundleStart,
    bundleItems,
  } = world;
  const nc = o.categories;
  const nItems = o.items;
  const span = o.days * DAY;
  const margin = Math.min(6 * 3600 * SECOND, span / 4);
  const now = o.now;

  const ids = builder.ids;
  const f = emptyIndexedEventFields();

  const cartItem = new Int32Array(MAX_VIEWS * 3);
  const cartQty = new Int32Array(MAX_VIEWS * 3);
  const bought = new Uint8Array(MAX_VIEWS * 3);
  let starts = new Float64Array(64);
  const anonymousOwner = new IntList();
  const deviceOwner = new IntList();
  let sessions = 0;
  let orders = 0;
  let abandonedCarts = 0;

  let cluster = 0;
  let t = 0;
  const pickItem = (): number => {
    if (rng.next() < o.tasteStrength) {
      const k = sampleAlias(clusterTables, cluster * nc, nc, rng);
      const start = categoryStart[k] as number;
      return categoryItems[
        start + sampleAlias(categoryTables, start, (categoryStart[k + 1] as number) - start, rng)
      ] as number;
    }
    return sampleAlias(globalTable, 0, nItems, rng);
  };
  const gap = (): number => 5 * SECOND + Math.floor(rng.next() * 115 * SECOND);
  const emit = (type: number, item: number, quantity: number, price: number): void => {
    f.item = item;
    f.quantity = quantity;
    f.price = price;
    builder.addIndexed(type, Math.min(t, now), f);
  };

  for (let c = 0; c < o.customers; c++) {
    const user = c;
    cluster = customerCluster[c] as number;
    const splitsIdentity = rng.next() < o.anonymousShare;
    let anonymous = -1;
    let device = -1;

    const count = 1 + poisson(o.sessionsPerCustomer - 1, rng);
    if (count > starts.length) starts = new Float64Array(count * 2);
    for (let s = 0; s < count; s++) starts[s] = Math.floor(now - span + rng.next() * (span - margin));
    const sorted = starts.subarray(0, count).sort();

    for (let s = 0; s < count; s++) {
      t = sorted[s] as number;
      sessions++;
      f.session = ids.sessions.intern(`s${sessions}`);
      const roll = rng.next();
      const app = roll >= 0.6 && roll < 0.9;
      f.channel = o.channels ? ids.channels.intern(roll < 0.6 ? 'web' : app ? 'app' : 'email') : -1;
      const views = Math.min(MAX_VIEWS, 1 + poisson(o.viewsPerSession - 1, rng));

      // Identity: some sessions start before login, keyed by a cookie (web) or a device (app);
      // rows after login carry both keys, which is what identity stitching links on.
      let loginAt = 0;
      f.user = user;
      f.anonymous = -1;
      f.device = -1;
      if (splitsIdentity && rng.next() < PRE_LOGIN_SESSION_SHARE) {
        loginAt = 1 + rng.int(views + 1); // may exceed `views`: browse and leave without logging in
        f.user = -1;
        if (app) {
          if (device < 0) {
            device = ids.devices.intern(`d${deviceOwner.length}`);
            deviceOwner.push(c);
          }
          f.device = device;
        } else {
          if (anonymous < 0) {
            anonymous = ids.anonymous.intern(`a${anonymousOwner.length}`);
            anonymousOwner.push(c);
          }
          f.anonymous = anonymous;
        }
      }

      let first = -1;
      if (rng.next() < o.searchRate) {
        first = pickItem();
        const queries = categoryQueries[itemCategory[first] as number] as readonly string[];
        f.query = ids.queries.intern(queries[rng.int(queries.length)] as string);
        f.item = -1;
        f.quantity = Number.NaN;
        f.price = Number.NaN;
        builder.addIndexed(SEARCH, Math.min(t, now), f);
        f.query = -1;
        t += gap();
      }

      let carted = 0;
      for (let v = 0; v < views; v++) {
        if (v === loginAt) f.user = user;
        const item = v === 0 && first >= 0 ? first : pickItem();
        emit(VIEW, item, Number.NaN, Number.NaN);
        t += gap();
        if (rng.next() < o.wishlistRate) {
          f.user = user; // wishlists need an account
          emit(WISHLIST, item, Number.NaN, Number.NaN);
          t += gap();
        }
        if (rng.next() >= o.cartRate || carted === cartItem.length || inCart(cartItem, carted, item)) continue;
        f.user = user; // so does the cart
        const qty = quantity(rng);
        cartItem[carted] = item;
        cartQty[carted++] = qty;
        emit(CART, item, qty, itemPrice[item] as number);
        t += gap();
        const b = bundleOf[item] as number;
        if (b < 0) continue;
        // Planted bundle: the other members join the cart with high probability.
        for (let m = bundleStart[b] as number; m < (bundleStart[b + 1] as number); m++) {
          const partner = bundleItems[m] as number;
          if (partner === item || rng.next() >= o.bundleStrength || inCart(cartItem, carted, partner)) continue;
          emit(VIEW, partner, Number.NaN, Number.NaN);
          t += gap();
          cartItem[carted] = partner;
          cartQty[carted++] = 1;
          emit(CART, partner, 1, itemPrice[partner] as number);
          t += gap();
        }
      }
      if (carted === 0) continue;

      // Checkout or abandon. Bundle members are never removed, so planted pairs stay whole.
      const checkout = rng.next() >= o.abandonRate;
      let kept = 0;
      for (let i = 0; i < carted; i++) {
        const item = cartItem[i] as number;
        bought[i] = 0;
        if (bundleOf[item] === -1 && rng.next() < o.removeRate) {
          emit(REMOVE, item, cartQty[i] as number, Number.NaN);
          t += gap();
        } else if (checkout) {
          bought[i] = 1;
          kept++;
        }
      }
      if (kept === 0) {
        abandonedCarts++;
        continue;
      }
      orders++;
      const order = ids.orders.intern(`o${orders}`);
      f.order = order;
      for (let i = 0; i < carted; i++) {
        const item = cartItem[i] as number;
        if (bought[i] === 1) emit(PURCHASE, item, cartQty[i] as number, itemPrice[item] as number);
      }
      const paidAt = t;

      // After the session: ratings and returns arrive days later (from email links), if before `now`.
      f.session = -1;
      f.anonymous = -1;
      f.device = -1;
      f.channel = o.channels ? ids.channels.intern('email') : -1;
      for (let i = 0; i < carted; i++) {
        if (bought[i] === 0) continue;
        const item = cartItem[i] as number;
        if (rng.next() < o.returnRate) {
          t = paidAt + Math.floor(DAY * (2 + rng.next() * 18));
          if (t <= now) emit(RETURN, item, cartQty[i] as number, itemPrice[item] as number);
        } else if (rng.next() < o.rateRate) {
          t = paidAt + Math.floor(DAY * (1 + rng.next() * 13));
          const stars = Math.round((itemQuality[item] as number) + 0.9 * centered(rng));
          f.order = -1;
          f.rating = Math.max(1, Math.min(5, stars));
          if (t <= now) emit(RATE, item, Number.NaN, Number.NaN);
          f.rating = Number.NaN;
          f.order = order;
        }
      }
      f.order = -1;
    }
  }
  return {
    sessions,
    orders,
    abandonedCarts,
    anonymousOwner: anonymousOwner.finish(),
    deviceOwner: deviceOwner.finish(),
  };
}

function inCart(cart: Int32Array, length: number, item: number): boolean {
  for (let i = 0; i < length; i++) if (cart[i] === item) return true;
  return false;
}

/** Mostly one, sometimes two or three. */
function quantity(rng: Rng): number {
  const u = rng.next();
  return u < 0.85 ? 1 : u < 0.96 ? 2 : 3;
}

/** A cheap bell-shaped variate in (-1.7, 1.7) with unit variance (sum of three uniforms, scaled). */
function centered(rng: Rng): number {
  return (rng.next() + rng.next() + rng.next() - 1.5) * 2;
}
