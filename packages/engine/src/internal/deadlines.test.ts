import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from './deadlines.js';

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires calls that did not settle, oldest first, each at its own time', () => {
    const deadlines = new Deadlines(50);
    const expired: string[] = [];
    const a = deadlines.start(() => expired.push('a'));
    vi.advanceTimersByTime(20);
    deadlines.start(() => expired.push('b'));
    const c = deadlines.start(() => expired.push('c'));
    deadlines.settle(a);
    vi.advanceTimersByTime(29);
    expect(expired).toEqual([]);
    deadlines.settle(c);
    vi.advanceTimersByTime(1); // a's time: a settled, b and c not due
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(20); // b's time (70 ms)
    expect(expired).toEqual(['b']);
    expect(deadlines.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds no referenced timer once every call has settled, and settling twice or late does nothing', () => {
    const deadlines = new Deadlines(50);
    const expire = vi.fn();
    const tickets = Array.from({ length: 5 }, () => deadlines.start(expire));
    expect(vi.getTimerCount()).toBe(1);
    for (const t of tickets) deadlines.settle(t);
    vi.advanceTimersByTime(50); // fires with nothing due: gone
    expect(vi.getTimerCount()).toBe(0);
    deadlines.settle(tickets[0] as number);
    const late = deadlines.start(expire);
    vi.advanceTimersByTime(50);
    expect(expire).toHaveBeenCalledTimes(1);
    deadlines.settle(late);
    expect(deadlines.size).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(expire).toHaveBeenCalledTimes(1);
  });

  it('keeps every ticket apart while the ring grows past its capacity, with settled and live calls mixed', () => {
    const deadlines = new Deadlines(100);
    const expired = new Set<number>();
    const tickets: number[] = [];
    for (let i = 0; i < 2000; i++) {
      tickets.push(deadlines.start(() => expired.add(i)));
      if (i % 3 === 0) deadlines.settle(tickets[i - 1] ?? tickets[0] ?? 0);
      if (i === 1000) vi.advanceTimersByTime(10);
    }
    const settled = new Set(Array.from({ length: 2000 }, (_, i) => i).filter((i) => (i + 1) % 3 === 0 || i === 0));
    vi.advanceTimersByTime(100);
    expect(expired.size + settled.size).toBe(2000);
    for (const i of settled) expect(expired.has(i)).toBe(false);
    expect(deadlines.size).toBe(0);
  });

  it('lets a callback start another call, timed from then, and survives a callback that throws', () => {
    const deadlines = new Deadlines(30);
    const order: string[] = [];
    deadlines.start(() => {
      order.push('first');
      deadlines.start(() => order.push('second'));
    });
    deadlines.start(() => {
      throw new Error('callback bug');
    });
    deadlines.start(() => order.push('third'));
    expect(() => vi.advanceTimersByTime(30)).toThrow(/callback bug/);
    expect(order).toEqual(['first', 'third']);
    vi.advanceTimersByTime(29);
    expect(order).toEqual(['first', 'third']);
    vi.advanceTimersByTime(1);
    expect(order).toEqual(['first', 'third', 'second']);
  });

  it('keeps a process up only while a call is in flight (real timers)', () => {
    vi.useRealTimers();
    const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const deadlines = new Deadlines(60_000);
    const first = deadlines.start(() => undefined);
    expect(timeouts()).toBe(before + 1);
    deadlines.settle(first);
    expect(timeouts()).toBe(before);
    const second = deadlines.start(() => undefined);
    expect(timeouts()).toBe(before + 1);
    deadlines.settle(second);
    expect(timeouts()).toBe(before);
  });
});
