import type { CacheReadEvent, CacheStore } from '@encore/cache';
import type { Catalog } from '@encore/core';
import type { Because, ModelSet, ServedList, ServingFilter, ServingRules } from '@encore/models';

/**
 * The facade's options, events and answers: the types a backend service writes against (the
 * behaviour is in engine.ts).
 */

/**
 * A computed answer refused for load (see EngineOptions.maxComputedPerSecond): `id` is the
 * customer's; `served` what the answer holds instead — 'best-sellers' (the curated best sellers:
 * the published list, else the models'), or 'cached' (a published list shorter than k, left
 * unfilled). The answer says so too (source 'shed' and a warning, or a warning).
 */
export interface EngineShedEvent {
  readonly type: 'shed';
  readonly kind: 'recommendations';
  readonly id: string;
  readonly served: 'best-sellers' | 'cached';
  readonly maxComputedPerSecond: number;
}

/**
 * What the engine reports instead of throwing: cache trouble and misses (@encore/cache's
 * CacheReadEvent: 'cache-error', 'cache-recovered', 'cache-miss'), and answers it would not
 * compute for load ('shed', {@link EngineShedEvent}).
 */
export type EngineEvent = CacheReadEvent | EngineShedEvent;

export interface EngineOptions {
  /** What to compute answers from when the cache has none: `await loadModels(…dirs)` (default: none). */
  readonly models: ModelSet;
  /**
   * Where precomputed answers live: a CacheStore (left open by `close()`), or a Redis URL
   * (redis://host:port: connected here and closed by `close()`; unreachable is not an error — the
   * engine computes until it answers, reporting 'cache-error'). Default: a new MemoryCache.
   */
  readonly cache: CacheStore | string;
  /** Put before every cache key when `cache` is a URL (default 'encore:'). */
  readonly cachePrefix: string | undefined;
  /** Item attributes for filters, rules and titles (default: the catalog in the models). */
  readonly catalog: Catalog | undefined;
  /** One shop's keyspace (default 'default'). */
  readonly namespace: string;
  /** The clock (epoch ms) of the cache's freshness, the circuit breaker and requests (default Date.now). */
  readonly now: () => number;
  /** A cache call slower than this is abandoned and the answer computed (default 50 ms). */
  readonly cacheTimeoutMs: number;
  /** After a cache failure, skip the cache for this long, then try again (default 1,000 ms). */
  readonly retryAfterMs: number;
  /** How long the resolved version pointer is reused (default 1,000 ms; see @encore/cache's CacheReader). */
  readonly pointerTtlMs: number;
  /** Time to live of answers computed on a miss and written back (default 1 h; 0: no write-back). */
  readonly writeBackTtlMs: number;
  /** Candidates taken from each source before filters and rules cut the list to k (default 100). */
  readonly depth: number;
  /** Cache trouble and misses, for logs and metrics (default: ignored). */
  readonly onEvent: (event: EngineEvent) => void;
  /** 'fallback' (default): cache trouble is reported and the answer computed; 'throw': it rejects the call. */
  readonly cacheErrors: 'fallback' | 'throw';
  /**
   * Load shedding: at most this many customers' lists computed per second, on `now` (default
   * 1,000; Infinity: no limit; 0: none computed). A computed list costs 0.1–0.6 ms of CPU where a
   * cache hit costs ~5 µs (see the serving benchmark), so when the cache is lost every request
   * would compute, and a process would fall behind its traffic; past this rate `recommend`
   * answers with the curated best sellers instead — the published list if the cache answers, else
   * the models' (their shelf's, else their most-bought items), filtered and ruled as asked but
   * not personal — marked `source: 'shed'` with a warning, and reported as a 'shed' event. A token
   * bucket: bursts up to one second's worth. `together` and `list` compute in microseconds and are
   * never shed.
   */
  readonly maxComputedPerSecond: number;
  /**
   * Keep what customers already have in their computed lists (default false: bought, carted and
   * just-seen items are left out). For shops whose customers buy the same things again: publish
   * with `encore score --include-seen` to match.
   */
  readonly includeSeen: boolean;
}

export const DEFAULT_ENGINE_OPTIONS: Readonly<Omit<EngineOptions, 'cache' | 'cachePrefix' | 'catalog' | 'models'>> =
  Object.freeze({
    namespace: 'default',
    now: Date.now,
    cacheTimeoutMs: 50,
    retryAfterMs: 1000,
    pointerTtlMs: 1000,
    writeBackTtlMs: 3_600_000,
    depth: 100,
    onEvent: () => undefined,
    cacheErrors: 'fallback',
    maxComputedPerSecond: 1000,
    includeSeen: false,
  });

/** Options of `recommend`. */
export interface EngineRecommendOptions {
  /** List length (default 10). */
  readonly k?: number;
  /** Keep only items that pass (needs a catalog). */
  readonly filter?: ServingFilter;
  /** Margin and promotion boosts, bury, pins, per-category caps (needs a catalog). */
  readonly rules?: ServingRules;
  /** Items the customer has just seen that the models do not hold yet: seeds, folded in (ALS), left out. */
  readonly recentItems?: readonly string[];
  /** Add each item's title from the catalog (default false). */
  readonly titles?: boolean;
}

/** One item as the engine serves it. */
export interface EngineItem {
  readonly item: string;
  readonly score: number;
  /** Why it is there, largest contribution first; absent only on cached lists published without explanations. */
  readonly because?: readonly Because[];
  /** Baskets holding it with the input items (together, when computed). */
  readonly support?: number;
  /** With `titles: true`. */
  readonly title?: string;
}

/** One list as the engine serves it. */
export interface EngineList {
  readonly items: readonly EngineItem[];
  /**
   * Where it came from: 'cache' (published or written back), 'model' (the customer's factors),
   * 'fold-in' (factors computed from their items), 'cooccurrence' (bought-together of their cart or
   * recent items, or of the given items), 'popular' (curated lists for a customer nothing is known
   * about), 'lists' (the curated shelf of the models), 'shed' (the best sellers instead of a
   * computed list, over `maxComputedPerSecond`; `version` says whether they came from the cache).
   *
   * A published list shorter than the k asked (published at a smaller k, or cut by `filter`) is
   * filled up from the computed answer — a backend asking for k items lays out k — and says so in
   * `warnings`; its source stays 'cache'. Filling a customer's list computes it, and counts against
   * `maxComputedPerSecond` (over it, the short list is served with a warning).
   */
  readonly source: 'cache' | 'shed' | ServedList['source'];
  /** The cache version it was read from, null when computed. */
  readonly version: number | null;
  readonly warnings: readonly string[];
}
