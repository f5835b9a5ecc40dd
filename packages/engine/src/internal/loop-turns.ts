/**
 * Lets a caller that loops on `await engine.recommend()` with no I/O of its own give the event loop
 * a turn now and then. A computed answer resolves through microtasks only, so such a loop would
 * never let the loop run: a Redis client's reconnect timer and socket events would wait for ever,
 * and the engine would compute long after Redis came back. The loop's turns are watched with one
 * setImmediate at a time, scheduled by computed answers only: a cache hit makes no macrotask, and a
 * server whose requests come from sockets (the loop turning all the time) never waits here.
 */
export class LoopTurns {
  readonly #afterMs: number;
  /** Resolves at the next turn of the event loop, while one is watched. */
  #next: Promise<void> | null = null;
  /** performance.now() when #next was set up, or its turn came. */
  #turnAt = 0;

  /** `afterMs`: how long the loop may go without a turn before `pause` waits for one. */
  constructor(afterMs: number) {
    this.#afterMs = afterMs;
  }

  /**
   * The next turn of the event loop when it has not turned for `afterMs`, else null (an await of
   * null costs one microtask).
   */
  pause(): Promise<void> | null {
    const at = performance.now();
    if (this.#next === null) {
      this.#turnAt = at;
      this.#next = new Promise((resolve) => {
        setImmediate(() => {
          this.#next = null;
          this.#turnAt = performance.now();
          resolve();
        });
      });
      return null;
    }
    return at - this.#turnAt >= this.#afterMs ? this.#next : null;
  }
}
