/** One rejected (or repaired) line: its 1-based physical line number in the file and why. */
export interface RejectedSample {
  readonly line: number;
  readonly reason: string;
}

/**
 * What happened to a side file read for the catalog (`u.item`, `movies.dat`). Its lines are not
 * part of the event counts of the LoadReport.
 */
export interface CatalogFileReport {
  readonly path: string;
  /** Data lines read (blank lines excluded). */
  readonly lines: number;
  /** Lines that became catalog items. */
  readonly accepted: number;
  /** Malformed or duplicate lines, counted (`lines === accepted + rejected`). */
  readonly rejected: number;
  readonly rejectedSamples: readonly RejectedSample[];
  /** Lines kept after a repair, per kind (`byteOrderMark`, `titleTruncated`), as in LoadReport. */
  readonly warnings: Readonly<Record<string, number>>;
  readonly warningSamples: readonly RejectedSample[];
}

/**
 * The account of a load: every data line of the event file is accepted, rejected or skipped, so
 * `lines === accepted + rejected + skipped` always holds.
 */
export interface LoadReport {
  /** Data lines read: header and blank lines excluded. */
  readonly lines: number;
  /** Lines that became one or more events. */
  readonly accepted: number;
  /** Malformed lines, counted; the first `maxRejectedSamples` are in `rejectedSamples`. */
  readonly rejected: number;
  /** Well-formed lines deliberately not turned into events; each is counted in `skippedReasons`. */
  readonly skipped: number;
  /** Skipped lines per reason. The keys are fixed per format (never taken from the data). */
  readonly skippedReasons: Readonly<Record<string, number>>;
  /** The first rejected lines, in file order. */
  readonly rejectedSamples: readonly RejectedSample[];
  /**
   * Lines repaired rather than rejected, per kind; the keys are fixed per format, always present.
   * Every format has `byteOrderMark`: a byte order mark (U+FEFF) anywhere but at the very start of
   * the file is stripped, so it can never join a field (a file concatenated from two exports
   * carries one at the start of the second). `online-retail` adds `titleTruncated`: a Description
   * longer than core's MAX_TITLE_LENGTH (1,000 characters) is cut to it, the event kept. A repaired
   * line is still accepted, rejected or skipped like any other; strict mode fails on it instead.
   */
  readonly warnings: Readonly<Record<string, number>>;
  /** The first repaired lines (up to `maxRejectedSamples`), in file order, with what was done. */
  readonly warningSamples: readonly RejectedSample[];
  /**
   * Tallies with fixed keys: `events` (events produced), `events.<type>` for each event type that
   * occurred, and the format's own keys (documented on `loadDataset`), always present even when 0.
   */
  readonly counts: Readonly<Record<string, number>>;
  /** Present when a catalog side file was read. */
  readonly catalogFile?: CatalogFileReport;
}
