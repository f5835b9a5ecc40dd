import {
  type CacheKeys,
  type CacheKind,
  type CacheStore,
  cacheKeys,
  createMemoryCache,
  currentVersion,
  decodeCacheValue,
  decodeRankedEntries,
  encodeCacheValue,
  type ListId,
  type ModelMetadata,
  type PublishOptions,
  type PublishResult,
  publishVersion,
  type RankedEntry,
  type RankedItems,
} from '@encore/cache';
import { relationOf, together } from '@encore/cooccurrence';
import {
  type Catalog,
  type Csr,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  EncoreError,
  ErrorCode,
  IdMap,
  invalidArgument,
  type TopK,
} from '@encore/core';
import { type AlsModel, recalculateUser, recommendItems } from '@encore/factorization';
import {
  type CandidateSource,
  type ItemAttributes,
  type ItemFilter,
  itemAttributes,
  type RankOptions,
  rankItems,
} from '@encore/ranking';
import type { FactorModelData } from './commands/factor-train.js';
import type { CooccurrenceModelData } from './commands/train.js';
import {
  CachedRead,
  type ReadHost,
  type ReadPlan,
  type ReadPlanKind,
  type ReadRequest,
} from './internal/cached-read.js';
import { Deadlines } from './internal/deadlines.js';

/** The warnings of an answer with none (shared: a hit allocates nothing it does not need). */
const NO_WARNINGS: readonly string[] = Object.freeze([]);

/** The options each read method takes (made once: checkOptions runs on every request). */
const RECOMMEND_OPTIONS: readonly string[] = Object.freeze(['k', 'filter', 'rules', 'recentItems', 'titles']);
const TOGETHER_OPTIONS: readonly string[] = Object.freeze(['k', 'titles']);
const LIST_OPTIONS: readonly string[] = Object.freeze(['category', 'k', 'titles']);

/** The operation named in cache events, per kind read (made once, not per request). */
const READ_OPERATIONS: Readonly<Record<CacheKind, string>> = Object.freeze({
  recommendations: 'read recommendations',
  together: 'read together',
  list: 'read list',
  model: 'read model',
});

/** The options of together and list that a cached answer looks at. */
type TitlesOption = { readonly k?: unknown; readonly titles?: unknown; readonly category?: unknown };

/** The engine's read plans (see #makePlans). */
interface Plans {
  /** recommend: the cached top-k as it is. */
  readonly recommend: ReadPlan<string, EngineRecommendOptions, RankedEntry[], EngineList>;
  /** recommend with a filter or rules: the whole cached list, filtered and re-ranked. */
  readonly recommendRanked: ReadPlan<string, EngineRecommendOptions, RankedItems, EngineList>;
  readonly together: ReadPlan<string, TitlesOption, RankedEntry[], EngineList>;
  readonly list: ReadPlan<ListId, TitlesOption, RankedEntry[], EngineList>;
}

/** The models an engine computes from when the cache has no answer. */
export interface EngineModels {
  /** A factor model (ALS or BPR) with its ids, seen items and popularity (`encore train --algorithm als`). */
  readonly factors?: FactorModelData | undefined;
  /** A co-occurrence model (`encore train`): bought together, viewed together. */
  readonly cooccurrence?: CooccurrenceModelData | undefined;
}

/** What the engine reports instead of throwing: cache trouble, and answers it had to compute. */
export type EngineEvent =
  | { readonly type: 'cache-error'; readonly operation: string; readonly error: Error }
  | { readonly type: 'cache-recovered'; readonly operation: string }
  | { readonly type: 'cache-miss'; readonly kind: CacheKind; readonly id: string; readonly reason: string };

export interface EngineOptions {
  /** Where precomputed answers live (default: a new MemoryCache, closed by `close()`). */
  readonly cache: CacheStore;
  /** One shop's keyspace (default 'default'). */
  readonly namespace: string;
  readonly models: EngineModels;
  /** Item attributes for filters and rules (category, price, stock, margin …); titles for people. */
  readonly catalog: Catalog | undefined;
  /** The clock (epoch ms), for the pointer's freshness and the circuit breaker (default Date.now). */
  readonly now: () => number;
  /** A cache call slower than this is abandoned and the answer computed (default 50 ms). */
  readonly cacheTimeoutMs: number;
  /** After a cache failure, skip the cache for this long, then try again (default 1,000 ms). */
  readonly retryAfterMs: number;
  /**
   * How long the resolved version pointer is reused (default 1,000 ms): one round trip per read
   * instead of two. Then it is looked up again while reads go on with it, so a new version is
   * seen within about this long after its publish (and a read waits for the lookup only when the
   * pointer went unused for twice this). Safe while it is below the publisher's `graceMs`
   * (default 60 s), for which a replaced version stays readable. 0: looked up on every read.
   */
  readonly pointerTtlMs: number;
  /** Time to live of answers computed on a miss and written back (default 1 h; 0: no write-back). */
  readonly writeBackTtlMs: number;
  /** Candidates read or computed before filters and rules cut the list to k (default 100). */
  readonly depth: number;
  /** Cache trouble and misses, for logs and metrics (default: ignored). */
  readonly onEvent: (event: EngineEvent) => void;
  /**
   * 'fallback' (default): a failing or slow cache is reported through `onEvent` and the answer
   * computed; 'throw': the cache's error rejects the call (for callers with their own fallback).
   */
  readonly cacheErrors: 'fallback' | 'throw';
}

export const DEFAULT_ENGINE_OPTIONS: Readonly<Omit<EngineOptions, 'cache' | 'catalog' | 'models'>> = Object.freeze({
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

/** Business rules of one request: ranking's RankOptions that need no item indices from the caller. */
export type EngineRules = Pick<
  RankOptions,
  'marginBoost' | 'promotionBoost' | 'buryOutOfStock' | 'maxPerCategory' | 'normalize'
> & {
  /** Item ids to push to the bottom. */
  readonly bury?: readonly string[];
  /** Item ids to show at a slot (0 = first) whatever their score. */
  readonly pins?: readonly { readonly item: string; readonly slot: number }[];
};

export interface EngineRecommendOptions {
  /** List length (default 10). */
  readonly k?: number;
  /** Keep only items that pass (needs the catalog). */
  readonly filter?: ItemFilter;
  readonly rules?: EngineRules;
  /** The customer's recent items, for a customer the model does not know (ALS fold-in). */
  readonly recentItems?: readonly string[];
  /** Add each item's title, from the model or the catalog (default false). */
  readonly titles?: boolean;
}

/** One list as the engine serves it. */
export interface EngineList {
  /** `title` only when asked for (`titles: true`): backend services need ids, and titles cost. */
  readonly items: readonly { readonly item: string; readonly score: number; readonly title?: string }[];
  /**
   * Where it came from: 'cache' (published or written back), 'model' (the customer's factors),
   * 'fold-in' (factors computed from `recentItems`), 'cooccurrence', or 'popular' (best sellers,
   * for customers nothing is known about).
   */
  readonly source: 'cache' | 'model' | 'fold-in' | 'cooccurrence' | 'popular';
  /** The cache version it was read from, null when computed. */
  readonly version: number | null;
  readonly warnings: readonly string[];
}

/** What `publish` writes: any of the kinds, each as [id, list] pairs. */
export interface EnginePublication {
  readonly recommendations?: Iterable<readonly [string, RankedItems]> | AsyncIterable<readonly [string, RankedItems]>;
  readonly together?: Iterable<readonly [string, RankedItems]>;
  readonly lists?: Iterable<readonly [ListId, RankedItems]>;
  readonly models?: Iterable<readonly [string, ModelMetadata]>;
}

/**
 * The facade backend services call: recommendations, bought-together and curated lists in about a
 * millisecond from the cache, computed from the loaded models on a miss (and written back), never
 * a cache error thrown at the caller: when the cache fails or is slow it is skipped for a while,
 * the answer computed, and the failure reported through `onEvent`. Made by {@link createEngine}.
 */
export class Engine {
  readonly #o: EngineOptions;
  readonly #ownsCache: boolean;
  readonly #customers: IdMap | null;
  readonly #items: IdMap;
  readonly #itemIds: readonly string[];
  readonly #titles: readonly string[];
  #titleOf: Map<string, string> | null = null;
  readonly #keys: CacheKeys;
  readonly #attributes: ItemAttributes | null;
  #pointer: { version: number | null; at: number } | null = null;
  /** The pointer lookup in flight, if any (see #lookUpPointer). */
  #pointerLookup: Promise<number | null | undefined> | null = null;
  /** The timeouts of the cache calls in flight (one timer for all; see internal/deadlines.ts). */
  readonly #deadlines: Deadlines;
  /** How each kind of request is answered from the cache (see internal/cached-read.ts). */
  readonly #plans: Plans;
  #skipUntil = 0;
  #failing = false;
  #closed = false;

  /** Use {@link createEngine}. */
  constructor(options: EngineOptions, ownsCache: boolean) {
    this.#o = options;
    this.#ownsCache = ownsCache;
    this.#keys = cacheKeys(options.namespace);
    this.#deadlines = new Deadlines(options.cacheTimeoutMs);
    this.#plans = this.#makePlans();
    const { factors, cooccurrence } = options.models;
    this.#customers = factors === undefined ? null : IdMap.from(factors.customerIds);
    this.#itemIds = factors?.itemIds ?? cooccurrence?.model.itemIds ?? [];
    this.#titles = factors?.titles ?? cooccurrence?.titles ?? [];
    this.#items = IdMap.from(this.#itemIds);
    this.#attributes = options.catalog === undefined ? null : itemAttributes(options.catalog, this.#items);
  }

  /**
   * The top-k items for a customer: their published list (filtered and re-ranked when `filter` or
   * `rules` are given), else computed from the factor model — their own factors, or a fold-in of
   * `recentItems` (ALS) — and written back; else the best sellers. Rejects only for bad arguments
   * (INVALID_ARGUMENT) or a closed engine.
   *
   * @example
   * const list = await engine.recommend('cust-42', { k: 10, filter: { inStock: true } });
   */
  recommend(customerId: string, options: EngineRecommendOptions = {}): Promise<EngineList> {
    // Not async: a cache hit is one promise (#cached's), and bad arguments still reject.
    const where = 'engine/recommend';
    let o: EngineRecommendOptions;
    let k: number;
    try {
      this.#checkOpen(where);
      checkIdString(where, 'customerId', customerId);
      o = checkOptions(where, options, RECOMMEND_OPTIONS) as EngineRecommendOptions;
      k = checkInteger(where, 'k', o.k ?? 10, 1, 10_000);
    } catch (error) {
      return Promise.reject(error);
    }
    if (o.filter === undefined && o.rules === undefined) return this.#read(this.#plans.recommend, customerId, k, o);
    if (this.#attributes === null) {
      return Promise.reject(
        invalidArgument(where, 'filter and rules need the catalog (createEngine({ catalog }))', o.filter),
      );
    }
    return this.#read(this.#plans.recommendRanked, customerId, k, o);
  }

  /** recommend's answer when the cache has none: from the models, written back when it is the customer's own. */
  async #recommendComputed(customerId: string, o: EngineRecommendOptions, k: number): Promise<EngineList> {
    const where = 'engine/recommend';
    const factors = this.#o.models.factors;
    const warnings: string[] = [];
    const depth = Math.max(k, this.#o.depth);
    if (factors !== undefined) {
      const customer = this.#customers?.indexOf(customerId) ?? -1;
      if (customer >= 0) {
        const [list] = recommendItems(factors.model, Int32Array.of(customer), { k: depth, exclude: factors.seen });
        const ranked = this.#named(list);
        await this.#writeBack('recommendations', customerId, ranked);
        return this.#shape(ranked, 'model', null, k, o, warnings);
      }
      const known = this.#knownItems(o.recentItems ?? [], warnings);
      const own = singleRow(known, this.#itemIds.length);
      if (known.length > 0 && factors.algorithm === 'als') {
        const x = recalculateUser(factors.model as unknown as AlsModel, known);
        const [list] = recommendItems({ ...factors.model, userFactors: x }, Int32Array.of(0), {
          k: depth,
          exclude: own,
        });
        return this.#shape(this.#named(list), 'fold-in', null, k, o, warnings);
      }
      if (known.length > 0) warnings.push(`${factors.algorithm} has no fold-in: best sellers instead`);
      const [list] = recommendItems({ ...factors.model, userFactors: new Float32Array(0) }, Int32Array.of(0), {
        k: depth,
        exclude: own,
        fallback: factors.popularity,
      });
      return this.#shape(this.#named(list), 'popular', null, k, o, warnings);
    }
    const cooccurrence = this.#o.models.cooccurrence;
    const known = this.#knownItems(o.recentItems ?? [], warnings);
    if (cooccurrence !== undefined && known.length > 0) {
      const list = together(cooccurrence.model, known, { k: depth });
      return this.#shape(this.#named(list), 'cooccurrence', null, k, o, warnings);
    }
    throw new EncoreError(
      ErrorCode.UNKNOWN_ID,
      `${where}: nothing is published for customer '${customerId}' and no factor model is loaded; ` +
        'expected a published version, a factor model, or recentItems with a co-occurrence model',
      { value: customerId },
    );
  }

  /**
   * Items that go with one item or a cart: the published list of a single item, else computed
   * from the co-occurrence model (summed over the cart). Unknown items add nothing (a warning).
   *
   * @example
   * const list = await engine.together(['85123A'], { k: 5 });
   */
  together(
    itemIds: readonly string[],
    options: { readonly k?: number; readonly titles?: boolean } = {},
  ): Promise<EngineList> {
    const where = 'engine/together';
    let o: TitlesOption;
    let k: number;
    try {
      this.#checkOpen(where);
      if (!Array.isArray(itemIds) || itemIds.length === 0) {
        throw invalidArgument(where, 'itemIds must be a non-empty array of item ids', itemIds);
      }
      for (const id of itemIds) checkIdString(where, 'itemIds[]', id);
      o = checkOptions(where, options, TOGETHER_OPTIONS);
      k = checkInteger(where, 'k', o.k ?? 10, 1, 10_000);
    } catch (error) {
      return Promise.reject(error);
    }
    if (itemIds.length > 1) return this.#togetherComputed(itemIds, k, o.titles === true);
    return this.#read(this.#plans.together, itemIds[0] as string, k, o);
  }

  /** together's answer when the cache has none (or for a cart): from the co-occurrence model. */
  async #togetherComputed(itemIds: readonly string[], k: number, titles: boolean): Promise<EngineList> {
    const where = 'engine/together';
    const warnings: string[] = [];
    const cooccurrence = this.#o.models.cooccurrence;
    if (cooccurrence === undefined) {
      throw new EncoreError(
        ErrorCode.UNKNOWN_ID,
        `${where}: nothing is published for ${itemIds.join(', ')} and no co-occurrence model is loaded`,
        { value: itemIds },
      );
    }
    relationOf(cooccurrence.model, 'bought-together');
    const known = this.#knownItems(itemIds, warnings);
    const list =
      known.length === 0
        ? { ids: new Int32Array(0), scores: new Float32Array(0) }
        : together(cooccurrence.model, known, { k: Math.max(k, this.#o.depth) });
    const ranked = this.#named(list);
    if (itemIds.length === 1 && known.length === 1) await this.#writeBack('together', itemIds[0] as string, ranked);
    return this.#shape(ranked, 'cooccurrence', null, k, { titles }, warnings);
  }

  /**
   * A curated list ('best-sellers', 'trending', 'top-rated', 'most-wished', or any name a job
   * published), overall or for a category. 'best-sellers' falls back to the factor model's
   * popularity when nothing is published.
   *
   * @example
   * const shelf = await engine.list('top-rated', { category: 'Home > Lighting', k: 12 });
   */
  list(
    name: string,
    options: { readonly category?: string; readonly k?: number; readonly titles?: boolean } = {},
  ): Promise<EngineList> {
    const where = 'engine/list';
    let o: TitlesOption;
    let id: ListId;
    let k: number;
    try {
      this.#checkOpen(where);
      checkIdString(where, 'name', name);
      o = checkOptions(where, options, LIST_OPTIONS);
      if (o.category !== undefined) checkIdString(where, 'category', o.category);
      k = checkInteger(where, 'k', o.k ?? 10, 1, 10_000);
      id = o.category === undefined ? { name } : { name, category: o.category as string };
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#read(this.#plans.list, id, k, o);
  }

  /** list's answer when nothing is published: the best sellers from the factor model's popularity. */
  #listComputed(id: ListId, k: number, titles: boolean): EngineList {
    const { name, category } = id;
    const factors = this.#o.models.factors;
    if (name === 'best-sellers' && category === undefined && factors !== undefined) {
      const [list] = recommendItems({ ...factors.model, userFactors: new Float32Array(0) }, Int32Array.of(0), {
        k,
        fallback: factors.popularity,
      });
      return this.#shape(this.#named(list), 'popular', null, k, { titles }, []);
    }
    throw new EncoreError(
      ErrorCode.UNKNOWN_ID,
      `engine/list: list '${name}'${category === undefined ? '' : ` of category '${category}'`} is not published`,
      { value: id },
    );
  }

  /**
   * Publishes a new version of the namespace: everything in `publication` is written under the
   * new version, then the pointer switches at once (readers see all of the old or all of the new).
   * Unlike reads, publishing is the caller's job to retry: it rejects with the cache's error
   * (CACHE_CONFLICT when another job is publishing, IO_ERROR when the store fails).
   *
   * @example
   * await engine.publish({ recommendations: lists, lists: [[{ name: 'best-sellers' }, best]] });
   */
  async publish(publication: EnginePublication, options: Partial<PublishOptions> = {}): Promise<PublishResult> {
    const where = 'engine/publish';
    this.#checkOpen(where);
    const p = checkOptions(where, publication, ['recommendations', 'together', 'lists', 'models'], 'publication');
    const result = await publishVersion(
      this.#o.cache,
      this.#o.namespace,
      async (writer) => {
        const recommendations = p.recommendations as EnginePublication['recommendations'];
        if (recommendations !== undefined && Symbol.asyncIterator in recommendations) {
          // Streamed from a scoring job: each list is put as it arrives (puts are batched).
          for await (const [id, value] of recommendations) await writer.put('recommendations', id, value);
        } else if (recommendations !== undefined) {
          await writer.putMany('recommendations', recommendations);
        }
        if (p.together !== undefined) await writer.putMany('together', p.together as Iterable<[string, RankedItems]>);
        if (p.lists !== undefined) await writer.putMany('list', p.lists as Iterable<[ListId, RankedItems]>);
        if (p.models !== undefined) await writer.putMany('model', p.models as Iterable<[string, ModelMetadata]>);
      },
      options,
    );
    this.#pointer = { version: result.version, at: this.#o.now() };
    return result;
  }

  /** Closes the cache if the engine made it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsCache) await this.#o.cache.close();
  }

  #checkOpen(where: string): void {
    if (this.#closed) {
      throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `${where}: the engine is closed`, { reason: 'closed' });
    }
  }

  /**
   * The cached answer, else the plan's miss: no value, a value that does not decode (reported as
   * 'cache-miss'), or the cache failing, slow or skipped (reported as #guard does). The pointer is
   * looked up once per `pointerTtlMs`, off the reads' path; a hit is one store read and one promise
   * of the engine's own, with no async layers: this is every cached answer.
   */
  #read<Id extends string | ListId, Options, Value>(
    plan: ReadPlan<Id, Options, Value, EngineList>,
    id: Id,
    limit: number,
    options: Options,
  ): Promise<EngineList> {
    const known = this.#pointer;
    if (known !== null) {
      const now = this.#o.now();
      const age = now - known.at;
      const ttl = this.#o.pointerTtlMs;
      // Past its time to live the pointer is looked up again, in the background: reads go on with
      // the one known (its version stays readable for the publisher's graceMs) rather than each
      // waiting a round trip more. Only a pointer unused for over twice its time is waited for.
      // Its failure is reported (onEvent) and, under cacheErrors 'throw', rejects only the reads
      // that wait for it: this read goes on with the known pointer.
      if (age >= ttl) this.#lookUpPointer().catch(() => undefined);
      if (age < 2 * ttl) {
        return known.version === null
          ? plan.miss({ id, limit, options })
          : this.#readAt(known.version, plan, id, limit, options, now);
      }
    }
    return this.#lookUpPointer().then((version) =>
      version === undefined || version === null
        ? plan.miss({ id, limit, options })
        : this.#readAt(version, plan, id, limit, options, this.#o.now()),
    );
  }

  /**
   * The pointer looked up (undefined when the cache failed, as #guard reports), one lookup at a
   * time: the reads that wait for it share it.
   */
  #lookUpPointer(): Promise<number | null | undefined> {
    this.#pointerLookup ??= this.#guard('pointer', () => this.#version()).finally(() => {
      this.#pointerLookup = null;
    });
    return this.#pointerLookup;
  }

  /** #read with the version known (at `now`): one store read under the timeout (see CachedRead). */
  #readAt<Id extends string | ListId, Options, Value>(
    version: number,
    plan: ReadPlan<Id, Options, Value, EngineList>,
    id: Id,
    limit: number,
    options: Options,
    now: number,
  ): Promise<EngineList> {
    if (now < this.#skipUntil) return plan.miss({ id, limit, options });
    const key = this.#keys.value(version, plan.kind, id);
    const read = new CachedRead(plan, id, limit, options, version);
    const cache = this.#o.cache;
    try {
      if (cache.getTo !== undefined) cache.getTo(key, read);
      else
        cache.get(key).then(
          (bytes) => read.resolve(bytes),
          (error: unknown) => read.reject(error),
        );
    } catch (error) {
      read.reject(error); // a store that throws instead of rejecting
    }
    return read.answer;
  }

  /** The plans of #read, one per kind of request; made once, with the engine. */
  #makePlans(): Plans {
    const host: ReadHost = {
      deadlines: this.#deadlines,
      answered: (operation) => this.#answered(operation),
      failed: (operation, error) => this.#failed(operation, error),
      timeout: (operation) => this.#timeout(operation),
      missed: (kind, id, reason) =>
        this.#o.onEvent({
          type: 'cache-miss',
          kind,
          id: typeof id === 'string' ? id : JSON.stringify(id),
          reason,
        }),
    };
    const base = <K extends ReadPlanKind>(kind: K) => ({ kind, operation: READ_OPERATIONS[kind], host });
    // The cached entries as they are: recommend, together and list answer a hit alike.
    const hitEntries = (
      entries: RankedEntry[],
      r: ReadRequest<unknown, { readonly titles?: unknown }>,
      version: number,
    ): EngineList => this.#hit(entries, version, r.options.titles === true);
    const recommendMiss = (r: ReadRequest<string, EngineRecommendOptions>): Promise<EngineList> =>
      this.#recommendComputed(r.id, r.options, r.limit);
    return {
      recommend: { ...base('recommendations'), decode: decodeRankedEntries, hit: hitEntries, miss: recommendMiss },
      recommendRanked: {
        ...base('recommendations'),
        decode: decodeCacheValue,
        hit: (value, r, version) => this.#shape(value, 'cache', version, r.limit, r.options, NO_WARNINGS),
        miss: recommendMiss,
      },
      together: {
        ...base('together'),
        decode: decodeRankedEntries,
        hit: hitEntries,
        miss: (r) => this.#togetherComputed([r.id], r.limit, r.options.titles === true),
      },
      list: {
        ...base('list'),
        decode: decodeRankedEntries,
        hit: hitEntries,
        miss: async (r) => this.#listComputed(r.id, r.limit, r.options.titles === true),
      },
    };
  }

  /** A cache hit's answer: the decoded entries as they are (titles added only when asked for). */
  #hit(entries: RankedEntry[], version: number, titles: boolean): EngineList {
    if (!titles) return { items: entries, source: 'cache', version, warnings: NO_WARNINGS };
    const titleOf = this.#titleMap();
    const items = entries.map(({ item, score }) => ({
      item,
      score,
      title: titleOf.get(item) || (this.#o.catalog?.get(item)?.title ?? ''),
    }));
    return { items, source: 'cache', version, warnings: NO_WARNINGS };
  }

  /** Looks the pointer up in the store (#cached reuses a fresh one without calling this). */
  async #version(): Promise<number | null> {
    const now = this.#o.now();
    const version = await currentVersion(this.#o.cache, this.#o.namespace);
    this.#pointer = { version, at: now };
    return version;
  }

  /** Computed answers go back into the current version with a TTL (never creating a version). */
  async #writeBack(kind: 'recommendations' | 'together', id: string, value: RankedItems): Promise<void> {
    const ttlMs = this.#o.writeBackTtlMs;
    const version = this.#pointer?.version;
    if (ttlMs === 0 || version === null || version === undefined || this.#o.now() < this.#skipUntil) return;
    const key = this.#keys.value(version, kind, id);
    await this.#guard(`write ${kind}`, () => this.#o.cache.set(key, encodeCacheValue(kind, value), { ttlMs }));
  }

  /**
   * Runs a cache call with the timeout; on failure reports it, skips the cache for
   * `retryAfterMs` and resolves undefined (rejects only under cacheErrors 'throw').
   */
  #guard<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
    if (this.#o.now() < this.#skipUntil) return Promise.resolve(undefined);
    return this.#withDeadline(operation, call).then(
      (value) => {
        this.#answered(operation);
        return value;
      },
      (error: unknown) => {
        this.#failed(operation, error);
        return undefined;
      },
    );
  }

  /** The cache answered: reports a recovery when it was failing. */
  #answered(operation: string): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#o.onEvent({ type: 'cache-recovered', operation });
  }

  /**
   * The cache failed or timed out: reports it and skips the cache for `retryAfterMs`; throws the
   * error again under cacheErrors 'throw'.
   */
  #failed(operation: string, error: unknown): void {
    this.#failing = true;
    this.#skipUntil = this.#o.now() + this.#o.retryAfterMs;
    this.#o.onEvent({
      type: 'cache-error',
      operation,
      error: error instanceof Error ? error : new Error(String(error)),
    });
    if (this.#o.cacheErrors === 'throw') throw error;
  }

  #timeout(operation: string): EncoreError {
    return new EncoreError(ErrorCode.IO_ERROR, `engine: cache ${operation} took over ${this.#o.cacheTimeoutMs} ms`);
  }

  /**
   * `call()`, rejected with IO_ERROR once it has run `cacheTimeoutMs` (its deadline in the
   * engine's shared {@link Deadlines}; no timer of its own, no Promise.race).
   */
  #withDeadline<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const ticket = this.#deadlines.start({ expire: () => reject(this.#timeout(operation)) });
      const failed = (error: unknown): void => {
        this.#deadlines.settle(ticket);
        reject(error);
      };
      try {
        call().then((value) => {
          this.#deadlines.settle(ticket);
          resolve(value);
        }, failed);
      } catch (error) {
        failed(error);
      }
    });
  }

  /** Item id → title from the model, built on first use. */
  #titleMap(): ReadonlyMap<string, string> {
    this.#titleOf ??= new Map(this.#itemIds.map((id, i) => [id, this.#titles[i] ?? '']));
    return this.#titleOf;
  }

  #knownItems(ids: readonly string[], warnings: string[]): Int32Array {
    const known = new Set<number>();
    for (const id of ids) {
      const i = this.#items.indexOf(id);
      if (i < 0) warnings.push(`unknown item '${id}': not in the model, left out`);
      else known.add(i);
    }
    return Int32Array.from([...known].sort((a, b) => a - b));
  }

  #named(list: Pick<TopK, 'ids' | 'scores'> | undefined): RankedItems {
    const ids = list?.ids ?? new Int32Array(0);
    return { ids: Array.from(ids, (i) => this.#itemIds[i] as string), scores: Float32Array.from(list?.scores ?? []) };
  }

  /** Cuts a list to k, after the request's filter and rules when given. */
  #shape(
    ranked: RankedItems,
    source: EngineList['source'],
    version: number | null,
    k: number,
    o: EngineRecommendOptions,
    warnings: readonly string[],
  ): EngineList {
    const titleOf = o.titles === true ? this.#titleMap() : null;
    const titled = (id: string): { title?: string } =>
      titleOf === null ? {} : { title: titleOf.get(id) || (this.#o.catalog?.get(id)?.title ?? '') };
    if ((o.filter === undefined && o.rules === undefined) || this.#attributes === null) {
      const n = Math.min(k, ranked.ids.length);
      const items: { item: string; score: number; title?: string }[] = new Array(n);
      for (let r = 0; r < n; r++) {
        const item = ranked.ids[r] as string;
        // One object shape per path, no spread: this loop runs on every cache hit.
        items[r] =
          titleOf === null
            ? { item, score: ranked.scores[r] as number }
            : { item, score: ranked.scores[r] as number, title: titled(item).title as string };
      }
      return { items, source, version, warnings };
    }
    const ids: number[] = [];
    const scores: number[] = [];
    ranked.ids.forEach((id, r) => {
      const i = this.#items.indexOf(id);
      if (i >= 0) {
        ids.push(i);
        scores.push(ranked.scores[r] as number);
      }
    });
    const source_: CandidateSource = { name: source, ids: Int32Array.from(ids), scores: Float32Array.from(scores) };
    const rules = o.rules ?? {};
    const indices = (list: readonly string[] | undefined): Int32Array =>
      Int32Array.from((list ?? []).map((id) => this.#items.indexOf(id)).filter((i) => i >= 0));
    const list = rankItems(
      [source_],
      { attributes: this.#attributes },
      {
        k,
        exclude: {},
        ...(o.filter === undefined ? {} : { filter: o.filter }),
        ...(rules.marginBoost === undefined ? {} : { marginBoost: rules.marginBoost }),
        ...(rules.promotionBoost === undefined ? {} : { promotionBoost: rules.promotionBoost }),
        ...(rules.buryOutOfStock === undefined ? {} : { buryOutOfStock: rules.buryOutOfStock }),
        ...(rules.maxPerCategory === undefined ? {} : { maxPerCategory: rules.maxPerCategory }),
        ...(rules.normalize === undefined ? {} : { normalize: rules.normalize }),
        ...(rules.bury === undefined ? {} : { bury: indices(rules.bury) }),
        ...(rules.pins === undefined
          ? {}
          : {
              pins: rules.pins
                .map((p) => ({ item: this.#items.indexOf(p.item), slot: p.slot }))
                .filter((p) => p.item >= 0),
            }),
      },
    );
    const items = Array.from(list.ids, (i, r) => {
      const item = this.#itemIds[i] as string;
      return { item, score: list.scores[r] as number, ...titled(item) };
    });
    return { items, source, version, warnings };
  }
}

/**
 * Creates the engine facade over a cache (default: an in-memory one) and the models to compute
 * from on a miss. Rejects with INVALID_ARGUMENT for unknown or out-of-range options.
 *
 * @example
 * const engine = await createEngine({ cache: createRedisCache({ client }), namespace: 'shop-1', models: { factors } });
 * const list = await engine.recommend('cust-42', { k: 10 });
 * await engine.close();
 */
export async function createEngine(options: Partial<EngineOptions> = {}): Promise<Engine> {
  const where = 'engine/createEngine';
  const o = checkOptions(where, options, [
    'cache',
    'models',
    'catalog',
    ...Object.keys(DEFAULT_ENGINE_OPTIONS),
  ]) as Partial<EngineOptions>;
  const d = DEFAULT_ENGINE_OPTIONS;
  if (o.now !== undefined && typeof o.now !== 'function') throw invalidArgument(where, 'now must be a function', o.now);
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') {
    throw invalidArgument(where, 'onEvent must be a function', o.onEvent);
  }
  const models = checkOptions(where, o.models ?? {}, ['factors', 'cooccurrence'], 'models') as EngineModels;
  if (o.catalog !== undefined && !(o.catalog instanceof Map)) {
    throw invalidArgument(where, 'catalog must be a Map of CatalogItem', o.catalog);
  }
  const resolved: EngineOptions = Object.freeze({
    cache: o.cache ?? createMemoryCache(),
    namespace: typeof o.namespace === 'string' && o.namespace !== '' ? o.namespace : d.namespace,
    models,
    catalog: o.catalog,
    now: o.now ?? d.now,
    cacheTimeoutMs: checkNumber(where, 'cacheTimeoutMs', o.cacheTimeoutMs ?? d.cacheTimeoutMs, 1),
    retryAfterMs: checkNumber(where, 'retryAfterMs', o.retryAfterMs ?? d.retryAfterMs, 0),
    pointerTtlMs: checkNumber(where, 'pointerTtlMs', o.pointerTtlMs ?? d.pointerTtlMs, 0),
    writeBackTtlMs: checkInteger(where, 'writeBackTtlMs', o.writeBackTtlMs ?? d.writeBackTtlMs, 0),
    depth: checkInteger(where, 'depth', o.depth ?? d.depth, 1, 10_000),
    onEvent: o.onEvent ?? d.onEvent,
    cacheErrors: checkOneOf(where, 'cacheErrors', o.cacheErrors ?? d.cacheErrors, ['fallback', 'throw'] as const),
  });
  if (o.namespace !== undefined && (typeof o.namespace !== 'string' || o.namespace === '')) {
    throw invalidArgument(where, 'namespace must be a non-empty string', o.namespace);
  }
  cacheKeys(resolved.namespace); // a namespace the keyspace refuses is refused here
  return new Engine(resolved, o.cache === undefined);
}

function checkIdString(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw invalidArgument(where, `${name} must be a non-empty string`, value);
}

/** A one-row Csr holding `items` (ascending): what a folded-in customer already has. */
function singleRow(items: Int32Array, cols: number): Csr {
  return {
    rows: 1,
    cols,
    indptr: Int32Array.of(0, items.length),
    indices: items,
    data: new Float32Array(items.length).fill(1),
    times: null,
  };
}
