import {
  buildCooccurrenceModel,
  type CooccurrenceModel,
  customersAlso,
  DEFAULT_RELATIONS,
  emptyRelationReason,
} from '@encore/cooccurrence';
import {
  buildInteractions,
  checkOptions,
  compactInteractions,
  EncoreError,
  ErrorCode,
  type EventLog,
  type EventType,
  type FitContext,
  invalidArgument,
} from '@encore/core';
import type { LoadedDataset, LoadReport } from '@encore/datasets';
import { type AlsModel, type BprModel, factorRuntime, type TrainedFactorModel } from '@encore/factorization';
import { type ModelSet, saveModels } from '@encore/models';
import { buildShelf, customerHistories, itemAttributes } from '@encore/ranking';
import { algorithmRegistry } from './algorithms.js';
import { describeEnvironment, type Environment, peakRssMb, roundSeconds } from './environment.js';
import { type DataInput, interactionWeights, loadInput, loadWarnings } from './input.js';
import { type JobContext, SILENT_PROGRESS } from './progress.js';

/** What `trainModels` can train: co-occurrence relations, or a factor model. */
export const TRAINABLE_ALGORITHMS = Object.freeze(['cooccurrence', 'als', 'bpr'] as const);
export type TrainableAlgorithm = (typeof TRAINABLE_ALGORITHMS)[number];

export interface TrainOptions extends JobContext {
  /** The events to train on: a file (loaded here) or a dataset already loaded. */
  readonly data:
    | DataInput
    | { readonly dataset: LoadedDataset; readonly path: string; readonly format: DataInput['format'] };
  /** Default 'cooccurrence'. */
  readonly algorithm?: string;
  /** The algorithm's parameters (factor models), or every relation's (co-occurrence: similarity, neighbours, minSupport …). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Event types the factor model is trained on (default: the format's INTERACTION_EVENTS). */
  readonly events?: readonly EventType[];
  /** The model directory to write (saveModels); none: the models are only returned. */
  readonly out?: string;
}

/** What `encore train --json` prints: a public contract, keep fields stable. */
export interface TrainResult {
  /** The main model's file. */
  readonly model: string;
  /** The model directory (with `model.json`, the manifest). */
  readonly dir: string | null;
  readonly algorithm: string;
  readonly items: number;
  /** Co-occurrence models: neighbour edges in all relations, and each relation. */
  readonly edges?: number;
  readonly relations?: readonly {
    readonly name: string;
    readonly kind: string;
    readonly baskets: number;
    readonly edges: number;
  }[];
  /** Factor models (als, bpr): customers and latent factors. */
  readonly customers?: number;
  readonly factors?: number;
  /** Factor models: what ran where a choice was made at run time (ALS `kernel`, BPR `backend`). */
  readonly runtime?: Readonly<Record<string, string>>;
  /** The other parts written beside the model: curated lists, timelines, catalog (counts). */
  readonly parts: {
    readonly lists: number;
    readonly customers: number;
    readonly events: number;
    readonly catalog: number;
  };
  /** Events read and rejected (with the first rejections). */
  readonly accepted: number;
  readonly rejected: number;
  readonly rejectedSamples: LoadReport['rejectedSamples'];
  /** What the models cannot answer, and why (an empty relation: no sessions in the data, …). */
  readonly warnings: readonly string[];
  readonly seconds: number;
  readonly loadSeconds: number;
  readonly peakRssMb: number;
  readonly environment: Environment;
}

/**
 * Trains a model on a dataset and, with `out`, writes a model directory the engine serves from:
 * the model (co-occurrence relations, or an ALS / BPR factor model) plus the curated lists as of
 * the data's last event, every customer's timeline and the catalog. Returns the set and a report.
 *
 * Rejects with UNKNOWN_ALGORITHM, INVALID_ARGUMENT (a parameter the algorithm does not take),
 * EMPTY_INPUT (no interactions to train on), the loader's errors, IO_ERROR from the write, and the
 * signal's reason (nothing is written then).
 *
 * @example
 * const { result } = await trainModels({ data: { path, format: 'online-retail' }, algorithm: 'als', out: 'models/retail-als' });
 */
export async function trainModels(options: TrainOptions): Promise<{ models: ModelSet; result: TrainResult }> {
  const where = 'jobs/trainModels';
  checkOptions(where, options, ['data', 'algorithm', 'params', 'events', 'out', 'progress', 'signal']);
  const algorithm = options.algorithm ?? 'cooccurrence';
  if (!(TRAINABLE_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new EncoreError(
      ErrorCode.UNKNOWN_ALGORITHM,
      `${where}: cannot train '${algorithm}', expected one of ${TRAINABLE_ALGORITHMS.join(', ')}`,
      { value: algorithm },
    );
  }
  const progress = options.progress ?? SILENT_PROGRESS;
  const { signal } = options;
  const params = options.params ?? {};
  if (typeof params !== 'object' || params === null) throw invalidArgument(where, 'params must be an object', params);
  const input = options.data;
  const { dataset, seconds: loadSeconds } =
    'dataset' in input ? { dataset: input.dataset, seconds: 0 } : await loadInput(where, input, { progress, signal });
  const { log, catalog, report } = dataset;

  const start = performance.now();
  const warnings: string[] = loadWarnings(report);
  let main: Pick<ModelSet, 'factors' | 'cooccurrence'>;
  let summary: Pick<TrainResult, 'items' | 'edges' | 'relations' | 'customers' | 'factors' | 'runtime'>;
  if (algorithm === 'cooccurrence') {
    progress.phase('counting co-occurrences (bought together, viewed together, viewed → bought, customers also)');
    // The format's interaction events by customer too: the relation `encore eval --algorithm
    // cooccurrence` scores, and the only one of data without orders or sessions (ratings).
    const { events } = interactionWeights(input.format, options.events);
    const specs = [...DEFAULT_RELATIONS, customersAlso(events)].map((spec) => ({ ...spec, ...params }));
    const model = buildCooccurrenceModel(log, { relations: specs });
    progress.done();
    main = { cooccurrence: model };
    summary = relationSummary(model);
    model.relations.forEach((relation, at) => {
      const reason = emptyRelationReason(relation, specs[at] as (typeof specs)[number]);
      if (reason !== undefined) warnings.push(reason);
    });
    if (model.relations.every((r) => r.neighbours.ids.length === 0)) {
      warnings.push('every relation is empty: the model answers nothing (see the reasons above)');
    }
  } else {
    progress.phase(`fitting ${algorithm}`, 1);
    const factors = await trainFactors(where, algorithm as 'als' | 'bpr', log, input.format, params, options.events, {
      signal,
      onProgress: (fraction) => progress.update(fraction),
    });
    progress.done();
    main = { factors };
    summary = {
      customers: factors.customerIds.length,
      items: factors.itemIds.length,
      factors: factors.model.factors,
      runtime: factorRuntime(factors.model as unknown as Parameters<typeof factorRuntime>[0]),
    };
  }
  signal?.throwIfAborted();

  progress.phase('curated lists, customer timelines');
  let now = Number.NEGATIVE_INFINITY;
  for (let e = 0; e < log.length; e++) now = Math.max(now, log.timestamp[e] as number);
  const itemIds = log.item.ids.ids().slice();
  const shelf =
    log.length === 0 ? undefined : buildShelf(log, { now, attributes: itemAttributes(catalog, log.item.ids) });
  const histories = { histories: customerHistories(log), itemIds };
  const models: ModelSet = { ...main, ...(shelf === undefined ? {} : { shelf }), histories, catalog };
  progress.done();
  const seconds = (performance.now() - start) / 1000;

  let files: Partial<Record<string, string>> = {};
  if (options.out !== undefined) {
    signal?.throwIfAborted();
    progress.phase(`writing ${options.out}`);
    const saved = await saveModels(options.out, models, {
      summary: {
        algorithm,
        data: { path: input.path, format: input.format },
        params: JSON.parse(JSON.stringify(params)),
        accepted: report.accepted,
        rejected: report.rejected,
      },
    });
    files = saved.files;
    progress.done();
  }
  const result: TrainResult = {
    model: files.factors ?? files.cooccurrence ?? '',
    dir: options.out ?? null,
    algorithm,
    ...summary,
    parts: {
      lists: shelf?.lists.length ?? 0,
      customers: histories.histories.indptr.length - 1,
      events: histories.histories.items.length,
      catalog: catalog.size,
    },
    accepted: report.accepted,
    rejected: report.rejected,
    rejectedSamples: report.rejectedSamples,
    warnings,
    seconds: roundSeconds(seconds),
    loadSeconds: roundSeconds(loadSeconds),
    peakRssMb: peakRssMb(),
    environment: describeEnvironment(),
  };
  return { models, result };
}

/** A factor model (ALS on all cores, or BPR) on the format's interactions, as the engine serves it. */
async function trainFactors(
  where: string,
  algorithm: 'als' | 'bpr',
  log: EventLog,
  format: DataInput['format'],
  params: Readonly<Record<string, unknown>>,
  events: readonly EventType[] | undefined,
  context: FitContext,
): Promise<TrainedFactorModel> {
  const { weights } = interactionWeights(format, events);
  const interactions = compactInteractions(buildInteractions(log, { weights }));
  if (interactions.matrix.indices.length === 0) {
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `${where}: no ${Object.keys(weights).join('/')} interactions to train ${algorithm} on; expected at least one`,
      { events: Object.keys(weights) },
    );
  }
  const fitted = (await algorithmRegistry.get(algorithm).fit(interactions.matrix, params, context)) as unknown as {
    model: AlsModel | BprModel;
  };
  // Typed arrays copied off any SharedArrayBuffer (the parallel fit's memory): the model is plain data.
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fitted.model)) {
    plain[key] = ArrayBuffer.isView(value) ? (value as Float32Array).slice() : value;
  }
  return {
    model: plain as unknown as AlsModel | BprModel,
    customerIds: interactions.customers.ids().slice(),
    itemIds: interactions.items.ids().slice(),
    seen: { ...interactions.matrix, times: null },
    weights,
  };
}

function relationSummary(model: CooccurrenceModel): Pick<TrainResult, 'items' | 'edges' | 'relations'> {
  const relations = model.relations.map((r) => ({
    name: r.name,
    kind: r.kind,
    baskets: r.baskets,
    edges: r.neighbours.ids.length,
  }));
  return { items: model.items, edges: relations.reduce((sum, r) => sum + r.edges, 0), relations };
}
