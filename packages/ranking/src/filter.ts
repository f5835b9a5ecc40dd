import type { ItemAttributes } from './attributes.js';
import { compileFilter } from './internal/item-filter.js';
import { checkAttributes } from './internal/options.js';

/**
 * Which items may be shown. Every condition given must hold (AND); an empty filter keeps all
 * items. Used by `rankItems` (`options.filter`) and by the curated lists.
 */
export interface ItemFilter {
  /** Keep items in one of these categories or below them ('Home' keeps 'Home > Lighting'). */
  readonly categories?: readonly string[];
  /** Drop items in one of these categories or below them. */
  readonly excludeCategories?: readonly string[];
  /** Keep only items with stock > 0 (default false). */
  readonly inStock?: boolean;
  /**
   * How `inStock` treats items whose stock the catalog does not track: 'keep' (default — a
   * catalog without stock figures would otherwise show nothing) or 'drop'.
   */
  readonly unknownStock?: 'keep' | 'drop';
  /** Keep items priced at least this much. Items without a price fail any price bound. */
  readonly minPrice?: number;
  /** Keep items priced at most this much. */
  readonly maxPrice?: number;
  /** Keep only these item indices (an allow-list: a landing page's assortment). */
  readonly items?: Int32Array;
  /** Never these item indices (a block-list: recalled, adult, out of licence). */
  readonly excludeItems?: Int32Array;
}

/**
 * The items passing `filter`, as a mask over item indices (1 = keep) — e.g. to hand a model's
 * scorer the complement, or to count an assortment. O(items).
 *
 * Throws INVALID_ARGUMENT for an unknown filter key, an unknown category name (a typo would
 * silently empty the shelf), a negative or inverted price range, item indices out of range, or a
 * malformed attribute table.
 *
 * @example
 * const keep = filterItems(attributes, { categories: ['Garden'], inStock: true, maxPrice: 50 });
 */
export function filterItems(attributes: ItemAttributes, filter: ItemFilter): Uint8Array {
  const where = 'ranking/filterItems';
  const a = checkAttributes(where, attributes);
  const compiled = compileFilter(where, a, filter);
  const mask = new Uint8Array(a.items);
  for (let i = 0; i < a.items; i++) mask[i] = compiled.test(i) ? 1 : 0;
  return mask;
}
