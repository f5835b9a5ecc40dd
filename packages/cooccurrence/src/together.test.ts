import { type Csr, cooToCsr, ErrorCode, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { buildCooccurrence } from './cooccurrence.js';
import type { CooccurrenceModel } from './model.js';
import { together } from './together.js';

function baskets(lists: readonly (readonly number[])[]): Csr {
  const row: number[] = [];
  const col: number[] = [];
  lists.forEach((items, r) => {
    for (const i of items) {
      row.push(r);
      col.push(i);
    }
  });
  return cooToCsr({
    rows: lists.length,
    cols: 6,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

// 0–1 bought together 3 times, 0–2 twice, 1–3 twice, 2–3 once, 4 with 5 twice.
const relation = buildCooccurrence(
  baskets([
    [0, 1],
    [0, 1],
    [0, 1],
    [0, 2],
    [0, 2],
    [1, 3],
    [1, 3],
    [2, 3],
    [4, 5],
    [4, 5],
  ]),
  { similarity: 'count', minSupport: 1 },
);
const model: CooccurrenceModel = {
  version: 1,
  items: 6,
  itemIds: ['a', 'b', 'c', 'd', 'e', 'f'],
  relations: [relation],
};

describe('together', () => {
  it('lists one item’s neighbours with score and support', () => {
    const r = together(model, [0], { k: 10 });
    expect(Array.from(r.ids)).toEqual([1, 2]);
    expect(Array.from(r.scores)).toEqual([3, 2]);
    expect(Array.from(r.support)).toEqual([3, 2]);
    expect(Array.from(together(model, 0, { k: 1 }).ids)).toEqual([1]);
  });

  it('merges a cart by summing scores and leaves the cart out', () => {
    // Cart {0, 3}: 1 ← 3 (from 0) + 2 (from 3) = 5; 2 ← 2 + 1 = 3.
    const r = together(model, [0, 3], { k: 10 });
    expect(Array.from(r.ids)).toEqual([1, 2]);
    expect(Array.from(r.scores)).toEqual([5, 3]);
    expect(Array.from(r.support)).toEqual([5, 3]);
  });

  it('honours exclude and filter (predicate or set)', () => {
    expect(Array.from(together(model, [0], { exclude: [1] }).ids)).toEqual([2]);
    expect(Array.from(together(model, [0], { filter: (j) => j !== 1 }).ids)).toEqual([2]);
    expect(Array.from(together(model, [0], { filter: new Set([1]) }).ids)).toEqual([1]);
    expect(together(model, [0, 3], { k: 0 }).ids.length).toBe(0);
  });

  it('takes a relation directly', () => {
    expect(Array.from(together(relation, [4]).ids)).toEqual([5]);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const call of [
      () => together(model, [6]),
      () => together(model, [-1]),
      () => together(model, [0], { relation: 'viewed-together' }),
      () => together(model, [0], { k: -1 }),
      () => together(model, [0], { filter: [1] as never }),
      () => together(model, [0], { kk: 1 } as never),
    ]) {
      try {
        call();
        throw new Error('expected a throw');
      } catch (error) {
        expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      }
    }
  });
});
