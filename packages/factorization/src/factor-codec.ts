import {
  type Csr,
  checkCsr,
  checkOptions,
  decodeModelFile,
  EVENT_TYPES,
  type EventType,
  encodeModelFile,
  invalidArgument,
  isEncoreError,
  type JsonValue,
  type ModelFile,
} from '@encore/core';
import { type AlsModel, resolveAlsParams } from './als.js';
import { ALS_KERNELS, type AlsKernel } from './als-kernel.js';
import { type BprBackend, type BprModel, resolveBprParams } from './bpr.js';
import { TFJS_BACKENDS } from './tfjs.js';

/**
 * A factor model as a shop serves it: the fitted ALS or BPR model plus the ids that name its rows
 * and columns and what each customer already has. What `encore train --algorithm als|bpr` writes,
 * what the engine and the scoring job read.
 */
export interface TrainedFactorModel {
  /** The fitted model (its `algorithm` says which). */
  readonly model: AlsModel | BprModel;
  /** Customer id of each row of the model's user factors. */
  readonly customerIds: readonly string[];
  /** Item id of each row of the model's item factors. */
  readonly itemIds: readonly string[];
  /** The training matrix (customers × items): what each customer has, left out of their lists. */
  readonly seen: Csr;
  /** The event weights the matrix was built with (event type → weight). */
  readonly weights: Readonly<Partial<Record<EventType, number>>>;
}

/** The format version of factor model files this Encore writes and reads. */
export const FACTOR_MODEL_FORMAT = 1;

/**
 * Encodes a trained factor model (ALS or BPR) as model-file bytes (see core's
 * `encodeModelFile`): factors bit for bit, ids, the seen matrix, parameters and fit history.
 *
 * Throws INVALID_ARGUMENT when the parts do not fit together (ids of another length than the
 * factor rows, a seen matrix of another shape).
 *
 * @example
 * await writeFile('als.encore', encodeFactorModel({ model, customerIds, itemIds, seen, weights: { purchase: 1 } }));
 */
export function encodeFactorModel(trained: TrainedFactorModel): Uint8Array {
  const where = 'factorization/encodeFactorModel';
  checkOptions(where, trained, ['model', 'customerIds', 'itemIds', 'seen', 'weights'], 'trained model');
  const { model, customerIds, itemIds, seen, weights } = trained;
  const algorithm = model?.algorithm;
  if (algorithm !== 'als' && algorithm !== 'bpr')
    throw invalidArgument(where, 'model must be an ALS or BPR model', algorithm);
  const f = model.factors;
  const customers = algorithm === 'als' ? (model as AlsModel).users : (model as BprModel).customers;
  if (!Array.isArray(customerIds) || customerIds.length !== customers || model.userFactors.length !== customers * f) {
    throw invalidArgument(where, `customerIds must name the model's ${customers} customers`, customerIds?.length);
  }
  if (!Array.isArray(itemIds) || itemIds.length !== model.items || model.itemFactors.length !== model.items * f) {
    throw invalidArgument(where, `itemIds must name the model's ${model.items} items`, itemIds?.length);
  }
  checkCsr(where, 'seen', seen, true);
  if (seen.rows !== customers || seen.cols !== model.items) {
    throw invalidArgument(where, `seen must be ${customers} × ${model.items}`, { rows: seen.rows, cols: seen.cols });
  }
  const runtime: Record<string, JsonValue> =
    algorithm === 'als' ? { kernel: (model as AlsModel).kernel } : { backend: (model as BprModel).backend };
  return encodeModelFile({
    family: algorithm,
    version: FACTOR_MODEL_FORMAT,
    meta: {
      factors: f,
      customers,
      items: model.items,
      params: model.params as unknown as JsonValue,
      history: model.history as unknown as JsonValue,
      weights: { ...weights } as Record<string, number>,
      ...runtime,
    },
    sections: {
      customerIds,
      itemIds,
      userFactors: model.userFactors,
      itemFactors: model.itemFactors,
      seenIndptr: seen.indptr,
      seenIndices: seen.indices,
      seenData: seen.data,
    },
  });
}

/**
 * Decodes a factor model file (ALS or BPR). Everything is checked before the model is handed out:
 * ids as many as the factor rows and unique, factor arrays of rows × factors and finite, the seen
 * matrix a well-formed CSR of customers × items, parameters as a fit would accept them.
 *
 * Throws MODEL_FORMAT (naming `source` and what was wrong) for a file of another family or any
 * failed check.
 *
 * @example
 * const trained = decodeFactorModel(await readFile('models/retail-als/als.encore'), 'models/retail-als/als.encore');
 */
export function decodeFactorModel(bytes: Uint8Array, source = 'model'): TrainedFactorModel {
  const file = decodeModelFile(bytes, {
    where: 'factorization/decodeFactorModel',
    source,
    family: ['als', 'bpr'],
    maxVersion: FACTOR_MODEL_FORMAT,
  });
  return factorModelFromFile(file);
}

/** {@link decodeFactorModel} of a model file already checked by core's `decodeModelFile`. */
export function factorModelFromFile(file: ModelFile): TrainedFactorModel {
  const algorithm = file.family as 'als' | 'bpr';
  const f = file.integer('factors', 1, 4097);
  const customers = file.integer('customers', 0, 0x7ffffffe);
  const items = file.integer('items', 0, 0x7ffffffe);
  const customerIds = uniqueIds(file, 'customerIds', customers);
  const itemIds = uniqueIds(file, 'itemIds', items);
  const userFactors = file.float32('userFactors', { length: customers * f, finite: true });
  const itemFactors = file.float32('itemFactors', { length: items * f, finite: true });
  const indptr = file.int32('seenIndptr', { length: customers + 1 });
  const indices = file.int32('seenIndices');
  const data = file.float32('seenData', { length: indices.length, finite: true });
  const seen: Csr = { rows: customers, cols: items, indptr, indices, data, times: null };
  try {
    checkCsr('factorization/decodeFactorModel', 'seen', seen, true);
  } catch (error) {
    file.fail(`the seen matrix is malformed: ${(error as Error).message}`);
  }
  const params = paramsOf(file, algorithm);
  const history = file.json('history', []);
  if (!Array.isArray(history)) file.fail('meta.history must be an array');
  const weights = weightsOf(file);
  let model: AlsModel | BprModel;
  if (algorithm === 'als') {
    model = Object.freeze({
      algorithm,
      params,
      factors: f,
      users: customers,
      items,
      userFactors,
      itemFactors,
      kernel: file.string<AlsKernel>('kernel', ALS_KERNELS.filter((k) => k !== 'auto') as AlsKernel[]),
      history: history as unknown as AlsModel['history'],
    }) as AlsModel;
  } else {
    model = Object.freeze({
      algorithm,
      params,
      customers,
      items,
      factors: f,
      userFactors,
      itemFactors,
      history: history as unknown as BprModel['history'],
      backend: file.string<BprBackend>('backend', ['typed-arrays', ...TFJS_BACKENDS]),
    }) as BprModel;
  }
  return Object.freeze({ model, customerIds, itemIds, seen, weights });
}

function uniqueIds(file: ModelFile, name: string, length: number): string[] {
  const ids = file.strings(name, length);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) file.fail(`${name} repeats the id ${JSON.stringify(id)}`, { section: name });
    seen.add(id);
  }
  return ids;
}

function paramsOf(file: ModelFile, algorithm: 'als' | 'bpr'): AlsModel['params'] & BprModel['params'] {
  const raw = file.json('params', {});
  try {
    const params =
      algorithm === 'als'
        ? resolveAlsParams('factorization/decodeFactorModel', raw)
        : resolveBprParams('factorization/decodeFactorModel', raw);
    const expected = algorithm === 'als' ? params.factors : params.factors + 1;
    if (expected !== file.integer('factors', 1))
      file.fail(`params.factors ${params.factors} does not fit the factor rows`);
    return params as AlsModel['params'] & BprModel['params'];
  } catch (error) {
    if (isEncoreError(error) && error.code !== 'INVALID_ARGUMENT') throw error;
    return file.fail(`meta.params: ${(error as Error).message}`);
  }
}

function weightsOf(file: ModelFile): Readonly<Partial<Record<EventType, number>>> {
  const raw = file.json('weights', {});
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return file.fail('meta.weights must be an object');
  const weights: Partial<Record<EventType, number>> = {};
  for (const [type, weight] of Object.entries(raw)) {
    if (!(EVENT_TYPES as readonly string[]).includes(type) || typeof weight !== 'number' || !(weight >= 0)) {
      file.fail(`meta.weights.${type} is not an event type with a weight ≥ 0`);
    }
    weights[type as EventType] = weight as number;
  }
  return Object.freeze(weights);
}
