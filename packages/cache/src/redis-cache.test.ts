import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXPIRE_LUA, EXPIRE_SHA } from './internal/expire-script.js';
import { TRANSACT_LUA, TRANSACT_SHA } from './internal/transact-script.js';
import { createRedisCache, DEFAULT_REDIS_CACHE_OPTIONS, QUIT_TIMEOUT_MS } from './redis-cache.js';

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
      coalesceReads: true,
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
      { client: lazyClient(), prefix: 'encore:#shop:' }, // # marks where a prefix ends (keyspace.ts)
      { client: lazyClient(), prefix: 'app\ud800:' },
      { client: lazyClient(), closeClient: 'yes' },
      { client: lazyClient(), coalesceReads: 1 },
      { client: lazyClient(), ttl: 5 },
    ];
    for (const options of bad) {
      expect(() => createRedisCache(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('names its Lua scripts by their SHA-1, as EVALSHA expects', () => {
    expect(TRANSACT_SHA).toBe(createHash('sha1').update(TRANSACT_LUA).digest('hex'));
    expect(EXPIRE_SHA).toBe(createHash('sha1').update(EXPIRE_LUA).digest('hex'));
  });
});

/** A client that answers GET / MGET from `values` after a macrotask, recording each command's keys. */
function countingClient(values: Map<string, Buffer>, fail?: (keys: readonly string[]) => boolean) {
  const commands: string[][] = [];
  const answer = async <T>(keys: string[], reply: () => T): Promise<T> => {
    commands.push(keys);
    await new Promise((resolve) => setImmediate(resolve));
    if (fail?.(keys)) throw new Error('LOADING Redis is loading the dataset in memory');
    return reply();
  };
  const client = {
    options: {},
    getBuffer: (key: string) => answer([key], () => values.get(key) ?? null),
    mgetBuffer: (keys: string[]) => answer([...keys], () => keys.map((key) => values.get(key) ?? null)),
    evalsha: async () => 0,
    scanBuffer: async () => ['0', []],
    quit: async () => 'OK',
    status: 'ready',
  };
  return { client: client as unknown as Redis, commands };
}

describe('RedisCache reads', () => {
  const values = new Map(Array.from({ length: 10 }, (_, i) => [`p:k${i}`, Buffer.from(`v${i}`)] as const));

  it('sends the gets of one tick as MGETs of up to batchSize keys, each answered with its own value', async () => {
    const { client, commands } = countingClient(values);
    const store = createRedisCache({ client, prefix: 'p:', batchSize: 4 });
    const keys = ['k0', 'k1', 'missing', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'];
    const got = await Promise.all(keys.map((key) => store.get(key)));
    expect(got.map((b) => b?.toString() ?? null)).toEqual(['v0', 'v1', null, 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']);
    // 4 + 4 in MGETs, the ninth alone as a GET.
    expect(commands).toEqual([['p:k0', 'p:k1', 'p:missing', 'p:k3'], ['p:k4', 'p:k5', 'p:k6', 'p:k7'], ['p:k8']]);
  });

  it('sends a lone get at once, and each tick its own command', async () => {
    const { client, commands } = countingClient(values);
    const store = createRedisCache({ client, prefix: 'p:' });
    expect((await store.get('k2'))?.toString()).toBe('v2');
    const first = Promise.all([store.get('k0'), store.get('k1')]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = store.get('k3');
    expect((await first).map(String)).toEqual(['v0', 'v1']);
    expect(String(await second)).toBe('v3');
    expect(commands).toEqual([['p:k2'], ['p:k0', 'p:k1'], ['p:k3']]);
  });

  it('with coalesceReads false, one GET per get', async () => {
    const { client, commands } = countingClient(values);
    const store = createRedisCache({ client, prefix: 'p:', coalesceReads: false });
    await Promise.all([store.get('k0'), store.get('k1')]);
    expect(commands).toEqual([['p:k0'], ['p:k1']]);
  });

  it('sends getTo reads with the gets of their tick, and alone with coalesceReads false', async () => {
    const read = (store: ReturnType<typeof createRedisCache>, key: string) =>
      new Promise<Buffer | null>((resolve, reject) => store.getTo(key, { resolve, reject }));
    const coalesced = countingClient(values);
    const store = createRedisCache({ client: coalesced.client, prefix: 'p:' });
    const got = await Promise.all([read(store, 'k0'), store.get('k1'), read(store, 'missing')]);
    expect(got.map((b) => b?.toString() ?? null)).toEqual(['v0', 'v1', null]);
    expect(coalesced.commands).toEqual([['p:k0', 'p:k1', 'p:missing']]);
    const alone = countingClient(values);
    const uncoalesced = createRedisCache({ client: alone.client, prefix: 'p:', coalesceReads: false });
    expect(String(await read(uncoalesced, 'k2'))).toBe('v2');
    expect(alone.commands).toEqual([['p:k2']]);
    const failing = countingClient(values, () => true);
    const down = createRedisCache({ client: failing.client, prefix: 'p:' });
    await expect(Promise.all([read(down, 'k0'), read(down, 'k1')])).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('rejects every read of a failed batch with IO_ERROR, and only those', async () => {
    const { client } = countingClient(values, (keys) => keys.includes('p:k1'));
    const store = createRedisCache({ client, prefix: 'p:', batchSize: 2 });
    const reads = await Promise.allSettled(['k0', 'k1', 'k2', 'k3'].map((key) => store.get(key)));
    expect(reads.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((reads[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'IO_ERROR' });
    expect((reads[0] as PromiseRejectedResult).reason.cause.message).toMatch(/LOADING/);
  });

  it('sends the reads issued before close, and rejects the ones after it', async () => {
    const { client, commands } = countingClient(values);
    const store = createRedisCache({ client, prefix: 'p:', closeClient: true });
    const before = store.get('k4');
    await store.close();
    await expect(store.get('k5')).rejects.toMatchObject({ code: 'IO_ERROR', details: { reason: 'closed' } });
    expect(String(await before)).toBe('v4');
    expect(commands).toEqual([['p:k4']]);
  });
});

/**
 * Just enough of a client for deletePrefix / expirePrefix over many SCAN pages (the contract suite
 * on a real Redis holds fewer keys than one page): SCAN in pages of `count` keys of a sorted key
 * list, UNLINK, and the expire script, which answers NOSCRIPT until EVAL has sent it.
 */
function pagingClient(keys: string[], fail?: (call: number) => boolean) {
  const live = new Set(keys);
  const expiring = new Set<string>();
  let loaded = false;
  let calls = 0;
  const all = [...keys].sort();
  const client = {
    options: {},
    getBuffer: async () => null,
    scanBuffer: async (cursor: string, _m: string, pattern: string, _c: string, count: number) => {
      const from = Number(cursor);
      const prefix = pattern.slice(0, -1);
      const page = all.slice(from, from + count).filter((k) => k.startsWith(prefix) && live.has(k));
      const next = from + count >= all.length ? 0 : from + count;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return [Buffer.from(String(next)), page.map((k) => Buffer.from(k))];
    },
    unlink: async (...ks: Buffer[]) => ks.filter((k) => live.delete(k.toString())).length,
    evalsha: async (sha: string, n: number, ...rest: (Buffer | string)[]) => {
      if (!loaded) throw new Error('NOSCRIPT No matching script.');
      expect(sha).toBe(EXPIRE_SHA);
      if (fail?.(++calls)) throw new Error('READONLY replica');
      let set = 0;
      for (const k of rest.slice(0, n)) {
        if (live.has(k.toString())) {
          expiring.add(k.toString());
          set++;
        }
      }
      return set;
    },
    eval: async (lua: string, n: number, ...rest: (Buffer | string)[]) => {
      expect(lua).toBe(EXPIRE_LUA);
      loaded = true;
      return client.evalsha(EXPIRE_SHA, n, ...rest);
    },
  };
  return { client: client as unknown as Redis, live, expiring };
}

describe('RedisCache over many SCAN pages', () => {
  const keys = Array.from({ length: 2500 }, (_, i) => `p:ns:v${i % 3 === 0 ? 1 : 2}:rec:${i}`);

  it('expires and deletes every key under the prefix, pages in flight, in batches, counting each once', async () => {
    const expiring = pagingClient(keys);
    const store = createRedisCache({ client: expiring.client, prefix: 'p:', scanCount: 100, batchSize: 30 });
    const v2 = keys.filter((k) => k.startsWith('p:ns:v2:'));
    expect(await store.expirePrefix('ns:v2:', 1000)).toBe(v2.length);
    expect([...expiring.expiring].sort()).toEqual([...v2].sort());
    const deleting = pagingClient(keys);
    const other = createRedisCache({ client: deleting.client, prefix: 'p:', scanCount: 100, batchSize: 30 });
    expect(await other.deletePrefix('ns:v1:')).toBe(keys.length - v2.length);
    expect([...deleting.live].sort()).toEqual([...v2].sort());
  });

  it('rejects with IO_ERROR when a page fails, after the pages in flight have settled', async () => {
    const { client } = pagingClient(keys, (call) => call === 5);
    const store = createRedisCache({ client, prefix: 'p:', scanCount: 100 });
    await expect(store.expirePrefix('ns:', 1000)).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});

/**
 * A client in a given ioredis status whose commands fail with `failure`, emitting events as ioredis
 * does; `quit` answers as told, `disconnect` is recorded.
 */
function stateClient(status: string, failure: Error, quit: () => Promise<string> = async () => 'OK') {
  const disconnect = vi.fn();
  const fail = async (): Promise<never> => {
    throw failure;
  };
  const client = Object.assign(new EventEmitter(), {
    options: { host: '127.0.0.1', port: 1 },
    status,
    getBuffer: fail,
    mgetBuffer: fail,
    evalsha: fail,
    scanBuffer: fail,
    unlink: fail,
    quit,
    disconnect,
  });
  return { client: client as unknown as Redis, emitter: client, disconnect };
}

const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' });

describe('RedisCache without a connection', () => {
  it("names the connection's last error, not ioredis' 'Connection is closed.', and says so in status and lastError", async () => {
    const { client, emitter } = stateClient(
      'reconnecting',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    );
    const store = createRedisCache({ client, prefix: 'p:' });
    // Before any attempt has failed it can only say that it is not connected.
    await expect(store.get('k')).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringMatching(/^cache\/RedisCache\.get: Redis is not connected \(connection lost\)/),
      details: { reason: 'unreachable', status: 'unreachable', connectionError: null },
    });
    const error = refused();
    emitter.emit('error', error);
    expect([store.status, store.lastError]).toEqual(['unreachable', error]);
    for (const call of [() => store.get('k'), () => store.mget(['a', 'b']), () => store.expirePrefix('p', 5)]) {
      const rejected = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(rejected).toMatchObject({
        code: 'IO_ERROR',
        message: expect.stringMatching(
          /: Redis is unreachable: connect ECONNREFUSED 127\.0\.0\.1:1 \(the command failed: Stream isn't writeable/,
        ),
        details: { reason: 'unreachable', connectionError: 'connect ECONNREFUSED 127.0.0.1:1' },
      });
      expect((rejected as Error).cause).toBe(error);
    }
    // Reconnected: ready, the error forgotten; a server's own error is the command's, as it was.
    (emitter as unknown as { status: string }).status = 'ready';
    emitter.emit('ready');
    expect([store.status, store.lastError]).toEqual(['ready', null]);
    // A server that goes away without an error still leaves a reason.
    (emitter as unknown as { status: string }).status = 'reconnecting';
    emitter.emit('close');
    expect(store.lastError?.message).toBe('the connection to 127.0.0.1:1 closed');
  });

  it("a Redis reply error while connected stays the command's failure", async () => {
    const reply = Object.assign(new Error("READONLY You can't write against a read only replica."), {
      name: 'ReplyError',
    });
    const { client } = stateClient('ready', reply);
    const store = createRedisCache({ client, prefix: 'p:' });
    const rejected = (await store.get('k').catch((e: unknown) => e)) as Error & { details: unknown };
    expect(rejected.message).toBe(
      "cache/RedisCache.get: Redis command failed: READONLY You can't write against a read only replica.",
    );
    expect(rejected.details).toEqual({});
    expect(rejected.cause).toBe(reply);
  });

  it('is connecting on a lazy client that has not connected, closed once closed', async () => {
    const store = createRedisCache({ client: lazyClient() });
    expect([store.status, store.lastError]).toEqual(['connecting', null]);
    await store.close();
    expect(store.status).toBe('closed');
  });

  it('close() resolves when QUIT fails or is never answered, dropping the connection; one promise for every call', async () => {
    const failing = stateClient('ready', new Error('x'), async () => {
      throw new Error('Connection is closed.');
    });
    const store = createRedisCache({ client: failing.client, closeClient: true });
    const closing = store.close();
    expect(store.close()).toBe(closing);
    await expect(closing).resolves.toBeUndefined();
    expect(failing.disconnect).toHaveBeenCalledTimes(1);

    vi.useFakeTimers();
    try {
      const hanging = stateClient('ready', new Error('x'), () => new Promise<string>(() => undefined));
      const stuck = createRedisCache({ client: hanging.client, closeClient: true });
      let closed = false;
      const done = stuck.close().then(() => {
        closed = true;
      });
      await vi.advanceTimersByTimeAsync(QUIT_TIMEOUT_MS - 1);
      expect([closed, hanging.disconnect.mock.calls.length]).toEqual([false, 0]);
      await vi.advanceTimersByTimeAsync(1);
      await done;
      expect(hanging.disconnect).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }

    // Not connected: no QUIT, the connection dropped at once; answered: no drop.
    const down = stateClient('reconnecting', new Error('x'));
    await createRedisCache({ client: down.client, closeClient: true }).close();
    expect(down.disconnect).toHaveBeenCalledTimes(1);
    const up = stateClient('ready', new Error('x'));
    await createRedisCache({ client: up.client, closeClient: true }).close();
    expect(up.disconnect).not.toHaveBeenCalled();
    // The caller's client stays open unless closeClient.
    const kept = stateClient('ready', new Error('x'));
    await createRedisCache({ client: kept.client }).close();
    expect(kept.disconnect).not.toHaveBeenCalled();
  });
});
