import { buildCooccurrenceModel, DEFAULT_RELATIONS, together } from '@encore/cooccurrence';
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
import { algorithmRegistry } from '../algorithms.js';
import { describeEnvironment, type Environment } from '../environment.js';
import type { Progress } from '../internal/progress.js';

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
  const boughtTogether = goesWith(retail.log, retail.catalog, bestSellers[0]?.item ?? '');
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

/** The items most bought together with `itemId` in the log's orders. */
function goesWith(log: EventLog, catalog: Catalog, itemId: string): DemoResult['retail']['boughtTogether'] {
  const spec = DEFAULT_RELATIONS.find((r) => r.name === 'bought-together');
  const model = buildCooccurrenceModel(log, { relations: spec ? [spec] : DEFAULT_RELATIONS });
  const index = log.item.ids.indexOf(itemId);
  const found = index < 0 ? null : together(model, [index], { k: 5 });
  const title = (id: string): string => catalog.get(id)?.title ?? '';
  return {
    item: itemId,
    title: title(itemId),
    with: [...(found?.ids ?? [])].map((i, rank) => {
      const id = log.item.ids.idAt(i);
      return { item: id, title: title(id), score: found?.scores[rank] ?? 0, support: found?.support[rank] ?? 0 };
    }),
  };
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
    `2. Synthetic shop (seed ${SEED}): ${Object.entries(r.synthetic.events)
      .map(([k, v]) => `${n(v)} ${k}`)
      .join(', ')}`,
    `   ${n(r.synthetic.customers)} customers x ${n(r.synthetic.items)} items; user-stratified 75/25, k=${K}:`,
    ...table(r.synthetic.evaluation),
    '',
    `done in ${r.seconds.toFixed(2)}s on ${r.environment.cpu} (${r.environment.threads} threads, node ${r.environment.node})`,
    '',
  ].join('\n');
}
