import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import {
  checkEventLog,
  EncoreError,
  ErrorCode,
  EVENT_TYPES,
  type EventLog,
  type InternedColumn,
  invalidArgument,
} from '@encore/core';
import { EVENT_FIELDS } from '../options.js';

/**
 * Column order of the plain event CSV: the event fields, named as the csv loader reads them by
 * default, so a written file loads back with no column mapping.
 */
export const EVENT_CSV_HEADER = EVENT_FIELDS;

/** Rows per chunk handed to the stream: big enough to amortise write calls, small enough to stay flat in memory. */
const ROWS_PER_CHUNK = 2048;
const NEEDS_QUOTES = /[",\r\n]/;
const WHERE = 'datasets/writeEventsCsv';

/** RFC 4180: quote only when the value holds a comma, quote or line break; double inner quotes. */
function cell(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Float32 columns hold e.g. 12.99 as 12.989999771118164: prints the shortest decimal that reads back
 * to the same float32, through a small direct-mapped cache (prices repeat a lot).
 */
function float32Formatter(): (v: number) => string {
  const size = 4096;
  const keys = new Float64Array(size).fill(Number.NaN);
  const texts: string[] = new Array(size).fill('');
  return (v) => {
    if (Number.isInteger(v)) return String(v);
    const slot = (Math.floor(v * 97) >>> 0) % size;
    if (keys[slot] === v) return texts[slot] as string;
    let text = String(v);
    for (let p = 1; p <= 9; p++) {
      const candidate = Number(v.toPrecision(p));
      if (Math.fround(candidate) === v) {
        text = String(candidate);
        break;
      }
    }
    keys[slot] = v;
    texts[slot] = text;
    return text;
  };
}

interface Column {
  readonly ids: readonly string[];
  readonly values: Int32Array | null;
}

const column = (c: InternedColumn): Column => ({ ids: c.ids.ids(), values: c.values });

/**
 * Writes an EventLog as the plain event CSV (see EVENT_CSV_HEADER) in chunks, waiting for the
 * stream to drain: memory stays flat however long the log. Timestamps are epoch ms; an empty
 * cell is an absent field.
 */
export async function writeEventsCsv(log: EventLog, path: string): Promise<{ rows: number; bytes: number }> {
  checkEventLog(WHERE, 'log', log);
  if (typeof path !== 'string' || path.length === 0) {
    throw invalidArgument(WHERE, 'path must be a non-empty string', path);
  }
  const out = createWriteStream(path, { encoding: 'utf8' });
  try {
    await once(out, 'open');
    const user = column(log.user);
    const anonymous = column(log.anonymous);
    const device = column(log.device);
    const item = column(log.item);
    const session = column(log.session);
    const order = column(log.order);
    const channel = column(log.channel);
    const query = column(log.query);
    const float32Text = float32Formatter();
    const str = (c: Column, row: number): string => {
      const v = c.values === null ? -1 : (c.values[row] as number);
      return v < 0 ? '' : cell(c.ids[v] as string);
    };
    const num = (c: Float32Array | null, row: number): string => {
      const v = c === null ? Number.NaN : (c[row] as number);
      return Number.isNaN(v) ? '' : float32Text(v);
    };
    let bytes = 0;
    let chunk = `${EVENT_CSV_HEADER.join(',')}\n`;
    for (let row = 0; row < log.length; row++) {
      chunk += `${EVENT_TYPES[log.type[row] as number] ?? ''},${str(user, row)},${str(anonymous, row)},${str(device, row)},${str(item, row)},${String(log.timestamp[row])},${num(log.quantity, row)},${num(log.price, row)},${num(log.rating, row)},${str(channel, row)},${str(session, row)},${str(order, row)},${str(query, row)}\n`;
      if ((row + 1) % ROWS_PER_CHUNK === 0) {
        bytes += Buffer.byteLength(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    if (chunk.length > 0) {
      bytes += Buffer.byteLength(chunk);
      out.write(chunk);
    }
    out.end();
    await finished(out);
    return { rows: log.length, bytes };
  } catch (error) {
    out.destroy();
    if (error instanceof EncoreError) throw error;
    throw new EncoreError(
      ErrorCode.IO_ERROR,
      `${WHERE}: cannot write the file, expected a writable path`,
      { value: path },
      {
        cause: error,
      },
    );
  }
}
