import { type Coo, createRng, ErrorCode, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { dedupePairs, SPLIT_KINDS, type SplitKind, splitInteractions, trainCount } from './splits.js';

/** A seeded matrix of unique pairs: customers with 0..14 items each, times with many ties. */
function fixture(seed = 1, rows = 40, cols = 30): Coo {
  const rng = createRng(seed);
  const row: number[] = [];
  const col: number[] = [];
  const time: number[] = [];
  for (let u = 0; u < rows; u++) {
    const n = rng.int(15);
    const items = new Set<number>();
    while (items.size < n) items.add(rng.int(cols));
    for (const i of items) {
      row.push(u);
      col.push(i);
      time.push(1_000 * rng.int(20));
    }
  }
  // Shuffle the entry order so nothing relies on the input being grouped.
  const order = Array.from(row.keys());
  for (let e = order.length - 1; e > 0; e--) {
    const j = rng.int(e + 1);
    [order[e], order[j]] = [order[j] as number, order[e] as number];
  }
  return {
    rows,
    cols,
    row: Int32Array.from(order, (e) => row[e] as number),
    col: Int32Array.from(order, (e) => col[e] as number),
    value: Float32Array.from(order, (e) => 1 + (e % 5)),
    time: Float64Array.from(order, (e) => time[e] as number),
  };
}

const pairKey = (coo: Coo, e: number): string => `${coo.row[e]},${coo.col[e]}`;

function countBy(keys: Int32Array, size: number): Int32Array {
  const counts = new Int32Array(size);
  for (const k of keys) counts[k]!++;
  return counts;
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(isEncoreError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected an EncoreError ${code}`);
}

describe('splitInteractions', () => {
  const coo = fixture();

  it.each(SPLIT_KINDS)('%s: train ∪ test is the input exactly, disjoint, same shape', (kind) => {
    const { train, test } = splitInteractions(coo, { kind, ratio: 0.75, seed: 42 });
    expect([train.rows, train.cols, test.rows, test.cols]).toEqual([coo.rows, coo.cols, coo.rows, coo.cols]);
    expect(train.row.length + test.row.length).toBe(coo.row.length);
    const input = new Map<string, [number, number]>();
    for (let e = 0; e < coo.row.length; e++) input.set(pairKey(coo, e), [coo.value[e]!, coo.time![e]!]);
    const seen = new Set<string>();
    for (const side of [train, test]) {
      for (let e = 0; e < side.row.length; e++) {
        const key = pairKey(side, e);
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(input.get(key)).toEqual([side.value[e], side.time![e]]);
      }
    }
    expect(seen.size).toBe(input.size);
  });

  it.each(SPLIT_KINDS)('%s: deterministic for a seed', (kind) => {
    const a = splitInteractions(coo, { kind, seed: 7 });
    const b = splitInteractions(coo, { kind, seed: 7 });
    expect(a).toEqual(b);
  });

  it.each(['item-stratified', 'user-stratified', 'leave-last'] as const)('%s: differs across seeds', (kind) => {
    const a = splitInteractions(coo, { kind, seed: 1 });
    const b = splitInteractions(coo, { kind, seed: 2 });
    expect(a.test.row.length).toBe(b.test.row.length); // same sizes, different members
    expect(a).not.toEqual(b);
  });

  it('item-stratified: each item puts #{r : r/n ≤ ratio} = floor(0.75·n) of its n entries in train', () => {
    const { train } = splitInteractions(coo, { kind: 'item-stratified', ratio: 0.75, seed: 42 });
    const all = countBy(coo.col, coo.cols);
    const inTrain = countBy(train.col, coo.cols);
    for (let i = 0; i < coo.cols; i++) expect(inTrain[i]).toBe(Math.floor(0.75 * all[i]!));
  });

  it('user-stratified: each customer puts floor(ratio·n) entries in train (ratio 0.6)', () => {
    const { train } = splitInteractions(coo, { kind: 'user-stratified', ratio: 0.6, seed: 42 });
    const all = countBy(coo.row, coo.rows);
    const inTrain = countBy(train.row, coo.rows);
    for (let u = 0; u < coo.rows; u++) expect(inTrain[u]).toBe(trainCount(all[u]!, 0.6));
  });

  it('trainCount follows MS rank / n <= ratio, not round(ratio·n)', () => {
    // n = 1 goes wholly to test and n = 2 splits 1 / 1 under MS's rule; round() would say 1 and 2.
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => trainCount(n, 0.75))).toEqual([0, 1, 2, 3, 3, 4, 5, 6]);
    expect(trainCount(10, 0.7)).toBe(7); // 7/10 <= 0.7 in doubles
    expect(trainCount(3, 0.999)).toBe(2);
  });

  it('stratified keys are numpy legacy rand draws in input order (row-identical to MS python_stratified_split)', () => {
    // np.random.seed(42); np.random.rand(4) = [0.3745, 0.9507, 0.7320, 0.5987]: sorted by key the
    // ranks are rows 0, 3, 2, 1; ranks 1..3 satisfy r/4 <= 0.75, so row 1 alone is held out.
    const four: Coo = {
      rows: 4,
      cols: 1,
      row: Int32Array.of(0, 1, 2, 3),
      col: Int32Array.of(0, 0, 0, 0),
      value: Float32Array.of(1, 2, 3, 4),
      time: null,
    };
    const { train, test } = splitInteractions(four, { kind: 'item-stratified', ratio: 0.75, seed: 42 });
    expect(Array.from(test.row)).toEqual([1]);
    expect(Array.from(train.row)).toEqual([0, 2, 3]);
    expect(test.time).toBeNull();
  });

  it('temporal: every train time ≤ every test time, floor(ratio·n) in train, ties ordered by (customer, item)', () => {
    const { train, test } = splitInteractions(coo, { kind: 'temporal', ratio: 0.75 });
    expect(train.row.length).toBe(Math.floor(0.75 * coo.row.length));
    const maxTrain = Math.max(...train.time!);
    const minTest = Math.min(...test.time!);
    expect(maxTrain).toBeLessThanOrEqual(minTest);
    // At the cut time, the (customer, item) order decides: every train pair at that time precedes every test pair.
    if (maxTrain === minTest) {
      const at = (side: Coo) =>
        Array.from(side.row.keys())
          .filter((e) => side.time![e] === maxTrain)
          .map((e) => side.row[e]! * 1000 + side.col[e]!);
      expect(Math.max(...at(train))).toBeLessThan(Math.min(...at(test)));
    }
  });

  it('leave-last: one test entry per customer with ≥ 2 entries, their latest; singletons stay in train', () => {
    const { train, test } = splitInteractions(coo, { kind: 'leave-last', seed: 3 });
    const all = countBy(coo.row, coo.rows);
    const inTest = countBy(test.row, coo.rows);
    const latest = new Float64Array(coo.rows).fill(Number.NEGATIVE_INFINITY);
    for (let e = 0; e < coo.row.length; e++) latest[coo.row[e]!] = Math.max(latest[coo.row[e]!]!, coo.time![e]!);
    for (let u = 0; u < coo.rows; u++) expect(inTest[u]).toBe(all[u]! >= 2 ? 1 : 0);
    for (let e = 0; e < test.row.length; e++) expect(test.time![e]).toBe(latest[test.row[e]!]);
    expect(train.row.length).toBe(coo.row.length - test.row.length);
  });

  it('leave-last: without ties the seed does not matter', () => {
    const distinct: Coo = { ...coo, time: Float64Array.from(coo.time!, (t, e) => t + e) };
    expect(splitInteractions(distinct, { kind: 'leave-last', seed: 1 })).toEqual(
      splitInteractions(distinct, { kind: 'leave-last', seed: 2 }),
    );
  });

  it('rejects bad arguments with INVALID_ARGUMENT', () => {
    for (const ratio of [0, 1, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectCode(() => splitInteractions(coo, { ratio }), ErrorCode.INVALID_ARGUMENT);
    }
    for (const seed of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expectCode(() => splitInteractions(coo, { seed }), ErrorCode.INVALID_ARGUMENT);
    }
    expectCode(() => splitInteractions(coo, { kind: 'random' as SplitKind }), ErrorCode.INVALID_ARGUMENT);
    expectCode(() => splitInteractions(coo, { ratios: 0.5 } as never), ErrorCode.INVALID_ARGUMENT);
    const untimed = { ...coo, time: null };
    expectCode(() => splitInteractions(untimed, { kind: 'temporal' }), ErrorCode.INVALID_ARGUMENT);
    expectCode(() => splitInteractions(untimed, { kind: 'leave-last' }), ErrorCode.INVALID_ARGUMENT);
    const nanTime = { ...coo, time: Float64Array.from(coo.time!, (t, e) => (e === 3 ? Number.NaN : t)) };
    expectCode(() => splitInteractions(nanTime, { kind: 'temporal' }), ErrorCode.INVALID_ARGUMENT);
    const outOfRange = { ...coo, col: Int32Array.from(coo.col, (c, e) => (e === 0 ? coo.cols : c)) };
    expectCode(() => splitInteractions(outOfRange), ErrorCode.INVALID_ARGUMENT);
    const duplicated: Coo = {
      ...coo,
      row: Int32Array.of(0, 0),
      col: Int32Array.of(1, 1),
      value: Float32Array.of(1, 1),
      time: null,
    };
    expectCode(() => splitInteractions(duplicated), ErrorCode.INVALID_ARGUMENT);
    // ...and dedupePairs makes them acceptable.
    expect(splitInteractions(dedupePairs(duplicated)).test.row.length).toBe(1);
  });
});

describe('dedupePairs', () => {
  const dup: Coo = {
    rows: 2,
    cols: 3,
    row: Int32Array.of(1, 0, 1, 1),
    col: Int32Array.of(2, 1, 2, 0),
    value: Float32Array.of(2, 1, 5, 1),
    time: Float64Array.of(30, 10, 20, 5),
  };

  it('merges repeated pairs (sum by default, or max), keeps the latest time, row-major order', () => {
    const summed = dedupePairs(dup);
    expect(Array.from(summed.row)).toEqual([0, 1, 1]);
    expect(Array.from(summed.col)).toEqual([1, 0, 2]);
    expect(Array.from(summed.value)).toEqual([1, 1, 7]);
    expect(Array.from(summed.time!)).toEqual([10, 5, 30]);
    expect(Array.from(dedupePairs(dup, { combine: 'max' }).value)).toEqual([1, 1, 5]);
  });

  it('rejects an unknown combine', () => {
    expectCode(() => dedupePairs(dup, { combine: 'last' as 'sum' }), ErrorCode.INVALID_ARGUMENT);
  });
});
