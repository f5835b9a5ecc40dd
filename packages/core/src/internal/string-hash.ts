/**
 * 32-bit hash of the UTF-16 code units of `source` in [start, end): FNV-1a over the code units
 * (Fowler, Noll, Vo; http://www.isthe.com/chongo/tech/comp/fnv/) finished with the MurmurHash3
 * `fmix32` avalanche (Appleby), so the low bits a power-of-two table uses depend on every unit.
 * Reads the characters in place: hashing a cell of a line allocates nothing.
 *
 * Returns a signed 32-bit integer (what an Int32Array stores). Not for adversarial input: ids
 * come from the user's own files.
 */
export function hashRange(source: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ source.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/**
 * 32-bit hash of a 64-bit key given as two int32 words (IdMap's packed short ids): one multiply
 * folds the words, `fmix32` spreads every bit over the low bits a table uses.
 */
export function mixKey(k0: number, k1: number): number {
  return fmix32(Math.imul(k0, 0x9e3779b1) ^ k1);
}

/** MurmurHash3's 32-bit finalizer (Appleby): every input bit flips each output bit with p ≈ 1/2. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
