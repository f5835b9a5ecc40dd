import { describe, expect, it } from 'vitest';
import { decodeCacheValue } from './envelope.js';
import { cacheKeys } from './keyspace.js';
import { createMemoryCache, DEFAULT_MEMORY_CACHE_OPTIONS } from './memory-cache.js';
import { publishVersion } from './publish.js';
import { currentVersion } from './reader.js';

const b = (text: string): Buffer => Buffer.from(text);

/** What `entryBytes` charges for a key and a value (96 bytes of bookkeeping + UTF-16 key + value). */
const charged = (key: string, value: number): number => 96 + 2 * key.length + value;

describe('MemoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries (a read counts as a use)', async () => {
    const store = createMemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.set(key, b(key));
    await store.get('a');
    await store.set('d', b('d'));
    expect((await store.mget(['a', 'b', 'c', 'd'])).map((v) => v?.toString() ?? null)).toEqual(['a', null, 'c', 'd']);
    expect(store.stats()).toEqual({ entries: 3, bytes: 3 * charged('a', 1), evictions: 1 });
  });

  it('evicts beyond maxBytes, and never evicts pinned entries', async () => {
    const store = createMemoryCache({ maxBytes: 3 * charged('k1', 10) });
    await store.set('p1', Buffer.alloc(10), { pinned: true });
    for (const key of ['k1', 'k2', 'k3']) await store.set(key, Buffer.alloc(10));
    expect(await store.get('k1')).toBeNull();
    expect(await store.get('p1')).not.toBeNull();
    // Pinned entries alone may go beyond the bound: coordination keys are never dropped.
    await store.set('p2', Buffer.alloc(10), { pinned: true });
    await store.set('p3', Buffer.alloc(10), { pinned: true });
    expect(await store.mget(['p1', 'p2', 'p3', 'k2', 'k3'])).toEqual([
      Buffer.alloc(10),
      Buffer.alloc(10),
      Buffer.alloc(10),
      null,
      null,
    ]);
    // Re-setting a key as unpinned moves it back into the LRU.
    await store.set('p1', b('x'));
    expect(store.stats().entries).toBe(3);
  });

  it('rejects with LIMIT_EXCEEDED an entry bigger than maxBytes, writing nothing of its transact', async () => {
    const store = createMemoryCache({ maxBytes: 1000 });
    await expect(store.set('big', Buffer.alloc(1000))).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await expect(
      store.transact(
        [],
        [
          { key: 'small', value: b('s') },
          { key: 'big', value: Buffer.alloc(2000) },
        ],
      ),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(await store.get('small')).toBeNull();
  });

  it('expires on its injected clock; an expired key neither matches a condition nor counts', async () => {
    let now = 0;
    const store = createMemoryCache({ now: () => now });
    await store.set('t', b('v'), { ttlMs: 10 });
    await store.set('p:1', b('v'), { ttlMs: 10 });
    now = 9;
    expect(await store.get('t')).not.toBeNull();
    now = 10;
    expect(await store.get('t')).toBeNull();
    expect(await store.transact([{ key: 'p:1', equals: null }], [])).toBe(true);
    expect(await store.expirePrefix('p:', 5)).toBe(0);
    expect(await store.deletePrefix('p:')).toBe(0);
    expect(store.stats().entries).toBe(0);
  });

  it('a store smaller than the data turns values into misses, never into another version', async () => {
    const store = createMemoryCache({ maxEntries: 40 });
    const value = (v: number) => ({ ids: [`v${v}`], scores: Float32Array.of(v) });
    for (let round = 0; round < 3; round++) {
      await publishVersion(store, 'shop', async (p) => {
        for (let c = 0; c < 100; c++) await p.put('recommendations', `c${c}`, value(p.version));
      });
    }
    const version = await currentVersion(store, 'shop');
    expect(version).toBe(3);
    const keys = cacheKeys('shop');
    const values = await store.mget(Array.from({ length: 100 }, (_, c) => keys.value(3, 'recommendations', `c${c}`)));
    const hits = values.filter((bytes) => bytes !== null); // the others: absent
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThan(100);
    for (const bytes of hits) {
      const decoded = decodeCacheValue('recommendations', bytes);
      expect(decoded.ok && decoded.value.ids).toEqual(['v3']);
    }
  });

  it('validates its options once, at creation', () => {
    expect(DEFAULT_MEMORY_CACHE_OPTIONS).toMatchObject({ maxEntries: 1_000_000, maxBytes: 256 * 1024 * 1024 });
    expect(Object.isFrozen(DEFAULT_MEMORY_CACHE_OPTIONS)).toBe(true);
    for (const options of [{ maxEntries: 0 }, { maxBytes: 1.5 }, { now: 5 }, { maxentries: 3 }]) {
      expect(() => createMemoryCache(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
