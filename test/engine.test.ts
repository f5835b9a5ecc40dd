import { type CacheReceiver, type CacheStore, createMemoryCache, createRedisCache } from '@encore/cache';
import { type Catalog, type CatalogItem, cooToCsr, createRng, ErrorCode } from '@encore/core';
import { createEngine, type EngineEvent } from '@encore/engine';
import { fitAls, type TrainedFactorModel } from '@encore/factorization';
import { type PublishContent, publishContent } from '@encore/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestRedis, deleteUnder, uniquePrefix } from './redis.js';

/** 40 customers in 4 taste groups over 24 items; customer c likes items of group c % 4. */
function factorModel(): TrainedFactorModel {
  const rng = createRng(5);
  const row: number[] = [];
  const col: number[] = [];
  for (let c = 0; c < 40; c++) {
    for (let i = c % 4; i < 24; i += 4) {
      if (rng.next() < 0.6) {
        row.push(c);
        col.push(i);
      }
    }
  }
  const matrix = cooToCsr({
    rows: 40,
    cols: 24,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
  return {
    model: fitAls(matrix, { factors: 8, regularization: 0.1, iterations: 10 }),
    customerIds: Array.from({ length: 40 }, (_, c) => `c${c}`),
    itemIds: Array.from({ length: 24 }, (_, i) => `i${i}`),
    seen: matrix,
    weights: { purchase: 5 },
  };
}

/** Publishes a new version of `namespace` in `store`, as a nightly job does. */
async function publish(store: CacheStore, content: PublishContent, namespace = 'default'): Promise<number> {
  return (await publishContent(store, namespace, content)).version;
}

const catalog: Catalog = new Map(
  Array.from({ length: 24 }, (_, i): [string, CatalogItem] => [
    `i${i}`,
    {
      id: `i${i}`,
      title: `Item ${i}`,
      categoryPath: [i < 12 ? 'lamps' : 'rugs'],
      price: 10 + i,
      stock: i % 5 === 0 ? 0 : 3,
    },
  ]),
);

const factors = factorModel();

/** A store that fails (or hangs) while `mode` says so, else passes through. */
function flakyStore(inner: CacheStore): CacheStore & { mode: 'ok' | 'fail' | 'hang' } {
  const state = { mode: 'ok' as 'ok' | 'fail' | 'hang' };
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (state.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
      if (state.mode === 'hang') return new Promise<R>(() => undefined);
      return call(...args);
    };
  return Object.assign(state, {
    get: wrap((key: string) => inner.get(key)),
    mget: wrap((keys: readonly string[]) => inner.mget(keys)),
    set: wrap((key: string, value: Uint8Array, options?: { ttlMs?: number }) => inner.set(key, value, options)),
    delete: wrap((keys: string | readonly string[]) => inner.delete(keys)),
    transact: wrap((c: Parameters<CacheStore['transact']>[0], w: Parameters<CacheStore['transact']>[1]) =>
      inner.transact(c, w),
    ),
    deletePrefix: wrap((prefix: string) => inner.deletePrefix(prefix)),
    expirePrefix: wrap((prefix: string, ttl: number) => inner.expirePrefix(prefix, ttl)),
    close: () => inner.close(),
  });
}

describe('createEngine over a MemoryCache', () => {
  it('computes from the model, serves what is published, and writes computed answers back', async () => {
    const events: EngineEvent[] = [];
    const cache = createMemoryCache();
    const engine = await createEngine({
      models: { factors, catalog },
      cache,
      pointerTtlMs: 0,
      onEvent: (e) => events.push(e),
    });
    const computed = await engine.recommend('c1', { k: 5 });
    expect(computed.source).toBe('model');
    expect(computed.items).toHaveLength(5);
    const seen = new Set(Array.from(factors.seen.indices.subarray(factors.seen.indptr[1], factors.seen.indptr[2])));
    for (const { item, because } of computed.items) {
      expect(seen.has(Number(item.slice(1)))).toBe(false);
      // "because you bought X": an item the customer has, behind each of the model's items.
      expect(because?.[0]).toMatchObject({ source: 'als' });
      expect(seen.has(Number(because?.[0]?.item?.slice(1)))).toBe(true);
    }

    const published = { ids: ['i23', 'i5', 'i9'], scores: Float32Array.of(3, 2, 1) };
    const version = await publish(cache, {
      recommendations: [['c1', published]],
      lists: [
        [
          { name: 'best-sellers', category: 'rugs' },
          { ids: ['i13', 'i17'], scores: Float32Array.of(9, 4) },
        ],
      ],
    });
    const cached = await engine.recommend('c1', { k: 2 });
    expect(cached).toMatchObject({ source: 'cache', version, items: [{ item: 'i23', score: 3 }, { item: 'i5' }] });
    expect(cached.items[0]?.title).toBeUndefined(); // titles only when asked for
    expect((await engine.recommend('c1', { k: 1, titles: true })).items[0]?.title).toBe('Item 23');
    const shelf = await engine.list('best-sellers', { category: 'rugs', k: 5 });
    expect(shelf.items.map((t) => t.item)).toEqual(['i13', 'i17']);

    // c2 is not published: computed, written back into the current version, then served from it.
    expect((await engine.recommend('c2', { k: 3 })).source).toBe('model');
    const again = await engine.recommend('c2', { k: 3 });
    expect(again.source).toBe('cache');
    expect(events.filter((e) => e.type === 'cache-miss').map((e) => e.type === 'cache-miss' && e.id)).toContain('c2');
    await engine.close();
    await cache.close();
  });

  it('applies filters and rules to published lists', async () => {
    const cache = createMemoryCache();
    await publish(cache, {
      recommendations: [['c3', { ids: ['i0', 'i13', 'i3', 'i15', 'i7'], scores: Float32Array.of(5, 4, 3, 2, 1) }]],
    });
    const engine = await createEngine({ models: { factors }, catalog, cache });
    const rugs = await engine.recommend('c3', { k: 10, filter: { categories: ['rugs'] } });
    expect(rugs.items.map((t) => t.item)).toEqual(['i13', 'i15']);
    const inStock = await engine.recommend('c3', { k: 10, filter: { inStock: true } });
    expect(inStock.items.map((t) => t.item)).not.toContain('i0'); // stock 0
    const pinned = await engine.recommend('c3', { k: 3, rules: { pins: [{ item: 'i7', slot: 0 }], bury: ['i13'] } });
    expect(pinned.items[0]?.item).toBe('i7');
    expect(pinned.items.map((t) => t.item)).not.toContain('i13');
    await expect(
      (await createEngine({ models: { factors }, cache })).recommend('c3', { filter: { inStock: true } }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await engine.close();
    await cache.close();
  });

  it('folds in a new customer from recent items, falls back to best sellers, and refuses bad input', async () => {
    const engine = await createEngine({ models: { factors } });
    const folded = await engine.recommend('visitor', { k: 4, recentItems: ['i1', 'i5', 'nope'] });
    expect(folded.source).toBe('fold-in');
    expect(folded.warnings.join()).toContain("'nope'");
    // Group 1 (items 1, 5, 9 …): the fold-in recommends that group's other items.
    expect(folded.items.filter((t) => Number(t.item.slice(1)) % 4 === 1).length).toBeGreaterThanOrEqual(3);
    const cold = await engine.recommend('stranger', { k: 3 });
    expect(cold.source).toBe('popular');
    expect(cold.items).toHaveLength(3);
    await expect(engine.recommend('', {})).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(engine.recommend('c1', { k: 0 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(createEngine({ cacheTimeoutMs: -1 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    // A key prefix goes with a Redis URL, not with a store the caller made (whose prefix is its own).
    await expect(createEngine({ cache: createMemoryCache(), cachePrefix: 'shop:' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(createEngine({ cache: 'memcached://localhost' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await engine.close();
    await expect(engine.recommend('c1')).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });

  it('answers from the model when the cache fails or hangs, reports it, and returns to the cache', async () => {
    let now = 1_000_000;
    const store = flakyStore(createMemoryCache());
    await publish(store, { recommendations: [['c4', { ids: ['i8'], scores: Float32Array.of(1) }]] });
    const events: EngineEvent[] = [];
    const engine = await createEngine({
      cache: store,
      models: { factors },
      now: () => now,
      cacheTimeoutMs: 20,
      retryAfterMs: 500,
      pointerTtlMs: 0,
      onEvent: (e) => events.push(e),
    });
    store.mode = 'fail';
    const down = await engine.recommend('c4', { k: 3 });
    expect(down.source).toBe('model');
    expect(events.some((e) => e.type === 'cache-error' && /ECONNREFUSED/.test(e.error.message))).toBe(true);
    store.mode = 'hang';
    now += 600;
    const start = performance.now();
    const slow = await engine.recommend('c4', { k: 3 });
    expect(slow.source).toBe('model');
    expect(performance.now() - start).toBeLessThan(1000);
    expect(events.some((e) => e.type === 'cache-error' && /took over 20 ms/.test(e.error.message))).toBe(true);
    // While skipping, no cache call is made (a hanging store would otherwise cost the timeout).
    expect((await engine.recommend('c4', { k: 3 })).source).toBe('model');
    store.mode = 'ok';
    now += 600;
    expect((await engine.recommend('c4', { k: 3 })).source).toBe('cache');
    expect(events.at(-1)?.type).toBe('cache-recovered');
    await engine.close();

    const strict = await createEngine({ cache: store, models: { factors }, cacheErrors: 'throw' });
    store.mode = 'fail';
    await expect(strict.recommend('c4')).rejects.toThrow(/ECONNREFUSED/);
    await strict.close();
  });
});

describe('the engine read path with a fresh pointer', () => {
  /**
   * A store that counts reads and, per key, answers as `modes` says (else passes through); with
   * `getTo`, it has the promise-free read too (as MemoryCache and RedisCache do), which the engine
   * then uses, else only `get`.
   */
  function scriptedStore(inner: CacheStore, withGetTo = false) {
    const modes = new Map<string, 'fail' | 'hang' | 'throw' | 'corrupt'>();
    const gets: string[] = [];
    const get = (key: string): Promise<Buffer | null> => {
      gets.push(key);
      const mode = [...modes].find(([part]) => key.includes(part))?.[1];
      if (mode === 'fail') return Promise.reject(new Error('READONLY replica'));
      if (mode === 'hang') return new Promise(() => undefined);
      if (mode === 'throw') throw new Error('store bug: threw instead of rejecting');
      if (mode === 'corrupt') return Promise.resolve(Buffer.from('a value some other app wrote'));
      return inner.get(key);
    };
    const getTo = (key: string, receiver: CacheReceiver): void => {
      get(key).then(
        (value) => receiver.resolve(value),
        (error: unknown) => receiver.reject(error),
      );
    };
    const store: CacheStore = Object.assign(Object.create(null), {
      get,
      ...(withGetTo ? { getTo } : {}),
      mget: (keys: readonly string[]) => inner.mget(keys),
      set: (key: string, value: Uint8Array, options?: { ttlMs?: number }) => inner.set(key, value, options),
      delete: (keys: string | readonly string[]) => inner.delete(keys),
      transact: (c: Parameters<CacheStore['transact']>[0], w: Parameters<CacheStore['transact']>[1]) =>
        inner.transact(c, w),
      deletePrefix: (prefix: string) => inner.deletePrefix(prefix),
      expirePrefix: (prefix: string, ttl: number) => inner.expirePrefix(prefix, ttl),
      close: () => inner.close(),
    });
    return { store, modes, gets };
  }

  it.each([
    ['get', false],
    ['getTo', true],
  ])(
    'reads a hit with one store call (%s); a failing, hanging, throwing or corrupt value read falls back and is reported',
    async (_, withGetTo) => {
      let now = 5_000_000;
      const { store, modes, gets } = scriptedStore(createMemoryCache(), withGetTo);
      const one = { ids: ['i8', 'i4'], scores: Float32Array.of(2, 1) };
      await publish(store, {
        recommendations: [
          ['c4', one],
          ['c5', one],
          ['c6', one],
          ['c7', one],
          ['c8', one],
        ],
        together: [['i1', one]],
        lists: [[{ name: 'trending' }, one]],
      });
      const events: EngineEvent[] = [];
      const engine = await createEngine({
        cache: store,
        models: { factors, catalog },
        now: () => now,
        cacheTimeoutMs: 20,
        retryAfterMs: 100,
        writeBackTtlMs: 0,
        onEvent: (e) => events.push(e),
      });
      gets.length = 0;
      const hit = await engine.recommend('c4', { k: 1, titles: true });
      expect(hit).toMatchObject({ source: 'cache', items: [{ item: 'i8', score: 2, title: 'Item 8' }] });
      expect(await engine.together(['i1'], { k: 2 })).toMatchObject({
        source: 'cache',
        items: [{ item: 'i8' }, { item: 'i4' }],
      });
      expect(await engine.list('trending')).toMatchObject({ source: 'cache', items: [{ item: 'i8' }, { item: 'i4' }] });
      // The pointer once (looked up by the first read, then kept), then one read per answer.
      expect(gets).toHaveLength(4);
      expect(gets.filter((key) => key.endsWith(':current'))).toHaveLength(1);

      const cases = [
        ['c5', 'fail', /READONLY/],
        ['c6', 'hang', /took over 20 ms/],
        ['c7', 'throw', /threw instead of rejecting/],
      ] as const;
      for (const [customer, mode, message] of cases) {
        modes.set(`rec:${customer}`, mode);
        events.length = 0;
        expect((await engine.recommend(customer, { k: 1 })).source).toBe('model');
        expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'read recommendations' })]);
        expect((events[0] as { error: Error }).error.message).toMatch(message);
        now += 200; // past retryAfterMs: the next read tries the cache again
      }
      modes.set('rec:c8', 'corrupt');
      events.length = 0;
      expect((await engine.recommend('c8', { k: 1 })).source).toBe('model');
      expect(events).toEqual([
        { type: 'cache-recovered', operation: 'read recommendations' },
        expect.objectContaining({ type: 'cache-miss', kind: 'recommendations', id: 'c8', reason: 'foreign' }),
      ]);
      await engine.close();
    },
  );

  it('looks the pointer up again after pointerTtlMs without holding reads, one lookup at a time', async () => {
    let now = 7_000_000;
    const shared = createMemoryCache();
    const { store, gets } = scriptedStore(shared, true);
    const v1 = { ids: ['i1'], scores: Float32Array.of(1) };
    const v2 = { ids: ['i2'], scores: Float32Array.of(2) };
    await publish(shared, { recommendations: [['c1', v1]] });
    const reader = await createEngine({ cache: store, models: { factors }, now: () => now, pointerTtlMs: 1000 });
    const itemOf = async () => (await reader.recommend('c1', { k: 1 })).items[0]?.item;
    expect(await itemOf()).toBe('i1'); // no pointer yet: looked up first
    const pointerReads = () => gets.filter((key) => key.endsWith(':current')).length;
    expect(pointerReads()).toBe(1);
    await publish(shared, { recommendations: [['c1', v2]] });
    now += 500;
    expect(await itemOf()).toBe('i1'); // within its time: not looked up
    now += 1000;
    // Past its time, many reads at once: they go on with the known version while one lookup runs.
    expect(await Promise.all([itemOf(), itemOf(), itemOf()])).toEqual(['i1', 'i1', 'i1']);
    expect(pointerReads()).toBe(2);
    expect(await itemOf()).toBe('i2'); // the lookup answered
    // Unused for over twice its time: the reads wait for one lookup, and see what it finds.
    await publish(shared, { recommendations: [['c1', v1]] });
    now += 2500;
    expect(await Promise.all([itemOf(), itemOf()])).toEqual(['i1', 'i1']);
    expect(pointerReads()).toBe(3);
    await reader.close();
    await shared.close();
  });

  it("a pointer lookup that fails in the background is reported, and under cacheErrors 'throw' rejects only the reads waiting for it", async () => {
    let now = 9_000_000;
    const { store, modes } = scriptedStore(createMemoryCache(), true);
    await publish(store, { recommendations: [['c4', { ids: ['i8'], scores: Float32Array.of(1) }]] });
    const events: EngineEvent[] = [];
    const strict = await createEngine({
      cache: store,
      models: { factors },
      now: () => now,
      pointerTtlMs: 1000,
      cacheErrors: 'throw',
      onEvent: (e) => events.push(e),
    });
    expect((await strict.recommend('c4')).source).toBe('cache'); // the pointer is known from here
    modes.set(':current', 'fail');
    now += 1500; // stale: looked up in the background, the read goes on with the known pointer
    expect((await strict.recommend('c4')).source).toBe('cache');
    await new Promise((settled) => setTimeout(settled, 10));
    expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'pointer' })]);
    now += 5000; // unused for long: the read waits for the lookup, and gets its error
    await expect(strict.recommend('c4')).rejects.toThrow(/READONLY/);
    await strict.close();
  });

  it("rejects under cacheErrors 'throw', and when onEvent throws, instead of hanging", async () => {
    const { store, modes } = scriptedStore(createMemoryCache());
    await publish(store, { recommendations: [['c4', { ids: ['i8'], scores: Float32Array.of(1) }]] });
    const strict = await createEngine({ cache: store, models: { factors }, cacheErrors: 'throw', cacheTimeoutMs: 20 });
    modes.set('rec:c4', 'hang');
    await expect(strict.recommend('c4')).rejects.toMatchObject({ code: ErrorCode.IO_ERROR });
    await strict.close();
    const loud = await createEngine({
      cache: store,
      models: { factors },
      onEvent: () => {
        throw new Error('logger down');
      },
    });
    modes.set('rec:c4', 'corrupt');
    await expect(loud.recommend('c4')).rejects.toThrow(/logger down/);
    await loud.close();
  });
});

describe('createEngine over Redis', () => {
  let client: Redis;
  let prefix: string;
  beforeAll(async () => {
    client = await connectTestRedis();
    prefix = uniquePrefix('engine');
  });
  afterAll(async () => {
    await deleteUnder(client, prefix);
    client.disconnect();
  });

  it('publishes and reads through a real Redis', async () => {
    const cache = createRedisCache({ client, prefix });
    const lists = Array.from({ length: 40 }, (_, c): [string, { ids: string[]; scores: Float32Array }] => [
      `c${c}`,
      { ids: [`i${c % 24}`], scores: Float32Array.of(c) },
    ]);
    const version = await publish(cache, { recommendations: lists }, 'shop');
    const engine = await createEngine({ cache, namespace: 'shop', models: { factors } });
    const read = await engine.recommend('c7', { k: 5 });
    expect(read).toMatchObject({ source: 'cache', version, items: [{ item: 'i7', score: 7 }] });
    await engine.close();
  });

  it('serves a read whose answer came in while the process was blocked past cacheTimeoutMs', async () => {
    const events: EngineEvent[] = [];
    const cache = createRedisCache({ client, prefix });
    await publish(cache, { recommendations: [['c3', { ids: ['i5'], scores: Float32Array.of(2) }]] }, 'stall');
    const engine = await createEngine({
      cache,
      namespace: 'stall',
      models: { factors },
      cacheTimeoutMs: 20,
      onEvent: (e) => events.push(e),
    });
    await engine.recommend('c3'); // the pointer, looked up once
    const reads = [engine.recommend('c3'), engine.recommend('c3')];
    await new Promise((sent) => process.nextTick(sent)); // the store sends its reads on the next tick
    // Then the process does not yield for 3x the timeout (a long GC pause, a blocking task): Redis
    // answered long before, and the answers wait in the socket when the overdue timer runs.
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // blocked
    }
    for (const read of await Promise.all(reads))
      expect(read).toMatchObject({ source: 'cache', items: [{ item: 'i5' }] });
    expect(events.filter((e) => e.type === 'cache-error')).toEqual([]);
    await engine.close();
  });

  it('keeps answering when Redis is unreachable, and says so', async () => {
    // A port nothing listens on; commands fail at once instead of queueing for a reconnect.
    const dead = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => 200,
    });
    dead.on('error', () => undefined);
    const events: EngineEvent[] = [];
    const engine = await createEngine({
      cache: createRedisCache({ client: dead, prefix }),
      models: { factors },
      onEvent: (e) => events.push(e),
    });
    const list = await engine.recommend('c9', { k: 3 });
    expect(list.source).toBe('model');
    expect(events.some((e) => e.type === 'cache-error')).toBe(true);
    await engine.close();
    dead.disconnect();
  });
});
