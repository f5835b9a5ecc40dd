import { describe, expect, it } from 'vitest';
import { validateCatalogItem } from './catalog.js';
import { ErrorCode } from './errors.js';
import { assertEvent, parseTimestamp, validateEvent } from './events.js';

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

  it.each([
    [{ id: '' }, /id must not be empty/],
    [{ id: 'x', price: -1 }, /price/],
    [{ id: 'x', margin: 2 }, /margin/],
    [{ id: 'x', categoryPath: ['a', ''] }, /categoryPath/],
    [{ id: 'x', attributes: { a: {} } }, /attribute/],
  ])('rejects %j', (input, reason) => {
    const r = validateCatalogItem(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(ErrorCode.INVALID_CATALOG_ITEM);
      expect(r.error.reason).toMatch(reason);
    }
  });
});
