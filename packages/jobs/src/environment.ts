import { availableParallelism, cpus } from 'node:os';

/** Where a figure was measured: every result a job prints carries this. */
export interface Environment {
  readonly node: string;
  readonly cpu: string;
  readonly threads: number;
}

/** The machine a job runs on. */
export function describeEnvironment(): Environment {
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    threads: availableParallelism(),
  };
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Seconds rounded to 0.1 ms. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1e4) / 1e4;
}
