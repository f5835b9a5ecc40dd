import { cooccurrence } from '@encore/cooccurrence';
import { baselineAlgorithms, createAlgorithmRegistry } from '@encore/eval';
import { alsParallel } from '@encore/workers';

/**
 * Every algorithm the engine knows, by name. Later packages (co-occurrence, factorization) add
 * theirs here; the command line and the facade look names up only through this registry.
 */
export const algorithmRegistry = createAlgorithmRegistry(...baselineAlgorithms.values(), cooccurrence, alsParallel);
