import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { Tfjs } from '../tfjs.js';
import type { TripleSampler } from './bpr-sampling.js';
import { DIVERGENCE_LIMIT, diverged, type EpochTotals } from './bpr-sgd.js';

/** A BPR model held as tfjs variables for the duration of a fit. */
export interface TfjsBprTrainer {
  epoch(
    sampler: TripleSampler,
    samples: number,
    learningRate: number,
    regularization: number,
    batchSize: number,
    epoch: number,
  ): Promise<EpochTotals>;
  /** Copies the factors back into X and Y. */
  read(X: Float32Array, Y: Float32Array): Promise<void>;
  dispose(): void;
}

/**
 * Minibatch LearnBPR on tfjs (same update rule as `sgdEpoch`, Rendle et al. 2009): per batch of
 * sampled triples, gather the rows of U and V, x = Σ_f U_u (V_i − V_j), z = σ(−x), and add the
 * per-triple steps back with `scatterND` (which sums the steps of rows drawn twice in a batch).
 * All steps of a batch are computed from the same parameters, so it is SGD with delayed updates,
 * the learning rate keeping its per-sample meaning. Loss and sampled-AUC counts stay on the
 * backend and are read once per epoch.
 */
export function createTfjsBprTrainer(
  tf: Tfjs,
  X: Float32Array,
  Y: Float32Array,
  users: number,
  items: number,
  dims: number,
): TfjsBprTrainer {
  const U: Variable = tf.variable(tf.tensor2d(X, [users, dims]), true, undefined, 'float32');
  const V: Variable = tf.variable(tf.tensor2d(Y, [items, dims]), true, undefined, 'float32');
  // The customer's last column is the constant 1 that multiplies the item bias: never updated.
  const userMask = tf.tensor2d(
    Float32Array.from({ length: dims }, (_, f) => (f === dims - 1 ? 0 : 1)),
    [1, dims],
  );
  return {
    async epoch(sampler, samples, learningRate, regularization, batchSize, epoch) {
      const totals: EpochTotals = { loss: 0, correct: 0, samples: 0 };
      if (sampler.users === 0 || samples === 0) return totals;
      const us = new Int32Array(batchSize);
      const is = new Int32Array(batchSize);
      const js = new Int32Array(batchSize);
      let sums: Tensor = tf.zeros([3]); // [Σ loss, Σ correct, max |x|]
      for (let done = 0; done < samples; done += batchSize) {
        const n = Math.min(batchSize, samples - done);
        sampler.draw(us, is, js, 0, n);
        const next = tf.tidy(() => {
          const u = tf.tensor1d(us.subarray(0, n), 'int32');
          const i = tf.tensor1d(is.subarray(0, n), 'int32');
          const j = tf.tensor1d(js.subarray(0, n), 'int32');
          const Ub = tf.gather(U, u);
          const Ib = tf.gather(V, i);
          const Jb = tf.gather(V, j);
          const diff = tf.sub(Ib, Jb);
          const x = tf.sum(tf.mul(Ub, diff), 1);
          const z = tf.expandDims(tf.sigmoid(tf.neg(x)), 1);
          const stepU = tf.mul(tf.sub(tf.mul(z, diff), tf.mul(Ub, regularization)), userMask);
          const stepI = tf.sub(tf.mul(z, Ub), tf.mul(Ib, regularization));
          const stepJ = tf.sub(tf.mul(tf.neg(z), Ub), tf.mul(Jb, regularization));
          const dU = tf.scatterND(tf.reshape(u, [n, 1]), stepU, [users, dims]);
          const dV = tf.scatterND(tf.reshape(tf.concat([i, j]), [2 * n, 1]), tf.concat([stepI, stepJ]), [items, dims]);
          U.assign(tf.add(U, tf.mul(dU, learningRate)));
          V.assign(tf.add(V, tf.mul(dV, learningRate)));
          const batch = tf.stack([
            tf.sum(tf.softplus(tf.neg(x))),
            tf.sum(tf.cast(tf.greater(x, 0), 'float32')),
            tf.max(tf.abs(x)),
          ]);
          return tf.concat([
            tf.add(tf.slice(sums, 0, 2), tf.slice(batch, 0, 2)),
            tf.maximum(tf.slice(sums, 2, 1), tf.slice(batch, 2, 1)),
          ]);
        });
        sums.dispose();
        sums = next;
      }
      const [loss, correct, maxAbs] = Array.from(await sums.data());
      sums.dispose();
      // A NaN anywhere propagates into the loss sum and the max.
      if (!(Math.abs(maxAbs as number) <= DIVERGENCE_LIMIT) || !Number.isFinite(loss)) {
        throw diverged(Number.isFinite(maxAbs) ? (loss as number) : (maxAbs as number), epoch, samples, learningRate);
      }
      totals.loss = loss as number;
      totals.correct = correct as number;
      totals.samples = samples;
      return totals;
    },
    async read(outX, outY) {
      outX.set(await U.data());
      outY.set(await V.data());
    },
    dispose() {
      U.dispose();
      V.dispose();
      userMask.dispose();
    },
  };
}
