import { type Algorithm, EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import { popular, random } from './baselines.js';

/** Any algorithm, whatever its parameter type (the registry hands params through untyped, from a CLI). */
// biome-ignore lint/suspicious/noExplicitAny: params are validated by each algorithm's fit at run time
export type AnyAlgorithm = Algorithm<any>;

/**
 * Algorithms by name: a read-only Map whose `get` never returns undefined: an unknown name throws
 * EncoreError UNKNOWN_ALGORITHM naming the known algorithms, so a command line can hand names
 * straight through. Probe with `has`.
 */
export interface AlgorithmRegistry extends ReadonlyMap<string, AnyAlgorithm> {
  /** The algorithm called `name`; throws UNKNOWN_ALGORITHM (details.value = name, details.known) when absent. */
  get(name: string): AnyAlgorithm;
}

/**
 * Builds a registry from algorithms, keyed by `algorithm.name`. Registries compose:
 * `createAlgorithmRegistry(...baselineAlgorithms.values(), als, bpr)`.
 *
 * INVALID_ARGUMENT for a duplicate or empty name.
 *
 * @example
 * const algorithm = createAlgorithmRegistry(popular, random).get(cliArgs.algorithm);
 */
export function createAlgorithmRegistry(...algorithms: AnyAlgorithm[]): AlgorithmRegistry {
  const where = 'eval/createAlgorithmRegistry';
  const map = new Map<string, AnyAlgorithm>();
  for (const algorithm of algorithms) {
    const name = algorithm?.name;
    if (typeof name !== 'string' || name.length === 0 || typeof algorithm.fit !== 'function') {
      throw invalidArgument(where, 'each algorithm must have a non-empty name and a fit function', name);
    }
    if (map.has(name)) {
      throw invalidArgument(
        where,
        `algorithm ${JSON.stringify(name)} is registered twice, expected unique names`,
        name,
      );
    }
    map.set(name, algorithm);
  }
  return Object.freeze({
    get size() {
      return map.size;
    },
    get(name: string): AnyAlgorithm {
      const algorithm = map.get(name);
      if (algorithm === undefined) {
        const known = [...map.keys()];
        throw new EncoreError(
          ErrorCode.UNKNOWN_ALGORITHM,
          `eval/AlgorithmRegistry.get: unknown algorithm ${JSON.stringify(name)}, expected one of: ${known.join(', ')}`,
          { value: name, known },
        );
      }
      return algorithm;
    },
    has: (name: string) => map.has(name),
    keys: () => map.keys(),
    values: () => map.values(),
    entries: () => map.entries(),
    forEach(
      callback: (value: AnyAlgorithm, key: string, registry: ReadonlyMap<string, AnyAlgorithm>) => void,
      thisArg?: unknown,
    ) {
      for (const [key, value] of map) callback.call(thisArg, value, key, this);
    },
    [Symbol.iterator]: () => map[Symbol.iterator](),
  });
}

/** The baselines of this package: `popular` and `random`. */
export const baselineAlgorithms: AlgorithmRegistry = createAlgorithmRegistry(popular, random);
