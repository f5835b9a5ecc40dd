import {
  buildCooccurrenceModel,
  type CooccurrenceModel,
  DEFAULT_RELATIONS,
  type Similarity,
} from '@encore/cooccurrence';
import { EncoreError, ErrorCode } from '@encore/core';
import type { DataFormat } from '@encore/datasets';
import { type FactorModel, factorRuntime } from '@encore/factorization';
import { describeEnvironment, type Environment } from '../environment.js';
import type { Progress } from '../internal/progress.js';
import { readModel, writeModel } from '../model-files.js';
import { FACTOR_ALGORITHMS, type FactorAlgorithm, trainFactorModel } from './factor-train.js';
import { loadInput } from './input.js';

export interface TrainOptions {
  readonly data: string;
  readonly format: DataFormat;
  readonly out: string;
  readonly algorithm: string;
  /** Overrides of every relation's scoring (similarity, neighbours, minSupport, …). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly strict: boolean;
}

/** What `encore train --json` prints: a public contract, keep fields stable. */
export interface TrainResult {
  readonly model: string;
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
  readonly seconds: number;
  readonly loadSeconds: number;
  readonly peakRssMb: number;
  readonly environment: Environment;
}

/** The data of a co-occurrence model file: the model plus the catalog titles, for people. */
export interface CooccurrenceModelData {
  readonly model: CooccurrenceModel;
  /** Title of each item index ('' when unknown). */
  readonly titles: readonly string[];
}

const TRAINABLE = ['cooccurrence', ...FACTOR_ALGORITHMS] as const;

/** Trains a model on a dataset and writes it to a model directory. */
export async function runTrain(options: TrainOptions, progress: Progress): Promise<TrainResult> {
  if (!(TRAINABLE as readonly string[]).includes(options.algorithm)) {
    throw new EncoreError(
      ErrorCode.UNKNOWN_ALGORITHM,
      `engine/train: cannot train '${options.algorithm}', expected one of ${TRAINABLE.join(', ')}`,
      { value: options.algorithm },
    );
  }
  const { dataset, seconds: loadSeconds } = await loadInput('train', options.data, options.format, {
    strict: options.strict,
    progress,
  });
  if ((FACTOR_ALGORITHMS as readonly string[]).includes(options.algorithm)) {
    const algorithm = options.algorithm as FactorAlgorithm;
    progress.phase(`fitting ${algorithm}`);
    const start = performance.now();
    const data = await trainFactorModel(algorithm, dataset.log, dataset.catalog, options.format, options.params);
    const seconds = (performance.now() - start) / 1000;
    progress.done();
    const summary = {
      customers: data.customerIds.length,
      items: data.itemIds.length,
      factors: data.model.factors,
    };
    const path = await writeModel(
      options.out,
      { kind: algorithm, params: data.model.params, createdAt: new Date().toISOString(), data },
      { ...summary, source: { path: options.data, format: options.format, events: data.events } },
    );
    const runtime = factorRuntime(data.model as unknown as FactorModel);
    return {
      model: path,
      algorithm,
      ...summary,
      runtime,
      seconds: round(seconds),
      loadSeconds: round(loadSeconds),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      environment: describeEnvironment(),
    };
  }
  progress.phase('counting co-occurrences (bought together, viewed together, viewed → bought)');
  const start = performance.now();
  const relations = DEFAULT_RELATIONS.map((spec) => ({ ...spec, ...options.params }));
  const model = buildCooccurrenceModel(dataset.log, { relations });
  const seconds = (performance.now() - start) / 1000;
  progress.done();
  const titles = model.itemIds.map((id) => dataset.catalog.get(id)?.title ?? '');
  const summary = model.relations.map((r) => ({
    name: r.name,
    kind: r.kind,
    baskets: r.baskets,
    edges: r.neighbours.ids.length,
  }));
  const edges = summary.reduce((sum, r) => sum + r.edges, 0);
  const data: CooccurrenceModelData = { model, titles };
  const path = await writeModel(
    options.out,
    { kind: 'cooccurrence', params: { ...options.params }, createdAt: new Date().toISOString(), data },
    { items: model.items, edges, relations: summary, source: { path: options.data, format: options.format } },
  );
  return {
    model: path,
    algorithm: options.algorithm,
    items: model.items,
    edges,
    relations: summary,
    seconds: round(seconds),
    loadSeconds: round(loadSeconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    environment: describeEnvironment(),
  };
}

/** Reads a co-occurrence model directory; MODEL_FORMAT when it holds another kind of model. */
export async function readCooccurrenceModel(dir: string): Promise<CooccurrenceModelData> {
  const envelope = await readModel(dir);
  const data = envelope.data as Partial<CooccurrenceModelData> | null;
  if (envelope.kind !== 'cooccurrence' || data === null || typeof data !== 'object' || data.model === undefined) {
    throw new EncoreError(
      ErrorCode.MODEL_FORMAT,
      `engine/together: ${dir} holds a '${envelope.kind}' model, expected a co-occurrence model (encore train --algorithm cooccurrence)`,
      { path: dir, kind: envelope.kind },
    );
  }
  return data as CooccurrenceModelData;
}

export type { Similarity };

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
