import { ErrorCode, isEncoreError, type TopK } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { mergeCandidates } from './candidates.js';

const list = (ids: number[], scores: number[]): TopK => ({
  ids: Int32Array.from(ids),
  scores: Float32Array.from(scores),
});

describe('mergeCandidates', () => {
  // Seed 10 (most recent) found 1 (3) and 2 (1); seed 11 found 2 (2) and 3 (4); seed 12 found 1 (3).
  const lists = [list([1, 2], [3, 1]), list([3, 2], [4, 2]), list([1], [3])];
  const because = [10, 11, 12];

  it('sums scores and keeps the seed of the largest single score as because', () => {
    const s = mergeCandidates(lists, { name: 'bought-together', because, weight: 0.5, reason: 'recent-items' });
    expect(s.name).toBe('bought-together');
    expect(s.weight).toBe(0.5);
    expect(s.reason).toBe('recent-items');
    expect(Array.from(s.ids)).toEqual([1, 3, 2]);
    expect(Array.from(s.scores)).toEqual([6, 4, 3]);
    // 1: 3 from seed 10 ties 3 from seed 12 → the earlier list; 2: 2 (seed 11) beats 1 (seed 10).
    expect(Array.from(s.because ?? [])).toEqual([10, 11, 11]);
  });

  it('takes the max with combine: max, and -1 as because without seeds', () => {
    const s = mergeCandidates(lists, { name: 'bt', combine: 'max' });
    expect(Array.from(s.ids)).toEqual([3, 1, 2]);
    expect(Array.from(s.scores)).toEqual([4, 3, 2]);
    expect(Array.from(s.because ?? [])).toEqual([-1, -1, -1]);
    expect(s.weight).toBe(1);
    expect(mergeCandidates([], { name: 'bt' }).ids.length).toBe(0);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const call of [
      () => mergeCandidates(lists, { name: '' }),
      () => mergeCandidates(lists, { name: 'bt', because: [1, 2] }),
      () => mergeCandidates(lists, { name: 'bt', combine: 'avg' as never }),
      () => mergeCandidates(lists, { name: 'bt', weight: Number.NaN }),
      () => mergeCandidates([list([1], [Number.NaN])], { name: 'bt' }),
      () => mergeCandidates([{ ids: Int32Array.of(1, 2), scores: Float32Array.of(1) }], { name: 'bt' }),
      () => mergeCandidates([list([-1], [1])], { name: 'bt' }),
      () => mergeCandidates(lists, { name: 'bt', seed: 1 } as never),
    ]) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(isEncoreError(caught, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    }
  });
});
