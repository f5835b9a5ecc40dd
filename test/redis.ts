import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Redis for tests (see DEVELOPERS.md, "Redis in tests"): `ENCORE_REDIS_URL`, else the local
 * Redis 7 at 127.0.0.1:6379. Tests never FLUSHALL / FLUSHDB: each run writes under its own key
 * prefix and deletes only that prefix's keys. No reachable Redis fails the tests, with how to fix it.
 */
export const REDIS_URL = process.env.ENCORE_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const NO_REDIS_HELP =
  `no Redis reachable at ${REDIS_URL}. Start one with ` +
  '`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`, ' +
  'or point ENCORE_REDIS_URL at one (tests write only under their own key prefix). See DEVELOPERS.md.';

/** A connected client that fails fast (no endless reconnects); rejects with NO_REDIS_HELP when unreachable. */
export async function connectTestRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // reported through the failing command instead
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`${NO_REDIS_HELP} (${(error as Error).message})`);
  }
  return client;
}

/** A key prefix no other run uses: `encore-test:{label}:{pid}-{time}-{random}:`. */
export function uniquePrefix(label: string): string {
  return `encore-test:${label}:${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`;
}

/** Escapes Redis glob characters, so a prefix matches only itself in a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** The keys under `prefix` (SCAN; binary-safe keys returned as latin1 strings are not needed here). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Deletes this run's keys, and only them: SCAN the prefix, UNLINK what it finds. */
export async function deleteUnder(client: Redis, prefix: string): Promise<number> {
  if (!prefix.startsWith('encore-test:')) throw new Error(`refusing to delete keys outside encore-test: (${prefix})`);
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scanBuffer(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next.toString();
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
