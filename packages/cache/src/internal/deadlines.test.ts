import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from './deadlines.js';

/**
 * A call expires one turn of the event loop after its timer fires (a setImmediate); the fake
 * clock runs an immediate 1 ms after it was set, so here a call expires 1 ms after its deadline.
 */
const TURN = 1;
const advance = (ms: number): void => {
  vi.advanceTimersByTime(ms);
};

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires calls that did not settle, oldest first, each at its own time', () => {
    const deadlines = new Deadlines(50);
    const expired: string[] = [];
    const a = deadlines.start({ expire: () => expired.push('a') });
    advance(20);
    deadlines.start({ expire: () => expired.push('b') });
    const c = deadlines.start({ expire: () => expired.push('c') });
    deadlines.settle(a);
    advance(29);
    expect(expired).toEqual([]);
    deadlines.settle(c);
    advance(1 + TURN); // a's time: a settled, b and c not due
    expect(expired).toEqual([]);
    advance(19); // b's time (70 ms), before its turn
    expect(expired).toEqual([]);
    advance(TURN);
    expect(expired).toEqual(['b']);
    expect(deadlines.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds no referenced timer once every call has settled, and settling twice or late does nothing', () => {
    const deadlines = new Deadlines(50);
    const expire = vi.fn();
    const tickets = Array.from({ length: 5 }, () => deadlines.start({ expire }));
    expect(vi.getTimerCount()).toBe(1);
    for (const t of tickets) deadlines.settle(t);
    advance(50 + TURN); // fires with nothing due: gone
    expect(vi.getTimerCount()).toBe(0);
    deadlines.settle(tickets[0] as number);
    const late = deadlines.start({ expire });
    advance(50 + TURN);
    expect(expire).toHaveBeenCalledTimes(1);
    deadlines.settle(late);
    expect(deadlines.size).toBe(0);
    advance(1000);
    expect(expire).toHaveBeenCalledTimes(1);
  });

  it('keeps every ticket apart while the ring grows past its capacity, with settled and live calls mixed', () => {
    const deadlines = new Deadlines(100);
    const expired = new Set<number>();
    const tickets: number[] = [];
    for (let i = 0; i < 2000; i++) {
      tickets.push(deadlines.start({ expire: () => expired.add(i) }));
      if (i % 3 === 0) deadlines.settle(tickets[i - 1] ?? tickets[0] ?? 0);
      if (i === 1000) advance(10);
    }
    const settled = new Set(Array.from({ length: 2000 }, (_, i) => i).filter((i) => (i + 1) % 3 === 0 || i === 0));
    advance(100 + TURN);
    expect(expired.size + settled.size).toBe(2000);
    for (const i of settled) expect(expired.has(i)).toBe(false);
    expect(deadlines.size).toBe(0);
  });

  it('lets an expire() start another call, timed from then, and survives one that throws', () => {
    const deadlines = new Deadlines(30);
    const order: string[] = [];
    deadlines.start({
      expire: () => {
        order.push('first');
        deadlines.start({ expire: () => order.push('second') });
      },
    });
    deadlines.start({
      expire: () => {
        throw new Error('callback bug');
      },
    });
    deadlines.start({ expire: () => order.push('third') });
    advance(30);
    expect(order).toEqual([]);
    expect(() => advance(TURN)).toThrow(/callback bug/);
    expect(order).toEqual(['first', 'third']);
    advance(29);
    expect(order).toEqual(['first', 'third']);
    advance(1 + TURN);
    expect(order).toEqual(['first', 'third', 'second']);
  });

  it('does not expire a call that settles in the turn its timer fired: the deadline is on the call, not on a stalled process', () => {
    const deadlines = new Deadlines(50);
    const expired: string[] = [];
    const answered = deadlines.start({ expire: () => expired.push('answered') });
    const silent = deadlines.start({ expire: () => expired.push('silent') });
    // Both deadlines pass and the timer fires (after a stall, say); before the expiry is confirmed
    // in the next turn's check phase, the poll phase reads an answer that came in meanwhile.
    advance(50);
    expect(expired).toEqual([]);
    deadlines.settle(answered);
    advance(TURN);
    expect(expired).toEqual(['silent']);
    expect(deadlines.size).toBe(0);
    deadlines.settle(silent); // expired: nothing to do
    expect(deadlines.size).toBe(0);
  });

  it('keeps a process up only while a call is in flight (real timers)', () => {
    vi.useRealTimers();
    const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const deadlines = new Deadlines(60_000);
    const first = deadlines.start({ expire: () => undefined });
    expect(timeouts()).toBe(before + 1);
    deadlines.settle(first);
    expect(timeouts()).toBe(before);
    const second = deadlines.start({ expire: () => undefined });
    expect(timeouts()).toBe(before + 1);
    deadlines.settle(second);
    expect(timeouts()).toBe(before);
  });
});
