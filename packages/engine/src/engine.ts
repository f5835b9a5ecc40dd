import {
  type CacheReadEvent,
  type CacheReader,
  type CacheStore,
  connectRedisCache,
  createCacheReader,
  createMemoryCache,
  decodeCacheValue,
  decodeRankedEntries,
  type ListId,
  type RankedEntry,
  type RankedItems,
  type ReadPlan,
} from '@encore/cache';
import {
  type Catalog,
  checkInteger,
  checkOneOf,
  checkOptions,
  EncoreError,
  ErrorCode,
  invalidArgument,
} from '@encore/core';
import {
  type Because,
  checkModelSet,
  DEFAULT_SERVING_OPTIONS,
  listValue,
  type ModelSet,
  prepareServing,
  type ServedItem,
  type ServedList,
  type ServingFilter,
  type ServingModels,
  type ServingRules,
} from '@encore/models';

/** What the engine reports instead of throwing: cache trouble, and answers it had to compute. */
export type EngineEvent = CacheReadEvent;

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
   * about), 'lists' (the curated shelf of the models).
   */
  readonly source: 'cache' | ServedList['source'];
  /** The cache version it was read from, null when computed. */
  readonly version: number | null;
  readonly warnings: readonly string[];
}

type TitlesOption = { readonly titles?: boolean | undefined };
type Plan<Id extends string | ListId, O, V> = ReadPlan<Id, O, V, EngineList>;

const NO_WARNINGS: readonly string[] = Object.freeze([]);
const RECOMMEND_OPTIONS: readonly string[] = Object.freeze(['k', 'filter', 'rules', 'recentItems', 'titles']);
const TOGETHER_OPTIONS: readonly string[] = Object.freeze(['k', 'titles', 'relation']);
const LIST_OPTIONS: readonly string[] = Object.freeze(['category', 'k', 'titles']);

/**
 * The facade backend services call: recommendations, bought-together and curated lists in about a
 * millisecond from the cache, computed from the loaded models on a miss (and written back), every
 * computed item with its explanation, never a cache error thrown at the caller (unless asked):
 * when the cache fails or is slow it is skipped for a while and the answer computed. Made by
 * {@link createEngine}.
 */
export class Engine {
  readonly #serving: ServingModels;
  readonly #reader: CacheReader;
  readonly #cache: CacheStore | null;
  readonly #now: () => number;
  readonly #plans: {
    readonly recommend: Plan<string, EngineRecommendOptions, RankedEntry[]>;
    readonly recommendRanked: Plan<string, EngineRecommendOptions, RankedItems>;
    readonly together: Plan<string, TitlesOption, RankedEntry[]>;
    readonly list: Plan<ListId, TitlesOption, RankedEntry[]>;
  };
  #closed = false;

  /** Use {@link createEngine}. */
  constructor(serving: ServingModels, reader: CacheReader, ownedCache: CacheStore | null, now: () => number) {
    this.#serving = serving;
    this.#reader = reader;
    this.#cache = ownedCache;
    this.#now = now;
    const hit = (entries: RankedEntry[], r: { options: TitlesOption }, version: number): EngineList => ({
      items: r.options.titles === true ? this.#titled(entries) : entries,
      source: 'cache',
      version,
      warnings: NO_WARNINGS,
    });
    this.#plans = {
      recommend: reader.plan({
        kind: 'recommendations',
        decode: decodeRankedEntries,
        hit,
        miss: (r) => this.#recommendComputed(r.id, r.limit, r.options),
      }),
      recommendRanked: reader.plan({
        kind: 'recommendations',
        decode: decodeCacheValue,
        hit: (value, r, version) =>
          this.#answer(serving.reshape(value, { ...r.options, k: r.limit }), 'cache', version, r.options),
        miss: (r) => this.#recommendComputed(r.id, r.limit, r.options),
      }),
      together: reader.plan({
        kind: 'together',
        decode: decodeRankedEntries,
        hit,
        miss: async (r) => this.#togetherComputed([r.id], r.limit, r.options),
      }),
      list: reader.plan({
        kind: 'list',
        decode: decodeRankedEntries,
        hit,
        miss: async (r) => this.#listComputed(r.id, r.limit, r.options),
      }),
    };
  }

  /**
   * The top-k items for a customer: their published list (filtered and re-ranked when `filter` or
   * `rules` are given), else computed from the models — their factors or a fold-in of their items,
   * bought-together of their cart and recent items, the curated lists for cold start — blended,
   * filtered, ruled, each item explained, and written back. Rejects only for bad arguments
   * (INVALID_ARGUMENT), a closed engine, or models that cannot answer at all (UNKNOWN_ID).
   *
   * @example
   * const list = await engine.recommend('cust-42', { k: 10, filter: { inStock: true } });
   * list.items[0]?.because; // [{ source: 'als', item: '85123A' }, { source: 'bought-together', item: '21733' }]
   */
  recommend(customerId: string, options: EngineRecommendOptions = {}): Promise<EngineList> {
    // Not async: a cache hit is one promise (the reader's), and bad arguments still reject.
    const where = 'engine/recommend';
    let k: number;
    try {
      this.#checkOpen(where);
      checkId(where, 'customerId', customerId);
      checkOptions(where, options, RECOMMEND_OPTIONS);
      k = checkInteger(where, 'k', options.k ?? 10, 1, 10_000);
    } catch (error) {
      return Promise.reject(error);
    }
    return options.filter === undefined && options.rules === undefined
      ? this.#reader.read(this.#plans.recommend, customerId, k, options)
      : this.#reader.read(this.#plans.recommendRanked, customerId, k, options);
  }

  /**
   * Items that go with one item or a cart: the published list of a single item, else computed from
   * the co-occurrence model (summed over the cart), each item explained by the cart item behind it.
   * Unknown items add nothing (a warning). `relation` reads another relation of the model
   * ('viewed-together', 'viewed-bought'), computed.
   *
   * @example
   * const list = await engine.together(['85123A'], { k: 5 });
   */
  together(
    itemIds: readonly string[],
    options: { readonly k?: number; readonly titles?: boolean; readonly relation?: string } = {},
  ): Promise<EngineList> {
    const where = 'engine/together';
    let k: number;
    try {
      this.#checkOpen(where);
      if (!Array.isArray(itemIds) || itemIds.length === 0) {
        throw invalidArgument(where, 'itemIds must be a non-empty array of item ids', itemIds);
      }
      for (const id of itemIds) checkId(where, 'itemIds[]', id);
      checkOptions(where, options, TOGETHER_OPTIONS);
      if (options.relation !== undefined) checkId(where, 'relation', options.relation);
      k = checkInteger(where, 'k', options.k ?? 10, 1, 10_000);
    } catch (error) {
      return Promise.reject(error);
    }
    // A cart, or another relation than the published one: computed (only single items' lists are published).
    if (itemIds.length > 1 || !isServedRelation(options.relation)) {
      return new Promise((resolve) => resolve(this.#togetherComputed(itemIds, k, options)));
    }
    return this.#reader.read(this.#plans.together, itemIds[0] as string, k, options);
  }

  /**
   * A curated list ('best-sellers', 'trending', 'top-rated', 'most-wished', or any name a job
   * published), overall or for a category: the published one, else the models' shelf.
   *
   * @example
   * const shelf = await engine.list('top-rated', { category: 'Home > Lighting', k: 12 });
   */
  list(
    name: string,
    options: { readonly category?: string; readonly k?: number; readonly titles?: boolean } = {},
  ): Promise<EngineList> {
    const where = 'engine/list';
    let id: ListId;
    let k: number;
    try {
      this.#checkOpen(where);
      checkId(where, 'name', name);
      checkOptions(where, options, LIST_OPTIONS);
      if (options.category !== undefined) checkId(where, 'category', options.category);
      k = checkInteger(where, 'k', options.k ?? 10, 1, 10_000);
      id = options.category === undefined ? { name } : { name, category: options.category };
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#reader.read(this.#plans.list, id, k, options);
  }

  /** Closes the cache if the engine made it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#cache?.close();
  }

  async #recommendComputed(customerId: string, k: number, o: EngineRecommendOptions): Promise<EngineList> {
    const served = this.#serving.recommend(customerId, {
      k,
      recentItems: o.recentItems,
      filter: o.filter,
      rules: o.rules,
      now: this.#now(),
    });
    // A customer's own list goes back into the cache (not one folded in from this request's items).
    if (served.source === 'model' && o.filter === undefined && o.rules === undefined && o.recentItems === undefined) {
      await this.#reader.writeBack('recommendations', customerId, listValue(served.items));
    }
    return this.#answer(served.items, served.source, null, o, served.warnings);
  }

  async #togetherComputed(
    itemIds: readonly string[],
    k: number,
    o: { titles?: boolean; relation?: string },
  ): Promise<EngineList> {
    const served = this.#serving.together(itemIds, { k, relation: o.relation });
    if (itemIds.length === 1 && isServedRelation(o.relation) && served.warnings.length === 0) {
      await this.#reader.writeBack('together', itemIds[0] as string, listValue(served.items));
    }
    return this.#answer(served.items, served.source, null, o, served.warnings);
  }

  #listComputed(id: ListId, k: number, o: TitlesOption): EngineList {
    const served = this.#serving.list(id.name, { k, category: id.category });
    if (served === undefined) {
      throw new EncoreError(
        ErrorCode.UNKNOWN_ID,
        `engine/list: list '${id.name}'${id.category === undefined ? '' : ` of category '${id.category}'`} is neither published nor in the models`,
        { value: id },
      );
    }
    return this.#answer(served.items, served.source, null, o, served.warnings);
  }

  #answer(
    items: readonly ServedItem[],
    source: EngineList['source'],
    version: number | null,
    o: TitlesOption,
    warnings: readonly string[] = NO_WARNINGS,
  ): EngineList {
    return { items: o.titles === true ? this.#titled(items) : items, source, version, warnings };
  }

  #titled(items: readonly EngineItem[]): EngineItem[] {
    return items.map((i) => ({ ...i, title: this.#serving.titleOf(i.item) }));
  }

  #checkOpen(where: string): void {
    if (this.#closed) {
      throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `${where}: the engine is closed`, { reason: 'closed' });
    }
  }
}

/**
 * Creates the engine facade over the models (loaded with `loadModels`) and a cache (default: an
 * in-memory one; a Redis URL is connected here). Nothing else is wired: the models bring their
 * catalog, curated lists and customer timelines. Rejects with INVALID_ARGUMENT for unknown or
 * out-of-range options and a malformed cache URL.
 *
 * @example
 * const engine = await createEngine({ models: await loadModels('models/retail-als', 'models/retail') });
 * const list = await engine.recommend('17850', { k: 10 });
 * await engine.close();
 */
export async function createEngine(options: Partial<EngineOptions> = {}): Promise<Engine> {
  const where = 'engine/createEngine';
  const o = checkOptions(where, options, [
    'cache',
    'cachePrefix',
    'models',
    'catalog',
    ...Object.keys(DEFAULT_ENGINE_OPTIONS),
  ]) as Partial<EngineOptions>;
  const d = DEFAULT_ENGINE_OPTIONS;
  for (const name of ['now', 'onEvent'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw invalidArgument(where, `${name} must be a function`, o[name]);
  }
  if (o.namespace !== undefined && (typeof o.namespace !== 'string' || o.namespace === '')) {
    throw invalidArgument(where, 'namespace must be a non-empty string', o.namespace);
  }
  const now = o.now ?? d.now;
  const serving = prepareServing(checkModelSet(where, o.models ?? {}), {
    ...(o.catalog === undefined ? {} : { catalog: o.catalog }),
    depth: checkInteger(where, 'depth', o.depth ?? d.depth, 1, 10_000),
    clock: now,
  });
  if (o.cachePrefix !== undefined && typeof o.cache !== 'string') {
    throw invalidArgument(where, 'cachePrefix goes with a Redis URL as cache', o.cachePrefix);
  }
  const owned =
    o.cache === undefined
      ? createMemoryCache()
      : typeof o.cache === 'string'
        ? (await connectRedisCache(o.cache, o.cachePrefix === undefined ? {} : { prefix: o.cachePrefix })).store
        : null;
  const cache = owned ?? (o.cache as CacheStore);
  const reader = createCacheReader({
    store: cache,
    namespace: o.namespace ?? d.namespace,
    now,
    timeoutMs: o.cacheTimeoutMs ?? d.cacheTimeoutMs,
    retryAfterMs: o.retryAfterMs ?? d.retryAfterMs,
    pointerTtlMs: o.pointerTtlMs ?? d.pointerTtlMs,
    writeBackTtlMs: o.writeBackTtlMs ?? d.writeBackTtlMs,
    onEvent: o.onEvent ?? d.onEvent,
    errors: checkOneOf(where, 'cacheErrors', o.cacheErrors ?? d.cacheErrors, ['fallback', 'throw'] as const),
  });
  return new Engine(serving, reader, owned, now);
}

/** The relation whose lists are published and written back: the serving relation (bought together). */
function isServedRelation(relation: string | undefined): boolean {
  return relation === undefined || relation === DEFAULT_SERVING_OPTIONS.relation;
}

function checkId(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw invalidArgument(where, `${name} must be a non-empty string`, value);
}
