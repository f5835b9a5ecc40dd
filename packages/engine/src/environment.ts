import { availableParallelism, cpus } from 'node:os';

/** Where a figure was measured: every result Encore prints carries this. */
export interface Environment {
  readonly node: string;
  readonly cpu: string;
  readonly threads: number;
}

export function describeEnvironment(): Environment {
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    threads: availableParallelism(),
  };
}
