import { invalidArgument } from '@encore/core';
import type { CacheStore } from '../store.js';

const METHODS = ['get', 'mget', 'set', 'delete', 'transact', 'deletePrefix', 'expirePrefix', 'close'] as const;

/** A CacheStore (anything with its methods); throws INVALID_ARGUMENT. */
export function checkStore(where: string, store: unknown): CacheStore {
  const s = store as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || METHODS.some((m) => typeof s[m] !== 'function')) {
    throw invalidArgument(where, `store must be a CacheStore (${METHODS.join(', ')})`, store);
  }
  return store as CacheStore;
}
