import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A redis-server of a test's own, to kill or stop (fault tests): never the shared one. */
export interface ThrowawayRedis {
  readonly url: string;
  readonly port: number;
  /** Sends `signal` (default SIGKILL: Redis dies as in a crash); returns at once, before it has exited. */
  signal(signal?: NodeJS.Signals): void;
  /** Resolves once the process has exited (kill it first). */
  readonly exited: Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port, with no persistence, and resolves once it answers
 * PING. Rejects, with how to get one, when redis-server is not installed (the fault tests need a
 * Redis they may kill; they never touch the shared one).
 */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const failed = new Promise<Error>((done) => {
      child.once('error', (error) => done(error));
      child.once('exit', (code, signal) => done(new Error(`redis-server exited (${signal ?? code}) on port ${port}`)));
    });
    const wait = { over: false };
    const answered = waitForPing(port, wait).then(
      () => null,
      (error: Error) => error,
    );
    const outcome = await Promise.race([answered, failed]);
    wait.over = true;
    if (outcome === null) {
      return { url: `redis://127.0.0.1:${port}`, port, signal: (s = 'SIGKILL') => child.kill(s), exited };
    }
    child.kill('SIGKILL');
    if ((outcome as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'redis-server not found on PATH: the fault tests start and kill a Redis of their own (install Redis 7, as CI has it)',
      );
    }
    if (attempt === 3) throw outcome; // the port was taken between freePort and redis-server's bind, thrice
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

/** PINGs `port` until it answers (or `wait.over`: the server failed meanwhile). */
async function waitForPing(port: number, wait: { readonly over: boolean }): Promise<void> {
  for (let i = 0; i < 100 && !wait.over; i++) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      await sleep(20);
    }
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 2 s`);
}
