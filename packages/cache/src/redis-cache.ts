import { checkInteger, checkOptions, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import type { Redis } from 'ioredis';
import { EXPIRE_LUA, EXPIRE_SHA } from './internal/expire-script.js';
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
import { TRANSACT_LUA, TRANSACT_SHA } from './internal/transact-script.js';
import type { CacheCondition, CacheReceiver, CacheSetOptions, CacheStore, CacheWrite } from './store.js';

/** Options of {@link createRedisCache}. */
export interface RedisCacheOptions {
  /** A connected (or connecting) ioredis client, made by the caller; the store never reads env or globals. */
  readonly client: Redis;
  /** Put before every key this store touches, so several apps or test runs share one Redis (default 'encore:'). */
  readonly prefix: string;
  /** Keys per MGET / UNLINK / PEXPIRE round of a bulk operation (default 1000). */
  readonly batchSize: number;
  /** COUNT hint of each SCAN step of deletePrefix / expirePrefix (default 1000). */
  readonly scanCount: number;
  /** Whether `close()` also quits the client (default false: the caller made it, the caller closes it). */
  readonly closeClient: boolean;
  /**
   * Whether `get`s issued in the same tick go out together as one MGET (default true): under
   * concurrent load (a server answering many requests) one command, one write and one reply
   * instead of one each per read, a quarter of the client CPU per read. A lone read is still one
   * GET, sent at the end of the tick it was issued in.
   */
  readonly coalesceReads: boolean;
}

/** Defaults of {@link createRedisCache}: prefix 'encore:', batches and SCAN steps of 1000, the client left open. */
export const DEFAULT_REDIS_CACHE_OPTIONS: Readonly<Omit<RedisCacheOptions, 'client'>> = Object.freeze({
  prefix: 'encore:',
  batchSize: 1000,
  scanCount: 1000,
  closeClient: false,
  coalesceReads: true,
});

/**
 * The Redis {@link CacheStore} (standalone Redis ≥ 6.2, or a primary; not Redis Cluster, whose
 * SCAN and multi-key scripts work per node). Made by {@link createRedisCache}.
 *
 * Reads are binary-safe (`getBuffer` / `mgetBuffer`; no value is ever decoded as a string), and
 * the `get`s of one tick go out as one MGET (`coalesceReads`; as a DataLoader does);
 * `transact` is one Lua script (EVALSHA, loaded on first use); `deletePrefix` and `expirePrefix`
 * SCAN the prefix and UNLINK / PEXPIRE each page in one pipeline. Redis errors reject with IO_ERROR
 * (the Redis error as `cause`).
 */
export class RedisCache implements CacheStore {
  readonly #client: Redis;
  readonly #options: Readonly<Omit<RedisCacheOptions, 'client'>>;
  #closed = false;
  /** The keys of the reads of this tick (prefixed), and their receivers, index for index. */
  #queuedKeys: string[] = [];
  #queuedReads: CacheReceiver[] = [];

  /** Use {@link createRedisCache}. */
  constructor(client: Redis, options: Readonly<Omit<RedisCacheOptions, 'client'>>) {
    this.#client = client;
    this.#options = options;
  }

  /** The prefix put before every key. */
  get prefix(): string {
    return this.#options.prefix;
  }

  // Not async, and without #run: a cache hit is this one read, and each extra promise of a wrapper
  // is a measurable share of it. Bad arguments and a closed store still reject, never throw.
  get(key: string): Promise<Buffer | null> {
    let k: string;
    try {
      k = this.#readKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.#options.coalesceReads) {
      return this.#client.getBuffer(k).catch((error: unknown) => {
        throw ioError(GET, error);
      });
    }
    // The promise's settlers are the receiver: one queue for get and getTo.
    return new Promise<Buffer | null>((resolve, reject) => this.#queueRead(k, { resolve, reject }));
  }

  /**
   * {@link get} delivered to `receiver`, with no promise of its own (see CacheStore.getTo): the
   * read joins the same MGET as the `get`s of its tick. Errors, bad arguments and a closed store
   * included, go to `receiver.reject`, never before this returns.
   */
  getTo(key: string, receiver: CacheReceiver): void {
    checkReceiver(GET_TO, receiver);
    let k: string;
    try {
      k = this.#readKey(key);
    } catch (error) {
      process.nextTick(rejectWith, receiver, error);
      return;
    }
    if (this.#options.coalesceReads) this.#queueRead(k, receiver);
    else deliverOne(this.#client, k, receiver);
  }

  /** A read's key, prefixed; throws as get rejects (a closed store, a bad key). */
  #readKey(key: string): string {
    this.#open(GET);
    return this.#key(checkKey(GET, key));
  }

  #queueRead(key: string, receiver: CacheReceiver): void {
    // process.nextTick runs once the microtasks of this tick are drained: every caller woken by
    // the same socket read has issued its next get by then.
    if (this.#queuedKeys.length === 0) process.nextTick(this.#flushReads);
    this.#queuedKeys.push(key);
    this.#queuedReads.push(receiver);
  }

  /** Sends the queued reads: one GET for a lone read, else MGETs of up to `batchSize` keys. */
  readonly #flushReads = (): void => {
    const keys = this.#queuedKeys;
    const reads = this.#queuedReads;
    if (keys.length === 0) return;
    this.#queuedKeys = [];
    this.#queuedReads = [];
    const size = this.#options.batchSize;
    for (let from = 0; from < keys.length; from += size) {
      const to = Math.min(keys.length, from + size);
      if (to - from === 1) {
        deliverOne(this.#client, keys[from] as string, reads[from] as CacheReceiver);
        continue;
      }
      this.#client.mgetBuffer(from === 0 && to === keys.length ? keys : keys.slice(from, to)).then(
        (values) => deliver(reads, from, to, values),
        (error: unknown) => deliver(reads, from, to, null, error),
      );
    }
  };

  async mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    const where = 'cache/RedisCache.mget';
    this.#open(where);
    if (!Array.isArray(keys)) throw invalidArgument(where, 'keys must be an array of strings', keys);
    checkKeys(where, keys);
    if (keys.length === 0) return [];
    const prefixed = keys.map((key) => this.#key(key));
    // Chunks go out together (ioredis pipelines commands on one connection) and come back in order.
    const chunks = await this.#run(where, () =>
      Promise.all(chunk(prefixed, this.#options.batchSize).map((part) => this.#client.mgetBuffer(part))),
    );
    return chunks.flat();
  }

  async set(key: string, value: Uint8Array, options?: CacheSetOptions): Promise<void> {
    const where = 'cache/RedisCache.set';
    this.#open(where);
    const k = this.#key(checkKey(where, key));
    const bytes = toBuffer(checkBytes(where, value));
    const { ttlMs } = checkSetOptions(where, options);
    await this.#run(where, () =>
      ttlMs === undefined ? this.#client.set(k, bytes) : this.#client.set(k, bytes, 'PX', ttlMs),
    );
  }

  async delete(keys: string | readonly string[]): Promise<number> {
    const where = 'cache/RedisCache.delete';
    this.#open(where);
    const prefixed = checkKeys(where, keys).map((key) => this.#key(key));
    if (prefixed.length === 0) return 0;
    const counts = await this.#run(where, () =>
      Promise.all(chunk(prefixed, this.#options.batchSize).map((part) => this.#client.unlink(...part))),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async transact(conditions: readonly CacheCondition[], writes: readonly CacheWrite[]): Promise<boolean> {
    const where = 'cache/RedisCache.transact';
    this.#open(where);
    checkConditions(where, conditions);
    checkWrites(where, writes);
    const keys: string[] = [];
    const args: (string | Buffer)[] = [String(conditions.length)];
    for (const { key, equals } of conditions) {
      keys.push(this.#key(key));
      args.push(equals === null ? '0' : '1', equals === null ? '' : toBuffer(equals));
    }
    for (const { key, value, ttlMs } of writes) {
      keys.push(this.#key(key));
      args.push(value === null ? 'd' : 's', String(ttlMs ?? 0), value === null ? '' : toBuffer(value));
    }
    const result = await this.#run(where, () => this.#script(TRANSACT_LUA, TRANSACT_SHA, keys, args));
    return result === 1;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const where = 'cache/RedisCache.deletePrefix';
    this.#open(where);
    checkPrefix(where, prefix);
    return this.#scan(where, prefix, async (keys) => {
      const counts = await Promise.all(
        chunk(keys, this.#options.batchSize).map((part) => this.#client.unlink(...part)),
      );
      return counts.reduce((sum, n) => sum + n, 0);
    });
  }

  async expirePrefix(prefix: string, ttlMs: number): Promise<number> {
    const where = 'cache/RedisCache.expirePrefix';
    this.#open(where);
    checkPrefix(where, prefix);
    checkTtl(where, ttlMs);
    return this.#scan(where, prefix, async (keys) => {
      const counts = await Promise.all(
        chunk(keys, this.#options.batchSize).map((part) => this.#script(EXPIRE_LUA, EXPIRE_SHA, part, [String(ttlMs)])),
      );
      return counts.reduce((sum: number, n) => sum + Number(n), 0);
    });
  }

  /** Stops using the client; quits it when made with `closeClient: true`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flushReads(); // reads issued before close go out before the client may quit
    if (!this.#options.closeClient) return;
    // A client that is not connected (Redis down, reconnecting) cannot QUIT: stop it instead.
    if (this.#client.status !== 'ready') this.#client.disconnect();
    else await this.#run('cache/RedisCache.close', () => this.#client.quit());
  }

  #open(where: string): void {
    if (this.#closed) throw closedError(where);
  }

  #key(key: string): string {
    return this.#options.prefix + key;
  }

  /** SCANs the keys under `prefix` (binary keys, as Redis has them) and hands each page to `page`. */
  async #scan(where: string, prefix: string, page: (keys: Buffer[]) => Promise<number>): Promise<number> {
    const pattern = `${escapeGlob(this.#key(prefix))}*`;
    let total = 0;
    let cursor = '0';
    // Each page's work goes out while the next SCAN step runs (a few pages in flight): waiting for
    // one before the other doubled the round trips of retiring a version, part of every publish.
    const inFlight = new Set<Promise<void>>();
    const failures: unknown[] = [];
    do {
      const [next, keys] = await this.#run(where, () =>
        this.#client.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', this.#options.scanCount),
      );
      cursor = next.toString();
      if (keys.length > 0) {
        const done: Promise<void> = this.#run(where, () => page(keys)).then(
          (n) => {
            total += n;
            inFlight.delete(done);
          },
          (error: unknown) => {
            failures.push(error);
            inFlight.delete(done);
          },
        );
        inFlight.add(done);
        if (inFlight.size >= SCAN_PAGES_IN_FLIGHT) await Promise.race(inFlight);
      }
    } while (cursor !== '0' && failures.length === 0);
    await Promise.all(inFlight);
    if (failures.length > 0) throw failures[0];
    return total;
  }

  /** Runs a Lua script by its SHA, sending it first when the server does not have it. */
  async #script(
    lua: string,
    sha: string,
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer)[],
  ): Promise<unknown> {
    try {
      return await this.#client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      // First use on this server (or after SCRIPT FLUSH): EVAL sends the script and caches it.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return this.#client.eval(lua, keys.length, ...keys, ...args);
    }
  }

  async #run<T>(where: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw ioError(where, error);
    }
  }
}

/**
 * Makes a {@link RedisCache} on a client the caller made (and, unless `closeClient`, closes).
 * Throws INVALID_ARGUMENT for a missing client, unknown or out-of-range options, or a client with
 * ioredis' own `keyPrefix` (SCAN patterns do not get it: use this store's `prefix` instead).
 *
 * @example
 * const client = new Redis(process.env.REDIS_URL);
 * const store = createRedisCache({ client, prefix: 'encore:' });
 * const version = await currentVersion(store, 'shop-1');
 * await store.close();
 * await client.quit();
 */
export function createRedisCache(options: Partial<RedisCacheOptions> & Pick<RedisCacheOptions, 'client'>): RedisCache {
  const where = 'cache/createRedisCache';
  const o = checkOptions(where, options, ['client', ...Object.keys(DEFAULT_REDIS_CACHE_OPTIONS)]);
  const d = DEFAULT_REDIS_CACHE_OPTIONS;
  const client = o.client as Redis | undefined;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.getBuffer !== 'function' ||
    typeof client.evalsha !== 'function' ||
    typeof client.scanBuffer !== 'function'
  ) {
    throw invalidArgument(where, 'client must be an ioredis Redis client', client);
  }
  if (client.options?.keyPrefix) {
    throw invalidArgument(
      where,
      "client must not have ioredis' keyPrefix (SCAN patterns do not get it); pass prefix to createRedisCache instead",
      client.options.keyPrefix,
    );
  }
  const prefix = o.prefix ?? d.prefix;
  if (typeof prefix !== 'string') throw invalidArgument(where, 'prefix must be a string', prefix);
  const closeClient = o.closeClient ?? d.closeClient;
  if (typeof closeClient !== 'boolean') throw invalidArgument(where, 'closeClient must be a boolean', closeClient);
  const coalesceReads = o.coalesceReads ?? d.coalesceReads;
  if (typeof coalesceReads !== 'boolean') {
    throw invalidArgument(where, 'coalesceReads must be a boolean', coalesceReads);
  }
  return new RedisCache(
    client,
    Object.freeze({
      prefix,
      batchSize: checkInteger(where, 'batchSize', o.batchSize ?? d.batchSize, 1, 1_000_000),
      scanCount: checkInteger(where, 'scanCount', o.scanCount ?? d.scanCount, 1, 1_000_000),
      closeClient,
      coalesceReads,
    }),
  );
}

const GET = 'cache/RedisCache.get';
const GET_TO = 'cache/RedisCache.getTo';

function rejectWith(receiver: CacheReceiver, error: unknown): void {
  receiver.reject(error);
}

/** One GET, its outcome to `receiver`. */
function deliverOne(client: Redis, key: string, receiver: CacheReceiver): void {
  client.getBuffer(key).then(
    (value) => receiver.resolve(value),
    (error: unknown) => receiver.reject(ioError(GET, error)),
  );
}

/**
 * An MGET's values (or its error, as IO_ERROR) to the receivers `reads[from, to)`, in order. A
 * receiver that throws (none should) does not keep the others waiting: every one is called, then
 * the first error is thrown.
 */
function deliver(
  reads: readonly CacheReceiver[],
  from: number,
  to: number,
  values: readonly (Buffer | null)[] | null,
  error?: unknown,
): void {
  let thrown: { readonly error: unknown } | null = null;
  for (let i = from; i < to; i++) {
    const read = reads[i] as CacheReceiver;
    try {
      if (values === null) read.reject(ioError(GET, error));
      else read.resolve(values[i - from] ?? null);
    } catch (receiverError) {
      thrown ??= { error: receiverError };
    }
  }
  if (thrown !== null) throw thrown.error;
}

/** Pages of deletePrefix / expirePrefix being deleted or expired while the SCAN goes on. */
const SCAN_PAGES_IN_FLIGHT = 4;

/** A Redis failure as IO_ERROR (the Redis error as `cause`); an EncoreError as it is. */
function ioError(where: string, error: unknown): EncoreError {
  if (error instanceof EncoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EncoreError(ErrorCode.IO_ERROR, `${where}: Redis command failed: ${message}`, {}, { cause: error });
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Escapes Redis glob characters, so a prefix matches only itself in a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
