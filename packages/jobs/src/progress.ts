/**
 * How a job reports how far it is: phases with an optional total, updates, and an end. The command
 * line draws it on stderr (a bar on a terminal, lines in a log); a service passes its own or none.
 */
export interface Progress {
  /** Starts a phase; `total` (e.g. bytes, customers) enables a bar. */
  phase(label: string, total?: number): void;
  /** Reports how far the current phase is (same unit as `total`). */
  update(done: number): void;
  /** Ends the current phase, with a short summary. */
  done(summary?: string): void;
}

/** A Progress that reports nothing: the default of every job. */
export const SILENT_PROGRESS: Progress = Object.freeze({
  phase: () => undefined,
  update: () => undefined,
  done: () => undefined,
});

/** What every job takes besides its own options. */
export interface JobContext {
  /** Where the job reports how far it is (default: nowhere). */
  readonly progress?: Progress | undefined;
  /** Stops the job: it rejects with the signal's reason, leaving what it was replacing as it was. */
  readonly signal?: AbortSignal | undefined;
}
