import {
  EVENT_TYPES,
  type Event,
  type EventFields,
  type EventLogBuilder,
  type EventLogIds,
  type EventType,
  emptyIndexedEventFields,
  type IdMap,
  type IndexedEventFields,
} from '@encore/core';

/** Position of each string column in RowCells (the order of core's IndexedEventFields). */
export const USER = 0;
export const ANONYMOUS = 1;
export const DEVICE = 2;
export const ITEM = 3;
export const SESSION = 4;
export const ORDER = 5;
export const CHANNEL = 6;
export const QUERY = 7;
const STRING_COLUMNS = 8;

/**
 * A validated row as places in the text it was read from, so a parser hands cells over without
 * slicing them: string column c is `text.slice(start[c], end[c])`, absent when `start[c] < 0`;
 * numbers are NaN when absent. Parsers reuse one RowCells for every row.
 */
export interface RowCells {
  readonly start: Int32Array;
  readonly end: Int32Array;
  quantity: number;
  price: number;
  rating: number;
}

export function emptyRowCells(): RowCells {
  return {
    start: new Int32Array(STRING_COLUMNS).fill(-1),
    end: new Int32Array(STRING_COLUMNS).fill(-1),
    quantity: Number.NaN,
    price: Number.NaN,
    rating: Number.NaN,
  };
}

/**
 * Where parsers put validated events. `fields` and `cells` may be objects the parser reuses for
 * the next row: a sink must copy what it keeps.
 */
export interface EventSink {
  add(typeCode: number, timestamp: number, fields: EventFields): void;
  /** The same event as `add` would get, with its string fields as ranges of `text`. */
  addCells(typeCode: number, timestamp: number, text: string, cells: RowCells): void;
}

/**
 * Appends to an EventLogBuilder (the fast path of `loadDataset`). `addCells` interns each cell in
 * place into the builder's id maps; the maps copy new long ids, so they never pin a file chunk.
 */
export class LogSink implements EventSink {
  readonly #builder: EventLogBuilder;
  readonly #typeCounts: Float64Array;
  readonly #ids: Readonly<Required<EventLogIds>>;
  readonly #row: IndexedEventFields = emptyIndexedEventFields();

  constructor(builder: EventLogBuilder, typeCounts: Float64Array) {
    this.#builder = builder;
    this.#typeCounts = typeCounts;
    this.#ids = builder.ids;
  }

  add(typeCode: number, timestamp: number, fields: EventFields): void {
    this.#typeCounts[typeCode]!++;
    // internRange over the whole value, so a new long id is stored as a copy: the maps never pin
    // the chunk a parser sliced the value from.
    const ids = this.#ids;
    const row = this.#row;
    row.user = internValue(ids.users, fields.userId);
    row.anonymous = internValue(ids.anonymous, fields.anonymousId);
    row.device = internValue(ids.devices, fields.deviceId);
    row.item = internValue(ids.items, fields.itemId);
    row.session = internValue(ids.sessions, fields.sessionId);
    row.order = internValue(ids.orders, fields.orderId);
    row.channel = internValue(ids.channels, fields.channel);
    row.query = internValue(ids.queries, fields.query);
    row.quantity = fields.quantity ?? Number.NaN;
    row.price = fields.price ?? Number.NaN;
    row.rating = fields.rating ?? Number.NaN;
    this.#builder.addIndexed(typeCode, timestamp, row);
  }

  addCells(typeCode: number, timestamp: number, text: string, cells: RowCells): void {
    this.#typeCounts[typeCode]!++;
    const { start, end } = cells;
    const ids = this.#ids;
    const row = this.#row;
    row.user = internCell(ids.users, text, start[USER]!, end[USER]!);
    row.anonymous = internCell(ids.anonymous, text, start[ANONYMOUS]!, end[ANONYMOUS]!);
    row.device = internCell(ids.devices, text, start[DEVICE]!, end[DEVICE]!);
    row.item = internCell(ids.items, text, start[ITEM]!, end[ITEM]!);
    row.session = internCell(ids.sessions, text, start[SESSION]!, end[SESSION]!);
    row.order = internCell(ids.orders, text, start[ORDER]!, end[ORDER]!);
    row.channel = internCell(ids.channels, text, start[CHANNEL]!, end[CHANNEL]!);
    row.query = internCell(ids.queries, text, start[QUERY]!, end[QUERY]!);
    row.quantity = cells.quantity;
    row.price = cells.price;
    row.rating = cells.rating;
    this.#builder.addIndexed(typeCode, timestamp, row);
  }
}

function internValue(ids: IdMap, value: string | undefined): number {
  return value === undefined ? -1 : ids.internRange(value, 0, value.length);
}

function internCell(ids: IdMap, text: string, start: number, end: number): number {
  return start < 0 ? -1 : ids.internRange(text, start, end);
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

  addCells(typeCode: number, timestamp: number, text: string, cells: RowCells): void {
    const { start, end } = cells;
    const cell = (c: number): string | undefined => (start[c]! < 0 ? undefined : text.slice(start[c], end[c]));
    const number = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);
    this.add(typeCode, timestamp, {
      userId: cell(USER),
      anonymousId: cell(ANONYMOUS),
      deviceId: cell(DEVICE),
      itemId: cell(ITEM),
      sessionId: cell(SESSION),
      orderId: cell(ORDER),
      channel: cell(CHANNEL),
      query: cell(QUERY),
      quantity: number(cells.quantity),
      price: number(cells.price),
      rating: number(cells.rating),
    });
  }

  /** The events collected since the last call. */
  take(): Event[] {
    const batch = this.#batch;
    this.#batch = [];
    return batch;
  }
}
