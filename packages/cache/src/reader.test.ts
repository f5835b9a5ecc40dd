import { type EncoreError, ErrorCode } from '@encore/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  decodeCacheValue,
  decodeRankedEntries,
  encodeCacheValue,
  type RankedEntry,
  type RankedItems,
} from './envelope.js';
import { cacheKeys, type ListId } from './keyspace.js';
import { createMemoryCache, type MemoryCache } from './memory-cache.js';
import { publishVersion } from './publish.js';
import {
  type CacheReadEvent,
  type CacheReader,
  createCacheReader,
  currentVersion,
  DEFAULT_CACHE_READER_OPTIONS,
  type ReadRequest,
} from './reader.js';
import type { CacheReceiver, CacheStore } from './store.js';

type Mode = 'fail' | 'hang' | 'throw' | 'defer';

/**
 * A MemoryCache behind a wrapper that records every call (`'getTo #shop:v1:rec:c1'`) and, for keys
 * containing a part named in `modes` (else for every key while `mode` is set), fails, hangs,
 * throws instead of rejecting, or holds the answer until `release()`. With `getTo` (as MemoryCache
 * and RedisCache have it), the reader reads through it; without, through `get`.
 */
function scriptedStore(inner: MemoryCache, withGetTo = true) {
  const modes = new Map<string, Mode>();
  const state: { mode: Mode | null } = { mode: null };
  const calls: string[] = [];
  const held: (() => void)[] = [];
  const modeOf = (key: string): Mode | null => [...modes].find(([part]) => key.includes(part))?.[1] ?? state.mode;
  const outcome = <T>(key: string, call: () => Promise<T>): Promise<T> => {
    const mode = modeOf(key);
    if (mode === 'fail') return Promise.reject(new Error('READONLY replica'));
    if (mode === 'hang') return new Promise<T>(() => undefined);
    if (mode === 'throw') throw new Error('store bug: threw instead of rejecting');
    if (mode === 'defer') return new Promise<T>((resolve) => held.push(() => resolve(call())));
    return call();
  };
  const get = (key: string): Promise<Buffer | null> => {
    calls.push(`get ${key}`);
    return outcome(key, () => inner.get(key));
  };
  const getTo = (key: string, receiver: CacheReceiver): void => {
    calls.push(`getTo ${key}`);
    outcome(key, () => inner.get(key)).then(
      (value) => receiver.resolve(value),
      (error: unknown) => receiver.reject(error),
    );
  };
  const store: CacheStore = Object.assign(Object.create(null), {
    get,
    ...(withGetTo ? { getTo } : {}),
    mget: (keys: readonly string[]) => inner.mget(keys),
    set: (key: string, value: Uint8Array, options?: { ttlMs?: number }) => {
      calls.push(`set ${key}`);
      return outcome(key, () => inner.set(key, value, options));
    },
    delete: (keys: string | readonly string[]) => inner.delete(keys),
    transact: (c: Parameters<CacheStore['transact']>[0], w: Parameters<CacheStore['transact']>[1]) =>
      inner.transact(c, w),
    deletePrefix: (prefix: string) => inner.deletePrefix(prefix),
    expirePrefix: (prefix: string, ttl: number) => inner.expirePrefix(prefix, ttl),
    close: () => inner.close(),
  });
  const release = (): void => {
    for (const answer of held.splice(0)) answer();
  };
  const pointerReads = (): number => calls.filter((c) => c.endsWith(':current')).length;
  return { store, modes, state, calls, release, pointerReads };
}

/** The error of a cache-error event (undefined for other events). */
const errorOf = (event: CacheReadEvent | undefined): EncoreError | undefined =>
  event?.type === 'cache-error' ? (event.error as EncoreError) : undefined;

const ranked = (...ids: string[]): RankedItems => ({
  ids,
  scores: Float32Array.from(ids, (_, i) => ids.length - i),
});

/** Publishes recommendations for c1…, together for i1 and a 'top' list, all `items`. */
async function publish(store: CacheStore, items: RankedItems, customers = ['c1', 'c2', 'c3']): Promise<number> {
  const result = await publishVersion(store, 'shop', async (p) => {
    for (const c of customers) await p.put('recommendations', c, items);
    await p.put('together', 'i1', items);
    await p.put('list', { name: 'top', category: 'shoes' }, items);
  });
  return result.version;
}

interface Answer {
  readonly source: 'cache' | 'miss';
  readonly version: number | null;
  readonly items: readonly string[];
}

/** The plans a server would make once: the top-k as cached, the whole list, together, lists. */
function plansOf(reader: CacheReader) {
  const miss = vi.fn(
    async (_: ReadRequest<unknown, unknown>): Promise<Answer> => ({
      source: 'miss',
      version: null,
      items: [],
    }),
  );
  const hit = (entries: RankedEntry[], _: ReadRequest<unknown, unknown>, version: number): Answer => ({
    source: 'cache',
    version,
    items: entries.map((e) => e.item),
  });
  return {
    miss,
    recommend: reader.plan({ kind: 'recommendations', decode: decodeRankedEntries, hit, miss }),
    whole: reader.plan({
      kind: 'recommendations',
      decode: decodeCacheValue,
      hit: (value: RankedItems, r: ReadRequest<string, { tag: string }>, version: number) => ({
        source: 'cache' as const,
        version,
        items: [...value.ids.slice(0, r.limit), r.options.tag],
      }),
      miss,
    }),
    together: reader.plan({ kind: 'together', decode: decodeRankedEntries, hit, miss }),
    list: reader.plan({ kind: 'list', decode: decodeRankedEntries, hit, miss }),
  };
}

describe('CacheReader', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has frozen defaults and validates its options once, at creation (INVALID_ARGUMENT)', () => {
    expect(DEFAULT_CACHE_READER_OPTIONS).toMatchObject({
      namespace: 'default',
      timeoutMs: 50,
      retryAfterMs: 1000,
      pointerTtlMs: 1000,
      writeBackTtlMs: 3_600_000,
      errors: 'fallback',
    });
    expect(DEFAULT_CACHE_READER_OPTIONS.now).toBe(Date.now);
    expect(Object.isFrozen(DEFAULT_CACHE_READER_OPTIONS)).toBe(true);
    const store = createMemoryCache();
    expect(createCacheReader({ store }).namespace).toBe('default');
    expect(createCacheReader({ store, namespace: 'shop:1' }).namespace).toBe('shop:1');
    const bad: unknown[] = [
      undefined,
      {},
      { store: {} },
      { store, namespce: 'x' },
      { store, namespace: '' },
      { store, namespace: 7 },
      { store, timeoutMs: 0 },
      { store, timeoutMs: 2 ** 31 },
      { store, timeoutMs: Number.POSITIVE_INFINITY },
      { store, retryAfterMs: -1 },
      { store, pointerTtlMs: Number.NaN },
      { store, writeBackTtlMs: 1.5 },
      { store, writeBackTtlMs: -1 },
      { store, now: 5 },
      { store, onEvent: 'log' },
      { store, errors: 'loud' },
    ];
    for (const options of bad) {
      expect(() => createCacheReader(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('makes plans once per kind, refusing what is not one; a read refuses bad arguments by rejecting', async () => {
    const reader = createCacheReader({ store: createMemoryCache() });
    const miss = async (): Promise<null> => null;
    const plan = reader.plan({ kind: 'list', decode: decodeRankedEntries, hit: () => null, miss });
    expect(plan).toMatchObject({ kind: 'list', operation: 'read list' });
    expect(Object.isFrozen(plan)).toBe(true);
    const badSpecs: unknown[] = [
      null,
      { kind: 'model', decode: decodeRankedEntries, hit: () => null, miss },
      { kind: 'pets', decode: decodeRankedEntries, hit: () => null, miss },
      { kind: 'list', decode: 'decodeRankedEntries', hit: () => null, miss },
      { kind: 'list', decode: decodeRankedEntries, miss },
      { kind: 'list', decode: decodeRankedEntries, hit: () => null, miss, extra: 1 },
    ];
    for (const spec of badSpecs) {
      expect(() => reader.plan(spec as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    const other = createCacheReader({ store: createMemoryCache() }).plan({
      kind: 'list',
      decode: decodeRankedEntries,
      hit: () => null,
      miss,
    });
    const rec = reader.plan({ kind: 'recommendations', decode: decodeRankedEntries, hit: () => null, miss });
    const badReads: (() => Promise<unknown>)[] = [
      () => reader.read(other, 'top', 1, {}),
      () => reader.read(null as never, 'top', 1, {}),
      () => reader.read(rec, 7 as never, 1, {}),
      () => reader.read(rec, { name: 'top' } as never, 1, {}), // a list id for another kind
      () => reader.read(plan, { name: 5 } as never, 1, {}),
      () => reader.read(plan, { name: 'top', category: null } as never, 1, {}),
      () => reader.read(plan, 'top', -1, {}),
      () => reader.read(plan, 'top', 1.5, {}),
    ];
    for (const read of badReads) {
      let answer: Promise<unknown> | undefined;
      expect(() => {
        answer = read();
      }).not.toThrow();
      await expect(answer).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it.each([
    ['getTo', true],
    ['get', false],
  ])('answers a hit with one store read (%s) once the pointer is known, for every kind', async (call, withGetTo) => {
    const now = 1_000_000;
    const { store, calls } = scriptedStore(createMemoryCache(), withGetTo);
    const version = await publish(store, ranked('a', 'b', 'c'));
    const reader = createCacheReader({ store, namespace: 'shop', now: () => now });
    const plans = plansOf(reader);
    expect(reader.version).toBeUndefined();
    calls.length = 0;
    expect(await reader.read(plans.recommend, 'c1', 2, {})).toEqual({ source: 'cache', version, items: ['a', 'b'] });
    expect(calls).toEqual(['get #shop:current', `${call} #shop:v1:rec:c1`]); // the pointer first, once
    expect(reader.version).toBe(version);
    calls.length = 0;
    expect(await reader.read(plans.together, 'i1', 5, {})).toMatchObject({ items: ['a', 'b', 'c'] });
    expect(await reader.read(plans.list, { name: 'top', category: 'shoes' }, 1, {})).toMatchObject({ items: ['a'] });
    expect(await reader.read(plans.whole, 'c2', 1, { tag: 'options reach hit' })).toMatchObject({
      items: ['a', 'options reach hit'],
    });
    expect(calls).toEqual([`${call} #shop:v1:tog:i1`, `${call} #shop:v1:list:top:shoes`, `${call} #shop:v1:rec:c2`]);
    expect(plans.miss).not.toHaveBeenCalled();
  });

  it('reports every miss with its reason, the id as given (a list id as JSON), and answers it from the plan', async () => {
    const inner = createMemoryCache();
    const events: CacheReadEvent[] = [];
    const reader = createCacheReader({ store: inner, namespace: 'shop', onEvent: (e) => events.push(e) });
    const plans = plansOf(reader);
    // Nothing published: every read misses as 'unpublished' (the pointer is null, kept as such).
    expect(await reader.read(plans.list, { name: 'top', category: 'shoes' }, 3, {})).toMatchObject({ source: 'miss' });
    expect(reader.version).toBeNull();
    expect(events).toEqual([
      { type: 'cache-miss', kind: 'list', id: '{"name":"top","category":"shoes"}', reason: 'unpublished' },
    ]);
    expect(plans.miss).toHaveBeenCalledWith({ id: { name: 'top', category: 'shoes' }, limit: 3, options: {} });

    await publish(inner, ranked('a'));
    reader.switched(1);
    const keys = cacheKeys('shop');
    const good = encodeCacheValue('recommendations', ranked('a'));
    const future = Buffer.from(good);
    future[4] = 2;
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    const values: [string, Buffer, string][] = [
      ['foreign', Buffer.from('a value some other app wrote'), 'foreign'],
      ['future', future, 'version'],
      ['flipped', flipped, 'corrupt'],
      ['other-kind', encodeCacheValue('together', ranked('a')), 'corrupt'],
    ];
    for (const [id, bytes] of values) await inner.set(keys.value(1, 'recommendations', id), bytes);
    events.length = 0;
    for (const [id] of values) expect(await reader.read(plans.recommend, id, 1, {})).toMatchObject({ source: 'miss' });
    expect(await reader.read(plans.together, 'nobody', 1, {})).toMatchObject({ source: 'miss' });
    expect(events).toEqual([
      ...values.map(([id, , reason]) => ({ type: 'cache-miss', kind: 'recommendations', id, reason })),
      { type: 'cache-miss', kind: 'together', id: 'nobody', reason: 'absent' },
    ]);
  });

  it('reuses the pointer for pointerTtlMs, then looks it up in the background, one lookup at a time', async () => {
    let now = 7_000_000;
    const inner = createMemoryCache();
    const { store, modes, release, pointerReads } = scriptedStore(inner);
    await publish(inner, ranked('v1'));
    const reader = createCacheReader({ store, namespace: 'shop', now: () => now, pointerTtlMs: 1000 });
    const plans = plansOf(reader);
    const itemOf = async (): Promise<string | undefined> => (await reader.read(plans.recommend, 'c1', 1, {})).items[0];
    expect(await itemOf()).toBe('v1'); // no pointer yet: looked up first
    expect(pointerReads()).toBe(1);
    await publish(inner, ranked('v2'));
    now += 500;
    expect(await itemOf()).toBe('v1'); // within its time: not looked up
    expect(pointerReads()).toBe(1);
    // Past its time: reads go on with the known version while one lookup runs, however many come.
    now += 1000;
    modes.set(':current', 'defer');
    expect(await Promise.all([itemOf(), itemOf(), itemOf()])).toEqual(['v1', 'v1', 'v1']);
    expect(await itemOf()).toBe('v1');
    expect(pointerReads()).toBe(2);
    modes.clear();
    release();
    await vi.waitFor(() => expect(reader.version).toBe(2));
    expect(await itemOf()).toBe('v2'); // the lookup answered
    // Unused for over twice its time: the reads wait for one lookup, and see what it finds.
    await publish(inner, ranked('v3'));
    now += 2500;
    modes.set(':current', 'defer');
    const waiting = Promise.all([itemOf(), itemOf(), itemOf()]);
    await new Promise((later) => setTimeout(later, 5));
    expect(pointerReads()).toBe(3);
    release();
    expect(await waiting).toEqual(['v3', 'v3', 'v3']);
    expect(pointerReads()).toBe(3);
  });

  it('with pointerTtlMs 0 looks the pointer up on every read (reads in flight together share one lookup)', async () => {
    const inner = createMemoryCache();
    const { store, pointerReads } = scriptedStore(inner);
    await publish(inner, ranked('v1'));
    const reader = createCacheReader({ store, namespace: 'shop', pointerTtlMs: 0 });
    const plans = plansOf(reader);
    await reader.read(plans.recommend, 'c1', 1, {});
    await publish(inner, ranked('v2'));
    expect(await reader.read(plans.recommend, 'c1', 1, {})).toMatchObject({ version: 2, items: ['v2'] });
    expect(pointerReads()).toBe(2);
  });

  it('switched(): a publish of the namespace is read at once, and a lookup that straddles it does not undo it', async () => {
    let now = 3_000_000;
    const inner = createMemoryCache();
    const { store, modes, release, pointerReads } = scriptedStore(inner);
    await publish(inner, ranked('v1'));
    const reader = createCacheReader({ store, namespace: 'shop', now: () => now });
    const plans = plansOf(reader);
    expect((await reader.read(plans.recommend, 'c1', 1, {})).items).toEqual(['v1']);
    const v2 = await publish(inner, ranked('v2'));
    reader.switched(v2);
    expect(reader.version).toBe(2);
    expect(await reader.read(plans.recommend, 'c1', 1, {})).toMatchObject({ version: 2, items: ['v2'] });
    expect(pointerReads()).toBe(1);
    // A lookup goes out and reads the pointer (2); a publish switches to 3 before its answer lands.
    // (Without the switch counted, the lookup's older answer would replace the newer pointer.)
    now += 5000;
    modes.set(':current', 'defer');
    const waiting = reader.read(plans.recommend, 'c1', 1, {});
    await new Promise((later) => setTimeout(later, 5));
    const v3 = await publish(inner, ranked('v3'));
    reader.switched(v3);
    await inner.set(cacheKeys('shop').current, Buffer.from('2'), { pinned: true }); // what the lookup "saw"
    release();
    expect(await waiting).toMatchObject({ version: 3, items: ['v3'] });
    expect(reader.version).toBe(3);
    expect(() => reader.switched(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => reader.switched(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('abandons a store call past timeoutMs: the miss answers, cache-error (IO_ERROR), the cache skipped, then recovered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });
    let now = 5_000_000;
    const inner = createMemoryCache();
    const { store, modes, calls } = scriptedStore(inner);
    await publish(inner, ranked('a'));
    const events: CacheReadEvent[] = [];
    const reader = createCacheReader({
      store,
      namespace: 'shop',
      now: () => now,
      timeoutMs: 20,
      retryAfterMs: 100,
      onEvent: (e) => events.push(e),
    });
    reader.switched(1);
    const plans = plansOf(reader);
    modes.set('rec:c1', 'hang');
    let answered: unknown;
    const read = reader.read(plans.recommend, 'c1', 1, {}).then((answer) => {
      answered = answer;
    });
    await vi.advanceTimersByTimeAsync(20);
    expect(answered).toBeUndefined(); // due, but confirmed one event-loop turn after the timer fires
    await vi.advanceTimersByTimeAsync(1);
    await read;
    expect(answered).toMatchObject({ source: 'miss' });
    expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'read recommendations' })]);
    const error = errorOf(events[0]);
    expect(error).toMatchObject({
      code: ErrorCode.IO_ERROR,
      details: { reason: 'timeout', operation: 'read recommendations' },
    });
    expect(error?.message).toMatch(/took over 20 ms/);
    // Skipped for retryAfterMs: no store call (a hanging store would cost the timeout every time).
    calls.length = 0;
    expect(await reader.read(plans.recommend, 'c2', 1, {})).toMatchObject({ source: 'miss' });
    expect(await reader.guard('custom', () => inner.get('x'))).toBeUndefined();
    expect(calls).toEqual([]);
    expect(events).toHaveLength(1);
    now += 100;
    expect(await reader.read(plans.recommend, 'c2', 1, {})).toMatchObject({ source: 'cache', items: ['a'] });
    expect(events.slice(1)).toEqual([{ type: 'cache-recovered', operation: 'read recommendations' }]);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1); // at most the ring's one, unreferenced, timer
  });

  it.each([
    ['getTo', true],
    ['get', false],
  ])(
    'falls back on a failing or throwing store (%s), skips it for retryAfterMs, reports its recovery once',
    async (_, withGetTo) => {
      let now = 2_000_000;
      const inner = createMemoryCache();
      const { store, modes, calls } = scriptedStore(inner, withGetTo);
      await publish(inner, ranked('a'));
      const events: CacheReadEvent[] = [];
      const reader = createCacheReader({
        store,
        namespace: 'shop',
        now: () => now,
        retryAfterMs: 500,
        pointerTtlMs: 60_000, // no pointer lookup in this test: only the reads' own failures
        onEvent: (e) => events.push(e),
      });
      reader.switched(1);
      const plans = plansOf(reader);
      for (const [mode, message] of [
        ['fail', /READONLY/],
        ['throw', /threw instead of rejecting/],
      ] as const) {
        modes.set('rec:c1', mode);
        events.length = 0;
        expect(await reader.read(plans.recommend, 'c1', 1, {})).toMatchObject({ source: 'miss' });
        expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'read recommendations' })]);
        expect(errorOf(events[0])?.message).toMatch(message);
        calls.length = 0;
        expect(await reader.read(plans.together, 'i1', 1, {})).toMatchObject({ source: 'miss' });
        await reader.writeBack('recommendations', 'c9', ranked('x'));
        expect(calls).toEqual([]); // skipping: neither reads nor writes
        now += 500;
      }
      modes.clear();
      events.length = 0;
      expect(await reader.read(plans.together, 'i1', 1, {})).toMatchObject({ source: 'cache' });
      expect(await reader.read(plans.together, 'i1', 1, {})).toMatchObject({ source: 'cache' });
      expect(events).toEqual([{ type: 'cache-recovered', operation: 'read together' }]);
    },
  );

  it('reports a pointer that is not a version number as a cache-error (CACHE_FORMAT) and answers from the miss', async () => {
    const inner = createMemoryCache();
    await inner.set(cacheKeys('shop').current, Buffer.from('seven'), { pinned: true });
    const events: CacheReadEvent[] = [];
    const reader = createCacheReader({ store: inner, namespace: 'shop', onEvent: (e) => events.push(e) });
    const plans = plansOf(reader);
    expect(await reader.read(plans.recommend, 'c1', 1, {})).toMatchObject({ source: 'miss' });
    expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'pointer' })]);
    expect(errorOf(events[0])?.code).toBe(ErrorCode.CACHE_FORMAT);
    expect(reader.version).toBeUndefined();
    await expect(currentVersion(inner, 'shop')).rejects.toMatchObject({ code: ErrorCode.CACHE_FORMAT });
  });

  it("under errors 'throw' rejects the reads that waited for a failing or slow store call, and only those", async () => {
    let now = 9_000_000;
    const inner = createMemoryCache();
    const { store, modes } = scriptedStore(inner);
    await publish(inner, ranked('a'));
    const events: CacheReadEvent[] = [];
    const reader = createCacheReader({
      store,
      namespace: 'shop',
      now: () => now,
      timeoutMs: 20,
      pointerTtlMs: 1000,
      retryAfterMs: 100,
      errors: 'throw',
      onEvent: (e) => events.push(e),
    });
    const plans = plansOf(reader);
    expect(await reader.read(plans.recommend, 'c1', 1, {})).toMatchObject({ source: 'cache' });
    modes.set('rec:c1', 'fail');
    await expect(reader.read(plans.recommend, 'c1', 1, {})).rejects.toThrow(/READONLY/);
    // While skipped, reads answer from the miss: they waited for no store call.
    expect(await reader.read(plans.recommend, 'c2', 1, {})).toMatchObject({ source: 'miss' });
    now += 100;
    modes.set('rec:c1', 'hang');
    await expect(reader.read(plans.recommend, 'c1', 1, {})).rejects.toMatchObject({ code: ErrorCode.IO_ERROR });
    now += 100;
    // A background lookup that fails is reported; the read that started it goes on with the known
    // pointer (its answer is the store's first since the timeout: a recovery, reported too).
    modes.clear();
    modes.set(':current', 'fail');
    now += 1500;
    events.length = 0;
    expect(await reader.read(plans.recommend, 'c2', 1, {})).toMatchObject({ source: 'cache' });
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events).toEqual(
      expect.arrayContaining([
        { type: 'cache-recovered', operation: 'read recommendations' },
        expect.objectContaining({ type: 'cache-error', operation: 'pointer' }),
      ]),
    );
    // Unused for long: the read waits for the lookup, and gets its error.
    now += 5000;
    await expect(reader.read(plans.recommend, 'c2', 1, {})).rejects.toThrow(/READONLY/);
    // writeBack and guard reject alike.
    now += 5000;
    modes.clear();
    await reader.read(plans.recommend, 'c2', 1, {});
    modes.set('rec:c9', 'fail');
    await expect(reader.writeBack('recommendations', 'c9', ranked('x'))).rejects.toThrow(/READONLY/);
    now += 5000;
    await expect(reader.guard('custom', () => Promise.reject(new Error('boom')))).rejects.toThrow(/boom/);
  });

  it('rejects the read whose event onEvent failed on, and the read whose hit or miss throws, instead of hanging', async () => {
    const inner = createMemoryCache();
    await publish(inner, ranked('a'));
    await inner.set(cacheKeys('shop').value(1, 'recommendations', 'bad'), Buffer.from('foreign'));
    const loud = createCacheReader({
      store: inner,
      namespace: 'shop',
      onEvent: () => {
        throw new Error('logger down');
      },
    });
    await expect(loud.read(plansOf(loud).recommend, 'bad', 1, {})).rejects.toThrow(/logger down/);
    const reader = createCacheReader({ store: inner, namespace: 'shop' });
    const thrower = (): never => {
      throw new Error('plan bug');
    };
    const hitThrows = reader.plan({
      kind: 'recommendations',
      decode: decodeRankedEntries,
      hit: thrower,
      miss: thrower,
    });
    await expect(reader.read(hitThrows, 'c1', 1, {})).rejects.toThrow(/plan bug/);
    let answer: Promise<unknown> | undefined;
    expect(() => {
      answer = reader.read(hitThrows, 'nobody', 1, {}); // a synchronous throw from miss is a rejection too
    }).not.toThrow();
    await expect(answer).rejects.toThrow(/plan bug/);
    const empty = createCacheReader({ store: inner, namespace: 'empty' });
    const emptyPlan = empty.plan({ kind: 'list', decode: decodeRankedEntries, hit: thrower, miss: thrower });
    await expect(empty.read(emptyPlan, 'top', 1, {})).rejects.toThrow(/plan bug/);
  });

  it('writeBack writes into the current version only, with writeBackTtlMs, and the next read hits it', async () => {
    let clock = 0;
    const inner = createMemoryCache({ now: () => clock });
    const { store, calls } = scriptedStore(inner);
    const events: CacheReadEvent[] = [];
    const reader = createCacheReader({
      store,
      namespace: 'shop',
      writeBackTtlMs: 1000,
      onEvent: (e) => events.push(e),
    });
    const plans = plansOf(reader);
    const computed: RankedItems = {
      ids: ['x', 'y'],
      scores: Float32Array.of(2, 1),
      because: [[{ source: 'als' }], [{ source: 'bought-together', item: '__proto__' }]],
    };
    // No version known, then none published: nothing is written, no version is made.
    await reader.writeBack('recommendations', 'c9', computed);
    await reader.read(plans.recommend, 'c9', 1, {});
    expect(reader.version).toBeNull();
    await reader.writeBack('recommendations', 'c9', computed);
    expect(calls.filter((c) => c.startsWith('set'))).toEqual([]);
    expect(inner.stats().entries).toBe(0);

    await publish(inner, ranked('a'));
    reader.switched(1);
    await reader.writeBack('recommendations', 'c9', computed);
    await reader.writeBack('list', { name: 'top', category: 'hats' }, computed);
    expect(calls.filter((c) => c.startsWith('set'))).toEqual(['set #shop:v1:rec:c9', 'set #shop:v1:list:top:hats']);
    const bytes = await inner.get(cacheKeys('shop').value(1, 'recommendations', 'c9'));
    const back = bytes === null ? null : decodeCacheValue('recommendations', bytes);
    expect(back?.ok && back.value.because).toEqual(computed.because);
    expect(await reader.read(plans.recommend, 'c9', 2, {})).toEqual({ source: 'cache', version: 1, items: ['x', 'y'] });
    expect(await reader.read(plans.list, { name: 'top', category: 'hats' }, 1, {})).toMatchObject({ items: ['x'] });
    clock += 1000; // its time to live: gone, the published values stay
    expect(await reader.read(plans.recommend, 'c9', 1, {})).toMatchObject({ source: 'miss' });
    expect(await reader.read(plans.recommend, 'c1', 1, {})).toMatchObject({ source: 'cache' });
    // The store failing: reported, never rejected under 'fallback'.
    const failing = scriptedStore(inner);
    const other = createCacheReader({ store: failing.store, namespace: 'shop', onEvent: (e) => events.push(e) });
    other.switched(1);
    failing.state.mode = 'fail';
    events.length = 0;
    await expect(other.writeBack('together', 'i9', computed)).resolves.toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'write together' })]);
    // writeBackTtlMs 0: nothing.
    const off = scriptedStore(inner);
    const noWrites = createCacheReader({ store: off.store, namespace: 'shop', writeBackTtlMs: 0 });
    noWrites.switched(1);
    await noWrites.writeBack('together', 'i9', computed);
    expect(off.calls).toEqual([]);
    // Bad arguments reject (INVALID_ARGUMENT) whether or not anything would be written.
    const badCalls: [unknown, unknown, unknown][] = [
      ['model', 'als', computed],
      ['together', 7, computed],
      ['together', 'i9', { ids: ['a'], scores: [1] }],
      ['together', 'i9', { ids: ['a'], scores: Float32Array.of(1), because: [[{ source: '' }]] }],
    ];
    for (const r of [reader, noWrites]) {
      for (const [kind, id, value] of badCalls) {
        await expect(r.writeBack(kind as never, id as never, value as never)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
    }
  });

  it('guard runs any store call under the deadline and the circuit breaker', async () => {
    let now = 4_000_000;
    const events: CacheReadEvent[] = [];
    const reader = createCacheReader({
      store: createMemoryCache(),
      now: () => now,
      retryAfterMs: 100,
      timeoutMs: 20,
      onEvent: (e) => events.push(e),
    });
    expect(await reader.guard('read models', async () => 42)).toBe(42);
    expect(
      await reader.guard('read models', () => {
        throw new Error('threw');
      }),
    ).toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ type: 'cache-error', operation: 'read models' })]);
    const skipped = vi.fn(async () => 1);
    expect(await reader.guard('read models', skipped)).toBeUndefined();
    expect(skipped).not.toHaveBeenCalled();
    now += 100;
    expect(await reader.guard('read models', () => new Promise<number>(() => undefined))).toBeUndefined();
    expect(errorOf(events.at(-1))?.message).toMatch(/read models took over 20 ms/);
    now += 100;
    expect(await reader.guard('ping', async () => 'pong')).toBe('pong');
    expect(events.at(-1)).toEqual({ type: 'cache-recovered', operation: 'ping' });
    for (const [operation, call] of [
      [7, async () => 1],
      ['op', 'call'],
    ] as const) {
      await expect(reader.guard(operation as never, call as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('serves list ids and hostile customer ids under their own keys', async () => {
    const inner = createMemoryCache();
    const ids = ['__proto__', 'constructor', 'a:b', 'ü:🛒', ''];
    await publishVersion(inner, 'shop', async (p) => {
      for (const [i, id] of ids.entries()) await p.put('recommendations', id, ranked(`item-${i}`));
      await p.put('list', 'a:b', ranked('name-only'));
      await p.put('list', { name: 'a', category: 'b' }, ranked('name-and-category'));
    });
    const reader = createCacheReader({ store: inner, namespace: 'shop' });
    const plans = plansOf(reader);
    for (const [i, id] of ids.entries()) {
      expect(await reader.read(plans.recommend, id, 1, {})).toMatchObject({ items: [`item-${i}`] });
    }
    const byName = await reader.read(plans.list, 'a:b', 1, {});
    const byCategory = await reader.read(plans.list, { name: 'a', category: 'b' } as ListId, 1, {});
    expect([byName.items, byCategory.items]).toEqual([['name-only'], ['name-and-category']]);
  });
});
