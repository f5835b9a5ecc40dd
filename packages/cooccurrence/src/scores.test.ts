import { describe, expect, it } from 'vitest';
import { logLikelihoodRatio, pairScore, rootLogLikelihoodRatio, xLogX } from './scores.js';

describe('logLikelihoodRatio', () => {
  it("matches Mahout's LogLikelihoodTest known answers", () => {
    expect(logLikelihoodRatio(1, 0, 0, 1)).toBeCloseTo(2.772589, 6);
    expect(logLikelihoodRatio(10, 0, 0, 10)).toBeCloseTo(27.72589, 5);
    expect(logLikelihoodRatio(5, 1995, 0, 100000)).toBeCloseTo(39.33052, 5);
    expect(logLikelihoodRatio(1000, 1995, 1000, 100000)).toBeCloseTo(4730.737, 3);
    expect(logLikelihoodRatio(1000, 1000, 1000, 100000)).toBeCloseTo(5734.343, 3);
    expect(logLikelihoodRatio(1000, 1000, 1000, 99000)).toBeCloseTo(5714.932, 3);
  });

  it('is 0 for independent events and never negative', () => {
    expect(logLikelihoodRatio(10, 10, 10, 10)).toBeCloseTo(0, 9); // round-off only
    expect(logLikelihoodRatio(0, 0, 0, 0)).toBe(0);
    expect(logLikelihoodRatio(1, 2, 2, 4)).toBeCloseTo(0, 9);
  });

  it('root LLR is negative for anti-associated pairs, positive for associated ones', () => {
    expect(rootLogLikelihoodRatio(10, 0, 0, 10)).toBeCloseTo(Math.sqrt(40 * Math.LN2), 12);
    expect(rootLogLikelihoodRatio(0, 10, 10, 0)).toBeCloseTo(-Math.sqrt(40 * Math.LN2), 12);
  });

  it('xLogX treats 0 · ln 0 as 0', () => {
    expect(xLogX(0)).toBe(0);
    expect(xLogX(Math.E)).toBeCloseTo(Math.E, 12);
  });
});

describe('pairScore', () => {
  // i in 3 of 10 baskets, j in 4, both in 2.
  it('computes count, Jaccard, cosine, lift and signed root LLR by hand', () => {
    expect(pairScore('count', 2, 3, 4, 10)).toBe(2);
    expect(pairScore('jaccard', 2, 3, 4, 10)).toBeCloseTo(2 / 5, 12);
    expect(pairScore('cosine', 2, 3, 4, 10)).toBeCloseTo(2 / Math.sqrt(12), 12);
    expect(pairScore('lift', 2, 3, 4, 10)).toBeCloseTo(20 / 12, 12);
    // Table k11 = 2, k12 = 1, k21 = 2, k22 = 5.
    const g2 = 2 * (xLogX(2) + xLogX(1) + xLogX(2) + xLogX(5) - xLogX(3) - xLogX(7) - xLogX(4) - xLogX(6) + xLogX(10));
    expect(pairScore('llr', 2, 3, 4, 10)).toBeCloseTo(Math.sqrt(g2), 12);
  });

  it('returns 0 rather than dividing by zero', () => {
    expect(pairScore('cosine', 0, 0, 4, 10)).toBe(0);
    expect(pairScore('lift', 0, 3, 0, 10)).toBe(0);
    expect(pairScore('jaccard', 0, 0, 0, 10)).toBe(0);
  });
});
