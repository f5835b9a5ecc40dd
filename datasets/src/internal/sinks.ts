import {
  EVENT_TYPES,
  type Event,
  type EventFields,
  type EventLogBuilder,
  type EventLogIds,
  type EventType,
  type IdMap,
} from '@encore/core';
import { ownString } from './fields.js';

/**
 * Where parsers put validated events. `fields` may be an object the parser reuses for the next
 * row: a sink must copy what it keeps.
 */
export interface EventSink {
  add(typeCode: number, timestamp: number, fields: EventFields): void;
}

/** Appends to an EventLogBuilder (the fast path of `loadDataset`). */
export class LogSink implements EventSink {
  readonly #builder: EventLogBuilder;
  readonly #typeCounts: Float64Array;
  readonly #users: IdMap;
  readonly #anonymous: IdMap;
  readonly #devices: IdMap;
  readonly #items: IdMap;
  /** Long values seen in the builder's own string columns (see `ownString`). */
  readonly #seen = new Set<string>();

  constructor(builder: EventLogBuilder, ids: Required<EventLogIds>, typeCounts: Float64Array) {
    this.#builder = builder;
    this.#typeCounts = typeCounts;
    this.#users = ids.users;
    this.#anonymous = ids.anonymous;
    this.#devices = ids.devices;
    this.#items = ids.items;
  }

  add(typeCode: number, timestamp: number, fields: EventFields): void {
    this.#typeCounts[typeCode]!++;
    // Intern a private copy of each long id the first time it is seen, so the IdMaps never pin
    // the 1 MiB chunks the ids were sliced from. Short ids (< 13 chars) are copies already.
    const { userId, anonymousId, deviceId, itemId, sessionId, orderId, channel, query } = fields;
    if (userId !== undefined && userId.length >= 13 && !this.#users.has(userId)) this.#users.intern(ownString(userId));
    if (anonymousId !== undefined && anonymousId.length >= 13 && !this.#anonymous.has(anonymousId)) {
      this.#anonymous.intern(ownString(anonymousId));
    }
    if (deviceId !== undefined && deviceId.length >= 13 && !this.#devices.has(deviceId)) {
      this.#devices.intern(ownString(deviceId));
    }
    if (itemId !== undefined && itemId.length >= 13 && !this.#items.has(itemId)) this.#items.intern(ownString(itemId));
    if (
      this.#isNew(sessionId) !== undefined ||
      this.#isNew(orderId) !== undefined ||
      this.#isNew(channel) !== undefined ||
      this.#isNew(query) !== undefined
    ) {
      fields = {
        ...fields,
        sessionId: this.#own(sessionId),
        orderId: this.#own(orderId),
        channel: this.#own(channel),
        query: this.#own(query),
      };
    }
    this.#builder.add(typeCode, timestamp, fields);
  }

  /** The value when it is long and not seen before, else undefined. */
  #isNew(value: string | undefined): string | undefined {
    return value !== undefined && value.length >= 13 && !this.#seen.has(value) ? value : undefined;
  }

  #own(value: string | undefined): string | undefined {
    if (value === undefined || value.length < 13 || this.#seen.has(value)) return value;
    const owned = ownString(value);
    this.#seen.add(owned);
    return owned;
  }
}

/** Collects Event objects into batches (the path of `readEvents`). */
export class BatchSink implements EventSink {
  #batch: Event[] = [];
  readonly #typeCounts: Float64Array;

  constructor(typeCounts: Float64Array) {
    this.#typeCounts = typeCounts;
  }

  get size(): number {
    return this.#batch.length;
  }

  add(typeCode: number, timestamp: number, fields: EventFields): void {
    this.#typeCounts[typeCode]!++;
    const event: { -readonly [K in keyof Event]: Event[K] } = {
      type: EVENT_TYPES[typeCode] as EventType,
      timestamp,
    };
    if (fields.userId !== undefined) event.userId = fields.userId;
    if (fields.anonymousId !== undefined) event.anonymousId = fields.anonymousId;
    if (fields.deviceId !== undefined) event.deviceId = fields.deviceId;
    if (fields.itemId !== undefined) event.itemId = fields.itemId;
    if (fields.quantity !== undefined) event.quantity = fields.quantity;
    if (fields.price !== undefined) event.price = fields.price;
    if (fields.rating !== undefined) event.rating = fields.rating;
    if (fields.channel !== undefined) event.channel = fields.channel;
    if (fields.sessionId !== undefined) event.sessionId = fields.sessionId;
    if (fields.orderId !== undefined) event.orderId = fields.orderId;
    if (fields.query !== undefined) event.query = fields.query;
    this.#batch.push(event);
  }

  /** The events collected since the last call. */
  take(): Event[] {
    const batch = this.#batch;
    this.#batch = [];
    return batch;
  }
}
