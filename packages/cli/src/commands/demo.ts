import { createMemoryCache } from '@encore/cache';
import {
  buildInteractions,
  type Catalog,
  compactInteractions,
  countEventTypes,
  csrToCoo,
  type Interactions,
  isAnonymousCustomer,
} from '@encore/core';
import { bundledDataPath, generateSynthetic, loadDataset } from '@encore/datasets';
import { type Because, createEngine, type Engine, type EngineList, type ModelSet } from '@encore/engine';
import { evaluate, type Metrics, type SplitKind, splitInteractions } from '@encore/eval';
import {
  algorithmRegistry,
  describeEnvironment,
  type Environment,
  interactionWeights,
  type Progress,
  scoreLists,
  trainModels,
} from '@encore/jobs';
import { defineCommand } from '../command.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { formatBecause } from '../internal/explain.js';
import { count, writeResult } from '../internal/output.js';

const { json, quiet, help } = COMMON_FLAGS;

/** One algorithm's metrics on one split. */
export interface AlgorithmScore {
  readonly algorithm: string;
  readonly split: SplitKind;
  readonly k: number;
  readonly metrics: Metrics;
}

/** One read through the facade, as shown. */
export interface DemoRead {
  readonly request: string;
  readonly source: EngineList['source'];
  readonly version: number | null;
  readonly items: readonly { readonly item: string; readonly title: string; readonly because: readonly Because[] }[];
}

/** What `encore demo --json` prints: keep fields stable, add freely. */
export interface DemoResult {
  readonly retail: {
    readonly path: string;
    readonly lines: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly skipped: number;
    readonly counts: Readonly<Record<string, number>>;
    readonly customers: number;
    readonly items: number;
    readonly purchases: number;
    readonly bestSellers: readonly { readonly item: string; readonly title: string; readonly buyers: number }[];
    /** What goes with the best seller: bought together over orders (signed-root LLR), through the facade. */
    readonly boughtTogether: {
      readonly item: string;
      readonly title: string;
      readonly with: readonly {
        readonly item: string;
        readonly title: string;
        readonly score: number;
        readonly support: number;
      }[];
    };
    readonly evaluation: readonly AlgorithmScore[];
  };
  /** The serving path: train → score every customer → publish to the (in-memory) cache → read back. */
  readonly serving: {
    readonly train: { readonly algorithm: string; readonly kernel: string; readonly seconds: number };
    readonly score: {
      readonly customers: number;
      readonly k: number;
      readonly seconds: number;
      readonly customersPerSecond: number;
      readonly gflops: number;
      readonly kernel: string;
      /** Ranking (blending, rules, explanations) on the main thread, within `seconds`. */
      readonly rankSeconds: number;
    };
    /** The version published: every customer's list, bought-together of every item, the curated lists. `seconds`: the job's time after scoring. */
    readonly publish: { readonly version: number; readonly written: number; readonly seconds: number };
    readonly reads: readonly DemoRead[];
    /** Median and 99th percentile of 2,000 reads of published lists through the facade (memory cache), after 500 warm-up reads. */
    readonly readMicroseconds: { readonly p50: number; readonly p99: number };
  };
  readonly synthetic: {
    readonly events: Readonly<Record<string, number>>;
    readonly customers: number;
    readonly items: number;
    readonly evaluation: readonly AlgorithmScore[];
  };
  readonly seconds: number;
  readonly environment: Environment;
}

const K = 10;
const SEED = 42;
const FORMAT = 'online-retail';

/** `encore demo`: the whole pipeline on bundled data, in memory (no network, no ../shared, no Redis). */
export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'the full pipeline on bundled sample data: evaluate, train, score, publish, serve',
  usage: '[flags]',
  flags: { json, quiet, help },
  async run(flags, { io, progress, signal }) {
    const result = await runDemo(progress, signal);
    writeResult(io, flags.json, result, formatDemo);
    return 0;
  },
});

/**
 * The shipped Online Retail slice (real orders of December 2010) and a seeded synthetic shop, end
 * to end through the jobs and the facade: best sellers and bought-together, co-occurrence and ALS
 * trained on all purchases, every customer scored and published with bought-together and the
 * curated lists as one version of an in-memory cache, read back through the facade; then every
 * algorithm evaluated on both shops.
 */
async function runDemo(progress: Progress, signal: AbortSignal): Promise<DemoResult> {
  const start = performance.now();
  const path = bundledDataPath('online-retail-2010-12');
  progress.phase('loading the bundled Online Retail slice');
  const retail = await loadDataset(path, FORMAT);
  progress.done();
  signal.throwIfAborted();
  const purchases = compactInteractions(
    buildInteractions(retail.log, { weights: interactionWeights(FORMAT).weights, keepTimes: true }),
  );
  const bestSellers = await topSellers(purchases, retail.catalog);

  progress.phase('training co-occurrence and ALS on all purchases');
  const data = { dataset: retail, path, format: FORMAT } as const;
  const co = await trainModels({ data, algorithm: 'cooccurrence', signal });
  const als = await trainModels({ data, algorithm: 'als', params: { factors: 32, iterations: 10 }, signal });
  // One set: the factors from one job, the co-occurrence from the other, the shelf, timelines and catalog (the same data) from either.
  const models: ModelSet = { ...co.models, factors: als.models.factors };
  progress.done();

  progress.phase('bought together with the best seller');
  const boughtTogether = await goesWith(models, bestSellers[0]?.item ?? '');
  progress.done();

  progress.phase('serving: score every customer, publish to the memory cache, read back through the facade');
  const train = {
    algorithm: 'als',
    kernel: als.result.runtime?.kernel ?? 'unknown',
    seconds: als.result.seconds,
  };
  const serving = await serve(models, train, signal);
  progress.done();

  progress.phase('evaluating on Online Retail (temporal split: the last 20% of purchases are the future)');
  const retailScores = await evaluateAll(purchases, 'temporal', 0.8, signal);
  progress.done();

  progress.phase('generating and evaluating a synthetic shop');
  const synthetic = generateSynthetic({ preset: 'small', seed: SEED });
  const { weights } = interactionWeights('jsonl', ['view', 'cart', 'wishlist', 'purchase']);
  const shop = compactInteractions(buildInteractions(synthetic.log, { weights, keepTimes: true }));
  const syntheticScores = await evaluateAll(shop, 'user-stratified', 0.75, signal);
  progress.done();

  return {
    retail: {
      path,
      lines: retail.report.lines,
      accepted: retail.report.accepted,
      rejected: retail.report.rejected,
      skipped: retail.report.skipped,
      counts: retail.report.counts,
      customers: purchases.matrix.rows,
      items: purchases.matrix.cols,
      purchases: purchases.matrix.indices.length,
      bestSellers,
      boughtTogether,
      evaluation: retailScores,
    },
    serving,
    synthetic: {
      events: Object.fromEntries(countEventTypes(synthetic.log)),
      customers: shop.matrix.rows,
      items: shop.matrix.cols,
      evaluation: syntheticScores,
    },
    seconds: Math.round((performance.now() - start) / 10) / 100,
    environment: describeEnvironment(),
  };
}

/** Every algorithm of the registry fitted on a split of `interactions` and scored at K. */
async function evaluateAll(
  interactions: Interactions,
  split: SplitKind,
  ratio: number,
  signal: AbortSignal,
): Promise<AlgorithmScore[]> {
  const { train, test } = splitInteractions(csrToCoo(interactions.matrix), { kind: split, ratio, seed: SEED });
  const scores: AlgorithmScore[] = [];
  for (const algorithm of algorithmRegistry.values()) {
    const outcome = await evaluate(algorithm, { seed: SEED }, { train, test, k: K, signal });
    scores.push({ algorithm: algorithm.name, split, k: K, metrics: outcome.metrics });
  }
  return scores;
}

/** The ten items bought by the most customers, through the `popular` model trained on all purchases. */
async function topSellers(interactions: Interactions, catalog: Catalog): Promise<DemoResult['retail']['bestSellers']> {
  const model = await algorithmRegistry.get('popular').fit(interactions.matrix, {});
  const [list] = model.recommend(Int32Array.of(-1), { k: K });
  const buyers = new Float64Array(interactions.matrix.cols);
  for (const c of interactions.matrix.indices) buyers[c]!++;
  return [...(list?.ids ?? [])].map((i) => {
    const item = interactions.items.idAt(i);
    return { item, title: catalog.get(item)?.title ?? '', buyers: buyers[i] as number };
  });
}

/** What goes with `itemId`, computed by the facade (with each item's support) over the models alone. */
async function goesWith(models: ModelSet, itemId: string): Promise<DemoResult['retail']['boughtTogether']> {
  const engine = await createEngine({ models });
  try {
    const list = await engine.together([itemId], { k: 5, titles: true });
    return {
      item: itemId,
      title: models.catalog?.get(itemId)?.title ?? '',
      with: list.items.map((i) => ({ item: i.item, title: i.title ?? '', score: i.score, support: i.support ?? 0 })),
    };
  } finally {
    await engine.close();
  }
}

/**
 * What a shop runs every night and serves all day: every customer's top 20 scored on the worker
 * pool and published, with bought-together of every item and the curated lists, as one version of
 * an in-memory cache; then a known customer, a new visitor with two items (fold-in), an item page
 * and a shelf read back through the facade, and the latency of cached reads.
 */
async function serve(
  models: ModelSet,
  train: DemoResult['serving']['train'],
  signal: AbortSignal,
): Promise<DemoResult['serving']> {
  const factors = models.factors;
  if (factors === undefined) throw new Error('demo: the ALS job returned no factor model');
  const store = createMemoryCache();
  try {
    const started = performance.now();
    const scored = await scoreLists({ models, k: 20, cache: store, include: ['together', 'lists'], signal });
    const wall = (performance.now() - started) / 1000;
    const published = scored.cache;
    if (published === null) throw new Error('demo: the scoring job published nothing');
    const engine = await createEngine({ models, cache: store });
    try {
      const reads = await readBack(engine, factors.customerIds[0] as string);
      return {
        train,
        score: {
          customers: scored.users,
          k: scored.k,
          seconds: scored.seconds,
          customersPerSecond: scored.usersPerSecond,
          gflops: scored.gflops,
          kernel: scored.kernel,
          rankSeconds: scored.rankSeconds,
        },
        publish: {
          version: published.version,
          written: published.written,
          seconds: Math.round(Math.max(0, wall - scored.seconds) * 100) / 100,
        },
        reads,
        // The published customers: guests (anonymous invoices) are left out of the lists, computed on a read.
        readMicroseconds: await readLatency(
          engine,
          factors.customerIds.filter((id) => !isAnonymousCustomer(id)),
          signal,
        ),
      };
    } finally {
      await engine.close();
    }
  } finally {
    await store.close();
  }
}

/** A known customer, a new visitor with the two best sellers (fold-in), the best seller's page, the trending shelf. */
async function readBack(engine: Engine, customer: string): Promise<DemoRead[]> {
  const shelf = await engine.list('best-sellers', { k: 2 });
  const best = shelf.items[0]?.item ?? '';
  const second = shelf.items[1]?.item ?? best;
  const reads: DemoRead[] = [];
  const record = (request: string, list: EngineList): void => {
    reads.push({
      request,
      source: list.source,
      version: list.version,
      items: list.items
        .slice(0, 3)
        .map(({ item, title, because }) => ({ item, title: title ?? '', because: because ?? [] })),
    });
  };
  record(`recommend('${customer}')`, await engine.recommend(customer, { k: 5, titles: true }));
  record(
    `recommend('new-visitor', recentItems: ${best}, ${second})`,
    await engine.recommend('new-visitor', { k: 5, recentItems: [best, second], titles: true }),
  );
  record(`together(['${best}'])`, await engine.together([best], { k: 5, titles: true }));
  record(`list('trending')`, await engine.list('trending', { k: 5, titles: true }));
  return reads;
}

/** p50 and p99 of 2,000 cached reads of published lists through the facade, after 500 warm-up reads, in µs. */
async function readLatency(
  engine: Engine,
  customerIds: readonly string[],
  signal: AbortSignal,
): Promise<DemoResult['serving']['readMicroseconds']> {
  const latencies = new Float64Array(2000);
  for (let r = -500; r < latencies.length; r++) {
    if (r % 500 === 0) signal.throwIfAborted();
    const id = customerIds[((r + 500) * 7919) % customerIds.length] as string;
    const t = performance.now();
    await engine.recommend(id, { k: 10 });
    if (r >= 0) latencies[r] = (performance.now() - t) * 1000;
  }
  latencies.sort();
  return { p50: Math.round(latencies[1000] as number), p99: Math.round(latencies[1980] as number) };
}

function formatDemo(r: DemoResult): string {
  const table = (scores: readonly AlgorithmScore[]): string[] => [
    `  ${'algorithm'.padEnd(13)} ${['precision', 'recall', 'ndcg', 'map', 'hitRate', 'coverage'].map((h) => h.padStart(9)).join(' ')}`,
    ...scores.map(
      (s) =>
        `  ${s.algorithm.padEnd(13)} ${[
          s.metrics.precision,
          s.metrics.recall,
          s.metrics.ndcg,
          s.metrics.map,
          s.metrics.hitRate,
          s.metrics.coverage,
        ]
          .map((v) => v.toFixed(4).padStart(9))
          .join(' ')}`,
    ),
  ];
  const counts = Object.entries(r.retail.counts)
    .map(([k, v]) => `${k} ${count(v)}`)
    .join(', ');
  const s = r.serving;
  return [
    'Encore demo',
    '',
    `1. Online Retail, December 2010 (UCI, CC BY 4.0), bundled: ${r.retail.path}`,
    `   ${count(r.retail.lines)} lines: ${count(r.retail.accepted)} events, ${count(r.retail.skipped)} skipped (non-products, adjustments), ${count(r.retail.rejected)} rejected`,
    `   ${counts}`,
    `   ${count(r.retail.customers)} customers bought ${count(r.retail.items)} products (${count(r.retail.purchases)} customer-product pairs)`,
    '',
    '   Best sellers (distinct buyers):',
    ...r.retail.bestSellers.map(
      (b, i) => `   ${String(i + 1).padStart(2)}. ${b.title || b.item} (${b.item}): ${count(b.buyers)}`,
    ),
    '',
    `   Bought together with ${r.retail.boughtTogether.title || r.retail.boughtTogether.item} (orders, LLR):`,
    ...r.retail.boughtTogether.with.map(
      (w) =>
        `     ${w.title || w.item} (${w.item}): score ${w.score.toFixed(1)}, in ${count(w.support)} orders together`,
    ),
    '',
    `   Evaluation, temporal split (train on the first 80% of purchases, test on the rest), k=${K}:`,
    ...table(r.retail.evaluation),
    '',
    '2. Serving: train → score every customer → publish to the cache (in memory) → read back through the facade',
    `   ALS (${s.train.kernel} kernel) trained in ${s.train.seconds.toFixed(2)}s; ${count(s.score.customers)} customers scored ` +
      `(top ${s.score.k}) in ${s.score.seconds}s, ${s.score.gflops} GFLOP/s (${s.score.kernel}), ranked in ${s.score.rankSeconds}s`,
    `   published version ${s.publish.version}: ${count(s.publish.written)} values (lists, bought-together, shelves); ` +
      `${s.publish.seconds}s after scoring`,
    ...s.reads.flatMap((read) => [
      `   ${read.request} → ${read.source}${read.version === null ? '' : ` v${read.version}`}:`,
      ...read.items.map((i) => {
        const why = formatBecause(i.because);
        return `     ${i.title || i.item} (${i.item})${why === '' ? '' : ` — ${why}`}`;
      }),
    ]),
    `   reads through the facade: p50 ${s.readMicroseconds.p50} µs, p99 ${s.readMicroseconds.p99} µs`,
    '',
    `3. Synthetic shop (seed ${SEED}): ${Object.entries(r.synthetic.events)
      .map(([k, v]) => `${count(v)} ${k}`)
      .join(', ')}`,
    `   ${count(r.synthetic.customers)} customers x ${count(r.synthetic.items)} items; user-stratified 75/25, k=${K}:`,
    ...table(r.synthetic.evaluation),
    '',
    `done in ${r.seconds.toFixed(2)}s on ${r.environment.cpu} (${r.environment.threads} threads, node ${r.environment.node})`,
    '',
  ].join('\n');
}
