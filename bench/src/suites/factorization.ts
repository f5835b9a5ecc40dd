import { resolve } from 'node:path';
import { buildInteractions, type Csr, compactInteractions } from '@encore/core';
import { generateSynthetic, loadDataset } from '@encore/datasets';
import { type AlsModel, fitAls, fitBpr, selectTfjsBackend } from '@encore/factorization';
import { createWorkerPool, fitAlsParallel } from '@encore/workers';
import { sharedDatasets } from '../datasets.js';
import { measure, measurePairs, median } from '../measure.js';
import type { Figure } from '../record.js';

/** Alternating 1-thread / 2-thread pairs per data set (after one warm-up pair). */
const ML_PAIRS = 15;
const RETAIL_PAIRS = 9;
const LARGE_PAIRS = 3;

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
 * Factorization speed: ALS 64 factors 15 iterations on ML-100k with the TypeScript kernel and
 * with the WebAssembly SIMD kernel on 1 thread and on 2 (kept pool, and a pool started inside the
 * fit); seconds per iteration on Online Retail purchases and on the synthetic large preset;
 * effective GFLOP/s of the CG step; BPR. The 1- and 2-thread fits run in alternating pairs and
 * the speed-up is the median of the pairs' ratios. Records the tfjs backend available here.
 */
export async function factorizationSuite(
  log: (line: string) => void,
): Promise<{ figures: Figure[]; tfjsBackend: string }> {
  const shared = sharedDatasets();
  const params = { factors: 64, iterations: 15, regularization: 30, alpha: 2.5 } as const;
  if (shared) {
    const ml = await loadDataset(resolve(shared, 'movielens-100k/u.data'), 'movielens');
    const matrix = compactInteractions(buildInteractions(ml.log, { weights: { rate: 1 } })).matrix;
    const flops = alsFlopsPerIteration(matrix, 64, 3) * 15;
    // A process that fits more than once keeps one worker pool; the cold figure pays for
    // starting the threads (and loading the kernel in each) inside the fit.
    const pool = await createWorkerPool({ threads: 2 });
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
    /**
     * 1 thread against 2 threads (kept pool) in alternating pairs. Besides the whole fit, the
     * speed-up of the iterations alone (the models' own per-iteration seconds, without the
     * single-threaded setup: transpose, copies into shared memory, initial factors) is recorded.
     */
    const pairedFits = async (
      name: string,
      m: Csr,
      p: {
        readonly factors: number;
        readonly iterations: number;
        readonly regularization: number;
        readonly alpha: number;
      },
      pairs: number,
      extra: Readonly<Record<string, unknown>>,
    ): Promise<Figure[]> => {
      const iterationSeconds: [number[], number[]] = [[], []];
      const timed = (side: 0 | 1, fit: () => AlsModel | Promise<AlsModel>) => async (): Promise<void> => {
        const model = await fit();
        iterationSeconds[side].push(model.history.reduce((sum, it) => sum + it.seconds, 0));
      };
      const { first, second } = await measurePairs(
        { name: `${name}, 1 thread`, run: timed(0, () => fitAls(m, { ...p, kernel: 'wasm' })), extra: () => extra },
        {
          name: `${name}, 2 threads (pool kept)`,
          run: timed(1, () => fitAlsParallel(m, { ...p, kernel: 'wasm', threads: 2 }, { pool })),
          extra: () => extra,
        },
        pairs,
      );
      // The lists begin with the warm-up pair; entry k of each side ran in the same pair.
      const ratios = iterationSeconds[0]
        .slice(1)
        .map((s, k) => s / iterationSeconds[1][k + 1]!)
        .sort((a, b) => a - b);
      const iterationsSpeedup = Math.round(median(ratios) * 100) / 100;
      log(
        `factorization: ${name}: 2 threads / 1 thread ${second.extra?.speedup}x (iterations alone ${iterationsSpeedup}x)`,
      );
      return [withRates(first), withRates({ ...second, extra: { ...second.extra, iterationsSpeedup } })];
    };
    const figures: Figure[] = [];
    figures.push(
      ...(
        await measure(
          [
            {
              name: 'ALS ML-100k 64f 15 it, 1 thread, TypeScript kernel',
              run: () => fitAls(matrix, { ...params, kernel: 'js' }),
              extra: () => ({ flops, kernel: 'js' }),
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
          ],
          5,
        )
      ).map(withRates),
    );
    figures.push(...(await pairedFits('ALS ML-100k 64f 15 it', matrix, params, ML_PAIRS, { flops, kernel: 'wasm' })));
    const retail = await loadDataset(
      resolve(shared, 'online-retail/online_retail_2010-12_to_2011-08.csv'),
      'online-retail',
    );
    const orders = compactInteractions(buildInteractions(retail.log, { weights: { purchase: 1 } })).matrix;
    const perIteration = (m: Csr, iterations: number) => ({
      flops: alsFlopsPerIteration(m, 64, 3) * iterations,
      iterations,
      kernel: 'wasm',
    });
    const retailName = `ALS Online Retail purchases (${orders.rows} x ${orders.cols}, ${orders.indices.length} nnz), 5 iterations`;
    figures.push(
      ...(await pairedFits(retailName, orders, { ...params, iterations: 5 }, RETAIL_PAIRS, perIteration(orders, 5))),
    );
    const large = generateSynthetic({ preset: 'large' });
    const purchases = compactInteractions(buildInteractions(large.log, { weights: { purchase: 1, cart: 1 } })).matrix;
    log(
      `factorization: large preset purchases+carts ${purchases.rows} x ${purchases.cols}, ${purchases.indices.length} nnz`,
    );
    const largeName = `ALS synthetic large (${purchases.rows} x ${purchases.cols}, ${purchases.indices.length} nnz), 2 iterations`;
    figures.push(
      ...(await pairedFits(
        largeName,
        purchases,
        { ...params, iterations: 2 },
        LARGE_PAIRS,
        perIteration(purchases, 2),
      )),
    );
    await pool.close();
    const { backend } = await selectTfjsBackend();
    return { figures, tfjsBackend: backend };
  }
  log('factorization: ../shared/datasets not found: nothing to measure');
  return { figures: [], tfjsBackend: (await selectTfjsBackend()).backend };
}
