import { EVENT_TYPES, eventTypeCode, parseTimestamp, RATING_RANGE } from '@encore/core';
import { EVENT_FIELDS, type EventField } from '../../options.js';
import { idProblem, isPlainDecimal, parseDigits, splitPlain, splitQuoted } from '../fields.js';
import { emptyRowFields, type FormatSpec } from '../format-spec.js';
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
 * Counts: `ignoredColumns` (header columns mapped to no field).
 */
export const CSV: FormatSpec = {
  encoding: 'utf8',
  countKeys: ['ignoredColumns'],
  skipKeys: [],
  create({ where, path, sink, tally, options }) {
    const cells: string[] = [];
    const fields = emptyRowFields();
    const typeMap = options.typeMap;
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

    const cell = (col: number): string | undefined => {
      if (col < 0) return undefined;
      const value = cells[col] as string;
      return value.length === 0 ? undefined : value;
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
        const missing: string[] = [];
        if (!columnOf.has('type')) missing.push('type');
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
            `header maps no column to ${missing.join('; ')}, expected them (see options.columns)`,
          );
        }
        width = n;
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

      line(line, lineNo) {
        const n = line.indexOf('"') < 0 ? splitPlain(line, ',', cells) : splitQuoted(line, ',', cells);
        if (typeof n === 'string') return tally.reject(lineNo, n);
        if (n !== width)
          return tally.reject(lineNo, `expected ${width} comma-separated fields as in the header, found ${n}`);

        // The checks below follow validateEvent step by step (same order, same reasons).
        const rawType = cell(typeCol);
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
        let timestamp = Number.NaN;
        if (tsText !== undefined) {
          const digits = parseDigits(tsText);
          if (digits >= 0) {
            timestamp = digits < 1e11 ? digits * 1000 : digits;
          } else if (isPlainDecimal(tsText)) {
            const n = Number(tsText);
            if (Number.isFinite(n)) timestamp = n < 1e11 ? n * 1000 : n;
          } else {
            timestamp = parseTimestamp(tsText);
          }
        }
        if (Number.isNaN(timestamp)) {
          return tally.reject(lineNo, 'timestamp must be epoch milliseconds or an ISO 8601 string with a time zone');
        }
        const quantity = optionalNumber(cell(quantityCol));
        if (Number.isNaN(quantity)) return tally.reject(lineNo, 'quantity must be a finite number');
        const price = optionalNumber(cell(priceCol));
        if (Number.isNaN(price) || (price !== undefined && price < 0)) {
          return tally.reject(lineNo, 'price must be a finite number ≥ 0');
        }
        const rating = optionalNumber(cell(ratingCol));
        if (
          Number.isNaN(rating) ||
          (rating !== undefined && (rating < RATING_RANGE.min || rating > RATING_RANGE.max))
        ) {
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
