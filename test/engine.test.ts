import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheReceiver, type CacheStore, createMemoryCache, createRedisCache } from '@encore/cache';
import { type Catalog, type CatalogItem, cooToCsr, createRng, ErrorCode } from '@encore/core';
import { createEngine, DEFAULT_ENGINE_OPTIONS, type EngineEvent } from '@encore/engine';
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

/**
 * A store whose connection drops as a Redis client's does: while disconnected every call fails at
 * once (ioredis with enableOfflineQueue false), and it reconnects only from a timer (its
 * retryStrategy), every 20 ms, once the server is back. A caller that never lets the event loop
 * turn never lets that timer run.
 */
function reconnectingStore(inner: CacheStore) {
  const state = { connected: true, serverUp: true, reconnects: 0 };
  const retry = (): void => {
    setTimeout(() => {
      if (!state.serverUp) return retry();
      state.connected = true;
      state.reconnects++;
    }, 20);
  };
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      state.connected
        ? call(...args)
        : Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
  const store: CacheStore = {
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
  };
  return {
    store,
    state,
    /** The server goes away: the connection drops and the client starts retrying on its timer. */
    down(): void {
      state.serverUp = false;
      state.connected = false;
      retry();
    },
    /** The server is back; the client sees it at its next retry. */
    up(): void {
      state.serverUp = true;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

/**
 * Starts a redis-server of this test's own on `port`, its data in `dir` (dump.rdb, loaded at
 * start), and waits until it answers PING without letting the event loop turn (redis-cli, and a
 * blocking sleep): from inside a tight loop, the server comes back while the caller keeps looping.
 */
function startRedisBlocking(port: number, dir: string): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', ''],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined); // no redis-server: the PINGs below fail and say so
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const answer = execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', stdio: 'pipe' });
      if (answer.trim() === 'PONG') return child;
    } catch {
      // not up yet
    }
    Atomics.wait(pause, 0, 0, 10);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within 2 s (redis-server and redis-cli on PATH?)`);
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
    const rugs = await engine.recommend('c3', { k: 2, filter: { categories: ['rugs'] } });
    expect(rugs.items.map((t) => t.item)).toEqual(['i13', 'i15']);
    expect(rugs.warnings).toEqual([]);
    // Asked for more than the filter leaves of the published list: the published rugs first, then computed ones.
    const more = await engine.recommend('c3', { k: 4, filter: { categories: ['rugs'] } });
    expect(more.items.map((t) => t.item).slice(0, 2)).toEqual(['i13', 'i15']);
    expect(more.items).toHaveLength(4);
    for (const { item } of more.items) expect(Number(item.slice(1))).toBeGreaterThanOrEqual(12);
    expect(more.warnings).toEqual([expect.stringMatching(/holds 2 of the 4 items asked: the other 2 computed/)]);
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

describe('serving under trouble', () => {
  it.each([
    ['without load shedding', Number.POSITIVE_INFINITY],
    ['with the default load shedding', DEFAULT_ENGINE_OPTIONS.maxComputedPerSecond],
  ])(
    'a caller looping on await recommend() with no I/O of its own returns to the cache once the store is back (%s)',
    async (_, maxComputedPerSecond) => {
      const memory = createMemoryCache();
      await publish(memory, { recommendations: [['c4', { ids: ['i8'], scores: Float32Array.of(1) }]] });
      const redis = reconnectingStore(memory);
      const engine = await createEngine({
        cache: redis.store,
        models: { factors },
        retryAfterMs: 20,
        writeBackTtlMs: 0,
        maxComputedPerSecond,
      });
      expect((await engine.recommend('c4', { k: 1 })).source).toBe('cache');
      redis.down();
      const sources = new Set<string>();
      let upAt = -1;
      let backAfter = -1;
      const started = performance.now();
      // A tight loop: every answer resolves through microtasks unless the engine lets the loop turn.
      for (let i = 0; performance.now() - started < 5000; i++) {
        const list = await engine.recommend('c4', { k: 1 });
        if (upAt < 0) {
          sources.add(list.source);
          if (i === 200) {
            redis.up();
            upAt = i;
          }
        } else if (list.source === 'cache') {
          backAfter = i - upAt;
          break;
        }
      }
      expect(sources.has('cache')).toBe(false); // the outage was seen
      expect(redis.state.reconnects).toBe(1);
      expect(backAfter).toBeGreaterThan(0); // -1: still computing 5 s on
      expect(performance.now() - started).toBeLessThan(2000);
      await engine.close();
    },
  );

  it('sheds computed lists past maxComputedPerSecond: the best sellers instead, marked and reported', async () => {
    let now = 2_000_000;
    const store = flakyStore(createMemoryCache());
    const best = { ids: ['i3', 'i2', 'i14'], scores: Float32Array.of(3, 2, 1) };
    const version = await publish(store, { lists: [[{ name: 'best-sellers' }, best]] });
    const events: EngineEvent[] = [];
    const engine = await createEngine({
      cache: store,
      models: { factors, catalog },
      now: () => now,
      maxComputedPerSecond: 2,
      writeBackTtlMs: 0,
      retryAfterMs: 100,
      onEvent: (e) => events.push(e),
    });
    const sources = async (...customers: string[]) => {
      const out: string[] = [];
      for (const c of customers) out.push((await engine.recommend(c, { k: 3 })).source);
      return out;
    };
    // Two per second: a burst of two, then one every 500 ms.
    expect(await sources('c1', 'c2')).toEqual(['model', 'model']);
    const shed = await engine.recommend('c3', { k: 3, titles: true });
    expect(shed).toMatchObject({
      source: 'shed',
      version,
      items: [
        { item: 'i3', score: 3, title: 'Item 3' },
        { item: 'i2', title: 'Item 2' },
        { item: 'i14', title: 'Item 14' },
      ],
    });
    expect(shed.warnings).toEqual([expect.stringMatching(/load shed: over maxComputedPerSecond \(2\/s\)/)]);
    expect(events.filter((e) => e.type === 'shed')).toEqual([
      { type: 'shed', kind: 'recommendations', id: 'c3', served: 'best-sellers', maxComputedPerSecond: 2 },
    ]);
    now += 500;
    expect(await sources('c5', 'c6')).toEqual(['model', 'shed']);
    now += 1000;
    expect(await sources('c7', 'c8', 'c9')).toEqual(['model', 'model', 'shed']);
    // Filters and rules apply to the best sellers as to any list: the published ones that pass, then the models'.
    const rugs = await engine.recommend('c10', { k: 3, filter: { categories: ['rugs'] } });
    expect(rugs.source).toBe('shed');
    expect(rugs.items[0]?.item).toBe('i14');
    expect(rugs.items).toHaveLength(3);
    for (const { item } of rugs.items) expect(Number(item.slice(1))).toBeGreaterThanOrEqual(12);
    // The cache down: the models' best sellers (here, without a shelf, the items bought by the most customers).
    store.mode = 'fail';
    const down = await engine.recommend('c11', { k: 3 });
    expect(down).toMatchObject({ source: 'shed', version: null });
    expect(down.items).toHaveLength(3);
    expect(down.items[0]?.because).toEqual([{ source: 'popular' }]);
    expect(events.filter((e) => e.type === 'shed')).toHaveLength(5);
    await engine.close();
    expect(DEFAULT_ENGINE_OPTIONS.maxComputedPerSecond).toBe(1000);
    await expect(createEngine({ maxComputedPerSecond: -1 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await (await createEngine({ maxComputedPerSecond: Number.POSITIVE_INFINITY })).close();
  });

  it('fills a published list shorter than the k asked from the models, and says so', async () => {
    const cache = createMemoryCache();
    const published = { ids: ['i23', 'i5', 'i9'], scores: Float32Array.of(3, 2, 1) };
    const version = await publish(cache, {
      recommendations: [['c1', published]],
      together: [['i1', { ids: ['i5'], scores: Float32Array.of(1) }]],
      lists: [[{ name: 'best-sellers' }, { ids: ['i4'], scores: Float32Array.of(9) }]],
    });
    const events: EngineEvent[] = [];
    const engine = await createEngine({
      models: { factors, catalog },
      cache,
      writeBackTtlMs: 0,
      onEvent: (e) => events.push(e),
    });
    const filled = await engine.recommend('c1', { k: 6, titles: true });
    expect(filled).toMatchObject({ source: 'cache', version });
    expect(filled.items.map((i) => i.item).slice(0, 3)).toEqual(['i23', 'i5', 'i9']);
    expect(filled.items).toHaveLength(6);
    expect(new Set(filled.items.map((i) => i.item)).size).toBe(6);
    for (const i of filled.items) expect(i.title).toBe(`Item ${i.item.slice(1)}`);
    expect(filled.items[3]?.because?.length).toBeGreaterThan(0); // computed items come explained
    expect(filled.warnings).toEqual([
      'the published list holds 3 of the 6 items asked: the other 3 computed from the models (publish k ≥ 6 to serve them from the cache)',
    ]);
    // As long as asked: served as published, no warning.
    expect((await engine.recommend('c1', { k: 3 })).warnings).toEqual([]);
    // What the models cannot add is said too (no co-occurrence model, no shelf here).
    const together = await engine.together(['i1'], { k: 3 });
    expect(together).toMatchObject({ source: 'cache', items: [{ item: 'i5' }] });
    expect(together.warnings).toEqual([
      expect.stringMatching(/^the published list holds 1 of the 3 items asked, not filled up: .*co-occurrence/),
    ]);
    const shelf = await engine.list('best-sellers', { k: 2 });
    expect(shelf.items.map((i) => i.item)).toEqual(['i4']);
    expect(shelf.warnings).toEqual([
      'the published list holds 1 of the 2 items asked; the models added 0, they have no more',
    ]);
    await engine.close();
    // Filling a customer's list is computing it: under load shedding the short list stays, with a warning.
    const shedding = await createEngine({
      models: { factors, catalog },
      cache,
      maxComputedPerSecond: 0,
      onEvent: (e) => events.push(e),
    });
    const short = await shedding.recommend('c1', { k: 6 });
    expect(short.items.map((i) => i.item)).toEqual(['i23', 'i5', 'i9']);
    expect(short.warnings).toEqual([
      'the published list holds 3 of the 6 items asked, not filled up: over maxComputedPerSecond (0/s)',
    ]);
    expect(events.at(-1)).toEqual({
      type: 'shed',
      kind: 'recommendations',
      id: 'c1',
      served: 'cached',
      maxComputedPerSecond: 0,
    });
    await shedding.close();
    await cache.close();
  });

  it("gives cached answers their titles from the models' catalog when asked", async () => {
    const cache = createMemoryCache();
    const two = { ids: ['i8', 'i4'], scores: Float32Array.of(2, 1) };
    await publish(cache, {
      recommendations: [['c2', two]],
      together: [['i1', two]],
      lists: [[{ name: 'trending', category: 'lamps' }, two]],
    });
    const engine = await createEngine({ models: { factors, catalog }, cache });
    const titled = [
      { item: 'i8', title: 'Item 8' },
      { item: 'i4', title: 'Item 4' },
    ];
    for (const list of [
      await engine.recommend('c2', { k: 2, titles: true }),
      await engine.recommend('c2', { k: 2, titles: true, filter: { categories: ['lamps'] } }),
      await engine.together(['i1'], { k: 2, titles: true }),
      await engine.list('trending', { category: 'lamps', k: 2, titles: true }),
    ]) {
      expect(list).toMatchObject({ source: 'cache', items: titled, warnings: [] });
    }
    for (const item of (await engine.together(['i1'], { k: 2 })).items) expect(item.title).toBeUndefined();
    await engine.close();
    await cache.close();
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
    const read = await engine.recommend('c7', { k: 1 });
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
    await engine.recommend('c3', { k: 1 }); // the pointer, looked up once
    const reads = [engine.recommend('c3', { k: 1 }), engine.recommend('c3', { k: 1 })];
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

  it('returns to Redis restarted while the caller loops on await recommend() with no I/O of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'encore-engine-redis-'));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const own = uniquePrefix('restart');
    let server = startRedisBlocking(port, dir);
    const events: EngineEvent[] = [];
    try {
      const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      await publisher.connect();
      await publish(createRedisCache({ client: publisher, prefix: own }), {
        recommendations: [['c4', { ids: ['i8'], scores: Float32Array.of(1) }]],
      });
      await publisher.save(); // dump.rdb: the restarted server has the published version
      publisher.disconnect();
      // The client a service gets from a URL (connectRedisCache: fail fast, reconnect with backoff).
      const engine = await createEngine({
        cache: url,
        cachePrefix: own,
        models: { factors },
        retryAfterMs: 50,
        writeBackTtlMs: 0,
        maxComputedPerSecond: Number.POSITIVE_INFINITY,
        onEvent: (e) => events.push(e),
      });
      try {
        expect((await engine.recommend('c4', { k: 1 })).source).toBe('cache');
        server.kill('SIGKILL');
        await once(server, 'exit');
        const killedAt = performance.now();
        let restartedAt = -1;
        let afterRestart = 0;
        let back = false;
        while (!back) {
          const list = await engine.recommend('c4', { k: 1 });
          if (restartedAt < 0) {
            expect(list.source).toBe('model');
            // Down for 300 ms: the client backs off (100, 200, 400 ms …); then up again, mid-loop.
            if (performance.now() - killedAt > 300) {
              server = startRedisBlocking(port, dir);
              restartedAt = performance.now();
            }
          } else {
            afterRestart++;
            back = list.source === 'cache';
            if (performance.now() - restartedAt > 8000) break;
          }
        }
        // false: still computing 8 s (afterRestart requests) after Redis came back.
        expect(back, `${afterRestart} requests after the restart`).toBe(true);
        expect(performance.now() - restartedAt).toBeLessThan(4000);
        expect(events.some((e) => e.type === 'cache-error')).toBe(true);
        expect(events.at(-1)).toMatchObject({ type: 'cache-recovered' });
      } finally {
        await engine.close();
      }
    } finally {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('with only a cache, and Redis down: says the cache is unreachable and why, not "nothing is published"', async () => {
    const engine = await createEngine({ cache: 'redis://127.0.0.1:1', cachePrefix: prefix });
    try {
      for (const call of [
        () => engine.recommend('c9', { k: 3 }),
        () => engine.together(['i1'], { k: 3 }),
        () => engine.list('best-sellers'),
      ]) {
        await expect(call()).rejects.toThrow(
          expect.objectContaining({
            code: ErrorCode.IO_ERROR,
            message: expect.stringMatching(/the cache is unreachable \(.*ECONNREFUSED 127\.0\.0\.1:1\)/),
          }),
        );
      }
    } finally {
      await engine.close();
    }
  });
});
