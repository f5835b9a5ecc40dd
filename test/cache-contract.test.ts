import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  beginPublish,
  type CacheIds,
  type CacheKind,
  type CacheMissReason,
  type CacheReadEvent,
  type CacheReceiver,
  type CacheStore,
  type CacheValues,
  cacheKeys,
  connectRedisCache,
  createCacheReader,
  createMemoryCache,
  createRedisCache,
  currentVersion,
  decodeCacheValue,
  decodeRankedEntries,
  encodeCacheValue,
  type ListId,
  publishVersion,
  QUIT_TIMEOUT_MS,
  type RankedEntry,
  type RankedItems,
  type ReadRequest,
  sweepNamespace,
} from '@encore/cache';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './environment.js';
import {
  connectTestRedis,
  deleteUnder,
  keysUnder,
  REDIS_URL,
  startThrowawayRedis,
  type ThrowawayRedis,
  uniquePrefix,
} from './redis.js';

/**
 * The CacheStore contract (graphology's spec-suite idea): one suite, run against every store. The
 * first half checks the byte-store primitives, the second the versioned publish built on them —
 * the same code on both stores, so what differs is only how each store keeps its promises.
 * RedisCache runs on a real Redis (test/redis.ts; it fails, not skips, without one).
 */
interface StoreFixture {
  /** The store of the current test (its data starts empty for the test's namespaces). */
  store(): CacheStore;
  /** Another store on the same data, on its own connection for RedisCache (concurrent readers). */
  reader(): Promise<CacheStore>;
  /**
   * The store of another app sharing the same data under its own key prefix: RedisCache's
   * `prefix` (after the run's), for MemoryCache a view that puts `prefix` before every key as
   * RedisCache does (one MemoryCache is one process's, so apps share it only so).
   */
  app(prefix: string): CacheStore;
  /** Lets `ms` of the store's time pass: MemoryCache's clock, Redis' real time. */
  advance(ms: number): Promise<void>;
  /** Time units worth waiting for in `advance`: short for Redis (real sleeps), anything for memory. */
  readonly ttlMs: number;
}

function memoryFixture(): StoreFixture {
  let clock = 1_700_000_000_000;
  let store = createMemoryCache({ now: () => clock });
  beforeEach(() => {
    store = createMemoryCache({ now: () => clock });
  });
  return {
    store: () => store,
    reader: async () => store,
    app: (prefix) => prefixedView(store, prefix),
    advance: async (ms) => {
      clock += ms;
    },
    ttlMs: 60_000,
  };
}

function redisFixture(): StoreFixture {
  const prefix = uniquePrefix('contract');
  const clients: Redis[] = [];
  useTestRedis(clients, prefix);
  const main = (): Redis => {
    if (clients[0] === undefined) throw new Error(`no Redis client (${REDIS_URL})`);
    return clients[0];
  };
  return {
    store: () => createRedisCache({ client: main(), prefix }),
    reader: async () => {
      const client = await connectTestRedis();
      clients.push(client);
      return createRedisCache({ client, prefix });
    },
    app: (appPrefix) => createRedisCache({ client: main(), prefix: prefix + appPrefix }),
    advance: (ms) => sleep(ms),
    ttlMs: 600,
  };
}

/** `store` with `prefix` put before every key, prefix operations included, as RedisCache's `prefix` is. */
function prefixedView(store: CacheStore, prefix: string): CacheStore {
  const k = (key: string): string => prefix + key;
  const getTo = store.getTo?.bind(store);
  return {
    get: (key) => store.get(k(key)),
    ...(getTo === undefined ? {} : { getTo: (key: string, receiver: CacheReceiver) => getTo(k(key), receiver) }),
    mget: (keys) => store.mget(keys.map(k)),
    set: (key, value, options) => store.set(k(key), value, options),
    delete: (keys) => store.delete(typeof keys === 'string' ? k(keys) : keys.map(k)),
    transact: (conditions, writes) =>
      store.transact(
        conditions.map((c) => ({ ...c, key: k(c.key) })),
        writes.map((w) => ({ ...w, key: k(w.key) })),
      ),
    deletePrefix: (p) => store.deletePrefix(k(p)),
    expirePrefix: (p, ttlMs) => store.expirePrefix(k(p), ttlMs),
    close: async () => undefined,
  };
}

/**
 * Connects `clients[0]` before the suite and, at its end, deletes the keys under `prefix` and quits
 * every client. Without a Redis, every test of the suite fails (each with how to provide one).
 */
function useTestRedis(clients: Redis[], prefix: string): void {
  let unreachable: Error | undefined;
  beforeAll(async () => {
    try {
      clients.push(await connectTestRedis());
    } catch (error) {
      unreachable = error as Error;
    }
  });
  beforeEach(() => {
    if (unreachable !== undefined) throw unreachable;
  });
  afterAll(async () => {
    if (clients[0] !== undefined) await deleteUnder(clients[0], prefix);
    await Promise.all(clients.map((c) => c.quit()));
  });
}

let namespaces = 0;
/** A namespace no other test uses (tests share one Redis prefix per run). */
const freshNamespace = (label: string): string => `shop-${label}-${++namespaces}`;

/** The known answer: customer c's list in version v (K ids named after both, scores descending). */
const K = 20;
function ranked(version: number, customer: number): RankedItems {
  const ids = Array.from({ length: K }, (_, j) => `v${version}-c${customer}-i${j}`);
  const scores = Float32Array.from({ length: K }, (_, j) => version + (K - j) / K);
  return { ids, scores };
}

/**
 * A read as a server makes it: the value and the version it came from, or a miss with a reason
 * (`detail` for the test's messages).
 */
type Read<T> =
  | { readonly hit: true; readonly value: T; readonly version: number }
  | {
      readonly hit: false;
      readonly reason: CacheMissReason;
      readonly version: number | null;
      readonly detail: string;
    };

/**
 * The value of `id` in `namespace`: the current version looked up (currentVersion), or `pinned`,
 * then one store.get and decodeCacheValue, each its own round trip (so a read that straddles a
 * switch resolves v1 and reads under v1 after the switch).
 */
async function readValue<K extends CacheKind>(
  store: CacheStore,
  namespace: string,
  kind: K,
  id: CacheIds[K],
  pinned?: number,
): Promise<Read<CacheValues[K]>> {
  const version = pinned ?? (await currentVersion(store, namespace));
  if (version === null) return { hit: false, reason: 'unpublished', version, detail: `nothing in ${namespace}` };
  return toRead(kind, version, await store.get(cacheKeys(namespace).value(version, kind, id)));
}

/** The values of many ids of one kind, from one version: the pointer looked up once, the values read in one mget. */
async function readValues<K extends CacheKind>(
  store: CacheStore,
  namespace: string,
  kind: K,
  ids: readonly CacheIds[K][],
): Promise<Read<CacheValues[K]>[]> {
  const version = await currentVersion(store, namespace);
  if (version === null) return ids.map(() => ({ hit: false, reason: 'unpublished', version, detail: namespace }));
  const keys = cacheKeys(namespace);
  const values = await store.mget(ids.map((id) => keys.value(version, kind, id)));
  return values.map((bytes) => toRead(kind, version, bytes));
}

function toRead<K extends CacheKind>(kind: K, version: number, bytes: Buffer | null): Read<CacheValues[K]> {
  if (bytes === null) return { hit: false, reason: 'absent', version, detail: `no ${kind} value in v${version}` };
  const decoded = decodeCacheValue(kind, bytes);
  if (decoded.ok) return { hit: true, value: decoded.value, version };
  return { hit: false, reason: decoded.reason, version, detail: decoded.detail };
}

/** A CacheReader's read of whole recommendation lists, answered as a {@link Read} (the miss: 'absent'). */
function wholeListReader(store: CacheStore, namespace: string, options: { pointerTtlMs?: number } = {}) {
  const reader = createCacheReader({ store, namespace, ...options });
  const plan = reader.plan({
    kind: 'recommendations',
    decode: decodeCacheValue,
    hit: (value: RankedItems, _: ReadRequest<string, null>, version: number): Read<RankedItems> => ({
      hit: true,
      value,
      version,
    }),
    miss: async (): Promise<Read<RankedItems>> => ({
      hit: false,
      reason: 'absent',
      version: reader.version ?? null,
      detail: 'miss',
    }),
  });
  return (customer: string): Promise<Read<RankedItems>> => reader.read(plan, customer, Number.MAX_SAFE_INTEGER, null);
}

/** True when `read` is the whole list of `customer` in the version it says it came from. */
function isComplete(read: Read<RankedItems>, customer: number): boolean {
  if (!read.hit) return false;
  const expected = ranked(read.version, customer);
  return (
    read.value.ids.length === K &&
    read.value.ids.every((id, j) => id === expected.ids[j]) &&
    Buffer.from(read.value.scores.buffer).equals(Buffer.from(expected.scores.buffer))
  );
}

async function publishCustomers(
  store: CacheStore,
  namespace: string,
  customers: number,
  options: { batchSize?: number; graceMs?: number } = {},
): Promise<number> {
  const result = await publishVersion(
    store,
    namespace,
    async (p) => {
      for (let c = 0; c < customers; c++) await p.put('recommendations', `c${c}`, ranked(p.version, c));
    },
    options,
  );
  return result.version;
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

const STORES: readonly [string, () => StoreFixture][] = [
  ['MemoryCache', memoryFixture],
  ['RedisCache', redisFixture],
];

for (const [name, makeFixture] of STORES) {
  describe(`CacheStore contract: ${name}`, () => {
    const f = makeFixture();

    describe('bytes', () => {
      it('returns null for a missing key; round-trips every byte value, invalid UTF-8, empty and 1 MiB values', async () => {
        const store = f.store();
        const ns = freshNamespace('bytes');
        expect(await store.get(`${ns}:missing`)).toBeNull();
        const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const invalidUtf8 = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x00]);
        const big = Buffer.alloc(1 << 20);
        for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
        const values: [string, Buffer][] = [
          [`${ns}:every`, everyByte],
          [`${ns}:invalid`, invalidUtf8],
          [`${ns}:empty`, Buffer.alloc(0)],
          [`${ns}:big`, big],
        ];
        for (const [key, value] of values) await store.set(key, value);
        for (const [key, value] of values) expect((await store.get(key))?.equals(value)).toBe(true);
        const many = await store.mget([`${ns}:every`, `${ns}:nothing`, `${ns}:empty`]);
        expect(many.map((b) => b?.length ?? null)).toEqual([256, null, 0]);
        expect(await store.mget([])).toEqual([]);
        // A plain Uint8Array view into a larger buffer is stored as exactly its bytes.
        const backing = new Uint8Array([9, 1, 2, 3, 9]);
        await store.set(`${ns}:view`, backing.subarray(1, 4));
        expect([...((await store.get(`${ns}:view`)) ?? [])]).toEqual([1, 2, 3]);
      });

      it('answers many concurrent gets each with its own value, missing ones null, big values whole', async () => {
        const store = f.store();
        const ns = freshNamespace('concurrent');
        const keys = Array.from({ length: 2500 }, (_, i) => `${ns}:k${i}`);
        // Every third key missing; one value of 256 KiB among small ones.
        const value = (i: number): Buffer => (i === 7 ? Buffer.alloc(256 << 10, i) : bytes(`value ${i}`));
        for (let i = 0; i < keys.length; i++) if (i % 3 !== 0) await store.set(keys[i] as string, value(i));
        // Issued in one tick (more than one MGET batch on Redis), then two more ticks' worth.
        const reads = keys.map((key) => store.get(key));
        const later = await Promise.all([
          Promise.resolve().then(() => store.get(keys[1] as string)),
          store.get(keys[0] as string),
        ]);
        const got = await Promise.all(reads);
        for (let i = 0; i < keys.length; i++) {
          if (i % 3 === 0) expect(got[i]).toBeNull();
          else expect(got[i]?.equals(value(i))).toBe(true);
        }
        expect(later[0]?.toString()).toBe('value 1');
        expect(later[1]).toBeNull();
        // A bad key among good ones rejects alone.
        const mixed = await Promise.allSettled([
          store.get(keys[1] as string),
          store.get(''),
          store.get(keys[2] as string),
        ]);
        expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      });

      it('getTo delivers what get resolves or rejects with, once, to the receiver, in the same batches as get', async () => {
        const store = f.store();
        const ns = freshNamespace('getTo');
        await store.set(`${ns}:a`, bytes('alpha'));
        const getTo = store.getTo?.bind(store);
        if (getTo === undefined) throw new Error(`${name} has no getTo`);
        /** A receiver that records every call it gets (a second call would be a bug). */
        const receiver = () => {
          const calls: ['resolve' | 'reject', unknown][] = [];
          let done: () => void = () => undefined;
          const settled = new Promise<void>((resolve) => {
            done = resolve;
          });
          return {
            calls,
            settled,
            resolve(value: Buffer | null) {
              calls.push(['resolve', value]);
              done();
            },
            reject(error: unknown) {
              calls.push(['reject', error]);
              done();
            },
          };
        };
        const hit = receiver();
        const missing = receiver();
        const bad = receiver();
        // Issued in one tick with gets of the same keys: each answers for itself.
        getTo(`${ns}:a`, hit);
        const viaGet = store.get(`${ns}:a`);
        getTo(`${ns}:none`, missing);
        getTo('', bad);
        await Promise.all([hit.settled, missing.settled, bad.settled]);
        await new Promise((later) => setTimeout(later, 20)); // room for a second, wrong, call
        expect(hit.calls.map(([kind, value]) => [kind, (value as Buffer).toString()])).toEqual([['resolve', 'alpha']]);
        expect((await viaGet)?.toString()).toBe('alpha');
        expect(missing.calls).toEqual([['resolve', null]]);
        expect(bad.calls).toHaveLength(1);
        expect(bad.calls[0]?.[0]).toBe('reject');
        expect(bad.calls[0]?.[1]).toMatchObject({ code: 'INVALID_ARGUMENT' });
        // A promise's settlers are a receiver.
        const value = await new Promise<Buffer | null>((resolve, reject) => getTo(`${ns}:a`, { resolve, reject }));
        expect(value?.toString()).toBe('alpha');
        // Only a receiver that is not one throws, at once.
        expect(() => getTo(`${ns}:a`, {} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        // Closed: IO_ERROR to the receiver.
        const closing = name === 'MemoryCache' ? createMemoryCache() : await f.reader();
        await closing.close();
        const late = await new Promise<unknown>((resolve) => closing.getTo?.('k', { resolve, reject: resolve }));
        expect(late).toMatchObject({ code: 'IO_ERROR', details: { reason: 'closed' } });
      });

      it('gives copies: changing a returned Buffer does not change the store', async () => {
        const store = f.store();
        const key = `${freshNamespace('copy')}:k`;
        await store.set(key, bytes('abc'));
        const first = await store.get(key);
        first?.fill(0);
        expect((await store.get(key))?.toString()).toBe('abc');
      });

      it('deletes keys and counts the ones that existed', async () => {
        const store = f.store();
        const ns = freshNamespace('delete');
        await store.set(`${ns}:a`, bytes('1'));
        await store.set(`${ns}:b`, bytes('2'));
        expect(await store.delete([`${ns}:a`, `${ns}:b`, `${ns}:c`])).toBe(2);
        expect(await store.delete(`${ns}:a`)).toBe(0);
        expect(await store.get(`${ns}:b`)).toBeNull();
      });

      it('expires a value after its TTL', async () => {
        const store = f.store();
        const key = `${freshNamespace('ttl')}:k`;
        await store.set(key, bytes('v'), { ttlMs: f.ttlMs });
        expect((await store.get(key))?.toString()).toBe('v');
        await f.advance(f.ttlMs * 2);
        expect(await store.get(key)).toBeNull();
      });

      it('transact applies every write only when every condition holds', async () => {
        const store = f.store();
        const ns = freshNamespace('transact');
        const [a, b, c] = [`${ns}:a`, `${ns}:b`, `${ns}:c`];
        await store.set(a, Buffer.from([0, 255]));
        // Fails on one condition: nothing is written.
        expect(
          await store.transact(
            [
              { key: a, equals: Buffer.from([0, 255]) },
              { key: b, equals: bytes('x') },
            ],
            [{ key: c, value: bytes('no') }],
          ),
        ).toBe(false);
        expect(await store.get(c)).toBeNull();
        expect(
          await store.transact(
            [
              { key: b, equals: null },
              { key: a, equals: bytes('other') },
            ],
            [],
          ),
        ).toBe(false);
        // Holds: sets, deletes and TTLs all apply.
        expect(
          await store.transact(
            [
              { key: a, equals: Buffer.from([0, 255]) },
              { key: b, equals: null },
            ],
            [
              { key: a, value: null },
              { key: b, value: Buffer.from([1, 0, 2]) },
              { key: c, value: bytes('brief'), ttlMs: f.ttlMs },
            ],
          ),
        ).toBe(true);
        expect(await store.get(a)).toBeNull();
        expect([...((await store.get(b)) ?? [])]).toEqual([1, 0, 2]);
        await f.advance(f.ttlMs * 2);
        expect(await store.get(c)).toBeNull();
        expect(await store.transact([], [])).toBe(true);
      });

      it('deletePrefix and expirePrefix touch only keys under the prefix, glob characters literal', async () => {
        const store = f.store();
        const ns = freshNamespace('prefix');
        const keys = [`${ns}:a:1`, `${ns}:a:2`, `${ns}:ab:1`, `${ns}:*:1`, `${ns}:x:1`, `${ns}:[a]:1`];
        for (const key of keys) await store.set(key, bytes(key));
        expect(await store.deletePrefix(`${ns}:a:`)).toBe(2);
        expect(await store.deletePrefix(`${ns}:*:`)).toBe(1);
        expect(await store.deletePrefix(`${ns}:[a]:`)).toBe(1);
        const left = await store.mget(keys);
        expect(left.map((v) => v !== null)).toEqual([false, false, true, false, true, false]);
        expect(await store.expirePrefix(`${ns}:ab:`, f.ttlMs)).toBe(1);
        expect(await store.deletePrefix(`${ns}:nothing:`)).toBe(0);
        await f.advance(f.ttlMs * 2);
        expect(await store.get(`${ns}:ab:1`)).toBeNull();
        expect((await store.get(`${ns}:x:1`))?.toString()).toBe(`${ns}:x:1`);
      });

      it('rejects bad arguments with INVALID_ARGUMENT (never throws synchronously)', async () => {
        const store = f.store();
        const calls: (() => Promise<unknown>)[] = [
          () => store.get(42 as never),
          () => store.get(''),
          () => store.set('k', 'text' as never),
          () => store.set('k', bytes('v'), { ttlMs: 0 }),
          () => store.mget('k' as never),
          () => store.delete([1] as never),
          () => store.transact([{ key: 'k', equals: 'x' as never }], []),
          () => store.deletePrefix(''),
          () => store.expirePrefix('p:', -1),
        ];
        for (const call of calls) {
          let promise: Promise<unknown> | undefined;
          expect(() => {
            promise = call();
          }).not.toThrow();
          await expect(promise).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        }
      });

      it('rejects with IO_ERROR once closed', async () => {
        const store = name === 'MemoryCache' ? createMemoryCache() : await f.reader();
        expect([store.status, store.lastError]).toEqual(['ready', null]);
        await store.close();
        await store.close();
        expect(store.status).toBe('closed');
        await expect(store.get('k')).rejects.toMatchObject({ code: 'IO_ERROR', details: { reason: 'closed' } });
      });
    });

    describe('versioned publish', () => {
      it('a namespace with nothing published reads as unpublished', async () => {
        const store = f.store();
        const ns = freshNamespace('empty');
        expect(await currentVersion(store, ns)).toBeNull();
        const read = await readValue(store, ns, 'recommendations', 'c0');
        expect(read).toMatchObject({ hit: false, reason: 'unpublished', version: null });
      });

      it('publishes every kind and reads it back exactly (typed arrays, Maps, Dates)', async () => {
        const store = f.store();
        const ns = freshNamespace('kinds');
        const special = Float32Array.of(-0, Number.NaN, 1e-45, 3.4028234663852886e38, -1.5, Number.POSITIVE_INFINITY);
        const meta = {
          algorithm: 'als',
          trainedAt: new Date('2024-05-01T02:03:04.005Z'),
          params: { factors: 64, alpha: 40 },
          itemCounts: Int32Array.of(-2147483648, 0, 2147483647),
          norms: Float64Array.of(Math.PI, -0),
          perCategory: new Map<string, number>([
            ['shoes', 3],
            ['__proto__', 4],
          ]),
        };
        const result = await publishVersion(store, ns, async (p) => {
          await p.put('recommendations', 'c0', ranked(p.version, 0));
          await p.put('recommendations', 'special', { ids: ['a', 'b', 'c', 'd', 'e', 'f'], scores: special });
          await p.put('together', 'sku-1', { ids: ['sku-2'], scores: Float32Array.of(0.5) });
          await p.put('list', 'best-sellers', { ids: ['sku-9'], scores: Float32Array.of(9) });
          await p.put(
            'list',
            { name: 'best-sellers', category: 'shoes' },
            { ids: ['sku-3'], scores: Float32Array.of(3) },
          );
          await p.put('model', 'als', meta);
        });
        expect(result).toMatchObject({ namespace: ns, version: 1, previous: null, written: 6, cleanupError: null });
        expect(await currentVersion(store, ns)).toBe(1);

        const c0 = await readValue(store, ns, 'recommendations', 'c0');
        expect(isComplete(c0 as Read<RankedItems>, 0)).toBe(true);
        const sp = await readValue(store, ns, 'recommendations', 'special');
        if (!sp.hit) throw new Error(sp.detail);
        expect(sp.value.scores).toBeInstanceOf(Float32Array);
        expect(Buffer.from(sp.value.scores.buffer, sp.value.scores.byteOffset, 24)).toEqual(
          Buffer.from(special.buffer),
        );
        expect(await readValue(store, ns, 'together', 'sku-1')).toMatchObject({
          hit: true,
          version: 1,
          value: { ids: ['sku-2'] },
        });
        const lists = await readValues(store, ns, 'list', [
          'best-sellers',
          { name: 'best-sellers', category: 'shoes' },
          { name: 'best-sellers', category: 'hats' },
        ]);
        expect(lists.map((r) => (r.hit ? r.value.ids[0] : r.reason))).toEqual(['sku-9', 'sku-3', 'absent']);
        const model = await readValue(store, ns, 'model', 'als');
        if (!model.hit) throw new Error(model.detail);
        expect(model.value.trainedAt).toEqual(meta.trainedAt);
        expect(model.value.itemCounts).toEqual(meta.itemCounts);
        expect(model.value.itemCounts).toBeInstanceOf(Int32Array);
        expect(model.value.norms).toBeInstanceOf(Float64Array);
        expect(Object.is((model.value.norms as Float64Array)[1], -0)).toBe(true);
        expect(model.value.perCategory).toBeInstanceOf(Map);
        expect([...(model.value.perCategory as Map<string, number>)]).toEqual([...meta.perCategory]);
        expect(model.value.params).toEqual(meta.params);
        // A kind read under another kind's id is simply another key: absent.
        expect(await readValue(store, ns, 'together', 'c0')).toMatchObject({ hit: false, reason: 'absent' });
      });

      it('ids that would collide if keys were joined naively get their own values', async () => {
        const store = f.store();
        const ns = freshNamespace('ids:{tag}*');
        const ids = [
          'a:b',
          'a%3Ab',
          'a',
          '',
          '__proto__',
          'constructor',
          '\ud800',
          '\ufffd',
          '*',
          '{x}',
          'ü:🛒',
          'v1:rec:x',
        ];
        await publishVersion(store, ns, async (p) => {
          for (const [i, id] of ids.entries()) {
            await p.put('recommendations', id, { ids: [`item-${i}`], scores: Float32Array.of(i) });
          }
          await p.put('list', 'a:b', { ids: ['name-only'], scores: Float32Array.of(1) });
          await p.put('list', { name: 'a', category: 'b' }, { ids: ['name-and-category'], scores: Float32Array.of(2) });
        });
        const reads = await readValues(store, ns, 'recommendations', ids);
        expect(reads.map((r) => (r.hit ? r.value.ids[0] : r.reason))).toEqual(ids.map((_, i) => `item-${i}`));
        expect((await readValue(store, ns, 'list', 'a:b')).hit && 'ok').toBe('ok');
        const byCategory = await readValue(store, ns, 'list', { name: 'a', category: 'b' });
        expect(byCategory.hit ? byCategory.value.ids : null).toEqual(['name-and-category']);
        // Another namespace that shares a prefix of the escaped name sees nothing.
        expect((await readValue(store, `${ns}:v1`, 'recommendations', 'a')).hit).toBe(false);
      });

      it("apps under nested prefixes keep their keys: app A (encore:, rel) retiring v2 leaves app B's (encore:rel:v2:, shop)", async () => {
        const graceMs = f.ttlMs;
        const a = f.app('encore:');
        const b = f.app('encore:rel:v2:');
        // Keys once joined naively, A's version 2 was `encore:rel:v2:*` and B's keys `encore:rel:v2:shop:*`.
        expect(await publishCustomers(a, 'rel', 3, { graceMs })).toBe(1);
        expect(await publishCustomers(a, 'rel', 3, { graceMs })).toBe(2);
        expect(await publishCustomers(b, 'shop', 3, { graceMs })).toBe(1);
        // A publishes version 3: version 2 is retired (expires after graceMs); then A abandons a
        // version 4, whose keys are deleted (as a sweep deletes a dead writer's).
        expect(await publishCustomers(a, 'rel', 3, { graceMs })).toBe(3);
        const abandoned = await beginPublish(a, 'rel');
        await abandoned.put('recommendations', 'c0', ranked(abandoned.version, 0));
        await abandoned.abort();
        await f.advance(graceMs * 2);
        // B is whole: its pointer, its bookkeeping (the next publish is its v2) and every value.
        expect(await currentVersion(b, 'shop')).toBe(1);
        const bReads = await readValues(b, 'shop', 'recommendations', ['c0', 'c1', 'c2']);
        expect(bReads.map((r, c) => isComplete(r, c))).toEqual([true, true, true]);
        // A: version 3 current and whole, version 2 gone.
        expect(isComplete(await readValue(a, 'rel', 'recommendations', 'c1'), 1)).toBe(true);
        expect(await readValue(a, 'rel', 'recommendations', 'c1', 2)).toMatchObject({ hit: false, reason: 'absent' });
        expect(await publishCustomers(b, 'shop', 1, { graceMs })).toBe(2);
      });

      it("many apps, each prefix built on another app's key path, keep their keys through publish, retire and abort", async () => {
        const graceMs = f.ttlMs;
        // Each prefix begins with another app's prefix, then that app's namespace, a version and
        // more as keys once joined them (A/B above): under its retired v1, its current v2, its
        // aborted v3, its namespace, one of its keys, and two levels deep.
        const apps: readonly { readonly prefix: string; readonly ns: string }[] = [
          { prefix: 'p:', ns: 'a' },
          { prefix: 'p:a:v1:', ns: 'shop' },
          { prefix: 'p:a:v2:', ns: 'a' },
          { prefix: 'p:a:v3:', ns: 'v1' },
          { prefix: 'p:a:', ns: 'v1' },
          { prefix: 'p:a:v1:rec:', ns: 'c0' },
          { prefix: 'p:a:v1:shop:', ns: 'v1' },
          { prefix: 'p:a:v1:shop:v1:', ns: 'a' },
          { prefix: 'p:', ns: 'a:v1' },
          { prefix: '', ns: 'p:a' },
        ];
        const stores = apps.map(({ prefix }) => f.app(prefix));
        for (const [i, app] of apps.entries())
          expect(await publishCustomers(stores[i]!, app.ns, 2, { graceMs })).toBe(1);
        for (const [i, app] of apps.entries())
          expect(await publishCustomers(stores[i]!, app.ns, 2, { graceMs })).toBe(2);
        for (const [i, app] of apps.entries()) {
          const abandoned = await beginPublish(stores[i]!, app.ns);
          await abandoned.put('recommendations', 'c0', ranked(abandoned.version, 0));
          await abandoned.abort();
        }
        await f.advance(graceMs * 2);
        const seen: string[] = [];
        for (const [i, app] of apps.entries()) {
          const reads = await readValues(stores[i]!, app.ns, 'recommendations', ['c0', 'c1']);
          const old = await readValue(stores[i]!, app.ns, 'recommendations', 'c0', 1);
          seen.push(
            `${app.prefix}|${app.ns}: ${reads.map((r, c) => (isComplete(r, c) ? r.version : 'lost')).join(',')} v1 ${old.hit ? 'kept' : 'gone'}`,
          );
        }
        expect(seen).toEqual(apps.map((app) => `${app.prefix}|${app.ns}: 2,2 v1 gone`));
      });

      it('a version published in the keys before the # is not read: readers miss (unpublished), the next publish is v1', async () => {
        const store = f.store();
        const ns = freshNamespace('old-format');
        // What a publish of version 3 left before the keyspace began its keys with #.
        const old = { ids: ['old-item'], scores: Float32Array.of(1) };
        await store.set(`${ns}:current`, bytes('3'));
        await store.set(`${ns}:state`, bytes('{"seq":3,"pending":[],"retiring":[]}'));
        await store.set(`${ns}:v3:rec:c0`, encodeCacheValue('recommendations', old));
        expect(await currentVersion(store, ns)).toBeNull();
        expect(await readValue(store, ns, 'recommendations', 'c0')).toMatchObject({
          hit: false,
          reason: 'unpublished',
        });
        const served = wholeListReader(store, ns);
        expect(await served('c0')).toMatchObject({ hit: false });
        expect(await publishCustomers(store, ns, 1)).toBe(1);
        expect(isComplete(await readValue(store, ns, 'recommendations', 'c0'), 0)).toBe(true);
        // The old keys are left alone (old servers read them until upgraded).
        expect((await store.mget([`${ns}:current`, `${ns}:v3:rec:c0`])).map((v) => v !== null)).toEqual([true, true]);
      });

      it('a new version replaces the whole namespace; the old one stays readable for graceMs, then expires', async () => {
        const store = f.store();
        const ns = freshNamespace('replace');
        expect(await publishCustomers(store, ns, 5, { graceMs: f.ttlMs })).toBe(1);
        const second = await publishVersion(
          store,
          ns,
          async (p) => {
            for (let c = 0; c < 3; c++) await p.put('recommendations', `c${c}`, ranked(p.version, c));
          },
          { graceMs: f.ttlMs },
        );
        expect(second).toMatchObject({ version: 2, previous: 1, written: 3, cleanupError: null });
        const now = await readValues(store, ns, 'recommendations', ['c0', 'c2', 'c4']);
        expect(now.map((r) => (r.hit ? r.version : r.reason))).toEqual([2, 2, 'absent']);
        expect(isComplete(now[1] as Read<RankedItems>, 2)).toBe(true);
        // A reader that resolved version 1 just before the switch still finds its value…
        const pinned = await readValue(store, ns, 'recommendations', 'c4', 1);
        expect(isComplete(pinned, 4)).toBe(true);
        // …until the grace period is over.
        await f.advance(f.ttlMs * 2);
        expect(await readValue(store, ns, 'recommendations', 'c4', 1)).toMatchObject({
          hit: false,
          reason: 'absent',
          version: 1,
        });
        expect(isComplete(await readValue(store, ns, 'recommendations', 'c0'), 0)).toBe(true);
      });

      it('a corrupt or foreign value is a miss with a typed reason, never a value', async () => {
        const store = f.store();
        const ns = freshNamespace('corrupt');
        await publishCustomers(store, ns, 1);
        const keys = cacheKeys(ns);
        const good = encodeCacheValue('recommendations', ranked(1, 0));
        const futureVersion = Buffer.from(good);
        futureVersion[4] = 2;
        const flipped = Buffer.from(good);
        flipped[flipped.length - 1]! ^= 0x01;
        const cases: [string, Buffer, string][] = [
          ['json', bytes('{"ids":["x"]}'), 'foreign'],
          ['text', bytes('hello'), 'foreign'],
          ['empty', Buffer.alloc(0), 'foreign'],
          ['truncated', good.subarray(0, good.length - 5), 'corrupt'],
          ['header-only', good.subarray(0, 10), 'corrupt'],
          ['future', futureVersion, 'version'],
          ['flipped', flipped, 'corrupt'],
          ['other-kind', encodeCacheValue('model', { a: 1 }), 'corrupt'],
        ];
        for (const [id, value] of cases) await store.set(keys.value(1, 'recommendations', id), value);
        const reads = await readValues(
          store,
          ns,
          'recommendations',
          cases.map(([id]) => id),
        );
        expect(reads.map((r) => (r.hit ? 'hit' : r.reason))).toEqual(cases.map(([, , reason]) => reason));
        for (const r of reads) expect(r.hit ? '' : r.detail).not.toBe('');
        // A server's reader misses alike, and says why.
        const events: CacheReadEvent[] = [];
        const reader = createCacheReader({ store, namespace: ns, onEvent: (e) => events.push(e) });
        const plan = reader.plan({
          kind: 'recommendations',
          decode: decodeRankedEntries,
          hit: () => 'hit',
          miss: async () => 'miss',
        });
        for (const [id] of cases) expect(await reader.read(plan, id, 20, null)).toBe('miss');
        expect(await reader.read(plan, 'c0', 20, null)).toBe('hit');
        expect(events.map((e) => (e.type === 'cache-miss' ? [e.id, e.reason] : e.type))).toEqual(
          cases.map(([id, , reason]) => [id, reason]),
        );
        // A pointer that is not a version number: a cache-error for the reader, CACHE_FORMAT for currentVersion.
        await store.set(keys.current, bytes('seven'), { pinned: true });
        events.length = 0;
        const fresh = createCacheReader({ store, namespace: ns, onEvent: (e) => events.push(e) });
        const freshPlan = fresh.plan({
          kind: 'recommendations',
          decode: decodeRankedEntries,
          hit: () => 'hit',
          miss: async () => 'miss',
        });
        expect(await fresh.read(freshPlan, 'c0', 20, null)).toBe('miss');
        expect(events).toEqual([
          expect.objectContaining({
            type: 'cache-error',
            operation: 'pointer',
            error: expect.objectContaining({ code: 'CACHE_FORMAT' }),
          }),
        ]);
        expect(fresh.version).toBeUndefined();
        await expect(currentVersion(store, ns)).rejects.toMatchObject({ code: 'CACHE_FORMAT' });
      });

      it('abort deletes the version, keeps the current one, releases the lock; version numbers are not reused', async () => {
        const store = f.store();
        const ns = freshNamespace('abort');
        await publishCustomers(store, ns, 3);
        const p = await beginPublish(store, ns, { batchSize: 2 });
        expect(p.version).toBe(2);
        for (let c = 0; c < 5; c++) await p.put('recommendations', `c${c}`, ranked(2, c));
        await p.abort();
        await p.abort();
        expect(await store.get(cacheKeys(ns).value(2, 'recommendations', 'c0'))).toBeNull();
        expect(isComplete(await readValue(store, ns, 'recommendations', 'c1'), 1)).toBe(true);
        await expect(p.put('recommendations', 'c9', ranked(2, 9))).rejects.toMatchObject({
          code: 'IO_ERROR',
          details: { reason: 'closed' },
        });
        expect(await publishCustomers(store, ns, 3)).toBe(3);
      });

      it('publishVersion aborts when the writer fails and rejects with its error', async () => {
        const store = f.store();
        const ns = freshNamespace('fails');
        await publishCustomers(store, ns, 2);
        const failure = new Error('scoring failed');
        await expect(
          publishVersion(
            store,
            ns,
            async (p) => {
              for (let c = 0; c < 10; c++) await p.put('recommendations', `c${c}`, ranked(p.version, c));
              throw failure;
            },
            { batchSize: 3 },
          ),
        ).rejects.toBe(failure);
        expect(await currentVersion(store, ns)).toBe(1);
        expect(await store.get(cacheKeys(ns).value(2, 'recommendations', 'c0'))).toBeNull();
        await expect(
          publishVersion(store, ns, async (p) => p.put('recommendations', 'c0', { ids: ['x'], scores: [1] } as never)),
        ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        expect(await currentVersion(store, ns)).toBe(1);
      });

      it('one publisher at a time: a second one is refused (reason locked) or waits with lockWaitMs', async () => {
        const store = f.store();
        const ns = freshNamespace('lock');
        const first = await beginPublish(store, ns);
        await expect(beginPublish(store, ns)).rejects.toMatchObject({
          code: 'CACHE_CONFLICT',
          details: { reason: 'locked' },
        });
        await expect(sweepNamespace(store, ns)).rejects.toMatchObject({ details: { reason: 'locked' } });
        const waiting = beginPublish(store, ns, { lockWaitMs: 10_000 });
        await first.put('recommendations', 'c0', ranked(first.version, 0));
        await sleep(20);
        await first.commit();
        const second = await waiting;
        expect(second.version).toBe(2);
        await second.commit();
        expect(await currentVersion(store, ns)).toBe(2);
      });

      it('a writer that dies mid-publish leaves the current version; its keys are swept once its lease expires', async () => {
        const store = f.store();
        const ns = freshNamespace('abandoned');
        await publishCustomers(store, ns, 4);
        const lease = f.ttlMs;
        // The "dead" writer: puts, some batches reach the store, then nothing — no commit, no abort.
        const dead = await beginPublish(store, ns, { leaseMs: lease, batchSize: 2 });
        for (let c = 0; c < 3; c++) await dead.put('recommendations', `c${c}`, ranked(2, c));
        await yieldToEventLoop();
        const partialKey = cacheKeys(ns).value(2, 'recommendations', 'c0');
        await expect.poll(() => store.get(partialKey)).not.toBeNull();
        for (let c = 0; c < 4; c++) expect((await readValue(store, ns, 'recommendations', `c${c}`)).version).toBe(1);
        await expect(beginPublish(store, ns)).rejects.toMatchObject({ details: { reason: 'locked' } });
        await f.advance(lease * 2);
        const next = await beginPublish(store, ns);
        expect(next.swept).toEqual([2]);
        expect(await store.get(partialKey)).toBeNull();
        expect(next.version).toBe(3);
        await next.put('recommendations', 'c0', ranked(3, 0));
        expect(await next.commit()).toMatchObject({ version: 3, previous: 1, swept: [2] });
        expect(isComplete(await readValue(store, ns, 'recommendations', 'c0'), 0)).toBe(true);
      });

      it('fencing: a writer whose lease expired and was taken over can neither write nor switch', async () => {
        const store = f.store();
        const ns = freshNamespace('fencing');
        await publishCustomers(store, ns, 2);
        const stale = await beginPublish(store, ns, { leaseMs: f.ttlMs, batchSize: 1 });
        await stale.put('recommendations', 'c0', ranked(stale.version, 0));
        await f.advance(f.ttlMs * 2);
        const fresh = await beginPublish(store, ns);
        // The stale writer wakes up: its next batch and its commit are refused.
        await expect(
          (async () => {
            for (let c = 0; c < 4; c++) await stale.put('recommendations', `c${c}`, ranked(stale.version, c));
            await stale.commit();
          })(),
        ).rejects.toMatchObject({ code: 'CACHE_CONFLICT', details: { reason: 'lease-lost' } });
        expect(await currentVersion(store, ns)).toBe(1);
        for (let c = 0; c < 2; c++) await fresh.put('recommendations', `c${c}`, ranked(fresh.version, c));
        expect((await fresh.commit()).version).toBe(3);
        expect(await store.get(cacheKeys(ns).value(2, 'recommendations', 'c1'))).toBeNull();
        for (let c = 0; c < 2; c++) {
          expect(isComplete(await readValue(store, ns, 'recommendations', `c${c}`), c)).toBe(true);
        }
      });

      it('concurrent readers during a publish each read a whole v1 or a whole v2, and v2 once committed', async () => {
        const store = f.store();
        const ns = freshNamespace('concurrent');
        const customers = 200;
        await publishCustomers(store, ns, customers);
        const readers = await Promise.all([f.reader(), f.reader(), f.reader()]);
        let phase: 'before' | 'publishing' | 'committed' = 'before';
        let stop = false;
        const seen = { before: new Set<number>(), publishing: new Set<number>(), committed: new Set<number>() };
        let reads = 0;
        const bad: string[] = [];
        const readLoop = async (reader: CacheStore, seed: number): Promise<void> => {
          // A server's reader too, looking the pointer up on every read (reads in flight together share a lookup).
          const serve = wholeListReader(reader, ns, { pointerTtlMs: 0 });
          for (let i = seed; !stop; i++) {
            const startedIn = phase;
            const c = (i * 7919) % customers;
            if (i % 3 === 0) {
              const read = await readValue(reader, ns, 'recommendations', `c${c}`);
              if (!isComplete(read, c)) bad.push(`c${c}: ${JSON.stringify(read)}`);
              if (read.hit) seen[startedIn].add(read.version);
            } else if (i % 3 === 2) {
              const read = await serve(`c${c}`);
              if (!isComplete(read, c)) bad.push(`reader c${c}: ${JSON.stringify(read)}`);
            } else {
              // Several ids in one read come from one version.
              const ids = [c, (c + 1) % customers, (c + 2) % customers];
              const many = await readValues(
                reader,
                ns,
                'recommendations',
                ids.map((x) => `c${x}`),
              );
              const versions = new Set(many.map((r) => r.version));
              if (versions.size !== 1 || !many.every((r, j) => isComplete(r, ids[j]!))) bad.push(`many at c${c}`);
              for (const v of versions) if (v !== null) seen[startedIn].add(v);
            }
            reads++;
            if (i % 8 === 0) await yieldToEventLoop();
          }
        };
        const loops = readers.map((reader, r) => readLoop(reader, r * 1000));
        await sleep(20);
        phase = 'publishing';
        const readsBefore = reads;
        const result = await publishVersion(
          store,
          ns,
          async (p) => {
            for (let c = 0; c < customers; c++) {
              await p.put('recommendations', `c${c}`, ranked(p.version, c));
              if (c % 10 === 0) await yieldToEventLoop();
            }
          },
          { batchSize: 16, maxInFlight: 2 },
        );
        const readsDuring = reads - readsBefore;
        phase = 'committed';
        const readsAtCommit = reads;
        while (reads < readsAtCommit + 200) await sleep(5);
        stop = true;
        await Promise.all(loops);
        expect(result.version).toBe(2);
        expect(bad).toEqual([]);
        expect(readsDuring).toBeGreaterThan(0);
        expect([...seen.before]).toEqual([1]);
        expect([...seen.committed]).toEqual([2]);
        expect(seen.publishing.has(1)).toBe(true);
      });

      it('rejects bad publish arguments with INVALID_ARGUMENT', async () => {
        const store = f.store();
        await expect(beginPublish(store, '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(beginPublish(store, 'ns', { leaseMs: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(beginPublish(store, 'ns', { batchsize: 10 } as never)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        await expect(beginPublish({} as never, 'ns')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        const reader = createCacheReader({ store, namespace: 'ns' });
        const miss = async (): Promise<null> => null;
        expect(() =>
          reader.plan({ kind: 'pets' as never, decode: decodeRankedEntries, hit: () => null, miss }),
        ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        const plan = reader.plan({ kind: 'recommendations', decode: decodeRankedEntries, hit: () => null, miss });
        await expect(reader.read(plan, 7 as never, 1, null)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        expect(() => createCacheReader({ store, namespace: '' })).toThrow(
          expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        const p = await beginPublish(store, freshNamespace('bad-values'));
        const badValues = [
          { ids: ['a', 'b'], scores: Float32Array.of(1) },
          { ids: ['a'], scores: Float64Array.of(1) },
          { ids: [1], scores: Float32Array.of(1) },
          null,
        ];
        for (const value of badValues) {
          await expect(p.put('together', 'x', value as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        }
        await expect(p.put('model', 'm', [1, 2] as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await p.abort();
      });
    });

    describe('CacheReader', () => {
      interface Served {
        readonly version: number | null;
        readonly entries: readonly RankedEntry[];
      }
      /** A plan answering with the entries and the version they came from ({ version: null } on a miss). */
      const entriesPlan = <Id extends string | ListId>(
        reader: ReturnType<typeof createCacheReader>,
        kind: 'recommendations' | 'list',
      ) =>
        reader.plan({
          kind,
          decode: decodeRankedEntries,
          hit: (entries, _: ReadRequest<Id, null>, version: number): Served => ({ version, entries }),
          miss: async (): Promise<Served> => ({ version: null, entries: [] }),
        });

      it('serves published lists and their explanations, misses with reasons, and write-backs until their TTL', async () => {
        const store = f.store();
        const ns = freshNamespace('reader');
        const c0 = ranked(1, 0);
        const because = c0.ids.map((_, j) =>
          j % 2 === 1 ? [] : [{ source: 'als' }, { source: 'bought-together', item: `v1-c0-i${j + 1}` }],
        );
        await publishVersion(store, ns, async (p) => {
          await p.put('recommendations', 'c0', { ...c0, because });
          await p.put('recommendations', 'c1', ranked(1, 1));
          await p.put('list', { name: 'top', category: 'a:b' }, ranked(1, 2));
        });
        const events: CacheReadEvent[] = [];
        const reader = createCacheReader({
          store,
          namespace: ns,
          writeBackTtlMs: f.ttlMs,
          onEvent: (e) => events.push(e),
        });
        const top = entriesPlan<string>(reader, 'recommendations');
        const read = await reader.read(top, 'c0', 5, null);
        expect(read.version).toBe(1);
        expect(read.entries).toEqual(
          c0.ids.slice(0, 5).map((item, j) => ({ item, score: c0.scores[j], because: because[j] })),
        );
        const whole = wholeListReader(store, ns);
        expect(isComplete(await whole('c1'), 1)).toBe(true);
        const list = await reader.read(entriesPlan(reader, 'list'), { name: 'top', category: 'a:b' }, K, null);
        expect(list.entries.map((e) => e.item)).toEqual(ranked(1, 2).ids);
        expect(await reader.read(top, 'c9', 5, null)).toEqual({ version: null, entries: [] });
        expect(events).toEqual([{ type: 'cache-miss', kind: 'recommendations', id: 'c9', reason: 'absent' }]);
        // Computed on the miss, written back into version 1: served from there until its TTL.
        await reader.writeBack('recommendations', 'c9', ranked(1, 9));
        expect(isComplete(await whole('c9'), 9)).toBe(true);
        await f.advance(f.ttlMs * 2);
        expect(await whole('c9')).toMatchObject({ hit: false });
        expect(isComplete(await whole('c1'), 1)).toBe(true);
        expect(events.filter((e) => e.type === 'cache-error')).toEqual([]);
      });

      it('sees another publish within pointerTtlMs, and its own at once when told (switched)', async () => {
        const store = f.store();
        const ns = freshNamespace('reader-switch');
        let now = 1_000_000;
        await publishCustomers(store, ns, 2);
        const reader = createCacheReader({ store, namespace: ns, now: () => now, pointerTtlMs: 1000 });
        const top = entriesPlan<string>(reader, 'recommendations');
        const versionRead = async (): Promise<number | null> => (await reader.read(top, 'c0', 1, null)).version;
        expect(await versionRead()).toBe(1);
        expect(await publishCustomers(store, ns, 2)).toBe(2);
        expect(await versionRead()).toBe(1); // the pointer reused
        now += 1000;
        expect(await versionRead()).toBe(1); // looked up again in the background…
        await expect.poll(versionRead).toBe(2); // …and used once it answered
        const third = await publishCustomers(store, ns, 2);
        reader.switched(third);
        expect(await versionRead()).toBe(3);
      });

      it('serves a read whose answer came in while the process was blocked past timeoutMs', async () => {
        const store = f.store();
        const ns = freshNamespace('reader-stall');
        await publishCustomers(store, ns, 1);
        const events: CacheReadEvent[] = [];
        const reader = createCacheReader({ store, namespace: ns, timeoutMs: 20, onEvent: (e) => events.push(e) });
        const top = entriesPlan<string>(reader, 'recommendations');
        expect((await reader.read(top, 'c0', 1, null)).version).toBe(1); // the pointer known
        const reads = [reader.read(top, 'c0', 1, null), reader.read(top, 'c0', 1, null)];
        await new Promise((sent) => process.nextTick(sent)); // RedisCache sends its reads on the next tick
        // Then the process does not yield for 3x the timeout (a long GC pause, a blocking task): the
        // store answered long before, and the answers wait in the socket when the overdue timer runs.
        const until = performance.now() + 60;
        while (performance.now() < until) {
          // blocked
        }
        for (const read of await Promise.all(reads)) expect(read.version).toBe(1);
        expect(events).toEqual([]);
      });
    });
  });
}

/**
 * The writer really dies: a child process (test/fixtures/cache-writer.mjs, on the built package —
 * `npm test` builds first) publishes into the same Redis and is SIGKILLed mid-write, with batches
 * in flight. Concurrent readers on their own connections must keep reading whole v1 lists.
 */
describe('RedisCache: a writer process killed mid-publish', () => {
  const prefix = uniquePrefix('killed');
  const clients: Redis[] = [];
  let child: ChildProcess | undefined;
  useTestRedis(clients, prefix);
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('readers keep v1 throughout; the dead writer holds the lock until its lease expires; its keys are swept', async () => {
    const dist = resolve(repoRoot, 'packages/cache/dist/index.js');
    if (!existsSync(dist)) throw new Error(`${dist} not found: build first (npm run build, or npm test which builds)`);
    const client = clients[0]!;
    const store = createRedisCache({ client, prefix });
    const ns = 'shop-killed';
    const customers = 300;
    expect(await publishCustomers(store, ns, customers)).toBe(1);

    const readerStores = await Promise.all(
      [0, 1, 2].map(async () => {
        const c = await connectTestRedis();
        clients.push(c);
        return createRedisCache({ client: c, prefix });
      }),
    );
    let stop = false;
    let reads = 0;
    const bad: string[] = [];
    const loops = readerStores.map(async (reader, r) => {
      for (let i = r; !stop; i += 3) {
        const c = (i * 7919) % customers;
        const read = await readValue(reader, ns, 'recommendations', `c${c}`);
        if (!isComplete(read, c) || read.version !== 1) bad.push(`c${c}: ${JSON.stringify(read)}`);
        reads++;
      }
    });

    const leaseMs = 3000;
    const writer = spawn(
      process.execPath,
      [resolve(repoRoot, 'test/fixtures/cache-writer.mjs'), REDIS_URL, prefix, ns, String(leaseMs)],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = writer;
    let stderr = '';
    writer.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | number | null>((done) =>
      writer.on('exit', (code, signal) => done(signal ?? code)),
    );
    // Wait until the writer has written a good part of version 2, with batches still going out.
    await new Promise<void>((done, fail) => {
      let out = '';
      writer.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('writing')) done();
      });
      exited.then((how) => fail(new Error(`writer exited (${how}) before writing: ${stderr}`)));
    });
    const readsBeforeKill = reads;
    writer.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killedAt = Date.now();

    const partial = await keysUnder(client, prefix + cacheKeys(ns).versionPrefix(2));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(1_000_000);
    expect(await currentVersion(store, ns)).toBe(1);
    // The dead writer's lease still holds the lock (fenced: it can never be used again)…
    if (Date.now() - killedAt < leaseMs / 2) {
      await expect(beginPublish(store, ns)).rejects.toMatchObject({ details: { reason: 'locked' } });
    }
    await sleep(100);
    stop = true;
    await Promise.all(loops);
    expect(bad).toEqual([]);
    expect(readsBeforeKill).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(readsBeforeKill);

    // …until it expires; then a sweep deletes its keys.
    const sweep = await sweepNamespace(store, ns, { lockWaitMs: leaseMs * 3 });
    expect(sweep.swept).toEqual([2]);
    expect(await keysUnder(client, prefix + cacheKeys(ns).versionPrefix(2))).toEqual([]);
    expect(isComplete(await readValue(store, ns, 'recommendations', 'c7'), 7)).toBe(true);

    expect(await publishCustomers(store, ns, customers, { graceMs: 500 })).toBe(3);
    const after = await readValue(store, ns, 'recommendations', 'c7');
    expect(after.version).toBe(3);
    expect(isComplete(after, 7)).toBe(true);
  });

  it('lays keys out as documented, the replaced version with a TTL of graceMs', async () => {
    const client = clients[0]!;
    const store = createRedisCache({ client, prefix });
    const ns = 'shop:layout';
    await publishVersion(store, ns, async (p) => {
      await p.put('recommendations', 'cust 1', ranked(1, 1));
      await p.put('list', { name: 'top', category: 'a:b' }, ranked(1, 2));
    });
    await publishVersion(store, ns, async (p) => p.put('together', 'sku{1}', ranked(2, 1)), { graceMs: 30_000 });
    const keys = (await keysUnder(client, prefix)).filter((k) => k.includes('shop%3Alayout')).sort();
    expect(keys).toEqual(
      [
        '#shop%3Alayout:current',
        '#shop%3Alayout:state',
        '#shop%3Alayout:v1:list:top:a%3Ab',
        '#shop%3Alayout:v1:rec:cust 1',
        '#shop%3Alayout:v2:tog:sku%7B1%7D',
      ].map((k) => prefix + k),
    );
    expect(await client.get(`${prefix}#shop%3Alayout:current`)).toBe('2');
    expect(JSON.parse((await client.get(`${prefix}#shop%3Alayout:state`)) ?? '')).toEqual({
      seq: 2,
      pending: [],
      retiring: [],
    });
    const ttl = await client.pttl(`${prefix}#shop%3Alayout:v1:rec:cust 1`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await client.pttl(`${prefix}#shop%3Alayout:v2:tog:sku%7B1%7D`)).toBe(-1);
    // The # marks where a prefix ends: a prefix with one is refused, so none can pose as another's keys.
    expect(() => createRedisCache({ client, prefix: `${prefix}#shop%3Alayout:` })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

/**
 * Redis down from the start, dying under a store, or hanging: each on a redis-server of the test's
 * own (test/redis.ts), never the shared one. A caller must learn that the cache is unreachable and
 * why (the connection's error, not ioredis' "Connection is closed."), and close() must release.
 */
describe('RedisCache when Redis is down, dies or hangs', () => {
  const servers: ThrowawayRedis[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    for (const server of servers) server.signal('SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
  });
  const start = async (): Promise<ThrowawayRedis> => {
    const server = await startThrowawayRedis();
    servers.push(server);
    return server;
  };
  const unreachable = (where: string, port: number) =>
    expect.objectContaining({
      code: 'IO_ERROR',
      message: expect.stringMatching(
        new RegExp(`^${where}: Redis is unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\b`),
      ),
      details: expect.objectContaining({ reason: 'unreachable' }),
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });

  it('down from the start: every call, publish and read names ECONNREFUSED; status says unreachable', async () => {
    const { store, connected, error } = await connectRedisCache('redis://127.0.0.1:1');
    expect(connected).toBe(false);
    expect(error).toMatch(/ECONNREFUSED 127\.0\.0\.1:1\b/);
    expect(store.status).toBe('unreachable');
    expect(store.lastError?.message).toMatch(/ECONNREFUSED 127\.0\.0\.1:1\b/);
    const calls: [string, () => Promise<unknown>][] = [
      ['cache/RedisCache.get', () => store.get('k')],
      ['cache/RedisCache.get', () => new Promise((resolve, reject) => store.getTo('k', { resolve, reject }))],
      ['cache/RedisCache.mget', () => store.mget(['a', 'b'])],
      ['cache/RedisCache.set', () => store.set('k', Buffer.from('v'))],
      ['cache/RedisCache.delete', () => store.delete('k')],
      ['cache/RedisCache.transact', () => store.transact([], [{ key: 'k', value: null }])],
      ['cache/RedisCache.deletePrefix', () => store.deletePrefix('p:')],
      ['cache/RedisCache.expirePrefix', () => store.expirePrefix('p:', 1000)],
      // Not "nothing is published": the pointer could not be read.
      ['cache/RedisCache.get', () => currentVersion(store, 'shop')],
      ['cache/RedisCache.transact', () => publishVersion(store, 'shop', async () => undefined)],
    ];
    for (const [where, call] of calls) await expect(call()).rejects.toEqual(unreachable(where, 1));
    // A server's reader reports the same error, and answers from its miss.
    const events: CacheReadEvent[] = [];
    const read = wholeListReader(store, 'shop');
    const reader = createCacheReader({ store, namespace: 'shop', onEvent: (e) => events.push(e) });
    const plan = reader.plan({
      kind: 'recommendations',
      decode: decodeRankedEntries,
      hit: () => 'hit',
      miss: async () => 'computed',
    });
    expect(await reader.read(plan, 'c0', 5, null)).toBe('computed');
    expect(events).toEqual([
      { type: 'cache-error', operation: 'pointer', error: unreachable('cache/RedisCache.get', 1) },
    ]);
    expect(await read('c0')).toMatchObject({ hit: false });
    await store.close();
    await store.close();
    expect(store.status).toBe('closed');
    expect(unhandled).toEqual([]);
  });

  it('dies under a store: reads say why, status turns unreachable, close resolves and stops reconnecting', async () => {
    const server = await start();
    const { store, connected } = await connectRedisCache(server.url);
    expect(connected).toBe(true);
    expect([store.status, store.lastError]).toEqual(['ready', null]);
    const ns = 'shop-dies';
    await publishCustomers(store, ns, 2);
    expect(isComplete(await readValue(store, ns, 'recommendations', 'c1'), 1)).toBe(true);
    server.signal('SIGKILL');
    await server.exited;
    await expect.poll(() => store.status).toBe('unreachable');
    // Once a reconnect attempt has failed, every read names its error.
    await expect
      .poll(
        () =>
          store.get('k').then(
            () => 'answered',
            (e: Error) => e.message,
          ),
        { timeout: 5000 },
      )
      .toMatch(new RegExp(`Redis is unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${server.port}`));
    await expect(readValue(store, ns, 'recommendations', 'c1')).rejects.toEqual(
      unreachable('cache/RedisCache.get', server.port),
    );
    expect(store.lastError?.message).toMatch(/ECONNREFUSED/);
    await store.close();
    expect(store.status).toBe('closed');
    expect(unhandled).toEqual([]);
  });

  it('close() resolves, every time, when Redis died an instant before (QUIT not sent or not answered)', async () => {
    const errorsPrinted: unknown[] = [];
    const printed = (...args: unknown[]): void => {
      if (String(args[0]).includes('[ioredis]')) errorsPrinted.push(args);
    };
    const consoleError = console.error;
    console.error = printed;
    try {
      for (const client of ['connectRedisCache', 'a default ioredis client without an error listener'] as const) {
        for (let round = 0; round < 3; round++) {
          const server = await start();
          const store =
            client === 'connectRedisCache'
              ? (await connectRedisCache(server.url)).store
              : createRedisCache({ client: new Redis(server.url), closeClient: true });
          await store.set('k', Buffer.from('v'));
          server.signal('SIGKILL');
          // In the same tick: the client has not seen the connection go yet, so close() sends QUIT.
          const closing = store.close();
          const again = store.close();
          await expect(closing).resolves.toBeUndefined();
          expect(again).toBe(closing); // one release, however many calls
          await expect(store.close()).resolves.toBeUndefined();
          await server.exited;
        }
      }
      await sleep(300); // room for a late rejection, error event or reconnect attempt to show up
    } finally {
      console.error = consoleError;
    }
    expect(unhandled).toEqual([]);
    expect(errorsPrinted).toEqual([]);
  });

  it('close() resolves within QUIT_TIMEOUT_MS when Redis hangs (a stopped server never answers QUIT)', async () => {
    const server = await start();
    const { store } = await connectRedisCache(server.url);
    await store.set('k', Buffer.from('v'));
    server.signal('SIGSTOP');
    try {
      const started = performance.now();
      await store.close();
      expect(performance.now() - started).toBeLessThan(QUIT_TIMEOUT_MS + 500);
    } finally {
      server.signal('SIGKILL');
    }
    expect(unhandled).toEqual([]);
  });
});
