import {
  basketMatrix,
  type ItemsetRecord,
  mineRules,
  type RuleRecord,
  serializeItemsets,
  serializeRules,
} from '@encore/cooccurrence';
import { EncoreError, ErrorCode, type EventType } from '@encore/core';
import type { DataFormat } from '@encore/datasets';
import { describeEnvironment, type Environment, roundSeconds } from './environment.js';
import { type DataInput, loadInput } from './input.js';
import { type JobContext, SILENT_PROGRESS } from './progress.js';

/** Options of {@link mineAssociationRules} (`encore rules`). */
export interface RulesOptions extends JobContext {
  /** How the file is read beyond its format: csv columns and event type, accepted times. */
  readonly input?: Pick<DataInput, 'columns' | 'type' | 'timeRange'> | undefined;
  readonly data: string;
  readonly format: DataFormat;
  readonly basket: 'order' | 'session';
  readonly events: readonly EventType[];
  readonly minSupport: number;
  readonly minConfidence: number;
  readonly minLift: number;
  readonly maxLength: number;
  readonly strict: boolean;
}

/** What `encore rules --json` prints: a public contract, keep fields stable. */
export interface RulesResult {
  readonly dataset: {
    readonly path: string;
    readonly format: DataFormat;
    readonly baskets: number;
    readonly items: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly skipped: number;
  };
  readonly params: {
    readonly basket: 'order' | 'session';
    readonly events: readonly EventType[];
    readonly minSupport: number;
    readonly minConfidence: number;
    readonly minLift: number;
    readonly maxLength: number;
    /** The support threshold as a basket count, as arules computes it: ceil(minSupport × baskets). */
    readonly minCount: number;
  };
  readonly itemsets: readonly ItemsetRecord[];
  readonly rules: readonly RuleRecord[];
  readonly timings: { readonly loadSeconds: number; readonly mineSeconds: number };
  readonly environment: Environment;
}

/**
 * Frequent itemsets and association rules (single-item consequents, as arules' apriori) over the
 * baskets of a dataset: orders or sessions. Rejects with EMPTY_INPUT when there are no baskets,
 * the loader's errors, and the signal's reason.
 */
export async function mineAssociationRules(options: RulesOptions): Promise<RulesResult> {
  const where = 'jobs/mineAssociationRules';
  const progress = options.progress ?? SILENT_PROGRESS;
  const { dataset, seconds: loadSeconds } = await loadInput(
    where,
    { ...options.input, path: options.data, format: options.format, strict: options.strict },
    { progress, signal: options.signal },
  );
  const { matrix, items } = basketMatrix(dataset.log, { by: options.basket, types: options.events });
  const basketCount = countNonEmptyRows(matrix.indptr);
  if (basketCount === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `${where}: no ${options.basket} baskets of ${options.events.join('/')} events in ${options.data}; ` +
        `expected events with an ${options.basket === 'order' ? 'orderId' : 'sessionId'} and an itemId`,
      { path: options.data },
    );
  }
  options.signal?.throwIfAborted();
  progress.phase('mining frequent itemsets and rules');
  const start = performance.now();
  // Mining counts only non-empty baskets (an order that was only returned is not a basket).
  const mined = mineRules(matrix, {
    minSupport: options.minSupport,
    minConfidence: options.minConfidence,
    minLift: options.minLift,
    maxLength: options.maxLength,
  });
  const mineSeconds = (performance.now() - start) / 1000;
  progress.done(`${mined.itemsets.itemsets.length} itemsets, ${mined.rules.length} rules`);
  const ids = items.ids();
  return {
    dataset: {
      path: options.data,
      format: options.format,
      baskets: basketCount,
      items: countUsedColumns(matrix.indices, matrix.cols),
      accepted: dataset.report.accepted,
      rejected: dataset.report.rejected,
      skipped: dataset.report.skipped,
    },
    params: {
      basket: options.basket,
      events: options.events,
      minSupport: options.minSupport,
      minConfidence: options.minConfidence,
      minLift: options.minLift,
      maxLength: options.maxLength,
      minCount: mined.itemsets.minCount,
    },
    itemsets: serializeItemsets(mined.itemsets, ids),
    rules: serializeRules(mined.rules, ids),
    timings: { loadSeconds: roundSeconds(loadSeconds), mineSeconds: roundSeconds(mineSeconds) },
    environment: describeEnvironment(),
  };
}

function countNonEmptyRows(indptr: Int32Array): number {
  let n = 0;
  for (let r = 0; r + 1 < indptr.length; r++) if (indptr[r + 1]! > indptr[r]!) n++;
  return n;
}

function countUsedColumns(indices: Int32Array, cols: number): number {
  const used = new Uint8Array(cols);
  let n = 0;
  for (const c of indices) {
    if (used[c] === 0) {
      used[c] = 1;
      n++;
    }
  }
  return n;
}
