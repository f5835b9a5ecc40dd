import {
  type Algorithm,
  type Coo,
  type Csr,
  checkBoolean,
  checkCoo,
  checkCsr,
  checkInteger,
  checkOptions,
  cooToCsr,
  EncoreError,
  ErrorCode,
  invalidArgument,
  type TopK,
} from '@encore/core';
import { evaluateRankings, type RankingMetrics } from './metrics.js';

export interface EvaluationOptions {
  /** Training interactions (customers × items). A Coo is turned into a Csr with duplicates summed. */
  readonly train: Coo | Csr;
  /** Held-out interactions, same shape as `train`; every stored entry is relevant. */
  readonly test: Coo | Csr;
  /** Cut-off of the ranked lists (default 10). */
  readonly k?: number;
  /** Customers per `recommend` call (default 1024). */
  readonly batchSize?: number;
  /** Progress in [0, 1] with a label ('fit: …' from the algorithm, then 'recommend'). */
  readonly onProgress?: ((fraction: number, label: string) => void) | undefined;
  /** Aborts between recommendation batches (and is handed to fit). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Keep what the customer has in train in their lists (default false: left out, as in Microsoft
   * Recommenders' benchmark). For shops whose customers buy the same things again, where a test
   * purchase of a train item is a hit a list should score.
   */
  readonly includeSeen?: boolean | undefined;
}

export const DEFAULT_EVALUATION_OPTIONS: Readonly<{ k: number; batchSize: number; includeSeen: boolean }> =
  Object.freeze({
    k: 10,
    batchSize: 1024,
    includeSeen: false,
  });

export interface Evaluation {
  readonly algorithm: string;
  /** The model's resolved hyperparameters. */
  readonly params: Readonly<Record<string, unknown>>;
  /** What ran where a choice was made at run time (the model's `runtime`; {} when it has none). */
  readonly runtime: Readonly<Record<string, string>>;
  readonly k: number;
  readonly metrics: RankingMetrics;
  /** Customers evaluated (≥ 1 test item). */
  readonly users: number;
  readonly timings: { readonly trainSeconds: number; readonly recommendSeconds: number };
}

/**
 * Fits `algorithm` on `train`, asks the model for the top k of every customer with at least one
 * test item (in batches, with `exclude = train` so seen items are never recommended, unless
 * `includeSeen`), and scores
 * the lists with {@link evaluateRankings}. `coverage` is relative to the catalog (`train.cols`);
 * MS Recommenders' `catalog_coverage` divides by the distinct training items instead, which can
 * exceed 1 when a split holds some items out of train entirely. Timings are wall-clock seconds
 * (`performance.now()`): fit, then all recommend calls.
 *
 * Rejects with INVALID_ARGUMENT for malformed or differently shaped matrices, a bad k / batchSize,
 * or a model that returns the wrong number of lists; with whatever `fit` rejects with otherwise;
 * with the signal's reason when aborted.
 *
 * @example
 * const { metrics, timings } = await evaluate(popular, {}, { train, test, k: 10 });
 */
export async function evaluate(
  // biome-ignore lint/suspicious/noExplicitAny: any algorithm; its fit validates the params
  algorithm: Algorithm<any>,
  params: Readonly<Record<string, unknown>>,
  options: EvaluationOptions,
): Promise<Evaluation> {
  const where = 'eval/evaluate';
  if (typeof algorithm !== 'object' || algorithm === null || typeof algorithm.fit !== 'function') {
    throw invalidArgument(where, 'algorithm must implement fit', algorithm);
  }
  checkOptions(where, options, ['train', 'test', 'k', 'batchSize', 'onProgress', 'signal', 'includeSeen']);
  const k = checkInteger(where, 'k', options.k ?? DEFAULT_EVALUATION_OPTIONS.k, 1);
  const includeSeen = checkBoolean(where, 'includeSeen', options.includeSeen ?? DEFAULT_EVALUATION_OPTIONS.includeSeen);
  const batchSize = checkInteger(where, 'batchSize', options.batchSize ?? DEFAULT_EVALUATION_OPTIONS.batchSize, 1);
  const train = toCsr(where, 'train', options.train);
  const test = toCsr(where, 'test', options.test);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw invalidArgument(where, 'train and test must have the same shape', {
      train: [train.rows, train.cols],
      test: [test.rows, test.cols],
    });
  }
  const { onProgress, signal } = options;
  signal?.throwIfAborted();

  const fitStart = performance.now();
  const model = await algorithm.fit(train, params, {
    onProgress: onProgress && ((fraction: number, label: string) => onProgress(fraction, `fit: ${label}`)),
    signal,
  });
  const trainSeconds = (performance.now() - fitStart) / 1000;

  let nUsers = 0;
  for (let u = 0; u < test.rows; u++) if (test.indptr[u + 1]! > test.indptr[u]!) nUsers++;
  const users = new Int32Array(nUsers);
  for (let u = 0, o = 0; u < test.rows; u++) if (test.indptr[u + 1]! > test.indptr[u]!) users[o++] = u;

  const recommendations: TopK[] = [];
  let recommendSeconds = 0;
  for (let from = 0; from < nUsers; from += batchSize) {
    signal?.throwIfAborted();
    const batch = users.subarray(from, Math.min(nUsers, from + batchSize));
    const start = performance.now();
    const lists = model.recommend(batch, includeSeen ? { k } : { k, exclude: train });
    recommendSeconds += (performance.now() - start) / 1000;
    if (!Array.isArray(lists) || lists.length !== batch.length) {
      throw new EncoreError(
        ErrorCode.INVALID_ARGUMENT,
        `${where}: model ${model.algorithm} returned ${Array.isArray(lists) ? lists.length : typeof lists} lists for ${batch.length} customers, expected one per customer`,
        { value: Array.isArray(lists) ? lists.length : lists },
      );
    }
    for (const list of lists) recommendations.push(list);
    onProgress?.(Math.min(nUsers, from + batchSize) / nUsers, 'recommend');
  }

  const metrics = evaluateRankings(recommendations, users, test, { k, items: train.cols });
  return {
    algorithm: model.algorithm,
    params: model.params,
    runtime: model.runtime ?? {},
    k,
    metrics,
    users: metrics.users,
    timings: { trainSeconds, recommendSeconds },
  };
}

function toCsr(where: string, name: string, matrix: Coo | Csr): Csr {
  if (typeof matrix !== 'object' || matrix === null)
    throw invalidArgument(where, `${name} must be a Coo or Csr matrix`, matrix);
  if ('indptr' in matrix) {
    checkCsr(where, name, matrix);
    return matrix;
  }
  checkCoo(where, name, matrix);
  return cooToCsr(matrix);
}
