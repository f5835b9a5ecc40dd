/**
 * A token bucket for computed answers (EngineOptions.maxComputedPerSecond): `rate` a second, bursts
 * up to one second's worth, measured on the engine's clock. Infinity admits everything, 0 nothing.
 */
export class ComputeBudget {
  readonly rate: number;
  readonly #now: () => number;
  #tokens: number;
  #countedAt: number;

  constructor(rate: number, now: () => number) {
    this.rate = rate;
    this.#now = now;
    this.#tokens = this.#size();
    this.#countedAt = now();
  }

  /** True when one more computed answer fits under the rate (and takes its token). */
  admit(): boolean {
    const rate = this.rate;
    if (rate === Number.POSITIVE_INFINITY) return true;
    const now = this.#now();
    const elapsed = now - this.#countedAt;
    // A clock that steps back credits nothing until it passes the last count again.
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#size(), this.#tokens + (elapsed * rate) / 1000);
      this.#countedAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Why an answer was refused, for warnings. */
  describe(): string {
    return `over maxComputedPerSecond (${this.rate}/s)`;
  }

  /** Tokens the bucket holds at most: one second's worth (at least one, unless the rate is 0). */
  #size(): number {
    return this.rate === 0 ? 0 : Math.max(1, this.rate);
  }
}
