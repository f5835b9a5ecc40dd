import {
  buildInteractions,
  compactInteractions,
  csrToCoo,
  EncoreError,
  ErrorCode,
  EVENT_TYPES,
  type EventType,
} from '@encore/core';
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
  readonly algorithm: { readonly name: string; readonly params: Readonly<Record<string, unknown>> };
  readonly k: number;
  readonly metrics: Metrics;
  readonly evaluatedUsers: number;
  readonly timings: { readonly loadSeconds: number; readonly trainSeconds: number; readonly recommendSeconds: number };
  readonly environment: Environment;
  readonly rejectedSamples: LoadReport['rejectedSamples'];
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
const FUNNEL_WEIGHTS: Readonly<Record<EventType, number>> = Object.freeze({
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
  const interactions = compactInteractions(buildInteractions(dataset.log, { weights, keepTimes: true }));
  const { report } = dataset;

  const matrix = interactions.matrix;
  if (matrix.indices.length === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `engine/eval: no ${events.join('/')} interactions in ${options.data}; expected at least one (see --events)`,
      { path: options.data, events },
    );
  }
  const { train, test } = splitInteractions(csrToCoo(matrix), {
    kind: options.split,
    ratio: options.ratio,
    seed: options.seed,
  });

  progress.phase(`evaluating ${algorithm.name}`, 1);
  const outcome = await evaluate(algorithm, options.params, {
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
      users: matrix.rows,
      items: matrix.cols,
      interactions: matrix.indices.length,
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
    algorithm: { name: algorithm.name, params: outcome.params },
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
  };
}

export { EVENT_TYPES, SPLIT_KINDS };

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
