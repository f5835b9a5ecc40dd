import { catalogFrom, ErrorCode, type Event, eventLogFrom, IdMap, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { itemAttributes } from './attributes.js';
import { mostWished, mostWishedByCategory } from './most-wished.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);
const items = IdMap.from(['w1', 'w2', 'w3', 'w4']);
const [W1, W2, W3, W4] = [0, 1, 2, 3];

const wish = (itemId: string, who: Partial<Event>, daysAgo = 1): Event => ({
  type: 'wishlist',
  itemId,
  timestamp: NOW - daysAgo * DAY,
  ...who,
});
const log = eventLogFrom(
  [
    wish('w1', { userId: 'u1' }, 3),
    wish('w1', { userId: 'u1' }, 2), // the same customer again: one wisher
    wish('w1', { userId: 'u2' }),
    wish('w2', { userId: 'u3' }),
    wish('w2', { anonymousId: 'u1' }), // an anonymous visitor is another customer than user u1
    wish('w2', { userId: 'u4' }, 30), // exactly a window ago: out
    wish('w3', { userId: 'u1' }, 0), // exactly now: in
    wish('w4', { userId: 'u5' }, -1), // tomorrow: reported
    { type: 'purchase', userId: 'u6', itemId: 'w4', timestamp: NOW - DAY },
  ],
  { items },
);

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return isEncoreError(error) ? error.code : 'not an EncoreError';
  }
  return undefined;
}

describe('mostWished', () => {
  it('distinct wishers in (now − 30 days, now]; support counts the events', () => {
    const r = mostWished(log, { now: NOW });
    expect(Array.from(r.ids)).toEqual([W1, W2, W3]);
    expect(Array.from(r.scores)).toEqual([2, 2, 1]);
    expect(Array.from(r.support)).toEqual([3, 2, 1]);
    expect(r.report).toEqual({ events: 6, future: 1 });
  });

  it('window: a shorter window drops older wishes; a later now counts tomorrow', () => {
    // 1.5 days: w1 keeps only u2.
    const short = mostWished(log, { now: NOW, windowDays: 1.5 });
    expect(Array.from(short.ids)).toEqual([W2, W1, W3]);
    expect(Array.from(short.scores)).toEqual([2, 1, 1]);
    expect(Array.from(mostWished(log, { now: NOW + DAY, windowDays: 1.5 }).ids)).toEqual([W3, W4]);
    // (now, now + 1 day]: w3's wish, exactly at the old now, is a window ago.
    expect(Array.from(mostWished(log, { now: NOW + DAY, windowDays: 1 }).ids)).toEqual([W4]);
  });

  it('k, category and byCategory', () => {
    expect(Array.from(mostWished(log, { now: NOW, k: 1 }).ids)).toEqual([W1]);
    const attributes = itemAttributes(
      catalogFrom([
        { id: 'w1', categoryPath: ['Books'] },
        { id: 'w2', categoryPath: ['Games'] },
        { id: 'w3', categoryPath: ['Games'] },
        { id: 'w4', categoryPath: ['Games'] },
      ]),
      items,
    );
    expect(Array.from(mostWished(log, { now: NOW, attributes, category: 'Games' }).ids)).toEqual([W2, W3]);
    const shelves = mostWishedByCategory(log, { now: NOW, attributes, k: 1 });
    expect([...shelves].map(([name, list]) => [name, Array.from(list.ids)])).toEqual([
      ['Books', [W1]],
      ['Games', [W2]],
    ]);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    expect(codeOf(() => mostWished(log, { now: NOW, k: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => mostWished(log, { now: NOW, windowDays: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => mostWished(log, { now: undefined as never }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => mostWishedByCategory(log, { now: NOW }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(
      codeOf(() => mostWished(log, { now: NOW, customers: { ids: new IdMap(), ofEvent: new Int32Array(0) } })),
    ).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
