import { invalidArgument } from '@encore/core';
import type { CacheStore } from '../store.js';

const METHODS = ['get', 'mget', 'set', 'delete', 'transact', 'deletePrefix', 'expirePrefix', 'close'] as const;

/** Stores already checked: a read checks its store on every call, and most calls pass the same one. */
const checked = new WeakSet<object>();

/** A CacheStore (anything with its methods); throws INVALID_ARGUMENT. */
export function checkStore(where: string, store: unknown): CacheStore {
  if (typeof store === 'object' && store !== null && checked.has(store)) return store as CacheStore;
  const s = store as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || METHODS.some((m) => typeof s[m] !== 'function')) {
    throw invalidArgument(where, `store must be a CacheStore (${METHODS.join(', ')})`, store);
  }
  checked.add(s);
  return store as CacheStore;
}
