import {
  checkInteger,
  checkName,
  checkNumber,
  checkOptions,
  type EventType,
  invalidArgument,
  type TopK,
} from '@encore/core';
import { type CandidateSource, mergeCandidates } from './candidates.js';
import type { CustomerHistory } from './history.js';
import { checkHistory, checkTypes, latestItems, openCart } from './internal/timeline.js';

/**
 * Which candidates a customer gets:
 * - 'personal' — a personal model knows them (some `personal` source has candidates): those
 *   sources, plus bought-together seeded by their cart, then their recent items;
 * - 'cart' — cold start with a cart: bought-together from the cart's items;
 * - 'recent' — cold start with browsing only: bought-together from the recent items;
 * - 'curated' — cold start with no history: the curated lists.
 */
export type SourceStrategy = 'personal' | 'cart' | 'recent' | 'curated';

/** The reasons chooseSources writes on the sources it returns (they reach each Explanation). */
export const SOURCE_REASONS = Object.freeze({
  /** Curated lists for a customer with no history. */
  noHistory: 'cold-start:no-history',
  /** Curated lists for a customer with history but nothing to seed (no personal source, no `together`). */
  curated: 'cold-start:curated',
  /** Bought-together from the cart of a customer the models do not know. */
  cart: 'cold-start:cart',
  /** Bought-together from the recent items of a customer the models do not know. */
  recent: 'cold-start:recent',
  /** Bought-together from a known customer's cart and recent items. */
  recentItems: 'recent-items',
  /** Curated lists behind the main sources, at a low weight, so a short list still fills up. */
  backfill: 'backfill',
} as const);

/** What the caller can offer; ranking calls no model itself. */
export interface SourceProviders {
  /** Sources scored by personal models for this customer (e.g. ALS top-N); empty when they do not know them. */
  readonly personal?: readonly CandidateSource[];
  /** Bought-together of one item, e.g. `(i) => together(model, i, { k: 50 })`; undefined when unknown. */
  readonly together?: (item: number) => TopK | undefined;
  /** Curated lists as sources (best sellers, trending, …): the cold-start answer and the backfill. */
  readonly curated?: readonly CandidateSource[];
}

export interface ChooseSourcesOptions {
  /** Most seed items for bought-together (default 5). */
  readonly maxSeeds?: number;
  /** Event types that make history and recent items (default view, cart, purchase, wishlist, rate). */
  readonly historyTypes?: readonly EventType[];
  /** Weight of the curated sources behind other sources (default 0.1: they fill, they do not lead). */
  readonly backfillWeight?: number;
  /** Name of the bought-together source (default 'bought-together'). */
  readonly togetherName?: string;
  /** Weight of the bought-together source (default 1). */
  readonly togetherWeight?: number;
}

export const DEFAULT_CHOOSE_SOURCES_OPTIONS: Readonly<{
  maxSeeds: number;
  historyTypes: readonly EventType[];
  backfillWeight: number;
  togetherName: string;
  togetherWeight: number;
}> = Object.freeze({
  maxSeeds: 5,
  historyTypes: Object.freeze(['view', 'cart', 'purchase', 'wishlist', 'rate'] as EventType[]),
  backfillWeight: 0.1,
  togetherName: 'bought-together',
  togetherWeight: 1,
});

/** The sources to rank for one customer and why. */
export interface SourcePlan {
  readonly strategy: SourceStrategy;
  /** The customer's items that seeded bought-together, most relevant first. */
  readonly seeds: Int32Array;
  /** Hand these to rankItems. */
  readonly sources: readonly CandidateSource[];
}

/**
 * Chooses the candidate sources for a customer (see SourceStrategy): the cold-start policy. The
 * curated sources come back at their own weight under 'curated' (reason SOURCE_REASONS.noHistory,
 * or `curated` when there is history but nothing to seed from), and as a backfill at `backfillWeight` × their weight otherwise; bought-together
 * candidates carry their seed as `because`, so the explanation reads "because it is in your cart".
 * Without `together`, a customer the personal models do not know gets the curated lists.
 *
 * Defaults: DEFAULT_CHOOSE_SOURCES_OPTIONS. Throws INVALID_ARGUMENT for a malformed history,
 * providers that are not sources or a function, or bad options.
 *
 * @example
 * const plan = chooseSources(history, {
 *   personal: known ? [{ name: 'als', ...recommendItems(als, Int32Array.of(u), { k: 100 })[0] }] : [],
 *   together: (i) => together(model, i, { k: 50 }),
 *   curated: [{ name: 'best-sellers', ...bestSellers(log, { now }) }],
 * });
 * const list = rankItems(plan.sources, { attributes, history, now });
 */
export function chooseSources(
  history: CustomerHistory | undefined,
  providers: SourceProviders,
  options: ChooseSourcesOptions = {},
): SourcePlan {
  const where = 'ranking/chooseSources';
  const h = history === undefined ? undefined : checkHistory(where, history);
  const p = checkOptions(where, providers, ['personal', 'together', 'curated'], 'providers');
  const o = checkOptions(where, options, Object.keys(DEFAULT_CHOOSE_SOURCES_OPTIONS));
  const d = DEFAULT_CHOOSE_SOURCES_OPTIONS;
  const maxSeeds = checkInteger(where, 'maxSeeds', o.maxSeeds ?? d.maxSeeds, 1);
  const historyTypes = checkTypes(where, 'historyTypes', o.historyTypes ?? d.historyTypes);
  const backfillWeight = checkNumber(where, 'backfillWeight', o.backfillWeight ?? d.backfillWeight, 0);
  const togetherName = checkName(where, 'togetherName', o.togetherName ?? d.togetherName);
  const togetherWeight = checkNumber(where, 'togetherWeight', o.togetherWeight ?? d.togetherWeight, 0);
  const personal = sourceList(where, 'providers.personal', p.personal);
  const curated = sourceList(where, 'providers.curated', p.curated);
  const together = p.together as SourceProviders['together'];
  if (together !== undefined && typeof together !== 'function') {
    throw invalidArgument(where, 'providers.together must be a function of an item index', together);
  }

  const cart = h === undefined ? new Int32Array(0) : openCart(h, Number.NEGATIVE_INFINITY);
  const recent = h === undefined ? new Int32Array(0) : latestItems(h, historyTypes, maxSeeds + cart.length);
  const known = personal.some((s) => s.ids.length > 0);
  const strategy: SourceStrategy = known
    ? 'personal'
    : together !== undefined && cart.length > 0
      ? 'cart'
      : together !== undefined && recent.length > 0
        ? 'recent'
        : 'curated';

  if (strategy === 'curated') {
    return {
      strategy,
      seeds: new Int32Array(0),
      sources: curated.map((s) => ({
        ...s,
        reason: recent.length === 0 ? SOURCE_REASONS.noHistory : SOURCE_REASONS.curated,
      })),
    };
  }
  // Cart items first (the strongest intent), then recent items, without repeats.
  const seedList: number[] = strategy === 'recent' ? [] : Array.from(cart.subarray(0, maxSeeds));
  if (strategy !== 'cart') {
    for (const i of recent) if (seedList.length < maxSeeds && !seedList.includes(i)) seedList.push(i);
  }
  const seeds = Int32Array.from(seedList);
  const sources: CandidateSource[] = strategy === 'personal' ? [...personal] : [];
  if (together !== undefined && seeds.length > 0) {
    const lists: TopK[] = [];
    const because: number[] = [];
    for (const seed of seeds) {
      const list = together(seed);
      if (list === undefined) continue;
      lists.push(list);
      because.push(seed);
    }
    const reason =
      strategy === 'cart'
        ? SOURCE_REASONS.cart
        : strategy === 'recent'
          ? SOURCE_REASONS.recent
          : SOURCE_REASONS.recentItems;
    sources.push(mergeCandidates(lists, { name: togetherName, because, weight: togetherWeight, reason }));
  }
  for (const s of curated)
    sources.push({ ...s, weight: (s.weight ?? 1) * backfillWeight, reason: SOURCE_REASONS.backfill });
  return { strategy, seeds, sources };
}

function sourceList(where: string, name: string, value: unknown): readonly CandidateSource[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgument(where, `${name} must be an array of CandidateSource`, value);
  value.forEach((s, at) => {
    if (typeof s !== 'object' || s === null || !(s.ids instanceof Int32Array)) {
      throw invalidArgument(where, `${name}[${at}] must be a CandidateSource ({ name, ids, scores })`, s);
    }
  });
  return value as readonly CandidateSource[];
}
