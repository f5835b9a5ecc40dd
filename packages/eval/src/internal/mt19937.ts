/**
 * MT19937 (Matsumoto & Nishimura, "Mersenne Twister: a 623-dimensionally equidistributed uniform
 * pseudo-random number generator", ACM TOMACS 8(1), 1998), seeded and read exactly like numpy's
 * legacy `np.random.seed(seed); np.random.rand()`: `init_genrand` seeding (numpy's
 * `mt19937_seed`) and 53-bit doubles from two outputs, `((a >>> 5) * 2^26 + (b >>> 6)) / 2^53`
 * (numpy's `legacy_double` / the reference `genrand_res53`).
 *
 * Why not core's `createRng`: the stratified splits draw their random keys with this generator so
 * that, given rows in the same order as the pandas DataFrame, they reproduce Microsoft Recommenders'
 * `python_stratified_split` row for row (it calls `np.random.seed(seed)` then
 * `np.random.rand(len(data))`).
 */
export class Mt19937 {
  readonly #mt = new Uint32Array(624);
  #index = 624;

  /** `seed` is reduced to 32 bits (`Math.trunc(seed) >>> 0`), as core's createRng does. */
  constructor(seed: number) {
    const mt = this.#mt;
    mt[0] = Math.trunc(seed) >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
  }

  /** Raw 32-bit unsigned output. */
  uint32(): number {
    if (this.#index >= 624) this.#twist();
    let y = this.#mt[this.#index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits of randomness: numpy's `random_sample` / `rand`. */
  nextDouble(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  #twist(): void {
    const mt = this.#mt;
    for (let k = 0; k < 624; k++) {
      const y = ((mt[k] as number) & 0x80000000) | ((mt[(k + 1) % 624] as number) & 0x7fffffff);
      mt[k] = ((mt[(k + 397) % 624] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.#index = 0;
  }
}
