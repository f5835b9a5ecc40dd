import { describe, expect, it } from 'vitest';
import { MAX_TITLE_LENGTH, validateCatalogItem } from './catalog.js';
import { ErrorCode } from './errors.js';
import { assertEvent, checkTimestamp, DEFAULT_TIME_RANGE, parseTimestamp, validateEvent } from './events.js';

const base = { type: 'purchase', userId: 'u1', itemId: 'i1', timestamp: 1_700_000_000_000 };

describe('validateEvent', () => {
  it('accepts a complete event and numeric ids', () => {
    const r = validateEvent({ ...base, userId: 17, quantity: '2', price: 3.5, orderId: 'o1', channel: 'web' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.userId).toBe('17');
      expect(r.value.quantity).toBe(2);
      expect(r.value.orderId).toBe('o1');
    }
  });

  it.each([
    [{ ...base, type: 'click' }, /unknown event type/],
    [{ ...base, userId: undefined }, /customer key/],
    [{ ...base, itemId: undefined }, /needs an itemId/],
    [{ ...base, itemId: '' }, /itemId must not be empty/],
    [{ ...base, userId: 'a\u0000b' }, /control characters/],
    [{ ...base, timestamp: 'yesterday' }, /timestamp/],
    [{ ...base, timestamp: '2024-01-01 10:00:00' }, /timestamp/], // no zone: ambiguous
    [{ ...base, quantity: 'many' }, /quantity/],
    [{ ...base, price: -1 }, /price/],
    [{ ...base, type: 'rate', rating: Number.NaN }, /rating/],
    [{ ...base, type: 'rate' }, /needs a rating/],
    [{ type: 'search', userId: 'u', timestamp: 1 }, /non-empty query/],
    [null, /must be an object/],
    [[1, 2], /must be an object/],
  ])('rejects %j', (input, reason) => {
    const r = validateEvent(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(ErrorCode.INVALID_EVENT);
      expect(r.error.reason).toMatch(reason);
    }
  });

  it('accepts anonymous-only events, searches without items and prototype-named ids', () => {
    expect(validateEvent({ type: 'view', anonymousId: 'cookie-1', itemId: '__proto__', timestamp: 5 }).ok).toBe(true);
    expect(validateEvent({ type: 'search', deviceId: 'd', query: 'tent', timestamp: '2024-01-01T10:00:00Z' }).ok).toBe(
      true,
    );
  });

  it('rejects times outside [1970-01-01, 2100-01-01) unless options.timeRange says otherwise', () => {
    const reason = 'timestamp must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)';
    for (const timestamp of [1e300, '-1000', '0001-01-01T00:00:00Z', '0099-06-01T00:00:00Z', Date.UTC(2100, 0, 1)]) {
      const r = validateEvent({ ...base, timestamp });
      expect(r.ok, String(timestamp)).toBe(false);
      if (!r.ok) expect(r.error.reason).toBe(reason);
    }
    expect(validateEvent({ ...base, timestamp: 0 }).ok).toBe(true);
    expect(validateEvent({ ...base, timestamp: Date.UTC(2100, 0, 1) - 1 }).ok).toBe(true);
    const wide = { timeRange: { from: Date.UTC(1900, 0, 1), to: Date.UTC(3000, 0, 1) } };
    expect(validateEvent({ ...base, timestamp: '1950-01-01T00:00:00Z' }, wide).ok).toBe(true);
    expect(validateEvent({ ...base, timestamp: Date.UTC(2500, 0, 1) }, wide).ok).toBe(true);
    const narrow = validateEvent({ ...base }, { timeRange: { from: 0, to: 1_000 } });
    expect(narrow.ok).toBe(false);
    if (!narrow.ok) expect(narrow.error.reason).toMatch(/\[1970-01-01T00:00:00\.000Z, 1970-01-01T00:00:01\.000Z\)$/);
    expect(() => validateEvent(base, { timeRange: { from: 5, to: 5 } })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(DEFAULT_TIME_RANGE).toEqual({ from: 0, to: 4_102_444_800_000 });
    expect(checkTimestamp(1e300)).toBe('must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)');
    expect(checkTimestamp(1)).toBeUndefined();
  });

  it('rejects quantities and prices that are Infinity once stored as float32', () => {
    for (const [field, value] of [
      ['quantity', 1e308],
      ['quantity', '-1e39'],
      ['price', 3.5e38],
      ['price', '1e308'],
    ] as const) {
      const r = validateEvent({ ...base, [field]: value });
      expect(r.ok, `${field} ${value}`).toBe(false);
      if (!r.ok) expect(r.error.reason).toMatch(new RegExp(`^${field} must be a finite number.* within float32 range`));
    }
    expect(validateEvent({ ...base, quantity: 3e38, price: 3.4e38 }).ok).toBe(true);
  });

  it('assertEvent throws a typed error carrying the input', () => {
    expect(() => assertEvent({ ...base, type: 'nope' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_EVENT }),
    );
  });
});

describe('parseTimestamp', () => {
  it('reads epoch ms, epoch seconds and zoned ISO strings', () => {
    expect(parseTimestamp(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseTimestamp(1_700_000_000)).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('2024-03-31T01:00:00+01:00')).toBe(Date.UTC(2024, 2, 31, 0, 0, 0));
    expect(parseTimestamp(-5)).toBeNaN();
    expect(parseTimestamp(Number.POSITIVE_INFINITY)).toBeNaN();
    expect(parseTimestamp({})).toBeNaN();
  });
});

describe('validateCatalogItem', () => {
  it('accepts a full item, with attributes as an object or a Map', () => {
    const r = validateCatalogItem({
      id: 'sku',
      title: 'Tent',
      categoryPath: ['Outdoor', 'Tents'],
      price: 120,
      margin: 0.3,
      stock: 4,
      ratingMean: 4.4,
      ratingCount: 17,
      attributes: { brand: 'Acme', __proto__x: 1 },
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.attributes?.get('brand')).toBe('Acme');
  });

  it('accepts a title of exactly MAX_TITLE_LENGTH characters', () => {
    expect(MAX_TITLE_LENGTH).toBe(1000);
    expect(validateCatalogItem({ id: 'x', title: 'T'.repeat(MAX_TITLE_LENGTH) }).ok).toBe(true);
  });

  it.each([
    [{ id: '' }, /id must not be empty/],
    [{ id: 'x', price: -1 }, /price/],
    [{ id: 'x', margin: 2 }, /margin/],
    [{ id: 'x', categoryPath: ['a', ''] }, /categoryPath/],
    [{ id: 'x', attributes: { a: {} } }, /attribute/],
    [{ id: 'x', title: 'T'.repeat(1001) }, /title must be a string of at most 1000 characters/],
    [{ id: 'x', price: 1e308 }, /price must be a finite number/],
    [{ id: 'x', stock: -1e39 }, /stock must be a finite number/],
    [{ id: 'x', ratingCount: 1e39 }, /ratingCount must be a finite number/],
    [
      { id: 'x', attributes: { weight: Number.NaN } },
      /attribute "weight" must be a string, a finite number or a boolean/,
    ],
    [{ id: 'x', attributes: new Map([['w', Number.POSITIVE_INFINITY]]) }, /attribute "w"/],
    [{ id: 'x', categoryPath: ['Home', 'a\u0000b'] }, /categoryPath\[1\] must not contain control characters/],
    [{ id: 'x', categoryPath: ['x'.repeat(513)] }, /categoryPath\[0\] must be at most 512 characters/],
  ])('rejects %j', (input, reason) => {
    const r = validateCatalogItem(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(ErrorCode.INVALID_CATALOG_ITEM);
      expect(r.error.reason).toMatch(reason);
    }
  });
});
