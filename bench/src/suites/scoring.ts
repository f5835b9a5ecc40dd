import { resolve } from 'node:path';
import { buildInteractions, type Csr, columnCounts, compactInteractions } from '@encore/core';
import { generateSynthetic, loadDataset } from '@encore/datasets';
import { type FactorScoring, fitAls, type ScoreKernel } from '@encore/factorization';
// The kernels themselves are timed, not only scoreCustomers: through the workers' subpath.
import { buildScoringJob, scoreNaive, scoreRange, scoringFlops } from '@encore/factorization/internal/kernels';
import { createWorkerPool, fitAlsParallel, scoreCustomers, type WorkerPool } from '@encore/workers';
import { sharedDatasets } from '../datasets.js';
import { measure, measurePairs } from '../measure.js';
import type { Figure } from '../record.js';

const K = 20;
const ALS = { factors: 64, regularization: 30, alpha: 2.5 } as const;
/** Items kept of the large preset (the most popular) and customers scored (the first ones). */
const LARGE_ITEMS = 20_000;
const LARGE_CUSTOMERS = 100_000;
/** Timed pairs of large-preset runs (1 thread, 2 threads), after a warm-up pair. */
const LARGE_PAIRS = 3;
/** Customers of the kernel comparison (one thread, no pool). */
const KERNEL_CUSTOMERS = 512;

const gflopsAt = (flops: number, ms: number): number => Math.round((flops / (ms / 1000) / 1e9) * 100) / 100;

/** The `items` most popular columns of `m`, renumbered in their original order (rows stay ascending). */
function mostPopularItems(m: Csr, items: number): Csr {
  const counts = columnCounts(m);
  const order = Array.from({ length: m.cols }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const keep = new Int32Array(m.cols).fill(-1);
  const kept = order.slice(0, items).sort((a, b) => a - b);
  kept.forEach((i, t) => {
    keep[i] = t;
  });
  const indptr = new Int32Array(m.rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < m.rows; u++) {
    for (let e = m.indptr[u]!; e < m.indptr[u + 1]!; e++) {
      const t = keep[m.indices[e]!]!;
      if (t < 0) continue;
      indices.push(t);
      data.push(m.data[e]!);
    }
    indptr[u + 1] = indices.length;
  }
  return {
    rows: m.rows,
    cols: kept.length,
    indptr,
    indices: Int32Array.from(indices),
    data: Float32Array.from(data),
    times: null,
  };
}

/**
 * The scoring kernel alone on one thread, no pool, same customers and lists: the naive reference
 * (one customer at a time, a dot product per item, then core's topK), the blocked TypeScript
 * kernel and the blocked WebAssembly SIMD kernel; GFLOP/s = 2·customers·items·f over the median.
 */
async function kernelFigures(label: string, model: FactorScoring, exclude: Csr): Promise<Figure[]> {
  const customers = Int32Array.from({ length: KERNEL_CUSTOMERS }, (_, u) => u);
  const flops = scoringFlops(KERNEL_CUSTOMERS, model.items, model.factors);
  const jobs = new Map<ScoreKernel, ReturnType<typeof buildScoringJob>>();
  for (const kernel of ['js', 'wasm'] as const)
    jobs.set(kernel, buildScoringJob(model, { k: K, exclude, customers, kernel }));
  const figures = await measure(
    [
      {
        name: `kernel ${label}: naive (one customer at a time, JS), ${KERNEL_CUSTOMERS} customers, 1 thread`,
        units: KERNEL_CUSTOMERS,
        unit: 'customers',
        run: () => scoreNaive(model, { k: K, exclude, customers }),
      },
      ...(['js', 'wasm'] as const).map((kernel) => ({
        name: `kernel ${label}: blocked ${kernel === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript'}, ${KERNEL_CUSTOMERS} customers, 1 thread`,
        units: KERNEL_CUSTOMERS,
        unit: 'customers',
        run: () => {
          const job = jobs.get(kernel)!;
          return scoreRange(job, 0, job.count);
        },
      })),
    ],
    5,
  );
  const naiveMs = figures[0]!.medianMs;
  return figures.map((f) => ({
    ...f,
    extra: {
      flops,
      gflops: gflopsAt(flops, f.medianMs),
      speedupOverNaive: Math.round((naiveMs / f.medianMs) * 100) / 100,
    },
  }));
}

/**
 * Batch scoring: all ML-100k users top-20 with 64 ALS factors (inline and on 2 threads); the large
 * synthetic preset cut to its 20,000 most popular items, ALS-trained briefly, its first 100,000
 * customers top-20 on a pool of 1 and of 2 threads (pools made once, outside the timings; runs in
 * alternating pairs, the median of the pairs' ratios is the parallel speed-up); and the kernel's
 * GFLOP/s against the naive loop in the same run.
 */
export async function scoringSuite(log: (line: string) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const pools = new Map<number, WorkerPool>();
  const poolOf = async (threads: number): Promise<WorkerPool> => {
    let pool = pools.get(threads);
    if (pool === undefined) {
      pool = await createWorkerPool({ threads });
      pools.set(threads, pool);
    }
    return pool;
  };
  try {
    const shared = sharedDatasets();
    if (shared) {
      const ml = await loadDataset(resolve(shared, 'movielens-100k/u.data'), 'movielens');
      const matrix = compactInteractions(buildInteractions(ml.log, { weights: { rate: 1 } })).matrix;
      const model = fitAls(matrix, { ...ALS, iterations: 15 });
      const flops = scoringFlops(matrix.rows, model.items, model.factors);
      const pool = await poolOf(2);
      const ml100k = await measure(
        [
          {
            name: `ML-100k all ${matrix.rows} users x ${matrix.cols} items top-${K}, 64f ALS, auto (inline)`,
            units: matrix.rows,
            unit: 'customers',
            run: () => scoreCustomers(model, { k: K, exclude: matrix }),
          },
          {
            name: `ML-100k all ${matrix.rows} users x ${matrix.cols} items top-${K}, 64f ALS, 2 threads (pool reused)`,
            units: matrix.rows,
            unit: 'customers',
            run: () => scoreCustomers(model, { k: K, exclude: matrix, pool }),
          },
          {
            name: `ML-100k all ${matrix.rows} users top-${K}, naive reference (one customer at a time, JS)`,
            units: matrix.rows,
            unit: 'customers',
            run: () => scoreNaive(model, { k: K, exclude: matrix }),
          },
        ],
        5,
      );
      figures.push(...ml100k.map((f) => ({ ...f, extra: { flops, gflops: gflopsAt(flops, f.medianMs) } })));
    } else {
      log('scoring: ../shared/datasets not found: ML-100k figures skipped');
    }

    let t = performance.now();
    const large = generateSynthetic({ preset: 'large' });
    const all = compactInteractions(buildInteractions(large.log, { weights: { purchase: 1, cart: 1 } })).matrix;
    const matrix = mostPopularItems(all, LARGE_ITEMS);
    log(
      `scoring: large preset purchases+carts ${all.rows} x ${all.cols} cut to the ${matrix.cols} most popular items (${matrix.indices.length} nnz) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    t = performance.now();
    const model = await fitAlsParallel(matrix, { ...ALS, iterations: 2, threads: 2 });
    log(`scoring: ALS 64f 2 iterations on 2 threads in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const customers = Int32Array.from({ length: Math.min(LARGE_CUSTOMERS, matrix.rows) }, (_, u) => u);
    const flops = scoringFlops(customers.length, matrix.cols, model.factors);
    const name = (threads: number): string =>
      `synthetic large: first ${customers.length} customers x ${matrix.cols} most popular items top-${K}, 64f ALS (2 it), ${threads} thread${threads > 1 ? 's' : ''}`;
    // Paired runs, alternating, so load from other processes on this shared machine weighs on
    // both sides of the ratio alike; one warm-up pair first.
    const pool1 = await poolOf(1);
    const pool2 = await poolOf(2);
    const side = (threads: number, pool: WorkerPool) => ({
      name: name(threads),
      units: customers.length,
      unit: 'customers',
      run: () => scoreCustomers(model, { k: K, exclude: matrix, customers, pool }),
      extra: () => ({ flops }),
    });
    const { first: one, second: two } = await measurePairs(side(1, pool1), side(2, pool2), LARGE_PAIRS);
    const withGflops = (f: Figure): Figure => ({ ...f, extra: { ...f.extra, gflops: gflopsAt(flops, f.medianMs) } });
    const speedup = two.extra?.speedup;
    figures.push(withGflops(one), withGflops(two));
    log(`scoring: 2 threads / 1 thread on the large preset: ${speedup}x`);
    figures.push(...(await kernelFigures(`${matrix.cols} items 64f`, model, matrix)));
    return figures;
  } finally {
    for (const pool of pools.values()) await pool.close();
  }
}
