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
  type ReadPlanKind,
  type ReadRequest,
} from '@encore/cache';
import {
  type Catalog,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  EncoreError,
  ErrorCode,
  invalidArgument,
  isEncoreError,
} from '@encore/core';
import {
  type Because,
  checkModelSet,
  listValue,
  type ModelSet,
  prepareServing,
  type ServedList,
  type ServingFilter,
  type ServingModels,
  type ServingRules,
} from '@encore/models';

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

type TitlesOption = { readonly titles?: boolean | undefined };
type Plan<Id extends string | ListId, O, V> = ReadPlan<Id, O, V, EngineList>;

const NO_WARNINGS: readonly string[] = Object.freeze([]);
/** The list shed requests are answered with. */
const BEST_SELLERS: ListId = Object.freeze({ name: 'best-sellers' });
/**
 * A computed answer waits for one turn of the event loop when the loop has not turned for this
 * long (ms): see Engine.#pause.
 */
const YIELD_AFTER_MS = 10;
const RECOMMEND_OPTIONS: readonly string[] = Object.freeze(['k', 'filter', 'rules', 'recentItems', 'titles']);
const TOGETHER_OPTIONS: readonly string[] = Object.freeze(['k', 'titles', 'relation']);
const LIST_OPTIONS: readonly string[] = Object.freeze(['category', 'k', 'titles']);

/**
 * The facade backend services call: recommendations, bought-together and curated lists in about a
 * millisecond from the cache, computed from the loaded models on a miss (and written back), every
 * computed item with its explanation, never a cache error thrown at the caller (unless asked):
 * when the cache fails or is slow it is skipped for a while and the answer computed. Under
 * trouble: computed answers let the event loop turn at least every 10 ms (a Redis client
 * reconnects even under a caller that loops on `await recommend()`), past `maxComputedPerSecond`
 * customers get the best sellers instead of a computed list ('shed'), and a published list
 * shorter than asked is filled up from the models. Made by {@link createEngine}.
 */
export class Engine {
  readonly #serving: ServingModels;
  readonly #reader: CacheReader;
  readonly #cache: CacheStore | null;
  /** The store read (owned or the caller's): its status says whether a miss was the cache being down. */
  readonly #store: CacheStore;
  readonly #now: () => number;
  readonly #onEvent: (event: EngineEvent) => void;
  readonly #plans: {
    readonly recommend: Plan<string, EngineRecommendOptions, RankedEntry[]>;
    readonly recommendRanked: Plan<string, EngineRecommendOptions, RankedItems>;
    readonly together: Plan<string, TitlesOption, RankedEntry[]>;
    readonly list: Plan<ListId, TitlesOption, RankedEntry[]>;
    readonly shed: Plan<ListId, EngineRecommendOptions, RankedEntry[]>;
    readonly shedRanked: Plan<ListId, EngineRecommendOptions, RankedItems>;
  };
  /** maxComputedPerSecond, and its token bucket (tokens left, and when on `now` they were counted). */
  readonly #maxComputed: number;
  readonly #depth: number;
  #tokens: number;
  #tokensAt: number;
  /** Resolves at the next turn of the event loop, while one is awaited or watched (see #pause). */
  #nextTurn: Promise<void> | null = null;
  /** performance.now() when #nextTurn was set up, or its turn came. */
  #turnAt = 0;
  #closed = false;

  /** Use {@link createEngine}. */
  constructor(
    serving: ServingModels,
    reader: CacheReader,
    ownedCache: CacheStore | null,
    options: Pick<EngineOptions, 'now' | 'onEvent' | 'maxComputedPerSecond' | 'depth'> & { readonly store: CacheStore },
  ) {
    this.#serving = serving;
    this.#reader = reader;
    this.#cache = ownedCache;
    this.#store = options.store;
    this.#now = options.now;
    this.#onEvent = options.onEvent;
    this.#maxComputed = options.maxComputedPerSecond;
    this.#depth = options.depth;
    this.#tokens = this.#bucketSize();
    this.#tokensAt = options.now();
    // A hit is one comparison more than a plain answer: lists as long as asked are served as they are.
    const hitOf =
      <Id extends string | ListId, O extends TitlesOption>(kind: ReadPlanKind) =>
      (entries: RankedEntry[], r: ReadRequest<Id, O>, version: number): EngineList =>
        entries.length >= r.limit
          ? {
              items: r.options.titles === true ? this.#titled(entries) : entries,
              source: 'cache',
              version,
              warnings: NO_WARNINGS,
            }
          : this.#filled(kind, r, entries, version);
    this.#plans = {
      recommend: reader.plan({
        kind: 'recommendations',
        decode: decodeRankedEntries,
        hit: hitOf('recommendations'),
        miss: (r) => this.#recommendComputed(r.id, r.limit, r.options),
      }),
      recommendRanked: reader.plan({
        kind: 'recommendations',
        decode: decodeCacheValue,
        hit: (value, r, version) => {
          const items = serving.reshape(value, { ...r.options, k: r.limit });
          return items.length >= r.limit
            ? this.#answer(items, 'cache', version, r.options)
            : this.#filled('recommendations', r, items, version);
        },
        miss: (r) => this.#recommendComputed(r.id, r.limit, r.options),
      }),
      together: reader.plan({
        kind: 'together',
        decode: decodeRankedEntries,
        hit: hitOf('together'),
        miss: async (r) => this.#togetherComputed([r.id], r.limit, r.options),
      }),
      list: reader.plan({
        kind: 'list',
        decode: decodeRankedEntries,
        hit: hitOf('list'),
        miss: async (r) => {
          await this.#pause();
          return this.#listComputed(r.id, r.limit, r.options);
        },
      }),
      shed: reader.plan({
        kind: 'list',
        decode: decodeRankedEntries,
        hit: (entries, r, version) => this.#shedAnswer(entries, r.limit, r.options, version),
        miss: async (r) => this.#shedAnswer(null, r.limit, r.options, null),
      }),
      shedRanked: reader.plan({
        kind: 'list',
        decode: decodeCacheValue,
        hit: (value, r, version) => this.#shedAnswer(value, r.limit, r.options, version),
        miss: async (r) => this.#shedAnswer(null, r.limit, r.options, null),
      }),
    };
  }

  /**
   * The top-k items for a customer: their published list (filtered and re-ranked when `filter` or
   * `rules` are given), else computed from the models — their factors or a fold-in of their items,
   * bought-together of their cart and recent items, the curated lists for cold start — blended,
   * filtered, ruled, each item explained, and written back. A published list shorter than k is
   * filled up from the computed one; past `maxComputedPerSecond` computed lists, the best sellers
   * answer instead (source 'shed'). Rejects only for bad arguments (INVALID_ARGUMENT), a closed
   * engine, or models that cannot answer at all (UNKNOWN_ID).
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
   * ('viewed-together', 'viewed-bought'), computed. A published list shorter than k is filled up
   * from the computed one (a warning says so).
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
    if (itemIds.length > 1 || !this.#isServedRelation(options.relation)) {
      return new Promise((resolve) => resolve(this.#togetherComputed(itemIds, k, options)));
    }
    return this.#reader.read(this.#plans.together, itemIds[0] as string, k, options);
  }

  /**
   * A curated list ('best-sellers', 'trending', 'top-rated', 'most-wished', or any name a job
   * published), overall or for a category: the published one (filled up from the models' when
   * shorter than k, with a warning), else the models' shelf.
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

  /**
   * `compute()`, except that when the models cannot answer (UNKNOWN_ID) while the cache is down,
   * the error says the cache is unreachable and why: the answer was to come from it.
   */
  #orUnreachable<T>(where: string, what: string, compute: () => T): T {
    try {
      return compute();
    } catch (error) {
      if (isEncoreError(error, ErrorCode.UNKNOWN_ID)) throw this.#unreachable(where, what, error) ?? error;
      throw error;
    }
  }

  /** IO_ERROR naming the cache's connection error when the store is not reachable, else null. */
  #unreachable(where: string, what: string, cause?: unknown): EncoreError | null {
    const status = this.#store.status;
    if (status !== 'unreachable' && status !== 'connecting') return null;
    const reason = this.#store.lastError?.message ?? 'not connected';
    return new EncoreError(
      ErrorCode.IO_ERROR,
      `${where}: the cache is unreachable (${reason}), and the models cannot answer for ${what}`,
      { reason: 'unreachable', status },
      { cause: cause ?? this.#store.lastError },
    );
  }

  /** Closes the cache if the engine made it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#cache?.close();
  }

  async #recommendComputed(customerId: string, k: number, o: EngineRecommendOptions): Promise<EngineList> {
    await this.#pause();
    if (!this.#admit()) return this.#shed(customerId, k, o);
    const served = this.#orUnreachable('engine/recommend', `customer '${customerId}'`, () =>
      this.#serving.recommend(customerId, {
        k,
        recentItems: o.recentItems,
        filter: o.filter,
        rules: o.rules,
        now: this.#now(),
      }),
    );
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
    await this.#pause();
    const served = this.#orUnreachable('engine/together', itemIds.join(', '), () =>
      this.#serving.together(itemIds, { k, relation: o.relation }),
    );
    if (itemIds.length === 1 && this.#isServedRelation(o.relation) && served.warnings.length === 0) {
      await this.#reader.writeBack('together', itemIds[0] as string, listValue(served.items));
    }
    return this.#answer(served.items, served.source, null, o, served.warnings);
  }

  #listComputed(id: ListId, k: number, o: TitlesOption): EngineList {
    const served = this.#serving.list(id.name, { k, category: id.category });
    if (served === undefined) {
      const down = this.#unreachable('engine/list', `list '${id.name}'`);
      if (down !== null) throw down;
      throw new EncoreError(
        ErrorCode.UNKNOWN_ID,
        `engine/list: list '${id.name}'${id.category === undefined ? '' : ` of category '${id.category}'`} is neither published nor in the models`,
        { value: id },
      );
    }
    return this.#answer(served.items, served.source, null, o, served.warnings);
  }

  /**
   * Waits for a turn of the event loop when it has not turned for YIELD_AFTER_MS, else not at all
   * (an await of null, one microtask). A computed answer resolves through microtasks only, so a
   * caller looping on `await engine.recommend()` with no I/O of its own would otherwise never let
   * the loop run: a Redis client's reconnect timer and socket events would wait for ever, and the
   * engine would compute long after Redis came back. The loop's turns are watched with one
   * setImmediate at a time, scheduled by computed answers only: a cache hit makes no macrotask, and
   * a server whose requests come from sockets (the loop turning all the time) never waits here.
   */
  #pause(): Promise<void> | null {
    const at = performance.now();
    if (this.#nextTurn === null) {
      this.#turnAt = at;
      this.#nextTurn = new Promise((resolve) => {
        setImmediate(() => {
          this.#nextTurn = null;
          this.#turnAt = performance.now();
          resolve();
        });
      });
      return null;
    }
    return at - this.#turnAt >= YIELD_AFTER_MS ? this.#nextTurn : null;
  }

  /** Tokens the bucket holds at most: one second's worth (at least one, unless the rate is 0). */
  #bucketSize(): number {
    const rate = this.#maxComputed;
    return rate === 0 ? 0 : Math.max(1, rate);
  }

  /** True when one more computed list fits under maxComputedPerSecond (and takes its token). */
  #admit(): boolean {
    const rate = this.#maxComputed;
    if (rate === Number.POSITIVE_INFINITY) return true;
    const now = this.#now();
    const elapsed = now - this.#tokensAt;
    // A clock that steps back credits nothing until it passes the last count again.
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#bucketSize(), this.#tokens + (elapsed * rate) / 1000);
      this.#tokensAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #overRate(): string {
    return `over maxComputedPerSecond (${this.#maxComputed}/s)`;
  }

  /** A customer's list refused for load: reported, and answered with the best sellers (see EngineOptions.maxComputedPerSecond). */
  #shed(customerId: string, k: number, o: EngineRecommendOptions): Promise<EngineList> {
    this.#onEvent({
      type: 'shed',
      kind: 'recommendations',
      id: customerId,
      served: 'best-sellers',
      maxComputedPerSecond: this.#maxComputed,
    });
    return o.filter === undefined && o.rules === undefined
      ? this.#reader.read(this.#plans.shed, BEST_SELLERS, k, o)
      : this.#reader.read(this.#plans.shedRanked, BEST_SELLERS, k, o);
  }

  /**
   * The answer of a shed request: the published best sellers (`cached`, entries or the whole list
   * for filter and rules) filled up from the models', or the models' alone; filtered and ruled as
   * asked; source 'shed'.
   */
  #shedAnswer(
    cached: RankedEntry[] | RankedItems | null,
    k: number,
    o: EngineRecommendOptions,
    version: number | null,
  ): EngineList {
    const reshaped = o.filter !== undefined || o.rules !== undefined;
    // Filters and rules take from the first `depth` best sellers, as from any source.
    const models = this.#serving.bestSellers(reshaped ? Math.max(k, this.#depth) : k);
    let items: readonly EngineItem[];
    if (!reshaped) {
      items = filledUp((cached as RankedEntry[] | null) ?? [], models?.items ?? [], k);
    } else {
      const whole = cached === null ? null : (cached as RankedItems);
      const fromModels = models === undefined ? null : listValue(models.items);
      const ranked = (list: RankedItems | null): readonly EngineItem[] =>
        list === null ? [] : this.#serving.reshape(list, { k, filter: o.filter, rules: o.rules });
      items = filledUp(ranked(whole), ranked(fromModels), k);
    }
    const warnings = [`load shed: ${this.#overRate()} computed lists; the best sellers served instead`];
    if (items.length < k) warnings.push(`only ${items.length} best sellers to serve of the ${k} asked`);
    return this.#answer(items, 'shed', version, o, warnings);
  }

  /**
   * A published list shorter than the k asked (see EngineList.source), filled up from the computed
   * answer: a customer's list computed (under maxComputedPerSecond), an item's companions or a
   * curated list from the models. The published items keep their place; a warning says what was
   * done. Never throws for the models: what they cannot do is a warning.
   */
  #filled(
    kind: ReadPlanKind,
    r: ReadRequest<string | ListId, TitlesOption & Partial<EngineRecommendOptions>>,
    cached: readonly EngineItem[],
    version: number,
  ): EngineList {
    const k = r.limit;
    const o = r.options;
    let more: readonly EngineItem[] = [];
    let why = '';
    const admitted = kind !== 'recommendations' || this.#admit();
    if (!admitted) {
      why = this.#overRate();
      this.#onEvent({
        type: 'shed',
        kind: 'recommendations',
        id: r.id as string,
        served: 'cached',
        maxComputedPerSecond: this.#maxComputed,
      });
    } else {
      try {
        if (kind === 'recommendations') {
          const request = { k, recentItems: o.recentItems, filter: o.filter, rules: o.rules, now: this.#now() };
          more = this.#serving.recommend(r.id as string, request).items;
        } else if (kind === 'together') {
          more = this.#serving.together([r.id as string], { k }).items;
        } else {
          const id = r.id as ListId;
          more = this.#serving.list(id.name, { k, category: id.category })?.items ?? [];
        }
      } catch (error) {
        why = error instanceof Error ? error.message : String(error);
      }
    }
    const items = filledUp(cached, more, k);
    const added = items.length - cached.length;
    const held = `the published list holds ${cached.length} of the ${k} items asked`;
    const warning =
      why !== ''
        ? `${held}, not filled up: ${why}`
        : items.length === k
          ? `${held}: the other ${added} computed from the models (publish k ≥ ${k} to serve them from the cache)`
          : `${held}; the models added ${added}, they have no more`;
    return this.#answer(items, 'cache', version, o, [warning]);
  }

  #answer(
    items: readonly EngineItem[],
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

  /** The relation whose single-item lists are published and written back: the serving relation. */
  #isServedRelation(relation: string | undefined): boolean {
    return relation === undefined || relation === this.#serving.relation;
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
  const onEvent = o.onEvent ?? d.onEvent;
  const maxComputedPerSecond =
    o.maxComputedPerSecond === Number.POSITIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : checkNumber(where, 'maxComputedPerSecond', o.maxComputedPerSecond ?? d.maxComputedPerSecond, 0);
  const depth = checkInteger(where, 'depth', o.depth ?? d.depth, 1, 10_000);
  const serving = prepareServing(checkModelSet(where, o.models ?? {}), {
    ...(o.catalog === undefined ? {} : { catalog: o.catalog }),
    depth,
    clock: now,
    includeSeen: o.includeSeen ?? d.includeSeen,
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
    onEvent,
    errors: checkOneOf(where, 'cacheErrors', o.cacheErrors ?? d.cacheErrors, ['fallback', 'throw'] as const),
  });
  return new Engine(serving, reader, owned, { now, onEvent, maxComputedPerSecond, depth, store: cache });
}

/** `cached` then the items of `more` it lacks, in their order, up to k in all. */
function filledUp(cached: readonly EngineItem[], more: readonly EngineItem[], k: number): readonly EngineItem[] {
  if (cached.length >= k || more.length === 0) return cached;
  const out = cached.slice(0, k);
  const have = new Set(out.map((i) => i.item));
  for (const item of more) {
    if (out.length >= k) break;
    if (have.has(item.item)) continue;
    have.add(item.item);
    out.push(item);
  }
  return out;
}

function checkId(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw invalidArgument(where, `${name} must be a non-empty string`, value);
}
