import { stat } from 'node:fs/promises';
import { DEFAULT_EVENT_WEIGHTS, EncoreError, ErrorCode, type EventType } from '@encore/core';
import {
  type DataFormat,
  INTERACTION_EVENTS,
  type LoadedDataset,
  type LoadOptions,
  type LoadReport,
  loadDataset,
} from '@encore/datasets';
import { type Progress, SILENT_PROGRESS } from './progress.js';

/** Where a job reads events from. */
export interface DataInput {
  readonly path: string;
  readonly format: DataFormat;
  /** Fail on the first malformed line instead of counting it (default false). */
  readonly strict?: boolean | undefined;
  /** `csv`: which column holds which event field (see @encore/datasets' parseColumnMapping). */
  readonly columns?: LoadOptions['columns'] | undefined;
  /** `csv`: the event type of every line of a file of one type (a ratings file: 'rate'). */
  readonly type?: EventType | undefined;
  /** Accepted event times, epoch ms (default core's DEFAULT_TIME_RANGE: 1970 up to 2100). */
  readonly timeRange?: LoadOptions['timeRange'] | undefined;
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
    ...(input.columns === undefined ? {} : { columns: input.columns }),
    ...(input.type === undefined ? {} : { type: input.type }),
    ...(input.timeRange === undefined ? {} : { timeRange: input.timeRange }),
    onProgress: (done: number) => progress.update(done),
  });
  context.signal?.throwIfAborted();
  const seconds = (performance.now() - start) / 1000;
  progress.done(`${dataset.report.accepted} events, ${dataset.report.rejected} rejected`);
  const { report } = dataset;
  if (report.accepted === 0) {
    // Nothing to work on must not look like a result (a model of NaN, a metric of 1.0): say why.
    const first = report.rejectedSamples
      .slice(0, 3)
      .map((r) => `line ${r.line}: ${r.reason}`)
      .join('; ');
    throw new EncoreError(
      ErrorCode.EMPTY_INPUT,
      `${where}: no events in ${input.path} read as ${input.format}: ${report.lines} lines, ` +
        `${report.rejected} rejected, ${report.skipped} skipped${first === '' ? '' : `; first rejected: ${first}`}; ` +
        'expected a file of that format (see --format)',
      { path: input.path, format: input.format, lines: report.lines, rejected: report.rejected },
    );
  }
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

/**
 * The repairs a load made and counted (a byte-order mark stripped, a title cut), as report
 * lines: `"2 lines: byteOrderMark (first: line 17: …)"`. Empty when the file needed none.
 */
export function loadWarnings(report: LoadReport): string[] {
  const out: string[] = [];
  for (const [kind, count] of Object.entries(report.warnings)) {
    if (count === 0) continue;
    const sample = report.warningSamples.find((w) => w.reason.includes(kind)) ?? report.warningSamples[0];
    const first = sample === undefined ? '' : ` (first: line ${sample.line}: ${sample.reason})`;
    out.push(`${count} ${count === 1 ? 'line' : 'lines'} repaired on load: ${kind}${first}`);
  }
  return out;
}
