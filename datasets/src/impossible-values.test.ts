import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TIME_RANGE, ErrorCode, eventAt, isEncoreError, MAX_TITLE_LENGTH } from '@encore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type DataFormat, type LoadOptions, loadDataset } from './index.js';

// Values no real event can carry: a time outside [1970-01-01, 2100-01-01) (or options.timeRange),
// a number that is Infinity once stored as float32, a year the Date API reads as 19xx, a byte
// order mark inside a line, a title of a megabyte. Each is rejected with a counted reason, or
// (stray byte order marks, over-long titles) repaired and counted as a warning with its line.

const tmp = await mkdtemp(join(tmpdir(), 'encore-impossible-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

let files = 0;
async function file(name: string, lines: readonly string[]): Promise<string> {
  const dir = join(tmp, String(files++));
  await mkdir(dir);
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

async function load(path: string, format: DataFormat, options: LoadOptions = {}) {
  return loadDataset(path, format, { maxRejectedSamples: 1000, ...options });
}

const lines = (samples: readonly { line: number }[]): number[] => samples.map((s) => s.line);

describe('timestamps outside [1970-01-01, 2100-01-01) are rejected in every format', () => {
  it('the default range is documented as epoch ms', () => {
    expect(DEFAULT_TIME_RANGE).toEqual({ from: 0, to: Date.UTC(2100, 0, 1) });
  });

  it('movielens (seconds)', async () => {
    const path = await file('u.data', [
      '1\t10\t4\t881250949',
      '1\t11\t4\t999999999999999', // past the Date range
      '1\t12\t4\t4102444800', // 2100-01-01: the end is excluded
      '1\t13\t4\t4102444799',
      '1\t14\t4\t0',
    ]);
    const { report, log } = await load(path, 'movielens');
    expect(report).toMatchObject({ lines: 5, accepted: 3, rejected: 2 });
    expect(report.rejectedSamples).toEqual([
      {
        line: 2,
        reason:
          'timestamp must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z), found "999999999999999"',
      },
      {
        line: 3,
        reason: 'timestamp must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z), found "4102444800"',
      },
    ]);
    expect(log.length).toBe(3);
  });

  it('movielens-1m, taobao (seconds) and retailrocket (ms)', async () => {
    const ml = await file('ratings.dat', ['1::10::4::881250949', '1::11::4::999999999999999']);
    expect(lines((await load(ml, 'movielens-1m')).report.rejectedSamples)).toEqual([2]);
    const taobao = await file('UserBehavior.csv', ['1,2,3,pv,1511544070', '1,2,3,pv,999999999999999']);
    expect(lines((await load(taobao, 'taobao')).report.rejectedSamples)).toEqual([2]);
    const rr = await file('events.csv', [
      'timestamp,visitorid,event,itemid,transactionid',
      '1433221332117,1,view,2,',
      '999999999999999,1,view,2,', // year 33658
      '4102444800000,1,view,2,',
    ]);
    expect(lines((await load(rr, 'retailrocket')).report.rejectedSamples)).toEqual([3, 4]);
  });

  it('csv and jsonl: negative, huge, year-1000 and year-2100 times', async () => {
    const csv = await file('events.csv', [
      'type,userId,itemId,timestamp',
      'view,u,i,1700000000000',
      'view,u,i,-1000', // read as an ISO string with a -10:00 zone: year 1000
      'view,u,i,1e300',
      'view,u,i,0001-01-01T00:00:00Z',
      'view,u,i,2100-01-01T00:00:00Z',
      'view,u,i,99999999999999999999999',
    ]);
    const c = await load(csv, 'csv');
    expect(c.report).toMatchObject({ lines: 6, accepted: 1 });
    expect(lines(c.report.rejectedSamples)).toEqual([3, 4, 5, 6, 7]);
    const jsonl = await file('events.jsonl', [
      '{"type":"view","userId":"u","itemId":"i","timestamp":1700000000000}',
      '{"type":"view","userId":"u","itemId":"i","timestamp":"-1000"}',
      '{"type":"view","userId":"u","itemId":"i","timestamp":1e300}',
      '{"type":"view","userId":"u","itemId":"i","timestamp":"0099-06-01T00:00:00Z"}',
      '{"type":"view","userId":"u","itemId":"i","timestamp":4102444800000}',
    ]);
    const j = await load(jsonl, 'jsonl');
    expect(j.report).toMatchObject({ lines: 5, accepted: 1 });
    expect(lines(j.report.rejectedSamples)).toEqual([2, 3, 4, 5]);
    expect(j.report.rejectedSamples[1]?.reason).toBe(
      'timestamp must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)',
    );
  });

  it('online-retail: years 0001 and 0099 are not 1901 and 1999', async () => {
    const path = await file('retail.csv', [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '536366,85123A,HEART,6,0001-12-01 08:26:00,2.55,17850,United Kingdom',
      '536367,85123A,HEART,6,0099-12-01 08:26:00,2.55,17850,United Kingdom',
      '536368,85123A,HEART,6,12/1/0099 8:26,2.55,17850,United Kingdom',
      '536369,85123A,HEART,6,2100-01-01 00:00:00,2.55,17850,United Kingdom',
    ]);
    const { report } = await load(path, 'online-retail');
    expect(report).toMatchObject({ lines: 5, accepted: 1, rejected: 4 });
    expect(report.rejectedSamples[1]).toEqual({
      line: 4,
      reason:
        'InvoiceDate must be within [1970-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z), found "0099-12-01 08:26:00"',
    });
  });

  it('options.timeRange narrows or widens the range (epoch ms, from included, to excluded)', async () => {
    const path = await file('u.data', ['1\t10\t4\t1', '1\t11\t4\t881250949', '1\t12\t4\t4102444800']);
    const narrow = await load(path, 'movielens', { timeRange: { from: 1000, to: 881250949000 } });
    expect(lines(narrow.report.rejectedSamples)).toEqual([2, 3]);
    expect(narrow.report.rejectedSamples[1]?.reason).toMatch(/^timestamp must be within \[1970-01-01T00:00:01\.000Z, /);
    const wide = await load(path, 'movielens', { timeRange: { from: 0, to: Date.UTC(3000, 0, 1) } });
    expect(wide.report.rejected).toBe(0);
  });

  it('a malformed timeRange is INVALID_ARGUMENT; baskets, which carry no time, refuse one', async () => {
    const path = await file('u.data', ['1\t10\t4\t881250949']);
    for (const timeRange of [
      { from: 10, to: 10 },
      { from: Number.NaN, to: 1 },
      { from: 0 },
      { from: -1e17, to: 0 },
      [0, 1],
      null,
    ]) {
      const error = await load(path, 'movielens', { timeRange } as never).catch((e) => e);
      expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT), JSON.stringify(timeRange)).toBe(true);
    }
    const baskets = await file('baskets.csv', ['milk,bread']);
    const error = await load(baskets, 'baskets', { timeRange: { from: 0, to: 1 } }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });
});

describe('numbers are finite once stored as float32', () => {
  it('online-retail: Quantity and UnitPrice of 1e308 are rejected, not stored as Infinity', async () => {
    const path = await file('retail.csv', [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '536366,85123A,HEART,1e308,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '536367,85123A,HEART,6,2010-12-01 08:26:00,1e308,17850,United Kingdom',
      '536368,85123A,HEART,6,2010-12-01 08:26:00,3.5e38,17850,United Kingdom',
      '536369,85123A,HEART,3e38,2010-12-01 08:26:00,2.55,17850,United Kingdom',
    ]);
    const { report, log } = await load(path, 'online-retail');
    expect(report).toMatchObject({ lines: 5, accepted: 2, rejected: 3 });
    expect(report.rejectedSamples).toEqual([
      { line: 3, reason: 'Quantity must be a finite number within float32 range (below 3.4e38), found "1e308"' },
      { line: 4, reason: 'UnitPrice must be a finite number within float32 range (below 3.4e38), found "1e308"' },
      { line: 5, reason: 'UnitPrice must be a finite number within float32 range (below 3.4e38), found "3.5e38"' },
    ]);
    for (const q of log.quantity ?? []) expect(Number.isFinite(q)).toBe(true);
  });

  it('csv and jsonl: quantity and price that overflow float32 are rejected', async () => {
    const csv = await file('events.csv', [
      'type,userId,itemId,timestamp,quantity,price',
      'purchase,u,i,1700000000000,2,9.99',
      'purchase,u,i,1700000000000,1e308,9.99',
      'purchase,u,i,1700000000000,-1e39,9.99',
      'purchase,u,i,1700000000000,2,1e308',
    ]);
    const c = await load(csv, 'csv');
    expect(lines(c.report.rejectedSamples)).toEqual([3, 4, 5]);
    expect(c.report.rejectedSamples[0]?.reason).toBe(
      'quantity must be a finite number within float32 range (below 3.4e38)',
    );
    const jsonl = await file('events.jsonl', [
      '{"type":"purchase","userId":"u","itemId":"i","timestamp":1700000000000,"quantity":1e308}',
      '{"type":"purchase","userId":"u","itemId":"i","timestamp":1700000000000,"price":"1e39"}',
      '{"type":"purchase","userId":"u","itemId":"i","timestamp":1700000000000,"price":1}',
    ]);
    expect(lines((await load(jsonl, 'jsonl')).report.rejectedSamples)).toEqual([1, 2]);
  });
});

describe('a byte order mark inside the file is stripped and counted as a warning, never part of a field', () => {
  it('online-retail: a BOM before a C invoice does not hide the cancellation', async () => {
    const path = await file('retail.csv', [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '\ufeffC536379,85123A,HEART,-2,2010-12-01 09:41:00,2.55,17850,United Kingdom',
      '536380,85123A,HE\ufeffART,1,2010-12-01 09:41:00,2.55,178\ufeff50,United Kingdom',
    ]);
    const { report, log } = await load(path, 'online-retail');
    expect(report).toMatchObject({ lines: 3, accepted: 3, rejected: 0, skipped: 0 });
    expect(report.warnings).toMatchObject({ byteOrderMark: 2 });
    expect(report.warningSamples).toEqual([
      {
        line: 3,
        reason: 'stripped 1 byte order mark (U+FEFF) inside the line, expected one only at the start of the file',
      },
      {
        line: 4,
        reason: 'stripped 2 byte order marks (U+FEFF) inside the line, expected one only at the start of the file',
      },
    ]);
    expect(eventAt(log, 1)).toMatchObject({ type: 'return', orderId: 'C536379', quantity: 2 });
    expect(eventAt(log, 2)).toMatchObject({ type: 'purchase', userId: '17850' });
    expect(log.order.ids.ids().some((id) => id.includes('\ufeff'))).toBe(false);
  });

  it('every format strips it (the one at the very start of the file stays silent)', async () => {
    const cases: [DataFormat, string, string[]][] = [
      ['movielens', 'u.data', ['\ufeff1\t10\t4\t881250949', '\ufeff2\t10\t4\t881250949']],
      ['movielens-1m', 'ratings.dat', ['1::10::4::881250949', '\ufeff2::10::4::881250949']],
      ['taobao', 'UserBehavior.csv', ['1,2,3,pv,1511544070', '1,2\ufeff,3,pv,1511544070']],
      ['retailrocket', 'events.csv', ['timestamp,visitorid,event,itemid', '\ufeff1433221332117,1,view,2']],
      ['baskets', 'baskets.csv', ['milk,bread', 'milk,\ufeffbread']],
      ['csv', 'events.csv', ['type,userId,itemId,timestamp', 'view,u\ufeff,i,1700000000000']],
      [
        'jsonl',
        'events.jsonl',
        [
          '\ufeff{"type":"view","userId":"u","itemId":"i","timestamp":1700000000000}',
          '\ufeff{"type":"view","userId":"u","itemId":"i","timestamp":1700000000000}',
        ],
      ],
    ];
    for (const [format, name, content] of cases) {
      const path = await file(name, content);
      const { report, log } = await load(path, format);
      expect(report.rejected, format).toBe(0);
      expect(report.warnings.byteOrderMark, format).toBe(1);
      const ids = [...log.user.ids.ids(), ...log.item.ids.ids(), ...log.anonymous.ids.ids()];
      expect(
        ids.some((id) => id.includes('\ufeff')),
        format,
      ).toBe(false);
    }
  });

  it('strict mode fails on a stray byte order mark, naming the line', async () => {
    const path = await file('u.data', ['1\t10\t4\t881250949', '2\t10\t4\t8812\ufeff50949']);
    const error = await load(path, 'movielens', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(2);
  });
});

describe(`titles are capped at MAX_TITLE_LENGTH (${MAX_TITLE_LENGTH}) characters: cut and counted, the line kept`, () => {
  it('online-retail: a 1 MB description becomes a 1,000-character title and a warning', async () => {
    const long = 'A'.repeat(1 << 20);
    const path = await file('retail.csv', [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      `536365,85123A,${long},6,2010-12-01 08:26:00,2.55,17850,United Kingdom`,
      `536366,85124B,${'é'.repeat(999)}😀tail,6,2010-12-01 08:26:00,2.55,17850,United Kingdom`,
    ]);
    const { report, catalog } = await load(path, 'online-retail');
    expect(report).toMatchObject({ lines: 2, accepted: 2, rejected: 0 });
    expect(report.warnings).toMatchObject({ titleTruncated: 2 });
    expect(report.warningSamples[0]).toEqual({
      line: 2,
      reason: 'Description of 1048576 characters cut to 1000 (MAX_TITLE_LENGTH)',
    });
    expect(catalog.get('85123A')?.title).toBe('A'.repeat(1000));
    // never half a surrogate pair
    expect(catalog.get('85124B')?.title).toBe('é'.repeat(999));
    expect(MAX_TITLE_LENGTH).toBe(1000);
  });

  it('movielens u.item titles are cut and counted in the catalog file report', async () => {
    const dir = join(tmp, 'ml-titles');
    await mkdir(dir);
    await writeFile(join(dir, 'u.data'), '1\t10\t4\t881250949\n');
    const flags = Array(19).fill('0').join('|');
    await writeFile(join(dir, 'u.item'), `10|${'T'.repeat(5000)}|01-Jan-1995||http://x|${flags}\n`);
    const { catalog, report } = await load(dir, 'movielens');
    expect(catalog.get('10')?.title).toHaveLength(1000);
    expect(report.catalogFile).toMatchObject({ lines: 1, accepted: 1, rejected: 0, warnings: { titleTruncated: 1 } });
  });
});
