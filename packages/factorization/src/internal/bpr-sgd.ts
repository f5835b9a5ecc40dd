import { EncoreError, ErrorCode } from '@encore/core';
import type { TripleSampler } from './bpr-sampling.js';

/** Sums over one epoch of sampled triples. */
export interface EpochTotals {
  /** Σ −ln σ(x_uij) over the triples, measured before each update. */
  loss: number;
  /** Triples with x_uij > 0 (the model already ranked i above j: a sampled AUC numerator). */
  correct: number;
  samples: number;
}

/**
 * Scores above this magnitude mean the factors have blown up (no sane ranking model needs them);
 * caught before they overflow float32 into Infinity and NaN.
 */
export const DIVERGENCE_LIMIT = 1e30;

const CHUNK = 4096;

/**
 * One epoch of LearnBPR (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit
 * Feedback", UAI 2009, §4.2): for each sampled triple (u, i, j), x = p_u · (q_i − q_j) and, with
 * z = σ(−x) = 1 / (1 + e^x), the gradient-ascent steps on ln σ(x) − λ‖Θ‖²
 *
 *   p_u ← p_u + η (z (q_i − q_j) − λ p_u)
 *   q_i ← q_i + η (z p_u − λ q_i)
 *   q_j ← q_j + η (−z p_u − λ q_j)
 *
 * over rows of `dims` columns whose last column is the item bias (the customer's last column is a
 * constant 1 and never updated), as implicit's cpu/bpr.pyx. Single-threaded, in sample order, so
 * the result depends only on the sampler's seed. Updates X and Y in place.
 *
 * Throws DIVERGED as soon as a score is NaN, infinite or above {@link DIVERGENCE_LIMIT}.
 */
export function sgdEpoch(
  X: Float32Array,
  Y: Float32Array,
  dims: number,
  sampler: TripleSampler,
  samples: number,
  learningRate: number,
  regularization: number,
  epoch: number,
): EpochTotals {
  const totals: EpochTotals = { loss: 0, correct: 0, samples: 0 };
  if (sampler.users === 0) return totals;
  const us = new Int32Array(CHUNK);
  const is = new Int32Array(CHUNK);
  const js = new Int32Array(CHUNK);
  const lr = learningRate;
  const reg = regularization;
  const last = dims - 1;
  let loss = 0;
  let correct = 0;
  for (let done = 0; done < samples; ) {
    const n = Math.min(CHUNK, samples - done);
    sampler.draw(us, is, js, 0, n);
    for (let t = 0; t < n; t++) {
      const uo = (us[t] as number) * dims;
      const io = (is[t] as number) * dims;
      const jo = (js[t] as number) * dims;
      let x = 0;
      for (let f = 0; f < dims; f++) x += (X[uo + f] as number) * ((Y[io + f] as number) - (Y[jo + f] as number));
      if (!(Math.abs(x) <= DIVERGENCE_LIMIT)) throw diverged(x, epoch, done + t, learningRate);
      // −ln σ(x) = ln(1 + e^−x), computed without overflow on either side.
      loss += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
      if (x > 0) correct++;
      const z = 1 / (1 + Math.exp(x));
      for (let f = 0; f < last; f++) {
        const pu = X[uo + f] as number;
        const qi = Y[io + f] as number;
        const qj = Y[jo + f] as number;
        X[uo + f] = pu + lr * (z * (qi - qj) - reg * pu);
        Y[io + f] = qi + lr * (z * pu - reg * qi);
        Y[jo + f] = qj + lr * (-z * pu - reg * qj);
      }
      // Bias column: the customer's side is the constant 1.
      const bi = Y[io + last] as number;
      const bj = Y[jo + last] as number;
      Y[io + last] = bi + lr * (z - reg * bi);
      Y[jo + last] = bj + lr * (-z - reg * bj);
    }
    done += n;
  }
  totals.loss = loss;
  totals.correct = correct;
  totals.samples = samples;
  return totals;
}

export function diverged(value: number, epoch: number, sample: number, learningRate: number): EncoreError {
  return new EncoreError(
    ErrorCode.DIVERGED,
    `factorization/fitBpr: training diverged at epoch ${epoch} (score ${value}), expected finite scores; lower learningRate or raise regularization`,
    { value, epoch, sample, learningRate },
  );
}
