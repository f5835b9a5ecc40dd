import { checkId } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { idProblem, isPlainDecimal, parseDigits, splitPlain, splitQuoted } from './fields.js';

describe('splitPlain', () => {
  it('splits on a one- or two-character separator, keeping empty fields', () => {
    const out: string[] = [];
    expect(splitPlain('a,,b,', ',', out)).toBe(4);
    expect(out.slice(0, 4)).toEqual(['a', '', 'b', '']);
    expect(splitPlain('1::2::3', '::', out)).toBe(3);
    expect(out.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(splitPlain('', ',', out)).toBe(1);
  });
});

describe('splitQuoted (RFC 4180)', () => {
  const split = (line: string): string[] | string => {
    const out: string[] = [];
    const n = splitQuoted(line, ',', out);
    return typeof n === 'string' ? n : out.slice(0, n);
  };

  it('reads quoted fields with commas and doubled quotes', () => {
    expect(split('536367,"RECORD FRAME 7"" SINGLE, SIZE ",48')).toEqual([
      '536367',
      'RECORD FRAME 7" SINGLE, SIZE ',
      '48',
    ]);
    expect(split('"a","",""""')).toEqual(['a', '', '"']);
    expect(split('"x",')).toEqual(['x', '']);
    expect(split(',"x"')).toEqual(['', 'x']);
  });

  it('rejects an unterminated quote, text after a closing quote and a quote inside an unquoted field', () => {
    expect(split('a,"bc')).toMatch(/^unterminated quoted field 2/);
    expect(split('"ab"c,d')).toMatch(/^unexpected character after the closing quote of field 1/);
    expect(split('ab"c,d')).toMatch(/^quote inside unquoted field 1/);
  });
});

describe('field checks', () => {
  it('idProblem agrees with core checkId on strings', () => {
    for (const value of [
      '',
      'a',
      ' ',
      'x'.repeat(512),
      'x'.repeat(513),
      'a\u0000b',
      'a\u001fb',
      'a\u007fb',
      'é',
      '__proto__',
    ]) {
      expect(idProblem(value)).toBe(checkId(value));
    }
  });

  it('isPlainDecimal matches ^\\d+(\\.\\d+)?$', () => {
    for (const value of ['0', '12', '1.5', '1.', '.5', '', '1e3', '-1', '1.2.3', ' 1', '12a']) {
      expect(isPlainDecimal(value)).toBe(/^\d+(\.\d+)?$/.test(value));
    }
  });

  it('parseDigits reads 1 to 15 digits only', () => {
    expect(parseDigits('881250949')).toBe(881250949);
    expect(parseDigits('')).toBe(-1);
    expect(parseDigits('12x')).toBe(-1);
    expect(parseDigits('-1')).toBe(-1);
    expect(parseDigits('1'.repeat(16))).toBe(-1);
  });
});
