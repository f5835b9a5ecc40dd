import { type Catalog, checkName, checkOptions, IdMap, invalidArgument } from '@encore/core';

/**
 * The catalog as typed arrays aligned to the item index of an IdMap: what filters, business rules
 * and curated lists read in their loops (one array read per item, no object per item). Plain
 * data, so msgpackr packs it and a worker can receive it once.
 *
 * Missing values are explicit: NaN in number columns, -1 for no category, 0 in flags. Items of
 * the IdMap without a catalog entry have `inCatalog[i] === 0` and every value missing.
 */
export interface ItemAttributes {
  /** Items covered: indices 0..items − 1 of the IdMap the table was built from. */
  readonly items: number;
  /**
   * Category names by code: each item's `categoryPath` cut to `categoryDepth` levels and joined
   * with CATEGORY_SEPARATOR (`'Home > Lighting'`), in order of first appearance by item index.
   */
  readonly categories: readonly string[];
  /** Category code of each item (index into `categories`), -1 when it has none. */
  readonly category: Int32Array;
  /** Price, NaN when unknown. */
  readonly price: Float64Array;
  /** Margin as the fraction of price kept (−1..1), NaN when unknown. */
  readonly margin: Float32Array;
  /** Units in stock, NaN when the catalog does not track it (≤ 0 is out of stock). */
  readonly stock: Float64Array;
  /** The catalog's mean rating (e.g. from the review system), NaN when unknown. */
  readonly ratingMean: Float32Array;
  /** The number of ratings behind `ratingMean`, NaN when unknown. */
  readonly ratingCount: Float64Array;
  /** 1 when the item carries the promotion flag (see ItemAttributeOptions.promotionAttribute). */
  readonly promoted: Uint8Array;
  /** 1 when the item has a catalog entry. */
  readonly inCatalog: Uint8Array;
  /** What did not line up: items of the map without a catalog entry, catalog entries not in the map. */
  readonly report: { readonly missing: number; readonly unmapped: number };
}

export interface ItemAttributeOptions {
  /**
   * Levels of `categoryPath` that make an item's category (default Infinity: the whole path, the
   * item's own leaf category). Filters still match parents: a filter on 'Home' keeps
   * 'Home > Lighting'.
   */
  readonly categoryDepth?: number;
  /**
   * The catalog attribute that flags a promotion (default 'promotion'). The flag is set when the
   * attribute is `true`, a number > 0, or the string 'true', 'yes' or '1' (any case).
   */
  readonly promotionAttribute?: string;
}

export const DEFAULT_ITEM_ATTRIBUTE_OPTIONS: Readonly<Required<ItemAttributeOptions>> = Object.freeze({
  categoryDepth: Number.POSITIVE_INFINITY,
  promotionAttribute: 'promotion',
});

/** Joins the levels of a category path into one name. */
export const CATEGORY_SEPARATOR = ' > ';

const TRUE_STRINGS = new Set(['true', 'yes', '1']);

/**
 * Builds the attribute table of the items of `items` (an IdMap, e.g. `log.item.ids`) from the
 * catalog, in O(catalog + items). Catalog entries whose id is not in the map are counted in
 * `report.unmapped` and left out (the map is never mutated: intern catalog-only items into it
 * first if they should be rankable); items of the map without an entry are counted in
 * `report.missing`.
 *
 * Defaults: DEFAULT_ITEM_ATTRIBUTE_OPTIONS. Throws INVALID_ARGUMENT for a catalog that is not a
 * Map, `items` that is not an IdMap, or bad options.
 *
 * @example
 * const attributes = itemAttributes(catalog, log.item.ids, { categoryDepth: 1 });
 * attributes.categories[attributes.category[log.item.ids.indexOf('85123A')]]; // 'Home'
 */
export function itemAttributes(catalog: Catalog, items: IdMap, options: ItemAttributeOptions = {}): ItemAttributes {
  const where = 'ranking/itemAttributes';
  if (!(catalog instanceof Map)) throw invalidArgument(where, 'catalog must be a Map of CatalogItem', catalog);
  if (!(items instanceof IdMap)) throw invalidArgument(where, 'items must be an IdMap', items);
  const o = checkOptions(where, options, Object.keys(DEFAULT_ITEM_ATTRIBUTE_OPTIONS));
  const d = DEFAULT_ITEM_ATTRIBUTE_OPTIONS;
  const depth = o.categoryDepth ?? d.categoryDepth;
  if (depth !== Number.POSITIVE_INFINITY && !(Number.isInteger(depth) && (depth as number) >= 1)) {
    throw invalidArgument(where, 'categoryDepth must be an integer ≥ 1 or Infinity', depth);
  }
  const promotion = checkName(where, 'promotionAttribute', o.promotionAttribute ?? d.promotionAttribute);

  const n = items.size;
  const category = new Int32Array(n).fill(-1);
  const price = new Float64Array(n).fill(Number.NaN);
  const margin = new Float32Array(n).fill(Number.NaN);
  const stock = new Float64Array(n).fill(Number.NaN);
  const ratingMean = new Float32Array(n).fill(Number.NaN);
  const ratingCount = new Float64Array(n).fill(Number.NaN);
  const promoted = new Uint8Array(n);
  const inCatalog = new Uint8Array(n);
  let unmapped = 0;
  for (const [id, entry] of catalog) {
    const i = items.indexOf(id);
    if (i < 0 || i >= n) {
      unmapped++;
      continue;
    }
    inCatalog[i] = 1;
    if (entry.price !== undefined) price[i] = entry.price;
    if (entry.margin !== undefined) margin[i] = entry.margin;
    if (entry.stock !== undefined) stock[i] = entry.stock;
    if (entry.ratingMean !== undefined) ratingMean[i] = entry.ratingMean;
    if (entry.ratingCount !== undefined) ratingCount[i] = entry.ratingCount;
    const flag = entry.attributes?.get(promotion);
    if (
      flag === true ||
      (typeof flag === 'number' && flag > 0) ||
      (typeof flag === 'string' && TRUE_STRINGS.has(flag.toLowerCase()))
    ) {
      promoted[i] = 1;
    }
  }
  // Category codes in item-index order (not catalog order), so codes do not depend on how the
  // catalog file happened to be sorted.
  const names = new IdMap();
  for (let i = 0; i < n; i++) {
    if (inCatalog[i] === 0) continue;
    const path = catalog.get(items.idAt(i))?.categoryPath;
    if (path === undefined || path.length === 0) continue;
    category[i] = names.intern(path.slice(0, depth as number).join(CATEGORY_SEPARATOR));
  }
  let missing = 0;
  for (let i = 0; i < n; i++) if (inCatalog[i] === 0) missing++;
  return {
    items: n,
    categories: Object.freeze([...names.ids()]),
    category,
    price,
    margin,
    stock,
    ratingMean,
    ratingCount,
    promoted,
    inCatalog,
    report: Object.freeze({ missing, unmapped }),
  };
}
