import type { Catalog } from '@encore/core';
import type { CatalogFileReport } from '../report.js';
import type { ResolvedOptions } from './options.js';
import type { LineHandler } from './reader.js';
import type { EventSink } from './sinks.js';
import type { Tally } from './tally.js';

/** What a format parser gets to work with. */
export interface ParseContext {
  /** `datasets/loadDataset` or `datasets/readEvents`, for messages. */
  readonly where: string;
  /** The event file being read. */
  readonly path: string;
  readonly sink: EventSink;
  readonly tally: Tally;
  readonly options: ResolvedOptions;
}

/** The catalog a format produced, with the report of its side file when it read one. */
export interface FormatResult {
  readonly catalog: Catalog;
  readonly catalogFile?: CatalogFileReport | undefined;
}

/** One line parser per load: it validates each line, emits events and tallies exactly once per line. */
export interface FormatParser extends LineHandler {
  /** Runs after the last line: reads side files and builds the catalog. */
  finish(): Promise<FormatResult>;
}

/** How to read one DataFormat. */
export interface FormatSpec {
  /** Files to look for, in order, when the path given is a directory. */
  readonly defaultFiles?: readonly string[];
  /** What a file of this format is, with its article, for messages: `a MovieLens ratings.dat file`. */
  readonly what: string;
  readonly encoding: 'utf8' | 'latin1';
  /** The fixed `counts` keys of this format (reported even when 0). */
  readonly countKeys: readonly string[];
  /** The fixed `skippedReasons` keys of this format (reported even when 0). */
  readonly skipKeys: readonly string[];
  /** The format's own `warnings` keys besides `byteOrderMark` (reported even when 0). */
  readonly warningKeys?: readonly string[];
  create(context: ParseContext): FormatParser;
}

/** An EventFields object with every key present, reused row after row (one hidden class). */
export interface RowFields {
  userId: string | undefined;
  anonymousId: string | undefined;
  deviceId: string | undefined;
  itemId: string | undefined;
  sessionId: string | undefined;
  orderId: string | undefined;
  channel: string | undefined;
  query: string | undefined;
  quantity: number | undefined;
  price: number | undefined;
  rating: number | undefined;
}

export function emptyRowFields(): RowFields {
  return {
    userId: undefined,
    anonymousId: undefined,
    deviceId: undefined,
    itemId: undefined,
    sessionId: undefined,
    orderId: undefined,
    channel: undefined,
    query: undefined,
    quantity: undefined,
    price: undefined,
    rating: undefined,
  };
}
