import { EncoreError, ErrorCode } from '@encore/core';
import { defineFlags, type FlagValues } from './flags.js';

/**
 * Algorithm parameters as flags, declared once for `eval` and `train`. Each named flag sets the
 * parameter of the same name (`--learning-rate` sets `learningRate`); `--param name=value` sets
 * any other. The ranges here only type the values: every algorithm validates its own parameters,
 * so a parameter it does not take (`--factors` for `popular`) is a one-line INVALID_ARGUMENT.
 */
export const ALGORITHM_FLAGS = defineFlags({
  // A string, not a choice: the similarities are co-occurrence's to name (a floor below jobs), and
  // cooccurrence refuses an unknown one naming them all.
  similarity: {
    type: 'string',
    placeholder: 'kind',
    help: 'cooccurrence: how pairs are scored (llr, jaccard, cosine, …; see encore algorithms)',
  },
  neighbours: {
    type: 'integer',
    min: 0,
    max: 0x7fffffff,
    help: 'cooccurrence: neighbours kept per item (0 = all)',
  },
  factors: { type: 'integer', min: 1, max: Number.POSITIVE_INFINITY, help: 'als, bpr: latent factors' },
  iterations: { type: 'integer', min: 0, max: Number.POSITIVE_INFINITY, help: 'als: iterations' },
  epochs: { type: 'integer', min: 0, max: Number.POSITIVE_INFINITY, help: 'bpr: epochs' },
  regularization: { type: 'number', min: 0, max: Number.POSITIVE_INFINITY, help: 'als, bpr: L2 regularization' },
  alpha: { type: 'number', min: 0, max: Number.POSITIVE_INFINITY, help: 'als: confidence 1 + alpha * r' },
  'learning-rate': {
    type: 'number',
    min: 0,
    max: Number.POSITIVE_INFINITY,
    exclusiveMin: true,
    help: 'bpr: SGD learning rate',
  },
  param: {
    type: 'pairs',
    help: 'any algorithm parameter (numbers and true/false parsed; see encore algorithms)',
  },
});

/** `--grid` of `encore eval`: values to try per parameter. */
export const GRID_FLAGS = defineFlags({
  grid: {
    type: 'pairs',
    placeholder: 'name=v1,v2,…',
    help: 'tune: values to try (a flag name or parameter); scored on a validation split of train, best refitted',
  },
});

type NamedFlag = Exclude<keyof typeof ALGORITHM_FLAGS, 'param'>;

/** Named flag → the parameter it sets. */
const PARAM_OF: Readonly<Record<NamedFlag, string>> = Object.freeze({
  similarity: 'similarity',
  neighbours: 'neighbours',
  factors: 'factors',
  iterations: 'iterations',
  epochs: 'epochs',
  regularization: 'regularization',
  alpha: 'alpha',
  'learning-rate': 'learningRate',
});

/** The parameter a flag or parameter name stands for (`learning-rate` → `learningRate`; others as given). */
export function parameterName(name: string): string {
  return Object.hasOwn(PARAM_OF, name) ? PARAM_OF[name as NamedFlag] : name;
}

/**
 * The algorithm parameters of a command's flags: `--param` pairs (values parsed by
 * {@link parseParamValue}) and the named flags. Returns a Map (names are user input).
 *
 * Throws USAGE naming the command when a parameter is set twice (`--factors 8 --param factors=16`).
 *
 * @example
 * algorithmParams('train', flags); // Map { 'factors' => 16, 'learningRate' => 0.05 }
 */
export function algorithmParams(
  command: string,
  flags: FlagValues<typeof ALGORITHM_FLAGS>,
): Map<string, string | number | boolean> {
  const params = new Map<string, string | number | boolean>();
  for (const [name, raw] of flags.param) params.set(parameterName(name), parseParamValue(raw));
  for (const flag of Object.keys(PARAM_OF) as NamedFlag[]) {
    const value = flags[flag];
    if (value === undefined) continue;
    const name = PARAM_OF[flag];
    if (params.has(name)) {
      throw new EncoreError(ErrorCode.USAGE, `encore ${command}: ${name} is set by both --${flag} and --param`, {
        flag,
        value,
      });
    }
    params.set(name, value);
  }
  return params;
}

/**
 * `--grid` pairs → parameter → values to try, in the order given (numbers and booleans parsed;
 * flag names stand for their parameters).
 *
 * Throws USAGE naming the command for a pair without values (`--grid factors=`), a parameter
 * given both to `--grid` and as a fixed value, or one searched twice (`--grid learning-rate=… --grid learningRate=…`).
 *
 * @example
 * parseGrid('eval', new Map([['neighbours', '0,20']]), new Map()); // Map { 'neighbours' => [0, 20] }
 */
export function parseGrid(
  command: string,
  grid: ReadonlyMap<string, string>,
  fixed: ReadonlyMap<string, unknown>,
): Map<string, (string | number | boolean)[]> {
  const out = new Map<string, (string | number | boolean)[]>();
  for (const [name, list] of grid) {
    const values = list
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) {
      throw new EncoreError(ErrorCode.USAGE, `encore ${command}: --grid expects name=v1,v2,…, got '${name}=${list}'`, {
        flag: 'grid',
        value: `${name}=${list}`,
      });
    }
    const param = parameterName(name);
    if (fixed.has(param) || out.has(param)) {
      const what = out.has(param) ? 'in --grid twice' : 'both fixed and in --grid';
      throw new EncoreError(ErrorCode.USAGE, `encore ${command}: ${param} is ${what}`, { flag: 'grid', value: name });
    }
    out.set(param, values.map(parseParamValue));
  }
  return out;
}

/** A parameter value from the command line: finite numbers and true/false parsed, anything else a string. */
export function parseParamValue(raw: string): string | number | boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}
