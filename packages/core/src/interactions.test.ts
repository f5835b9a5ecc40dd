import { describe, expect, it } from 'vitest';
import { rowView } from './csr.js';
import { ErrorCode } from './errors.js';
import { countEventTypes, EventLogBuilder, emptyIndexedEventFields, eventAt, eventLogFrom } from './event-log.js';
import { checkId, type Event, validateEvent } from './events.js';
import { IdMap } from './idmap.js';
import {
  ANONYMOUS_PREFIX,
  buildInteractions,
  compactInteractions,
  DEVICE_PREFIX,
  defaultCustomers,
  interactionPairs,
  isAnonymousCustomer,
} from './interactions.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

const events: Event[] = [
  { type: 'view', userId: 'alice', itemId: 'tent', timestamp: T0 },
  { type: 'cart', userId: 'alice', itemId: 'tent', timestamp: T0 + 1 },
  { type: 'purchase', userId: 'alice', itemId: 'tent', timestamp: T0 + 2, quantity: 2, price: 99, orderId: 'o1' },
  { type: 'view', anonymousId: 'cookie-9', itemId: 'stove', timestamp: T0 + DAY },
  { type: 'view', deviceId: 'ios-1', itemId: 'tent', timestamp: T0 + 2 * DAY },
  { type: 'search', userId: 'bob', query: 'camping with kids', timestamp: T0 + 3 * DAY },
  { type: 'rate', userId: 'bob', itemId: 'stove', rating: 4, timestamp: T0 + 4 * DAY },
  { type: 'return', userId: 'alice', itemId: 'tent', quantity: 1, timestamp: T0 + 5 * DAY },
];

describe('EventLogBuilder', () => {
  it('round-trips every event through the columns', () => {
    const log = eventLogFrom(events);
    expect(log.length).toBe(events.length);
    events.forEach((e, i) => {
      const back = eventAt(log, i);
      for (const [k, v] of Object.entries(e)) expect(back[k as keyof Event]).toEqual(v);
      expect(validateEvent(back).ok).toBe(true);
    });
    expect(log.rating).not.toBeNull();
    expect(log.channel.values).toBeNull(); // no event used it: no column allocated
    expect(countEventTypes(log).get('view')).toBe(3);
  });

  it('grows past its initial capacity without losing rows', () => {
    const b = new EventLogBuilder({ capacity: 16 });
    for (let i = 0; i < 1000; i++) {
      b.add(0, i, { userId: `u${i % 7}`, itemId: `i${i % 13}`, price: i === 999 ? 5 : undefined });
    }
    const log = b.finish();
    expect(log.length).toBe(1000);
    expect(log.user.ids.size).toBe(7);
    expect(eventAt(log, 998).price).toBeUndefined();
    expect(eventAt(log, 999)).toMatchObject({ userId: 'u5', itemId: 'i11', timestamp: 999, price: 5 });
  });

  it('hands a full log over without sharing memory with the next one', () => {
    const b = new EventLogBuilder({ capacity: 16 });
    for (let i = 0; i < 16; i++) b.add(0, i, { userId: 'u', itemId: `i${i}`, rating: 1 });
    const first = b.finish();
    expect(b.length).toBe(0);
    for (let i = 0; i < 16; i++) b.add(3, 100 + i, { userId: 'v', itemId: 'x', rating: 5 });
    const second = b.finish();
    expect(first.length).toBe(16);
    expect(eventAt(first, 15)).toMatchObject({ type: 'view', userId: 'u', itemId: 'i15', timestamp: 15, rating: 1 });
    expect(eventAt(second, 0)).toMatchObject({ type: 'purchase', userId: 'v', itemId: 'x', timestamp: 100, rating: 5 });
    expect(first.user.ids).toBe(second.user.ids); // same id space
  });

  it('addIndexed builds the same log as add, through the id maps it exposes', () => {
    const sessions = new IdMap();
    const b = new EventLogBuilder({ ids: { sessions } });
    expect(b.ids.sessions).toBe(sessions);
    const row = emptyIndexedEventFields();
    for (const e of events) {
      const index = (map: IdMap, id: string | undefined): number => (id === undefined ? -1 : map.intern(id));
      row.user = index(b.ids.users, e.userId);
      row.anonymous = index(b.ids.anonymous, e.anonymousId);
      row.device = index(b.ids.devices, e.deviceId);
      row.item = index(b.ids.items, e.itemId);
      row.session = index(b.ids.sessions, e.sessionId);
      row.order = index(b.ids.orders, e.orderId);
      row.channel = index(b.ids.channels, e.channel);
      row.query = index(b.ids.queries, e.query);
      row.quantity = e.quantity ?? Number.NaN;
      row.price = e.price ?? Number.NaN;
      row.rating = e.rating ?? Number.NaN;
      b.addIndexed(
        ['view', 'cart', 'remove_from_cart', 'purchase', 'wishlist', 'rate', 'search', 'return'].indexOf(e.type),
        e.timestamp,
        row,
      );
    }
    const log = b.finish();
    const reference = eventLogFrom(events);
    for (let i = 0; i < events.length; i++) expect(eventAt(log, i)).toEqual(eventAt(reference, i));
    expect(log.channel.values).toBeNull();
  });

  it('addIndexed rejects an index outside its map and appends nothing', () => {
    const b = new EventLogBuilder();
    const row = emptyIndexedEventFields();
    row.user = b.ids.users.intern('u1');
    row.item = 1; // no item 1 yet
    expect(() => b.addIndexed(0, 0, row)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    row.item = -2;
    expect(() => b.addIndexed(0, 0, row)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    row.item = 0.5;
    expect(() => b.addIndexed(0, 0, row)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => b.addIndexed(99, 0, row)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_EVENT }));
    expect(b.length).toBe(0);
    row.item = b.ids.items.intern('sku');
    b.addIndexed(0, 7, row);
    expect(eventAt(b.finish(), 0)).toMatchObject({ type: 'view', userId: 'u1', itemId: 'sku', timestamp: 7 });
  });

  it('rejects an unknown type code and an out-of-range row', () => {
    expect(() => new EventLogBuilder().add(99, 0, {})).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_EVENT }),
    );
    expect(() => eventAt(eventLogFrom([]), 0)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});

describe('defaultCustomers', () => {
  it('keys on userId, else anonymousId, else deviceId, kept apart by readable prefixes', () => {
    const log = eventLogFrom(events);
    const { ids, ofEvent } = defaultCustomers(log);
    expect(ids.ids()).toEqual(['alice', 'anonymous:cookie-9', 'device:ios-1', 'bob']);
    expect([ANONYMOUS_PREFIX, DEVICE_PREFIX]).toEqual(['anonymous:', 'device:']);
    expect([...ofEvent]).toEqual([0, 0, 0, 1, 2, 3, 3, 0]);
    expect(ids.ids().every((id) => checkId(id) === undefined)).toBe(true); // no NUL any more
  });

  it('a guest of Online Retail reads anonymous:guest-invoice:<invoice>', () => {
    const log = eventLogFrom([{ type: 'purchase', anonymousId: 'guest-invoice:536414', itemId: 'x', timestamp: T0 }]);
    expect(defaultCustomers(log).ids.ids()).toEqual(['anonymous:guest-invoice:536414']);
  });

  it('cannot collide: validateEvent rejects a userId with a reserved prefix, and so does defaultCustomers', () => {
    for (const userId of ['anonymous:cookie-9', 'device:ios-1', 'anonymous:']) {
      const checked = validateEvent({ type: 'view', userId, itemId: 'x', timestamp: T0 });
      expect(checked.ok, userId).toBe(false);
      if (!checked.ok) {
        expect(checked.error.code).toBe(ErrorCode.INVALID_EVENT);
        expect(checked.error.reason).toBe(
          'userId must not start with "anonymous:" or "device:" (reserved for anonymous and device customers)',
        );
      }
    }
    // ids that merely contain the words are fine
    expect(validateEvent({ type: 'view', userId: 'Anonymous:x', itemId: 'x', timestamp: T0 }).ok).toBe(true);
    expect(validateEvent({ type: 'view', userId: 'my-device:1', itemId: 'x', timestamp: T0 }).ok).toBe(true);
    // a log built without validation is refused rather than merged with the cookie's customer
    const log = eventLogFrom([...events, { type: 'view', userId: 'anonymous:cookie-9', itemId: 'x', timestamp: 1 }]);
    expect(() => defaultCustomers(log)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => buildInteractions(log)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });

  it('isAnonymousCustomer tells guests (anonymous and device customers) from users', () => {
    const { ids } = defaultCustomers(eventLogFrom(events));
    expect(ids.ids().filter((id) => !isAnonymousCustomer(id))).toEqual(['alice', 'bob']);
    expect(isAnonymousCustomer('anonymous:guest-invoice:536414')).toBe(true);
    expect(isAnonymousCustomer('device:d0')).toBe(true);
    expect(isAnonymousCustomer('17850')).toBe(false);
    expect(isAnonymousCustomer('')).toBe(false);
  });
});

describe('buildInteractions', () => {
  it('applies default weights: view 1 + cart 3 + purchase 5, returns and searches left out', () => {
    const log = eventLogFrom(events);
    const { customers, items, matrix } = buildInteractions(log);
    expect(matrix.rows).toBe(customers.size);
    expect(matrix.cols).toBe(items.size);
    const alice = rowView(matrix, customers.indexOf('alice'));
    expect([...alice.indices]).toEqual([items.indexOf('tent')]);
    expect([...alice.data]).toEqual([9]);
    const bob = rowView(matrix, customers.indexOf('bob'));
    expect([...bob.data]).toEqual([1]);
  });

  it('builds per-type matrices over shared index spaces, with ratings, quantities and times', () => {
    const log = eventLogFrom(events);
    const purchases = buildInteractions(log, { weights: { purchase: 1 }, quantityAsWeight: true, keepTimes: true });
    const views = buildInteractions(log, { weights: { view: 1 } });
    expect(purchases.matrix.cols).toBe(views.matrix.cols);
    expect(purchases.matrix.rows).toBe(views.matrix.rows);
    expect([...purchases.matrix.data]).toEqual([2]);
    expect([...(purchases.matrix.times ?? [])]).toEqual([T0 + 2]);
    const ratings = buildInteractions(log, { weights: { rate: 1 }, ratingAsWeight: true });
    expect([...ratings.matrix.data]).toEqual([4]);
  });

  it('decays by half-life relative to now', () => {
    const log = eventLogFrom([
      { type: 'view', userId: 'u', itemId: 'a', timestamp: T0 },
      { type: 'view', userId: 'u', itemId: 'b', timestamp: T0 + 10 * DAY },
    ]);
    const { matrix } = buildInteractions(log, { weights: { view: 1 }, halfLifeDays: 10, now: T0 + 10 * DAY });
    expect(matrix.data[0]).toBeCloseTo(0.5, 6);
    expect(matrix.data[1]).toBeCloseTo(1, 6);
  });

  it('rejects bad weights and decay without now', () => {
    const log = eventLogFrom(events);
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT });
    expect(() => buildInteractions(log, { weights: { view: -1 } })).toThrow(invalid);
    expect(() => buildInteractions(log, { weights: { clicks: 1 } as never })).toThrow(invalid);
    expect(() => buildInteractions(log, { halfLifeDays: 7 })).toThrow(invalid);
    expect(() => buildInteractions(log, { halfLifeDays: 0, now: 1 })).toThrow(invalid);
  });
});

describe('compactInteractions', () => {
  it('drops empty rows and columns and renumbers densely, keeping entries', () => {
    const log = eventLogFrom(events);
    const full = buildInteractions(log, { weights: { purchase: 1, rate: 1 }, keepTimes: true });
    expect(full.matrix.rows).toBe(4); // alice, the cookie, the device, bob
    const c = compactInteractions(full);
    expect(c.customers.ids()).toEqual(['alice', 'bob']);
    expect(c.items.ids()).toEqual(['tent', 'stove']);
    expect([...c.matrix.indptr]).toEqual([0, 1, 2]);
    expect([...c.matrix.indices]).toEqual([0, 1]);
    expect([...(c.matrix.times ?? [])]).toEqual([T0 + 2, T0 + 4 * DAY]);
  });
});

describe('interactionPairs', () => {
  it('gives unique pairs in order of first appearance, densely numbered, values and times merged', () => {
    const log = eventLogFrom([
      { type: 'search', userId: 'zoe', query: 'tent', timestamp: 1 }, // no item: zoe has no pair
      { type: 'rate', userId: 'bob', itemId: 'stove', rating: 4, timestamp: 10 },
      { type: 'rate', userId: 'ann', itemId: 'tent', rating: 5, timestamp: 20 },
      { type: 'view', userId: 'ann', itemId: 'lamp', timestamp: 25 }, // not counted with these weights
      { type: 'rate', userId: 'bob', itemId: 'tent', rating: 2, timestamp: 30 },
      { type: 'rate', userId: 'bob', itemId: 'stove', rating: 3, timestamp: 40 }, // repeat: merged
    ]);
    const { pairs, customers, items } = interactionPairs(log, { weights: { rate: 1 }, ratingAsWeight: true });
    expect(customers.ids()).toEqual(['bob', 'ann']);
    expect(items.ids()).toEqual(['stove', 'tent']);
    expect([pairs.rows, pairs.cols]).toEqual([2, 2]);
    const named = [...pairs.row].map((r, e) => [
      customers.idAt(r),
      items.idAt(pairs.col[e]!),
      pairs.value[e],
      pairs.time?.[e],
    ]);
    expect(named).toEqual([
      ['bob', 'stove', 7, 40],
      ['ann', 'tent', 5, 20],
      ['bob', 'tent', 2, 30],
    ]);
  });
});
