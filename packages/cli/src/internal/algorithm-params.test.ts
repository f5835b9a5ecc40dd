import { EncoreError, ErrorCode } from '@encore/core';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHM_FLAGS,
  algorithmParams,
  GRID_FLAGS,
  parameterName,
  parseGrid,
  parseParamValue,
} from './algorithm-params.js';
import { defineFlags, HELP_REQUESTED, parseFlags } from './flags.js';

const TABLE = defineFlags({ ...ALGORITHM_FLAGS, ...GRID_FLAGS });

function flagsOf(argv: readonly string[]) {
  const flags = parseFlags('eval', argv, TABLE);
  if (flags === HELP_REQUESTED) return expect.unreachable('unexpected help');
  return flags;
}

function errorOf(run: () => unknown): EncoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EncoreError);
    return error as EncoreError;
  }
  return expect.unreachable('expected an EncoreError');
}

describe('parseParamValue', () => {
  it('parses finite numbers and true/false, and keeps anything else as given', () => {
    expect(
      ['64', '-0.5', '1e3', 'true', 'false', 'cosine', '', ' ', 'Infinity', 'NaN', '0x10'].map(parseParamValue),
    ).toEqual([64, -0.5, 1000, true, false, 'cosine', '', ' ', 'Infinity', 'NaN', 16]);
  });
});

describe('algorithmParams', () => {
  it('maps named flags to their parameters and takes --param pairs, as a Map', () => {
    const params = algorithmParams(
      'train',
      flagsOf(['--factors', '16', '--learning-rate', '0.05', '--similarity', 'jaccard', '--param', 'cgSteps=4']),
    );
    expect([...params]).toEqual([
      ['cgSteps', 4],
      ['similarity', 'jaccard'],
      ['factors', 16],
      ['learningRate', 0.05],
    ]);
  });

  it('is empty when no parameter is given', () => {
    expect(algorithmParams('train', flagsOf([])).size).toBe(0);
  });

  it('refuses a parameter set both by its flag and by --param, naming the command', () => {
    for (const argv of [
      ['--factors', '16', '--param', 'factors=8'],
      ['--learning-rate', '0.1', '--param', 'learning-rate=0.2'],
      ['--learning-rate', '0.1', '--param', 'learningRate=0.2'],
    ]) {
      const e = errorOf(() => algorithmParams('train', flagsOf(argv)));
      expect(e.code).toBe(ErrorCode.USAGE);
      expect(e.message).toMatch(
        /^encore train: (factors|learningRate) is set by both --(factors|learning-rate) and --param$/,
      );
    }
  });

  it('keeps user-given names out of object prototypes', () => {
    const params = algorithmParams('eval', flagsOf(['--param', '__proto__=1', '--param', 'constructor=x']));
    expect(params.get('__proto__')).toBe(1);
    expect(Object.getPrototypeOf(Object.fromEntries(params))).toBe(Object.prototype);
  });

  it('types the named flags (ranges at the boundary, the algorithms check the rest)', () => {
    expect(errorOf(() => flagsOf(['--factors', '0'])).message).toBe(
      "encore eval: --factors must be an integer ≥ 1, got '0'",
    );
    expect(errorOf(() => flagsOf(['--learning-rate', '0'])).message).toBe(
      "encore eval: --learning-rate must be a number > 0, got '0'",
    );
  });
});

describe('parseGrid', () => {
  it('turns name=v1,v2 into parameter → values, flag names mapped, numbers parsed, in order', () => {
    const grid = parseGrid(
      'eval',
      flagsOf([
        '--grid',
        'similarity=cosine, jaccard',
        '--grid',
        'learning-rate=0.01,0.1',
        '--grid',
        'neighbours=0,20,',
      ]).grid,
      new Map(),
    );
    expect([...grid]).toEqual([
      ['similarity', ['cosine', 'jaccard']],
      ['learningRate', [0.01, 0.1]],
      ['neighbours', [0, 20]],
    ]);
  });

  it('says what a grid value looks like when it has no =, or no values', () => {
    expect(errorOf(() => flagsOf(['--grid', 'factors'])).message).toBe(
      "encore eval: --grid expects name=v1,v2,…, got 'factors'",
    );
    const e = errorOf(() => parseGrid('eval', flagsOf(['--grid', 'factors=, ,']).grid, new Map()));
    expect(e.code).toBe(ErrorCode.USAGE);
    expect(e.message).toBe("encore eval: --grid expects name=v1,v2,…, got 'factors=, ,'");
  });

  it('refuses a parameter both fixed and searched', () => {
    const flags = flagsOf(['--factors', '8', '--grid', 'factors=16,32']);
    expect(errorOf(() => parseGrid('eval', flags.grid, algorithmParams('eval', flags))).message).toBe(
      'encore eval: factors is both fixed and in --grid',
    );
    const twice = flagsOf(['--grid', 'learning-rate=0.1', '--grid', 'learningRate=0.2']);
    expect(errorOf(() => parseGrid('eval', twice.grid, new Map())).message).toBe(
      'encore eval: learningRate is in --grid twice',
    );
  });
});

describe('parameterName', () => {
  it('maps flag names to parameters and leaves other names alone', () => {
    expect(['learning-rate', 'factors', 'cgSteps', 'toString'].map(parameterName)).toEqual([
      'learningRate',
      'factors',
      'cgSteps',
      'toString',
    ]);
  });
});
