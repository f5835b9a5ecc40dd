import { type Catalog, type CatalogItem, groupByKey, type Rng, shuffleInPlace } from '@encore/core';
import type { SyntheticOptions } from '../synthetic.js';
import { type AliasTables, allocAlias, buildAliasSegment, normal } from './synthetic-sampling.js';

/**
 * The shop behind the synthetic events: catalog, popularity, taste clusters and planted bundles.
 * Everything is indexed densely: item j has id `i${j}`, customer c has id `c${c}`.
 */
export interface SyntheticWorld {
  readonly itemIds: readonly string[];
  readonly itemCategory: Int32Array;
  /** Unit price of each item (what cart and purchase events carry). */
  readonly itemPrice: Float64Array;
  /** Zipf popularity weight `1 / rank^s` (rank 1 is the most popular item). */
  readonly itemWeight: Float64Array;
  /** Expected share of the customers' own item picks that land on each item (sums to 1). */
  readonly itemPopularity: Float64Array;
  /** True mean rating (1–5) that rate events scatter around. */
  readonly itemQuality: Float64Array;
  readonly categoryNames: readonly string[];
  /** Search queries per category, made of the category's words. */
  readonly categoryQueries: readonly (readonly string[])[];
  /** Items grouped by category: category k owns `categoryItems[categoryStart[k] .. categoryStart[k + 1])`. */
  readonly categoryStart: Int32Array;
  readonly categoryItems: Int32Array;
  /** Per-category alias tables over popularity, laid out like categoryItems. */
  readonly categoryTables: AliasTables;
  /** One alias table over all items' popularity. */
  readonly globalTable: AliasTables;
  /** Per-cluster alias tables over categories: cluster k at `[k * categories, (k + 1) * categories)`. */
  readonly clusterTables: AliasTables;
  /** Row-major clusters × categories, each row summing to 1: the latent tastes. */
  readonly clusterCategoryWeights: Float32Array;
  readonly customerCluster: Int32Array;
  /** Bundle index of each item, -1 when the item is in no bundle. */
  readonly bundleOf: Int32Array;
  /** Members of bundle b are `bundleItems[bundleStart[b] .. bundleStart[b + 1])`. */
  readonly bundleStart: Int32Array;
  readonly bundleItems: Int32Array;
  readonly catalog: Catalog;
}

const DEPARTMENTS: readonly (readonly [string, readonly string[]])[] = [
  ['Outdoor', ['tents', 'backpacks', 'sleeping bags', 'lanterns', 'hiking boots']],
  ['Kitchen', ['mugs', 'kettles', 'knives', 'pans', 'teapots']],
  ['Home', ['lamps', 'cushions', 'candles', 'rugs', 'blankets']],
  ['Kids', ['puzzles', 'board games', 'plush toys', 'crayons', 'kites']],
  ['Electronics', ['headphones', 'speakers', 'chargers', 'cameras', 'keyboards']],
  ['Fashion', ['jackets', 'scarves', 'sneakers', 'hats', 'gloves']],
  ['Garden', ['planters', 'seeds', 'hoses', 'shears', 'bird feeders']],
  ['Sports', ['yoga mats', 'water bottles', 'bike lights', 'dumbbells', 'swim goggles']],
];
const NOUNS: readonly (readonly [string, string])[] = DEPARTMENTS.flatMap(([dept, nouns]) =>
  nouns.map((n) => [dept, n] as const),
);
const MODIFIERS: readonly string[] = [
  'camping',
  'kids',
  'vintage',
  'wireless',
  'organic',
  'travel',
  'compact',
  'premium',
  'classic',
  'waterproof',
  'family',
  'winter',
  'summer',
  'eco',
  'handmade',
  'smart',
  'cozy',
  'rustic',
  'modern',
  'budget',
  'festival',
  'beach',
  'mountain',
  'city',
];
const BRANDS: readonly string[] = [
  'Nordhaven',
  'Alpenglow',
  'Brightfield',
  'Copperleaf',
  'Driftwood',
  'Emberline',
  'Foxglove',
  'Granite & Co',
  'Hollowell',
  'Ironbark',
  'Juniper',
  'Kestrel',
];

/**
 * Bundle members come from the expected-popularity ranks [from, to) (shares of the item count):
 * ordinary items, not the head. The pool stops earlier where items get too rare to carry a
 * visible signal (fewer than MIN_BUNDLE_VIEWS expected own views), unless more members are needed.
 */
export const BUNDLE_RANK_RANGE = Object.freeze({ from: 0.02, to: 0.25 });
const MIN_BUNDLE_VIEWS = 60;

/** How many ranks are eligible for bundle membership with `items` items. */
export function bundlePoolSize(items: number): number {
  return bundlePoolEnd(items) - bundlePoolStart(items);
}

function bundlePoolStart(items: number): number {
  return Math.floor(items * BUNDLE_RANK_RANGE.from);
}

function bundlePoolEnd(items: number): number {
  return Math.ceil(items * BUNDLE_RANK_RANGE.to);
}

function categoryName(k: number): { department: string; name: string; noun: string; modifier: string } {
  const n = k % NOUNS.length;
  const round = Math.floor(k / NOUNS.length);
  // For a fixed noun, (round + n) mod |MODIFIERS| walks through distinct modifiers: names are unique
  // for the first |NOUNS| * |MODIFIERS| categories, then a number keeps them apart.
  const modifier = MODIFIERS[(round + n) % MODIFIERS.length] as string;
  const [department, noun] = NOUNS[n] as readonly [string, string];
  const cycle = Math.floor(k / (NOUNS.length * MODIFIERS.length));
  const name = cycle === 0 ? `${modifier} ${noun}` : `${modifier} ${noun} ${cycle + 1}`;
  return { department, name, noun, modifier };
}

/** Builds the catalog, tastes and bundles. Draws only from `rng`, in a fixed order. */
export function buildWorld(options: Readonly<SyntheticOptions>, rng: Rng): SyntheticWorld {
  const { items: n, categories: nc, tasteClusters: nk, customers } = options;

  // Categories: names, search queries, a base price level.
  const categoryNames: string[] = [];
  const categoryQueries: string[][] = [];
  const categoryPaths: (readonly string[])[] = [];
  const categoryBasePrice = new Float64Array(nc);
  for (let k = 0; k < nc; k++) {
    const c = categoryName(k);
    categoryNames.push(c.name);
    categoryQueries.push([c.name, c.noun, `${c.noun} ${c.modifier}`]);
    categoryPaths.push(Object.freeze([c.department, c.name]));
    categoryBasePrice[k] = Math.exp(Math.log(5) + rng.next() * (Math.log(300) - Math.log(5)));
  }

  // Popularity: a random rank per item, Zipf weight by rank (so ids say nothing about popularity).
  const rankOrder = new Int32Array(n);
  for (let j = 0; j < n; j++) rankOrder[j] = j;
  shuffleInPlace(rankOrder, rng); // rankOrder[r] = item at rank r
  const itemWeight = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const j = rankOrder[r] as number;
    itemWeight[j] = (r + 1) ** -options.zipfExponent;
  }

  // Categories: the first `nc` items seed one category each so none is empty; the rest are random.
  const itemCategory = new Int32Array(n);
  for (let j = 0; j < n; j++) itemCategory[j] = j < nc ? j : rng.int(nc);
  const { start: categoryStart, order: categoryItems } = groupByKey(itemCategory, nc);

  const scratch = new Int32Array(Math.max(n, nc));
  const globalTable = allocAlias(n);
  buildAliasSegment(itemWeight, 0, n, globalTable, scratch);
  const categoryTables = allocAlias(n);
  const grouped = new Float64Array(n);
  for (let i = 0; i < n; i++) grouped[i] = itemWeight[categoryItems[i] as number] as number;
  for (let k = 0; k < nc; k++) {
    const start = categoryStart[k] as number;
    buildAliasSegment(grouped, start, (categoryStart[k + 1] as number) - start, categoryTables, scratch);
  }

  // Taste clusters: 2–4 favourite categories each; the rest share 15% of the cluster's mass.
  const clusterWeights = new Float64Array(nk * nc);
  const clusterCategoryWeights = new Float32Array(nk * nc);
  const clusterTables = allocAlias(nk * nc);
  const order = new Int32Array(nc);
  for (let k = 0; k < nk; k++) {
    const favourites = Math.min(nc, 2 + rng.int(3));
    for (let i = 0; i < nc; i++) order[i] = i;
    let favMass = 0;
    for (let i = 0; i < favourites; i++) {
      const pick = i + rng.int(nc - i); // partial Fisher–Yates
      const tmp = order[i] as number;
      order[i] = order[pick] as number;
      order[pick] = tmp;
      const w = 1 + rng.next();
      clusterWeights[k * nc + (order[i] as number)] = w;
      favMass += w;
    }
    if (nc > favourites) {
      const base = (0.15 * favMass) / (nc - favourites);
      for (let i = favourites; i < nc; i++) clusterWeights[k * nc + (order[i] as number)] = base;
    }
    let total = 0;
    for (let c = 0; c < nc; c++) total += clusterWeights[k * nc + c] as number;
    buildAliasSegment(clusterWeights, k * nc, nc, clusterTables, scratch);
    for (let c = 0; c < nc; c++) {
      clusterWeights[k * nc + c]! /= total;
      clusterCategoryWeights[k * nc + c] = clusterWeights[k * nc + c] as number;
    }
  }
  const customerCluster = new Int32Array(customers);
  for (let c = 0; c < customers; c++) customerCluster[c] = rng.int(nk);

  // Expected share of a customer's own item picks per item: the mix of taste-driven picks (cluster
  // → category → popularity within it) and global-popularity picks that the sessions make.
  const clusterShare = new Float64Array(nk);
  for (let c = 0; c < customers; c++) clusterShare[customerCluster[c] as number]!++;
  const categoryMass = new Float64Array(nc);
  for (let k = 0; k < nk; k++) {
    const share = (clusterShare[k] as number) / customers;
    for (let c = 0; c < nc; c++) categoryMass[c]! += share * (clusterWeights[k * nc + c] as number);
  }
  const categoryWeight = new Float64Array(nc);
  let totalWeight = 0;
  for (let j = 0; j < n; j++) {
    categoryWeight[itemCategory[j] as number]! += itemWeight[j] as number;
    totalWeight += itemWeight[j] as number;
  }
  const itemPopularity = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const k = itemCategory[j] as number;
    const w = itemWeight[j] as number;
    itemPopularity[j] =
      (1 - options.tasteStrength) * (w / totalWeight) +
      (options.tasteStrength * (categoryMass[k] as number) * w) / (categoryWeight[k] as number);
  }

  // Planted bundles: members drawn without replacement from items of ordinary expected popularity
  // (neither the head nor the long tail), so a pair is neither trivially popular nor too rare to see.
  const pairs = options.bundles;
  const triples = options.bundleTriples;
  const byPopularity = new Int32Array(n);
  for (let j = 0; j < n; j++) byPopularity[j] = j;
  byPopularity.sort((a, b) => (itemPopularity[b] as number) - (itemPopularity[a] as number) || a - b);
  const members = 2 * pairs + 3 * triples;
  const views = customers * options.sessionsPerCustomer * options.viewsPerSession;
  const from = bundlePoolStart(n);
  let to = from + members;
  while (to < bundlePoolEnd(n) && (itemPopularity[byPopularity[to] as number] as number) * views >= MIN_BUNDLE_VIEWS)
    to++;
  const pool = byPopularity.slice(from, to);
  shuffleInPlace(pool, rng);
  const bundleCount = pairs + triples;
  const bundleStart = new Int32Array(bundleCount + 1);
  const bundleItems = pool.slice(0, members);
  const bundleOf = new Int32Array(n).fill(-1);
  for (let b = 0; b < bundleCount; b++) {
    const size = b < pairs ? 2 : 3;
    bundleStart[b + 1] = (bundleStart[b] as number) + size;
    for (let i = bundleStart[b] as number; i < (bundleStart[b + 1] as number); i++)
      bundleOf[bundleItems[i] as number] = b;
  }

  // Catalog entries and the remaining item attributes.
  const itemIds: string[] = new Array(n);
  const itemPrice = new Float64Array(n);
  const itemQuality = new Float64Array(n);
  const catalogItems: CatalogItem[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const id = `i${j}`;
    itemIds[j] = id;
    const k = itemCategory[j] as number;
    const price = Math.floor((categoryBasePrice[k] as number) * Math.exp(0.35 * normal(rng))) + 0.99;
    itemPrice[j] = price;
    const quality = 2.6 + 1.1 * (rng.next() + rng.next());
    itemQuality[j] = quality;
    // All-time review count, roughly proportional to popularity (rank 1 has weight 1).
    const ratingCount = Math.floor(((itemWeight[j] as number) * 2000 + 5) * rng.next());
    const brand = BRANDS[rng.int(BRANDS.length)] as string;
    const stock = rng.next() < options.outOfStockShare ? 0 : 1 + Math.floor(Math.exp(rng.next() * Math.log(500)));
    catalogItems[j] = {
      id,
      title: `${brand} ${categoryNames[k] as string} ${String.fromCharCode(65 + (j % 26))}${100 + (j % 900)}`,
      categoryPath: categoryPaths[k],
      price,
      margin: Math.round((0.05 + 0.5 * rng.next()) * 100) / 100,
      stock,
      ratingMean: ratingCount > 0 ? Math.round(quality * 10) / 10 : undefined,
      ratingCount,
    };
  }
  const catalog = new Map<string, CatalogItem>();
  for (const item of catalogItems) catalog.set(item.id, item);

  return {
    itemIds,
    itemCategory,
    itemPrice,
    itemWeight,
    itemPopularity,
    itemQuality,
    categoryNames,
    categoryQueries,
    categoryStart,
    categoryItems,
    categoryTables,
    globalTable,
    clusterTables,
    clusterCategoryWeights,
    customerCluster,
    bundleOf,
    bundleStart,
    bundleItems,
    catalog,
  };
}
