import { EncoreError, ErrorCode, EVENT_TYPES, type EventType, interactionPairs } from '@encore/core';
import type { DataFormat, LoadReport } from '@encore/datasets';
import { evaluate, type Metrics, SPLIT_KINDS, type SplitKind, splitInteractions } from '@encore/eval';
import { algorithmRegistry } from '../algorithms.js';
import { describeEnvironment, type Environment } from '../environment.js';
import type { Progress } from '../internal/progress.js';
import { loadInput } from './input.js';

/** Options of `encore eval`, resolved. */
export interface EvalOptions {
  readonly data: string;
  readonly format: DataFormat;
  readonly algorithm: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly split: SplitKind;
  readonly ratio: number;
  readonly seed: number;
  readonly k: number;
  /** Event types that count as interactions; default per format (see DEFAULT_EVAL_EVENTS). */
  readonly events?: readonly EventType[] | undefined;
  readonly strict?: boolean | undefined;
  /**
   * Hyperparameter grid: every combination is fitted on part of the train split and scored on a
   * validation split carved from train (the same split kind and ratio, seed + 1), never on test;
   * the best by nDCG@k is refitted on the whole train split and scored on test.
   */
  readonly grid?: ReadonlyMap<string, readonly unknown[]> | undefined;
}

/** One combination of a `--grid` search, scored on the validation split. */
export interface GridPoint {
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Metrics;
  readonly trainSeconds: number;
}

/** The JSON object `encore eval --json` prints: a public contract, keep fields stable. */
export interface EvalResult {
  readonly dataset: {
    readonly path: string;
    readonly format: DataFormat;
    readonly users: number;
    readonly items: number;
    readonly interactions: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly skipped: number;
    readonly lines: number;
    readonly events: readonly EventType[];
  };
  readonly split: {
    readonly kind: SplitKind;
    readonly ratio: number;
    readonly seed: number;
    readonly train: number;
    readonly test: number;
  };
  readonly algorithm: {
    readonly name: string;
    readonly params: Readonly<Record<string, unknown>>;
    /** What ran where a choice was made at run time (e.g. the ALS kernel, the BPR backend). */
    readonly runtime: Readonly<Record<string, string>>;
  };
  readonly k: number;
  readonly metrics: Metrics;
  readonly evaluatedUsers: number;
  readonly timings: { readonly loadSeconds: number; readonly trainSeconds: number; readonly recommendSeconds: number };
  readonly environment: Environment;
  readonly rejectedSamples: LoadReport['rejectedSamples'];
  /** Present with `--grid`: every combination's validation metrics, best first. */
  readonly grid?: {
    readonly validation: { readonly train: number; readonly test: number };
    readonly points: readonly GridPoint[];
  };
}

/**
 * Which events count as interactions when evaluating, per format: ratings for MovieLens (every
 * rating is a positive, as in Microsoft Recommenders' benchmark), purchases for order data, the
 * positive funnel events for event logs.
 */
export const DEFAULT_EVAL_EVENTS: Readonly<Record<DataFormat, readonly EventType[]>> = Object.freeze({
  movielens: ['rate'],
  'movielens-1m': ['rate'],
  'online-retail': ['purchase'],
  baskets: ['purchase'],
  retailrocket: ['view', 'cart', 'purchase'],
  taobao: ['view', 'cart', 'wishlist', 'purchase'],
  csv: ['view', 'cart', 'wishlist', 'purchase', 'rate'],
  jsonl: ['view', 'cart', 'wishlist', 'purchase', 'rate'],
});

/** Relative weights of the funnel events when several count (a purchase says more than a view). */
export const FUNNEL_WEIGHTS: Readonly<Record<EventType, number>> = Object.freeze({
  view: 1,
  cart: 3,
  remove_from_cart: 0,
  purchase: 5,
  wishlist: 2,
  rate: 1,
  search: 0,
  return: 0,
});

/**
 * Loads a dataset, splits it, fits the algorithm on the train part and scores its top-k against
 * the test part. Rejects with the loader's and splitter's typed errors.
 */
export async function runEval(options: EvalOptions, progress: Progress): Promise<EvalResult> {
  const algorithm = algorithmRegistry.get(options.algorithm);
  const events = options.events ?? DEFAULT_EVAL_EVENTS[options.format];
  if (events === undefined) {
    throw new EncoreError(ErrorCode.UNKNOWN_FORMAT, `engine/eval: unknown format '${options.format}'`, {
      value: options.format,
    });
  }

  const { dataset, seconds: loadSeconds } = await loadInput('eval', options.data, options.format, {
    strict: options.strict ?? false,
    progress,
  });
  const weights: Partial<Record<EventType, number>> = {};
  for (const type of events) weights[type] = FUNNEL_WEIGHTS[type];
  const { pairs } = interactionPairs(dataset.log, { weights });
  const { report } = dataset;

  if (pairs.row.length === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `engine/eval: no ${events.join('/')} interactions in ${options.data}; expected at least one (see --events)`,
      { path: options.data, events },
    );
  }
  const { train, test } = splitInteractions(pairs, {
    kind: options.split,
    ratio: options.ratio,
    seed: options.seed,
  });

  let params = options.params;
  let grid: EvalResult['grid'];
  if (options.grid !== undefined && options.grid.size > 0) {
    const validation = splitInteractions(train, { kind: options.split, ratio: options.ratio, seed: options.seed + 1 });
    const points: GridPoint[] = [];
    const combos = cartesian(options.grid);
    for (const [i, combo] of combos.entries()) {
      progress.phase(`grid ${i + 1}/${combos.length} ${JSON.stringify(combo)}`, 1);
      const point = await evaluate(
        algorithm,
        { ...options.params, ...combo },
        {
          train: validation.train,
          test: validation.test,
          k: options.k,
          onProgress: (fraction: number) => progress.update(fraction),
        },
      );
      progress.done(`validation nDCG@${options.k} ${point.metrics.ndcg.toFixed(4)}`);
      points.push({ params: combo, metrics: point.metrics, trainSeconds: round(point.timings.trainSeconds) });
    }
    points.sort((a, b) => b.metrics.ndcg - a.metrics.ndcg);
    params = { ...options.params, ...(points[0]?.params ?? {}) };
    grid = { validation: { train: validation.train.row.length, test: validation.test.row.length }, points };
  }

  progress.phase(`evaluating ${algorithm.name}`, 1);
  const outcome = await evaluate(algorithm, params, {
    train,
    test,
    k: options.k,
    onProgress: (fraction: number) => progress.update(fraction),
  });
  progress.done();

  return {
    dataset: {
      path: options.data,
      format: options.format,
      users: pairs.rows,
      items: pairs.cols,
      interactions: pairs.row.length,
      accepted: report.accepted,
      rejected: report.rejected,
      skipped: report.skipped,
      lines: report.lines,
      events,
    },
    split: {
      kind: options.split,
      ratio: options.ratio,
      seed: options.seed,
      train: train.row.length,
      test: test.row.length,
    },
    algorithm: { name: algorithm.name, params: outcome.params, runtime: outcome.runtime },
    k: options.k,
    metrics: outcome.metrics,
    evaluatedUsers: outcome.users,
    timings: {
      loadSeconds: round(loadSeconds),
      trainSeconds: round(outcome.timings.trainSeconds),
      recommendSeconds: round(outcome.timings.recommendSeconds),
    },
    environment: describeEnvironment(),
    rejectedSamples: report.rejectedSamples,
    ...(grid ? { grid } : {}),
  };
}

/** Every combination of the grid's values, in the order given (the last name varies fastest). */
function cartesian(grid: ReadonlyMap<string, readonly unknown[]>): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [name, values] of grid) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [name]: value })));
  }
  return combos;
}

export { EVENT_TYPES, SPLIT_KINDS };

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
