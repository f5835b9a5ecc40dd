import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { createRng, shuffleInPlace } from './rng.js';

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 8 }, () => a.uint32());
    expect(Array.from({ length: 8 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.uint32())).not.toEqual(xs);
  });

  it('is roughly uniform', () => {
    const rng = createRng(1);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[rng.int(10)]++;
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('shuffles into a permutation, reproducibly', () => {
    const a = shuffleInPlace(
      Int32Array.from({ length: 100 }, (_, i) => i),
      createRng(9),
    );
    const b = shuffleInPlace(
      Int32Array.from({ length: 100 }, (_, i) => i),
      createRng(9),
    );
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('fill gives what a loop of next() gives, and leaves the generator where that loop would', () => {
    for (const [Type, scale] of [
      [Float32Array, 0.01],
      [Float64Array, 3],
    ] as const) {
      const looped = createRng(11);
      const filled = createRng(11);
      const expected = new Type(1001);
      for (let k = 0; k < expected.length; k++) expected[k] = looped.next() * scale;
      const got = new Type(1001);
      filled.fill(got, scale);
      expect(got).toEqual(expected);
      expect([filled.uint32(), filled.next()]).toEqual([looped.uint32(), looped.next()]);
    }
  });

  it('rejects a non-finite seed', () => {
    expect(() => createRng(Number.NaN)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});
