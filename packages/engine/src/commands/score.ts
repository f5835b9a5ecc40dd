import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { beginPublish, connectRedisCache, type Publication, type RedisCache } from '@encore/cache';
import { buildInteractions, type Csr, cooToCsr, EncoreError, ErrorCode, type EventType } from '@encore/core';
import type { DataFormat } from '@encore/datasets';
import { type ScoredBatch, scoreCustomers } from '@encore/workers';
import type { Progress } from '../internal/progress.js';
import { FUNNEL_WEIGHTS } from './evaluate.js';
import { loadInput } from './input.js';
import { readFactorModel } from './recommend.js';

export interface ScoreCommandOptions {
  readonly model: string;
  /** Events whose items are left out of each customer's list (default: the model's training matrix). */
  readonly data?: { readonly path: string; readonly format: DataFormat } | undefined;
  readonly k: number;
  readonly threads: number;
  /** A file of customer ids, one per line (default: every customer of the model). */
  readonly users?: string | undefined;
  /** JSON Lines, one customer per line, in customer order. */
  readonly out?: string | undefined;
  /** Publish the lists as a new version of `namespace` in this Redis (redis://host:port). */
  readonly cache?: string | undefined;
  readonly namespace: string;
  /** Put before every cache key (default 'encore:'). */
  readonly cachePrefix?: string | undefined;
  readonly strict: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** What `encore score --json` prints: a public contract, keep fields stable. */
export interface ScoreCommandResult {
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
  /** The published version, when `--cache` was given. */
  readonly cache: { readonly namespace: string; readonly version: number; readonly written: number } | null;
  /** Lines of `--users` naming no customer of the model (counted, not scored). */
  readonly rejected: number;
  readonly rejectedSamples: readonly string[];
}

/**
 * Scores every customer of a factor model (or those listed in `users`) on all cores and writes
 * each one's top-k to JSON Lines and/or publishes them as a new cache version (the nightly job
 * behind the cache). Lists leave out what the customer already has: the model's training matrix,
 * or the items of `data` when given. A publication that fails is aborted: the current version
 * stays.
 *
 * Rejects with USAGE when there is nowhere to write, FILE_NOT_FOUND / IO_ERROR for files,
 * UNKNOWN_ID for unknown `users` in strict mode, and the scoring and cache errors.
 */
export async function runScore(options: ScoreCommandOptions, progress: Progress): Promise<ScoreCommandResult> {
  const where = 'engine/score';
  if (options.out === undefined && options.cache === undefined) {
    throw new EncoreError(ErrorCode.USAGE, `${where}: expected --out <file.jsonl>, --cache <url>, or both`, {});
  }
  const data = await readFactorModel(options.model);
  const { customerIds, itemIds } = data;
  const exclude = options.data === undefined ? data.seen : await exclusionsFrom(options, data, progress);
  const rejectedSamples: string[] = [];
  let rejected = 0;
  let customers: Int32Array | undefined;
  if (options.users !== undefined) {
    const picked = await readUsers(options.users, customerIds, options.strict);
    customers = picked.customers;
    rejected = picked.rejected;
    rejectedSamples.push(...picked.samples);
  }

  let out: WriteStream | null = null;
  let cacheStore: RedisCache | null = null;
  let publication: Publication | null = null;
  try {
    if (options.out !== undefined) out = await openOut(options.out);
    if (options.cache !== undefined) {
      const opened = await connectRedisCache(options.cache, prefixOption(options.cachePrefix));
      cacheStore = opened.store;
      if (!opened.connected) {
        throw new EncoreError(ErrorCode.IO_ERROR, `${where}: cache ${options.cache} unreachable: ${opened.error}`, {
          url: options.cache,
        });
      }
      publication = await beginPublish(cacheStore, options.namespace);
    }
    const total = customers?.length ?? customerIds.length;
    progress.phase(`scoring ${total} customers × ${itemIds.length} items (top ${options.k})`, total);
    const deliver = async (batch: ScoredBatch): Promise<void> => {
      const { k, ids, scores } = batch;
      let lines = '';
      for (let c = 0; c < batch.customers.length; c++) {
        const user = customerIds[batch.customers[c] as number] as string;
        const top: string[] = [];
        const topScores: number[] = [];
        for (let r = 0; r < k; r++) {
          const item = ids[c * k + r] as number;
          if (item < 0) break;
          top.push(itemIds[item] as string);
          topScores.push(scores[c * k + r] as number);
        }
        if (out !== null) {
          const items = top.map((item, r) => ({ item, score: topScores[r] }));
          lines += `${JSON.stringify({ user, items })}\n`;
        }
        if (publication !== null) {
          await publication.put('recommendations', user, { ids: top, scores: Float32Array.from(topScores) });
        }
      }
      if (out !== null && !out.write(lines)) await drained(out);
    };
    const result = await scoreCustomers(data.model, {
      k: options.k,
      exclude,
      customers,
      threads: options.threads,
      signal: options.signal,
      onProgress: (p) => progress.update(p.done),
      onResults: deliver,
    });
    progress.done(`${Math.round(result.customersPerSecond)} customers/s, ${result.gflops.toFixed(2)} GFLOP/s`);
    let published: ScoreCommandResult['cache'] = null;
    if (publication !== null) {
      await publication.put('model', data.algorithm, {
        algorithm: data.algorithm,
        factors: data.model.factors,
        customers: customerIds.length,
        items: itemIds.length,
        k: result.k,
        scoredAt: new Date().toISOString(),
      });
      const committed = await publication.commit();
      published = { namespace: committed.namespace, version: committed.version, written: committed.written };
    }
    if (out !== null) await closeOut(out);
    out = null;
    return {
      users: result.customers,
      k: result.k,
      seconds: round(result.seconds),
      usersPerSecond: Math.round(result.customersPerSecond),
      threads: result.threads,
      gflops: round(result.gflops),
      kernel: result.kernel,
      retries: result.retries,
      out: options.out ?? null,
      cache: published,
      rejected,
      rejectedSamples,
    };
  } catch (error) {
    await publication?.abort().catch(() => undefined);
    throw error;
  } finally {
    out?.destroy();
    await cacheStore?.close().catch(() => undefined);
  }
}

/** Row u = the items customer u of the model has in `data` (customers and items the model lacks are ignored). */
async function exclusionsFrom(
  options: ScoreCommandOptions,
  data: Awaited<ReturnType<typeof readFactorModel>>,
  progress: Progress,
): Promise<Csr> {
  const source = options.data as NonNullable<ScoreCommandOptions['data']>;
  const { dataset } = await loadInput('score', source.path, source.format, { strict: options.strict, progress });
  const weights: Partial<Record<EventType, number>> = {};
  for (const type of data.events) weights[type] = FUNNEL_WEIGHTS[type];
  const interactions = buildInteractions(dataset.log, { weights });
  const customerIndex = new Map(data.customerIds.map((id, i) => [id, i]));
  const itemIndex = new Map(data.itemIds.map((id, i) => [id, i]));
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
      rows: data.customerIds.length,
      cols: data.itemIds.length,
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
  path: string,
  customerIds: readonly string[],
  strict: boolean,
): Promise<{ customers: Int32Array; rejected: number; samples: string[] }> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new EncoreError(
      error.code === 'ENOENT' ? ErrorCode.FILE_NOT_FOUND : ErrorCode.IO_ERROR,
      `engine/score: cannot read --users ${path}: ${error.message}`,
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
        throw new EncoreError(
          ErrorCode.UNKNOWN_ID,
          `engine/score: line ${at + 1} of ${path}: unknown customer '${id}'`,
          {
            line: at + 1,
            value: id,
          },
        );
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

function openOut(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path);
    stream.once('open', () => resolve(stream));
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(new EncoreError(ErrorCode.IO_ERROR, `engine/score: cannot write ${path}: ${error.message}`, { path })),
    );
  });
}

function drained(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('drain', resolve);
    stream.once('error', reject);
  });
}

function closeOut(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

function prefixOption(prefix: string | undefined): { prefix?: string } {
  return prefix === undefined ? {} : { prefix };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function formatScore(r: ScoreCommandResult): string {
  const lines = [
    `scored ${r.users} customers (top ${r.k}) in ${r.seconds} s: ${r.usersPerSecond} customers/s on ${r.threads} threads, ` +
      `${r.gflops} GFLOP/s (${r.kernel} kernel)`,
  ];
  if (r.out !== null) lines.push(`lists written to ${r.out}`);
  if (r.cache !== null)
    lines.push(`published ${r.cache.namespace} version ${r.cache.version} (${r.cache.written} values)`);
  if (r.rejected > 0) lines.push(`${r.rejected} unknown customers in --users skipped: ${r.rejectedSamples.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
