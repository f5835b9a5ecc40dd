import { checkInteger, checkOptions, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import { type CacheMissReason, type CacheValues, decodeCacheValue } from './envelope.js';
import { checkStore } from './internal/check-store.js';
import { parseVersion } from './internal/namespace-state.js';
import { type CacheIds, type CacheKeys, type CacheKind, cacheKeys, valueKeyPart } from './keyspace.js';
import type { CacheStore } from './store.js';

/**
 * A read: the value and the version it came from, or a miss with a typed reason (`detail` is for
 * logs, not for branching). `version` is null when no version was resolved.
 */
export type CacheRead<T> =
  | { readonly hit: true; readonly value: T; readonly version: number }
  | {
      readonly hit: false;
      readonly reason: CacheMissReason;
      readonly version: number | null;
      readonly detail: string;
    };

/** Options of {@link readCurrent} and {@link readCurrentMany}. */
export interface ReadOptions {
  /**
   * Read this version instead of resolving the pointer: pin one version from
   * {@link currentVersion} to read several kinds consistently. A version replaced more than the
   * publish's `graceMs` ago reads as 'absent'. Default: the current version.
   */
  readonly version?: number;
}

/**
 * The current version of `namespace`, null when nothing was published yet. Rejects with
 * INVALID_ARGUMENT (bad store or namespace), CACHE_FORMAT when the pointer is not a version
 * number, IO_ERROR from the store.
 *
 * @example
 * const version = await currentVersion(store, 'shop-1'); // 7
 */
export async function currentVersion(store: CacheStore, namespace: string): Promise<number | null> {
  const where = 'cache/currentVersion';
  checkStore(where, store);
  const keys = keysOf(namespace);
  const resolved = await resolve(store, keys, {});
  if ('version' in resolved) return resolved.version;
  if (resolved.miss.reason === 'unpublished') return null;
  throw new EncoreError(ErrorCode.CACHE_FORMAT, `${where}: ${resolved.miss.detail}`, { key: keys.current });
}

/**
 * Reads one value of the current version of `namespace`: resolves the pointer, then reads the
 * value under that version (two reads; a replaced version stays readable for the publish's
 * `graceMs`, so a read that straddles a switch still finds its value). A corrupt or foreign value
 * is a miss with a reason, never a wrong value. Rejects with INVALID_ARGUMENT (bad store,
 * namespace, kind, id or options) and IO_ERROR from the store.
 *
 * @example
 * const read = await readCurrent(store, 'shop-1', 'recommendations', 'cust-42');
 * if (read.hit) show(read.value.ids);
 * else if (read.reason === 'absent') showBestSellers();
 */
export async function readCurrent<K extends CacheKind>(
  store: CacheStore,
  namespace: string,
  kind: K,
  id: CacheIds[K],
  options: ReadOptions = {},
): Promise<CacheRead<CacheValues[K]>> {
  const where = 'cache/readCurrent';
  checkStore(where, store);
  const keys = keysOf(namespace);
  const part = valueKeyPart(where, kind, id);
  const { version: pinned } = checkReadOptions(where, options);
  // A pinned version (a caller that keeps the pointer, as the engine does) is one read, one await.
  if (pinned !== undefined) return toRead(kind, pinned, await store.get(keys.versionPrefix(pinned) + part));
  const resolved = await resolve(store, keys, {});
  if (!('version' in resolved)) return resolved.miss;
  const bytes = await store.get(keys.versionPrefix(resolved.version) + part);
  return toRead(kind, resolved.version, bytes);
}

/**
 * Reads the values of many ids of one kind from one version (the pointer is resolved once, the
 * values read in one MGET), in the order of `ids`. Rejects as {@link readCurrent}.
 *
 * @example
 * const reads = await readCurrentMany(store, 'shop-1', 'together', ['sku-1', 'sku-2']);
 */
export async function readCurrentMany<K extends CacheKind>(
  store: CacheStore,
  namespace: string,
  kind: K,
  ids: readonly CacheIds[K][],
  options: ReadOptions = {},
): Promise<CacheRead<CacheValues[K]>[]> {
  const where = 'cache/readCurrentMany';
  checkStore(where, store);
  const keys = keysOf(namespace);
  if (!Array.isArray(ids)) throw invalidArgument(where, 'ids must be an array', ids);
  const parts = ids.map((id) => valueKeyPart(where, kind, id));
  const resolved = await resolve(store, keys, checkReadOptions(where, options));
  if (!('version' in resolved)) return ids.map(() => resolved.miss);
  const { version } = resolved;
  const prefix = keys.versionPrefix(version);
  const values = await store.mget(parts.map((part) => prefix + part));
  return values.map((bytes) => toRead(kind, version, bytes ?? null));
}

type Miss = Extract<CacheRead<unknown>, { hit: false }>;

/** The keys of the namespace read last: a server reads one (or a few) namespaces, every request. */
let lastKeys: CacheKeys | null = null;

/** `cacheKeys(namespace)` (which throws INVALID_ARGUMENT for a bad one), built once per namespace in a row. */
function keysOf(namespace: string): CacheKeys {
  const last = lastKeys;
  if (last !== null && last.namespace === namespace) return last;
  const keys = cacheKeys(namespace);
  lastKeys = keys;
  return keys;
}

async function resolve(
  store: CacheStore,
  keys: CacheKeys,
  options: ReadOptions,
): Promise<{ version: number } | { miss: Miss }> {
  if (options.version !== undefined) return { version: options.version };
  const pointer = await store.get(keys.current);
  if (pointer === null) {
    const detail = `namespace ${JSON.stringify(keys.namespace)} has no published version`;
    return { miss: { hit: false, reason: 'unpublished', version: null, detail } };
  }
  const version = parseVersion(pointer);
  if (version === null) {
    const detail = `${keys.current} holds ${JSON.stringify(pointer.toString('latin1').slice(0, 40))}, not a version number`;
    return { miss: { hit: false, reason: 'corrupt', version: null, detail } };
  }
  return { version };
}

function toRead<K extends CacheKind>(kind: K, version: number, bytes: Buffer | null): CacheRead<CacheValues[K]> {
  if (bytes === null)
    return { hit: false, reason: 'absent', version, detail: `no ${kind} value in version ${version}` };
  const decoded = decodeCacheValue(kind, bytes);
  if (decoded.ok) return { hit: true, value: decoded.value, version };
  return { hit: false, reason: decoded.reason, version, detail: decoded.detail };
}

function checkReadOptions(where: string, options: unknown): ReadOptions {
  const o = checkOptions(where, options ?? {}, ['version']);
  return o.version === undefined ? {} : { version: checkInteger(where, 'version', o.version, 1) };
}
