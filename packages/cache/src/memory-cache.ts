import { checkInteger, checkOptions, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import {
  checkBytes,
  checkConditions,
  checkKey,
  checkKeys,
  checkPrefix,
  checkReceiver,
  checkSetOptions,
  checkTtl,
  checkWrites,
  closedError,
} from './internal/store-checks.js';
import type {
  CacheCondition,
  CacheReceiver,
  CacheSetOptions,
  CacheStore,
  CacheStoreStatus,
  CacheWrite,
} from './store.js';

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** Most entries held; beyond it the least recently used unpinned entry is evicted (default 1,000,000). */
  readonly maxEntries: number;
  /** Most bytes held (values, keys and a per-entry overhead); beyond it LRU eviction (default 256 MiB). */
  readonly maxBytes: number;
  /** The clock of TTLs and leases, in milliseconds (default `Date.now`). */
  readonly now: () => number;
}

/** Defaults of {@link createMemoryCache}: 1,000,000 entries, 256 MiB, `Date.now`. */
export const DEFAULT_MEMORY_CACHE_OPTIONS: Readonly<MemoryCacheOptions> = Object.freeze({
  maxEntries: 1_000_000,
  maxBytes: 256 * 1024 * 1024,
  now: Date.now,
});

/** What the store holds right now (expired entries not yet dropped included). */
export interface MemoryCacheStats {
  readonly entries: number;
  readonly bytes: number;
  /** Entries evicted to make room since the store was made. */
  readonly evictions: number;
}

/** Bookkeeping bytes charged per entry besides its key and value (Map slot, entry object, Buffer). */
const ENTRY_OVERHEAD_BYTES = 96;

interface Entry {
  readonly value: Buffer;
  expiresAt: number;
  readonly bytes: number;
}

/**
 * The in-process {@link CacheStore}: bounded by entries and bytes with LRU eviction, TTLs on an
 * injectable clock. Made by {@link createMemoryCache}.
 *
 * Holds the same enveloped bytes as RedisCache; `get` returns a copy, so nothing a caller does to a
 * returned Buffer (or to a value decoded from it) reaches the store. `transact` runs in one
 * synchronous step, which is what makes it atomic. Pinned entries (the publish pointer, state and
 * lock) are never evicted to make room; everything else is, least recently used first, so a
 * MemoryCache smaller than the data turns the least used values into misses, never into values of
 * another version. Size it for two versions of a namespace: a publish writes the new one beside
 * the current one.
 */
export class MemoryCache implements CacheStore {
  readonly #options: Readonly<MemoryCacheOptions>;
  // Map order is recency order (a hit moves the entry to the end); pinned entries apart, so
  // eviction never has to step over them.
  readonly #lru = new Map<string, Entry>();
  readonly #pinned = new Map<string, Entry>();
  #bytes = 0;
  #evictions = 0;
  #closed = false;

  /** Use {@link createMemoryCache}. */
  constructor(options: Readonly<MemoryCacheOptions>) {
    this.#options = options;
  }

  async get(key: string): Promise<Buffer | null> {
    const where = 'cache/MemoryCache.get';
    this.#open(where);
    const entry = this.#live(checkKey(where, key), true);
    return entry === undefined ? null : Buffer.from(entry.value);
  }

  /**
   * {@link get} delivered to `receiver` (see CacheStore.getTo), at once: the value (a copy) or
   * null to `resolve`, a bad key or a closed store to `reject`.
   */
  getTo(key: string, receiver: CacheReceiver): void {
    const where = 'cache/MemoryCache.getTo';
    checkReceiver(where, receiver);
    let value: Buffer | null;
    try {
      this.#open(where);
      const entry = this.#live(checkKey(where, key), true);
      value = entry === undefined ? null : Buffer.from(entry.value);
    } catch (error) {
      receiver.reject(error);
      return;
    }
    receiver.resolve(value);
  }

  async mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    const where = 'cache/MemoryCache.mget';
    this.#open(where);
    if (!Array.isArray(keys)) throw invalidArgument(where, 'keys must be an array of strings', keys);
    checkKeys(where, keys);
    return keys.map((key) => {
      const entry = this.#live(key, true);
      return entry === undefined ? null : Buffer.from(entry.value);
    });
  }

  async set(key: string, value: Uint8Array, options?: CacheSetOptions): Promise<void> {
    const where = 'cache/MemoryCache.set';
    this.#open(where);
    const write = { key: checkKey(where, key), value: checkBytes(where, value), ...checkSetOptions(where, options) };
    this.#checkFits(where, [write]);
    this.#write(write);
    this.#evict();
  }

  async delete(keys: string | readonly string[]): Promise<number> {
    const where = 'cache/MemoryCache.delete';
    this.#open(where);
    let deleted = 0;
    for (const key of checkKeys(where, keys)) {
      if (this.#live(key, false) !== undefined) deleted++;
      this.#remove(key);
    }
    return deleted;
  }

  async transact(conditions: readonly CacheCondition[], writes: readonly CacheWrite[]): Promise<boolean> {
    const where = 'cache/MemoryCache.transact';
    this.#open(where);
    checkConditions(where, conditions);
    checkWrites(where, writes);
    this.#checkFits(where, writes);
    for (const { key, equals } of conditions) {
      const entry = this.#live(key, false);
      if (equals === null ? entry !== undefined : entry === undefined || !entry.value.equals(equals)) return false;
    }
    for (const write of writes) this.#write(write);
    this.#evict();
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const where = 'cache/MemoryCache.deletePrefix';
    this.#open(where);
    checkPrefix(where, prefix);
    let deleted = 0;
    const now = this.#options.now();
    for (const map of [this.#lru, this.#pinned]) {
      for (const [key, entry] of map) {
        if (!key.startsWith(prefix)) continue;
        if (entry.expiresAt > now) deleted++;
        this.#remove(key);
      }
    }
    return deleted;
  }

  async expirePrefix(prefix: string, ttlMs: number): Promise<number> {
    const where = 'cache/MemoryCache.expirePrefix';
    this.#open(where);
    checkPrefix(where, prefix);
    checkTtl(where, ttlMs);
    let expiring = 0;
    const now = this.#options.now();
    for (const map of [this.#lru, this.#pinned]) {
      for (const [key, entry] of map) {
        if (!key.startsWith(prefix) || entry.expiresAt <= now) continue;
        entry.expiresAt = now + ttlMs;
        expiring++;
      }
    }
    return expiring;
  }

  /** 'ready', or 'closed' once closed: memory is never unreachable. */
  get status(): CacheStoreStatus {
    return this.#closed ? 'closed' : 'ready';
  }

  /** Always null: memory has no connection to lose. */
  get lastError(): Error | null {
    return null;
  }

  /** Drops everything; later calls reject with IO_ERROR. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#lru.clear();
    this.#pinned.clear();
    this.#bytes = 0;
  }

  /** Entries, bytes and evictions so far. */
  stats(): MemoryCacheStats {
    return { entries: this.#lru.size + this.#pinned.size, bytes: this.#bytes, evictions: this.#evictions };
  }

  #open(where: string): void {
    if (this.#closed) throw closedError(where);
  }

  /** The entry under `key` unless absent or expired (an expired one is dropped); `touch` marks it recently used. */
  #live(key: string, touch: boolean): Entry | undefined {
    let entry = this.#pinned.get(key);
    const pinned = entry !== undefined;
    entry ??= this.#lru.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#options.now()) {
      this.#remove(key);
      return undefined;
    }
    if (touch && !pinned) {
      this.#lru.delete(key);
      this.#lru.set(key, entry);
    }
    return entry;
  }

  #write(write: CacheWrite): void {
    this.#remove(write.key);
    if (write.value === null) return;
    const value = Buffer.from(write.value); // a copy: the caller may reuse its buffer
    const bytes = entryBytes(write.key, value.length);
    const expiresAt = write.ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#options.now() + write.ttlMs;
    (write.pinned === true ? this.#pinned : this.#lru).set(write.key, { value, expiresAt, bytes });
    this.#bytes += bytes;
  }

  #remove(key: string): void {
    const entry = this.#lru.get(key) ?? this.#pinned.get(key);
    if (entry === undefined) return;
    this.#lru.delete(key);
    this.#pinned.delete(key);
    this.#bytes -= entry.bytes;
  }

  #evict(): void {
    const { maxEntries, maxBytes } = this.#options;
    for (const key of this.#lru.keys()) {
      if (this.#lru.size + this.#pinned.size <= maxEntries && this.#bytes <= maxBytes) return;
      this.#remove(key);
      this.#evictions++;
    }
  }

  /** Rejects, before anything is written, a value that could never fit. */
  #checkFits(where: string, writes: readonly CacheWrite[]): void {
    for (const { key, value, pinned } of writes) {
      if (value === null || pinned === true) continue;
      const bytes = entryBytes(key, value.length);
      if (bytes > this.#options.maxBytes) {
        throw new EncoreError(
          ErrorCode.LIMIT_EXCEEDED,
          `${where}: an entry of ${bytes} bytes exceeds maxBytes ${this.#options.maxBytes}`,
          { value: bytes, key },
        );
      }
    }
  }
}

function entryBytes(key: string, valueBytes: number): number {
  return ENTRY_OVERHEAD_BYTES + 2 * key.length + valueBytes;
}

/**
 * Makes an in-process {@link MemoryCache}: the default store, for one process (tests, a single
 * service instance, a bench). Throws INVALID_ARGUMENT for unknown or out-of-range options.
 *
 * @example
 * const store = createMemoryCache({ maxBytes: 64 * 1024 * 1024 });
 * await publishVersion(store, 'shop-1', async (p) => p.put('list', 'best-sellers', top));
 * await store.close();
 */
export function createMemoryCache(options: Partial<MemoryCacheOptions> = {}): MemoryCache {
  const where = 'cache/createMemoryCache';
  const o = checkOptions(where, options, Object.keys(DEFAULT_MEMORY_CACHE_OPTIONS));
  const d = DEFAULT_MEMORY_CACHE_OPTIONS;
  const now = o.now ?? d.now;
  if (typeof now !== 'function') throw invalidArgument(where, 'now must be a function returning milliseconds', now);
  return new MemoryCache(
    Object.freeze({
      maxEntries: checkInteger(where, 'maxEntries', o.maxEntries ?? d.maxEntries, 1),
      maxBytes: checkInteger(where, 'maxBytes', o.maxBytes ?? d.maxBytes, 1),
      now: now as () => number,
    }),
  );
}
