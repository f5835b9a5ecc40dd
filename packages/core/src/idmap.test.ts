import { describe, expect, it } from 'vitest';
import { ErrorCode, isEncoreError } from './errors.js';
import { IdMap } from './idmap.js';
import { hashRange, mixKey } from './internal/string-hash.js';
import { createRng } from './rng.js';

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

  it('keeps odd ids apart: empty, NUL, Latin-1 edges, surrogates, the 8/9-character packing edge, very long', () => {
    const odd = [
      '',
      '\u0000',
      '\u0000\u0000',
      'a\u0000',
      'a',
      'a\u00ff',
      'a\u0100',
      '\u00ff',
      '\u0100',
      'é',
      'e\u0301',
      '😀',
      '\ud83d',
      '\ude00',
      '12345678',
      '123456789',
      '1234567',
      ' 1234567',
      '1234567 ',
      '__proto__',
      'constructor',
      'x'.repeat(100_000),
      `${'x'.repeat(99_999)}y`,
    ];
    const m = IdMap.from(odd);
    const again = new IdMap();
    odd.forEach((id, i) => {
      expect(m.indexOf(id)).toBe(i);
      expect(m.intern(id)).toBe(i);
      expect(m.idAt(i)).toBe(id);
      const text = `,${id},`;
      expect(m.indexOfRange(text, 1, 1 + id.length)).toBe(i);
      expect(again.internRange(text, 1, 1 + id.length)).toBe(i);
    });
    expect(again.ids()).toEqual(odd);
    expect(m.size).toBe(odd.length);
    expect(m.indexOf('x'.repeat(99_999))).toBe(-1);
  });

  it('agrees with a Map on 300,000 random operations over many similar ids', () => {
    const rng = createRng(42);
    // Few distinct shapes, many near-identical ids: the table is full of equal prefixes, packed and
    // unpacked ids of every length, and colliding slots.
    const shapes = ['', 'i', 'c', 'sku-', 'customer-', 'session-0000-', 'é', '\u0100', 'a\u0000'];
    const randomId = (): string => {
      const shape = shapes[rng.int(shapes.length)] as string;
      return `${shape}${rng.int(rng.next() < 0.5 ? 50 : 50_000)}`;
    };
    const m = new IdMap();
    const ref = new Map<string, number>();
    const order: string[] = [];
    const expectIndex = (id: string): number => {
      let index = ref.get(id);
      if (index === undefined) {
        index = order.length;
        ref.set(id, index);
        order.push(id);
      }
      return index;
    };
    // Mismatches are collected, not asserted one by one (300,000 expect calls take seconds).
    const wrong: string[] = [];
    for (let op = 0; op < 300_000; op++) {
      const id = randomId();
      const roll = rng.next();
      let got: number;
      let want: number;
      if (roll < 0.4) {
        got = m.intern(id);
        want = expectIndex(id);
      } else if (roll < 0.8) {
        const pad = 'x,'.repeat(rng.int(4));
        got = m.internRange(`${pad}${id},${pad}`, pad.length, pad.length + id.length);
        want = expectIndex(id);
      } else if (roll < 0.9) {
        got = m.has(id) ? m.indexOf(id) : -2;
        want = ref.get(id) ?? -2;
      } else {
        got = m.indexOfRange(`<${id}>`, 1, 1 + id.length);
        want = ref.get(id) ?? -1;
      }
      if (got !== want && wrong.length < 10) wrong.push(`op ${op} ${JSON.stringify(id)}: ${got}, expected ${want}`);
    }
    expect(wrong).toEqual([]);
    expect(m.size).toBe(ref.size);
    expect(m.ids()).toEqual(order);
    expect(ref.size).toBeGreaterThan(100_000); // the table grew many times
  });

  it('keeps ids whose full 32-bit hashes collide apart', () => {
    // Birthday search for real collisions of both hashes the table uses.
    const collide = (make: (i: number) => string, hash: (id: string) => number): [string, string] => {
      const seen = new Map<number, string>();
      for (let i = 0; ; i++) {
        const id = make(i);
        const h = hash(id);
        const other = seen.get(h);
        if (other !== undefined) return [other, id];
        seen.set(h, id);
      }
    };
    const pack = (id: string): [number, number] => {
      let k0 = 0;
      let k1 = 0;
      for (let i = 0; i < id.length; i++) {
        if (i < 4) k0 = (k0 << 8) | id.charCodeAt(i);
        else k1 = (k1 << 8) | id.charCodeAt(i);
      }
      return [k0, k1];
    };
    const long = collide(
      (i) => `long-id-${i}`,
      (id) => hashRange(id, 0, id.length),
    );
    const rng = createRng(9);
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const packed = collide(
      () => Array.from({ length: 8 }, () => letters[rng.int(letters.length)]).join(''),
      (id) => mixKey(...pack(id)),
    );
    for (const [a, b] of [long, packed]) {
      expect(a).not.toBe(b);
      expect(a.length === b.length && (a.length > 8 || pack(a).join() !== pack(b).join())).toBe(true);
      const m = new IdMap();
      expect(m.intern(a)).toBe(0);
      expect(m.indexOf(b)).toBe(-1);
      expect(m.internRange(` ${b}`, 1, 1 + b.length)).toBe(1);
      expect(m.intern(a)).toBe(0);
      expect(m.indexOf(b)).toBe(1);
      expect(m.ids()).toEqual([a, b]);
    }
  });

  it('interns cells of a text by range exactly as the sliced strings', () => {
    const rng = createRng(3);
    const ids = Array.from({ length: 20_000 }, () => `${rng.int(2) ? 'u' : 'user-with-a-long-name-'}${rng.int(5_000)}`);
    const text = ids.join(',');
    const byRange = new IdMap();
    const byString = new IdMap();
    const rangeIndices: number[] = [];
    const stringIndices: number[] = [];
    let start = 0;
    for (const id of ids) {
      rangeIndices.push(byRange.internRange(text, start, start + id.length));
      stringIndices.push(byString.intern(id));
      start += id.length + 1;
    }
    expect(rangeIndices).toEqual(stringIndices);
    expect(byRange.ids()).toEqual(byString.ids());
    expect(byString.ids().map((id) => byRange.indexOf(id))).toEqual(byString.ids().map((_, i) => i));
  });

  it('rejects a range outside its source', () => {
    const m = new IdMap();
    for (const [start, end] of [
      [-1, 2],
      [3, 2],
      [0, 4],
      [Number.NaN, 1],
    ] as const) {
      expect(() => m.internRange('abc', start, end)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
      expect(() => m.indexOfRange('abc', start, end)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
    expect(m.size).toBe(0);
    expect(m.internRange('abc', 3, 3)).toBe(0); // '' is an ordinary id
    expect(m.idAt(0)).toBe('');
  });
});
