/**
 * UK civil time (Europe/London) → UTC without a time-zone database: GMT in winter, BST = UTC+1 from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (the EU rule the
 * UK has followed since 1996; earlier years are converted with the same rule).
 *
 * Local times that do not exist (the hour skipped in March) or exist twice (the hour repeated in
 * October) are resolved like Temporal's `disambiguation: 'compatible'`: a skipped time is read with
 * the offset before the change (01:30 → 01:30 UTC, i.e. 02:30 BST), a repeated time as the earlier
 * instant (01:30 → 00:30 UTC, still BST).
 */
export class LondonClock {
  #year = Number.NaN;
  #bstStart = 0;
  #bstEnd = 0;

  /**
   * Epoch ms (UTC) of a London wall-clock time; month 1–12. The fields must already be in range
   * (see `parseUkDateTime`).
   */
  toUtc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    if (year !== this.#year) {
      this.#year = year;
      this.#bstStart = lastSundayUtc(year, 2) + 3_600_000;
      this.#bstEnd = lastSundayUtc(year, 9) + 3_600_000;
    }
    const wall = utc(year, month - 1, day, hour, minute, second);
    const ifBst = wall - 3_600_000;
    return ifBst >= this.#bstStart && ifBst < this.#bstEnd ? ifBst : wall;
  }
}

/** Midnight UTC of the last Sunday of `month0` (0-based) in `year`. */
function lastSundayUtc(year: number, month0: number): number {
  const lastDay = new Date(utc(year, month0 + 1, 0, 0, 0, 0));
  return lastDay.getTime() - lastDay.getUTCDay() * 86_400_000;
}

/** 400 Gregorian years: exactly 146,097 days (a whole number of weeks, too). */
const MS_PER_400_YEARS = 146_097 * 86_400_000;

/**
 * `Date.UTC`, except that years 0–99 are those years and not 1900–1999 (Date.UTC's legacy
 * reading, which would turn an Online Retail date of `0099-12-01` into 1999).
 */
function utc(year: number, month0: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return Date.UTC(year, month0, day, hour, minute, second);
  return Date.UTC(year + 400, month0, day, hour, minute, second) - MS_PER_400_YEARS;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses `YYYY-MM-DD HH:MM[:SS]` (also with `T`), as in UCI Online Retail, or `M/D/YYYY H:MM[:SS]`,
 * as in the spreadsheet exports of Online Retail II, read as London time. Returns epoch ms (UTC),
 * or NaN when the text is neither or names an impossible date.
 */
export function parseUkDateTime(text: string, clock: LondonClock): number {
  const cursor = { text, at: 0 };
  let year: number;
  let month: number;
  let day: number;
  if (text.charCodeAt(4) === 45) {
    // YYYY-MM-DD
    year = readNumber(cursor, 4, 4);
    if (!skip(cursor, 45)) return Number.NaN;
    month = readNumber(cursor, 2, 2);
    if (!skip(cursor, 45)) return Number.NaN;
    day = readNumber(cursor, 2, 2);
    if (!skip(cursor, 32) && !skip(cursor, 84)) return Number.NaN;
  } else {
    // M/D/YYYY
    month = readNumber(cursor, 1, 2);
    if (!skip(cursor, 47)) return Number.NaN;
    day = readNumber(cursor, 1, 2);
    if (!skip(cursor, 47)) return Number.NaN;
    year = readNumber(cursor, 4, 4);
    if (!skip(cursor, 32)) return Number.NaN;
  }
  const hour = readNumber(cursor, 1, 2);
  if (!skip(cursor, 58)) return Number.NaN;
  const minute = readNumber(cursor, 2, 2);
  let second = 0;
  if (cursor.at < text.length) {
    if (!skip(cursor, 58)) return Number.NaN;
    second = readNumber(cursor, 2, 2);
  }
  if (cursor.at !== text.length || year < 0 || month < 1 || month > 12 || day < 1) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > monthDays || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return Number.NaN;
  }
  return clock.toUtc(year, month, day, hour, minute, second);
}

/** Reads `min`..`max` ASCII digits; -1 (which fails the range checks) when there are fewer. */
function readNumber(cursor: { text: string; at: number }, min: number, max: number): number {
  let n = 0;
  let digits = 0;
  while (digits < max) {
    const c = cursor.text.charCodeAt(cursor.at) - 48;
    if (!(c >= 0 && c <= 9)) break;
    n = n * 10 + c;
    cursor.at++;
    digits++;
  }
  return digits < min ? -1 : n;
}

function skip(cursor: { text: string; at: number }, code: number): boolean {
  if (cursor.text.charCodeAt(cursor.at) !== code) return false;
  cursor.at++;
  return true;
}
