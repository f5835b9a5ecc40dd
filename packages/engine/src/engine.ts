import {
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
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  EncoreError,
  ErrorCode,
  invalidArgument,
  isEncoreError,
} from '@encore/core';
import { checkModelSet, listValue, prepareServing, type ServingModels } from '@encore/models';
import { ComputeBudget } from './internal/compute-budget.js';
import { LoopTurns } from './internal/loop-turns.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  type EngineEvent,
  type EngineItem,
  type EngineList,
  type EngineOptions,
  type EngineRecommendOptions,
} from './options.js';

type TitlesOption = { readonly titles?: boolean | undefined };
type Plan<Id extends string | ListId, O, V> = ReadPlan<Id, O, V, EngineList>;

const NO_WARNINGS: readonly string[] = Object.freeze([]);
/** The list shed requests are answered with. */
const BEST_SELLERS: ListId = Object.freeze({ name: 'best-sellers' });
/** A computed answer waits for one turn of the event loop when the loop has not turned for this long (ms). */
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
  /** Computed answers under maxComputedPerSecond (see internal/compute-budget.ts). */
  readonly #budget: ComputeBudget;
  /** Turns of the event loop for callers that never yield (see internal/loop-turns.ts). */
  readonly #turns = new LoopTurns(YIELD_AFTER_MS);
  readonly #depth: number;
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
    this.#budget = new ComputeBudget(options.maxComputedPerSecond, options.now);
    this.#depth = options.depth;
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
          await this.#turns.pause();
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
    await this.#turns.pause();
    if (!this.#budget.admit()) return this.#shed(customerId, k, o);
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
    await this.#turns.pause();
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

  /** A customer's list refused for load: reported, and answered with the best sellers (see EngineOptions.maxComputedPerSecond). */
  #shed(customerId: string, k: number, o: EngineRecommendOptions): Promise<EngineList> {
    this.#onEvent({
      type: 'shed',
      kind: 'recommendations',
      id: customerId,
      served: 'best-sellers',
      maxComputedPerSecond: this.#budget.rate,
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
    const warnings = [`load shed: ${this.#budget.describe()} computed lists; the best sellers served instead`];
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
    const admitted = kind !== 'recommendations' || this.#budget.admit();
    if (!admitted) {
      why = this.#budget.describe();
      this.#onEvent({
        type: 'shed',
        kind: 'recommendations',
        id: r.id as string,
        served: 'cached',
        maxComputedPerSecond: this.#budget.rate,
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
