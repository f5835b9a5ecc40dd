import { type Csr, cooToCsr, ErrorCode, isEncoreError, type TopK } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { evaluateRankings, rankingMetricsForUser } from './metrics.js';

const list = (...ids: number[]): TopK => ({ ids: Int32Array.from(ids), scores: Float32Array.from(ids, (_, i) => -i) });

function csr(rows: number, cols: number, byRow: number[][]): Csr {
  const row: number[] = [];
  const col: number[] = [];
  byRow.forEach((items, r) => {
    for (const c of items) {
      row.push(r);
      col.push(c);
    }
  });
  return cooToCsr({
    rows,
    cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

const log2 = Math.log2;
// IDCG of 3 hits: 1/log2(2) + 1/log2(3) + 1/log2(4)
const IDCG3 = 1 + 1 / log2(3) + 0.5;

describe('rankingMetricsForUser (hand-computed)', () => {
  it('|relevant| < k: map and mapAtK agree', () => {
    // relevant {1,2,3}, k = 5, list [1, 9, 3, 8, 7]: hits at ranks 1 and 3.
    const m = rankingMetricsForUser([1, 9, 3, 8, 7], [1, 2, 3], 5);
    expect(m.hits).toBe(2);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.ndcg).toBeCloseTo((1 + 1 / log2(4)) / IDCG3, 12); // 0.70391…
    expect(m.averagePrecision).toBeCloseTo((1 / 1 + 2 / 3) / 3, 12); // 0.5556
    expect(m.averagePrecisionAtK).toBeCloseTo((1 / 1 + 2 / 3) / 3, 12);
  });

  it('|relevant| > k: map divides by |relevant|, mapAtK by k', () => {
    // relevant {0..5}, k = 3, list [0, 10, 2]: hits at ranks 1 and 3.
    const m = rankingMetricsForUser([0, 10, 2], [0, 1, 2, 3, 4, 5], 3);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 6, 12);
    expect(m.ndcg).toBeCloseTo(1.5 / IDCG3, 12);
    expect(m.averagePrecision).toBeCloseTo(5 / 3 / 6, 12); // 0.2778
    expect(m.averagePrecisionAtK).toBeCloseTo(5 / 3 / 3, 12); // 0.5556
  });

  it('a perfect ranking scores 1 everywhere; no hits score 0', () => {
    const perfect = rankingMetricsForUser([2, 0, 1], [0, 1, 2], 3);
    expect(perfect).toEqual({
      hits: 3,
      precision: 1,
      recall: 1,
      ndcg: 1,
      averagePrecision: 1,
      averagePrecisionAtK: 1,
    });
    const none = rankingMetricsForUser([5, 6, 7], [0, 1, 2], 3);
    expect(none).toEqual({ hits: 0, precision: 0, recall: 0, ndcg: 0, averagePrecision: 0, averagePrecisionAtK: 0 });
  });

  it('only the top k count; a short list still divides precision by k; repeats count once', () => {
    expect(rankingMetricsForUser([9, 8, 0], [0], 2).hits).toBe(0);
    expect(rankingMetricsForUser([0], [0, 1], 4).precision).toBe(0.25);
    expect(rankingMetricsForUser([0, 0, 1], [0, 1], 2).hits).toBe(2);
  });

  it('rejects an empty relevant set and a bad k', () => {
    for (const call of [() => rankingMetricsForUser([1], [], 3), () => rankingMetricsForUser([1], [1], 0)]) {
      expect(call).toThrow();
      try {
        call();
      } catch (error) {
        expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      }
    }
  });
});

describe('evaluateRankings', () => {
  // user 0: the |rel| < k case, user 1: no test items (skipped), user 2: the |rel| > k case at k = 5,
  // user 3: relevant {4} but an empty list (zeros).
  const test = csr(4, 12, [[1, 2, 3], [], [0, 1, 2, 3, 4, 5], [4]]);
  const users = Int32Array.of(0, 1, 2, 3);
  const recs = [list(1, 9, 3, 8, 7), list(0, 1), list(0, 10, 2, 11, 6), list()];

  it('averages over users with ≥ 1 test item; empty lists count as zeros', () => {
    const m = evaluateRankings(recs, users, test, { k: 5 });
    expect(m.users).toBe(3);
    const u0 = rankingMetricsForUser([1, 9, 3, 8, 7], [1, 2, 3], 5);
    const u2 = rankingMetricsForUser([0, 10, 2, 11, 6], [0, 1, 2, 3, 4, 5], 5);
    expect(m.precision).toBeCloseTo((u0.precision + u2.precision) / 3, 12);
    expect(m.recall).toBeCloseTo((2 / 3 + 2 / 6) / 3, 12);
    expect(m.ndcg).toBeCloseTo((u0.ndcg + u2.ndcg) / 3, 12);
    // u2: hits at ranks 1 and 3 → AP sum 5/3; map / 6, mapAtK / min(5, 6) = 5.
    expect(m.map).toBeCloseTo(((1 + 2 / 3) / 3 + 5 / 3 / 6) / 3, 12);
    expect(m.mapAtK).toBeCloseTo(((1 + 2 / 3) / 3 + 5 / 3 / 5) / 3, 12);
    expect(m.hitRate).toBeCloseTo(2 / 3, 12);
    // Distinct items in evaluated lists: {1,9,3,8,7} ∪ {0,10,2,11,6} = 10 of 12 (user 1's list is not evaluated).
    expect(m.coverage).toBeCloseTo(10 / 12, 12);
    expect(evaluateRankings(recs, users, test, { k: 5, items: 20 }).coverage).toBe(0.5);
  });

  it('perfect rankings give 1s, no hits give 0s', () => {
    const t = csr(2, 6, [
      [0, 1],
      [2, 3],
    ]);
    const u = Int32Array.of(0, 1);
    const perfect = evaluateRankings([list(1, 0), list(2, 3)], u, t, { k: 2 });
    expect(perfect).toEqual({
      precision: 1,
      recall: 1,
      ndcg: 1,
      map: 1,
      mapAtK: 1,
      hitRate: 1,
      coverage: 4 / 6,
      users: 2,
    });
    const none = evaluateRankings([list(4, 5), list(4, 5)], u, t, { k: 2 });
    expect(none).toEqual({
      precision: 0,
      recall: 0,
      ndcg: 0,
      map: 0,
      mapAtK: 0,
      hitRate: 0,
      coverage: 2 / 6,
      users: 2,
    });
  });

  it('no evaluable users gives zeros, not NaN', () => {
    const m = evaluateRankings([list(1)], Int32Array.of(1), test, { k: 3 });
    expect(m).toEqual({ precision: 0, recall: 0, ndcg: 0, map: 0, mapAtK: 0, hitRate: 0, coverage: 0, users: 0 });
  });

  it('rejects misaligned, repeated or out-of-range input with INVALID_ARGUMENT', () => {
    const bad: Array<() => unknown> = [
      () => evaluateRankings(recs.slice(1), users, test),
      () => evaluateRankings([list(1), list(2)], Int32Array.of(0, 0), test),
      () => evaluateRankings([list(1)], Int32Array.of(4), test),
      () => evaluateRankings([list(12)], Int32Array.of(0), test),
      () => evaluateRankings(recs, users, test, { k: 0 }),
      () => evaluateRankings(recs, users, test, { k: 2.5 }),
      () => evaluateRankings(recs, users, test, { top: 3 } as never),
    ];
    for (const call of bad) {
      let code: unknown;
      try {
        call();
      } catch (error) {
        code = isEncoreError(error) ? error.code : error;
      }
      expect(code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
