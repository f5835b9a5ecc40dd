import {
  buildInteractions,
  type Catalog,
  type Csr,
  columnCounts,
  compactInteractions,
  type EventLog,
  type EventType,
} from '@encore/core';
import type { DataFormat } from '@encore/datasets';
import type { FactorScoring } from '@encore/factorization';
import { algorithmRegistry } from '../algorithms.js';
import { DEFAULT_EVAL_EVENTS, FUNNEL_WEIGHTS } from './evaluate.js';

/** Algorithms whose models are latent factors (trained by `encore train`, served by `encore recommend`). */
export const FACTOR_ALGORITHMS = Object.freeze(['als', 'bpr'] as const);
export type FactorAlgorithm = (typeof FACTOR_ALGORITHMS)[number];

/**
 * The data of a factor model file: the fitted model as plain data (typed arrays copied off any
 * SharedArrayBuffer), the ids that name its rows and columns, each customer's seen items (left
 * out of their lists) and item popularity (the fallback for customers the model does not know).
 */
export interface FactorModelData {
  readonly algorithm: FactorAlgorithm;
  /** The fitted model (AlsModel or BprModel): factors, items, userFactors, itemFactors, params, … */
  readonly model: FactorScoring & { readonly params: Readonly<Record<string, unknown>> };
  readonly customerIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly titles: readonly string[];
  readonly seen: Csr;
  readonly popularity: Float32Array;
  readonly events: readonly EventType[];
}

/** Fits ALS or BPR on the dataset's interactions (the events `encore eval` uses for its format). */
export async function trainFactorModel(
  algorithm: FactorAlgorithm,
  log: EventLog,
  catalog: Catalog,
  format: DataFormat,
  params: Readonly<Record<string, unknown>>,
): Promise<FactorModelData> {
  const events = DEFAULT_EVAL_EVENTS[format];
  const weights: Partial<Record<EventType, number>> = {};
  for (const type of events) weights[type] = FUNNEL_WEIGHTS[type];
  const interactions = compactInteractions(buildInteractions(log, { weights }));
  const fitted = (await algorithmRegistry.get(algorithm).fit(interactions.matrix, params)) as unknown as {
    model: FactorModelData['model'] & Record<string, unknown>;
  };
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fitted.model)) {
    plain[key] = ArrayBuffer.isView(value) ? (value as Float32Array).slice() : value;
  }
  const itemIds = interactions.items.ids();
  return {
    algorithm,
    model: plain as FactorModelData['model'],
    customerIds: interactions.customers.ids().slice(),
    itemIds: itemIds.slice(),
    titles: itemIds.map((id) => catalog.get(id)?.title ?? ''),
    seen: { ...interactions.matrix, times: null },
    popularity: Float32Array.from(columnCounts(interactions.matrix)),
    events,
  };
}
