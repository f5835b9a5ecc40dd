import { catalogFrom, ErrorCode, type Event, type EventType, eventLogFrom, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import { trending, trendingByCategory } from './trending.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);
const items = IdMap.from(['new', 'rise', 'steady', 'few', 'edge', 'viewed']);
const [NEW, RISE, , FEW, , VIEWED] = [0, 1, 2, 3, 4, 5];

const at = (itemId: string, daysAgo: number, type: EventType = 'purchase'): Event => ({
  type,
  userId: 'u',
  itemId,
  timestamp: NOW - daysAgo * DAY,
});
const events: Event[] = [
  // new: 3 sales right now, no past. D = 3, E = 0.
  at('new', 0),
  at('new', 0),
  at('new', 0),
  // rise: sales 0, 1, 2, 3 days ago (D = 1 + 1/2 + 1/4 + 1/8 with h = 1) over 1 a day in the baseline.
  ...[0, 1, 2, 3].map((d) => at('rise', d)),
  ...Array.from({ length: 28 }, (_, j) => at('rise', 7.5 + j)),
  // steady: 1 a day in the recent window over 2 a day before: falling.
  ...Array.from({ length: 7 }, (_, j) => at('steady', 0.5 + j)),
  ...Array.from({ length: 56 }, (_, j) => at('steady', 7.25 + j / 2)),
  // few: 2 recent sales, below the minimum support of 3.
  at('few', 0),
  at('few', 0),
  // edge: 3 sales exactly 7 days ago belong to the baseline; one exactly 35 days ago to nothing.
  at('edge', 7),
  at('edge', 7),
  at('edge', 7),
  at('edge', 35),
  // viewed: views only (weight 0 by default), and a sale tomorrow.
  at('viewed', 0, 'view'),
  at('viewed', 1, 'view'),
  at('viewed', 2, 'view'),
  at('viewed', -1),
];
const log = eventLogFrom(events, { items });
const options = { now: NOW, halfLifeDays: 1, recentDays: 7, baselineDays: 28 };

/** E for a baseline rate of `perDay` with h = 1 and R = 7. */
const expected = (perDay: number): number => (perDay / Math.LN2) * (1 - 2 ** -7);

describe('trending', () => {
  it('scores (decayed recent + α) / (expected from the own baseline + α)', () => {
    const r = trending(log, options);
    expect(Array.from(r.ids)).toEqual([NEW, RISE]);
    expect(r.scores[0]).toBeCloseTo((3 + 1) / (0 + 1), 5);
    expect(r.scores[1]).toBeCloseTo((1.875 + 1) / (expected(1) + 1), 5);
    expect(Array.from(r.support)).toEqual([3, 4]);
    // Counted: new 3, rise 32, steady 63, few 2, edge 3 in the baseline; the sale after now is reported.
    expect(r.report).toEqual({ events: 103, future: 1 });
  });

  it('a falling item never trends; minRatio 0 shows it with its ratio', () => {
    const r = trending(log, { ...options, minRatio: 0 });
    const steadyDecayed = 2 ** -0.5 * ((1 - 2 ** -7) / (1 - 0.5));
    const at2 = Array.from(r.ids).indexOf(2);
    expect(at2).toBeGreaterThan(-1);
    expect(r.scores[at2]).toBeCloseTo((steadyDecayed + 1) / (expected(2) + 1), 5);
    expect(r.scores[at2]).toBeLessThan(1);
  });

  it('minimum support: 2 recent events are not enough at 3, enough at 2', () => {
    expect(Array.from(trending(log, options).ids)).not.toContain(FEW);
    const r = trending(log, { ...options, minSupport: 2 });
    expect(Array.from(r.ids)).toEqual([NEW, FEW, RISE]);
    expect(r.scores[1]).toBeCloseTo(3, 5);
  });

  it('window edges: an event exactly recentDays ago is baseline, one at the baseline start is out', () => {
    // With a 7-day-and-a-minute recent window, edge's 3 sales become recent (and the 35-day one baseline).
    const wider = trending(log, { ...options, recentDays: 7 + 1 / 1440, minRatio: 0 });
    expect(Array.from(wider.ids)).toContain(4);
    expect(Array.from(trending(log, { ...options, minRatio: 0 }).ids)).not.toContain(4);
  });

  it('smoothing α tempers items without a baseline', () => {
    const r = trending(log, { ...options, smoothing: 10 });
    // α = 10 shrinks new's lead from 4 to 1.3 while rise barely moves from 1.18 to 1.04.
    expect(Array.from(r.ids)).toEqual([NEW, RISE]);
    expect(r.scores[0]).toBeCloseTo((3 + 10) / 10, 5);
    expect(r.scores[1]).toBeCloseTo((1.875 + 10) / (expected(1) + 10), 5);
  });

  it('weights choose the event types', () => {
    const r = trending(log, { ...options, weights: { view: 2 } });
    expect(Array.from(r.ids)).toEqual([VIEWED]);
    expect(r.scores[0]).toBeCloseTo((2 * (1 + 0.5 + 0.25) + 1) / 1, 5);
    expect(r.report.future).toBe(0); // the sale after now is not a view
  });

  it('per category and byCategory', () => {
    const attributes = itemAttributes(
      catalogFrom([
        { id: 'new', categoryPath: ['Toys'] },
        { id: 'rise', categoryPath: ['Garden'] },
        { id: 'steady', categoryPath: ['Garden'] },
      ]),
      items,
    );
    expect(Array.from(trending(log, { ...options, attributes, category: 'Garden' }).ids)).toEqual([RISE]);
    const shelves = trendingByCategory(log, { ...options, attributes });
    expect([...shelves.keys()]).toEqual(['Toys', 'Garden']);
    expect(Array.from(shelves.get('Toys')?.ids ?? [])).toEqual([NEW]);
    expect(Array.from(shelves.get('Garden')?.ids ?? [])).toEqual([RISE]);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const bad of [
      { now: Number.NaN },
      { ...options, k: 0 },
      { ...options, recentDays: 0 },
      { ...options, baselineDays: -1 },
      { ...options, halfLifeDays: Number.POSITIVE_INFINITY },
      { ...options, smoothing: 0 },
      { ...options, minSupport: 0 },
      { ...options, minRatio: Number.NaN },
      { ...options, weights: {} },
      { ...options, weights: { purchase: -1 } },
      { ...options, weights: { click: 1 } },
      { ...options, category: 'Toys' },
    ]) {
      let caught: unknown;
      try {
        trending(log, bad as never);
      } catch (error) {
        caught = error;
      }
      expect(isEncoreError(caught, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    }
  });
});
