import {
  type Coo,
  checkOptions,
  defaultCustomers,
  EncoreError,
  ErrorCode,
  EVENT_TYPES,
  type EventLog,
  type EventType,
  eventTypeCode,
  type IdMap,
  interactionPairs,
  invalidArgument,
} from '@encore/core';
import type { DataFormat, LoadReport } from '@encore/datasets';
import { dedupePairs, evaluate, type Metrics, type SplitKind, splitInteractions, trainCount } from '@encore/eval';
import { algorithmRegistry } from './algorithms.js';
import { describeEnvironment, type Environment, roundSeconds } from './environment.js';
import { type DataInput, interactionWeights, loadInput, loadWarnings } from './input.js';
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
  /** How the file is read beyond its format: csv columns and event type, accepted times. */
  readonly input?: Pick<DataInput, 'columns' | 'type' | 'timeRange'> | undefined;
  /** Event types that count as interactions; default per format (datasets' INTERACTION_EVENTS). */
  readonly events?: readonly EventType[] | undefined;
  readonly strict?: boolean | undefined;
  /**
   * Hyperparameter grid: every combination is fitted on part of the train split and scored on a
   * validation split carved from train (the same split kind and ratio, seed + 1), never on test;
   * the best by nDCG@k is refitted on the whole train split and scored on test.
   */
  readonly grid?: ReadonlyMap<string, readonly unknown[]> | undefined;
  /**
   * Keep the customer's train items in their lists, for shops with repeat purchases (default
   * false). Needs the temporal split, which then cuts the events rather than the customer-item
   * pairs: a product bought before and after the cut-off is in train and in test, a repeat purchase
   * a list can hit (with pairs, a pair is on one side only, and keeping seen items changes nothing).
   */
  readonly includeSeen?: boolean | undefined;
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
  /** Whether the customer's train items were kept in their lists. */
  readonly includeSeen: boolean;
  readonly metrics: Metrics;
  readonly evaluatedUsers: number;
  readonly timings: { readonly loadSeconds: number; readonly trainSeconds: number; readonly recommendSeconds: number };
  readonly environment: Environment;
  readonly rejectedSamples: LoadReport['rejectedSamples'];
  /** Why the figures may not mean much (too few users or test interactions to compare). */
  readonly warnings: readonly string[];
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
    'includeSeen',
    'input',
    'progress',
    'signal',
  ]);
  const progress = options.progress ?? SILENT_PROGRESS;
  const { signal } = options;
  const algorithm = algorithmRegistry.get(options.algorithm);
  // A parameter the algorithm does not take is a usage error: said before any data is read. Every
  // algorithm takes a `seed` (the deterministic ones ignore it), so one seed serves them all.
  const known = [...new Set([...Object.keys(algorithm.defaults), 'seed'])];
  checkOptions(`${where} (${algorithm.name})`, options.params ?? {}, known, 'params');
  if (options.grid !== undefined) {
    checkOptions(`${where} (${algorithm.name})`, Object.fromEntries(options.grid), known, 'params');
  }
  const { events, weights } = interactionWeights(options.format, options.events);
  const { dataset, seconds: loadSeconds } = await loadInput(
    where,
    { ...options.input, path: options.data, format: options.format, strict: options.strict ?? false },
    { progress, signal },
  );
  const { pairs, customers, items } = interactionPairs(dataset.log, { weights });
  const { report } = dataset;

  if (pairs.row.length === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `${where}: no ${events.join('/')} interactions in ${options.data}; expected at least one (see --events)`,
      { path: options.data, events },
    );
  }
  const { train, test } =
    options.includeSeen === true
      ? repeatAwareSplit(where, options, dataset.log, weights, customers, items)
      : splitInteractions(pairs, { kind: options.split, ratio: options.ratio, seed: options.seed });
  const warnings = [...loadWarnings(report), ...checkEvaluable(where, train.row, test.row, options.data, report)];

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
          includeSeen: options.includeSeen ?? false,
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
    includeSeen: options.includeSeen ?? false,
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
    includeSeen: options.includeSeen ?? false,
    metrics: outcome.metrics,
    evaluatedUsers: outcome.users,
    timings: {
      loadSeconds: roundSeconds(loadSeconds),
      trainSeconds: roundSeconds(outcome.timings.trainSeconds),
      recommendSeconds: roundSeconds(outcome.timings.recommendSeconds),
    },
    environment: describeEnvironment(),
    rejectedSamples: report.rejectedSamples,
    warnings,
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

/** Fewest customers with train and test interactions, and test interactions, below which figures are noise. */
export const EVALUATION_MINIMUM = Object.freeze({ users: 100, testInteractions: 500 });

/**
 * Refuses a split with nothing to evaluate (EMPTY_INPUT: no customer has both train and test
 * interactions), and warns when there is too little to compare: a recall of 1.0 from one test
 * interaction is not a result.
 */
function checkEvaluable(
  where: string,
  trainRows: Int32Array,
  testRows: Int32Array,
  path: string,
  report: LoadReport,
): string[] {
  const inTrain = new Set(trainRows);
  const evaluable = new Set<number>();
  for (const row of testRows) if (inTrain.has(row)) evaluable.add(row);
  if (evaluable.size === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `${where}: nothing to evaluate in ${path} (${report.lines} lines: ${report.accepted} events, ` +
        `${report.rejected} rejected, ${report.skipped} skipped): ${trainRows.length} train / ${testRows.length} test ` +
        'interactions, and no customer has both; expected customers with interactions on both sides of the split',
      { path, train: trainRows.length, test: testRows.length, lines: report.lines, rejected: report.rejected },
    );
  }
  const { users, testInteractions } = EVALUATION_MINIMUM;
  if (evaluable.size >= users && testRows.length >= testInteractions) return [];
  return [
    `only ${evaluable.size} customers with train and test interactions and ${testRows.length} test interactions: ` +
      `too few for the metrics to mean much (expected at least ${users} and ${testInteractions})`,
  ];
}

/**
 * The temporal split of {@link EvalOptions.includeSeen}: the events of the interaction types,
 * ordered by (time, customer, item), the first `trainCount(n, ratio)` to train (the rule of the
 * pair split); each side's repeated pairs then summed into one, with the latest time.
 */
function repeatAwareSplit(
  where: string,
  options: EvalOptions,
  log: EventLog,
  weights: Partial<Record<EventType, number>>,
  customers: IdMap,
  items: IdMap,
): { train: Coo; test: Coo } {
  if (options.split !== 'temporal') {
    throw invalidArgument(
      where,
      `includeSeen needs the temporal split (a customer-item pair can then fall on both sides), not ${options.split}`,
      options.split,
    );
  }
  const assignment = defaultCustomers(log);
  const itemOf = log.item.values;
  const weightOf = new Float64Array(EVENT_TYPES.length);
  for (const [type, weight] of Object.entries(weights)) weightOf[eventTypeCode(type as EventType)] = weight as number;
  const row: number[] = [];
  const col: number[] = [];
  const value: number[] = [];
  const time: number[] = [];
  for (let e = 0; e < log.length && itemOf !== null; e++) {
    const w = weightOf[log.type[e] as number] as number;
    const c = assignment.ofEvent[e] as number;
    const i = itemOf[e] as number;
    if (!(w > 0) || c < 0 || i < 0) continue;
    const r = customers.indexOf(assignment.ids.idAt(c));
    const k = items.indexOf(log.item.ids.idAt(i));
    if (r < 0 || k < 0) continue;
    row.push(r);
    col.push(k);
    value.push(w);
    time.push(log.timestamp[e] as number);
  }
  const n = row.length;
  const order = Int32Array.from({ length: n }, (_, e) => e).sort(
    (a, b) =>
      (time[a] as number) - (time[b] as number) ||
      (row[a] as number) - (row[b] as number) ||
      (col[a] as number) - (col[b] as number),
  );
  const m = trainCount(n, options.ratio);
  const side = (from: number, to: number): Coo => {
    const picked = order.subarray(from, to);
    return dedupePairs({
      rows: customers.size,
      cols: items.size,
      row: Int32Array.from(picked, (e) => row[e] as number),
      col: Int32Array.from(picked, (e) => col[e] as number),
      value: Float32Array.from(picked, (e) => value[e] as number),
      time: Float64Array.from(picked, (e) => time[e] as number),
    });
  };
  return { train: side(0, m), test: side(m, n) };
}
