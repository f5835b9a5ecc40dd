import { Bench } from 'tinybench';
import type { Figure } from './record.js';

export interface Task {
  readonly name: string;
  /** Work units done by one run (rows, events …), for throughput. */
  readonly units?: number;
  readonly unit?: string;
  readonly run: () => Promise<unknown> | unknown;
  readonly extra?: () => Readonly<Record<string, unknown>>;
}

/**
 * Times whole-task runs with tinybench: one warm-up, then `iterations` counted runs (these tasks
 * take from milliseconds to seconds each, so a fixed count beats a time budget). Quote medians.
 */
export async function measure(tasks: readonly Task[], iterations = 5): Promise<Figure[]> {
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
  for (const task of tasks) bench.add(task.name, task.run);
  await bench.run();
  return tasks.map((task, i) => {
    const result = bench.tasks[i]?.result;
    if (!result || !('latency' in result)) {
      throw new Error(`bench: task ${task.name} failed: ${JSON.stringify(result)}`);
    }
    const latency = result.latency;
    const medianMs = latency.p50 ?? latency.mean;
    return {
      name: task.name,
      medianMs: round(medianMs),
      minMs: round(latency.min),
      maxMs: round(latency.max),
      samples: latency.samplesCount ?? iterations,
      ...(task.units !== undefined
        ? { throughput: Math.round((task.units / medianMs) * 1000), unit: `${task.unit}/s` }
        : {}),
      ...(task.extra ? { extra: task.extra() } : {}),
    };
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
