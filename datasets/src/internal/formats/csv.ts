import {
  ANONYMOUS_PREFIX,
  checkTimestamp,
  DEVICE_PREFIX,
  EVENT_TYPES,
  eventTypeCode,
  IdMap,
  isAnonymousCustomer,
  parseTimestamp,
  RATING_RANGE,
} from '@encore/core';
import { EVENT_FIELDS, type EventField } from '../../options.js';
import {
  fitsFloat32,
  idProblem,
  isPlainDecimal,
  parseDecimalRange,
  parseDigits,
  parseDigitsRange,
  splitCommaRanges,
  splitPlain,
  splitQuoted,
} from '../fields.js';
import { emptyRowFields, type FormatSpec } from '../format-spec.js';
import { ANONYMOUS, CHANNEL, DEVICE, emptyRowCells, ITEM, ORDER, QUERY, SESSION, USER } from '../sinks.js';
import { parseError } from '../tally.js';

const SEARCH = eventTypeCode('search');
const RATE = eventTypeCode('rate');
const TYPE_LIST = EVENT_TYPES.join(', ');

/**
 * Generic event CSV with a header; columns map to event fields through `options.columns` (default:
 * header names that are event field names). Each row is validated exactly as core's
 * `validateEvent` would validate the object `{ field: cell }` built from its non-empty mapped cells
 * (with the type passed through `options.typeMap`) — same decisions, same reasons — but without
 * building that object: the hot loop checks the cells and calls the sink directly.
 *
 * Two paths give the same decisions. The fast path reads a plain line in place (cell offsets, no
 * substrings; ids interned by range) and only ever accepts; any line it cannot accept as it is
 * (quotes, control characters, a check that fails, an unusual number) goes to the general path,
 * which splits it into strings and finds the reason exactly as before.
 *
 * With `options.type` every row is an event of that type and no column may map to `type`.
 *
 * Counts: `ignoredColumns` (header columns mapped to no field).
 */
export const CSV: FormatSpec = {
  what: 'an event CSV file',
  encoding: 'utf8',
  countKeys: ['ignoredColumns'],
  skipKeys: [],
  create({ where, path, sink, tally, options }) {
    const cells: string[] = [];
    const fields = emptyRowFields();
    const typeMap = options.typeMap;
    const fixedType = options.type;
    const fixedCode = fixedType === null ? -1 : eventTypeCode(fixedType);
    const { from, to } = options.timeRange;
    let width = 0;
    // Column index of each field, -1 when absent.
    let typeCol = -1;
    let tsCol = -1;
    let userCol = -1;
    let anonCol = -1;
    let deviceCol = -1;
    let itemCol = -1;
    let channelCol = -1;
    let sessionCol = -1;
    let orderCol = -1;
    let queryCol = -1;
    let quantityCol = -1;
    let priceCol = -1;
    let ratingCol = -1;

    // Fast path state: raw type value → type code (-1 = maps to no type), cell offsets of a line.
    const typeNames = new IdMap();
    const typeCodes: number[] = [];
    if (typeMap !== null) {
      for (const [raw, type] of typeMap) {
        typeNames.intern(raw);
        typeCodes.push(typeCodeOf(type));
      }
    }
    for (const type of EVENT_TYPES) {
      if (typeMap?.has(type)) continue;
      typeNames.intern(type);
      typeCodes.push(eventTypeCode(type));
    }
    let cellStart = new Int32Array(0);
    let cellEnd = new Int32Array(0);
    const row = emptyRowCells();

    const cell = (col: number): string | undefined => {
      if (col < 0) return undefined;
      const value = cells[col] as string;
      return value.length === 0 ? undefined : value;
    };

    // The general path: the line split into strings, checked field by field to find the reason.
    const line = (line: string, lineNo: number) => {
      const n = line.indexOf('"') < 0 ? splitPlain(line, ',', cells) : splitQuoted(line, ',', cells);
      if (typeof n === 'string') return tally.reject(lineNo, n);
      if (n !== width)
        return tally.reject(lineNo, `expected ${width} comma-separated fields as in the header, found ${n}`);

      // The checks below follow validateEvent step by step (same order, same reasons).
      const rawType = fixedType ?? cell(typeCol);
      const type = rawType === undefined ? undefined : (typeMap?.get(rawType) ?? rawType);
      const code = type === undefined ? -1 : typeCodeOf(type);
      if (code < 0)
        return tally.reject(lineNo, `unknown event type ${JSON.stringify(type)}, expected one of ${TYPE_LIST}`);
      const userId = cell(userCol);
      const anonymousId = cell(anonCol);
      const deviceId = cell(deviceCol);
      const itemId = cell(itemCol);
      const channel = cell(channelCol);
      const sessionId = cell(sessionCol);
      const orderId = cell(orderCol);
      const problem =
        fieldProblem('userId', userId) ??
        fieldProblem('anonymousId', anonymousId) ??
        fieldProblem('deviceId', deviceId) ??
        fieldProblem('itemId', itemId) ??
        fieldProblem('channel', channel) ??
        fieldProblem('sessionId', sessionId) ??
        fieldProblem('orderId', orderId);
      if (problem !== undefined) return tally.reject(lineNo, problem);
      if (userId !== undefined && isAnonymousCustomer(userId)) return tally.reject(lineNo, RESERVED_USER_ID);
      if (userId === undefined && anonymousId === undefined && deviceId === undefined) {
        return tally.reject(lineNo, 'event needs a customer key: userId, anonymousId or deviceId');
      }
      const query = cell(queryCol);
      if (query !== undefined && query.length > 2048) {
        return tally.reject(lineNo, 'query must be a string of at most 2048 characters');
      }
      if (code === SEARCH) {
        if (query === undefined || query.trim() === '')
          return tally.reject(lineNo, 'search event needs a non-empty query');
      } else if (itemId === undefined) {
        return tally.reject(lineNo, `${type} event needs an itemId`);
      }
      const tsText = cell(tsCol);
      const timestamp = tsText === undefined ? Number.NaN : timestampOf(tsText);
      if (Number.isNaN(timestamp)) {
        return tally.reject(lineNo, 'timestamp must be epoch milliseconds or an ISO 8601 string with a time zone');
      }
      const timeProblem = checkTimestamp(timestamp, options.timeRange);
      if (timeProblem !== undefined) return tally.reject(lineNo, `timestamp ${timeProblem}`);
      const quantity = optionalNumber(cell(quantityCol));
      if (Number.isNaN(quantity) || (quantity !== undefined && !fitsFloat32(quantity))) {
        return tally.reject(lineNo, 'quantity must be a finite number within float32 range (below 3.4e38)');
      }
      const price = optionalNumber(cell(priceCol));
      if (Number.isNaN(price) || (price !== undefined && (price < 0 || !fitsFloat32(price)))) {
        return tally.reject(lineNo, 'price must be a finite number ≥ 0 within float32 range (below 3.4e38)');
      }
      const rating = optionalNumber(cell(ratingCol));
      if (Number.isNaN(rating) || (rating !== undefined && (rating < RATING_RANGE.min || rating > RATING_RANGE.max))) {
        return tally.reject(lineNo, `rating must be a finite number in [${RATING_RANGE.min}, ${RATING_RANGE.max}]`);
      }
      if (code === RATE && rating === undefined) return tally.reject(lineNo, 'rate event needs a rating');

      fields.userId = userId;
      fields.anonymousId = anonymousId;
      fields.deviceId = deviceId;
      fields.itemId = itemId;
      fields.channel = channel;
      fields.sessionId = sessionId;
      fields.orderId = orderId;
      fields.query = query;
      fields.quantity = quantity;
      fields.price = price;
      fields.rating = rating;
      sink.add(code, timestamp, fields);
      tally.accept();
    };

    /** One cell as ranges in `row` (absent when empty); false when longer than `max`. */
    const rangeCell = (slot: number, col: number, max: number): boolean => {
      const a = col < 0 ? 0 : (cellStart[col] as number);
      const b = col < 0 ? 0 : (cellEnd[col] as number);
      if (a === b) {
        row.start[slot] = -1;
        return true;
      }
      if (b - a > max) return false;
      row.start[slot] = a;
      row.end[slot] = b;
      return true;
    };

    /** A numeric cell: NaN when absent, Infinity when not a finite number (never a valid value). */
    const numberCell = (text: string, col: number): number => {
      if (col < 0) return Number.NaN;
      const a = cellStart[col] as number;
      const b = cellEnd[col] as number;
      if (a === b) return Number.NaN;
      const fast = parseDecimalRange(text, a, b);
      if (!Number.isNaN(fast)) return fast;
      const n = Number(text.slice(a, b));
      return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
    };

    /**
     * The fast path: accepts and emits the line `text[start, end)` and returns true, or returns
     * false having done nothing (the general path then decides).
     */
    const acceptInPlace = (text: string, start: number, end: number): boolean => {
      if (!splitCommaRanges(text, start, end, cellStart, cellEnd)) return false;
      let code = fixedCode;
      if (fixedType === null) {
        const typeStart = cellStart[typeCol] as number;
        const typeEnd = cellEnd[typeCol] as number;
        if (typeStart === typeEnd) return false;
        if (typeMap === null) {
          code = typeCodeAt(text, typeStart, typeEnd);
        } else {
          const t = typeNames.indexOfRange(text, typeStart, typeEnd);
          code = t < 0 ? -1 : (typeCodes[t] as number);
        }
      }
      if (code < 0) return false;
      // No control characters anywhere (splitCommaRanges checked): ids need only a length check.
      if (
        !rangeCell(USER, userCol, 512) ||
        !rangeCell(ANONYMOUS, anonCol, 512) ||
        !rangeCell(DEVICE, deviceCol, 512) ||
        !rangeCell(ITEM, itemCol, 512) ||
        !rangeCell(CHANNEL, channelCol, 512) ||
        !rangeCell(SESSION, sessionCol, 512) ||
        !rangeCell(ORDER, orderCol, 512) ||
        !rangeCell(QUERY, queryCol, 2048)
      ) {
        return false;
      }
      const has = row.start;
      const userAt = has[USER] as number;
      if (userAt >= 0 && hasReservedPrefixAt(text, userAt, row.end[USER] as number)) return false;
      if (userAt < 0 && (has[ANONYMOUS] as number) < 0 && (has[DEVICE] as number) < 0) return false;
      if (code === SEARCH) {
        const q = has[QUERY] as number;
        if (q < 0 || text.slice(q, row.end[QUERY]).trim() === '') return false;
      } else if ((has[ITEM] as number) < 0) {
        return false;
      }
      const tsStart = cellStart[tsCol] as number;
      const tsEnd = cellEnd[tsCol] as number;
      let timestamp = parseDigitsRange(text, tsStart, tsEnd);
      if (timestamp >= 0) timestamp = timestamp < 1e11 ? timestamp * 1000 : timestamp;
      else if (tsStart === tsEnd) return false;
      else timestamp = timestampOf(text.slice(tsStart, tsEnd));
      if (!(timestamp >= from && timestamp < to)) return false; // NaN too
      const quantity = numberCell(text, quantityCol);
      if (quantity === Number.POSITIVE_INFINITY || !(Number.isNaN(quantity) || fitsFloat32(quantity))) return false;
      const price = numberCell(text, priceCol);
      if (price === Number.POSITIVE_INFINITY || price < 0 || !(Number.isNaN(price) || fitsFloat32(price))) return false;
      const rating = numberCell(text, ratingCol);
      if (rating === Number.POSITIVE_INFINITY || rating < RATING_RANGE.min || rating > RATING_RANGE.max) return false;
      if (code === RATE && Number.isNaN(rating)) return false;
      row.quantity = quantity;
      row.price = price;
      row.rating = rating;
      sink.addCells(code, timestamp, text, row);
      tally.accept();
      return true;
    };

    return {
      header(line, lineNo) {
        const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
        if (typeof n === 'string') throw parseError(where, path, lineNo, `header: ${n}`);
        const names = cells.slice(0, n).map((name) => name.trim());
        const columnOf = new Map<EventField, number>();
        let ignored = 0;
        names.forEach((name, col) => {
          const field = options.columns
            ? options.columns.get(name)
            : (EVENT_FIELDS as readonly string[]).includes(name)
              ? (name as EventField)
              : undefined;
          if (field === undefined) {
            ignored++;
            return;
          }
          if (columnOf.has(field)) {
            throw parseError(where, path, lineNo, `header maps two columns to ${field}, expected one`);
          }
          columnOf.set(field, col);
        });
        if (options.columns) {
          for (const [name, field] of options.columns) {
            if (!names.includes(name)) {
              throw parseError(where, path, lineNo, `header lacks column ${JSON.stringify(name)} mapped to ${field}`);
            }
          }
        }
        const typeColumn = columnOf.get('type');
        if (fixedType !== null && typeColumn !== undefined) {
          throw parseError(
            where,
            path,
            lineNo,
            `header maps column ${JSON.stringify(names[typeColumn])} to type, but options.type says every event is a ${fixedType}; expected one of them`,
          );
        }
        const missing: string[] = [];
        if (!columnOf.has('type') && fixedType === null) missing.push('type');
        if (!columnOf.has('timestamp')) missing.push('timestamp');
        if (!columnOf.has('userId') && !columnOf.has('anonymousId') && !columnOf.has('deviceId')) {
          missing.push('userId, anonymousId or deviceId');
        }
        if (!columnOf.has('itemId') && !columnOf.has('query')) missing.push('itemId or query');
        if (missing.length > 0) {
          throw parseError(
            where,
            path,
            lineNo,
            `header maps no column to ${missing.join('; ')}, expected them (see options.columns${missing[0] === 'type' ? '; options.type gives a file of one event type' : ''})`,
          );
        }
        width = n;
        cellStart = new Int32Array(n);
        cellEnd = new Int32Array(n);
        tally.count('ignoredColumns', ignored);
        const at = (field: EventField): number => columnOf.get(field) ?? -1;
        typeCol = at('type');
        tsCol = at('timestamp');
        userCol = at('userId');
        anonCol = at('anonymousId');
        deviceCol = at('deviceId');
        itemCol = at('itemId');
        channelCol = at('channel');
        sessionCol = at('sessionId');
        orderCol = at('orderId');
        queryCol = at('query');
        quantityCol = at('quantity');
        priceCol = at('price');
        ratingCol = at('rating');
      },

      line,

      lineIn(text, start, end, lineNo) {
        if (!acceptInPlace(text, start, end)) line(text.slice(start, end), lineNo);
      },

      async finish() {
        return { catalog: new Map() };
      },
    };
  },
};

const VIEW = eventTypeCode('view');
const CART = eventTypeCode('cart');
const PURCHASE = eventTypeCode('purchase');
const WISHLIST = eventTypeCode('wishlist');
const RETURN = eventTypeCode('return');
const REMOVE = eventTypeCode('remove_from_cart');

/** eventTypeCode with the commonest names compared first (cheaper than a Map lookup per row). */
function typeCodeOf(type: string): number {
  switch (type) {
    case 'view':
      return VIEW;
    case 'cart':
      return CART;
    case 'purchase':
      return PURCHASE;
    default:
      return eventTypeCode(type);
  }
}

/** Epoch ms of a timestamp cell (as validateEvent reads a string), NaN when it is none. */
function timestampOf(text: string): number {
  const digits = parseDigits(text);
  if (digits >= 0) return digits < 1e11 ? digits * 1000 : digits;
  if (isPlainDecimal(text)) {
    const n = Number(text);
    return Number.isFinite(n) ? (n < 1e11 ? n * 1000 : n) : Number.NaN;
  }
  return parseTimestamp(text);
}

/**
 * The code of the event type named by `text[start, end)`, or -1; compares in place (no slice).
 * A name this switch does not know (a type added later) gets -1 and so takes the general path.
 */
function typeCodeAt(text: string, start: number, end: number): number {
  const first = text.charCodeAt(start);
  let name: string;
  let code: number;
  switch (end - start) {
    case 4:
      if (first === 118) {
        name = 'view';
        code = VIEW;
      } else if (first === 99) {
        name = 'cart';
        code = CART;
      } else {
        name = 'rate';
        code = RATE;
      }
      break;
    case 8:
      if (first === 112) {
        name = 'purchase';
        code = PURCHASE;
      } else {
        name = 'wishlist';
        code = WISHLIST;
      }
      break;
    case 6:
      if (first === 115) {
        name = 'search';
        code = SEARCH;
      } else {
        name = 'return';
        code = RETURN;
      }
      break;
    case 16:
      name = 'remove_from_cart';
      code = REMOVE;
      break;
    default:
      return -1;
  }
  for (let i = 0; i < name.length; i++) if (text.charCodeAt(start + i) !== name.charCodeAt(i)) return -1;
  return code;
}

/** validateEvent's reason for a userId that names an anonymous or device customer. */
const RESERVED_USER_ID = `userId must not start with "${ANONYMOUS_PREFIX}" or "${DEVICE_PREFIX}" (reserved for anonymous and device customers)`;

/** isAnonymousCustomer of `text[start, end)` without slicing it. */
function hasReservedPrefixAt(text: string, start: number, end: number): boolean {
  return startsWithAt(text, start, end, ANONYMOUS_PREFIX) || startsWithAt(text, start, end, DEVICE_PREFIX);
}

function startsWithAt(text: string, start: number, end: number, prefix: string): boolean {
  return end - start >= prefix.length && text.startsWith(prefix, start);
}

/** `<field> <problem>` when `value` is present and not a valid id (validateEvent's wording). */
function fieldProblem(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = idProblem(value);
  return problem === undefined ? undefined : `${field} ${problem}`;
}

/** undefined when absent, NaN when not a finite number (as validateEvent reads numeric strings). */
function optionalNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : Number.NaN;
}
