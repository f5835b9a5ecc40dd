/** One rejected line: its 1-based physical line number in the file and why it was rejected. */
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
   * Tallies with fixed keys: `events` (events produced), `events.<type>` for each event type that
   * occurred, and the format's own keys (documented on `loadDataset`), always present even when 0.
   */
  readonly counts: Readonly<Record<string, number>>;
  /** Present when a catalog side file was read. */
  readonly catalogFile?: CatalogFileReport;
}
