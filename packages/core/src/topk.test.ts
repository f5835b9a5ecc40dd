import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { createRng } from './rng.js';
import { topK } from './topk.js';

describe('topK', () => {
  it('returns the best k, best first, ties on the lower id', () => {
    const r = topK([0.5, 2, 2, -1, 3, 0.5], 4);
    expect([...r.ids]).toEqual([4, 1, 2, 0]);
    expect([...r.scores]).toEqual([3, 2, 2, 0.5]);
  });

  it('caps k at the number of candidates and skips excluded, NaN and -Infinity', () => {
    const r = topK([1, Number.NaN, 5, Number.NEGATIVE_INFINITY, 4, 9], 10, Int32Array.from([2, 5]));
    expect([...r.ids]).toEqual([4, 0]);
    expect(topK([1, 2], 0).ids.length).toBe(0);
    expect(topK([], 5).ids.length).toBe(0);
  });

  it('matches a full sort on random scores', () => {
    const rng = createRng(3);
    const scores = Float32Array.from({ length: 5000 }, () => Math.round(rng.next() * 100) / 10);
    const exclude = Int32Array.from({ length: 200 }, (_, i) => i * 25);
    const excluded = new Set(exclude);
    const expected = [...scores.keys()]
      .filter((i) => !excluded.has(i))
      .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)
      .slice(0, 37);
    expect([...topK(scores, 37, exclude).ids]).toEqual(expected);
  });

  it('rejects a bad k', () => {
    expect(() => topK([1], -1)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => topK([1], 1.5)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});
