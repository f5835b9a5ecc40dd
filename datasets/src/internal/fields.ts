/**
 * Field splitting and cheap field checks for the line parsers. Every function here runs once per
 * row or once per field, so none of them uses a regular expression or allocates beyond the
 * substrings it returns.
 */

const QUOTE = 34; // "

/**
 * Splits a line without quotes on `sep` into `out` (reused between rows); returns the field count.
 * Entries of `out` past the returned count are stale.
 */
export function splitPlain(line: string, sep: string, out: string[]): number {
  const step = sep.length;
  let n = 0;
  let start = 0;
  for (;;) {
    const at = line.indexOf(sep, start);
    if (at < 0) {
      out[n++] = line.slice(start);
      return n;
    }
    out[n++] = line.slice(start, at);
    start = at + step;
  }
}

/**
 * Splits one RFC 4180 line (fields optionally in double quotes, `""` for a quote inside a quoted
 * field) on the one-character separator `sep` into `out`. Returns the field count, or a reason
 * string when the line is malformed. A quoted field cannot span lines here: loaders work line by
 * line, so an unterminated quote is a malformed line (it must not swallow the lines after it).
 */
export function splitQuoted(line: string, sep: string, out: string[]): number | string {
  const sepCode = sep.charCodeAt(0);
  const len = line.length;
  let n = 0;
  let i = 0;
  for (;;) {
    if (i < len && line.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q < 0) return `unterminated quoted field ${n + 1} (a quoted field must close on the same line)`;
        if (line.charCodeAt(q + 1) === QUOTE) {
          value += line.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += line.slice(from, q);
        i = q + 1;
        break;
      }
      out[n++] = value;
      if (i === len) return n;
      if (line.charCodeAt(i) !== sepCode) {
        return `unexpected character after the closing quote of field ${n}, expected ${JSON.stringify(sep)} or end of line`;
      }
      i++;
    } else {
      const at = line.indexOf(sep, i);
      const end = at < 0 ? len : at;
      const q = line.indexOf('"', i);
      if (q >= 0 && q < end) return `quote inside unquoted field ${n + 1}, expected the whole field in quotes`;
      out[n++] = line.slice(i, end);
      if (at < 0) return n;
      i = at + 1;
    }
  }
}

/**
 * Same rules and messages as core's `checkId` for a string (non-empty, at most 512 characters, no
 * control characters U+0000–U+001F or U+007F), without a regular expression per call.
 */
export function idProblem(value: string): string | undefined {
  const len = value.length;
  if (len === 0) return 'must not be empty';
  if (len > 512) return 'must be at most 512 characters';
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c < 32 || c === 127) return 'must not contain control characters';
  }
  return undefined;
}

/** True when `value` is 1 to 512 ASCII digits (a numeric id as the public datasets write them). */
export function isDigits(value: string): boolean {
  const len = value.length;
  if (len === 0 || len > 512) return false;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The value of 1 to 15 ASCII digits (exact in a double), or -1 when `value` is anything else. */
export function parseDigits(value: string): number {
  const len = value.length;
  if (len === 0 || len > 15) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * True when `value` matches `^\d+(\.\d+)?$`, the numeric form core's `parseTimestamp` accepts
 * inside a string.
 */
export function isPlainDecimal(value: string): boolean {
  const len = value.length;
  let i = 0;
  while (i < len && isDigitCode(value.charCodeAt(i))) i++;
  if (i === 0) return false;
  if (i === len) return true;
  if (value.charCodeAt(i) !== 46 || i === len - 1) return false;
  for (i++; i < len; i++) if (!isDigitCode(value.charCodeAt(i))) return false;
  return true;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True when `value` stays finite stored as a float32 (the numeric columns of an EventLog). */
export function fitsFloat32(value: number): boolean {
  return Number.isFinite(Math.fround(value));
}

/**
 * `text` cut to `max` UTF-16 code units, never between the two halves of a surrogate pair (so
 * possibly one shorter).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** A short, quoted, escaped rendering of an offending value for a rejection reason. */
export function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * A copy of `value` that does not share memory with the chunk it was cut from. V8 makes substrings
 * of 13 or more characters as views into their parent string, so a value kept for the catalog would
 * keep a whole 1 MiB chunk alive. Slicing a concatenation flattens it into a fresh string first (a
 * view's parent is always flat), so the copy's parent is one character longer than the value.
 * (IdMap copies the ids it keeps the same way.)
 */
export function ownString(value: string): string {
  return value.length < 13 ? value : ` ${value}`.slice(1);
}

/**
 * Splits the line `text[start, end)`, which must have exactly `cellStart.length` fields, on commas
 * into cell offsets: cell k is `text[cellStart[k], cellEnd[k])`. Returns false, leaving the line to
 * the general path (`splitQuoted`, per-field checks and their reasons), when the line has another
 * field count, a double quote or a control character (U+0000–U+001F, U+007F). Allocates nothing.
 */
export function splitCommaRanges(
  text: string,
  start: number,
  end: number,
  cellStart: Int32Array,
  cellEnd: Int32Array,
): boolean {
  const last = cellStart.length - 1;
  let n = 0;
  let from = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 45) {
      if (c === 44) {
        if (n === last) return false;
        cellStart[n] = from;
        cellEnd[n] = i;
        n++;
        from = i + 1;
      } else if (c < 32 || c === QUOTE) {
        return false;
      }
    } else if (c === 127) {
      return false;
    }
  }
  if (n !== last) return false;
  cellStart[n] = from;
  cellEnd[n] = end;
  return true;
}

/** parseDigits of `text[start, end)` without slicing it: the value of 1 to 15 ASCII digits, else -1. */
export function parseDigitsRange(text: string, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `Number(text.slice(start, end))` for the plain decimals `\d+` and `\d+.\d+` of at most 15
 * digits, without slicing; NaN for anything else (the caller then asks Number). Exact: the digits
 * form an integer m < 2^53 and 10^k is exact, so m / 10^k is the correctly rounded value Number
 * gives (Clinger's fast path).
 */
export function parseDecimalRange(text: string, start: number, end: number): number {
  let m = 0;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
  }
  if (i === start) return Number.NaN;
  if (i === end) return i - start <= 15 ? m : Number.NaN;
  if (text.charCodeAt(i) !== 46 || i === end - 1 || end - start - 1 > 15) return Number.NaN;
  const fraction = i + 1;
  for (i = fraction; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    m = m * 10 + c;
  }
  return m / (POW10[end - fraction] as number);
}
