import { resolve } from 'node:path';
import { buildInteractions, type Csr, compactInteractions } from '@encore/core';
import { generateSynthetic, loadDataset } from '@encore/datasets';
import { fitAls, fitBpr, selectTfjsBackend } from '@encore/factorization';
import { createWorkerPool, fitAlsParallel } from '@encore/workers';
import { sharedDatasets } from '../datasets.js';
import { measure, type Task } from '../measure.js';
import type { Figure } from '../record.js';

/**
 * Floating-point work of one ALS iteration with the CG solver (both halves), as counted for the
 * GFLOP/s figure: per row, the initial residual and each CG step cost one f×f Gramian product
 * (2f²) and, per stored entry, a dot and an axpy over f (4f).
 */
function alsFlopsPerIteration(m: Csr, factors: number, cgSteps: number): number {
  const rows = m.rows + m.cols;
  const nnz = m.indices.length;
  return (cgSteps + 1) * (rows * 2 * factors * factors + 2 * nnz * 4 * factors);
}

/**
 * Factorization speed: ALS 64 factors 15 iterations on ML-100k with the TypeScript and the
 * WebAssembly SIMD kernel on 1 thread and with 2 threads (the ratios are the kernel's and the
 * parallel speed-up), seconds per iteration on Online Retail purchases and on the synthetic large
 * preset, effective GFLOP/s of the CG step, and BPR. Records the tfjs backend that
 * is available here.
 */
export async function factorizationSuite(
  log: (line: string) => void,
): Promise<{ figures: Figure[]; tfjsBackend: string }> {
  const tasks: Task[] = [];
  const shared = sharedDatasets();
  const params = { factors: 64, iterations: 15, regularization: 30, alpha: 2.5 } as const;
  if (shared) {
    const ml = await loadDataset(resolve(shared, 'movielens-100k/u.data'), 'movielens');
    const matrix = compactInteractions(buildInteractions(ml.log, { weights: { rate: 1 } })).matrix;
    const flops = alsFlopsPerIteration(matrix, 64, 3) * 15;
    // A process that fits more than once keeps one worker pool; the cold figure pays for
    // starting the threads (and loading the kernel in each) inside the fit.
    const pool = await createWorkerPool({ threads: 2 });
    tasks.push(
      {
        name: 'ALS ML-100k 64f 15 it, 1 thread, TypeScript kernel',
        run: () => fitAls(matrix, { ...params, kernel: 'js' }),
        extra: () => ({ flops, kernel: 'js' }),
      },
      {
        name: 'ALS ML-100k 64f 15 it, 1 thread',
        run: () => fitAls(matrix, { ...params, kernel: 'wasm' }),
        extra: () => ({ flops, kernel: 'wasm' }),
      },
      {
        name: 'ALS ML-100k 64f 15 it, 2 threads (pool kept)',
        run: () => fitAlsParallel(matrix, { ...params, kernel: 'wasm', threads: 2 }, { pool }),
        extra: () => ({ flops, kernel: 'wasm' }),
      },
      {
        name: 'ALS ML-100k 64f 15 it, 2 threads (pool started in the fit)',
        run: () => fitAlsParallel(matrix, { ...params, kernel: 'wasm', threads: 2 }),
        extra: () => ({ flops, kernel: 'wasm' }),
      },
      {
        name: 'BPR ML-100k 64f, 10 epochs (typed-array SGD)',
        run: () => fitBpr(matrix, { factors: 64, epochs: 10 }),
      },
    );
    const retail = await loadDataset(
      resolve(shared, 'online-retail/online_retail_2010-12_to_2011-08.csv'),
      'online-retail',
    );
    const orders = compactInteractions(buildInteractions(retail.log, { weights: { purchase: 1 } })).matrix;
    const perIteration = (m: Csr, iterations: number) => ({
      flops: alsFlopsPerIteration(m, 64, 3) * iterations,
      iterations,
    });
    const retailName = `ALS Online Retail purchases (${orders.rows} x ${orders.cols}, ${orders.indices.length} nnz), 5 iterations`;
    tasks.push(
      {
        name: `${retailName}, 1 thread`,
        run: () => fitAls(orders, { ...params, iterations: 5, kernel: 'wasm' }),
        extra: () => perIteration(orders, 5),
      },
      {
        name: `${retailName}, 2 threads (pool kept)`,
        run: () => fitAlsParallel(orders, { ...params, iterations: 5, kernel: 'wasm', threads: 2 }, { pool }),
        extra: () => perIteration(orders, 5),
      },
    );
    const withRates = (f: Figure): Figure => {
      const extra = (f.extra ?? {}) as { flops?: number; iterations?: number };
      if (extra.flops === undefined) return f;
      const seconds = f.medianMs / 1000;
      return {
        ...f,
        extra: {
          ...extra,
          gflops: Math.round((extra.flops / seconds / 1e9) * 100) / 100,
          ...(extra.iterations === undefined
            ? {}
            : { secondsPerIteration: Math.round((seconds / extra.iterations) * 1000) / 1000 }),
        },
      };
    };
    const figures = (await measure(tasks, 5)).map(withRates);
    const large = generateSynthetic({ preset: 'large' });
    const purchases = compactInteractions(buildInteractions(large.log, { weights: { purchase: 1, cart: 1 } })).matrix;
    log(
      `factorization: large preset purchases+carts ${purchases.rows} x ${purchases.cols}, ${purchases.indices.length} nnz`,
    );
    const largeName = `ALS synthetic large (${purchases.rows} x ${purchases.cols}, ${purchases.indices.length} nnz), 2 iterations`;
    const largeFigures = (
      await measure(
        [
          {
            name: `${largeName}, 1 thread`,
            run: () => fitAls(purchases, { ...params, iterations: 2, kernel: 'wasm' }),
            extra: () => perIteration(purchases, 2),
          },
          {
            name: `${largeName}, 2 threads (pool kept)`,
            run: () => fitAlsParallel(purchases, { ...params, iterations: 2, kernel: 'wasm', threads: 2 }, { pool }),
            extra: () => perIteration(purchases, 2),
          },
        ],
        3,
      )
    ).map(withRates);
    await pool.close();
    const { backend } = await selectTfjsBackend();
    return { figures: [...figures, ...largeFigures], tfjsBackend: backend };
  }
  log('factorization: ../shared/datasets not found: nothing to measure');
  return { figures: [], tfjsBackend: (await selectTfjsBackend()).backend };
}
