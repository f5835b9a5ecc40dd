import { catalogFrom, ErrorCode, IdMap } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import { filterItems, type ItemFilter } from './filter.js';

const items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
const attributes = itemAttributes(
  catalogFrom([
    { id: 'i0', categoryPath: ['Home', 'Lighting'], price: 10, stock: 5 },
    { id: 'i1', categoryPath: ['Home', 'Textiles'], price: 20, stock: 0 },
    { id: 'i2', categoryPath: ['Home'], price: 30 }, // stock not tracked
    { id: 'i3', categoryPath: ['Garden'], stock: -2 }, // no price; back-ordered
    { id: 'i4', categoryPath: ['Homeware'], price: 50, stock: 1 }, // 'Home' must not match it
    { id: 'i5', price: 40, stock: 1 }, // no category
  ]),
  items,
);

const kept = (filter: ItemFilter): number[] =>
  Array.from(filterItems(attributes, filter))
    .map((keep, i) => (keep === 1 ? i : -1))
    .filter((i) => i >= 0);

function code(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('filterItems', () => {
  it('keeps everything without conditions', () => {
    expect(kept({})).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('categories: a parent keeps its subcategories, never a mere prefix of a name', () => {
    expect(kept({ categories: ['Home'] })).toEqual([0, 1, 2]);
    expect(kept({ categories: ['Home > Lighting', 'Garden'] })).toEqual([0, 3]);
    expect(kept({ excludeCategories: ['Home'] })).toEqual([3, 4, 5]);
  });

  it('inStock: stock > 0; unknown stock kept by default, dropped on request', () => {
    expect(kept({ inStock: true })).toEqual([0, 2, 4, 5]);
    expect(kept({ inStock: true, unknownStock: 'drop' })).toEqual([0, 4, 5]);
    expect(kept({ inStock: false })).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('price range: bounds inclusive, an item without a price fails any bound', () => {
    expect(kept({ minPrice: 20, maxPrice: 40 })).toEqual([1, 2, 5]);
    expect(kept({ minPrice: 0 })).toEqual([0, 1, 2, 4, 5]);
    expect(kept({ maxPrice: 10 })).toEqual([0]);
  });

  it('item allow-list and block-list', () => {
    expect(kept({ items: Int32Array.of(4, 1, 3) })).toEqual([1, 3, 4]);
    expect(kept({ excludeItems: Int32Array.of(0, 5) })).toEqual([1, 2, 3, 4]);
  });

  it('all conditions must hold', () => {
    expect(kept({ categories: ['Home'], inStock: true, maxPrice: 25 })).toEqual([0]);
    expect(kept({ items: Int32Array.of(0, 1, 2), excludeItems: Int32Array.of(1), minPrice: 15 })).toEqual([2]);
  });

  it('rejects an unknown category, key, inverted or negative range and ids out of range', () => {
    expect(code(() => filterItems(attributes, { categories: ['Hom'] }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { excludeCategories: ['Kitchen'] }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { category: 'Home' } as never))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { minPrice: 30, maxPrice: 10 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { minPrice: -1 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { maxPrice: Number.NaN }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { items: Int32Array.of(6) }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { items: [0] as never }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems(attributes, { unknownStock: 'maybe' as never }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => filterItems({ items: 2 } as never, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
