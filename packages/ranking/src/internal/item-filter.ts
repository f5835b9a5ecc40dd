import { checkBoolean, checkIds, checkNumber, checkOneOf, checkOptions, invalidArgument } from '@encore/core';
import { CATEGORY_SEPARATOR, type ItemAttributes } from '../attributes.js';
import type { ItemFilter } from '../filter.js';

const FILTER_KEYS = [
  'categories',
  'excludeCategories',
  'inStock',
  'unknownStock',
  'minPrice',
  'maxPrice',
  'items',
  'excludeItems',
] as const;

/** A filter compiled against one attribute table: `test(i)` reads typed arrays only. */
export interface CompiledFilter {
  /** False when the filter keeps every item (callers skip the test). */
  readonly active: boolean;
  test(item: number): boolean;
}

/**
 * A mask over category codes: 1 for each category named in `names` and for every category below
 * it ('Home' covers 'Home > Lighting'). A name matching no category is INVALID_ARGUMENT: a typo in
 * a category filter would otherwise silently empty the shelf.
 */
export function categoryMask(where: string, name: string, attributes: ItemAttributes, names: unknown): Uint8Array {
  if (!Array.isArray(names)) throw invalidArgument(where, `${name} must be an array of category names`, names);
  const { categories } = attributes;
  const mask = new Uint8Array(categories.length);
  for (const wanted of names) {
    if (typeof wanted !== 'string' || wanted.length === 0) {
      throw invalidArgument(where, `${name} must hold non-empty category names`, wanted);
    }
    const below = wanted + CATEGORY_SEPARATOR;
    let found = false;
    for (let c = 0; c < categories.length; c++) {
      const have = categories[c] as string;
      if (have === wanted || have.startsWith(below)) {
        mask[c] = 1;
        found = true;
      }
    }
    if (!found) {
      throw invalidArgument(where, `${name}: unknown category, expected one of the catalog's categories`, wanted);
    }
  }
  return mask;
}

/** Validates `filter` against `attributes` and compiles it. */
export function compileFilter(where: string, attributes: ItemAttributes, filter: unknown): CompiledFilter {
  const f = checkOptions(where, filter, FILTER_KEYS, 'filter') as ItemFilter;
  const n = attributes.items;
  const { category, stock, price } = attributes;
  const allowCategory =
    f.categories === undefined ? null : categoryMask(where, 'filter.categories', attributes, f.categories);
  const blockCategory =
    f.excludeCategories === undefined
      ? null
      : categoryMask(where, 'filter.excludeCategories', attributes, f.excludeCategories);
  const inStock = f.inStock === undefined ? false : checkBoolean(where, 'filter.inStock', f.inStock);
  const keepUnknownStock =
    checkOneOf(where, 'filter.unknownStock', f.unknownStock ?? 'keep', ['keep', 'drop'] as const) === 'keep';
  const minPrice = f.minPrice === undefined ? null : checkNumber(where, 'filter.minPrice', f.minPrice, 0);
  const maxPrice = f.maxPrice === undefined ? null : checkNumber(where, 'filter.maxPrice', f.maxPrice, 0);
  if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) {
    throw invalidArgument(where, 'filter.minPrice must not exceed filter.maxPrice', { minPrice, maxPrice });
  }
  // Item lists are usually short next to the catalog: a Set costs O(list), a mask O(items).
  const allowItems = f.items === undefined ? null : new Set(checkIds(where, 'filter.items', f.items, n));
  const blockItems =
    f.excludeItems === undefined ? null : new Set(checkIds(where, 'filter.excludeItems', f.excludeItems, n));
  const priced = minPrice !== null || maxPrice !== null;
  const low = minPrice ?? 0;
  const high = maxPrice ?? Number.POSITIVE_INFINITY;
  const active =
    allowCategory !== null || blockCategory !== null || inStock || priced || allowItems !== null || blockItems !== null;
  return {
    active,
    test(i: number): boolean {
      if (!(i >= 0 && i < n)) return false;
      if (allowItems !== null && !allowItems.has(i)) return false;
      if (blockItems?.has(i)) return false;
      if (allowCategory !== null || blockCategory !== null) {
        const c = category[i] as number;
        // An item without a category is in none of the listed ones.
        if (allowCategory !== null && (c < 0 || allowCategory[c] === 0)) return false;
        if (blockCategory !== null && c >= 0 && blockCategory[c] === 1) return false;
      }
      if (inStock) {
        const s = stock[i] as number;
        if (Number.isNaN(s) ? !keepUnknownStock : !(s > 0)) return false;
      }
      if (priced) {
        // NaN fails both compares: an item without a price never claims to fit a price range.
        const p = price[i] as number;
        if (!(p >= low && p <= high)) return false;
      }
      return true;
    },
  };
}
