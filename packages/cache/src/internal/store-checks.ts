import { checkInteger, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import type { CacheCondition, CacheReceiver, CacheSetOptions, CacheWrite } from '../store.js';

/** Boundary checks shared by both stores; each throws INVALID_ARGUMENT (stores call them inside async methods). */

export function checkKey(where: string, key: unknown, name = 'key'): string {
  if (typeof key !== 'string' || key === '') throw invalidArgument(where, `${name} must be a non-empty string`, key);
  return key;
}

/** Throws INVALID_ARGUMENT unless `receiver` has resolve and reject methods (getTo's only synchronous throw). */
export function checkReceiver(where: string, receiver: unknown): void {
  const r = receiver as Partial<CacheReceiver> | null;
  if (typeof r !== 'object' || r === null || typeof r.resolve !== 'function' || typeof r.reject !== 'function') {
    throw invalidArgument(where, 'receiver must have resolve(value) and reject(error) methods', receiver);
  }
}

export function checkKeys(where: string, keys: unknown): readonly string[] {
  if (typeof keys === 'string') return [checkKey(where, keys)];
  if (!Array.isArray(keys)) throw invalidArgument(where, 'keys must be a string or an array of strings', keys);
  for (let i = 0; i < keys.length; i++) checkKey(where, keys[i], `keys[${i}]`);
  return keys as readonly string[];
}

export function checkBytes(where: string, value: unknown, name = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalidArgument(where, `${name} must be a Buffer or Uint8Array`, value);
  return value;
}

export function checkPrefix(where: string, prefix: unknown): string {
  return checkKey(where, prefix, 'prefix');
}

export function checkTtl(where: string, ttlMs: unknown, name = 'ttlMs'): number {
  return checkInteger(where, name, ttlMs, 1);
}

export interface ResolvedSet {
  readonly ttlMs: number | undefined;
  readonly pinned: boolean;
}

export function checkSetOptions(where: string, options: unknown): ResolvedSet {
  if (options === undefined) return { ttlMs: undefined, pinned: false };
  if (typeof options !== 'object' || options === null)
    throw invalidArgument(where, 'options must be an object', options);
  const { ttlMs, pinned } = options as CacheSetOptions;
  if (pinned !== undefined && typeof pinned !== 'boolean') {
    throw invalidArgument(where, 'pinned must be a boolean', pinned);
  }
  return { ttlMs: ttlMs === undefined ? undefined : checkTtl(where, ttlMs), pinned: pinned === true };
}

export function checkConditions(where: string, conditions: unknown): readonly CacheCondition[] {
  if (!Array.isArray(conditions)) throw invalidArgument(where, 'conditions must be an array', conditions);
  for (const c of conditions as CacheCondition[]) {
    if (typeof c !== 'object' || c === null) throw invalidArgument(where, 'a condition must be { key, equals }', c);
    checkKey(where, c.key, 'condition key');
    if (c.equals !== null) checkBytes(where, c.equals, 'condition equals');
  }
  return conditions as readonly CacheCondition[];
}

export function checkWrites(where: string, writes: unknown): readonly CacheWrite[] {
  if (!Array.isArray(writes)) throw invalidArgument(where, 'writes must be an array', writes);
  for (const w of writes as CacheWrite[]) {
    if (typeof w !== 'object' || w === null) throw invalidArgument(where, 'a write must be { key, value }', w);
    checkKey(where, w.key, 'write key');
    if (w.value !== null) checkBytes(where, w.value, 'write value');
    checkSetOptions(where, w);
  }
  return writes as readonly CacheWrite[];
}

export function closedError(where: string): EncoreError {
  return new EncoreError(ErrorCode.IO_ERROR, `${where}: the store is closed, expected an open store`, {
    reason: 'closed',
  });
}
