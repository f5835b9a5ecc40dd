import { describe, expect, it } from 'vitest';
import { Mt19937 } from './mt19937.js';

describe('Mt19937', () => {
  it('reproduces numpy: np.random.seed(42); np.random.rand(2000)', () => {
    // Reference values from numpy's legacy generator (identical to CPython's random.Random with the
    // state set by init_genrand(42), which is how they were produced).
    const rng = new Mt19937(42);
    const v = Array.from({ length: 2000 }, () => rng.nextDouble());
    expect(v.slice(0, 5)).toEqual([
      0.3745401188473625, 0.9507143064099162, 0.7319939418114051, 0.5986584841970366, 0.15601864044243652,
    ]);
    expect(v[999]).toBe(0.44600577295795574);
    expect(v[1999]).toBe(0.28218707469320015);
  });

  it('differs across seeds', () => {
    expect(new Mt19937(7).nextDouble()).toBe(0.07630828937395717);
  });
});
