/**
 * A key-value store of bytes: what MemoryCache and RedisCache both are, and all that the keyspace,
 * the envelope and versioned publish (built once, above it) need from a store.
 *
 * Every value is bytes (`Buffer` in, `Buffer` out, binary-safe); the envelope and msgpackr live
 * above the store, so both stores hold the very same bytes and a corrupt value is detected the same
 * way. Every method is async and rejects (never throws synchronously): INVALID_ARGUMENT for bad
 * arguments, IO_ERROR when the store fails or is closed.
 *
 * The contract suite (test/cache-contract.test.ts) runs against every implementation.
 */
export interface CacheStore {
  /** The value under `key`, or null when there is none (or it expired). */
  get(key: string): Promise<Buffer | null>;
  /**
   * Optional: `get` without a promise. The outcome goes to `receiver` instead: `resolve` with the
   * value (or null), or `reject` with the error `get` would reject with; exactly one of them, once,
   * possibly before `getTo` returns (MemoryCache answers at once). Throws only when `receiver` is
   * not a receiver. A caller that reads at a high rate (the engine, on every cache hit) uses it
   * when the store has it: no promise, no closures per read; `get` otherwise.
   */
  getTo?(key: string, receiver: CacheReceiver): void;
  /** The values under `keys`, in order, null where there is none. */
  mget(keys: readonly string[]): Promise<(Buffer | null)[]>;
  /** Sets one value. */
  set(key: string, value: Uint8Array, options?: CacheSetOptions): Promise<void>;
  /** Deletes keys; resolves to how many existed. */
  delete(keys: string | readonly string[]): Promise<number>;
  /**
   * Atomically: if every condition holds, applies every write and resolves true; otherwise writes
   * nothing and resolves false. No other operation of the store is seen between the check and the
   * last write (MemoryCache: one synchronous step; RedisCache: one Lua script).
   */
  transact(conditions: readonly CacheCondition[], writes: readonly CacheWrite[]): Promise<boolean>;
  /**
   * Deletes every key that starts with `prefix` (non-empty); resolves to how many. Keys written
   * under the prefix while it runs may survive: call it on prefixes nobody writes any more.
   */
  deletePrefix(prefix: string): Promise<number>;
  /** Gives every key that starts with `prefix` (non-empty) a time to live of `ttlMs`; resolves to how many. */
  expirePrefix(prefix: string, ttlMs: number): Promise<number>;
  /** Releases the store; every later call rejects with IO_ERROR. Idempotent; always resolves. */
  close(): Promise<void>;
  /**
   * Optional: whether the store can be reached now, without a call (a caller that got IO_ERROR
   * or a miss asks it to say why): 'ready'; 'connecting' (not connected yet, no attempt failed);
   * 'unreachable' (`lastError` says why); 'closed'. MemoryCache: 'ready' until closed.
   */
  readonly status?: CacheStoreStatus;
  /**
   * Optional: why the store cannot be reached: the last connection error since it was last ready
   * (RedisCache: `connect ECONNREFUSED 127.0.0.1:6379`, `connect ETIMEDOUT`, …), else null.
   */
  readonly lastError?: Error | null;
}

/** {@link CacheStore.status}. */
export type CacheStoreStatus = 'ready' | 'connecting' | 'unreachable' | 'closed';

/**
 * Where {@link CacheStore.getTo} delivers a read: the settlers of a promise (`{ resolve, reject }`)
 * are one, and so is an object whose methods these are. Neither method may throw.
 */
export interface CacheReceiver {
  resolve(value: Buffer | null): void;
  reject(error: unknown): void;
}

export interface CacheSetOptions {
  /** Time to live in milliseconds (integer ≥ 1); none by default. */
  readonly ttlMs?: number;
  /**
   * Never evicted to make room (a TTL still applies). MemoryCache honours it; Redis evicts by its
   * own `maxmemory-policy` (run it with `noeviction` or a `volatile-*` policy, under which keys
   * without a TTL, as pinned ones are, are not evicted). Default false.
   */
  readonly pinned?: boolean;
}

/** A condition of {@link CacheStore.transact}: `key` holds exactly `equals` (null: `key` is absent). */
export interface CacheCondition {
  readonly key: string;
  readonly equals: Uint8Array | null;
}

/** A write of {@link CacheStore.transact}: sets `key` to `value`, or deletes it when `value` is null. */
export interface CacheWrite extends CacheSetOptions {
  readonly key: string;
  readonly value: Uint8Array | null;
}
