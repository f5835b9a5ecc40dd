import { cooccurrence } from '@encore/cooccurrence';
import { baselineAlgorithms, createAlgorithmRegistry } from '@encore/eval';
import { bpr } from '@encore/factorization';
import { alsParallel } from '@encore/workers';

/**
 * Every algorithm Encore evaluates and trains, by name: the baselines, the co-occurrence
 * item-based recommender, ALS (parallel over all cores) and BPR.
 */
export const algorithmRegistry = createAlgorithmRegistry(
  ...baselineAlgorithms.values(),
  cooccurrence,
  alsParallel,
  bpr,
);
