import {
  type Catalog,
  EncoreError,
  ErrorCode,
  type Event,
  type EventLog,
  EventLogBuilder,
  invalidArgument,
} from '@encore/core';
import { DATA_FORMATS, type DataFormat, isDataFormat } from './formats.js';
import type { FormatParser, FormatSpec } from './internal/format-spec.js';
import { FORMAT_SPECS } from './internal/format-table.js';
import { type ResolvedOptions, resolveOptions } from './internal/options.js';
import { type InputFile, readLines, resolveInputFile } from './internal/reader.js';
import { BatchSink, type EventSink, LogSink } from './internal/sinks.js';
import { Tally } from './internal/tally.js';
import type { LoadOptions } from './options.js';
import type { LoadReport } from './report.js';

/** A loaded file: its events as a columnar EventLog, the catalog it carried and the account of every line. */
export interface LoadedDataset {
  /** The file read (inside the directory when a directory was given). */
  readonly path: string;
  readonly format: DataFormat;
  readonly log: EventLog;
  /** Items described by the file or its side file (empty when the format has none). */
  readonly catalog: Catalog;
  readonly report: LoadReport;
}

/**
 * Loads an event file into an EventLog, streaming it line by line (files ending in `.gz` are
 * gunzipped on the fly). Malformed lines are counted with their line number and reason and the
 * load goes on (`options.strict` stops at the first one); every data line is accounted for:
 * `report.lines === accepted + rejected + skipped`. Lines repaired rather than rejected (a stray
 * byte order mark, an over-long title) are counted in `report.warnings`, with their line numbers.
 *
 * Every format rejects values no event can have: a time outside `options.timeRange` (default
 * 1970-01-01 to 2100-01-01), a quantity, price or rating that is not finite as a float32, an id
 * with control characters or over 512 characters, a userId starting with `anonymous:` or
 * `device:` (core's ANONYMOUS_PREFIX / DEVICE_PREFIX, which name guests).
 *
 * Formats, their events, catalogs and `counts` keys are described on DataFormat and in the
 * package README; timestamps are epoch ms (UTC).
 *
 * Errors (as rejections, never synchronous throws): FILE_NOT_FOUND (missing or unreadable file),
 * UNKNOWN_FORMAT, INVALID_ARGUMENT (options), PARSE_ERROR (strict mode, unusable header, corrupt
 * gzip; details `{ line, reason, path }`), `signal.reason` when aborted. A file that is plainly not
 * of the format is one PARSE_ERROR saying so (`… is not a MovieLens ratings.dat file: …`): a NUL
 * byte in its first 8 KiB (binary, or UTF-16 text; details `{ path, byte, reason }`), or not one
 * line accepted or skipped among its first 1,000 data lines, or in the whole file when it is
 * shorter (details `{ path, line, lines, reason }`, `line` the first problem). An empty or
 * header-only file is not an error: it loads as zero lines.
 *
 * @example
 * const { log, catalog, report } = await loadDataset('data/ml-100k', 'movielens');
 * console.log(log.length, catalog.size, report.rejected);
 */
export async function loadDataset(path: string, format: DataFormat, options?: LoadOptions): Promise<LoadedDataset> {
  const where = 'datasets/loadDataset';
  const job = await prepare(where, path, format, options);
  const builder = new EventLogBuilder({ ids: job.options.ids });
  const run = start(job, (tally) => new LogSink(builder, tally.typeCounts));
  for await (const _ of run.chunks) {
    // each chunk's events are already in the builder
  }
  const result = await run.parser.finish();
  return {
    path: job.file.path,
    format: job.format,
    log: builder.finish(),
    catalog: result.catalog,
    report: run.tally.report(result.catalogFile),
  };
}

/**
 * Events of a file as they are read, in batches (one per chunk of about 1 MiB), for callers that
 * stream instead of building an EventLog. `report` and `catalog` settle when the iteration ends.
 */
export interface EventStream extends AsyncIterable<Event[]> {
  /**
   * The LoadReport, once iteration has ended: complete after the last batch, partial (lines read so
   * far, still `lines === accepted + rejected + skipped`) when the consumer stopped early; rejects
   * with the error that ended the iteration. Never settles if the stream is never iterated.
   */
  readonly report: Promise<LoadReport>;
  /** The catalog, once iteration has ended (empty when the consumer stopped early). */
  readonly catalog: Promise<Catalog>;
}

/**
 * Reads a file like `loadDataset`, but yields validated Event objects in batches instead of
 * building an EventLog. The stream can be iterated once. Errors (same codes as `loadDataset`)
 * surface as a rejection of the iteration (and of `report`), never as a synchronous throw.
 * `options.ids` does not apply (events carry string ids).
 *
 * @example
 * const stream = readEvents('events.jsonl', 'jsonl');
 * for await (const batch of stream) for (const event of batch) handle(event);
 * const report = await stream.report;
 */
export function readEvents(path: string, format: DataFormat, options?: LoadOptions): EventStream {
  const where = 'datasets/readEvents';
  const report = deferred<LoadReport>();
  const catalog = deferred<Catalog>();
  let iterated = false;

  async function* iterate(): AsyncGenerator<Event[], void> {
    let tally: Tally | undefined;
    let settled = false;
    try {
      const job = await prepare(where, path, format, options);
      let sink: BatchSink | undefined;
      const run = start(job, (t) => {
        sink = new BatchSink(t.typeCounts);
        return sink;
      });
      tally = run.tally;
      for await (const _ of run.chunks) {
        if (sink !== undefined && sink.size > 0) yield sink.take();
      }
      const result = await run.parser.finish();
      settled = true;
      report.resolve(run.tally.report(result.catalogFile));
      catalog.resolve(result.catalog);
    } catch (error) {
      settled = true;
      report.reject(error);
      catalog.reject(error);
      throw error;
    } finally {
      if (!settled && tally !== undefined) {
        report.resolve(tally.report());
        catalog.resolve(new Map());
      }
    }
  }

  return {
    report: report.promise,
    catalog: catalog.promise,
    [Symbol.asyncIterator](): AsyncIterator<Event[]> {
      if (iterated) {
        const error = invalidArgument(where, 'this event stream was iterated already, expected one iteration', path);
        return { next: () => Promise.reject(error) };
      }
      iterated = true;
      return iterate();
    },
  };
}

interface Job {
  readonly where: string;
  readonly format: DataFormat;
  readonly spec: FormatSpec;
  readonly file: InputFile;
  readonly options: ResolvedOptions;
}

/** Boundary checks: format, options, then the file (in that order, so a bad call fails before any I/O). */
async function prepare(
  where: string,
  path: string,
  format: DataFormat,
  options: LoadOptions | undefined,
): Promise<Job> {
  if (typeof path !== 'string' || path.length === 0)
    throw invalidArgument(where, 'path must be a non-empty string', path);
  const spec = isDataFormat(format) ? FORMAT_SPECS.get(format) : undefined;
  if (spec === undefined) {
    throw new EncoreError(
      ErrorCode.UNKNOWN_FORMAT,
      `${where}: unknown format ${JSON.stringify(format)}, expected one of ${DATA_FORMATS.join(', ')}`,
      { value: format },
    );
  }
  const resolved = resolveOptions(where, format, options);
  const file = await resolveInputFile(where, path, spec.defaultFiles);
  return { where, format, spec, file, options: resolved };
}

/** Wires tally, sink and parser for one job; `chunks` yields once per chunk read. */
function start(
  job: Job,
  makeSink: (tally: Tally) => EventSink,
): { tally: Tally; parser: FormatParser; chunks: AsyncGenerator<void, void> } {
  const { where, spec, file, options } = job;
  const tally = new Tally(where, file.path, options, {
    counts: spec.countKeys,
    skipped: spec.skipKeys,
    warnings: spec.warningKeys ?? [],
  });
  const parser = spec.create({ where, path: file.path, sink: makeSink(tally), tally, options });
  const chunks = readLines(
    { where, what: spec.what, file, encoding: spec.encoding, signal: options.signal, onProgress: options.onProgress },
    parser,
    tally,
  );
  return { tally, parser, chunks };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise settled from outside; marked handled so an unobserved rejection cannot crash the process. */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
