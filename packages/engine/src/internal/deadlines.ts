/**
 * Deadlines of calls in flight that all share one timeout, so that they expire in the order they
 * started: a ring of (expiry, callback) and one timer, for the oldest live call, instead of a
 * setTimeout / clearTimeout pair per call. A Node `Timeout` with its closure is about 450 bytes
 * and 0.2 µs; at a hundred thousand cache reads a second that was a tenth of a hit's garbage, and
 * the young-generation collections it causes pause every request in flight.
 *
 * Tickets count up from 0; ticket t lives in slot t mod capacity while t is between the oldest
 * entry not yet swept (`head`) and the next ticket (`tail`). A settled entry's callback is dropped
 * at once (nothing it holds outlives the call), and its slot is reclaimed when the sweep passes it.
 */
export class Deadlines {
  readonly #ms: number;
  #expiries = new Float64Array(INITIAL_CAPACITY);
  #callbacks: ((() => void) | null)[] = new Array<(() => void) | null>(INITIAL_CAPACITY).fill(null);
  #head = 0;
  #tail = 0;
  /** Calls started and neither settled nor expired. */
  #live = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Deadlines `ms` after each start (ms ≥ 0). */
  constructor(ms: number) {
    this.#ms = ms;
  }

  /**
   * Starts a call's deadline: `expire` runs once `ms` have passed, unless {@link settle} comes
   * first. Returns the ticket to settle it with.
   */
  start(expire: () => void): number {
    if (this.#tail - this.#head === this.#callbacks.length) this.#grow();
    const ticket = this.#tail++;
    const slot = ticket & (this.#callbacks.length - 1);
    this.#expiries[slot] = performance.now() + this.#ms;
    this.#callbacks[slot] = expire;
    if (this.#timer === null) this.#timer = setTimeout(this.#sweep, this.#ms);
    else if (this.#live === 0) this.#timer.ref();
    this.#live++;
    return ticket;
  }

  /**
   * The call answered in time: its `expire` will not run. Settling an expired or settled ticket
   * does nothing. When no call is left in flight the timer stays, unreferenced (it keeps no
   * process up, and the next call needs no new one), and goes when it fires with nothing to do.
   */
  settle(ticket: number): void {
    if (ticket < this.#head || ticket >= this.#tail) return;
    const slot = ticket & (this.#callbacks.length - 1);
    if (this.#callbacks[slot] === null) return;
    this.#callbacks[slot] = null;
    if (--this.#live > 0) return;
    // Every entry is settled: drop them all at once.
    this.#head = this.#tail;
    this.#timer?.unref();
  }

  /** Calls in flight (started, neither settled nor expired). */
  get size(): number {
    return this.#live;
  }

  /** Runs the callbacks whose time is up, oldest first, and sets the timer for the next live one. */
  readonly #sweep = (): void => {
    this.#timer = null;
    const now = performance.now();
    let failure: { readonly error: unknown } | null = null;
    while (this.#head < this.#tail) {
      const slot = this.#head & (this.#callbacks.length - 1);
      const expire = this.#callbacks[slot] as (() => void) | null;
      if (expire !== null && (this.#expiries[slot] as number) > now) break;
      this.#callbacks[slot] = null;
      this.#head++;
      if (expire === null) continue;
      this.#live--;
      // A callback that throws must not stop the others expiring: the first error is thrown once
      // the sweep is done (uncaught, as a timer's own exception would be).
      try {
        expire();
      } catch (error) {
        failure ??= { error };
      }
    }
    // A callback may have started a call (and a timer for its full timeout): the oldest live one
    // decides when to look again.
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#head < this.#tail) {
      const slot = this.#head & (this.#callbacks.length - 1);
      this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil((this.#expiries[slot] as number) - now)));
    }
    if (failure !== null) throw failure.error;
  };

  /** Doubles the ring, each entry moved to its slot under the new capacity. */
  #grow(): void {
    const capacity = 2 * this.#callbacks.length;
    const expiries = new Float64Array(capacity);
    const callbacks = new Array<(() => void) | null>(capacity).fill(null);
    const oldMask = this.#callbacks.length - 1;
    for (let t = this.#head; t < this.#tail; t++) {
      expiries[t & (capacity - 1)] = this.#expiries[t & oldMask] as number;
      callbacks[t & (capacity - 1)] = this.#callbacks[t & oldMask] as (() => void) | null;
    }
    this.#expiries = expiries;
    this.#callbacks = callbacks;
  }
}

/** Slots of a new ring (a power of two); it doubles when full. */
const INITIAL_CAPACITY = 256;
