import {
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  EncoreError,
  ErrorCode,
  invalidArgument,
} from '@encore/core';
import {
  type CacheDecoded,
  type CacheMissReason,
  encodeCacheValue,
  type RankedItems,
  rankedItemsProblem,
} from './envelope.js';
import { CachedRead, type ReadHost } from './internal/cached-read.js';
import { checkStore } from './internal/check-store.js';
import { Deadlines } from './internal/deadlines.js';
import { parseVersion } from './internal/namespace-state.js';
import { type CacheKeys, type CacheKind, cacheKeys, type ListId } from './keyspace.js';
import type { CacheStore } from './store.js';

/**
 * The serving side of the cache: reads of the current version of one namespace, made to be a
 * server's every request. A hit is one store read (`CacheStore.getTo` when the store has it) and
 * one promise, with no closures: the read is one object (internal/cached-read.ts), its deadline an
 * entry in one shared ring (internal/deadlines.ts), confirmed one event-loop turn after its timer
 * fires so that a stalled process reads the answers waiting in its socket before it calls the
 * store slow. The version pointer is reused for `pointerTtlMs` and then looked up again in the
 * background, one lookup at a time; a read waits for it only when it went unused for twice that.
 * A store that fails or is slow is skipped for `retryAfterMs` (a circuit breaker), and every
 * answer then comes from the plan's `miss`: a cache error never reaches the caller unless it asks
 * for it (`errors: 'throw'`).
 */

/**
 * The kinds a read plan reads and writeBack writes (model metadata is not served per request).
 *
 * @example
 * const kind: ReadPlanKind = 'together';
 */
export type ReadPlanKind = Exclude<CacheKind, 'model'>;

const READ_PLAN_KINDS: readonly ReadPlanKind[] = Object.freeze(['recommendations', 'together', 'list'] as const);

/** The operation named in events, per kind (made once, not per request). */
const READ_OPERATIONS: Readonly<Record<ReadPlanKind, string>> = Object.freeze({
  recommendations: 'read recommendations',
  together: 'read together',
  list: 'read list',
});
const WRITE_OPERATIONS: Readonly<Record<ReadPlanKind, string>> = Object.freeze({
  recommendations: 'write recommendations',
  together: 'write together',
  list: 'write list',
});
/** The operation of a pointer lookup, as events name it. */
const POINTER_OPERATION = 'pointer';

/**
 * What a {@link CacheReader} reports instead of throwing, through `onEvent`:
 * - `cache-error`: a store call failed or ran out of time (`operation`: 'pointer',
 *   'read recommendations' | 'read together' | 'read list', 'write …' for writeBack, or the name
 *   given to {@link CacheReader.guard}); the cache is then skipped for `retryAfterMs`;
 * - `cache-recovered`: the first store call that answered after a `cache-error`;
 * - `cache-miss`: a read found no usable value: `reason` 'unpublished' (nothing published in the
 *   namespace), 'absent', or the value did not decode ('foreign', 'version', 'corrupt'). `id` is
 *   the request's id, a list id as JSON (`{"name":"top","category":"shoes"}`).
 */
export type CacheReadEvent =
  | { readonly type: 'cache-error'; readonly operation: string; readonly error: Error }
  | { readonly type: 'cache-recovered'; readonly operation: string }
  | { readonly type: 'cache-miss'; readonly kind: CacheKind; readonly id: string; readonly reason: CacheMissReason };

/** Options of {@link createCacheReader} (all but `store` optional there). */
export interface CacheReaderOptions {
  /** Where the published values are. The reader does not own it (never closes it). */
  readonly store: CacheStore;
  /** One shop's keyspace (default 'default'). */
  readonly namespace: string;
  /** The clock (epoch ms) of the pointer's freshness and the circuit breaker (default `Date.now`). */
  readonly now: () => number;
  /**
   * A store call slower than this, in ms, is abandoned (a 'cache-error' with IO_ERROR) and the
   * plan's miss answers (default 50; 1 to 2,147,483,647). Measured on the process's monotonic
   * clock, and confirmed one event-loop turn after it passes (a stalled process first reads what
   * came in meanwhile).
   */
  readonly timeoutMs: number;
  /** After a store failure, skip the cache for this long, in ms, then try again (default 1,000). */
  readonly retryAfterMs: number;
  /**
   * How long the resolved version pointer is reused, in ms (default 1,000): one round trip per
   * read instead of two. Then it is looked up again while reads go on with it, so a new version is
   * seen within about this long after its publish (a read waits for the lookup only when the
   * pointer went unused for twice this). Safe while it is below the publisher's `graceMs`
   * (default 60 s), for which a replaced version stays readable. 0: looked up on every read.
   */
  readonly pointerTtlMs: number;
  /** Time to live, in ms, of answers written back by {@link CacheReader.writeBack} (default 1 h; 0: none written). */
  readonly writeBackTtlMs: number;
  /** Errors and misses, for logs and metrics (default: ignored). An onEvent that throws rejects the read it reports on. */
  readonly onEvent: (event: CacheReadEvent) => void;
  /**
   * 'fallback' (default): a failing or slow store is reported through `onEvent` and the plan's
   * miss answers; 'throw': the store's error (or the timeout's IO_ERROR) rejects the reads that
   * waited for that store call (for callers with their own fallback). Either way the cache is then
   * skipped for `retryAfterMs`, and reads while it is skipped answer from the miss.
   */
  readonly errors: 'fallback' | 'throw';
}

/** Defaults of {@link createCacheReader}: namespace 'default', `Date.now`, 50 ms timeout, 1 s retry, 1 s pointer, 1 h write-back, events ignored, 'fallback'. */
export const DEFAULT_CACHE_READER_OPTIONS: Readonly<Omit<CacheReaderOptions, 'store'>> = Object.freeze({
  namespace: 'default',
  now: Date.now,
  timeoutMs: 50,
  retryAfterMs: 1000,
  pointerTtlMs: 1000,
  writeBackTtlMs: 3_600_000,
  onEvent: () => undefined,
  errors: 'fallback',
});

/**
 * What a read answers: the request's id, its limit (k), and the caller's options, as given to
 * `read` (on a hit, the read itself: no object is made for it).
 *
 * @example
 * const miss = async ({ id, limit }: ReadRequest<string, unknown>) => computeFor(id, limit);
 */
export interface ReadRequest<Id, Options> {
  readonly id: Id;
  readonly limit: number;
  readonly options: Options;
}

/**
 * How one kind of request is answered, made once per kind (not per request) and bound to a
 * reader by {@link CacheReader.plan}. `decode` turns the cached bytes into the value `hit` takes
 * (`decodeRankedEntries` for the top `limit` entries as they are, `decodeCacheValue` for the whole
 * list); `miss` answers without the cache. Neither `hit` nor `decode` may keep `bytes`.
 *
 * @example
 * const spec: ReadPlanSpec<string, { titles?: boolean }, RankedEntry[], Shelf> = {
 *   kind: 'together',
 *   decode: decodeRankedEntries,
 *   hit: (entries, request, version) => ({ items: entries, version }),
 *   miss: async (request) => ({ items: computeTogether(request.id, request.limit), version: null }),
 * };
 */
export interface ReadPlanSpec<Id, Options, Value, Answer> {
  readonly kind: ReadPlanKind;
  /** The cached bytes as the value `hit` takes; a miss with a reason when they are not one. */
  readonly decode: (kind: ReadPlanKind, bytes: Buffer, limit: number) => CacheDecoded<Value>;
  /** The answer from a cached value of `version`. */
  readonly hit: (value: Value, request: ReadRequest<Id, Options>, version: number) => Answer;
  /** The answer without the cache: nothing published, no value, a value that did not decode, the store failing or skipped. */
  readonly miss: (request: ReadRequest<Id, Options>) => Promise<Answer>;
}

/**
 * A {@link ReadPlanSpec} bound to one reader (what {@link CacheReader.plan} returns; frozen). Pass
 * it to that reader's `read` only; its `host` is the reader's internals, not for callers.
 */
export interface ReadPlan<Id, Options, Value, Answer> extends ReadPlanSpec<Id, Options, Value, Answer> {
  /** The operation named in events: 'read recommendations', 'read together' or 'read list'. */
  readonly operation: string;
  /** The reader's side of each read (its deadlines, events and circuit breaker). */
  readonly host: ReadHost;
}

/** The pointer as last looked up (or switched to), and when (on the reader's clock). */
interface Pointer {
  readonly version: number | null;
  readonly at: number;
}

const IGNORE = (): undefined => undefined;
const NOTHING = (): void => undefined;
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Reads of the current version of one namespace, for a server: see the module comment above and
 * DEVELOPERS.md, "Serving latency". Made by {@link createCacheReader}; holds no resource of its own
 * (the store is the caller's, and its one timer keeps no process up), so it has no `close`.
 *
 * @example
 * const reader = createCacheReader({ store, namespace: 'shop-1', onEvent: log });
 * const top = reader.plan({
 *   kind: 'recommendations',
 *   decode: decodeRankedEntries,
 *   hit: (entries, request, version) => ({ items: entries, version }),
 *   miss: async (request) => ({ items: computeFor(request.id, request.limit), version: null }),
 * });
 * const answer = await reader.read(top, 'cust-42', 10, {});
 */
export class CacheReader {
  /** The namespace read. */
  readonly namespace: string;
  readonly #o: Readonly<CacheReaderOptions>;
  readonly #keys: CacheKeys;
  /** The timeouts of the store calls in flight (one timer for all; see internal/deadlines.ts). */
  readonly #deadlines: Deadlines;
  readonly #host: ReadHost;
  #pointer: Pointer | null = null;
  /** The pointer lookup in flight, if any (see #lookUpPointer). */
  #pointerLookup: Promise<number | null | undefined> | null = null;
  /** Counts switched() calls: a lookup that straddles one does not overwrite what it said. */
  #switches = 0;
  #skipUntil = 0;
  #failing = false;

  /** Use {@link createCacheReader} (it validates the options). */
  constructor(options: Readonly<CacheReaderOptions>) {
    this.#o = options;
    this.namespace = options.namespace;
    this.#keys = cacheKeys(options.namespace);
    this.#deadlines = new Deadlines(options.timeoutMs);
    this.#host = {
      deadlines: this.#deadlines,
      answered: (operation) => this.#answered(operation),
      failed: (operation, error) => this.#failed(operation, error),
      timeout: (operation) => this.#timeout(operation),
      missed: (kind, id, reason) => this.#missed(kind, id, reason),
    };
  }

  /**
   * The version pointer as last known: a version number, null when nothing was published, and
   * undefined when it was never looked up (nor switched to).
   */
  get version(): number | null | undefined {
    return this.#pointer?.version;
  }

  /**
   * Binds a plan to this reader; make one per kind of request, once (not per request). Throws
   * INVALID_ARGUMENT for an unknown key, a kind other than recommendations, together or list, or
   * a decode, hit or miss that is not a function.
   *
   * @example
   * const together = reader.plan({ kind: 'together', decode: decodeRankedEntries, hit, miss });
   */
  plan<Id extends string | ListId, Options, Value, Answer>(
    spec: ReadPlanSpec<Id, Options, Value, Answer>,
  ): ReadPlan<Id, Options, Value, Answer> {
    const where = 'cache/CacheReader.plan';
    const s = checkOptions(where, spec, ['kind', 'decode', 'hit', 'miss'], 'spec');
    const kind = checkOneOf(where, 'kind', s.kind, READ_PLAN_KINDS);
    for (const name of ['decode', 'hit', 'miss'] as const) {
      if (typeof s[name] !== 'function') throw invalidArgument(where, `${name} must be a function`, s[name]);
    }
    return Object.freeze({
      kind,
      operation: READ_OPERATIONS[kind],
      host: this.#host,
      decode: spec.decode,
      hit: spec.hit,
      miss: spec.miss,
    });
  }

  /**
   * The cached answer (`plan.hit`), else `plan.miss`: nothing published or no value (reported as
   * 'cache-miss'), a value that does not decode (reported as 'cache-miss' with its reason), or the
   * store failing, slow or skipped (reported as 'cache-error'). The pointer is looked up once per
   * `pointerTtlMs`, off the reads' path; a hit is one store read and one promise of the reader's
   * own, with no async layers and no closures.
   *
   * Never throws synchronously. Rejects with INVALID_ARGUMENT for a plan of another reader, an id
   * that is not one of the plan's kind (a string; a list: a string or `{ name, category? }`) or a
   * limit that is not an integer ≥ 0; with what `plan.hit` / `plan.miss` / `onEvent` throw; and,
   * under errors 'throw', with the store's error or the timeout's IO_ERROR.
   *
   * @example
   * const list = await reader.read(plans.recommend, 'cust-42', 10, { titles: false });
   */
  read<Id extends string | ListId, Options, Value, Answer>(
    plan: ReadPlan<Id, Options, Value, Answer>,
    id: Id,
    limit: number,
    options: Options,
  ): Promise<Answer> {
    if (plan?.host !== this.#host || !isReadId(plan.kind, id) || !Number.isInteger(limit) || limit < 0) {
      return Promise.reject(this.#badRead(plan, id, limit));
    }
    const known = this.#pointer;
    if (known !== null) {
      const now = this.#o.now();
      const age = now - known.at;
      const ttl = this.#o.pointerTtlMs;
      // Past its time to live the pointer is looked up again, in the background: reads go on with
      // the one known (its version stays readable for the publisher's graceMs) rather than each
      // waiting a round trip more. Only a pointer unused for over twice its time is waited for.
      // Its failure is reported (onEvent) and, under errors 'throw', rejects only the reads that
      // wait for it: this read goes on with the known pointer.
      if (age >= ttl && this.#pointerLookup === null) this.#lookUpPointer().catch(IGNORE);
      if (age < 2 * ttl) {
        return known.version === null
          ? this.#unpublished(plan, id, limit, options)
          : this.#readAt(known.version, plan, id, limit, options, now);
      }
    }
    return this.#lookUpPointer().then((version) =>
      version === undefined
        ? callMiss(plan, { id, limit, options })
        : version === null
          ? this.#unpublished(plan, id, limit, options)
          : this.#readAt(version, plan, id, limit, options, this.#o.now()),
    );
  }

  /**
   * Writes a computed answer into the current version (as last known) with `writeBackTtlMs`, so
   * the next read of it hits. Never creates a version: nothing is written when no version is
   * known (or nothing is published), while the cache is skipped, or with `writeBackTtlMs` 0. A
   * store failure is reported as 'cache-error' ('write recommendations' …) and trips the circuit
   * breaker as a read's would.
   *
   * Never throws synchronously. Rejects with INVALID_ARGUMENT for a bad kind, id or value (checked
   * whether or not it is written), LIMIT_EXCEEDED for a value over 4 GiB, and, under errors
   * 'throw' only, with the store's error; under 'fallback' a store failure never rejects.
   *
   * @example
   * await reader.writeBack('recommendations', 'cust-42', { ids: ['sku-1'], scores: Float32Array.of(0.9) });
   */
  writeBack(kind: ReadPlanKind, id: string | ListId, value: RankedItems): Promise<void> {
    const where = 'cache/CacheReader.writeBack';
    const ttlMs = this.#o.writeBackTtlMs;
    let key: string;
    let bytes: Buffer;
    try {
      checkOneOf(where, 'kind', kind, READ_PLAN_KINDS);
      if (!isReadId(kind, id)) throw invalidArgument(where, `${kind} id must be ${idExpected(kind)}`, id);
      const problem = rankedItemsProblem(value);
      if (problem !== null) throw invalidArgument(where, `${kind} value: ${problem}`, value);
      const version = this.#pointer?.version;
      if (ttlMs === 0 || version === null || version === undefined || this.#o.now() < this.#skipUntil) {
        return RESOLVED;
      }
      key = this.#keys.value(version, kind, id);
      bytes = encodeCacheValue(kind, value);
    } catch (error) {
      return Promise.reject(error);
    }
    const store = this.#o.store;
    return this.#guard(WRITE_OPERATIONS[kind], () => store.set(key, bytes, { ttlMs })).then(NOTHING);
  }

  /**
   * A publish of this namespace just switched it to `version` (PublishResult.version): reads use
   * it at once, and it counts as a fresh lookup (a lookup in flight from before does not replace
   * it). Throws INVALID_ARGUMENT for a version that is not an integer ≥ 1.
   *
   * @example
   * const result = await publishVersion(store, 'shop-1', write);
   * reader.switched(result.version);
   */
  switched(version: number): void {
    checkInteger('cache/CacheReader.switched', 'version', version, 1);
    this.#switches++;
    this.#pointer = { version, at: this.#o.now() };
  }

  /**
   * Runs a store call under the reader's deadline (`timeoutMs`) and circuit breaker: while the
   * cache is skipped it is not called and the result is undefined; when it fails or runs out of
   * time the failure is reported ('cache-error' with `operation`), the cache skipped for
   * `retryAfterMs`, and the result is undefined (under errors 'fallback') or the error rejects
   * (under 'throw'); when it answers after a failure, 'cache-recovered' is reported. A `call` that
   * throws instead of rejecting counts as failing. Never throws synchronously; rejects with
   * INVALID_ARGUMENT when `operation` is not a string or `call` not a function.
   *
   * @example
   * const models = await reader.guard('read models', () => store.mget(keys));
   * if (models === undefined) useTheLoadedOnes();
   */
  guard<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
    if (typeof operation !== 'string' || typeof call !== 'function') {
      const bad = typeof operation !== 'string' ? operation : call;
      return Promise.reject(
        invalidArgument('cache/CacheReader.guard', 'expected an operation name (string) and a call (function)', bad),
      );
    }
    return this.#guard(operation, call);
  }

  /**
   * The pointer looked up (undefined when the store failed, as #guard reports), one lookup at a
   * time: the reads that wait for it share it.
   */
  #lookUpPointer(): Promise<number | null | undefined> {
    this.#pointerLookup ??= this.#guard(POINTER_OPERATION, () => this.#version()).finally(() => {
      this.#pointerLookup = null;
    });
    return this.#pointerLookup;
  }

  /** Looks the pointer up in the store (#read reuses a fresh one without calling this). */
  async #version(): Promise<number | null> {
    const now = this.#o.now();
    const switches = this.#switches;
    const version = await readPointer(this.#o.store, this.#keys, 'cache/CacheReader');
    // A publish switched the namespace while this lookup was out: what it said is at least as new.
    if (switches !== this.#switches && this.#pointer !== null) return this.#pointer.version;
    this.#pointer = { version, at: now };
    return version;
  }

  /** #read with the version known (at `now`): one store read under the timeout (see CachedRead). */
  #readAt<Id, Options, Value, Answer>(
    version: number,
    plan: ReadPlan<Id, Options, Value, Answer>,
    id: Id,
    limit: number,
    options: Options,
    now: number,
  ): Promise<Answer> {
    if (now < this.#skipUntil) return callMiss(plan, { id, limit, options });
    const key = this.#keys.value(version, plan.kind, id as string | ListId);
    const read = new CachedRead(plan, id, limit, options, version);
    const store = this.#o.store;
    try {
      if (store.getTo !== undefined) store.getTo(key, read);
      else
        store.get(key).then(
          (bytes) => read.resolve(bytes),
          (error: unknown) => read.reject(error),
        );
    } catch (error) {
      read.reject(error); // a store that throws instead of rejecting
    }
    return read.answer;
  }

  /** Nothing is published: reported as a miss, answered by the plan's miss. */
  #unpublished<Id, Options, Value, Answer>(
    plan: ReadPlan<Id, Options, Value, Answer>,
    id: Id,
    limit: number,
    options: Options,
  ): Promise<Answer> {
    try {
      this.#missed(plan.kind, id, 'unpublished');
    } catch (error) {
      return Promise.reject(error); // onEvent threw
    }
    return callMiss(plan, { id, limit, options });
  }

  /**
   * Runs a store call with the timeout; on failure reports it, skips the cache for
   * `retryAfterMs` and resolves undefined (rejects only under errors 'throw').
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

  /** The store answered: reports a recovery when it was failing. */
  #answered(operation: string): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#o.onEvent({ type: 'cache-recovered', operation });
  }

  /**
   * The store failed or timed out: reports it and skips the cache for `retryAfterMs`; throws the
   * error again under errors 'throw'.
   */
  #failed(operation: string, error: unknown): void {
    this.#failing = true;
    this.#skipUntil = this.#o.now() + this.#o.retryAfterMs;
    this.#o.onEvent({
      type: 'cache-error',
      operation,
      error: error instanceof Error ? error : new Error(String(error)),
    });
    if (this.#o.errors === 'throw') throw error;
  }

  #missed(kind: ReadPlanKind, id: unknown, reason: CacheMissReason): void {
    this.#o.onEvent({ type: 'cache-miss', kind, id: typeof id === 'string' ? id : JSON.stringify(id), reason });
  }

  #timeout(operation: string): EncoreError {
    const ms = this.#o.timeoutMs;
    return new EncoreError(
      ErrorCode.IO_ERROR,
      `cache/CacheReader: ${operation} took over ${ms} ms, expected the store to answer within timeoutMs`,
      { reason: 'timeout', operation, value: ms },
    );
  }

  /**
   * `call()`, rejected with IO_ERROR once it has run `timeoutMs` (its deadline in the reader's
   * shared {@link Deadlines}; no timer of its own, no Promise.race).
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

  /** Why read's arguments are refused (off the hot path: only called for bad ones). */
  #badRead(plan: unknown, id: unknown, limit: unknown): EncoreError {
    const where = 'cache/CacheReader.read';
    const p = plan as Partial<ReadPlan<unknown, unknown, unknown, unknown>> | null | undefined;
    if (typeof p !== 'object' || p === null || p.host !== this.#host) {
      return invalidArgument(where, 'plan must be one this reader made (reader.plan(spec))', plan);
    }
    const kind = p.kind as ReadPlanKind;
    if (!isReadId(kind, id)) return invalidArgument(where, `${kind} id must be ${idExpected(kind)}`, id);
    return invalidArgument(where, 'limit must be an integer ≥ 0', limit);
  }
}

/**
 * Makes a {@link CacheReader} over `store` for one namespace; options resolved once (see
 * {@link DEFAULT_CACHE_READER_OPTIONS}). Throws INVALID_ARGUMENT for an unknown option, a store
 * that is not a CacheStore, a namespace the keyspace refuses (empty or not a string), a
 * timeoutMs outside 1..2,147,483,647, a negative or non-finite retryAfterMs or pointerTtlMs, a
 * writeBackTtlMs that is not an integer ≥ 0, `now` or `onEvent` not a function, or errors not
 * 'fallback' / 'throw'.
 *
 * @example
 * const reader = createCacheReader({ store: createRedisCache({ client }), namespace: 'shop-1', timeoutMs: 20 });
 */
export function createCacheReader(options: Partial<CacheReaderOptions> & { readonly store: CacheStore }): CacheReader {
  const where = 'cache/createCacheReader';
  const o = checkOptions(where, options, ['store', ...Object.keys(DEFAULT_CACHE_READER_OPTIONS)]) as Partial<
    Record<keyof CacheReaderOptions, unknown>
  >;
  const d = DEFAULT_CACHE_READER_OPTIONS;
  const store = checkStore(where, o.store);
  const namespace = o.namespace ?? d.namespace;
  cacheKeys(namespace as string); // a namespace the keyspace refuses is refused here (INVALID_ARGUMENT)
  const now = o.now ?? d.now;
  if (typeof now !== 'function') throw invalidArgument(where, 'now must be a function', now);
  const onEvent = o.onEvent ?? d.onEvent;
  if (typeof onEvent !== 'function') throw invalidArgument(where, 'onEvent must be a function', onEvent);
  const resolved: CacheReaderOptions = Object.freeze({
    store,
    namespace: namespace as string,
    now: now as () => number,
    // setTimeout's longest delay: a longer one fires at once.
    timeoutMs: checkNumber(where, 'timeoutMs', o.timeoutMs ?? d.timeoutMs, 1, 2_147_483_647),
    retryAfterMs: checkNumber(where, 'retryAfterMs', o.retryAfterMs ?? d.retryAfterMs, 0),
    pointerTtlMs: checkNumber(where, 'pointerTtlMs', o.pointerTtlMs ?? d.pointerTtlMs, 0),
    writeBackTtlMs: checkInteger(where, 'writeBackTtlMs', o.writeBackTtlMs ?? d.writeBackTtlMs, 0),
    onEvent: onEvent as (event: CacheReadEvent) => void,
    errors: checkOneOf(where, 'errors', o.errors ?? d.errors, ['fallback', 'throw'] as const),
  });
  return new CacheReader(resolved);
}

/**
 * The current version of `namespace`, null when nothing was published yet: one read of its
 * pointer, no caching (a server reads through a {@link CacheReader}, which keeps it). Rejects with
 * INVALID_ARGUMENT (bad store or namespace), CACHE_FORMAT when the pointer is not a version
 * number, IO_ERROR from the store.
 *
 * @example
 * const version = await currentVersion(store, 'shop-1'); // 7
 */
export async function currentVersion(store: CacheStore, namespace: string): Promise<number | null> {
  const where = 'cache/currentVersion';
  checkStore(where, store);
  return readPointer(store, cacheKeys(namespace), where);
}

/** The version under `keys.current`: null when absent; CACHE_FORMAT when it is not a version number. */
async function readPointer(store: CacheStore, keys: CacheKeys, where: string): Promise<number | null> {
  const pointer = await store.get(keys.current);
  if (pointer === null) return null;
  const version = parseVersion(pointer);
  if (version !== null) return version;
  const held = JSON.stringify(pointer.toString('latin1').slice(0, 40));
  throw new EncoreError(ErrorCode.CACHE_FORMAT, `${where}: ${keys.current} holds ${held}, not a version number`, {
    key: keys.current,
    value: held,
  });
}

/** plan.miss(request), a synchronous throw turned into a rejection (a read never throws). */
function callMiss<Id, Options, Value, Answer>(
  plan: ReadPlanSpec<Id, Options, Value, Answer>,
  request: ReadRequest<Id, Options>,
): Promise<Answer> {
  try {
    return plan.miss(request);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** True when `id` is an id of `kind`: a string, or for a list `{ name: string, category?: string }`. */
function isReadId(kind: ReadPlanKind, id: unknown): boolean {
  if (typeof id === 'string') return true;
  if (kind !== 'list' || typeof id !== 'object' || id === null) return false;
  const { name, category } = id as Partial<ListId>;
  return typeof name === 'string' && (category === undefined || typeof category === 'string');
}

function idExpected(kind: ReadPlanKind): string {
  return kind === 'list' ? 'a string or { name: string, category?: string }' : 'a string';
}
