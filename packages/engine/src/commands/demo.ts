import type { RankedItems } from '@encore/cache';
import { buildCooccurrenceModel, type CooccurrenceModel, DEFAULT_RELATIONS, together } from '@encore/cooccurrence';
import {
  buildInteractions,
  type Catalog,
  compactInteractions,
  countEventTypes,
  csrToCoo,
  type EventLog,
  type EventType,
  type Interactions,
} from '@encore/core';
import { bundledDataPath, generateSynthetic, loadDataset } from '@encore/datasets';
import { evaluate, type Metrics, type SplitKind, splitInteractions } from '@encore/eval';
import { bestSellers, trending } from '@encore/ranking';
import { scoreCustomers } from '@encore/workers';
import { algorithmRegistry } from '../algorithms.js';
import { createEngine, type EngineList } from '../engine.js';
import { describeEnvironment, type Environment } from '../environment.js';
import type { Progress } from '../internal/progress.js';
import { trainFactorModel } from './factor-train.js';

/** What `encore demo --json` prints. */
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
    /** What goes with the best seller: bought together over orders (signed-root LLR). */
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
    };
    readonly publish: { readonly version: number; readonly written: number; readonly seconds: number };
    readonly reads: readonly {
      readonly request: string;
      readonly source: EngineList['source'];
      readonly version: number | null;
      readonly items: readonly { readonly item: string; readonly title: string }[];
    }[];
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

export interface AlgorithmScore {
  readonly algorithm: string;
  readonly split: SplitKind;
  readonly k: number;
  readonly metrics: Metrics;
}

const K = 10;
const SEED = 42;

/**
 * The main job on bundled data, end to end: load the shipped Online Retail slice (real orders of
 * December 2010) and a seeded synthetic shop → build interactions → train every algorithm the
 * engine has → evaluate → report. Needs no network, no ../shared and no Redis.
 */
export async function runDemo(progress: Progress): Promise<{ result: DemoResult; text: string }> {
  const start = performance.now();
  const path = bundledDataPath('online-retail-2010-12');
  progress.phase('loading the bundled Online Retail slice');
  const retail = await loadDataset(path, 'online-retail');
  progress.done();
  const purchases = compactInteractions(buildInteractions(retail.log, { weights: { purchase: 1 }, keepTimes: true }));
  const bestSellers = await topSellers(purchases, retail.catalog);
  progress.phase('counting what is bought together');
  const { found: boughtTogether, model: cooccurrence } = goesWith(
    retail.log,
    retail.catalog,
    bestSellers[0]?.item ?? '',
  );
  progress.done();
  progress.phase('serving: train ALS, score every customer, publish to the memory cache, read back');
  const serving = await serve(retail.log, retail.catalog, cooccurrence);
  progress.done();
  progress.phase('evaluating on Online Retail (temporal split: the last 20% of purchases are the future)');
  const retailScores = await evaluateAll(purchases, 'temporal', 0.8);
  progress.done();

  progress.phase('generating and evaluating a synthetic shop');
  const synthetic = generateSynthetic({ preset: 'small', seed: SEED });
  const eventCounts = Object.fromEntries(countEventTypes(synthetic.log)) as Record<EventType, number>;
  const weights = { view: 1, cart: 3, wishlist: 2, purchase: 5 };
  const shop = compactInteractions(buildInteractions(synthetic.log, { weights, keepTimes: true }));
  const syntheticScores = await evaluateAll(shop, 'user-stratified', 0.75);
  progress.done();

  const result: DemoResult = {
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
      events: eventCounts,
      customers: shop.matrix.rows,
      items: shop.matrix.cols,
      evaluation: syntheticScores,
    },
    seconds: Math.round((performance.now() - start) / 10) / 100,
    environment: describeEnvironment(),
  };
  return { result, text: formatDemo(result) };
}

async function evaluateAll(interactions: Interactions, split: SplitKind, ratio: number): Promise<AlgorithmScore[]> {
  const { train, test } = splitInteractions(csrToCoo(interactions.matrix), { kind: split, ratio, seed: SEED });
  const scores: AlgorithmScore[] = [];
  for (const algorithm of algorithmRegistry.values()) {
    const outcome = await evaluate(algorithm, { seed: SEED }, { train, test, k: K });
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

/** The items most bought together with `itemId` in the log's orders, and the model they came from. */
function goesWith(
  log: EventLog,
  catalog: Catalog,
  itemId: string,
): { found: DemoResult['retail']['boughtTogether']; model: CooccurrenceModel } {
  const spec = DEFAULT_RELATIONS.find((r) => r.name === 'bought-together');
  const model = buildCooccurrenceModel(log, { relations: spec ? [spec] : DEFAULT_RELATIONS });
  const index = log.item.ids.indexOf(itemId);
  const found = index < 0 ? null : together(model, [index], { k: 5 });
  const title = (id: string): string => catalog.get(id)?.title ?? '';
  return {
    model,
    found: {
      item: itemId,
      title: title(itemId),
      with: [...(found?.ids ?? [])].map((i, rank) => {
        const id = log.item.ids.idAt(i);
        return { item: id, title: title(id), score: found?.scores[rank] ?? 0, support: found?.support[rank] ?? 0 };
      }),
    },
  };
}

/**
 * What a shop runs every night and serves all day, end to end on the slice: ALS on all purchases,
 * every customer's top 20 scored on the worker pool, bought-together lists for every item, best
 * sellers and trending as of the last day, all published as one version of an in-memory cache;
 * then a known customer, a new visitor with two items (fold-in), an item page and a shelf read
 * back through the engine facade.
 */
async function serve(log: EventLog, catalog: Catalog, cooccurrence: CooccurrenceModel): Promise<DemoResult['serving']> {
  const seconds = (since: number): number => Math.round((performance.now() - since) / 10) / 100;
  let start = performance.now();
  const factors = await trainFactorModel('als', log, catalog, 'online-retail', { factors: 32, iterations: 10 });
  const train = {
    algorithm: 'als',
    kernel: String((factors.model as { kernel?: string }).kernel),
    seconds: seconds(start),
  };

  const scored = await scoreCustomers(factors.model, { k: 20, exclude: factors.seen });
  const recommendations: [string, RankedItems][] = [];
  const k = scored.k;
  for (let c = 0; c < factors.customerIds.length; c++) {
    const ids: string[] = [];
    const scores: number[] = [];
    for (let r = 0; r < k; r++) {
      const item = scored.ids?.[c * k + r] ?? -1;
      if (item < 0) break;
      ids.push(factors.itemIds[item] as string);
      scores.push(scored.scores?.[c * k + r] ?? 0);
    }
    recommendations.push([factors.customerIds[c] as string, { ids, scores: Float32Array.from(scores) }]);
  }

  const itemIds = cooccurrence.itemIds;
  const togetherLists: [string, RankedItems][] = [];
  for (let i = 0; i < itemIds.length; i++) {
    const found = together(cooccurrence, [i], { k: 10 });
    if (found.ids.length === 0) continue;
    togetherLists.push([
      itemIds[i] as string,
      { ids: Array.from(found.ids, (j) => itemIds[j] as string), scores: found.scores },
    ]);
  }
  let now = 0;
  for (let e = 0; e < log.length; e++) now = Math.max(now, log.timestamp[e] as number);
  const named = (list: { ids: Int32Array; scores: Float32Array }): RankedItems => ({
    ids: Array.from(list.ids, (i) => log.item.ids.idAt(i)),
    scores: Float32Array.from(list.scores),
  });
  const lists: [{ name: string }, RankedItems][] = [
    [{ name: 'best-sellers' }, named(bestSellers(log, { now, k: 20 }))],
    [{ name: 'trending' }, named(trending(log, { now, k: 20 }))],
  ];

  const engine = await createEngine({
    models: { factors, cooccurrence: { model: cooccurrence, titles: [] } },
    catalog,
  });
  try {
    start = performance.now();
    const published = await engine.publish({
      recommendations,
      together: togetherLists,
      lists,
      models: [['als', { algorithm: 'als', factors: factors.model.factors, customers: factors.customerIds.length }]],
    });
    const publish = { version: published.version, written: published.written, seconds: seconds(start) };

    const customer = factors.customerIds[0] as string;
    const best = lists[0]?.[1].ids[0] ?? '';
    const second = lists[0]?.[1].ids[1] ?? '';
    const reads: DemoResult['serving']['reads'][number][] = [];
    const record = (request: string, list: EngineList): void => {
      reads.push({
        request,
        source: list.source,
        version: list.version,
        items: list.items.slice(0, 3).map(({ item, title }) => ({ item, title: title ?? '' })),
      });
    };
    record(`recommend('${customer}')`, await engine.recommend(customer, { k: 5, titles: true }));
    record(
      `recommend('new-visitor', recentItems: ${best}, ${second})`,
      await engine.recommend('new-visitor', { k: 5, recentItems: [best, second], titles: true }),
    );
    record(`together(['${best}'])`, await engine.together([best], { k: 5, titles: true }));
    record(`list('trending')`, await engine.list('trending', { k: 5, titles: true }));

    const latencies = new Float64Array(2000);
    for (let r = -500; r < latencies.length; r++) {
      const id = factors.customerIds[((r + 500) * 7919) % factors.customerIds.length] as string;
      const t = performance.now();
      await engine.recommend(id, { k: 10 });
      if (r >= 0) latencies[r] = (performance.now() - t) * 1000; // after 500 warm-up reads
    }
    latencies.sort();
    return {
      train,
      score: {
        customers: scored.customers,
        k,
        seconds: Math.round(scored.seconds * 1000) / 1000,
        customersPerSecond: Math.round(scored.customersPerSecond),
        gflops: Math.round(scored.gflops * 100) / 100,
        kernel: scored.kernel,
      },
      publish,
      reads,
      readMicroseconds: {
        p50: Math.round(latencies[1000] as number),
        p99: Math.round(latencies[1980] as number),
      },
    };
  } finally {
    await engine.close();
  }
}

function formatDemo(r: DemoResult): string {
  const n = (x: number): string => x.toLocaleString('en-US');
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
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  return [
    'Encore demo',
    '',
    `1. Online Retail, December 2010 (UCI, CC BY 4.0), bundled: ${r.retail.path}`,
    `   ${n(r.retail.lines)} lines: ${n(r.retail.accepted)} events, ${n(r.retail.skipped)} skipped (non-products, adjustments), ${n(r.retail.rejected)} rejected`,
    `   ${counts}`,
    `   ${n(r.retail.customers)} customers bought ${n(r.retail.items)} products (${n(r.retail.purchases)} customer-product pairs)`,
    '',
    '   Best sellers (distinct buyers):',
    ...r.retail.bestSellers.map(
      (b, i) => `   ${String(i + 1).padStart(2)}. ${b.title || b.item} (${b.item}): ${n(b.buyers)}`,
    ),
    '',
    `   Bought together with ${r.retail.boughtTogether.title || r.retail.boughtTogether.item} (orders, LLR):`,
    ...r.retail.boughtTogether.with.map(
      (w) => `     ${w.title || w.item} (${w.item}): score ${w.score.toFixed(1)}, in ${n(w.support)} orders together`,
    ),
    '',
    `   Evaluation, temporal split (train on the first 80% of purchases, test on the rest), k=${K}:`,
    ...table(r.retail.evaluation),
    '',
    '2. Serving: train → score every customer → publish to the cache (in memory) → read back',
    `   ALS (${r.serving.train.kernel} kernel) trained in ${r.serving.train.seconds}s; ${n(r.serving.score.customers)} customers scored (top ${r.serving.score.k}) in ${r.serving.score.seconds}s, ${r.serving.score.gflops} GFLOP/s (${r.serving.score.kernel})`,
    `   published version ${r.serving.publish.version}: ${n(r.serving.publish.written)} values in ${r.serving.publish.seconds}s`,
    ...r.serving.reads.map(
      (read) =>
        `   ${read.request} → ${read.source}${read.version === null ? '' : ` v${read.version}`}: ${read.items.map((i) => i.title || i.item).join('; ')}`,
    ),
    `   reads through the facade: p50 ${r.serving.readMicroseconds.p50} µs, p99 ${r.serving.readMicroseconds.p99} µs`,
    '',
    `3. Synthetic shop (seed ${SEED}): ${Object.entries(r.synthetic.events)
      .map(([k, v]) => `${n(v)} ${k}`)
      .join(', ')}`,
    `   ${n(r.synthetic.customers)} customers x ${n(r.synthetic.items)} items; user-stratified 75/25, k=${K}:`,
    ...table(r.synthetic.evaluation),
    '',
    `done in ${r.seconds.toFixed(2)}s on ${r.environment.cpu} (${r.environment.threads} threads, node ${r.environment.node})`,
    '',
  ].join('\n');
}
