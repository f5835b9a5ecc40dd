import {
  checkInteger,
  checkOptions,
  decodeModelFile,
  type EventLog,
  encodeModelFile,
  invalidArgument,
  type JsonValue,
  type ModelFile,
  type ModelSection,
} from '@encore/core';
import type { ItemAttributes } from './attributes.js';
import { type BestSellersOptions, bestSellers, bestSellersByCategory } from './best-sellers.js';
import type { CuratedList } from './curated.js';
import { type MostWishedOptions, mostWished, mostWishedByCategory } from './most-wished.js';
import { type TopRatedOptions, topRated, topRatedByCategory } from './top-rated.js';
import { type TrendingOptions, trending, trendingByCategory } from './trending.js';

/**
 * The shop's curated lists as of one moment, overall and per category, computed once (nightly)
 * and served all day: one definition of each list — the functions of this package — whether the
 * list is published to the cache, read from a model directory, or the facade's fallback.
 */

/** The curated lists a shelf holds. */
export const CURATED_LISTS = Object.freeze(['best-sellers', 'trending', 'top-rated', 'most-wished'] as const);
export type CuratedListName = (typeof CURATED_LISTS)[number];

/** One list of a shelf. */
export interface ShelfList {
  readonly name: CuratedListName;
  /** The category it is for; undefined for the whole shop. */
  readonly category?: string | undefined;
  /** Item indices (the shelf's `itemIds`), best first. */
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  /** The evidence behind each score (units, events, ratings; see each list). */
  readonly support: Float32Array;
}

/** Every curated list as of `now`. */
export interface CuratedShelf {
  /** The time the lists were made for (epoch ms). */
  readonly now: number;
  /** Item id of each index the lists use. */
  readonly itemIds: readonly string[];
  readonly lists: readonly ShelfList[];
}

export interface BuildShelfOptions {
  /** The time the lists are made for (epoch ms). Required: the clock is never read. */
  readonly now: number;
  /** The catalog table for the log's items: per-category lists and catalog ratings need it. */
  readonly attributes?: ItemAttributes;
  /** Length of the shop-wide lists (default 100: deep enough to fill a page after filters). */
  readonly k?: number;
  /** Length of each category's lists (default 20); 0: no per-category lists. */
  readonly categoryK?: number;
  /** Which lists (default all of CURATED_LISTS). */
  readonly lists?: readonly CuratedListName[];
  /** Each list's own options (windows, measures, thresholds); their defaults otherwise. */
  readonly bestSellers?: Omit<BestSellersOptions, 'now' | 'k' | 'attributes' | 'category' | 'filter'>;
  readonly trending?: Omit<TrendingOptions, 'now' | 'k' | 'attributes' | 'category' | 'filter'>;
  readonly topRated?: Omit<TopRatedOptions, 'now' | 'k' | 'attributes' | 'category' | 'filter'>;
  readonly mostWished?: Omit<MostWishedOptions, 'now' | 'k' | 'attributes' | 'category' | 'filter'>;
}

export const DEFAULT_BUILD_SHELF_OPTIONS: Readonly<{
  k: number;
  categoryK: number;
  lists: readonly CuratedListName[];
}> = Object.freeze({ k: 100, categoryK: 20, lists: CURATED_LISTS });

type Maker = (log: EventLog, options: never) => CuratedList;
type CategoryMaker = (log: EventLog, options: never) => Map<string, CuratedList>;

const MAKERS: Readonly<
  Record<CuratedListName, { one: Maker; byCategory: CategoryMaker; key: keyof BuildShelfOptions }>
> = Object.freeze({
  'best-sellers': { one: bestSellers as Maker, byCategory: bestSellersByCategory as CategoryMaker, key: 'bestSellers' },
  trending: { one: trending as Maker, byCategory: trendingByCategory as CategoryMaker, key: 'trending' },
  'top-rated': { one: topRated as Maker, byCategory: topRatedByCategory as CategoryMaker, key: 'topRated' },
  'most-wished': { one: mostWished as Maker, byCategory: mostWishedByCategory as CategoryMaker, key: 'mostWished' },
});

/**
 * Every curated list of the log as of `now`: each of `lists` shop-wide (top `k`) and, with
 * attributes, per category (top `categoryK`). Deterministic: the same log, catalog and `now` give
 * the same shelf. Lists with nothing to show (no ratings for top-rated) are kept, empty.
 *
 * Throws INVALID_ARGUMENT for bad options (those of each list included).
 *
 * @example
 * const shelf = buildShelf(log, { now, attributes: itemAttributes(catalog, log.item.ids) });
 * shelfList(shelf, 'best-sellers')?.ids;
 */
export function buildShelf(log: EventLog, options: BuildShelfOptions): CuratedShelf {
  const where = 'ranking/buildShelf';
  const o = checkOptions(where, options, [
    'now',
    'attributes',
    'k',
    'categoryK',
    'lists',
    'bestSellers',
    'trending',
    'topRated',
    'mostWished',
  ]);
  const d = DEFAULT_BUILD_SHELF_OPTIONS;
  const k = checkInteger(where, 'k', o.k ?? d.k, 1);
  const categoryK = checkInteger(where, 'categoryK', o.categoryK ?? d.categoryK, 0);
  const names = (o.lists ?? d.lists) as readonly CuratedListName[];
  if (!Array.isArray(names) || names.some((n) => !CURATED_LISTS.includes(n))) {
    throw invalidArgument(where, `lists must name some of ${CURATED_LISTS.join(', ')}`, names);
  }
  const attributes = o.attributes as ItemAttributes | undefined;
  const lists: ShelfList[] = [];
  for (const name of new Set<CuratedListName>(names)) {
    const maker = MAKERS[name];
    const own = (o[maker.key] ?? {}) as Record<string, unknown>;
    const base = { ...own, now: o.now, ...(attributes === undefined ? {} : { attributes }) };
    const list = maker.one(log, { ...base, k } as never);
    lists.push({ name, ids: list.ids, scores: list.scores, support: list.support });
    if (attributes === undefined || categoryK === 0) continue;
    const byCategory = maker.byCategory(log, { ...base, k: categoryK } as never);
    for (const category of [...byCategory.keys()].sort()) {
      const c = byCategory.get(category) as CuratedList;
      if (c.ids.length > 0) lists.push({ name, category, ids: c.ids, scores: c.scores, support: c.support });
    }
  }
  return Object.freeze({ now: o.now as number, itemIds: log.item.ids.ids().slice(), lists: Object.freeze(lists) });
}

/** The list `name` (of `category`) of a shelf, undefined when the shelf has none. */
export function shelfList(shelf: CuratedShelf, name: string, category?: string): ShelfList | undefined {
  return shelf.lists.find((l) => l.name === name && l.category === category);
}

/** The format version of curated-list files this Encore writes and reads. */
export const SHELF_FORMAT = 1;

/**
 * Encodes a shelf as model-file bytes (core's `encodeModelFile`).
 *
 * @example
 * await writeFile('lists.encore', encodeShelf(buildShelf(log, { now })));
 */
export function encodeShelf(shelf: CuratedShelf): Uint8Array {
  const where = 'ranking/encodeShelf';
  checkOptions(where, shelf, ['now', 'itemIds', 'lists'], 'shelf');
  const sections: Record<string, ModelSection> = { itemIds: shelf.itemIds };
  const lists: JsonValue[] = [];
  shelf.lists.forEach((l, at) => {
    if (l.ids.length !== l.scores.length || l.ids.length !== l.support.length) {
      throw invalidArgument(where, `list ${at}: ids, scores and support must be of one length`, l.name);
    }
    sections[`l${at}.ids`] = l.ids;
    sections[`l${at}.scores`] = l.scores;
    sections[`l${at}.support`] = l.support;
    lists.push(l.category === undefined ? { name: l.name } : { name: l.name, category: l.category });
  });
  return encodeModelFile({ family: 'curated-lists', version: SHELF_FORMAT, meta: { now: shelf.now, lists }, sections });
}

/**
 * Decodes a shelf, checking every list (known names, ids within the item space and unique, finite
 * scores). Throws MODEL_FORMAT naming `source` and what was wrong.
 */
export function decodeShelf(bytes: Uint8Array, source = 'lists'): CuratedShelf {
  return shelfFromFile(
    decodeModelFile(bytes, { where: 'ranking/decodeShelf', source, family: 'curated-lists', maxVersion: SHELF_FORMAT }),
  );
}

/** {@link decodeShelf} of a model file already checked by core's `decodeModelFile`. */
export function shelfFromFile(file: ModelFile): CuratedShelf {
  const now = file.number('now');
  const itemIds = file.strings('itemIds');
  const n = itemIds.length;
  const raw = file.json('lists', []);
  if (!Array.isArray(raw)) return file.fail('meta.lists must be an array');
  const lists = raw.map((entry, at): ShelfList => {
    const e = entry as { name?: unknown; category?: unknown } | null;
    if (e === null || typeof e !== 'object' || !CURATED_LISTS.includes(e.name as CuratedListName)) {
      return file.fail(`meta.lists[${at}] must name one of ${CURATED_LISTS.join(', ')}`);
    }
    if (e.category !== undefined && (typeof e.category !== 'string' || e.category === '')) {
      file.fail(`meta.lists[${at}].category must be a non-empty string`);
    }
    const ids = file.int32(`l${at}.ids`, { min: 0, max: n - 1 });
    if (new Set(ids).size !== ids.length) file.fail(`l${at}.ids repeats an item`);
    return {
      name: e.name as CuratedListName,
      ...(e.category === undefined ? {} : { category: e.category as string }),
      ids,
      scores: file.float32(`l${at}.scores`, { length: ids.length, finite: true }),
      support: file.float32(`l${at}.support`, { length: ids.length, finite: true }),
    };
  });
  return Object.freeze({ now, itemIds, lists: Object.freeze(lists) });
}
