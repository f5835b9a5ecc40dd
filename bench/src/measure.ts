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

/** What {@link measurePairs} returns: the two sides' figures and the per-pair ratios. */
export interface PairedFigures {
  readonly first: Figure;
  /** The second side, its `extra` holding `speedup` (median of first/second over pairs) and `pairedRatios`. */
  readonly second: Figure;
  /** first/second of each pair, ascending. */
  readonly ratios: readonly number[];
}

/**
 * Times two tasks in alternating pairs (after `warmup` untimed pairs; the order within a pair
 * alternates too), so slow drifts of a shared machine weigh on both sides of the ratio alike. The
 * speed-up quoted is the median of the per-pair ratios first/second, not a ratio of medians taken
 * at different moments.
 */
export async function measurePairs(first: Task, second: Task, pairs: number, warmup = 1): Promise<PairedFigures> {
  const times: [number[], number[]] = [[], []];
  const sides = [first, second] as const;
  for (let pair = -warmup; pair < pairs; pair++) {
    const order = pair % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      const started = performance.now();
      await sides[side]!.run();
      if (pair >= 0) times[side as 0 | 1].push(performance.now() - started);
    }
  }
  const ratios = times[0].map((ms, p) => ms / times[1][p]!).sort((a, b) => a - b);
  const figure = (task: Task, ms: number[]): Figure => {
    const sorted = ms.slice().sort((a, b) => a - b);
    const medianMs = median(sorted);
    return {
      name: task.name,
      medianMs: round(medianMs),
      minMs: round(sorted[0]!),
      maxMs: round(sorted.at(-1)!),
      samples: sorted.length,
      ...(task.units !== undefined
        ? { throughput: Math.round((task.units / medianMs) * 1000), unit: `${task.unit}/s` }
        : {}),
      ...(task.extra ? { extra: task.extra() } : {}),
    };
  };
  const two = figure(second, times[1]);
  return {
    first: figure(first, times[0]),
    second: {
      ...two,
      extra: {
        ...two.extra,
        speedup: Math.round(median(ratios) * 100) / 100,
        pairedRatios: ratios.map((r) => Math.round(r * 100) / 100),
      },
    },
    ratios,
  };
}

/** The median of values in any order (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}
