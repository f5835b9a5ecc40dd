import { EncoreError, ErrorCode, invalidArgument } from './errors.js';

/**
 * The event types Encore understands, in the order of their numeric codes in an EventLog.
 * `return` is a purchase sent back (Online Retail's `C` invoices): kept, never dropped, and
 * weighted 0 in interaction matrices by default.
 */
export const EVENT_TYPES = Object.freeze([
  'view',
  'cart',
  'remove_from_cart',
  'purchase',
  'wishlist',
  'rate',
  'search',
  'return',
] as const);

export type EventType = (typeof EVENT_TYPES)[number];

const EVENT_TYPE_CODE: ReadonlyMap<string, number> = new Map(EVENT_TYPES.map((t, i) => [t, i]));

/** Numeric code of an event type, or -1 for an unknown name. */
export function eventTypeCode(type: string): number {
  return EVENT_TYPE_CODE.get(type) ?? -1;
}

/**
 * One thing a shopper did. At least one customer key (`userId`, `anonymousId`, `deviceId`) is
 * required; `itemId` is required for every type but `search`, which requires `query`.
 * `timestamp` is milliseconds since the Unix epoch (UTC).
 */
export interface Event {
  readonly type: EventType;
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  readonly deviceId?: string | undefined;
  readonly itemId?: string | undefined;
  readonly timestamp: number;
  readonly quantity?: number | undefined;
  readonly price?: number | undefined;
  readonly rating?: number | undefined;
  readonly channel?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly query?: string | undefined;
}

/** Why an event or catalog item was rejected: a code from ErrorCode and a short reason. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly reason: string;
}

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Rejection };

/** Ratings must lie in this closed range (covers 1–5 stars, 0–10 scores, thumbs as ±1). */
export const RATING_RANGE = Object.freeze({ min: -10, max: 10 });

const ID_FIELDS = ['userId', 'anonymousId', 'deviceId', 'itemId', 'channel', 'sessionId', 'orderId'] as const;

/**
 * Prefix of the customer id of an anonymous visitor (an event with an `anonymousId` and no
 * `userId`) wherever customers are keyed together, as in `defaultCustomers`:
 * `anonymous:cookie-1`, `anonymous:guest-invoice:536414`. Readable, and it cannot collide with a
 * user id: `validateEvent` and every loader reject a `userId` that starts with `anonymous:` or
 * `device:`. Use `isAnonymousCustomer` to leave such customers out of an export.
 */
export const ANONYMOUS_PREFIX = 'anonymous:';

/** Prefix of the customer id of a device (an event with only a `deviceId`): `device:ios-1`. See ANONYMOUS_PREFIX. */
export const DEVICE_PREFIX = 'device:';

/** The range a time must lie in: epoch ms, `from` included, `to` excluded. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The times an event may carry unless a caller says otherwise: [1970-01-01, 2100-01-01) UTC,
 * as epoch ms (`{ from: 0, to: 4_102_444_800_000 }`). A time outside it is a slip (seconds read as
 * milliseconds, a year typed as 0099, a sentinel like 999999999999999), not an event.
 */
export const DEFAULT_TIME_RANGE: Readonly<TimeRange> = Object.freeze({ from: 0, to: 4_102_444_800_000 });

/** The largest magnitude a Date can hold (and so the widest TimeRange): ±8.64e15 ms. */
const MAX_DATE_MS = 8.64e15;

/**
 * Checks an epoch-ms time against a TimeRange (default DEFAULT_TIME_RANGE): undefined when
 * `from <= ms < to`, else the problem, to follow the field's name
 * (`must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)`). NaN is out of range.
 */
export function checkTimestamp(ms: number, range: TimeRange = DEFAULT_TIME_RANGE): string | undefined {
  if (ms >= range.from && ms < range.to) return undefined;
  if (range.from === DEFAULT_TIME_RANGE.from && range.to === DEFAULT_TIME_RANGE.to) return OUTSIDE_DEFAULT_RANGE;
  const iso = (t: number): string => (Math.abs(t) <= MAX_DATE_MS ? new Date(t).toISOString() : `${t} ms`);
  return `must be within [${iso(range.from)}, ${iso(range.to)})`;
}

/** checkTimestamp's answer for the default range, written once (a bad file asks it per line). */
const OUTSIDE_DEFAULT_RANGE = 'must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)';

/**
 * A TimeRange given by a caller: an object with finite `from` < `to`, both within the Date range
 * (±8.64e15 ms). Returns a frozen copy; INVALID_ARGUMENT otherwise.
 */
export function checkTimeRange(where: string, name: string, value: unknown): Readonly<TimeRange> {
  if (!isTimeRange(value)) {
    throw invalidArgument(
      where,
      `${name} must be { from, to } in epoch ms with from < to, both within ±8.64e15 (the Date range)`,
      value,
    );
  }
  return Object.freeze({ from: value.from, to: value.to });
}

function isTimeRange(value: unknown): value is TimeRange {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { from, to } = value as TimeRange;
  return Math.abs(from) <= MAX_DATE_MS && Math.abs(to) <= MAX_DATE_MS && from < to;
}

/** True when `value` is a finite number that stays finite as a float32 (EventLog's numeric columns). */
function fitsFloat32(value: number): boolean {
  return Number.isFinite(Math.fround(value));
}

/** Options of validateEvent. */
export interface ValidateEventOptions {
  /** Times outside this range are rejected. Default DEFAULT_TIME_RANGE. */
  readonly timeRange?: TimeRange | undefined;
}

/**
 * Checks an id-like string: non-empty, at most 512 characters, no control characters (they break
 * line-based files, cache keys and terminals).
 */
export function checkId(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > 512) return 'must be at most 512 characters';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

/**
 * Parses a timestamp given as epoch milliseconds (number) or an ISO 8601 string with a time zone.
 * Returns NaN when it is neither. Numbers below 1e11 are read as epoch seconds (a common slip that
 * would otherwise put every event in January 1970).
 */
export function parseTimestamp(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return Number.NaN;
    return value < 1e11 ? value * 1000 : value;
  }
  if (typeof value === 'string' && value.length > 0) {
    if (/^\d+(\.\d+)?$/.test(value)) return parseTimestamp(Number(value));
    // Require an explicit zone: a bare local time would silently depend on the machine's TZ.
    if (!/(Z|[+-]\d\d:?\d\d)$/i.test(value)) return Number.NaN;
    return Date.parse(value);
  }
  return Number.NaN;
}

const reject = (reason: string, code: ErrorCode = ErrorCode.INVALID_EVENT): Validation<never> => ({
  ok: false,
  error: { code, reason },
});

/**
 * Validates one raw event (e.g. a parsed JSONL line) against the event schema: ids (see
 * `checkId`; a `userId` must not start with ANONYMOUS_PREFIX or DEVICE_PREFIX), a time within
 * `options.timeRange` (default DEFAULT_TIME_RANGE: 1970 to 2100), `quantity` and `price` finite
 * as a float32 (what an EventLog stores), a rating in RATING_RANGE.
 *
 * Never throws for a bad event: returns `{ ok: false, error }` with a reason a person can act on.
 * Throws INVALID_ARGUMENT only for malformed `options`.
 *
 * @example
 * const checked = validateEvent(JSON.parse(line), { timeRange: { from: 0, to: Date.UTC(2030, 0, 1) } });
 * if (!checked.ok) console.warn(checked.error.reason);
 */
export function validateEvent(input: unknown, options?: ValidateEventOptions): Validation<Event> {
  const given = options?.timeRange;
  // Checked in place (no copy): a loader calls this once per line with the same range.
  const timeRange =
    given === undefined || isTimeRange(given)
      ? (given ?? DEFAULT_TIME_RANGE)
      : checkTimeRange('core/validateEvent', 'options.timeRange', given);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return reject('event must be an object');
  const raw = input as Record<string, unknown>;
  const type = raw.type;
  if (typeof type !== 'string' || eventTypeCode(type) < 0) {
    return reject(`unknown event type ${JSON.stringify(type)}, expected one of ${EVENT_TYPES.join(', ')}`);
  }
  for (const field of ID_FIELDS) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    const problem = checkId(typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v);
    if (problem) return reject(`${field} ${problem}`);
  }
  const userId = optionalId(raw.userId);
  if (userId !== undefined && isAnonymousCustomer(userId)) return reject(RESERVED_USER_ID);
  const anonymousId = optionalId(raw.anonymousId);
  const deviceId = optionalId(raw.deviceId);
  if (userId === undefined && anonymousId === undefined && deviceId === undefined) {
    return reject('event needs a customer key: userId, anonymousId or deviceId');
  }
  const itemId = optionalId(raw.itemId);
  let query: string | undefined;
  if (raw.query !== undefined && raw.query !== null) {
    if (typeof raw.query !== 'string' || raw.query.length > 2048)
      return reject('query must be a string of at most 2048 characters');
    query = raw.query;
  }
  if (type === 'search') {
    if (query === undefined || query.trim() === '') return reject('search event needs a non-empty query');
  } else if (itemId === undefined) {
    return reject(`${type} event needs an itemId`);
  }
  const timestamp = parseTimestamp(raw.timestamp);
  if (Number.isNaN(timestamp)) {
    return reject('timestamp must be epoch milliseconds or an ISO 8601 string with a time zone');
  }
  const timeProblem = checkTimestamp(timestamp, timeRange);
  if (timeProblem !== undefined) return reject(`timestamp ${timeProblem}`);
  const quantity = optionalNumber(raw.quantity);
  if (Number.isNaN(quantity) || (quantity !== undefined && !fitsFloat32(quantity))) {
    return reject('quantity must be a finite number within float32 range (below 3.4e38)');
  }
  const price = optionalNumber(raw.price);
  if (Number.isNaN(price) || (price !== undefined && (price < 0 || !fitsFloat32(price)))) {
    return reject('price must be a finite number ≥ 0 within float32 range (below 3.4e38)');
  }
  const rating = optionalNumber(raw.rating);
  if (Number.isNaN(rating) || (rating !== undefined && (rating < RATING_RANGE.min || rating > RATING_RANGE.max))) {
    return reject(`rating must be a finite number in [${RATING_RANGE.min}, ${RATING_RANGE.max}]`);
  }
  if (type === 'rate' && rating === undefined) return reject('rate event needs a rating');
  return {
    ok: true,
    value: {
      type: type as EventType,
      userId,
      anonymousId,
      deviceId,
      itemId,
      timestamp,
      quantity,
      price,
      rating,
      channel: optionalId(raw.channel),
      sessionId: optionalId(raw.sessionId),
      orderId: optionalId(raw.orderId),
      query,
    },
  };
}

/** Like validateEvent, but throws an INVALID_EVENT EncoreError. */
export function assertEvent(input: unknown): Event {
  const result = validateEvent(input);
  if (!result.ok) {
    throw new EncoreError(result.error.code, `core/assertEvent: ${result.error.reason}`, { value: input });
  }
  return result.value;
}

const RESERVED_USER_ID = `userId must not start with "${ANONYMOUS_PREFIX}" or "${DEVICE_PREFIX}" (reserved for anonymous and device customers)`;

/**
 * True when a customer id names an anonymous visitor or a device (it starts with ANONYMOUS_PREFIX
 * or DEVICE_PREFIX), false for a user id: a job can leave guests out of an export with it. (A
 * `userId` for which it is true is rejected by `validateEvent`, so the two never mix.)
 *
 * @example
 * const known = customers.ids().filter((id) => !isAnonymousCustomer(id));
 */
export function isAnonymousCustomer(id: string): boolean {
  return id.startsWith(ANONYMOUS_PREFIX) || id.startsWith(DEVICE_PREFIX);
}

function optionalId(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' ? String(v) : (v as string);
}

/** undefined when absent, NaN when present but not a finite number (numeric strings are accepted). */
function optionalNumber(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : Number.NaN;
}
