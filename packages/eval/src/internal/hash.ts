/** MurmurHash3's 32-bit finalizer (Appleby, 2011): a cheap, well-mixed bijection on uint32. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit seed for the stream of one entity (customer) under a run seed, so each customer's draws
 * depend only on (seed, index), never on which batch the customer came in.
 */
export function streamSeed(seed: number, index: number): number {
  return fmix32((Math.trunc(seed) >>> 0) ^ fmix32((index + 0x9e3779b9) >>> 0));
}
