import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, ErrorCode, type Event, eventAt, isEncoreError, validateEvent } from '@encore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type LoadReport, loadDataset, readEvents } from '../../index.js';
import { splitPlain, splitQuoted } from '../fields.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));

/**
 * The reference the fast path must agree with: build `{ field: cell }` from the non-empty mapped
 * cells (type through the typeMap) and run core's validateEvent on it.
 */
function reference(header: string[], line: string, typeMap?: ReadonlyMap<string, string>) {
  const cells: string[] = [];
  const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
  if (typeof n === 'string') return { ok: false as const, reason: n };
  if (n !== header.length) return { ok: false as const, reason: `field count ${n}` };
  const raw = new Map<string, string>();
  header.forEach((name, i) => {
    if ((cells[i] as string).length > 0) raw.set(name, cells[i] as string);
  });
  const type = raw.get('type');
  if (type !== undefined && typeMap?.has(type)) raw.set('type', typeMap.get(type) as string);
  const known = [
    'type',
    'userId',
    'anonymousId',
    'deviceId',
    'itemId',
    'timestamp',
    'quantity',
    'price',
    'rating',
    'channel',
    'sessionId',
    'orderId',
    'query',
  ];
  const object = Object.fromEntries([...raw].filter(([k]) => known.includes(k)));
  const result = validateEvent(object);
  return result.ok ? { ok: true as const, event: result.value } : { ok: false as const, reason: result.error.reason };
}

/** Loads `path` both ways and checks line by line that decisions and reasons agree with `reference`. */
async function expectSameAsValidateEvent(path: string): Promise<LoadReport> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const header = (lines[0] as string).split(',');
  const stream = readEvents(path, 'csv', { maxRejectedSamples: 1_000_000 });
  const events: Event[] = [];
  for await (const batch of stream) events.push(...batch);
  const report = await stream.report;
  const reasons = new Map(report.rejectedSamples.map((s) => [s.line, s.reason]));
  let next = 0;
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const lineNo = i + 2;
    const expected = reference(header, line);
    if (expected.ok) {
      expect(reasons.get(lineNo), `line ${lineNo}`).toBeUndefined();
      const { type, timestamp, ...rest } = expected.event;
      expect(events[next++], `line ${lineNo}`).toEqual(
        Object.fromEntries(Object.entries({ type, timestamp, ...rest }).filter(([, v]) => v !== undefined)),
      );
    } else if (expected.reason.startsWith('field count')) {
      expect(reasons.get(lineNo), `line ${lineNo}`).toMatch(/^expected \d+ comma-separated fields/);
    } else {
      expect(reasons.get(lineNo), `line ${lineNo}`).toBe(expected.reason);
    }
  });
  expect(next).toBe(events.length);
  // loadDataset takes the other sink (cells interned in place into the log's id maps): same
  // report, same events.
  const loaded = await loadDataset(path, 'csv', { maxRejectedSamples: 1_000_000 });
  expect(loaded.report).toEqual(report);
  // (The log keeps numbers as float32 and absent fields as undefined keys.)
  const defined = (e: object) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined));
  const float32 = (e: Event) => ({
    ...e,
    quantity: e.quantity === undefined ? undefined : Math.fround(e.quantity),
    price: e.price === undefined ? undefined : Math.fround(e.price),
    rating: e.rating === undefined ? undefined : Math.fround(e.rating),
  });
  expect(Array.from({ length: loaded.log.length }, (_, row) => defined(eventAt(loaded.log, row)))).toEqual(
    events.map((e) => defined(float32(e))),
  );
  return report;
}

const tmp = await mkdtemp(join(tmpdir(), 'encore-csv-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('csv', () => {
  it('loads a header-mapped event CSV; unknown columns are ignored; quoted cells work', async () => {
    const { log, report } = await loadDataset(fixture('csv/plain-events.csv'), 'csv');
    expect(report).toMatchObject({ lines: 5, accepted: 5, rejected: 0, skipped: 0 });
    expect(report.counts.ignoredColumns).toBe(1);
    expect(eventAt(log, 0)).toMatchObject({
      type: 'view',
      userId: 'u1',
      itemId: 'sku-1',
      sessionId: 's1',
      timestamp: 1.7e12,
    });
    expect(eventAt(log, 1)).toMatchObject({
      type: 'purchase',
      quantity: 2,
      timestamp: Date.parse('2023-11-14T22:13:20Z'),
    });
    expect(eventAt(log, 2)).toMatchObject({ type: 'rate', rating: 4.5, timestamp: 1.7e12 });
    expect(eventAt(log, 3)).toMatchObject({ type: 'search', anonymousId: 'anon-1', query: 'camping with kids' });
    expect(eventAt(log, 4)).toMatchObject({ type: 'cart', userId: '__proto__', itemId: 'constructor' });
  });

  it('counts every malformed line with its number and the reason validateEvent gives', async () => {
    const { report } = await loadDataset(fixture('csv/events-malformed.csv'), 'csv');
    expect(report).toMatchObject({ lines: 20, accepted: 3, rejected: 17, skipped: 0 });
    expect(report.rejectedSamples.map((s) => s.line)).toEqual([
      3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 19, 20, 21,
    ]);
    expect(report.rejectedSamples.slice(0, 3)).toEqual([
      {
        line: 3,
        reason:
          'unknown event type "click", expected one of view, cart, remove_from_cart, purchase, wishlist, rate, search, return',
      },
      { line: 4, reason: 'event needs a customer key: userId, anonymousId or deviceId' },
      { line: 5, reason: 'view event needs an itemId' },
    ]);
  });

  it('gives the same decisions and reasons as validateEvent on an object per row (fixture)', async () => {
    const report = await expectSameAsValidateEvent(fixture('csv/events-malformed.csv'));
    expect(report.rejected).toBe(17);
  });

  it('gives the same decisions and reasons as validateEvent on 20,000 generated rows', async () => {
    const rng = createRng(7);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(rng.next() * values.length)] as T;
    const header = [
      'type',
      'userId',
      'anonymousId',
      'deviceId',
      'itemId',
      'timestamp',
      'quantity',
      'price',
      'rating',
      'channel',
      'sessionId',
      'orderId',
      'query',
    ];
    const pools: Record<string, readonly string[]> = {
      type: ['view', 'view', 'purchase', 'rate', 'search', 'cart', 'return', 'click', '', 'VIEW', 'remove_from_cart'],
      userId: ['u1', 'u2', '', '', '__proto__', 'a\u0001b', 'x'.repeat(513), ' '],
      anonymousId: ['', '', '', 'anon-1', 'a\u007f'],
      deviceId: ['', '', '', 'dev-1'],
      itemId: ['sku-1', 'sku-2', '', 'constructor', 'i\u0000'],
      timestamp: [
        '1700000000000',
        '1700000000',
        '1.5',
        '2023-11-14T22:13:20Z',
        '2023-11-14T22:13:20+0100',
        '2023-11-14 22:13:20',
        '',
        'x',
        '-1',
        '1e12',
        '99999999999999999999999',
        '0',
      ],
      quantity: ['', '', '1', '2.5', '-3', 'x', ' ', 'Infinity', '0x10'],
      price: ['', '', '9.99', '0', '-1', 'NaN', '1e3'],
      rating: ['', '', '4', '4.5', '11', '-10', 'NaN', '10'],
      channel: ['', '', 'web', 'c\u0007'],
      sessionId: ['', '', 's-0123456789abcdef', 'short'],
      orderId: ['', '', 'o1'],
      query: ['', '', 'tents', '  ', 'q'.repeat(2049)],
    };
    const rows = [header.join(',')];
    for (let i = 0; i < 20_000; i++)
      rows.push(header.map((field) => pick(pools[field] as readonly string[])).join(','));
    const path = join(tmp, 'generated.csv');
    await writeFile(path, `${rows.join('\n')}\n`);
    const report = await expectSameAsValidateEvent(path);
    expect(report.accepted).toBeGreaterThan(100);
    expect(report.rejected).toBeGreaterThan(100);
    expect(report.accepted + report.rejected).toBe(20_000);
  });

  it('maps columns and raw type names through options.columns and options.typeMap', async () => {
    const path = fixture('csv/events-mapped.csv');
    const columns = { ts: 'timestamp', visitor: 'userId', action: 'type', product: 'itemId' } as const;
    const typeMap = new Map([
      ['addtocart', 'cart'],
      ['transaction', 'purchase'],
    ] as const);
    const { log, report } = await loadDataset(path, 'csv', { columns, typeMap });
    expect(report).toMatchObject({ lines: 5, accepted: 4, rejected: 1 });
    expect(report.counts).toMatchObject({
      'events.view': 1,
      'events.cart': 1,
      'events.purchase': 2,
      ignoredColumns: 1,
    });
    expect(report.rejectedSamples[0]?.line).toBe(6);
    expect(eventAt(log, 1)).toMatchObject({
      type: 'cart',
      userId: '700002',
      itemId: '800002',
      timestamp: 1500000002164,
    });
  });

  it('rejects a header that lacks mapped or required columns, and bad options', async () => {
    const path = fixture('csv/events-mapped.csv');
    const missing = await loadDataset(path, 'csv').catch((e) => e);
    expect(isEncoreError(missing, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(missing.details.line).toBe(1);
    const absent = await loadDataset(path, 'csv', { columns: { nope: 'userId' } }).catch((e) => e);
    expect(isEncoreError(absent, ErrorCode.PARSE_ERROR)).toBe(true);
    const badField = await loadDataset(path, 'csv', { columns: { ts: 'time' as never } }).catch((e) => e);
    expect(isEncoreError(badField, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    const badType = await loadDataset(path, 'csv', { typeMap: { addtocart: 'basket' as never } }).catch((e) => e);
    expect(isEncoreError(badType, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    const notCsv = await loadDataset(path, 'jsonl', { columns: { ts: 'timestamp' } }).catch((e) => e);
    expect(isEncoreError(notCsv, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });

  it('strict mode stops at the first bad line, naming it', async () => {
    const path = fixture('csv/events-malformed.csv');
    const error = await loadDataset(path, 'csv', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details).toEqual({
      line: 3,
      reason:
        'unknown event type "click", expected one of view, cart, remove_from_cart, purchase, wishlist, rate, search, return',
      path,
    });
    expect(error.message).toMatch(/^datasets\/loadDataset: line 3 of /);
  });
});
