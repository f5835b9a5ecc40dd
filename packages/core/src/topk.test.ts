import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { createRng } from './rng.js';
import { TopKHeap, topK } from './topk.js';

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

describe('TopKHeap', () => {
  it('keeps the best k of offers in any order, ties on the lower id', () => {
    const heap = new TopKHeap(3);
    expect(heap.threshold).toBe(Number.NEGATIVE_INFINITY);
    for (const [s, id] of [
      [1, 9],
      [3, 2],
      [3, 8],
      [2, 1],
      [3, 5],
    ] as const) {
      heap.offer(s, id);
    }
    expect(heap.size).toBe(3);
    expect(heap.threshold).toBe(3);
    // An equal score enters only with a lower id than the worst kept (3, 8).
    expect(heap.offer(3, 9)).toBe(false);
    expect(heap.offer(3, 0)).toBe(true);
    const top = heap.drain();
    expect([...top.ids]).toEqual([0, 2, 5]);
    expect([...top.scores]).toEqual([3, 3, 3]);
    expect(heap.size).toBe(0);
  });

  it('never keeps NaN or -Infinity, and keeps nothing at capacity 0', () => {
    const heap = new TopKHeap(2);
    expect(heap.offer(Number.NaN, 1)).toBe(false);
    expect(heap.offer(Number.NEGATIVE_INFINITY, 2)).toBe(false);
    expect(heap.offer(Number.POSITIVE_INFINITY, 3)).toBe(true);
    expect([...heap.drain().ids]).toEqual([3]);
    const none = new TopKHeap(0);
    expect(none.offer(1, 1)).toBe(false);
    expect(none.threshold).toBe(Number.POSITIVE_INFINITY);
    expect(none.drain().ids.length).toBe(0);
  });

  it('drains into given arrays at an offset, float64 kept exact, and is reusable', () => {
    const heap = new TopKHeap(2);
    const ids = new Int32Array(5).fill(-1);
    const scores = new Float64Array(5);
    heap.offer(0.1 + 0.2, 4);
    heap.offer(0.3, 6);
    expect(heap.drainInto(ids, scores, 2)).toBe(2);
    expect([...ids]).toEqual([-1, -1, 4, 6, -1]);
    expect(scores[2]).toBe(0.1 + 0.2);
    heap.offer(5, 1);
    expect([...heap.drain().ids]).toEqual([1]);
  });

  it('matches topK on random scores with a payload looked up by id', () => {
    const rng = createRng(11);
    const scores = Float32Array.from({ length: 3000 }, () => Math.round(rng.next() * 50) / 7);
    const order = Array.from(scores.keys());
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const heap = new TopKHeap(25);
    for (const i of order) heap.offer(scores[i] as number, i);
    const expected = topK(scores, 25);
    const got = heap.drain();
    expect([...got.ids]).toEqual([...expected.ids]);
    expect([...got.scores]).toEqual([...expected.scores]);
  });

  it('rejects a bad capacity', () => {
    expect(() => new TopKHeap(-1)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => new TopKHeap(2.5)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});
