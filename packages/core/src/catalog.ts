import { EncoreError, ErrorCode } from './errors.js';
import { checkId, type Validation } from './events.js';

/**
 * One product of the shop's catalog. `categoryPath` runs from the root down
 * (`['Home', 'Lighting', 'Candle holders']`). `margin` is the fraction of price kept (0..1).
 */
export interface CatalogItem {
  readonly id: string;
  readonly title?: string | undefined;
  readonly categoryPath?: readonly string[] | undefined;
  readonly price?: number | undefined;
  readonly margin?: number | undefined;
  readonly stock?: number | undefined;
  readonly ratingMean?: number | undefined;
  readonly ratingCount?: number | undefined;
  /** Free attributes (brand, colour, …). A Map, so any attribute name is safe. */
  readonly attributes?: ReadonlyMap<string, string | number | boolean> | undefined;
}

/**
 * The longest title a catalog item may carry, in UTF-16 code units (what `String.length` counts).
 * `validateCatalogItem` rejects a longer one; the dataset loaders cut longer descriptions to this
 * length and count each cut as a `titleTruncated` warning.
 */
export const MAX_TITLE_LENGTH = 1000;

/** The largest float32: catalog numbers must stay finite when a package stores them as float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

const reject = (reason: string): Validation<never> => ({
  ok: false,
  error: { code: ErrorCode.INVALID_CATALOG_ITEM, reason },
});

/**
 * Validates one raw catalog item: an id as `checkId` wants it, a title of at most MAX_TITLE_LENGTH
 * characters, category names that are valid ids (non-empty, at most 512 characters, no control
 * characters), numbers finite and within range (price, stock and ratingCount also finite as a
 * float32), attributes that are strings, finite numbers or booleans. Never throws.
 *
 * @example
 * const checked = validateCatalogItem({ id: 'sku-1', title: 'Tent', price: 120 });
 * if (!checked.ok) console.warn(checked.error.reason);
 */
export function validateCatalogItem(input: unknown): Validation<CatalogItem> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return reject('catalog item must be an object');
  const raw = input as Record<string, unknown>;
  const id = typeof raw.id === 'number' ? String(raw.id) : raw.id;
  const idProblem = checkId(id);
  if (idProblem) return reject(`id ${idProblem}`);
  if (raw.title !== undefined && (typeof raw.title !== 'string' || raw.title.length > MAX_TITLE_LENGTH)) {
    return reject(`title must be a string of at most ${MAX_TITLE_LENGTH} characters`);
  }
  let categoryPath: string[] | undefined;
  if (raw.categoryPath !== undefined) {
    if (!Array.isArray(raw.categoryPath) || !raw.categoryPath.every((c) => typeof c === 'string')) {
      return reject('categoryPath must be an array of non-empty strings');
    }
    for (let i = 0; i < raw.categoryPath.length; i++) {
      const problem = checkId(raw.categoryPath[i]);
      if (problem) return reject(`categoryPath[${i}] ${problem}`);
    }
    categoryPath = [...raw.categoryPath];
  }
  const numbers: Record<string, number | undefined> = {};
  for (const [field, min, max] of [
    ['price', 0, FLOAT32_MAX],
    ['margin', -1, 1],
    ['stock', -FLOAT32_MAX, FLOAT32_MAX],
    ['ratingMean', -10, 10],
    ['ratingCount', 0, FLOAT32_MAX],
  ] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      return reject(`${field} must be a finite number in [${min}, ${max}]`);
    }
    numbers[field] = v;
  }
  let attributes: Map<string, string | number | boolean> | undefined;
  if (raw.attributes !== undefined) {
    const entries =
      raw.attributes instanceof Map
        ? [...raw.attributes.entries()]
        : typeof raw.attributes === 'object' && raw.attributes !== null
          ? Object.entries(raw.attributes)
          : undefined;
    if (!entries) return reject('attributes must be an object or a Map');
    attributes = new Map();
    for (const [k, v] of entries) {
      // NaN and ±Infinity would not survive the catalog file (JSON) either.
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)) && typeof v !== 'boolean') {
        return reject(`attribute ${JSON.stringify(k)} must be a string, a finite number or a boolean`);
      }
      attributes.set(String(k), v);
    }
  }
  return {
    ok: true,
    value: {
      id: id as string,
      title: raw.title as string | undefined,
      categoryPath,
      price: numbers.price,
      margin: numbers.margin,
      stock: numbers.stock,
      ratingMean: numbers.ratingMean,
      ratingCount: numbers.ratingCount,
      attributes,
    },
  };
}

/** The shop's catalog: items by id. A Map, so any id is safe as a key. */
export type Catalog = ReadonlyMap<string, CatalogItem>;

/** Builds a Catalog; a repeated id is an INVALID_CATALOG_ITEM error (the later one would silently win). */
export function catalogFrom(items: Iterable<CatalogItem>): Catalog {
  const catalog = new Map<string, CatalogItem>();
  for (const item of items) {
    if (catalog.has(item.id)) {
      throw new EncoreError(
        ErrorCode.INVALID_CATALOG_ITEM,
        'core/catalogFrom: duplicate item id, expected unique ids',
        {
          value: item.id,
        },
      );
    }
    catalog.set(item.id, item);
  }
  return catalog;
}
