/**
 * Deadlines of calls in flight that all share one timeout, so that they expire in the order they
 * started: a ring of (expiry, callback) and one timer, for the oldest live call, instead of a
 * setTimeout / clearTimeout pair per call. A Node `Timeout` with its closure is about 450 bytes
 * and 0.2 µs; at a hundred thousand cache reads a second that was a tenth of a hit's garbage, and
 * the young-generation collections it causes pause every request in flight.
 *
 * Tickets count up from 0; ticket t lives in slot t mod capacity while t is between the oldest
 * entry not yet swept (`head`) and the next ticket (`tail`). A settled entry's call is dropped
 * at once (nothing it holds outlives the call), and its slot is reclaimed when the sweep passes it.
 * A call is any object with an `expire()` method: CacheReader's reads are their own, so a
 * deadline costs no closure.
 */
export class Deadlines {
  readonly #ms: number;
  #expiries = new Float64Array(INITIAL_CAPACITY);
  #calls: (Expiring | null)[] = new Array<Expiring | null>(INITIAL_CAPACITY).fill(null);
  #head = 0;
  #tail = 0;
  /** Calls started and neither settled nor expired. */
  #live = 0;
  /** The timer of the oldest live call, or the check that follows it (see #sweep); null when neither is set. */
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;

  /** Deadlines `ms` after each start (ms ≥ 0). */
  constructor(ms: number) {
    this.#ms = ms;
  }

  /**
   * Starts a call's deadline: `call.expire()` runs once `ms` have passed, unless {@link settle}
   * comes first. Returns the ticket to settle it with.
   */
  start(call: Expiring): number {
    if (this.#tail - this.#head === this.#calls.length) this.#grow();
    const ticket = this.#tail++;
    const slot = ticket & (this.#calls.length - 1);
    this.#expiries[slot] = performance.now() + this.#ms;
    this.#calls[slot] = call;
    if (this.#timer === null) this.#timer = setTimeout(this.#sweep, this.#ms);
    else if (this.#live === 0) this.#timer.ref();
    this.#live++;
    return ticket;
  }

  /**
   * The call answered in time: its `expire()` will not run. Settling an expired or settled ticket
   * does nothing. When no call is left in flight the timer stays, unreferenced (it keeps no
   * process up, and the next call needs no new one), and goes when it fires with nothing to do.
   */
  settle(ticket: number): void {
    if (ticket < this.#head || ticket >= this.#tail) return;
    const slot = ticket & (this.#calls.length - 1);
    if (this.#calls[slot] === null) return;
    this.#calls[slot] = null;
    if (--this.#live > 0) return;
    // Every entry is settled: drop them all at once.
    this.#head = this.#tail;
    this.#timer?.unref();
  }

  /** Calls in flight (started, neither settled nor expired). */
  get size(): number {
    return this.#live;
  }

  /**
   * The timer fired: the calls due now expire after the event loop's next poll, unless settled by
   * then. A process that stalled (a long GC pause, a blocking task) finds its timer overdue and the
   * answers it waited for unread in the socket; the poll phase reads them, so the calls they settle
   * do not expire: a deadline measures the store, not this process's stalls.
   */
  readonly #sweep = (): void => {
    this.#timer = setImmediate(this.#expireDue, performance.now());
    if (this.#live === 0) this.#timer.unref();
  };

  /** Expires the calls due at `now` still unsettled, oldest first, and sets the timer for the next live one. */
  readonly #expireDue = (now: number): void => {
    this.#timer = null;
    let failure: { readonly error: unknown } | null = null;
    while (this.#head < this.#tail) {
      const slot = this.#head & (this.#calls.length - 1);
      const call = this.#calls[slot] as Expiring | null;
      if (call !== null && (this.#expiries[slot] as number) > now) break;
      this.#calls[slot] = null;
      this.#head++;
      if (call === null) continue;
      this.#live--;
      // A call whose expire() throws must not stop the others expiring: the first error is thrown
      // once the sweep is done (uncaught, as a timer's own exception would be).
      try {
        call.expire();
      } catch (error) {
        failure ??= { error };
      }
    }
    // An expire() may have started a call (and a timer for its full timeout): the oldest live one
    // decides when to look again.
    if (this.#timer !== null) clearTimeout(this.#timer as NodeJS.Timeout);
    this.#timer = null;
    if (this.#head < this.#tail) {
      const slot = this.#head & (this.#calls.length - 1);
      const wait = (this.#expiries[slot] as number) - performance.now();
      this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil(wait)));
    }
    if (failure !== null) throw failure.error;
  };

  /** Doubles the ring, each entry moved to its slot under the new capacity. */
  #grow(): void {
    const capacity = 2 * this.#calls.length;
    const expiries = new Float64Array(capacity);
    const calls = new Array<Expiring | null>(capacity).fill(null);
    const oldMask = this.#calls.length - 1;
    for (let t = this.#head; t < this.#tail; t++) {
      expiries[t & (capacity - 1)] = this.#expiries[t & oldMask] as number;
      calls[t & (capacity - 1)] = this.#calls[t & oldMask] as Expiring | null;
    }
    this.#expiries = expiries;
    this.#calls = calls;
  }
}

/** A call under a deadline: `expire()` runs when its time is up. */
export interface Expiring {
  expire(): void;
}

/** Slots of a new ring (a power of two); it doubles when full. */
const INITIAL_CAPACITY = 256;
