import { describe, expect, it } from 'vitest';
import { ErrorCode, isEncoreError } from './errors.js';
import { IdMap } from './idmap.js';

describe('IdMap', () => {
  it('assigns dense indices in order of first appearance', () => {
    const m = new IdMap();
    expect([m.intern('b'), m.intern('a'), m.intern('b'), m.intern('c')]).toEqual([0, 1, 0, 2]);
    expect(m.size).toBe(3);
    expect(m.ids()).toEqual(['b', 'a', 'c']);
    expect(m.indexOf('a')).toBe(1);
    expect(m.indexOf('zzz')).toBe(-1);
    expect(m.idAt(2)).toBe('c');
  });

  it('treats prototype names as ordinary ids', () => {
    const m = new IdMap();
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) m.intern(id);
    expect(m.size).toBe(5);
    expect(m.indexOf('__proto__')).toBe(0);
    expect(m.indexOf('constructor')).toBe(1);
    expect(m.has('valueOf')).toBe(false);
    expect(m.idAt(0)).toBe('__proto__');
  });

  it('rejects out-of-range indices and duplicate ids with codes', () => {
    const m = IdMap.from(['x', 'y']);
    expect(() => m.idAt(2)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => m.idAt(-1)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    try {
      IdMap.from(['x', 'x']);
      expect.unreachable();
    } catch (e) {
      expect(isEncoreError(e, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      expect((e as { details: { value: unknown } }).details.value).toBe('x');
    }
  });
});
