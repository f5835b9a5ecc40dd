import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder dated results are written to (bench/results). */
export const RESULTS_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'results');

/** One measured figure of a suite. */
export interface Figure {
  readonly name: string;
  /** Median wall time of one run of the task, ms. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samples: number;
  /** Work units per second at the median (rows/s, events/s, entries/s …) and their unit. */
  readonly throughput?: number;
  readonly unit?: string;
  /** Anything else worth keeping (sizes, counts, peak RSS). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface SuiteRecord {
  readonly suite: string;
  readonly date: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly machine: { readonly cpu: string; readonly threads: number; readonly memoryGb: number };
  readonly node: string;
  /** Flags node ran with (`process.execArgv`, NODE_OPTIONS aside): a V8 flag such as --max-semi-space-size changes GC-bound figures. */
  readonly nodeFlags: readonly string[];
  /** NODE_OPTIONS, when set. */
  readonly nodeOptions: string | null;
  /** The tfjs backend that ran, where a suite uses tfjs; null otherwise. */
  readonly tfjsBackend: string | null;
  readonly peakRssMb: number;
  readonly figures: readonly Figure[];
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Writes `bench/results/<date>-<suite>.json` and returns its path. */
export function writeRecord(suite: string, figures: readonly Figure[], tfjsBackend: string | null = null): string {
  const date = new Date().toISOString().slice(0, 10);
  const record: SuiteRecord = {
    suite,
    date,
    commit: git(['rev-parse', 'HEAD']),
    // Earlier results in bench/results do not make the code dirty.
    dirty: git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results']) !== '',
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      threads: availableParallelism(),
      memoryGb: Math.round(totalmem() / 2 ** 30),
    },
    node: process.version,
    nodeFlags: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS ?? null,
    tfjsBackend,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    figures,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = resolve(RESULTS_DIR, `${date}-${suite}.json`);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}
