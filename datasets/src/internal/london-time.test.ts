import { describe, expect, it } from 'vitest';
import { LondonClock, parseUkDateTime } from './london-time.js';

const utc = (iso: string): number => Date.parse(iso);
const london = (text: string): number => parseUkDateTime(text, new LondonClock());

describe('Europe/London → UTC', () => {
  it('reads winter times as GMT and summer times as BST (UTC+1)', () => {
    expect(london('2010-12-01 08:26:00')).toBe(utc('2010-12-01T08:26:00Z'));
    expect(london('2011-06-15 14:30:00')).toBe(utc('2011-06-15T13:30:00Z'));
  });

  it('reads years 0001 and 0099 as those years, not 1901 and 1999 (Date.UTC would)', () => {
    expect(london('0099-12-01 08:26:00')).toBe(utc('0099-12-01T08:26:00Z'));
    expect(london('0001-06-15 14:30:00')).toBe(utc('0001-06-15T13:30:00Z'));
    expect(london('12/1/0099 8:26')).toBe(utc('0099-12-01T08:26:00Z'));
    expect(new Date(london('0099-12-01 08:26:00')).getUTCFullYear()).toBe(99);
  });

  it('switches to BST at 01:00 UTC on the last Sunday of March (2011-03-27)', () => {
    expect(london('2011-03-27 00:59:59')).toBe(utc('2011-03-27T00:59:59Z'));
    expect(london('2011-03-27 02:00:00')).toBe(utc('2011-03-27T01:00:00Z'));
    // 01:00–01:59 does not exist that night: read with the offset before the change.
    expect(london('2011-03-27 01:30:00')).toBe(utc('2011-03-27T01:30:00Z'));
    expect(london('2011-03-26 12:00:00')).toBe(utc('2011-03-26T12:00:00Z'));
  });

  it('switches back to GMT at 01:00 UTC on the last Sunday of October (2011-10-30)', () => {
    expect(london('2011-10-30 00:59:00')).toBe(utc('2011-10-29T23:59:00Z'));
    // 01:00–01:59 happens twice: the earlier (BST) instant is taken.
    expect(london('2011-10-30 01:30:00')).toBe(utc('2011-10-30T00:30:00Z'));
    expect(london('2011-10-30 02:00:00')).toBe(utc('2011-10-30T02:00:00Z'));
    expect(london('2011-10-29 12:00:00')).toBe(utc('2011-10-29T11:00:00Z'));
  });

  it('agrees with the platform time-zone database for every hour of 2009–2012', () => {
    const format = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const clock = new LondonClock();
    const repeated: string[] = [];
    for (let t = utc('2009-01-01T00:00:00Z'); t < utc('2013-01-01T00:00:00Z'); t += 3_600_000) {
      const p = Object.fromEntries(format.formatToParts(t).map((part) => [part.type, part.value]));
      const local = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
      const back = parseUkDateTime(local, clock);
      // A repeated October hour maps to its earlier instant; everything else round-trips.
      if (back !== t) {
        expect(back).toBe(t - 3_600_000);
        repeated.push(new Date(t).toISOString());
      }
    }
    expect(repeated).toEqual([
      '2009-10-25T01:00:00.000Z',
      '2010-10-31T01:00:00.000Z',
      '2011-10-30T01:00:00.000Z',
      '2012-10-28T01:00:00.000Z',
    ]);
  });

  it('reads the M/D/YYYY H:MM form of Online Retail II', () => {
    expect(london('12/1/2009 7:45')).toBe(utc('2009-12-01T07:45:00Z'));
    expect(london('7/4/2010 9:06')).toBe(utc('2010-07-04T08:06:00Z'));
    expect(london('7/4/2010 9:06:30')).toBe(utc('2010-07-04T08:06:30Z'));
  });

  it('returns NaN for malformed or impossible dates', () => {
    for (const text of [
      '',
      '2010-13-01 08:26:00',
      '2010-02-30 08:26:00',
      '2010-12-01',
      '2010-12-01 24:00:00',
      '2010-12-01 08:60',
      '2010-12-01 08:26:00Z',
      'yesterday',
    ]) {
      expect(london(text)).toBeNaN();
    }
    expect(london('2012-02-29 12:00:00')).toBe(utc('2012-02-29T12:00:00Z'));
    expect(london('2011-02-29 12:00:00')).toBeNaN();
  });
});
