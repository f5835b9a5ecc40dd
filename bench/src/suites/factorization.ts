import { resolve } from 'node:path';
import { buildInteractions, type Csr, compactInteractions } from '@encore/core';
import { generateSynthetic, loadDataset } from '@encore/datasets';
import { fitAls, fitBpr, selectTfjsBackend } from '@encore/factorization';
import { fitAlsParallel } from '@encore/workers';
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
 * Factorization speed: ALS 64 factors 15 iterations on ML-100k with 1 and 2 threads (the ratio is
 * the parallel speed-up), seconds per iteration on Online Retail purchases and on the synthetic
 * large preset, effective GFLOP/s of the CG step, and a BPR epoch. Records the tfjs backend that
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
    const gflops = (ms: number): number => Math.round((flops / (ms / 1000) / 1e9) * 100) / 100;
    tasks.push(
      {
        name: 'ALS ML-100k 64f 15 it, 1 thread',
        run: () => fitAls(matrix, { ...params, threads: 1 }),
        extra: () => ({ flops }),
      },
      {
        name: 'ALS ML-100k 64f 15 it, 2 threads',
        run: () => fitAlsParallel(matrix, { ...params, threads: 2 }),
        extra: () => ({ flops }),
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
    tasks.push({
      name: `ALS Online Retail purchases (${orders.rows} x ${orders.cols}, ${orders.indices.length} nnz), 1 iteration, 2 threads`,
      run: () => fitAlsParallel(orders, { ...params, iterations: 1, threads: 2 }),
    });
    const figures = (await measure(tasks, 3)).map((f) =>
      f.name.startsWith('ALS ML-100k') ? { ...f, extra: { ...f.extra, gflops: gflops(f.medianMs) } } : f,
    );
    const large = generateSynthetic({ preset: 'large' });
    const purchases = compactInteractions(buildInteractions(large.log, { weights: { purchase: 1, cart: 1 } })).matrix;
    log(
      `factorization: large preset purchases+carts ${purchases.rows} x ${purchases.cols}, ${purchases.indices.length} nnz`,
    );
    const [largeFigure] = await measure(
      [
        {
          name: `ALS synthetic large (${purchases.rows} x ${purchases.cols}, ${purchases.indices.length} nnz), 1 iteration, 2 threads`,
          run: () => fitAlsParallel(purchases, { ...params, iterations: 1, threads: 2 }),
        },
      ],
      2,
    );
    const { backend } = await selectTfjsBackend();
    return { figures: largeFigure ? [...figures, largeFigure] : figures, tfjsBackend: backend };
  }
  log('factorization: ../shared/datasets not found: nothing to measure');
  return { figures: [], tfjsBackend: (await selectTfjsBackend()).backend };
}
