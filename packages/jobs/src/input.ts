import { stat } from 'node:fs/promises';
import { DEFAULT_EVENT_WEIGHTS, EncoreError, ErrorCode, type EventType } from '@encore/core';
import { type DataFormat, INTERACTION_EVENTS, type LoadedDataset, loadDataset } from '@encore/datasets';
import { type Progress, SILENT_PROGRESS } from './progress.js';

/** Where a job reads events from. */
export interface DataInput {
  readonly path: string;
  readonly format: DataFormat;
  /** Fail on the first malformed line instead of counting it (default false). */
  readonly strict?: boolean | undefined;
}

/**
 * Loads a dataset for a job, with progress by bytes. FILE_NOT_FOUND before any work when the path
 * does not exist; the loader's typed errors otherwise; the signal's reason when aborted.
 */
export async function loadInput(
  where: string,
  input: DataInput,
  context: { readonly progress?: Progress | undefined; readonly signal?: AbortSignal | undefined } = {},
): Promise<{ dataset: LoadedDataset; seconds: number }> {
  const progress = context.progress ?? SILENT_PROGRESS;
  context.signal?.throwIfAborted();
  const info = await stat(input.path).catch(() => null);
  if (info === null) {
    throw new EncoreError(ErrorCode.FILE_NOT_FOUND, `${where}: no such file or directory: ${input.path}`, {
      path: input.path,
    });
  }
  const start = performance.now();
  progress.phase(`loading ${input.path}`, info.isFile() ? info.size : 0);
  const dataset = await loadDataset(input.path, input.format, {
    strict: input.strict ?? false,
    onProgress: (done: number) => progress.update(done),
  });
  context.signal?.throwIfAborted();
  const seconds = (performance.now() - start) / 1000;
  progress.done(`${dataset.report.accepted} events, ${dataset.report.rejected} rejected`);
  return { dataset, seconds };
}

/**
 * The weights of the events that count as interactions: `events` (default: the format's
 * INTERACTION_EVENTS), each weighted as core's DEFAULT_EVENT_WEIGHTS. Train, evaluate and score
 * read interactions through this one table.
 */
export function interactionWeights(
  format: DataFormat,
  events?: readonly EventType[],
): { readonly events: readonly EventType[]; readonly weights: Partial<Record<EventType, number>> } {
  const chosen = events ?? INTERACTION_EVENTS[format];
  const weights: Partial<Record<EventType, number>> = {};
  for (const type of chosen) weights[type] = DEFAULT_EVENT_WEIGHTS[type];
  return { events: chosen, weights };
}
