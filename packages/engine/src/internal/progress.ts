/**
 * Progress on stderr for anything that takes over a second: a redrawn bar on a terminal, a few
 * plain lines otherwise (CI logs), nothing at all in quiet mode. Never touches stdout, which
 * carries the `--json` result.
 */
export interface Progress {
  /** Starts a phase; `total` (e.g. bytes) enables the bar. */
  phase(label: string, total?: number): void;
  /** Reports how far the current phase is (same unit as `total`). */
  update(done: number): void;
  /** Ends the current phase; prints its duration if it took over a second. */
  done(summary?: string): void;
}

export interface ProgressOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly quiet: boolean;
  /** Milliseconds before anything is drawn (default 1000). */
  readonly delayMs?: number;
}

export function createProgress(options: ProgressOptions): Progress {
  const { stream, quiet } = options;
  const delayMs = options.delayMs ?? 1000;
  const tty = stream.isTTY === true;
  let label = '';
  let total = 0;
  let start = 0;
  let lastDraw = 0;
  let lastPlainTenth = -1;
  let drawn = false;

  const draw = (done: number): void => {
    const now = performance.now();
    if (now - start < delayMs) return;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    if (tty) {
      if (now - lastDraw < 100) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      const elapsed = (now - start) / 1000;
      const eta = fraction > 0 ? elapsed / fraction - elapsed : Number.NaN;
      const bar =
        total > 0
          ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`
          : '';
      const tail = Number.isFinite(eta) ? ` ${elapsed.toFixed(1)}s, eta ${eta.toFixed(1)}s` : ` ${elapsed.toFixed(1)}s`;
      stream.write(`\r${label} ${bar}${tail}\u001b[K`);
      drawn = true;
    } else if (total > 0) {
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastPlainTenth) {
        lastPlainTenth = tenth;
        stream.write(`${label} ${tenth * 10}%\n`);
        drawn = true;
      }
    }
  };

  return {
    phase(nextLabel, nextTotal = 0) {
      label = nextLabel;
      total = nextTotal;
      start = performance.now();
      lastDraw = 0;
      lastPlainTenth = -1;
      drawn = false;
    },
    update(done) {
      if (!quiet) draw(done);
    },
    done(summary) {
      if (quiet) return;
      const seconds = (performance.now() - start) / 1000;
      if (tty && drawn) stream.write('\r\u001b[K');
      if (seconds * 1000 >= delayMs || drawn) {
        stream.write(`${label}: done in ${seconds.toFixed(1)}s${summary ? ` (${summary})` : ''}\n`);
      }
    },
  };
}
