import {
  type Catalog,
  createRng,
  EncoreError,
  ErrorCode,
  type EventLog,
  EventLogBuilder,
  IdMap,
  invalidArgument,
} from '@encore/core';
import { expectedEventsPerSession, simulateSessions } from './internal/synthetic-sessions.js';
import { buildWorld, bundlePoolSize } from './internal/synthetic-world.js';

export { EVENT_CSV_HEADER, writeEventsCsv } from './internal/synthetic-csv.js';

/**
 * Knobs of the synthetic shop. Counts are integers; rates are probabilities in [0, 1].
 * Defaults: {@link DEFAULT_SYNTHETIC_OPTIONS} (the `small` preset).
 */
export interface SyntheticOptions {
  /** Seed of every random choice: the same options give a byte-identical dataset. */
  readonly seed: number;
  /** End of the simulated period, epoch ms (default 2025-01-01T00:00:00Z, never the clock). */
  readonly now: number;
  /** Number of customers (ids `c0`, `c1`, …). */
  readonly customers: number;
  /** Number of catalog items (ids `i0`, `i1`, …). */
  readonly items: number;
  /** Number of item categories (≤ items). */
  readonly categories: number;
  /** Number of latent taste clusters; each favours 2–4 categories. */
  readonly tasteClusters: number;
  /** Share of item picks driven by the customer's cluster; the rest follow global popularity. */
  readonly tasteStrength: number;
  /** Length of the simulated period in days, ending at `now`. */
  readonly days: number;
  /** Mean sessions per customer (≥ 1; every customer has at least one). */
  readonly sessionsPerCustomer: number;
  /** Mean item views per session (≥ 1, capped at 200 per session). */
  readonly viewsPerSession: number;
  /** Exponent s of the Zipf popularity `1 / rank^s` (> 0; about 1 in real shops). */
  readonly zipfExponent: number;
  /** Chance that a view puts the item in the cart. */
  readonly cartRate: number;
  /** Chance that a session with a cart ends without an order. */
  readonly abandonRate: number;
  /** Chance that a carted (non-bundle) item is removed before checkout. */
  readonly removeRate: number;
  /** Chance that a view adds the item to the wishlist. */
  readonly wishlistRate: number;
  /** Chance that a session starts with a search (its query is made of the first item's category words). */
  readonly searchRate: number;
  /** Chance that a purchased item is rated (1–5) some days later. */
  readonly rateRate: number;
  /** Chance that a purchased item is returned some days later. */
  readonly returnRate: number;
  /** Share of customers whose sessions often start before login (anonymousId / deviceId, no userId). */
  readonly anonymousShare: number;
  /** Number of planted item pairs. */
  readonly bundles: number;
  /** Number of planted item triples (in addition to the pairs). */
  readonly bundleTriples: number;
  /** Chance that the other members of a bundle join the cart when one member is carted. */
  readonly bundleStrength: number;
  /** Share of catalog items with stock 0. */
  readonly outOfStockShare: number;
  /** Tag sessions with a channel (`web`, `app`, `email`). */
  readonly channels: boolean;
}

/** What was planted, so tests of other packages can check their answers. */
export interface SyntheticTruth {
  /** Planted bundles as item ids: pairs first, then triples. */
  readonly bundles: readonly (readonly string[])[];
  /** Taste cluster of customer `c${c}` at index c (the log's user index c is also `c${c}`). */
  readonly customerCluster: Int32Array;
  /** Category of item `i${j}` at index j (the log's item index j is also `i${j}`). */
  readonly itemCategory: Int32Array;
  /** Category names by category index (the second entry of each item's categoryPath). */
  readonly categoryNames: readonly string[];
  /** Row-major clusters × categories, each row summing to 1: the latent tastes. */
  readonly clusterCategoryWeights: Float32Array;
  /**
   * Expected share of the customers' own item picks (views before carts and bundles) landing on
   * each item; sums to 1. Zipf over a random rank, reshaped by the taste clusters.
   */
  readonly itemPopularity: Float64Array;
  /** Customer index owning anonymous id `a${k}` at index k. */
  readonly anonymousOwner: Int32Array;
  /** Customer index owning device id `d${k}` at index k. */
  readonly deviceOwner: Int32Array;
  readonly sessions: number;
  readonly orders: number;
  /** Sessions with at least one cart event and no purchase. */
  readonly abandonedCarts: number;
}

/** A generated dataset: the events, the catalog, what was planted and the options that made it. */
export interface SyntheticDataset {
  /**
   * Events grouped by customer, each customer's sessions in time order (rows are not globally
   * sorted by time). Item index j is `i${j}` and user index c is `c${c}` in the log's IdMaps.
   */
  readonly log: EventLog;
  readonly catalog: Catalog;
  readonly truth: SyntheticTruth;
  readonly options: Readonly<SyntheticOptions>;
}

/** Preset names accepted by {@link generateSynthetic}. */
export type SyntheticPreset = 'small' | 'large';

const SMALL: Readonly<SyntheticOptions> = Object.freeze({
  seed: 42,
  now: Date.UTC(2025, 0, 1),
  customers: 1000,
  items: 500,
  categories: 24,
  tasteClusters: 6,
  tasteStrength: 0.7,
  days: 90,
  sessionsPerCustomer: 10,
  viewsPerSession: 3,
  zipfExponent: 1,
  cartRate: 0.25,
  abandonRate: 0.35,
  removeRate: 0.05,
  wishlistRate: 0.03,
  searchRate: 0.15,
  rateRate: 0.2,
  returnRate: 0.02,
  anonymousShare: 0.3,
  bundles: 20,
  bundleTriples: 3,
  bundleStrength: 0.85,
  outOfStockShare: 0.05,
  channels: true,
});

/**
 * Named option sets. `small`: ~1k customers, 500 items, ~50k events, for tests.
 * `large`: 1M customers, 100k items, ~6M events, for scale benchmarks.
 */
export const SYNTHETIC_PRESETS: Readonly<Record<SyntheticPreset, Readonly<SyntheticOptions>>> = Object.freeze({
  small: SMALL,
  large: Object.freeze({
    ...SMALL,
    customers: 1_000_000,
    items: 100_000,
    categories: 400,
    tasteClusters: 40,
    sessionsPerCustomer: 1.25,
    bundles: 1000,
    bundleTriples: 100,
  }),
});

/** The options used when none are given: the `small` preset. */
export const DEFAULT_SYNTHETIC_OPTIONS: Readonly<SyntheticOptions> = SMALL;

const WHERE = 'datasets/generateSynthetic';
const DAY = 86_400_000;
/** parseTimestamp reads numbers below 1e11 as epoch seconds: keep every event above it. */
const MIN_TIMESTAMP = 1e11;
const MAX_TIMESTAMP = 8.64e15;

type Check = (v: number) => boolean;
const isInt =
  (min: number, max: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && v >= min && v <= max;
const inRange =
  (min: number, max: number): Check =>
  (v) =>
    Number.isFinite(v) && v >= min && v <= max;
const RATE: Check = inRange(0, 1);
const INT32 = 0x7fffffff;

const NUMERIC: Readonly<Record<Exclude<keyof SyntheticOptions, 'channels'>, readonly [Check, string]>> = {
  seed: [isInt(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), 'an integer'],
  now: [inRange(MIN_TIMESTAMP, MAX_TIMESTAMP), 'epoch milliseconds after 1973'],
  customers: [isInt(1, INT32), 'an integer ≥ 1'],
  items: [isInt(1, INT32), 'an integer ≥ 1'],
  categories: [isInt(1, INT32), 'an integer in [1, items]'],
  tasteClusters: [isInt(1, 100_000), 'an integer in [1, 100000]'],
  tasteStrength: [RATE, 'a number in [0, 1]'],
  days: [inRange(Number.MIN_VALUE, 100_000), 'a number of days > 0'],
  sessionsPerCustomer: [inRange(1, 100_000), 'a mean ≥ 1'],
  viewsPerSession: [inRange(1, 200), 'a mean in [1, 200]'],
  zipfExponent: [inRange(Number.MIN_VALUE, 20), 'a number > 0 (about 1)'],
  cartRate: [RATE, 'a number in [0, 1]'],
  abandonRate: [RATE, 'a number in [0, 1]'],
  removeRate: [RATE, 'a number in [0, 1]'],
  wishlistRate: [RATE, 'a number in [0, 1]'],
  searchRate: [RATE, 'a number in [0, 1]'],
  rateRate: [RATE, 'a number in [0, 1]'],
  returnRate: [RATE, 'a number in [0, 1]'],
  anonymousShare: [RATE, 'a number in [0, 1]'],
  bundles: [isInt(0, INT32), 'an integer ≥ 0'],
  bundleTriples: [isInt(0, INT32), 'an integer ≥ 0'],
  bundleStrength: [RATE, 'a number in [0, 1]'],
  outOfStockShare: [RATE, 'a number in [0, 1]'],
};

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Resolves a preset plus overrides into complete options; INVALID_ARGUMENT on anything off. */
function resolveOptions(input: unknown): Readonly<SyntheticOptions> {
  if (input === undefined) return DEFAULT_SYNTHETIC_OPTIONS;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidArgument(WHERE, `options must be an object, got ${describe(input)}`, input);
  }
  const raw = input as Record<string, unknown>;
  const preset = raw.preset ?? 'small';
  if (preset !== 'small' && preset !== 'large') {
    throw invalidArgument(WHERE, `unknown preset ${describe(preset)}, expected 'small' or 'large'`, preset);
  }
  const base = SYNTHETIC_PRESETS[preset];
  const resolved: Record<string, unknown> = { ...base };
  for (const key of Object.keys(raw)) {
    if (key === 'preset' || raw[key] === undefined) continue;
    if (!Object.hasOwn(base, key)) {
      throw invalidArgument(
        WHERE,
        `unknown option ${JSON.stringify(key)}, expected one of ${Object.keys(base).join(', ')}`,
        key,
      );
    }
    resolved[key] = raw[key];
  }
  for (const [key, [check, expected]] of Object.entries(NUMERIC)) {
    const v = resolved[key];
    if (typeof v !== 'number' || !check(v)) {
      throw invalidArgument(WHERE, `options.${key} is ${describe(v)}, expected ${expected}`, v);
    }
  }
  if (typeof resolved.channels !== 'boolean') {
    throw invalidArgument(
      WHERE,
      `options.channels is ${describe(resolved.channels)}, expected a boolean`,
      resolved.channels,
    );
  }
  const o = resolved as unknown as SyntheticOptions;
  if (o.categories > o.items) {
    throw invalidArgument(
      WHERE,
      `options.categories is ${o.categories}, expected at most items (${o.items})`,
      o.categories,
    );
  }
  if (o.now - o.days * DAY < MIN_TIMESTAMP) {
    throw invalidArgument(WHERE, `options.days reaches back before 1973 from now, expected a shorter span`, o.days);
  }
  const members = 2 * o.bundles + 3 * o.bundleTriples;
  const pool = bundlePoolSize(o.items);
  if (members > pool) {
    throw invalidArgument(
      WHERE,
      `${o.bundles} pairs and ${o.bundleTriples} triples need ${members} items of ordinary popularity, expected at most ${pool} with ${o.items} items`,
      members,
    );
  }
  return Object.freeze(o);
}

/**
 * Generates a seeded synthetic shop: a catalog with Zipf popularity, customers with latent
 * tastes, sessions of views → carts → orders (some carts abandoned), wishlists, searches, ratings,
 * returns, pre-login events for identity stitching, and planted bundles bought together. Known
 * truth comes back with it, so other packages can be tested on planted answers.
 *
 * Same options, same bytes: nothing reads the clock or Math.random. Options are a preset
 * (default `small`) overridden field by field.
 *
 * @throws EncoreError INVALID_ARGUMENT for an unknown preset or option, a count that is not a
 *   positive integer, a rate outside [0, 1], `zipfExponent` ≤ 0, more bundle members than items of
 *   ordinary popularity; LIMIT_EXCEEDED when the expected events exceed 2^31 - 1.
 * @example
 * const { log, catalog, truth } = generateSynthetic({ preset: 'small', seed: 7 });
 * truth.bundles; // [['i312', 'i87'], …]
 */
export function generateSynthetic(
  options?: Partial<SyntheticOptions> & { readonly preset?: SyntheticPreset },
): SyntheticDataset {
  const o = resolveOptions(options);
  const expected = Math.ceil(o.customers * o.sessionsPerCustomer * expectedEventsPerSession(o) * 1.05) + 1024;
  if (expected > INT32) {
    throw new EncoreError(
      ErrorCode.LIMIT_EXCEEDED,
      `${WHERE}: about ${expected} events expected, at most 2^31 - 1 fit a log`,
      {
        value: expected,
      },
    );
  }
  const worldRng = createRng(o.seed);
  // The sessions get their own stream, so changing a session knob leaves the catalog unchanged.
  const sessionRng = createRng(worldRng.uint32());
  const world = buildWorld(o, worldRng);

  // Pre-interned ids: log index j is item `i${j}`, log user index c is customer `c${c}`.
  const users = IdMap.from(customerIds(o.customers));
  const items = IdMap.from(world.itemIds);
  const builder = new EventLogBuilder({ capacity: expected, ids: { users, items } });
  const stats = simulateSessions(world, o, sessionRng, builder);
  const log = builder.finish();

  const bundles: (readonly string[])[] = [];
  for (let b = 0; b + 1 < world.bundleStart.length; b++) {
    const members: string[] = [];
    for (let m = world.bundleStart[b] as number; m < (world.bundleStart[b + 1] as number); m++) {
      members.push(world.itemIds[world.bundleItems[m] as number] as string);
    }
    bundles.push(Object.freeze(members));
  }
  return {
    log,
    catalog: world.catalog,
    truth: Object.freeze({
      bundles: Object.freeze(bundles),
      customerCluster: world.customerCluster,
      itemCategory: world.itemCategory,
      categoryNames: world.categoryNames,
      clusterCategoryWeights: world.clusterCategoryWeights,
      itemPopularity: world.itemPopularity,
      anonymousOwner: stats.anonymousOwner,
      deviceOwner: stats.deviceOwner,
      sessions: stats.sessions,
      orders: stats.orders,
      abandonedCarts: stats.abandonedCarts,
    }),
    options: o,
  };
}

function* customerIds(n: number): Generator<string> {
  for (let c = 0; c < n; c++) yield `c${c}`;
}
