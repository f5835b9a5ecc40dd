import { describe, expect, it } from 'vitest';
import {
  checkBoolean,
  checkCoo,
  checkCsr,
  checkEventLog,
  checkInteger,
  checkName,
  checkNumber,
  checkOptions,
  checkRecommendOptions,
} from './checks.js';
import type { Coo } from './csr.js';
import { ErrorCode } from './errors.js';
import { eventLogFrom } from './event-log.js';

const W = 'core/test';

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const coo = (): Coo => ({
  rows: 2,
  cols: 3,
  row: Int32Array.of(0, 1, 1),
  col: Int32Array.of(2, 0, 2),
  value: Float32Array.of(1, 2, 3),
  time: null,
});

describe('scalar checks', () => {
  it('return the value checked and name it in the message', () => {
    expect(checkInteger(W, 'k', 3, 1)).toBe(3);
    expect(() => checkInteger(W, 'k', 0, 1)).toThrow('core/test: k must be an integer ≥ 1');
    expect(() => checkInteger(W, 'k', 11, 1, 10)).toThrow('k must be an integer in 1..10');
    expect(checkNumber(W, 'seed', -2.5)).toBe(-2.5);
    expect(() => checkNumber(W, 'seed', Number.NaN)).toThrow('core/test: seed must be a finite number');
    expect(() => checkNumber(W, 'rate', 0, Number.MIN_VALUE, 1)).toThrow('rate must be a finite number > 0 and ≤ 1');
    expect(checkBoolean(W, 'flag', false)).toBe(false);
    expect(() => checkBoolean(W, 'flag', 'false')).toThrow('flag must be a boolean');
    expect(checkName(W, 'name', 'also bought')).toBe('also bought');
    for (const bad of ['', 'x'.repeat(201), 7]) {
      expect(codeOf(() => checkName(W, 'name', bad))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('checkOptions refuses unknown keys and non-objects', () => {
    expect(checkOptions(W, { k: 1 }, ['k'])).toEqual({ k: 1 });
    expect(() => checkOptions(W, { seeds: 1 }, ['seed'])).toThrow('unknown option "seeds", expected one of: seed');
    expect(() => checkOptions(W, { x: 1 }, [], 'params')).toThrow('unknown parameter "x", expected one of: (none)');
    for (const bad of [null, 3, [1]])
      expect(codeOf(() => checkOptions(W, bad, ['k']))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('checkCoo', () => {
  it('passes well-formed entries, duplicates included', () => {
    const c = coo();
    expect(checkCoo(W, 'coo', c)).toBe(c);
    expect(checkCoo(W, 'coo', { ...c, row: Int32Array.of(0, 0, 0), col: Int32Array.of(1, 1, 1) })).toBeDefined();
    expect(checkCoo(W, 'coo', { ...c, time: Float64Array.of(1, 2, 3) })).toBeDefined();
  });

  it('rejects wrong types, lengths and ranges with INVALID_ARGUMENT, huge shapes with LIMIT_EXCEEDED', () => {
    const c = coo();
    const bad: unknown[] = [
      null,
      { ...c, rows: -1 },
      { ...c, cols: 1.5 },
      { ...c, row: [0, 1, 1] },
      { ...c, value: Float64Array.of(1, 2, 3) },
      { ...c, col: Int32Array.of(2, 0) },
      { ...c, time: Float64Array.of(1) },
      { ...c, time: Float32Array.of(1, 2, 3) },
      { ...c, row: Int32Array.of(0, 2, 1) },
      { ...c, col: Int32Array.of(2, -1, 2) },
    ];
    for (const m of bad) expect(codeOf(() => checkCoo(W, 'coo', m))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(() => checkCoo(W, 'train', { ...c, col: Int32Array.of(2, 3, 0) })).toThrow(
      'train entry 1 is out of range, expected row < 2 and col < 3',
    );
    expect(codeOf(() => checkCoo(W, 'coo', { ...c, rows: 2 ** 31 - 1 }))).toBe(ErrorCode.LIMIT_EXCEEDED);
  });
});

describe('checkCsr', () => {
  const m = {
    rows: 2,
    cols: 3,
    indptr: Int32Array.of(0, 1, 3),
    indices: Int32Array.of(2, 0, 2),
    data: Float32Array.of(1, 2, 3),
    times: null,
  };

  it('passes a well-formed matrix and rejects unsorted rows, bad lengths and negative values', () => {
    expect(checkCsr(W, 'm', m, true)).toBe(m);
    const bad: unknown[] = [
      undefined,
      { ...m, indptr: Int32Array.of(0, 3) },
      { ...m, indices: Int32Array.of(2, 2, 0) },
      { ...m, data: new Float32Array(2) },
      { ...m, indices: Int32Array.of(2, 0, 3) },
    ];
    for (const x of bad) expect(codeOf(() => checkCsr(W, 'm', x))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => checkCsr(W, 'm', { ...m, data: Float32Array.of(1, -2, 3) }, true))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
  });
});

describe('checkEventLog', () => {
  it('passes a built log and rejects anything else', () => {
    const log = eventLogFrom([{ type: 'view', userId: 'u', itemId: 'a', timestamp: 1 }]);
    expect(checkEventLog(W, 'log', log)).toBe(log);
    for (const bad of [null, {}, { ...log, length: 2 }, { ...log, type: [0] }, { ...log, item: null }]) {
      expect(codeOf(() => checkEventLog(W, 'log', bad))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});

describe('checkRecommendOptions', () => {
  it('reads k and exclude, checking exclude in O(1)', () => {
    const exclude = {
      rows: 1,
      cols: 1,
      indptr: Int32Array.of(0, 0),
      indices: new Int32Array(0),
      data: new Float32Array(0),
      times: null,
    };
    expect(checkRecommendOptions(W, { k: 0 })).toEqual({ k: 0, exclude: undefined });
    expect(checkRecommendOptions(W, { k: 5, exclude })).toEqual({ k: 5, exclude });
    for (const bad of [null, {}, { k: -1 }, { k: 2, exclude: {} }, { k: 2, exclude: 'train' }]) {
      expect(codeOf(() => checkRecommendOptions(W, bad))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
