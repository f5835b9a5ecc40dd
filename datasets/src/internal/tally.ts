import { EncoreError, ErrorCode, EVENT_TYPES } from '@encore/core';
import type { CatalogFileReport, LoadReport, RejectedSample } from '../report.js';

/**
 * Counts what happens to each data line of one file. Parsers call exactly one of `accept`,
 * `skip` or `reject` per line; the reader counts `lines`. `warn` counts a repair (a line kept after
 * a fix) besides. In strict mode `reject` and `warn` throw the PARSE_ERROR instead of counting.
 */
export class Tally {
  lines = 0;
  accepted = 0;
  rejected = 0;
  skipped = 0;
  /** Events produced per type code (filled by the sinks). */
  readonly typeCounts = new Float64Array(EVENT_TYPES.length);
  readonly #where: string;
  readonly #path: string;
  readonly #strict: boolean;
  readonly #maxSamples: number;
  readonly #samples: RejectedSample[] = [];
  readonly #skippedReasons = new Map<string, number>();
  readonly #counts = new Map<string, number>();
  readonly #warnings = new Map<string, number>();
  readonly #warningSamples: RejectedSample[] = [];
  /** The first rejection, kept whatever maxRejectedSamples says (for the not-this-format error). */
  firstRejection: RejectedSample | null = null;

  constructor(
    where: string,
    path: string,
    options: { strict: boolean; maxRejectedSamples: number },
    keys: { counts?: readonly string[]; skipped?: readonly string[]; warnings?: readonly string[] } = {},
  ) {
    this.#where = where;
    this.#path = path;
    this.#strict = options.strict;
    this.#maxSamples = options.maxRejectedSamples;
    for (const key of keys.counts ?? []) this.#counts.set(key, 0);
    for (const key of keys.skipped ?? []) this.#skippedReasons.set(key, 0);
    this.#warnings.set('byteOrderMark', 0);
    for (const key of keys.warnings ?? []) this.#warnings.set(key, 0);
  }

  accept(): void {
    this.accepted++;
  }

  /** Counts a well-formed line not turned into events; `reason` is one of the format's fixed keys. */
  skip(reason: string): void {
    this.skipped++;
    this.#skippedReasons.set(reason, (this.#skippedReasons.get(reason) ?? 0) + 1);
  }

  /** Counts a malformed line (strict mode: throws PARSE_ERROR naming the line instead). */
  reject(line: number, reason: string): void {
    if (this.#strict) throw parseError(this.#where, this.#path, line, reason);
    this.rejected++;
    if (this.firstRejection === null) this.firstRejection = { line, reason };
    if (this.#samples.length < this.#maxSamples) this.#samples.push({ line, reason });
  }

  /**
   * Counts a repaired line under the fixed warning `key` (strict mode: throws PARSE_ERROR naming
   * the line instead). Call at most once per line and key.
   */
  warn(line: number, key: string, reason: string): void {
    if (this.#strict) throw parseError(this.#where, this.#path, line, reason);
    this.#warnings.set(key, (this.#warnings.get(key) ?? 0) + 1);
    if (this.#warningSamples.length < this.#maxSamples) this.#warningSamples.push({ line, reason });
  }

  /** Adds `by` to the fixed tally `key`. */
  count(key: string, by = 1): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + by);
  }

  /** The LoadReport of an event file. */
  report(catalogFile?: CatalogFileReport): LoadReport {
    const counts: Record<string, number> = {};
    let events = 0;
    for (const n of this.typeCounts) events += n;
    counts.events = events;
    EVENT_TYPES.forEach((type, code) => {
      const n = this.typeCounts[code] as number;
      if (n > 0) counts[`events.${type}`] = n;
    });
    for (const [key, n] of this.#counts) counts[key] = n;
    const report: LoadReport = {
      lines: this.lines,
      accepted: this.accepted,
      rejected: this.rejected,
      skipped: this.skipped,
      skippedReasons: Object.fromEntries(this.#skippedReasons),
      rejectedSamples: [...this.#samples],
      warnings: Object.fromEntries(this.#warnings),
      warningSamples: [...this.#warningSamples],
      counts,
    };
    return catalogFile === undefined ? report : { ...report, catalogFile };
  }

  /** The report of a catalog side file (no skips, no events). */
  catalogReport(): CatalogFileReport {
    return {
      path: this.#path,
      lines: this.lines,
      accepted: this.accepted,
      rejected: this.rejected,
      rejectedSamples: [...this.#samples],
      warnings: Object.fromEntries(this.#warnings),
      warningSamples: [...this.#warningSamples],
    };
  }
}

/** The PARSE_ERROR of strict mode and of unusable headers. */
export function parseError(where: string, path: string, line: number, reason: string): EncoreError {
  return new EncoreError(ErrorCode.PARSE_ERROR, `${where}: line ${line} of ${path}: ${reason}`, { line, reason, path });
}
