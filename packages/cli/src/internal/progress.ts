import type { Progress } from '@encore/jobs';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where to draw: stderr (stdout carries the `--json` result). */
  readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Draw nothing at all. */
  readonly quiet: boolean;
  /** Milliseconds a phase runs before anything is drawn (default 1000): short phases stay silent. */
  readonly delayMs?: number;
  /** The clock in ms (default performance.now); tests pass their own. */
  readonly now?: () => number;
}

/**
 * Progress on stderr for anything that takes over a second: a redrawn bar on a terminal, a line
 * per tenth otherwise (CI logs), nothing at all in quiet mode. A phase that ends after the delay,
 * or that drew anything, prints one closing line with its duration and summary.
 *
 * @example
 * const progress = createProgress({ stream: process.stderr, quiet: false });
 * progress.phase('loading data.csv', bytes); progress.update(done); progress.done('100,000 events');
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, quiet } = options;
  const delayMs = options.delayMs ?? 1000;
  const clock = options.now ?? (() => performance.now());
  const tty = stream.isTTY === true;
  let label = '';
  let total = 0;
  let start = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastPlainTenth = -1;
  let drawn = false;

  const draw = (done: number): void => {
    const now = clock();
    if (now - start < delayMs) return;
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
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
      start = clock();
      lastDraw = Number.NEGATIVE_INFINITY;
      lastPlainTenth = -1;
      drawn = false;
    },
    update(done) {
      if (!quiet) draw(done);
    },
    done(summary) {
      if (quiet) return;
      const seconds = (clock() - start) / 1000;
      if (tty && drawn) stream.write('\r\u001b[K');
      if (seconds * 1000 >= delayMs || drawn) {
        stream.write(`${label}: done in ${seconds.toFixed(1)}s${summary ? ` (${summary})` : ''}\n`);
      }
    },
  };
}
