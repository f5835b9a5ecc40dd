import { EncoreError, ErrorCode } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { type CacheMissReason, type CacheValues, decodeCacheValue, type RankedItems } from './envelope.js';
import { type CacheIds, type CacheKind, cacheKeys } from './keyspace.js';
import { createMemoryCache } from './memory-cache.js';
import {
  beginPublish,
  DEFAULT_PUBLISH_OPTIONS,
  publishVersion,
  resolvePublishOptions,
  sweepNamespace,
} from './publish.js';
import { currentVersion } from './reader.js';
import type { CacheStore } from './store.js';

const items = (tag: string): RankedItems => ({ ids: [tag], scores: Float32Array.of(1) });

/**
 * The value of `id` in namespace 'shop' at `pinned` (default: the current version), as a reader
 * finds it: the version read, and the decoded value or why there is none.
 */
async function readValue<K extends CacheKind>(
  store: CacheStore,
  kind: K,
  id: CacheIds[K],
  pinned?: number,
): Promise<{ version: number | null; value: CacheValues[K] | null; reason: CacheMissReason | null }> {
  const version = pinned ?? (await currentVersion(store, 'shop'));
  if (version === null) return { version, value: null, reason: 'unpublished' };
  const bytes = await store.get(cacheKeys('shop').value(version, kind, id));
  if (bytes === null) return { version, value: null, reason: 'absent' };
  const decoded = decodeCacheValue(kind, bytes);
  return decoded.ok
    ? { version, value: decoded.value, reason: null }
    : { version, value: null, reason: decoded.reason };
}

/** A store that fails the named method while `failing` is set (everything else goes to `inner`). */
function flaky(inner: CacheStore, method: keyof CacheStore) {
  const state = { failing: false };
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === method && state.failing) {
          return Promise.reject(new EncoreError(ErrorCode.IO_ERROR, `test: ${String(method)} failed`));
        }
        return value.apply(target, args);
      };
    },
  });
  return { store, state };
}

describe('versioned publish (on MemoryCache)', () => {
  it('has frozen defaults and validates options once', () => {
    expect(DEFAULT_PUBLISH_OPTIONS).toEqual({
      leaseMs: 60_000,
      lockWaitMs: 0,
      graceMs: 60_000,
      batchSize: 1000,
      maxInFlight: 4,
    });
    expect(Object.isFrozen(DEFAULT_PUBLISH_OPTIONS)).toBe(true);
    expect(resolvePublishOptions('w', { graceMs: 0 })).toMatchObject({ graceMs: 0, leaseMs: 60_000 });
    for (const bad of [{ leaseMs: 0 }, { graceMs: -1 }, { batchSize: 0 }, { maxInFlight: 2.5 }, { lease: 1 }]) {
      expect(() => resolvePublishOptions('w', bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('putMany writes in batches; the last put of an id wins; written counts acknowledged values', async () => {
    const store = createMemoryCache();
    const p = await beginPublish(store, 'shop', { batchSize: 3, maxInFlight: 1 });
    await p.putMany(
      'together',
      Array.from({ length: 10 }, (_, i) => [`sku-${i}`, items(`first-${i}`)] as const),
    );
    await p.put('together', 'sku-0', items('second'));
    const result = await p.commit();
    expect(result).toMatchObject({ version: 1, written: 11, previous: null, swept: [] });
    const read = await readValue(store, 'together', 'sku-0');
    expect(read.value?.ids).toEqual(['second']);
    await expect(p.commit()).rejects.toMatchObject({ code: 'IO_ERROR', details: { reason: 'closed' } });
    await p.abort(); // a no-op once committed
    expect(await currentVersion(store, 'shop')).toBe(1);
  });

  it('deletes a replaced version at once with graceMs 0', async () => {
    const store = createMemoryCache();
    await publishVersion(store, 'shop', async (p) => p.put('model', 'als', { v: 1 }));
    await publishVersion(store, 'shop', async (p) => p.put('model', 'als', { v: 2 }), { graceMs: 0 });
    expect(await readValue(store, 'model', 'als', 1)).toMatchObject({ reason: 'absent' });
    expect(await readValue(store, 'model', 'als')).toMatchObject({ version: 2, value: { v: 2 } });
    expect(store.stats().entries).toBe(3); // pointer, state, v2's one value
  });

  it('never reuses a version number, even if the bookkeeping was lost', async () => {
    const store = createMemoryCache();
    for (let i = 0; i < 3; i++) await publishVersion(store, 'shop', async (p) => p.put('model', 'm', { i }));
    await store.delete(cacheKeys('shop').state);
    const p = await beginPublish(store, 'shop');
    expect(p.version).toBe(4);
    await p.abort();
  });

  it('refuses bookkeeping it did not write (CACHE_FORMAT) and leaves the lock free', async () => {
    const store = createMemoryCache();
    await store.set(cacheKeys('shop').state, Buffer.from('{"seq":"x"}'), { pinned: true });
    await expect(beginPublish(store, 'shop')).rejects.toMatchObject({ code: 'CACHE_FORMAT' });
    expect(await store.get(cacheKeys('shop').lock)).toBeNull();
  });

  it('a store failure during the switch rejects, keeps the current version and cleans the new one', async () => {
    const { store, state } = flaky(createMemoryCache(), 'transact');
    await publishVersion(store, 'shop', async (p) => p.put('list', 'top', items('v1')));
    const p = await beginPublish(store, 'shop', { batchSize: 100 });
    await p.put('list', 'top', items('v2'));
    state.failing = true; // the buffered batch and the switch both fail
    await expect(p.commit()).rejects.toMatchObject({ code: 'IO_ERROR' });
    state.failing = false;
    expect(await currentVersion(store, 'shop')).toBe(1);
    const read = await readValue(store, 'list', 'top');
    expect(read.value?.ids).toEqual(['v1']);
    // The lock could not be released (transact failed): the next publish waits out the lease or, here,
    // the test releases it by hand; then the failed version is swept.
    await store.delete(cacheKeys('shop').lock);
    const next = await beginPublish(store, 'shop');
    expect(next.swept).toEqual([2]);
    await next.abort();
  });

  it('a switch whose answer is lost still commits, and never deletes what is now current', async () => {
    const inner = createMemoryCache();
    const pointer = cacheKeys('shop').current;
    // 'lose': the switch is applied but its answer lost; 'blind': and the next read fails too.
    let fault: 'none' | 'lose' | 'blind' = 'none';
    let failReads = 0;
    const store = new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'transact') {
          return async (...args: Parameters<CacheStore['transact']>) => {
            const applied = await target.transact(...args);
            const switching = args[1].some((w) => w.key === pointer);
            if (switching && fault !== 'none') {
              failReads = fault === 'blind' ? 1 : 0;
              fault = 'none';
              throw new EncoreError(ErrorCode.IO_ERROR, 'timeout');
            }
            return applied;
          };
        }
        if (property === 'get') {
          return async (key: string) => {
            if (failReads > 0 && failReads--) throw new EncoreError(ErrorCode.IO_ERROR, 'timeout');
            return target.get(key);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as CacheStore;
    fault = 'lose';
    const first = await publishVersion(store, 'shop', async (p) => p.put('list', 'top', items('v1')));
    expect(first).toMatchObject({ version: 1, cleanupError: null });
    // Lost answer, and the look at the pointer fails too: commit rejects, yet v2 is current and whole.
    fault = 'blind';
    await expect(publishVersion(store, 'shop', async (p) => p.put('list', 'top', items('v2')))).rejects.toMatchObject({
      code: 'IO_ERROR',
    });
    const read = await readValue(store, 'list', 'top');
    expect([read.version, read.value?.ids]).toEqual([2, ['v2']]);
  });

  it('a cleanup failure after the switch still commits; the next publish retires the old version', async () => {
    let now = 0;
    const { store, state } = flaky(createMemoryCache({ now: () => now }), 'expirePrefix');
    await publishVersion(store, 'shop', async (p) => p.put('list', 'top', items('v1')));
    state.failing = true;
    const result = await publishVersion(store, 'shop', async (p) => p.put('list', 'top', items('v2')), {
      graceMs: 100,
    });
    expect(result.version).toBe(2);
    expect(result.cleanupError).toMatchObject({ code: 'IO_ERROR' });
    expect(await store.get(cacheKeys('shop').lock)).toBeNull();
    state.failing = false;
    const swept = await sweepNamespace(store, 'shop', { graceMs: 100 });
    expect(swept).toEqual({ swept: [], retired: [1] });
    now += 101;
    expect(await readValue(store, 'list', 'top', 1)).toMatchObject({ reason: 'absent' });
    const current = await readValue(store, 'list', 'top');
    expect(current.value?.ids).toEqual(['v2']);
  });

  it('abort waits for a commit in progress instead of undoing it', async () => {
    const store = createMemoryCache();
    const p = await beginPublish(store, 'shop');
    await p.put('model', 'm', { a: 1 });
    const committing = p.commit();
    await p.abort();
    expect((await committing).version).toBe(1);
    expect(await currentVersion(store, 'shop')).toBe(1);
  });

  it('publishVersion rejects a writer that is not a function', async () => {
    await expect(publishVersion(createMemoryCache(), 'shop', 'nope' as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
