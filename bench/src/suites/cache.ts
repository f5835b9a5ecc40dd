import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  cacheKeys,
  connectRedisCache,
  createCacheReader,
  createMemoryCache,
  createRedisCache,
  decodeRankedEntries,
  encodeCacheValue,
  type RankedItems,
} from '@encore/cache';
import { type Catalog, type Csr, createRng } from '@encore/core';
import { createEngine, type Engine } from '@encore/engine';
import { type AlsModel, DEFAULT_ALS_PARAMS, type TrainedFactorModel } from '@encore/factorization';
import { publishContent } from '@encore/jobs';
import { Redis } from 'ioredis';
import { median } from '../measure.js';
import type { Figure } from '../record.js';

/**
 * Cache speed (issue 6) on the Redis at ENCORE_REDIS_URL (default the loopback one):
 *
 * - Read latency of a published customer's top-20 through the facade (`engine.recommend`), with
 *   CONCURRENCY requests in flight, next to a raw ioredis `getBuffer` of the very same key on a
 *   client made with the same options, in the same run: rounds of every variant alternate (their
 *   order rotating), each round reading the same random customers, so a noisy machine weighs on
 *   all of them alike. Between the two, the rungs the facade is built of (RedisCache.get, then
 *   the CacheReader read protocol without the facade), to see where the time goes; and the facade over a
 *   MemoryCache for reference. RedisCache sends the gets of one tick as one MGET (its
 *   `coalesceReads`), so two more references: RedisCache.get without it, and raw ioredis with
 *   its own batching (`enableAutoPipelining`: the commands of one tick in one write).
 *   Target: facade p50 and p99 ≤ 1.3× raw GET, p99 ≤ 1 ms.
 * - Bulk publish rate (customers/s) of `publishContent` (publishVersion: lock, fenced batches,
 *   atomic switch, retiring the previous version) next to pipelined SETs of the same encoded bytes
 *   (pipelines of PIPELINE, as `redis-benchmark -P`, as many in flight as the publisher's default),
 *   and the encoding alone. Each publish replaces the one before, whose keys are then deleted
 *   (untimed), as they would have expired between two nightly publishes: retiring a version SCANs
 *   the whole keyspace, so its cost depends on what else Redis holds (recorded).
 *
 * Everything is written under a key prefix of this run only and deleted at the end (SCAN + UNLINK
 * of that prefix; never FLUSHDB). Without a reachable Redis the suite fails, saying how to start one.
 */
const REDIS_URL = process.env.ENCORE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CUSTOMERS = 100_000;
const ITEMS = 4_000;
const FACTORS = 32;
const K = 20;
const CONCURRENCY = 64;
// Many short rounds, alternating: slow drifts of a shared machine weigh on every variant alike.
const ROUNDS = 50;
const READS_PER_ROUND = 4_000;
const PUBLISH_ROUNDS = 5;
const PIPELINE = 1000;
/** The publisher's default batches in flight (DEFAULT_PUBLISH_OPTIONS.maxInFlight). */
const PIPELINES_IN_FLIGHT = 4;
const NAMESPACE = 'bench-shop';
const TARGET_RATIO = 1.3;
const TARGET_P99_MS = 1;

interface Data {
  readonly customerIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly lists: readonly (readonly [string, RankedItems])[];
  readonly factors: TrainedFactorModel;
  readonly catalog: Catalog;
}

/**
 * Online Retail-like data: stock codes of five digits, some with a letter ('85123A', '22423'),
 * customer ids counted up from 12346 as that dataset's, and per customer a top-20 drawn with a
 * popularity skew, scores descending in a Float32Array. A random factor model over the same ids
 * gives the facade something to fall back to, as in production.
 */
function makeData(): Data {
  const rng = createRng(6);
  const codes = new Set<string>();
  while (codes.size < ITEMS) {
    const code = String(10000 + rng.int(90000));
    codes.add(rng.next() < 0.15 ? `${code}${String.fromCharCode(65 + rng.int(12))}` : code);
  }
  const itemIds = [...codes];
  const customerIds = Array.from({ length: CUSTOMERS }, (_, i) => String(12346 + i));
  const lists = customerIds.map((id): readonly [string, RankedItems] => {
    const picked = new Set<number>();
    while (picked.size < K) picked.add(Math.floor(ITEMS * rng.next() ** 2));
    const scores = new Float32Array(K);
    let score = 0.5 + rng.next() / 2;
    for (let r = 0; r < K; r++) {
      scores[r] = score;
      score -= rng.next() * 0.03;
    }
    return [id, { ids: Array.from(picked, (i) => itemIds[i] as string), scores }];
  });
  const userFactors = Float32Array.from({ length: CUSTOMERS * FACTORS }, () => rng.next() - 0.5);
  const itemFactors = Float32Array.from({ length: ITEMS * FACTORS }, () => rng.next() - 0.5);
  const seen: Csr = {
    rows: CUSTOMERS,
    cols: ITEMS,
    indptr: new Int32Array(CUSTOMERS + 1),
    indices: new Int32Array(0),
    data: new Float32Array(0),
    times: null,
  };
  const model: AlsModel = {
    algorithm: 'als',
    params: { ...DEFAULT_ALS_PARAMS, factors: FACTORS },
    factors: FACTORS,
    users: CUSTOMERS,
    items: ITEMS,
    userFactors,
    itemFactors,
    kernel: 'js',
    history: [],
  };
  const factors: TrainedFactorModel = { model, customerIds, itemIds, seen, weights: { purchase: 5 } };
  const catalog: Catalog = new Map(itemIds.map((id) => [id, { id, title: `ITEM ${id} T-LIGHT HOLDER` }]));
  return { customerIds, itemIds, lists, factors, catalog };
}

/**
 * The client connectRedisCache makes for serving, option for option (fail fast while disconnected,
 * one retry, reconnect with backoff): raw reads and the facade differ only in what runs above ioredis.
 */
async function servingClient(url: string, enableAutoPipelining = false): Promise<Redis> {
  const client = new Redis(url, {
    enableAutoPipelining,
    lazyConnect: true,
    connectTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw noRedis((error as Error).message);
  }
  return client;
}

function noRedis(why: string): Error {
  return new Error(
    `bench cache: no Redis reachable at ${REDIS_URL} (${why}). Start one with ` +
      '`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`, ' +
      'or point ENCORE_REDIS_URL at one (the suite writes only under its own key prefix and deletes it).',
  );
}

/** Deletes the keys under `prefix`, and only them: SCAN the prefix, UNLINK each page. */
async function deleteUnder(client: Redis, prefix: string): Promise<number> {
  if (!prefix.startsWith('encore-bench:'))
    throw new Error(`bench cache: refusing to delete outside encore-bench: (${prefix})`);
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next.toString();
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A read variant: one request for a customer; resolves false when the answer was not the cached list. */
interface Variant {
  readonly name: string;
  readonly read: (customer: string) => Promise<boolean>;
  latencies: Float64Array;
  filled: number;
  wallNs: number;
  /** Process CPU time (user + system) of the recorded rounds, µs: where the client is the bottleneck, the steadier figure. */
  cpuUs: number;
  wrong: number;
}

/**
 * One closed-loop round over `customers`: `concurrency` callers, each issuing its next request
 * when its last one answered; each request timed on its own (hrtime, ns).
 */
async function round(variant: Variant, customers: readonly string[], concurrency: number): Promise<void> {
  let next = 0;
  const base = variant.filled;
  const caller = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= customers.length) return;
      const start = process.hrtime.bigint();
      const right = await variant.read(customers[i] as string);
      variant.latencies[base + i] = Number(process.hrtime.bigint() - start);
      if (!right) variant.wrong++;
    }
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, caller));
  variant.wallNs += Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  variant.cpuUs += used.user + used.system;
  variant.filled += customers.length;
}

interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly min: number;
  readonly max: number;
  readonly perSecond: number;
  readonly cpuUsPerRead: number;
}

const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

function summarize(variant: Variant): LatencySummary {
  const sorted = variant.latencies.subarray(0, variant.filled).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return {
    p50: ms(at(0.5)),
    p90: ms(at(0.9)),
    p99: ms(at(0.99)),
    p999: ms(at(0.999)),
    min: ms(sorted[0] as number),
    max: ms(sorted[sorted.length - 1] as number),
    perSecond: Math.round(variant.filled / (variant.wallNs / 1e9)),
    cpuUsPerRead: Math.round((variant.cpuUs / variant.filled) * 100) / 100,
  };
}

/**
 * A young-generation collection, to start each round without the garbage the round before left
 * (else a variant's allocations are paid for in the next variant's latencies). `--expose-gc` set at
 * run time, so `node bench/dist/run.js` needs no flag; null where the runtime refuses.
 */
function youngCollector(): (() => void) | null {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as ((options?: { type: 'minor' | 'major' }) => void) | undefined;
  return typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
}

/** Runs every variant ROUNDS times, rotating their order; one unrecorded warm-up round each first. */
async function readLatencies(
  variants: readonly Variant[],
  customerIds: readonly string[],
  log: (line: string) => void,
) {
  const rng = createRng(7);
  const collect = youngCollector();
  const pick = (): string[] =>
    Array.from({ length: READS_PER_ROUND }, () => customerIds[rng.int(customerIds.length)] as string);
  const warmup = pick();
  for (const v of variants) {
    await round(v, warmup, CONCURRENCY);
    v.filled = 0;
    v.wallNs = 0;
    v.cpuUs = 0;
    v.wrong = 0;
  }
  for (let r = 0; r < ROUNDS; r++) {
    const customers = pick();
    for (let j = 0; j < variants.length; j++) {
      collect?.();
      await round(variants[(r + j) % variants.length] as Variant, customers, CONCURRENCY);
    }
    if ((r + 1) % 10 === 0) log(`cache: read round ${r + 1}/${ROUNDS} done`);
  }
}

function timed(name: string, runsMs: readonly number[], units: number, unit: string, extra: Figure['extra']): Figure {
  const medianMs = median(runsMs);
  return {
    name,
    medianMs: Math.round(medianMs * 1000) / 1000,
    minMs: Math.round(Math.min(...runsMs) * 1000) / 1000,
    maxMs: Math.round(Math.max(...runsMs) * 1000) / 1000,
    samples: runsMs.length,
    throughput: Math.round((units / medianMs) * 1000),
    unit,
    ...(extra === undefined ? {} : { extra }),
  };
}

async function elapsedMs(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** See the module comment. */
export async function cacheSuite(log: (line: string) => void): Promise<Figure[]> {
  const prefix = `encore-bench:cache:${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`;
  const connected = await connectRedisCache(REDIS_URL, { prefix });
  if (!connected.connected) {
    await connected.store.close();
    throw noRedis(connected.error ?? 'not connected');
  }
  const store = connected.store;
  const raw = await servingClient(REDIS_URL);
  const autoPipelined = await servingClient(REDIS_URL, true);
  const uncoalesced = createRedisCache({
    client: await servingClient(REDIS_URL),
    prefix,
    coalesceReads: false,
    closeClient: true,
  });
  const engines: Engine[] = [];
  try {
    const data = makeData();
    const bytes = data.lists.map(([, list]) => encodeCacheValue('recommendations', list));
    const valueBytes = bytes.reduce((sum, b) => sum + b.length, 0);
    log(
      `cache: ${CUSTOMERS} customers x top-${K} of ${ITEMS} stock codes, ${(valueBytes / CUSTOMERS).toFixed(0)} B per value, under ${prefix}`,
    );
    const models = { factors: data.factors, catalog: data.catalog };
    const memory = createMemoryCache();
    const { version } = await publishContent(store, NAMESPACE, { recommendations: data.lists });
    await publishContent(memory, NAMESPACE, { recommendations: data.lists });
    const facade = await createEngine({ cache: store, namespace: NAMESPACE, models });
    const memoryFacade = await createEngine({ cache: memory, namespace: NAMESPACE, models });
    engines.push(facade, memoryFacade);
    // The read protocol alone (pointer reuse, deadline, circuit breaker): the facade minus its plans.
    const reader = createCacheReader({ store, namespace: NAMESPACE });
    const entriesOnly = reader.plan({
      kind: 'recommendations',
      decode: decodeRankedEntries,
      hit: (entries) => entries.length === K,
      miss: async () => false,
    });
    const valuePrefix = prefix + cacheKeys(NAMESPACE).versionPrefix(version);
    const storePrefix = cacheKeys(NAMESPACE).versionPrefix(version);

    // Reads: the facade, the rungs it is built of, raw ioredis, the facade over memory.
    const fromCache = (list: { source: string; items: readonly unknown[] }): boolean =>
      list.source === 'cache' && list.items.length === K;
    const variant = (name: string, read: (customer: string) => Promise<boolean>): Variant => ({
      name,
      read,
      latencies: new Float64Array(ROUNDS * READS_PER_ROUND),
      filled: 0,
      wallNs: 0,
      cpuUs: 0,
      wrong: 0,
    });
    // Customer ids are digits: their key part needs no escaping, so these are the facade's key bytes.
    const rawGet = variant(
      'raw ioredis getBuffer',
      async (c) => (await raw.getBuffer(`${valuePrefix}rec:${c}`)) !== null,
    );
    const rawAuto = variant(
      'raw ioredis getBuffer, enableAutoPipelining',
      async (c) => (await autoPipelined.getBuffer(`${valuePrefix}rec:${c}`)) !== null,
    );
    const storeGet = variant('RedisCache.get', async (c) => (await store.get(`${storePrefix}rec:${c}`)) !== null);
    const storeGetAlone = variant(
      'RedisCache.get, coalesceReads false',
      async (c) => (await uncoalesced.get(`${storePrefix}rec:${c}`)) !== null,
    );
    const read = variant('CacheReader.read (the read protocol, no facade)', (c) =>
      reader.read(entriesOnly, c, K, null),
    );
    const viaFacade = variant('facade engine.recommend', async (c) => fromCache(await facade.recommend(c, { k: K })));
    const viaMemory = variant('facade engine.recommend over MemoryCache', async (c) =>
      fromCache(await memoryFacade.recommend(c, { k: K })),
    );
    const variants = [rawGet, rawAuto, storeGetAlone, storeGet, read, viaFacade, viaMemory];
    await readLatencies(variants, data.customerIds, log);
    const summaries = new Map(variants.map((v) => [v, summarize(v)]));
    const rawSummary = summaries.get(rawGet) as LatencySummary;
    const ratio = (x: number, y: number): number => Math.round((x / y) * 100) / 100;
    const figures: Figure[] = variants.map((v) => {
      const s = summaries.get(v) as LatencySummary;
      const vsRaw =
        v === rawGet ? {} : { p50VsRaw: ratio(s.p50, rawSummary.p50), p99VsRaw: ratio(s.p99, rawSummary.p99) };
      log(
        `  ${v.name}: p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms, ${s.perSecond.toLocaleString('en-US')} reads/s, ${s.cpuUsPerRead} µs CPU/read` +
          ('p50VsRaw' in vsRaw ? ` (${vsRaw.p50VsRaw}x / ${vsRaw.p99VsRaw}x raw)` : '') +
          (v.wrong > 0 ? `, ${v.wrong} NOT from the cache` : ''),
      );
      return {
        name: `read top-${K}, ${CONCURRENCY} in flight: ${v.name}`,
        medianMs: s.p50,
        minMs: s.min,
        maxMs: s.max,
        samples: v.filled,
        throughput: s.perSecond,
        unit: 'reads/s',
        extra: {
          p90Ms: s.p90,
          p99Ms: s.p99,
          p999Ms: s.p999,
          cpuUsPerRead: s.cpuUsPerRead,
          concurrency: CONCURRENCY,
          rounds: ROUNDS,
          notFromCache: v.wrong,
          ...vsRaw,
        },
      };
    });
    const facadeSummary = summaries.get(viaFacade) as LatencySummary;
    const p50Ratio = ratio(facadeSummary.p50, rawSummary.p50);
    const p99Ratio = ratio(facadeSummary.p99, rawSummary.p99);
    const met =
      p50Ratio <= TARGET_RATIO &&
      p99Ratio <= TARGET_RATIO &&
      facadeSummary.p99 <= TARGET_P99_MS &&
      viaFacade.wrong === 0;
    log(
      `cache: read target (facade p50 and p99 <= ${TARGET_RATIO}x raw, p99 <= ${TARGET_P99_MS} ms): ${met ? 'met' : 'MISSED'} ` +
        `(p50 ${p50Ratio}x, p99 ${p99Ratio}x, p99 ${facadeSummary.p99} ms)`,
    );
    const facadeFigure = figures[variants.indexOf(viaFacade)] as Figure;
    figures[variants.indexOf(viaFacade)] = {
      ...facadeFigure,
      extra: {
        ...facadeFigure.extra,
        target: `p50 and p99 <= ${TARGET_RATIO}x raw ioredis GET, p99 <= ${TARGET_P99_MS} ms`,
        targetMet: met,
      },
    };

    // Bulk publish against pipelined SETs of the same bytes, alternating, after one warm-up each.
    const rawSetPrefix = `${prefix}raw-set:`;
    const pipelinedSet = async (): Promise<void> => {
      const inFlight = new Set<Promise<unknown>>();
      for (let from = 0; from < CUSTOMERS; from += PIPELINE) {
        const pipeline = raw.pipeline();
        for (let i = from; i < Math.min(CUSTOMERS, from + PIPELINE); i++) {
          pipeline.set(`${rawSetPrefix}rec:${data.customerIds[i]}`, bytes[i] as Buffer);
        }
        const sent = pipeline.exec().then((results) => {
          for (const [error] of results ?? []) if (error) throw error;
        });
        inFlight.add(sent);
        void sent.finally(() => inFlight.delete(sent)).catch(() => undefined);
        if (inFlight.size >= PIPELINES_IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    };
    const encodeOnly = (): void => {
      for (const [, list] of data.lists) encodeCacheValue('recommendations', list);
    };
    const publishMs: number[] = [];
    const setMs: number[] = [];
    const encodeMs: number[] = [];
    const dbKeys: number[] = [];
    for (let r = 0; r <= PUBLISH_ROUNDS; r++) {
      // Retiring the previous version SCANs the whole keyspace: each round starts from what a
      // publish finds in production (publishes hours apart, so the version before is gone).
      dbKeys.push(await raw.dbsize());
      const start = process.hrtime.bigint();
      const { previous } = await publishContent(store, NAMESPACE, { recommendations: data.lists });
      const p = Number(process.hrtime.bigint() - start) / 1e6;
      if (previous !== null) await deleteUnder(raw, prefix + cacheKeys(NAMESPACE).versionPrefix(previous));
      const s = await elapsedMs(pipelinedSet);
      await deleteUnder(raw, rawSetPrefix); // the next round writes new keys again, as a publish does
      const e = await elapsedMs(async () => encodeOnly());
      if (r === 0) continue;
      publishMs.push(p);
      setMs.push(s);
      encodeMs.push(e);
      log(`cache: publish round ${r}/${PUBLISH_ROUNDS}: publish ${p.toFixed(0)} ms, pipelined SET ${s.toFixed(0)} ms`);
    }
    const publishRatio = ratio(median(publishMs), median(setMs));
    const size = {
      customers: CUSTOMERS,
      valueBytes: Math.round(valueBytes / CUSTOMERS),
      redisKeysBefore: median(dbKeys),
    };
    figures.push(
      timed(
        `publish ${CUSTOMERS} customers top-${K}: publishContent (publishVersion)`,
        publishMs,
        CUSTOMERS,
        'customers/s',
        {
          ...size,
          vsPipelinedSet: publishRatio,
        },
      ),
      timed(
        `publish ${CUSTOMERS} customers top-${K}: pipelined SET of the same bytes (pipelines of ${PIPELINE}, ${PIPELINES_IN_FLIGHT} in flight)`,
        setMs,
        CUSTOMERS,
        'customers/s',
        size,
      ),
      timed(
        `encode ${CUSTOMERS} customers top-${K} (envelope + msgpackr only)`,
        encodeMs,
        CUSTOMERS,
        'customers/s',
        size,
      ),
    );
    log(`cache: publish takes ${publishRatio}x the time of pipelined SETs of the same bytes`);
    return figures;
  } finally {
    for (const engine of engines) await engine.close();
    await store.close();
    const deleted = await deleteUnder(raw, prefix);
    log(`cache: deleted ${deleted} keys under ${prefix}`);
    raw.disconnect();
    autoPipelined.disconnect();
    await uncoalesced.close();
  }
}
