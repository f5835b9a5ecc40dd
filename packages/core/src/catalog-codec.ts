import { type Catalog, type CatalogItem, validateCatalogItem } from './catalog.js';
import { invalidArgument } from './errors.js';
import { decodeModelFile, encodeModelFile, type ModelFile } from './model-file.js';

/** The format version of catalog files this Encore writes and reads. */
export const CATALOG_FORMAT = 1;

const NUMBERS = ['price', 'margin', 'stock', 'ratingMean', 'ratingCount'] as const;
const HAS_TITLE = 1;
const HAS_CATEGORY = 2;

/**
 * Encodes a catalog (column by column: ids, titles, category paths, the numeric fields, free
 * attributes) as model-file bytes, so a model directory carries the item titles and attributes it
 * was trained with. Absent fields stay absent (not '' or 0).
 *
 * Throws INVALID_ARGUMENT for a catalog that is not a Map of catalog items.
 *
 * @example
 * await writeFile('catalog.encore', encodeCatalog(dataset.catalog));
 */
export function encodeCatalog(catalog: Catalog): Uint8Array {
  const where = 'core/encodeCatalog';
  if (!(catalog instanceof Map)) throw invalidArgument(where, 'catalog must be a Map of CatalogItem', catalog);
  const n = catalog.size;
  const ids: string[] = new Array(n);
  const titles: string[] = new Array(n);
  const flags = new Uint8Array(n);
  const categoryIndptr = new Int32Array(n + 1);
  const categoryNames: string[] = [];
  const attributes: string[] = new Array(n);
  const numbers = NUMBERS.map(() => new Float64Array(n).fill(Number.NaN));
  let row = 0;
  for (const [id, item] of catalog) {
    if (typeof item !== 'object' || item === null || item.id !== id) {
      throw invalidArgument(where, `catalog entry ${JSON.stringify(id)} must be a CatalogItem with that id`, item);
    }
    ids[row] = id;
    titles[row] = item.title ?? '';
    if (item.title !== undefined) flags[row]! |= HAS_TITLE;
    if (item.categoryPath !== undefined) {
      flags[row]! |= HAS_CATEGORY;
      categoryNames.push(...item.categoryPath);
    }
    categoryIndptr[row + 1] = categoryNames.length;
    NUMBERS.forEach((field, f) => {
      const v = item[field];
      if (v !== undefined) (numbers[f] as Float64Array)[row] = v;
    });
    attributes[row] = item.attributes === undefined ? '' : JSON.stringify([...item.attributes]);
    row++;
  }
  const sections: Record<string, Float64Array | Int32Array | Uint8Array | readonly string[]> = {
    ids,
    titles,
    flags,
    categoryIndptr,
    categoryNames,
    attributes,
  };
  NUMBERS.forEach((field, f) => {
    sections[field] = numbers[f] as Float64Array;
  });
  return encodeModelFile({ family: 'catalog', version: CATALOG_FORMAT, meta: { items: n }, sections });
}

/**
 * Decodes a catalog file; every item is validated as a loader would (validateCatalogItem), so a
 * tampered file cannot smuggle a negative price or a duplicate id. Throws MODEL_FORMAT naming
 * `source` and the item.
 */
export function decodeCatalog(bytes: Uint8Array, source = 'catalog'): Catalog {
  return catalogFromFile(
    decodeModelFile(bytes, { where: 'core/decodeCatalog', source, family: 'catalog', maxVersion: CATALOG_FORMAT }),
  );
}

/** {@link decodeCatalog} of a model file already checked by `decodeModelFile`. */
export function catalogFromFile(file: ModelFile): Catalog {
  const n = file.integer('items', 0, 0x7ffffffe);
  const ids = file.strings('ids', n);
  const titles = file.strings('titles', n);
  const flags = file.uint8('flags', { length: n });
  const categoryNames = file.strings('categoryNames');
  const categoryIndptr = file.int32('categoryIndptr', { length: n + 1, min: 0, max: categoryNames.length });
  const attributes = file.strings('attributes', n);
  const numbers = NUMBERS.map((field) => file.float64(field, { length: n }));
  const catalog = new Map<string, CatalogItem>();
  for (let r = 0; r < n; r++) {
    const raw: Record<string, unknown> = { id: ids[r] };
    if (((flags[r] as number) & HAS_TITLE) !== 0) raw.title = titles[r];
    const from = categoryIndptr[r] as number;
    const to = categoryIndptr[r + 1] as number;
    if (to < from) file.fail(`categoryIndptr decreases at item ${r}`);
    if (((flags[r] as number) & HAS_CATEGORY) !== 0) raw.categoryPath = categoryNames.slice(from, to);
    NUMBERS.forEach((field, f) => {
      const v = (numbers[f] as Float64Array)[r] as number;
      if (!Number.isNaN(v)) raw[field] = v;
    });
    if (attributes[r] !== '') {
      try {
        raw.attributes = new Map(JSON.parse(attributes[r] as string));
      } catch {
        file.fail(`item ${JSON.stringify(ids[r])}: attributes are not a JSON list of pairs`);
      }
    }
    const checked = validateCatalogItem(raw);
    if (!checked.ok) file.fail(`item ${JSON.stringify(ids[r])}: ${checked.error.reason}`);
    if (catalog.has(ids[r] as string)) file.fail(`item ${JSON.stringify(ids[r])} appears twice`);
    if (checked.ok) catalog.set(checked.value.id, dropUndefined(checked.value));
  }
  return catalog;
}

/** The item without its undefined fields (validateCatalogItem lists every field). */
function dropUndefined(item: CatalogItem): CatalogItem {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (value !== undefined) out[key] = value;
  return out as unknown as CatalogItem;
}
