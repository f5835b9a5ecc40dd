import { catalogFrom, ErrorCode, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';

const catalog = catalogFrom([
  {
    id: 'lamp',
    categoryPath: ['Home', 'Lighting', 'Lamps'],
    price: 30,
    margin: 0.4,
    stock: 3,
    ratingMean: 4.5,
    ratingCount: 12,
  },
  { id: 'rug', categoryPath: ['Home', 'Textiles'], price: 80, attributes: new Map([['promotion', true]]) },
  { id: 'hose', categoryPath: ['Garden'], stock: 0, attributes: new Map([['promotion', 'Yes']]) },
  { id: 'kite', attributes: new Map<string, string | number | boolean>([['promotion', 0]]) },
  { id: 'retired', categoryPath: ['Home'] }, // not in the map
]);
// 'ghost' is in the event log but not in the catalog.
const items = IdMap.from(['kite', 'lamp', 'ghost', 'rug', 'hose']);

describe('itemAttributes', () => {
  it('aligns every column to the item index, missing values explicit', () => {
    const a = itemAttributes(catalog, items);
    expect(a.items).toBe(5);
    expect(a.categories).toEqual(['Home > Lighting > Lamps', 'Home > Textiles', 'Garden']);
    expect(Array.from(a.category)).toEqual([-1, 0, -1, 1, 2]);
    expect(Array.from(a.price)).toEqual([Number.NaN, 30, Number.NaN, 80, Number.NaN]);
    expect(Array.from(a.margin)).toEqual([Number.NaN, Math.fround(0.4), Number.NaN, Number.NaN, Number.NaN]);
    expect(Array.from(a.stock)).toEqual([Number.NaN, 3, Number.NaN, Number.NaN, 0]);
    expect(Array.from(a.ratingMean)).toEqual([Number.NaN, 4.5, Number.NaN, Number.NaN, Number.NaN]);
    expect(Array.from(a.ratingCount)).toEqual([Number.NaN, 12, Number.NaN, Number.NaN, Number.NaN]);
    expect(Array.from(a.promoted)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(a.inCatalog)).toEqual([1, 1, 0, 1, 1]);
    expect(a.report).toEqual({ missing: 1, unmapped: 1 });
  });

  it('cuts categories to categoryDepth and reads the promotion flag from a named attribute', () => {
    const a = itemAttributes(catalog, items, { categoryDepth: 1, promotionAttribute: 'sale' });
    expect(a.categories).toEqual(['Home', 'Garden']);
    expect(Array.from(a.category)).toEqual([-1, 0, -1, 0, 1]);
    expect(Array.from(a.promoted)).toEqual([0, 0, 0, 0, 0]);
  });

  it('never mutates the item map', () => {
    const map = IdMap.from(['lamp']);
    itemAttributes(catalog, map);
    expect(map.size).toBe(1);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const call of [
      () => itemAttributes({} as never, items),
      () => itemAttributes(catalog, ['lamp'] as never),
      () => itemAttributes(catalog, items, { categoryDepth: 0 }),
      () => itemAttributes(catalog, items, { categoryDepth: 1.5 }),
      () => itemAttributes(catalog, items, { promotionAttribute: '' }),
      () => itemAttributes(catalog, items, { depth: 1 } as never),
    ]) {
      expect(call).toThrow();
      try {
        call();
      } catch (error) {
        expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      }
    }
  });
});
