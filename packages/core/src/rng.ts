import { invalidArgument } from './errors.js';

/**
 * A small, fast, seeded pseudo-random generator (SplitMix32 seeding a xoshiro128** state;
 * Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018).
 * Every random choice in Encore takes a seed, so every result can be reproduced.
 */
export interface Rng {
  /** Uniform in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Raw 32-bit unsigned output. */
  uint32(): number;
  /**
   * Sets `array[k] = next() · scale` for every k in order: the very values a loop of `next()`
   * calls gives (the generator advances as far), a few times faster (for initial factors of
   * tens of millions of entries).
   */
  fill(array: Float32Array | Float64Array, scale: number): void;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw invalidArgument('core/createRng', 'seed must be a finite number', seed);
  let x = Math.trunc(seed) >>> 0;
  const splitmix = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix();
  let s1 = splitmix();
  let s2 = splitmix();
  let s3 = splitmix();
  const uint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const fill = (array: Float32Array | Float64Array, scale: number): void => {
    // uint32() with the state in locals: the closure's variables are read and written once.
    let a = s0;
    let b = s1;
    let c = s2;
    let d = s3;
    const factor = scale / 4294967296;
    for (let k = 0; k < array.length; k++) {
      const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      array[k] = result * factor;
    }
    s0 = a;
    s1 = b;
    s2 = c;
    s3 = d;
  };
  return {
    uint32,
    fill,
    next: () => uint32() / 4294967296,
    int: (n: number) => Math.floor((uint32() / 4294967296) * n),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates shuffle of `array` in place, driven by `rng`. Returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}
