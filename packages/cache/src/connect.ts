import { checkInteger, checkOptions, invalidArgument } from '@encore/core';
import type { Redis as RedisClient } from 'ioredis';
import { checkKeyPrefix } from './keyspace.js';
import { createRedisCache, DEFAULT_REDIS_CACHE_OPTIONS, type RedisCache } from './redis-cache.js';

/** Options of {@link connectRedisCache}. */
export interface ConnectRedisCacheOptions {
  /** Put before every key (default 'encore:'); no `#` (see RedisCacheOptions.prefix). */
  readonly prefix: string;
  /** Give up the first connection after this long (default 1,000 ms). */
  readonly connectTimeoutMs: number;
}

export const DEFAULT_CONNECT_REDIS_CACHE_OPTIONS: Readonly<ConnectRedisCacheOptions> = Object.freeze({
  prefix: DEFAULT_REDIS_CACHE_OPTIONS.prefix,
  connectTimeoutMs: 1000,
});

/**
 * A RedisCache on a client made for serving from `url` (redis://[user:password@]host:port[/db]):
 * commands fail at once while disconnected instead of queueing (so a caller's timeout and fallback
 * decide, not a growing queue), one retry per request, and reconnection in the background with
 * backoff up to 2 s, for as long as the store is open. Closing the store quits the client.
 *
 * Resolves even when Redis cannot be reached (the store's calls then reject with IO_ERROR,
 * `details.reason` 'unreachable', naming the connection's error, until it can); `connected` says
 * whether the first connection succeeded, `error` why not (`connect ECONNREFUSED 127.0.0.1:6379`);
 * later, `store.status` and `store.lastError` say the same.
 * Rejects with INVALID_ARGUMENT for a URL that is not redis:// or rediss://, or bad options.
 *
 * @example
 * const { store } = await connectRedisCache('redis://127.0.0.1:6379');
 */
export async function connectRedisCache(
  url: string,
  options: Partial<ConnectRedisCacheOptions> = {},
): Promise<{ readonly store: RedisCache; readonly connected: boolean; readonly error: string | null }> {
  const where = 'cache/connectRedisCache';
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw invalidArgument(where, 'url must be redis://host:port (or rediss://)', url);
  }
  const o = checkOptions(where, options, Object.keys(DEFAULT_CONNECT_REDIS_CACHE_OPTIONS));
  const connectTimeout = checkInteger(
    where,
    'connectTimeoutMs',
    o.connectTimeoutMs ?? DEFAULT_CONNECT_REDIS_CACHE_OPTIONS.connectTimeoutMs,
    1,
  );
  const prefix = checkKeyPrefix(where, o.prefix ?? DEFAULT_CONNECT_REDIS_CACHE_OPTIONS.prefix);
  // Loaded on first use, not with the package: ioredis' RESP decoder subclasses String, which puts
  // String.prototype.charCodeAt on a slow path for the whole process (IdMap hashing, CSV loading
  // and msgpackr run 2-3x slower). A process that never connects to Redis does not pay for it.
  const Redis = await loadRedis();
  const client: RedisClient = new Redis(url, {
    lazyConnect: true,
    connectTimeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)),
  });
  // Connection errors surface through the failing commands, which name the last one (the store
  // listens for it: RedisCache.lastError); without a listener ioredis would also log them.
  client.on('error', () => undefined);
  const store = createRedisCache({
    client,
    prefix,
    closeClient: true,
  });
  try {
    await client.connect();
    return { store, connected: true, error: null };
  } catch (error) {
    // ioredis rejects with "Connection is closed."; the error that says why went to its 'error' event.
    return { store, connected: false, error: (store.lastError ?? (error as Error)).message };
  }
}

/** ioredis' client class, imported once. */
let redisClass: Promise<typeof RedisClient> | null = null;

function loadRedis(): Promise<typeof RedisClient> {
  redisClass ??= import('ioredis').then((module) => module.Redis);
  return redisClass;
}
