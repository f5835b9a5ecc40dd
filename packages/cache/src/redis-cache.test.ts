import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSACT_LUA, TRANSACT_SHA } from './internal/transact-script.js';
import { createRedisCache, DEFAULT_REDIS_CACHE_OPTIONS } from './redis-cache.js';

// Option checks only: a lazy client never connects. Everything that talks to Redis is in the
// contract suite (test/cache-contract.test.ts), on a real Redis.
const clients: Redis[] = [];
const lazyClient = (options: { keyPrefix?: string } = {}): Redis => {
  const client = new Redis({ lazyConnect: true, ...options });
  clients.push(client);
  return client;
};

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

describe('createRedisCache', () => {
  it('takes a client it is given, with documented defaults', () => {
    const store = createRedisCache({ client: lazyClient() });
    expect(store.prefix).toBe('encore:');
    expect(DEFAULT_REDIS_CACHE_OPTIONS).toEqual({
      prefix: 'encore:',
      batchSize: 1000,
      scanCount: 1000,
      closeClient: false,
    });
    expect(Object.isFrozen(DEFAULT_REDIS_CACHE_OPTIONS)).toBe(true);
    expect(createRedisCache({ client: lazyClient(), prefix: '' }).prefix).toBe('');
  });

  it('throws INVALID_ARGUMENT without a client, for a client with keyPrefix, or for bad options', () => {
    const bad: unknown[] = [
      {},
      { client: {} },
      { client: lazyClient({ keyPrefix: 'app:' }) },
      { client: lazyClient(), batchSize: 0 },
      { client: lazyClient(), scanCount: 1.5 },
      { client: lazyClient(), prefix: 7 },
      { client: lazyClient(), closeClient: 'yes' },
      { client: lazyClient(), ttl: 5 },
    ];
    for (const options of bad) {
      expect(() => createRedisCache(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('names its Lua script by its SHA-1, as EVALSHA expects', () => {
    expect(TRANSACT_SHA).toBe(createHash('sha1').update(TRANSACT_LUA).digest('hex'));
  });
});
