import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkInteger, checkOptions, EncoreError, ErrorCode } from '@encore/core';
import { type CacheValues, encodeCacheValue } from './envelope.js';
import { checkStore } from './internal/check-store.js';
import {
  encodeState,
  encodeVersion,
  type NamespaceState,
  parseState,
  parseVersion,
} from './internal/namespace-state.js';
import { type CacheIds, type CacheKeys, type CacheKind, cacheKeys } from './keyspace.js';
import type { CacheCondition, CacheStore, CacheWrite } from './store.js';

/**
 * Versioned publish. A batch job writes version N+1 of a namespace under its own keys, then
 * switches the namespace's one pointer to it; readers always resolve through the pointer, so each
 * read sees one whole version, never half of one and half of another.
 *
 * The protocol, all of it through CacheStore (so MemoryCache and RedisCache share it):
 * 1. Lock: `{ns}:lock` is set to a random token only if absent, with a lease (TTL). Every later step
 *    is a `transact` conditioned on the lock still holding this token (fencing): a writer that
 *    stalled past its lease, and was taken over, can no longer write a key, switch or clean.
 * 2. Sweep: versions a dead writer left `pending` are deleted; `retiring` ones get their grace TTL.
 * 3. Version: N+1 = the last version handed out + 1 (never reused), recorded as pending before any
 *    value is written, so whatever is written can be found and swept if the writer dies.
 * 4. Write: values go out in batches of `batchSize`, each batch one fenced transact that also renews
 *    the lease, up to `maxInFlight` batches in flight (pipelined on Redis' one connection).
 * 5. Switch: one transact, if the lock and the pointer are unchanged, sets the pointer to N+1 and
 *    moves N from current to retiring. This is the only step readers can observe.
 * 6. Retire: the previous version's keys get a TTL of `graceMs` (a reader that resolved the pointer
 *    just before the switch still finds its values), then the lock is released.
 * A writer that dies anywhere before 5 leaves the current version untouched; its keys are swept by
 * the next publish (or {@link sweepNamespace}) once its lease has expired.
 */

/** Options of {@link beginPublish}, {@link publishVersion} and {@link sweepNamespace}. */
export interface PublishOptions {
  /** Lease of the publish lock in ms, renewed by every batch written (default 60,000). Put at least once per lease. */
  readonly leaseMs: number;
  /** How long to wait for another publisher's lock, in ms (default 0: reject at once). */
  readonly lockWaitMs: number;
  /** How long a replaced version stays readable after the switch, in ms; 0 deletes it at once (default 60,000). */
  readonly graceMs: number;
  /** Values per written batch (default 1000). */
  readonly batchSize: number;
  /** Batches in flight before `put` waits for one to finish (default 4). */
  readonly maxInFlight: number;
}

/** Defaults of publishing: 60 s lease, no lock wait, 60 s grace, batches of 1000, 4 in flight. */
export const DEFAULT_PUBLISH_OPTIONS: Readonly<PublishOptions> = Object.freeze({
  leaseMs: 60_000,
  lockWaitMs: 0,
  graceMs: 60_000,
  batchSize: 1000,
  maxInFlight: 4,
});

/** What a commit did. */
export interface PublishResult {
  readonly namespace: string;
  /** The version now current. */
  readonly version: number;
  /** The version it replaced (now expiring after `graceMs`), null for the first publish. */
  readonly previous: number | null;
  /** Values written. */
  readonly written: number;
  /** Versions of dead or failed publications swept before this one began. */
  readonly swept: readonly number[];
  /**
   * null when, after the switch, the previous version was set to expire and the lock released.
   * Otherwise why not (the switch itself happened): the next publish retires it and the lock's
   * lease expires on its own.
   */
  readonly cleanupError: EncoreError | null;
}

/** What {@link sweepNamespace} did. */
export interface SweepResult {
  /** Versions of dead or failed publications whose keys were deleted. */
  readonly swept: readonly number[];
  /** Replaced versions whose keys were (again) given their grace TTL. */
  readonly retired: readonly number[];
}

type Status = 'open' | 'closing' | 'committed' | 'aborted';

/**
 * One version being written: made by {@link beginPublish}, finished by exactly one of `commit` or
 * `abort` (or use {@link publishVersion}, which does that for you).
 */
export class Publication {
  readonly namespace: string;
  /** The version this publication writes. */
  readonly version: number;
  /** Versions of dead or failed publications swept before this one began. */
  readonly swept: readonly number[];
  readonly #store: CacheStore;
  readonly #keys: CacheKeys;
  readonly #token: Buffer;
  readonly #options: Readonly<PublishOptions>;
  #buffer: CacheWrite[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #failure: EncoreError | null = null;
  #status: Status = 'open';
  #closing: Promise<unknown> | null = null;
  #written = 0;

  /** Use {@link beginPublish}. */
  constructor(
    store: CacheStore,
    keys: CacheKeys,
    token: Buffer,
    version: number,
    swept: readonly number[],
    options: Readonly<PublishOptions>,
  ) {
    this.#store = store;
    this.#keys = keys;
    this.#token = token;
    this.namespace = keys.namespace;
    this.version = version;
    this.swept = swept;
    this.#options = options;
  }

  /** Values written so far (acknowledged by the store). */
  get written(): number {
    return this.#written;
  }

  /**
   * Adds one value to the version. Buffered: it is written with its batch; resolves at once unless
   * `maxInFlight` batches are in flight. Putting the same id twice keeps the last value.
   * Rejects with INVALID_ARGUMENT for a bad kind, id or value, with IO_ERROR (`details.reason`
   * 'closed' after commit / abort, 'lease-lost' when the lock was lost, or the store's error).
   *
   * @example
   * await publication.put('recommendations', 'cust-42', { ids: ['sku-1'], scores: Float32Array.of(0.8) });
   */
  async put<K extends CacheKind>(kind: K, id: CacheIds[K], value: CacheValues[K]): Promise<void> {
    this.#add('cache/Publication.put', kind, id, value);
    if (this.#buffer.length >= this.#options.batchSize) await this.#flush();
  }

  /** {@link put} for many values of one kind; rejects as `put`. */
  async putMany<K extends CacheKind>(
    kind: K,
    entries: Iterable<readonly [id: CacheIds[K], value: CacheValues[K]]>,
  ): Promise<void> {
    for (const [id, value] of entries) {
      this.#add('cache/Publication.putMany', kind, id, value);
      if (this.#buffer.length >= this.#options.batchSize) await this.#flush();
    }
  }

  /**
   * Writes what is buffered and switches the namespace's pointer to this version, atomically;
   * then the previous version expires after `graceMs` and the lock is released. On any failure
   * before the switch, the current version stays, this version's keys are deleted (as `abort`) and
   * the promise rejects (CACHE_CONFLICT, `details.reason` 'lease-lost' when another publisher took over).
   * When the store fails while switching, the pointer decides: if it names this version the switch
   * went through and the commit resolves; a current version's keys are never deleted.
   */
  async commit(): Promise<PublishResult> {
    this.#checkOpen('cache/Publication.commit');
    this.#status = 'closing';
    const committing = this.#commit();
    this.#closing = committing;
    return committing;
  }

  /**
   * Abandons this version: deletes its keys and releases the lock; the current version is
   * untouched. Resolves at once after commit or abort. If it rejects (the store failed), the next
   * publish sweeps the keys.
   */
  async abort(): Promise<void> {
    if (this.#status === 'committed' || this.#status === 'aborted') return;
    if (this.#closing !== null) {
      await this.#closing.catch(() => undefined);
      return;
    }
    this.#status = 'closing';
    const aborting = this.#abort();
    this.#closing = aborting;
    await aborting;
  }

  async #commit(): Promise<PublishResult> {
    const store = this.#store;
    const keys = this.#keys;
    let previous: number | null;
    let next: NamespaceState;
    try {
      await this.#flush();
      await this.#drain();
      if (this.#failure !== null) throw this.#failure;
      const [currentBytes, stateBytes] = await store.mget([keys.current, keys.state]);
      const state = checkState('cache/Publication.commit', keys, stateBytes ?? null);
      previous = currentBytes == null ? null : parseVersion(currentBytes);
      next = {
        seq: state.seq,
        pending: state.pending.filter((v) => v !== this.version),
        retiring: previous === null ? state.retiring : [...state.retiring.filter((v) => v !== previous), previous],
      };
      let switched: boolean;
      try {
        switched = await store.transact(
          [
            this.#held(),
            { key: keys.current, equals: currentBytes ?? null },
            { key: keys.state, equals: stateBytes ?? null },
          ],
          [
            { key: keys.current, value: encodeVersion(this.version), pinned: true },
            { key: keys.state, value: encodeState(next), pinned: true },
          ],
        );
      } catch (error) {
        // The store may have applied the switch and lost only its answer: look before cleaning up.
        if (!(await this.#isCurrent().catch(() => false))) throw error;
        switched = true;
      }
      if (!switched) throw leaseLost('cache/Publication.commit', keys, this.version);
    } catch (error) {
      await this.#abort().catch(() => undefined);
      throw error;
    }
    this.#status = 'committed';
    let cleanupError: EncoreError | null = null;
    try {
      await this.#keepAlive(async () => {
        if (previous !== null) await retire(store, keys, previous, this.#options.graceMs);
        const released = await store.transact(
          [this.#held(), { key: keys.state, equals: encodeState(next) }],
          [
            {
              key: keys.state,
              value: encodeState({ ...next, retiring: next.retiring.filter((v) => v !== previous) }),
              pinned: true,
            },
            { key: keys.lock, value: null },
          ],
        );
        if (!released) throw leaseLost('cache/Publication.commit', keys, this.version);
      });
    } catch (error) {
      cleanupError = asEncoreError('cache/Publication.commit', error);
      await release(store, keys, this.#token).catch(() => undefined);
    }
    return {
      namespace: this.namespace,
      version: this.version,
      previous,
      written: this.#written,
      swept: this.swept,
      cleanupError,
    };
  }

  async #abort(): Promise<void> {
    const store = this.#store;
    const keys = this.#keys;
    this.#buffer = [];
    await this.#drain();
    try {
      // Never delete a current version: if a switch went through whose answer was lost, there is
      // nothing to undo. (If the pointer cannot be read, nothing is deleted; the next publish sweeps.)
      if (await this.#isCurrent()) return;
      // Safe with or without the lock: this version is not current and no one else writes it.
      await this.#keepAlive(() => store.deletePrefix(keys.versionPrefix(this.version)));
      const stateBytes = await store.get(keys.state);
      const state = parseState(stateBytes);
      const writes: CacheWrite[] = [{ key: keys.lock, value: null }];
      if (state !== null) {
        const pending = state.pending.filter((v) => v !== this.version);
        writes.unshift({ key: keys.state, value: encodeState({ ...state, pending }), pinned: true });
      }
      await store.transact([this.#held(), { key: keys.state, equals: stateBytes }], writes);
    } finally {
      this.#status = 'aborted';
    }
  }

  /** Whether the pointer names this version. */
  async #isCurrent(): Promise<boolean> {
    const current = await this.#store.get(this.#keys.current);
    return current !== null && parseVersion(current) === this.version;
  }

  #add<K extends CacheKind>(where: string, kind: K, id: CacheIds[K], value: CacheValues[K]): void {
    this.#checkOpen(where);
    if (this.#failure !== null) throw this.#failure;
    const key = this.#keys.value(this.version, kind, id);
    this.#buffer.push({ key, value: encodeCacheValue(kind, value) });
  }

  /** Sends the buffer as one fenced batch; waits while `maxInFlight` batches are in flight. */
  async #flush(): Promise<void> {
    if (this.#buffer.length > 0) {
      const writes = this.#buffer;
      this.#buffer = [];
      const values = writes.length;
      writes.push(this.#renewal());
      const batch: Promise<void> = this.#store
        .transact([this.#held()], writes)
        .then(
          (ok) => {
            if (ok) this.#written += values;
            else this.#fail(leaseLost('cache/Publication.put', this.#keys, this.version));
          },
          (error: unknown) => this.#fail(asEncoreError('cache/Publication.put', error)),
        )
        .then(() => {
          this.#inFlight.delete(batch);
        });
      this.#inFlight.add(batch);
    }
    while (this.#inFlight.size >= this.#options.maxInFlight) await Promise.race(this.#inFlight);
    if (this.#failure !== null) throw this.#failure;
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
  }

  #fail(error: EncoreError): void {
    this.#failure ??= error;
  }

  #checkOpen(where: string): void {
    if (this.#status !== 'open') {
      throw new EncoreError(
        ErrorCode.IO_ERROR,
        `${where}: publication of ${this.namespace} v${this.version} is ${this.#status === 'closing' ? 'finishing' : this.#status}, expected an open one`,
        { namespace: this.namespace, version: this.version, reason: 'closed' },
      );
    }
  }

  #held(): CacheCondition {
    return { key: this.#keys.lock, equals: this.#token };
  }

  #renewal(): CacheWrite {
    return { key: this.#keys.lock, value: this.#token, ttlMs: this.#options.leaseMs, pinned: true };
  }

  /** Runs a long step (a SCAN over a version) while renewing the lease every third of it. */
  #keepAlive<T>(step: () => Promise<T>): Promise<T> {
    return keepAlive(this.#store, this.#keys, this.#token, this.#options.leaseMs, step);
  }
}

/**
 * Starts publishing a new version of `namespace`: takes the publish lock (waiting up to
 * `lockWaitMs`), sweeps what dead publications left, and hands out the next version number.
 * Finish with `commit()` or `abort()` — or use {@link publishVersion}.
 *
 * Rejects with INVALID_ARGUMENT (bad store, namespace or options), CACHE_CONFLICT with
 * `details.reason` 'locked' when another publisher holds the lock, CACHE_FORMAT when the
 * namespace's bookkeeping is not Encore's, IO_ERROR from the store.
 *
 * @example
 * const publication = await beginPublish(store, 'shop-1');
 * try {
 *   for (const [customer, top] of results) await publication.put('recommendations', customer, top);
 *   await publication.commit();
 * } catch (error) {
 *   await publication.abort();
 *   throw error;
 * }
 */
export async function beginPublish(
  store: CacheStore,
  namespace: string,
  options: Partial<PublishOptions> = {},
): Promise<Publication> {
  const where = 'cache/beginPublish';
  checkStore(where, store);
  const keys = cacheKeys(namespace);
  const resolved = resolvePublishOptions(where, options);
  const token = await acquire(where, store, keys, resolved);
  try {
    const { state, stateBytes, swept } = await keepAlive(store, keys, token, resolved.leaseMs, () =>
      sweepLocked(where, store, keys, token, resolved),
    );
    const current = await store.get(keys.current);
    const version = Math.max(state.seq, current === null ? 0 : (parseVersion(current) ?? 0)) + 1;
    const registered = await store.transact(
      [
        { key: keys.lock, equals: token },
        { key: keys.state, equals: stateBytes },
      ],
      [{ key: keys.state, value: encodeState({ seq: version, pending: [version], retiring: [] }), pinned: true }],
    );
    if (!registered) throw leaseLost(where, keys, version);
    return new Publication(store, keys, token, version, swept.swept, resolved);
  } catch (error) {
    await release(store, keys, token).catch(() => undefined);
    throw error;
  }
}

/**
 * Publishes a version of `namespace` written by `write`: commits when it resolves, aborts (deleting
 * what it wrote) and rejects with its error when it rejects. Rejects as {@link beginPublish} and
 * `commit`.
 *
 * @example
 * const { version } = await publishVersion(store, 'shop-1', async (p) => {
 *   await p.putMany('recommendations', recommendations); // Iterable of [customerId, { ids, scores }]
 *   await p.put('list', { name: 'best-sellers', category: 'shoes' }, bestSellers);
 *   await p.put('model', 'als', { trainedAt: new Date(), factors: 64 });
 * });
 */
export async function publishVersion(
  store: CacheStore,
  namespace: string,
  write: (publication: Publication) => Promise<void>,
  options: Partial<PublishOptions> = {},
): Promise<PublishResult> {
  if (typeof write !== 'function') {
    throw new EncoreError(ErrorCode.INVALID_ARGUMENT, 'cache/publishVersion: write must be a function', {
      value: write,
    });
  }
  const publication = await beginPublish(store, namespace, options);
  try {
    await write(publication);
  } catch (error) {
    // If abort fails too, the version stays pending and the next publish sweeps it.
    await publication.abort().catch(() => undefined);
    throw error;
  }
  return publication.commit();
}

/**
 * Cleans `namespace` without publishing: takes the lock (waiting up to `lockWaitMs`), deletes the
 * keys of dead or failed publications, (re)applies the grace TTL of replaced versions, releases.
 * Every publish does this first; call it to clean up right after a crashed job (once its lease has
 * expired). Rejects as {@link beginPublish}.
 *
 * @example
 * const { swept } = await sweepNamespace(store, 'shop-1', { lockWaitMs: 60_000 });
 */
export async function sweepNamespace(
  store: CacheStore,
  namespace: string,
  options: Partial<PublishOptions> = {},
): Promise<SweepResult> {
  const where = 'cache/sweepNamespace';
  checkStore(where, store);
  const keys = cacheKeys(namespace);
  const resolved = resolvePublishOptions(where, options);
  const token = await acquire(where, store, keys, resolved);
  try {
    const { swept } = await keepAlive(store, keys, token, resolved.leaseMs, () =>
      sweepLocked(where, store, keys, token, resolved),
    );
    return swept;
  } finally {
    await release(store, keys, token);
  }
}

/** Resolves publish options against DEFAULT_PUBLISH_OPTIONS; throws INVALID_ARGUMENT. */
export function resolvePublishOptions(where: string, options: unknown): Readonly<PublishOptions> {
  const o = checkOptions(where, options ?? {}, Object.keys(DEFAULT_PUBLISH_OPTIONS));
  const d = DEFAULT_PUBLISH_OPTIONS;
  const day = 86_400_000;
  return Object.freeze({
    leaseMs: checkInteger(where, 'leaseMs', o.leaseMs ?? d.leaseMs, 1, day),
    lockWaitMs: checkInteger(where, 'lockWaitMs', o.lockWaitMs ?? d.lockWaitMs, 0, day),
    graceMs: checkInteger(where, 'graceMs', o.graceMs ?? d.graceMs, 0, 30 * day),
    batchSize: checkInteger(where, 'batchSize', o.batchSize ?? d.batchSize, 1, 100_000),
    maxInFlight: checkInteger(where, 'maxInFlight', o.maxInFlight ?? d.maxInFlight, 1, 1024),
  });
}

/** Takes the lock of `keys`' namespace, polling until `lockWaitMs` has passed; resolves to the token. */
async function acquire(
  where: string,
  store: CacheStore,
  keys: CacheKeys,
  options: Readonly<PublishOptions>,
): Promise<Buffer> {
  const token = Buffer.from(randomUUID(), 'ascii');
  const deadline = Date.now() + options.lockWaitMs;
  for (;;) {
    const taken = await store.transact(
      [{ key: keys.lock, equals: null }],
      [{ key: keys.lock, value: token, ttlMs: options.leaseMs, pinned: true }],
    );
    if (taken) return token;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new EncoreError(
        ErrorCode.CACHE_CONFLICT,
        `${where}: namespace ${JSON.stringify(keys.namespace)} is being published by another job (its lock is held); ` +
          'retry when it has finished or its lease has expired, or pass lockWaitMs',
        { namespace: keys.namespace, reason: 'locked' },
      );
    }
    await sleep(Math.min(left, 50));
  }
}

/** Deletes the lock if it still holds `token`. */
async function release(store: CacheStore, keys: CacheKeys, token: Buffer): Promise<void> {
  await store.transact([{ key: keys.lock, equals: token }], [{ key: keys.lock, value: null }]);
}

/** With the lock held: deletes pending versions, retires retiring ones, records it. */
async function sweepLocked(
  where: string,
  store: CacheStore,
  keys: CacheKeys,
  token: Buffer,
  options: Readonly<PublishOptions>,
): Promise<{ state: NamespaceState; stateBytes: Buffer | null; swept: SweepResult }> {
  const [currentBytes, stateBytes] = await store.mget([keys.current, keys.state]);
  const state = checkState(where, keys, stateBytes ?? null);
  const current = currentBytes == null ? null : parseVersion(currentBytes);
  // Never the current version, whatever the bookkeeping says.
  const swept = state.pending.filter((v) => v !== current);
  const retired = state.retiring.filter((v) => v !== current);
  if (state.pending.length === 0 && state.retiring.length === 0) {
    return { state, stateBytes: stateBytes ?? null, swept: { swept, retired } };
  }
  for (const version of swept) await store.deletePrefix(keys.versionPrefix(version));
  for (const version of retired) await retire(store, keys, version, options.graceMs);
  const cleaned: NamespaceState = { seq: state.seq, pending: [], retiring: [] };
  const cleanedBytes = encodeState(cleaned);
  const recorded = await store.transact(
    [
      { key: keys.lock, equals: token },
      { key: keys.state, equals: stateBytes ?? null },
    ],
    [{ key: keys.state, value: cleanedBytes, pinned: true }],
  );
  if (!recorded) throw leaseLost(where, keys, null);
  return { state: cleaned, stateBytes: cleanedBytes, swept: { swept, retired } };
}

/** Gives a replaced version's keys their grace TTL (or deletes them when graceMs is 0). */
async function retire(store: CacheStore, keys: CacheKeys, version: number, graceMs: number): Promise<void> {
  const prefix = keys.versionPrefix(version);
  if (graceMs === 0) await store.deletePrefix(prefix);
  else await store.expirePrefix(prefix, graceMs);
}

/**
 * Runs `step` while renewing the lease every third of it. A lost lease is not an error here: the
 * next fenced transact of the caller finds out and says so.
 */
async function keepAlive<T>(
  store: CacheStore,
  keys: CacheKeys,
  token: Buffer,
  leaseMs: number,
  step: () => Promise<T>,
): Promise<T> {
  const renew = (): void => {
    store
      .transact([{ key: keys.lock, equals: token }], [{ key: keys.lock, value: token, ttlMs: leaseMs, pinned: true }])
      .catch(() => undefined);
  };
  const timer = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  try {
    return await step();
  } finally {
    clearInterval(timer);
  }
}

function checkState(where: string, keys: CacheKeys, bytes: Buffer | null): NamespaceState {
  const state = parseState(bytes);
  if (state === null) {
    throw new EncoreError(
      ErrorCode.CACHE_FORMAT,
      `${where}: ${keys.state} does not hold Encore publish bookkeeping; expected JSON { seq, pending, retiring } (delete the key to reset it)`,
      { key: keys.state, value: bytes?.toString('utf8').slice(0, 200) },
    );
  }
  return state;
}

function leaseLost(where: string, keys: CacheKeys, version: number | null): EncoreError {
  return new EncoreError(
    ErrorCode.CACHE_CONFLICT,
    `${where}: lost the publish lock of ${JSON.stringify(keys.namespace)} (its lease expired and another job took over)` +
      `${version === null ? '' : `; version ${version} was not published`}; put at least once per leaseMs`,
    { namespace: keys.namespace, version, reason: 'lease-lost' },
  );
}

function asEncoreError(where: string, error: unknown): EncoreError {
  if (error instanceof EncoreError) return error;
  return new EncoreError(
    ErrorCode.IO_ERROR,
    `${where}: ${(error as Error)?.message ?? String(error)}`,
    {},
    { cause: error },
  );
}
