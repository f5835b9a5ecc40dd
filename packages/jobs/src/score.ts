import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { beginPublish, type CacheStore, connectRedisCache, type Publication } from '@encore/cache';
import {
  buildInteractions,
  type Csr,
  checkOptions,
  cooToCsr,
  EncoreError,
  ErrorCode,
  isAnonymousCustomer,
} from '@encore/core';
import type { TrainedFactorModel } from '@encore/factorization';
import { loadModels, type ModelSet, prepareServing, type ServedList, type ServingModels } from '@encore/models';
import { type ScoredBatch, scoreCustomers } from '@encore/workers';
import { type DataInput, loadInput } from './input.js';
import { writeWithBackpressure } from './output.js';
import { type JobContext, SILENT_PROGRESS } from './progress.js';
import { curatedPublication, rankedOf, togetherPublication } from './publish.js';

export interface ScoreOptions extends JobContext {
  /** Model directories (as `encore train` writes them) or a model set already loaded; it needs a factor model. */
  readonly models: readonly string[] | ModelSet;
  /** Events whose items are left out of each customer's list (default: the factor model's training matrix). */
  readonly data?: DataInput | undefined;
  /** List length. */
  readonly k: number;
  /** Worker threads (default: all cores). */
  readonly threads?: number | undefined;
  /** A file of customer ids, one per line (default: every customer of the factor model). */
  readonly users?: string | undefined;
  /** JSON Lines, one customer per line, in customer order; written whole or not at all. */
  readonly out?: string | undefined;
  /**
   * Publish the lists as a new version of `namespace`: in this Redis (redis://host:port, connected
   * and closed here) or in this store (left open).
   */
  readonly cache?: string | CacheStore | undefined;
  /**
   * How long to wait, in ms, for another publisher's lock before giving up with CACHE_CONFLICT
   * (default 0: at once). A writer that crashed holds the lock until its lease (60 s) runs out.
   */
  readonly lockWaitMs?: number | undefined;
  /**
   * Score anonymous and device customers too (guests, cookies: `anonymous:…`, `device:…`; default
   * false: left out and counted, they are not people a list can be sent to). A `users` file names
   * its customers itself.
   */
  readonly includeGuests?: boolean | undefined;
  /** Also publish, in the same version, what goes with each item and the curated lists (default: none). */
  readonly include?: readonly ('together' | 'lists')[] | undefined;
  readonly namespace?: string | undefined;
  /** Put before every cache key (default 'encore:'). */
  readonly cachePrefix?: string | undefined;
  /** Fail on the first unknown customer in `users` (default: count it). */
  readonly strict?: boolean | undefined;
  /**
   * Keep what each customer already has in their list (default false: left out). For shops whose
   * customers buy the same things again; recorded in the published model metadata.
   */
  readonly includeSeen?: boolean | undefined;
}

/** What `encore score --json` prints: a public contract, keep fields stable. */
export interface ScoreResult {
  /** Customers scored. */
  readonly users: number;
  readonly k: number;
  readonly seconds: number;
  readonly usersPerSecond: number;
  readonly threads: number;
  /** Effective GFLOP/s of the scoring kernel over the whole job (2·f flops per customer and item). */
  readonly gflops: number;
  readonly kernel: string;
  /** Ranges run again after their worker died. */
  readonly retries: number;
  readonly out: string | null;
  /** The published version, when `cache` was given. */
  readonly cache: { readonly namespace: string; readonly version: number; readonly written: number } | null;
  /** Lines of `users` naming no customer of the model (counted, not scored). */
  readonly rejected: number;
  readonly rejectedSamples: readonly string[];
  /** Seconds spent ranking (blending, rules, explanations) on the calling thread, within `seconds`. */
  readonly rankSeconds: number;
  /** Anonymous and device customers left out (see `includeGuests`). */
  readonly guests: number;
}

/**
 * Every customer's list (or those named in `users`), as the engine would serve it. With a factor
 * model, it scores every customer against every item on all cores (the worker pool), then each
 * customer's candidates are blended with bought-together of their cart and recent items and the
 * curated lists, ruled and explained by the same code the engine computes a miss with. Without one
 * (a co-occurrence model and customer timelines), each customer with a timeline is ranked from
 * those alone. Written to JSON Lines and/or published as a new cache version (the nightly job
 * behind the cache). A failure or an abort leaves the previous file and the current cache version
 * as they were: the file is written under a temporary name and renamed at the end.
 *
 * Rejects with USAGE when there is nowhere to write, MODEL_FORMAT when the models can score no
 * customer, FILE_NOT_FOUND / IO_ERROR for files, UNKNOWN_ID for unknown `users` in strict mode,
 * the scoring and cache errors, and the signal's reason.
 *
 * @example
 * const result = await scoreLists({ models: ['models/retail-als', 'models/retail'], k: 20, out: 'lists.jsonl' });
 */
export async function scoreLists(options: ScoreOptions): Promise<ScoreResult> {
  const where = 'jobs/scoreLists';
  checkOptions(where, options, [
    'models',
    'data',
    'k',
    'threads',
    'users',
    'out',
    'cache',
    'namespace',
    'cachePrefix',
    'include',
    'includeSeen',
    'includeGuests',
    'lockWaitMs',
    'strict',
    'progress',
    'signal',
  ]);
  if (options.out === undefined && options.cache === undefined) {
    throw new EncoreError(ErrorCode.USAGE, `${where}: expected an output file, a cache, or both`, {});
  }
  const progress = options.progress ?? SILENT_PROGRESS;
  const { signal } = options;
  const models = Array.isArray(options.models) ? await loadModels(...options.models) : (options.models as ModelSet);
  const includeSeen = options.includeSeen ?? false;
  const serving = prepareServing(models, { includeSeen });
  // Who is scored: the factor model's customers, else every customer with a timeline.
  const customerIds = models.factors?.customerIds ?? models.histories?.histories.customers.ids() ?? [];
  if (models.factors === undefined && (models.histories === undefined || models.cooccurrence === undefined)) {
    throw new EncoreError(
      ErrorCode.MODEL_FORMAT,
      `${where}: nothing to score customers with: expected a factor model (\`encore train --algorithm als\`), ` +
        'or a co-occurrence model with customer timelines (`encore train`)',
      { value: Object.keys(models) },
    );
  }
  const rejectedSamples: string[] = [];
  let rejected = 0;
  let guests = 0;
  let customers: Int32Array | undefined;
  if (options.users !== undefined) {
    const picked = await readUsers(where, options.users, customerIds, options.strict ?? false);
    customers = picked.customers;
    rejected = picked.rejected;
    rejectedSamples.push(...picked.samples);
  } else if (options.includeGuests !== true) {
    const people: number[] = [];
    customerIds.forEach((id, c) => {
      if (!isAnonymousCustomer(id)) people.push(c);
    });
    guests = customerIds.length - people.length;
    if (guests > 0) customers = Int32Array.from(people);
  }

  const temp = options.out === undefined ? null : `${options.out}.${process.pid}.tmp`;
  let out: WriteStream | null = null;
  let ownStore: CacheStore | null = null;
  let publication: Publication | null = null;
  let rankMs = 0;
  try {
    if (temp !== null) out = await openOut(where, temp, options.out as string);
    if (typeof options.cache === 'string') {
      const opened = await connectRedisCache(
        options.cache,
        options.cachePrefix === undefined ? {} : { prefix: options.cachePrefix },
      );
      ownStore = opened.store;
      if (!opened.connected) {
        throw new EncoreError(ErrorCode.IO_ERROR, `${where}: cache ${options.cache} unreachable: ${opened.error}`, {
          url: options.cache,
        });
      }
    }
    const store = ownStore ?? (options.cache as CacheStore | undefined);
    if (store !== undefined) {
      publication = await beginPublish(
        store,
        options.namespace ?? 'default',
        options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs },
      );
    }
    /** Writes one batch of ranked lists: JSON Lines and/or the publication, with backpressure. */
    const deliver = async (lists: readonly (readonly [string, ServedList])[]): Promise<void> => {
      let lines = '';
      for (const [user, list] of lists) {
        if (out !== null) {
          const items = list.items.map(({ item, score, because }) => ({ item, score, because }));
          lines += `${JSON.stringify({ user, items })}\n`;
        }
        if (publication !== null) await publication.put('recommendations', user, rankedOf(list));
      }
      if (out !== null) await writeWithBackpressure(out, lines, signal);
    };
    const total = customers?.length ?? customerIds.length;
    const factors = models.factors;
    let scored: Omit<ScoreResult, 'out' | 'cache' | 'rejected' | 'rejectedSamples' | 'rankSeconds' | 'k' | 'guests'>;
    if (factors !== undefined) {
      const exclude = includeSeen
        ? undefined
        : options.data === undefined
          ? factors.seen
          : await exclusionsFrom(where, options.data, factors, options);
      progress.phase(`scoring ${total} customers × ${factors.itemIds.length} items (top ${options.k})`, total);
      const result = await scoreCustomers(factors.model, {
        k: Math.max(options.k, DEPTH),
        exclude,
        customers,
        threads: options.threads,
        signal,
        onProgress: (p) => progress.update(p.done),
        onResults: async (batch) => {
          const started = performance.now();
          const lists = rankBatch(serving, factors, batch, options.k);
          rankMs += performance.now() - started;
          await deliver(lists);
        },
      });
      progress.done(`${Math.round(result.customersPerSecond)} customers/s, ${result.gflops.toFixed(2)} GFLOP/s`);
      scored = {
        users: result.customers,
        seconds: round(result.seconds),
        usersPerSecond: Math.round(result.customersPerSecond),
        threads: result.threads,
        gflops: round(result.gflops),
        kernel: result.kernel,
        retries: result.retries,
      };
    } else {
      // No factor model: each customer's list from bought-together of their timeline and the
      // curated lists, ranked here (there is no kernel to run on the worker pool).
      progress.phase(`ranking ${total} customers from co-occurrence and curated lists (top ${options.k})`, total);
      const started = performance.now();
      const order = customers ?? Int32Array.from(customerIds.keys());
      for (let from = 0; from < order.length; from += SERVING_BATCH) {
        signal?.throwIfAborted();
        const lists: [string, ServedList][] = [];
        for (const c of order.subarray(from, Math.min(order.length, from + SERVING_BATCH))) {
          const user = customerIds[c] as string;
          lists.push([user, serving.recommend(user, { k: options.k })]);
        }
        await deliver(lists);
        progress.update(Math.min(order.length, from + SERVING_BATCH));
        await yieldToLoop();
      }
      const seconds = (performance.now() - started) / 1000;
      rankMs = seconds * 1000;
      progress.done();
      scored = {
        users: order.length,
        seconds: round(seconds),
        usersPerSecond: Math.round(order.length / Math.max(seconds, 1e-9)),
        threads: 1,
        gflops: 0,
        kernel: 'none',
        retries: 0,
      };
    }
    let published: ScoreResult['cache'] = null;
    if (publication !== null) {
      const include = new Set(options.include ?? []);
      if (include.has('together')) {
        for (const [item, value] of togetherPublication(serving)) await publication.put('together', item, value);
      }
      if (include.has('lists')) {
        for (const [id, value] of curatedPublication(serving)) await publication.put('list', id, value);
      }
      const name = factors?.model.algorithm ?? 'cooccurrence';
      await publication.put('model', name, {
        algorithm: name,
        ...(factors === undefined ? {} : { factors: factors.model.factors }),
        customers: customerIds.length,
        items: serving.items.size,
        k: options.k,
        includeSeen,
        scoredAt: new Date().toISOString(),
      });
      const committed = await publication.commit();
      published = { namespace: committed.namespace, version: committed.version, written: committed.written };
    }
    if (out !== null) {
      out.end();
      await once(out, 'finish');
      out = null;
      await rename(temp as string, options.out as string);
    }
    return {
      ...scored,
      k: options.k,
      out: options.out ?? null,
      cache: published,
      rejected,
      rejectedSamples,
      rankSeconds: round(rankMs / 1000),
      guests,
    };
  } catch (error) {
    await publication?.abort().catch(() => undefined);
    throw error;
  } finally {
    if (out !== null) out.destroy();
    if (temp !== null) await rm(temp, { force: true }).catch(() => undefined);
    await ownStore?.close().catch(() => undefined);
  }
}

/** Candidates the factor model hands each customer's ranking (as the engine's serving depth). */
const DEPTH = 100;

/** Customers ranked between two returns to the event loop when there is no worker pool. */
const SERVING_BATCH = 256;

/** A macrotask turn: lets I/O (the output stream, a cache connection, Ctrl-C) run between batches. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Each customer of a scored batch ranked through the serving models, with the pool's candidates. */
function rankBatch(
  serving: ServingModels,
  factors: TrainedFactorModel,
  batch: ScoredBatch,
  k: number,
): [string, ServedList][] {
  const { ids, scores } = batch;
  const width = batch.k;
  const out: [string, ServedList][] = [];
  for (let c = 0; c < batch.customers.length; c++) {
    const user = factors.customerIds[batch.customers[c] as number] as string;
    let n = 0;
    while (n < width && (ids[c * width + n] as number) >= 0) n++;
    const personal = { ids: ids.subarray(c * width, c * width + n), scores: scores.subarray(c * width, c * width + n) };
    out.push([user, serving.recommend(user, { k, personal })]);
  }
  return out;
}

/** Row u = the items customer u of the model has in `data` (customers and items the model lacks are ignored). */
async function exclusionsFrom(
  where: string,
  data: DataInput,
  factors: TrainedFactorModel,
  context: JobContext,
): Promise<Csr> {
  const { dataset } = await loadInput(where, data, context);
  const interactions = buildInteractions(dataset.log, { weights: factors.weights });
  const customerIndex = new Map(factors.customerIds.map((id, i) => [id, i]));
  const itemIndex = new Map(factors.itemIds.map((id, i) => [id, i]));
  const rowOf = Int32Array.from(interactions.customers.ids(), (id) => customerIndex.get(id) ?? -1);
  const colOf = Int32Array.from(interactions.items.ids(), (id) => itemIndex.get(id) ?? -1);
  const row: number[] = [];
  const col: number[] = [];
  const m = interactions.matrix;
  for (let r = 0; r < m.rows; r++) {
    const u = rowOf[r] as number;
    if (u < 0) continue;
    for (let e = m.indptr[r] as number; e < (m.indptr[r + 1] as number); e++) {
      const i = colOf[m.indices[e] as number] as number;
      if (i >= 0 && (m.data[e] as number) > 0) {
        row.push(u);
        col.push(i);
      }
    }
  }
  return cooToCsr(
    {
      rows: factors.customerIds.length,
      cols: factors.itemIds.length,
      row: Int32Array.from(row),
      col: Int32Array.from(col),
      value: new Float32Array(row.length).fill(1),
      time: null,
    },
    { combine: 'max' },
  );
}

/** Customer indices named by a file of ids (one per line; blank lines skipped), unknown ones counted. */
async function readUsers(
  where: string,
  path: string,
  customerIds: readonly string[],
  strict: boolean,
): Promise<{ customers: Int32Array; rejected: number; samples: string[] }> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new EncoreError(
      error.code === 'ENOENT' ? ErrorCode.FILE_NOT_FOUND : ErrorCode.IO_ERROR,
      `${where}: cannot read the customer list ${path}: ${error.message}`,
      { path },
    );
  });
  const index = new Map(customerIds.map((id, i) => [id, i]));
  const picked: number[] = [];
  const seen = new Set<number>();
  const samples: string[] = [];
  let rejected = 0;
  text.split(/\r?\n/).forEach((line, at) => {
    const id = line.trim();
    if (id === '') return;
    const u = index.get(id);
    if (u === undefined) {
      if (strict) {
        throw new EncoreError(ErrorCode.UNKNOWN_ID, `${where}: line ${at + 1} of ${path}: unknown customer '${id}'`, {
          line: at + 1,
          value: id,
        });
      }
      rejected++;
      if (samples.length < 10) samples.push(`line ${at + 1}: unknown customer '${id}'`);
    } else if (!seen.has(u)) {
      seen.add(u);
      picked.push(u);
    }
  });
  return { customers: Int32Array.from(picked), rejected, samples };
}

function openOut(where: string, temp: string, path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(temp);
    stream.once('open', () => resolve(stream));
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(new EncoreError(ErrorCode.IO_ERROR, `${where}: cannot write ${path}: ${error.message}`, { path })),
    );
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
