import { EncoreError, ErrorCode } from './errors.js';
import { EVENT_TYPES, type Event, type EventType, eventTypeCode } from './events.js';
import { IdMap } from './idmap.js';

/**
 * Events stored column by column in typed arrays: millions of events cost a few bytes each,
 * not an object each. String columns are interned through IdMaps; an absent value is -1
 * (interned columns) or NaN (numeric columns). Optional columns that no event uses are null.
 *
 * Rows keep the order in which events were appended (loaders append in file order).
 */
export interface EventLog {
  readonly length: number;
  /** Event type codes: index into EVENT_TYPES. */
  readonly type: Uint8Array;
  /** Milliseconds since the Unix epoch (UTC). */
  readonly timestamp: Float64Array;
  readonly user: InternedColumn;
  readonly anonymous: InternedColumn;
  readonly device: InternedColumn;
  readonly item: InternedColumn;
  readonly session: InternedColumn;
  readonly order: InternedColumn;
  readonly channel: InternedColumn;
  readonly query: InternedColumn;
  readonly quantity: Float32Array | null;
  readonly price: Float32Array | null;
  readonly rating: Float32Array | null;
}

/** An interned string column: `values[row]` indexes `ids`, -1 when the row has no value. */
export interface InternedColumn {
  readonly ids: IdMap;
  /** null when no row has a value. */
  readonly values: Int32Array | null;
}

/** The string fields of an event as the builder takes them (all optional). */
export interface EventFields {
  userId?: string | undefined;
  anonymousId?: string | undefined;
  deviceId?: string | undefined;
  itemId?: string | undefined;
  sessionId?: string | undefined;
  orderId?: string | undefined;
  channel?: string | undefined;
  query?: string | undefined;
  quantity?: number | undefined;
  price?: number | undefined;
  rating?: number | undefined;
}

/**
 * An event as the builder's index path takes it: each string column as an index into the matching
 * id map of `EventLogBuilder.ids` (-1 when absent), each numeric column as a number (NaN when
 * absent). A loader keeps one such object and overwrites it row after row.
 */
export interface IndexedEventFields {
  user: number;
  anonymous: number;
  device: number;
  item: number;
  session: number;
  order: number;
  channel: number;
  query: number;
  quantity: number;
  price: number;
  rating: number;
}

/** An IndexedEventFields with every column absent (-1 / NaN), to fill in and reuse. */
export function emptyIndexedEventFields(): IndexedEventFields {
  return {
    user: -1,
    anonymous: -1,
    device: -1,
    item: -1,
    session: -1,
    order: -1,
    channel: -1,
    query: -1,
    quantity: Number.NaN,
    price: Number.NaN,
    rating: Number.NaN,
  };
}

const INITIAL_CAPACITY = 1024;

/**
 * The first `length` entries of a column the builder is giving away: the column itself (a view)
 * when it is at least 3/4 full, so a large log is never held twice at its peak; a compact copy
 * otherwise, so a log never keeps more than a third of slack.
 */
function trim<T extends Uint8Array | Int32Array | Float32Array | Float64Array>(column: T, length: number): T {
  return (length * 4 >= column.length * 3 ? column.subarray(0, length) : column.slice(0, length)) as T;
}

class GrowableInterned {
  readonly ids: IdMap;
  values: Int32Array | null = null;
  constructor(ids: IdMap) {
    this.ids = ids;
  }
  set(row: number, capacity: number, id: string | undefined): void {
    if (id === undefined) {
      if (this.values !== null) this.values[row] = -1;
      return;
    }
    if (this.values === null) this.values = new Int32Array(capacity).fill(-1);
    this.values[row] = this.ids.intern(id);
  }
  /** Stores an index of `ids` (-1 = absent); INVALID_ARGUMENT for anything else. */
  setIndex(row: number, capacity: number, index: number, column: string): void {
    // One unsigned compare covers -1 ≤ index < size (and rejects NaN and fractions via `| 0`).
    if ((index | 0) !== index || (index + 1) >>> 0 > this.ids.size) {
      throw new EncoreError(
        ErrorCode.INVALID_ARGUMENT,
        `core/EventLogBuilder.addIndexed: ${column} index out of range, expected -1 or 0..${this.ids.size - 1}`,
        { value: index },
      );
    }
    if (this.values === null) {
      if (index < 0) return;
      this.values = new Int32Array(capacity).fill(-1);
    }
    this.values[row] = index;
  }
  grow(capacity: number): void {
    if (this.values === null) return;
    const next = new Int32Array(capacity).fill(-1);
    next.set(this.values);
    this.values = next;
  }
  finish(length: number): InternedColumn {
    const values = this.values === null ? null : trim(this.values, length);
    this.values = null;
    return { ids: this.ids, values };
  }
}

class GrowableFloat {
  values: Float32Array | null = null;
  set(row: number, capacity: number, v: number | undefined): void {
    if (v === undefined || Number.isNaN(v)) {
      if (this.values !== null) this.values[row] = Number.NaN;
      return;
    }
    if (this.values === null) this.values = new Float32Array(capacity).fill(Number.NaN);
    this.values[row] = v;
  }
  grow(capacity: number): void {
    if (this.values === null) return;
    const next = new Float32Array(capacity).fill(Number.NaN);
    next.set(this.values);
    this.values = next;
  }
  finish(length: number): Float32Array | null {
    const values = this.values === null ? null : trim(this.values, length);
    this.values = null;
    return values;
  }
}

/** Shared id spaces, so several logs (e.g. train and test files) can agree on indices. */
export interface EventLogIds {
  users?: IdMap;
  anonymous?: IdMap;
  devices?: IdMap;
  items?: IdMap;
  sessions?: IdMap;
  orders?: IdMap;
  channels?: IdMap;
  queries?: IdMap;
}

/**
 * Appends events into growable typed columns; `finish()` returns a compact EventLog.
 * The builder trusts its input: validate at the boundary (`validateEvent`) or in the loader.
 *
 * @example
 * const b = new EventLogBuilder();
 * b.append({ type: 'purchase', userId: 'u1', itemId: 'sku-9', timestamp: Date.now() });
 * const log = b.finish();
 */
export class EventLogBuilder {
  #length = 0;
  #capacity: number;
  #type: Uint8Array;
  #timestamp: Float64Array;
  readonly #user: GrowableInterned;
  readonly #anonymous: GrowableInterned;
  readonly #device: GrowableInterned;
  readonly #item: GrowableInterned;
  readonly #session: GrowableInterned;
  readonly #order: GrowableInterned;
  readonly #channel: GrowableInterned;
  readonly #query: GrowableInterned;
  readonly #quantity = new GrowableFloat();
  readonly #price = new GrowableFloat();
  readonly #rating = new GrowableFloat();

  constructor(options: { capacity?: number; ids?: EventLogIds } = {}) {
    const capacity = Math.max(16, Math.trunc(options.capacity ?? INITIAL_CAPACITY));
    this.#capacity = capacity;
    this.#type = new Uint8Array(capacity);
    this.#timestamp = new Float64Array(capacity);
    this.#user = new GrowableInterned(options.ids?.users ?? new IdMap());
    this.#anonymous = new GrowableInterned(options.ids?.anonymous ?? new IdMap());
    this.#device = new GrowableInterned(options.ids?.devices ?? new IdMap());
    this.#item = new GrowableInterned(options.ids?.items ?? new IdMap());
    this.#session = new GrowableInterned(options.ids?.sessions ?? new IdMap());
    this.#order = new GrowableInterned(options.ids?.orders ?? new IdMap());
    this.#channel = new GrowableInterned(options.ids?.channels ?? new IdMap());
    this.#query = new GrowableInterned(options.ids?.queries ?? new IdMap());
    this.ids = Object.freeze({
      users: this.#user.ids,
      anonymous: this.#anonymous.ids,
      devices: this.#device.ids,
      items: this.#item.ids,
      sessions: this.#session.ids,
      orders: this.#order.ids,
      channels: this.#channel.ids,
      queries: this.#query.ids,
    });
  }

  /**
   * The id map of each string column (those given in `options.ids`, new ones for the rest). A
   * loader interns into them (`IdMap.intern` or `internRange`) and appends with `addIndexed`.
   */
  readonly ids: Readonly<Required<EventLogIds>>;

  get length(): number {
    return this.#length;
  }

  /** The item id space (loaders use it to attach catalog entries to interned items). */
  get items(): IdMap {
    return this.#item.ids;
  }

  /** Appends a validated Event. */
  append(event: Event): number {
    return this.add(eventTypeCode(event.type), event.timestamp, event);
  }

  /**
   * Appends one event given its type code (see `eventTypeCode`), timestamp (epoch ms) and fields.
   * The fast path for loaders. Returns the row index.
   */
  add(typeCode: number, timestamp: number, fields: EventFields): number {
    if (typeCode < 0 || typeCode >= EVENT_TYPES.length) {
      throw new EncoreError(ErrorCode.INVALID_EVENT, `core/EventLogBuilder.add: unknown event type code`, {
        value: typeCode,
      });
    }
    const row = this.#length;
    if (row === this.#capacity) this.#grow();
    const cap = this.#capacity;
    this.#type[row] = typeCode;
    this.#timestamp[row] = timestamp;
    this.#user.set(row, cap, fields.userId);
    this.#anonymous.set(row, cap, fields.anonymousId);
    this.#device.set(row, cap, fields.deviceId);
    this.#item.set(row, cap, fields.itemId);
    this.#session.set(row, cap, fields.sessionId);
    this.#order.set(row, cap, fields.orderId);
    this.#channel.set(row, cap, fields.channel);
    this.#query.set(row, cap, fields.query);
    this.#quantity.set(row, cap, fields.quantity);
    this.#price.set(row, cap, fields.price);
    this.#rating.set(row, cap, fields.rating);
    this.#length = row + 1;
    return row;
  }

  /**
   * Appends one event whose string columns are already interned into `ids` (see
   * IndexedEventFields): the fast path for parsers that intern cells in place and for generators
   * that know their indices. Same checks and result as `add` with the matching strings; an index
   * outside -1..size-1 of its map is an INVALID_ARGUMENT error (nothing is appended). Returns the
   * row index.
   *
   * @example
   * const b = new EventLogBuilder();
   * const row = emptyIndexedEventFields();
   * row.user = b.ids.users.intern('u1');
   * row.item = b.ids.items.intern('sku-9');
   * b.addIndexed(eventTypeCode('view'), Date.now(), row);
   */
  addIndexed(typeCode: number, timestamp: number, fields: Readonly<IndexedEventFields>): number {
    if (typeCode < 0 || typeCode >= EVENT_TYPES.length) {
      throw new EncoreError(ErrorCode.INVALID_EVENT, `core/EventLogBuilder.addIndexed: unknown event type code`, {
        value: typeCode,
      });
    }
    const row = this.#length;
    if (row === this.#capacity) this.#grow();
    const cap = this.#capacity;
    // Interned columns first: a bad index throws before the row counts.
    this.#user.setIndex(row, cap, fields.user, 'user');
    this.#anonymous.setIndex(row, cap, fields.anonymous, 'anonymous');
    this.#device.setIndex(row, cap, fields.device, 'device');
    this.#item.setIndex(row, cap, fields.item, 'item');
    this.#session.setIndex(row, cap, fields.session, 'session');
    this.#order.setIndex(row, cap, fields.order, 'order');
    this.#channel.setIndex(row, cap, fields.channel, 'channel');
    this.#query.setIndex(row, cap, fields.query, 'query');
    this.#type[row] = typeCode;
    this.#timestamp[row] = timestamp;
    this.#quantity.set(row, cap, fields.quantity);
    this.#price.set(row, cap, fields.price);
    this.#rating.set(row, cap, fields.rating);
    this.#length = row + 1;
    return row;
  }

  #grow(): void {
    if (this.#capacity >= 0x7fffffff) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, 'core/EventLogBuilder: more than 2^31 - 1 events', {
        value: this.#capacity,
      });
    }
    const capacity = Math.min(0x7fffffff, this.#capacity * 2);
    const type = new Uint8Array(capacity);
    type.set(this.#type);
    this.#type = type;
    const ts = new Float64Array(capacity);
    ts.set(this.#timestamp);
    this.#timestamp = ts;
    for (const c of [
      this.#user,
      this.#anonymous,
      this.#device,
      this.#item,
      this.#session,
      this.#order,
      this.#channel,
      this.#query,
    ]) {
      c.grow(capacity);
    }
    for (const c of [this.#quantity, this.#price, this.#rating]) c.grow(capacity);
    this.#capacity = capacity;
  }

  /**
   * Returns the log and hands its columns over without copying them when they are mostly full.
   * The builder is then empty and can start a new log over the same id spaces; the returned log
   * never shares memory with what the builder writes next.
   */
  finish(): EventLog {
    const n = this.#length;
    const type = trim(this.#type, n);
    const timestamp = trim(this.#timestamp, n);
    this.#length = 0;
    this.#capacity = INITIAL_CAPACITY;
    this.#type = new Uint8Array(INITIAL_CAPACITY);
    this.#timestamp = new Float64Array(INITIAL_CAPACITY);
    return {
      length: n,
      type,
      timestamp,
      user: this.#user.finish(n),
      anonymous: this.#anonymous.finish(n),
      device: this.#device.finish(n),
      item: this.#item.finish(n),
      session: this.#session.finish(n),
      order: this.#order.finish(n),
      channel: this.#channel.finish(n),
      query: this.#query.finish(n),
      quantity: this.#quantity.finish(n),
      price: this.#price.finish(n),
      rating: this.#rating.finish(n),
    };
  }
}

/** Builds an EventLog from validated events. */
export function eventLogFrom(events: Iterable<Event>, ids?: EventLogIds): EventLog {
  const builder = new EventLogBuilder(ids ? { ids } : {});
  for (const e of events) builder.append(e);
  return builder.finish();
}

/** Reads row `row` of a log back as an Event object (for inspection, export and tests). */
export function eventAt(log: EventLog, row: number): Event {
  if (!Number.isInteger(row) || row < 0 || row >= log.length) {
    throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `core/eventAt: row out of range 0..${log.length - 1}`, {
      value: row,
    });
  }
  const str = (c: InternedColumn): string | undefined => {
    const v = c.values?.[row] ?? -1;
    return v < 0 ? undefined : c.ids.idAt(v);
  };
  const num = (c: Float32Array | null): number | undefined => {
    const v = c?.[row];
    return v === undefined || Number.isNaN(v) ? undefined : v;
  };
  return {
    type: EVENT_TYPES[log.type[row] as number] as EventType,
    timestamp: log.timestamp[row] as number,
    userId: str(log.user),
    anonymousId: str(log.anonymous),
    deviceId: str(log.device),
    itemId: str(log.item),
    sessionId: str(log.session),
    orderId: str(log.order),
    channel: str(log.channel),
    query: str(log.query),
    quantity: num(log.quantity),
    price: num(log.price),
    rating: num(log.rating),
  };
}

/** Counts of events per type, in EVENT_TYPES order, as a Map for reporting. */
export function countEventTypes(log: EventLog): Map<EventType, number> {
  const counts = new Float64Array(EVENT_TYPES.length);
  for (let i = 0; i < log.length; i++) counts[log.type[i]!]!++;
  const out = new Map<EventType, number>();
  EVENT_TYPES.forEach((t, i) => {
    if ((counts[i] as number) > 0) out.set(t, counts[i] as number);
  });
  return out;
}
