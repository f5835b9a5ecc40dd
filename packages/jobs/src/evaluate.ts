import { checkOptions, EncoreError, ErrorCode, type EventType, interactionPairs } from '@encore/core';
import type { DataFormat, LoadReport } from '@encore/datasets';
import { evaluate, type Metrics, type SplitKind, splitInteractions } from '@encore/eval';
import { algorithmRegistry } from './algorithms.js';
import { describeEnvironment, type Environment, roundSeconds } from './environment.js';
import { interactionWeights, loadInput } from './input.js';
import { type JobContext, SILENT_PROGRESS } from './progress.js';

/** Options of {@link evaluateAlgorithm} (`encore eval`). */
export interface EvalOptions extends JobContext {
  readonly data: string;
  readonly format: DataFormat;
  readonly algorithm: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly split: SplitKind;
  readonly ratio: number;
  readonly seed: number;
  readonly k: number;
  /** Event types that count as interactions; default per format (datasets' INTERACTION_EVENTS). */
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
 * Loads a dataset, splits it, fits the algorithm on the train part and scores its top-k against
 * the test part. Rejects with the loader's and splitter's typed errors.
 */
export async function evaluateAlgorithm(options: EvalOptions): Promise<EvalResult> {
  const where = 'jobs/evaluateAlgorithm';
  checkOptions(where, options, [
    'data',
    'format',
    'algorithm',
    'params',
    'split',
    'ratio',
    'seed',
    'k',
    'events',
    'strict',
    'grid',
    'progress',
    'signal',
  ]);
  const progress = options.progress ?? SILENT_PROGRESS;
  const { signal } = options;
  const algorithm = algorithmRegistry.get(options.algorithm);
  const { events, weights } = interactionWeights(options.format, options.events);
  const { dataset, seconds: loadSeconds } = await loadInput(
    where,
    { path: options.data, format: options.format, strict: options.strict ?? false },
    { progress, signal },
  );
  const { pairs } = interactionPairs(dataset.log, { weights });
  const { report } = dataset;

  if (pairs.row.length === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `${where}: no ${events.join('/')} interactions in ${options.data}; expected at least one (see --events)`,
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
      signal?.throwIfAborted();
      progress.phase(`grid ${i + 1}/${combos.length} ${JSON.stringify(combo)}`, 1);
      const point = await evaluate(
        algorithm,
        { ...options.params, ...combo },
        {
          train: validation.train,
          test: validation.test,
          k: options.k,
          onProgress: (fraction: number) => progress.update(fraction),
          signal,
        },
      );
      progress.done(`validation nDCG@${options.k} ${point.metrics.ndcg.toFixed(4)}`);
      points.push({ params: combo, metrics: point.metrics, trainSeconds: roundSeconds(point.timings.trainSeconds) });
    }
    points.sort((a, b) => b.metrics.ndcg - a.metrics.ndcg);
    params = { ...options.params, ...(points[0]?.params ?? {}) };
    grid = { validation: { train: validation.train.row.length, test: validation.test.row.length }, points };
  }

  signal?.throwIfAborted();
  progress.phase(`evaluating ${algorithm.name}`, 1);
  const outcome = await evaluate(algorithm, params, {
    train,
    test,
    k: options.k,
    onProgress: (fraction: number) => progress.update(fraction),
    signal,
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
      loadSeconds: roundSeconds(loadSeconds),
      trainSeconds: roundSeconds(outcome.timings.trainSeconds),
      recommendSeconds: roundSeconds(outcome.timings.recommendSeconds),
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
