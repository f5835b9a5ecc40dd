import { checkInteger, checkOptions, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import type { Redis } from 'ioredis';
import { type ConnectionWatch, watchConnection } from './internal/connection-watch.js';
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
import { checkKeyPrefix } from './keyspace.js';
import type {
  CacheCondition,
  CacheReceiver,
  CacheSetOptions,
  CacheStore,
  CacheStoreStatus,
  CacheWrite,
} from './store.js';

/** Options of {@link createRedisCache}. */
export interface RedisCacheOptions {
  /** A connected (or connecting) ioredis client, made by the caller; the store never reads env or globals. */
  readonly client: Redis;
  /**
   * Put before every key this store touches, so several apps or test runs share one Redis
   * (default 'encore:'). Any string without `#` (which marks where the prefix ends: see
   * keyspace.ts) or a lone UTF-16 surrogate; one app's prefix may begin with another's
   * (`encore:` and `encore:rel:v2:`) without either touching the other's keys.
   */
  readonly prefix: string;
  /** Keys per MGET / UNLINK / PEXPIRE round of a bulk operation (default 1000). */
  readonly batchSize: number;
  /** COUNT hint of each SCAN step of deletePrefix / expirePrefix (default 1000). */
  readonly scanCount: number;
  /**
   * Whether `close()` also closes the client (default false: the caller made it, the caller
   * closes it): QUIT when connected, the connection dropped when not (or when the QUIT is not
   * answered within a second).
   */
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
 *
 * While Redis cannot be reached, calls reject with IO_ERROR `details.reason` 'unreachable', whose
 * message names the connection's own error (`Redis is unreachable: connect ECONNREFUSED
 * 127.0.0.1:6379`), not ioredis' "Connection is closed." (which stays in the message), and whose
 * `cause` is that connection error; `status` and `lastError` say the same without a call. To
 * know them the store listens to the client's 'error', 'ready' and 'close' events (once per
 * client, for its life), so ioredis no longer prints connection errors as unhandled.
 */
export class RedisCache implements CacheStore {
  readonly #client: Redis;
  readonly #options: Readonly<Omit<RedisCacheOptions, 'client'>>;
  readonly #watch: ConnectionWatch;
  #closed = false;
  #closing: Promise<void> | null = null;
  /** The keys of the reads of this tick (prefixed), and their receivers, index for index. */
  #queuedKeys: string[] = [];
  #queuedReads: CacheReceiver[] = [];

  /** Use {@link createRedisCache}. */
  constructor(client: Redis, options: Readonly<Omit<RedisCacheOptions, 'client'>>) {
    this.#client = client;
    this.#options = options;
    this.#watch = watchConnection(client);
  }

  /** The prefix put before every key. */
  get prefix(): string {
    return this.#options.prefix;
  }

  /**
   * Whether Redis can be reached now: 'ready' (connected); 'connecting' (not connected yet, and
   * no attempt has failed); 'unreachable' (the connection is down or failed: {@link lastError}
   * says why; calls reject with IO_ERROR `details.reason` 'unreachable' while it lasts, and the
   * client reconnects if its retryStrategy says so); 'closed' (this store was closed).
   *
   * @example
   * if (store.status === 'unreachable') log(`cache unreachable: ${store.lastError?.message}`);
   */
  get status(): CacheStoreStatus {
    if (this.#closed) return 'closed';
    const status = this.#client.status;
    if (status === 'ready') return 'ready';
    if (status === 'wait' || ((status === 'connecting' || status === 'connect') && this.#watch.lastError === null)) {
      return 'connecting';
    }
    return 'unreachable';
  }

  /**
   * The last connection error the client reported since it was last ready (`connect ECONNREFUSED
   * 127.0.0.1:6379`, `connect ETIMEDOUT`, `WRONGPASS …`, or "the connection to … closed" when
   * the server went away without one); null when it is ready, or no error was seen since this
   * client's first store was made.
   */
  get lastError(): Error | null {
    return this.#watch.lastError;
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
        throw this.#ioError(GET, error);
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
    else this.#deliverOne(k, receiver);
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
        this.#deliverOne(keys[from] as string, reads[from] as CacheReceiver);
        continue;
      }
      this.#client.mgetBuffer(from === 0 && to === keys.length ? keys : keys.slice(from, to)).then(
        (values) => deliver(reads, from, to, values),
        (error: unknown) => deliver(reads, from, to, null, () => this.#ioError(GET, error)),
      );
    }
  };

  /** One GET, its outcome to `receiver`. */
  #deliverOne(key: string, receiver: CacheReceiver): void {
    this.#client.getBuffer(key).then(
      (value) => receiver.resolve(value),
      (error: unknown) => receiver.reject(this.#ioError(GET, error)),
    );
  }

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

  /**
   * Stops using the client; with `closeClient: true` also closes it: QUIT when connected (Redis
   * answers what was sent before it), else, or when the QUIT cannot be sent or is not answered
   * within {@link QUIT_TIMEOUT_MS}, the connection is dropped (`disconnect()`, which also stops
   * reconnecting). Always resolves: closing releases, and a Redis that died or hangs is no reason
   * to fail it. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#release();
    return this.#closing;
  }

  async #release(): Promise<void> {
    this.#closed = true;
    this.#flushReads(); // reads issued before close go out before the client may quit
    if (!this.#options.closeClient) return;
    const client = this.#client;
    if (client.status === 'ready') {
      // A QUIT that fails (Redis died an instant ago: "Connection is closed.") or hangs (a stopped
      // server) is settled here; whatever it does later goes nowhere.
      const quit = client.quit().then(
        () => true,
        () => false,
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(resolve, QUIT_TIMEOUT_MS, false);
        timer.unref();
      });
      const quitted = await Promise.race([quit, late]);
      clearTimeout(timer);
      if (quitted) return;
    }
    try {
      client.disconnect();
    } catch {
      // Dropping a connection that is already gone: nothing left to release.
    }
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
      throw this.#ioError(where, error);
    }
  }

  /**
   * A Redis failure as IO_ERROR (an EncoreError as it is). A command that failed because there is
   * no connection says so and why: the last connection error (as `cause`), not ioredis' "Connection
   * is closed.", which only says that there was none.
   */
  #ioError(where: string, error: unknown): EncoreError {
    if (error instanceof EncoreError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (!isConnectionFailure(error, this.#client.status)) {
      return new EncoreError(ErrorCode.IO_ERROR, `${where}: Redis command failed: ${message}`, {}, { cause: error });
    }
    const status = this.status;
    const connection = this.#watch.lastError ?? (hasSyscall(error) ? (error as Error) : null);
    const why =
      connection === null
        ? `Redis is not connected (${status === 'connecting' ? 'still connecting' : 'connection lost'})`
        : `Redis is unreachable: ${connection.message}`;
    return new EncoreError(
      ErrorCode.IO_ERROR,
      `${where}: ${why}${connection === error ? '' : ` (the command failed: ${message})`}`,
      { reason: 'unreachable', status, connectionError: connection?.message ?? null },
      { cause: connection ?? error },
    );
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
  const prefix = checkKeyPrefix(where, o.prefix ?? d.prefix);
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

/**
 * An MGET's values (or, when it failed, an IO_ERROR from `failure` for each) to the receivers
 * `reads[from, to)`, in order. A receiver that throws (none should) does not keep the others
 * waiting: every one is called, then the first error is thrown.
 */
function deliver(
  reads: readonly CacheReceiver[],
  from: number,
  to: number,
  values: readonly (Buffer | null)[] | null,
  failure?: () => EncoreError,
): void {
  let thrown: { readonly error: unknown } | null = null;
  for (let i = from; i < to; i++) {
    const read = reads[i] as CacheReceiver;
    try {
      if (values === null) read.reject((failure as () => EncoreError)());
      else read.resolve(values[i - from] ?? null);
    } catch (receiverError) {
      thrown ??= { error: receiverError };
    }
  }
  if (thrown !== null) throw thrown.error;
}

/** Pages of deletePrefix / expirePrefix being deleted or expired while the SCAN goes on. */
const SCAN_PAGES_IN_FLIGHT = 4;

/** How long `close()` waits for Redis to answer its QUIT before it drops the connection, in ms. */
export const QUIT_TIMEOUT_MS = 1000;

/** ioredis' statuses of a client that has no connection to send on. */
const DISCONNECTED = new Set(['wait', 'connecting', 'connect', 'reconnecting', 'close', 'end']);

/**
 * Whether a command failed for want of a connection (rather than with Redis' answer): ioredis'
 * own errors for it, a socket error, or any non-reply error while the client is disconnected.
 */
function isConnectionFailure(error: unknown, status: string | undefined): boolean {
  if (!(error instanceof Error) || error.name === 'ReplyError') return false;
  return (
    DISCONNECTED.has(status as string) ||
    hasSyscall(error) ||
    error.name === 'MaxRetriesPerRequestError' ||
    error.message === 'Connection is closed.' ||
    error.message === 'Command aborted due to connection close' ||
    error.message.startsWith("Stream isn't writeable")
  );
}

/** A socket's error (`connect ECONNREFUSED …`, `read ECONNRESET`): it names its system call. */
function hasSyscall(error: unknown): boolean {
  return typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
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
