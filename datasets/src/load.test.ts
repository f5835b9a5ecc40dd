import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ErrorCode, type Event, eventAt, IdMap, isEncoreError } from '@encore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATASETS, bundledDataPath, DATA_FORMATS, type DataFormat, loadDataset, readEvents } from './index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const tmp = await mkdtemp(join(tmpdir(), 'encore-load-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function variant(name: string, source: string, transform: (text: string) => string | Buffer): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, transform(await readFile(source, 'utf8')));
  return path;
}

const allEvents = (log: Awaited<ReturnType<typeof loadDataset>>['log']): Event[] =>
  Array.from({ length: log.length }, (_, row) => eventAt(log, row));

describe('errors', () => {
  it('a missing file is a FILE_NOT_FOUND rejection, not a synchronous throw', async () => {
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = loadDataset(join(tmp, 'nope.csv'), 'csv');
    }).not.toThrow();
    const error = await promise?.catch((e) => e);
    expect(isEncoreError(error, ErrorCode.FILE_NOT_FOUND)).toBe(true);
    expect((error as Error).message).toMatch(/^datasets\/loadDataset: /);
  });

  it('an unknown format is UNKNOWN_FORMAT (as a rejection)', async () => {
    const error = await loadDataset(fixture('csv/plain-events.csv'), 'excel' as DataFormat).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.UNKNOWN_FORMAT)).toBe(true);
    expect(error.details.value).toBe('excel');
    const proto = await loadDataset(fixture('csv/plain-events.csv'), '__proto__' as DataFormat).catch((e) => e);
    expect(isEncoreError(proto, ErrorCode.UNKNOWN_FORMAT)).toBe(true);
  });

  it('readEvents never throws synchronously: errors come from the iteration and the report', async () => {
    for (const [path, format, code] of [
      [join(tmp, 'nope.jsonl'), 'jsonl', ErrorCode.FILE_NOT_FOUND],
      [fixture('csv/plain-events.csv'), 'xml', ErrorCode.UNKNOWN_FORMAT],
    ] as const) {
      const stream = readEvents(path, format as DataFormat);
      const iteration = (async () => {
        for await (const _ of stream) {
          // nothing arrives
        }
      })().catch((e) => e);
      expect(isEncoreError(await iteration, code)).toBe(true);
      expect(isEncoreError(await stream.report.catch((e) => e), code)).toBe(true);
    }
  });

  it('a directory is FILE_NOT_FOUND unless the format knows which file to read in it', async () => {
    const error = await loadDataset(fixture('csv'), 'csv').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.FILE_NOT_FOUND)).toBe(true);
    const noFile = await loadDataset(fixture('csv'), 'taobao').catch((e) => e); // no UserBehavior.csv inside
    expect(isEncoreError(noFile, ErrorCode.FILE_NOT_FOUND)).toBe(true);
  });

  it('bad options are INVALID_ARGUMENT', async () => {
    const path = fixture('csv/plain-events.csv');
    for (const options of [
      { strict: 'yes' },
      { maxRejectedSamples: -1 },
      { onProgress: 3 },
      { signal: {} },
      { ids: { users: new Map() } },
    ]) {
      const error = await loadDataset(path, 'csv', options as never).catch((e) => e);
      expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    }
  });

  it('corrupt gzip is a PARSE_ERROR', async () => {
    const path = join(tmp, 'broken.csv.gz');
    const gz = gzipSync(await readFile(fixture('csv/plain-events.csv')));
    await writeFile(path, gz.subarray(0, gz.length - 12));
    const error = await loadDataset(path, 'csv').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
  });
});

describe('reading', () => {
  it('reads .gz files transparently', async () => {
    const plain = await loadDataset(fixture('online-retail/online-retail.csv'), 'online-retail');
    const path = join(tmp, 'online-retail.csv.gz');
    await writeFile(path, gzipSync(await readFile(fixture('online-retail/online-retail.csv'))));
    const gz = await loadDataset(path, 'online-retail');
    expect(gz.report).toEqual(plain.report);
    expect(allEvents(gz.log)).toEqual(allEvents(plain.log));
  });

  it('CRLF line endings, a UTF-8 BOM and a missing final newline change nothing, line numbers included', async () => {
    for (const [format, source] of [
      ['csv', fixture('csv/events-malformed.csv')],
      ['online-retail', fixture('online-retail/online-retail-malformed.csv')],
      ['taobao', fixture('taobao-malformed/UserBehavior.csv')],
      ['jsonl', fixture('jsonl/events-malformed.jsonl')],
    ] as const) {
      const plain = await loadDataset(source, format);
      const crlf = await variant(
        `crlf-${format}`,
        source,
        (t) => `\ufeff${t.replaceAll('\n', '\r\n').replace(/\r\n$/, '')}`,
      );
      const other = await loadDataset(crlf, format);
      expect(other.report, format).toEqual(plain.report);
      expect(allEvents(other.log), format).toEqual(allEvents(plain.log));
    }
  });

  it('keeps line numbers across blank and whitespace-only lines', async () => {
    const path = await variant(
      'blanks.csv',
      fixture('taobao/UserBehavior.csv'),
      (t) => `\n  \n${t.replace('\n', '\n\t\n')}`,
    );
    const bad = await variant('blanks-bad.csv', path, (t) => `${t}\n\nnot,a,valid,row`);
    const { report } = await loadDataset(bad, 'taobao');
    expect(report).toMatchObject({ lines: 7, accepted: 6, rejected: 1 });
    expect(report.rejectedSamples).toEqual([
      { line: 12, reason: 'expected 5 comma-separated fields (user, item, category, behavior, timestamp), found 4' },
    ]);
  });

  it('joins lines split across 1 MiB chunks: a CR/LF pair and a multi-byte character on the boundary', async () => {
    const rows: string[] = [];
    let bytes = 0;
    let i = 0;
    // Fill to just under 1 MiB, then place the boundary between the CR and the LF of a row.
    while (bytes < (1 << 20) - 200) {
      const row = `ü-${i}\r\n`;
      rows.push(row);
      bytes += Buffer.byteLength(row);
      i++;
    }
    const pad = (1 << 20) - bytes - Buffer.byteLength('ü-pad\r');
    rows.push(`ü-pad${'x'.repeat(pad)}\r\n`);
    i++;
    expect(Buffer.byteLength(rows.join(''))).toBe((1 << 20) + 1);
    // Then a 2-byte ü straddling the next boundary (at 2 MiB).
    let more = 0;
    while (more < (1 << 20) - 100) {
      const row = `ü-${i}\n`;
      rows.push(row);
      more += Buffer.byteLength(row);
      i++;
    }
    const before = (2 << 20) - 1 - ((1 << 20) + 1 + more); // y bytes so that ü starts at the last byte of chunk 2
    rows.push(`${'y'.repeat(before)}ü-z\n`);
    i++;
    const path = join(tmp, 'boundaries.csv');
    await writeFile(path, rows.join(''));
    const buffer = await readFile(path);
    expect(buffer[(2 << 20) - 1]).toBe(0xc3); // first byte of ü is the last byte of the second chunk
    const { log, report } = await loadDataset(path, 'baskets');
    expect(report).toMatchObject({ lines: i, accepted: i, rejected: 0 });
    expect(log.item.ids.size).toBe(i);
    expect(log.item.ids.ids().every((id) => id.startsWith('ü-') || id.startsWith('y'))).toBe(true);
    expect(log.item.ids.ids().some((id) => id.includes('\ufffd') || id.includes('\r'))).toBe(false);
  });

  it('an empty file and a header-only file load as zero lines', async () => {
    const empty = join(tmp, 'empty.csv');
    await writeFile(empty, '');
    expect((await loadDataset(empty, 'baskets')).report).toMatchObject({ lines: 0, accepted: 0 });
    const headerOnly = join(tmp, 'header.csv');
    await writeFile(headerOnly, 'type,userId,itemId,timestamp\r\n');
    const { log, report } = await loadDataset(headerOnly, 'csv');
    expect(report).toMatchObject({ lines: 0, accepted: 0, rejected: 0, skipped: 0 });
    expect(log.length).toBe(0);
  });

  it('keeps maxRejectedSamples samples but counts every rejection', async () => {
    const { report } = await loadDataset(fixture('csv/events-malformed.csv'), 'csv', { maxRejectedSamples: 2 });
    expect(report.rejected).toBe(17);
    expect(report.rejectedSamples.map((s) => s.line)).toEqual([3, 4]);
  });

  it('shares id spaces through options.ids', async () => {
    const items = new IdMap();
    items.intern('sku-2');
    const a = await loadDataset(fixture('csv/plain-events.csv'), 'csv', { ids: { items } });
    const b = await loadDataset(fixture('jsonl/events.jsonl'), 'jsonl', { ids: { items } });
    expect(a.log.item.ids).toBe(items);
    expect(b.log.item.ids).toBe(items);
    expect(a.log.item.values?.[0]).toBe(items.indexOf('sku-1'));
    expect(b.log.item.values?.[0]).toBe(items.indexOf('sku-1'));
    expect(items.indexOf('sku-2')).toBe(0);
  });

  it('reports progress up to the file size', async () => {
    const calls: [number, number][] = [];
    const path = fixture('taobao/UserBehavior.csv');
    await loadDataset(path, 'taobao', { onProgress: (read, total) => calls.push([read, total]) });
    const size = (await readFile(path)).length;
    expect(calls.at(-1)).toEqual([size, size]);
  });

  it('stops on abort with the signal reason', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await loadDataset(fixture('csv/plain-events.csv'), 'csv', { signal: controller.signal }).catch(
      (e) => e,
    );
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
  });
});

describe('readEvents', () => {
  it('yields the same events as loadDataset and settles report and catalog at the end', async () => {
    const path = fixture('online-retail/online-retail.csv');
    const loaded = await loadDataset(path, 'online-retail');
    const stream = readEvents(path, 'online-retail');
    const events: Event[] = [];
    for await (const batch of stream) events.push(...batch);
    // the log stores quantity, price and rating as float32
    const f32 = (e: Event): Event => ({ ...e, price: e.price === undefined ? undefined : Math.fround(e.price) });
    const defined = (e: Event) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined));
    expect(events.map(f32).map(defined)).toEqual(allEvents(loaded.log).map(defined));
    expect(await stream.report).toEqual(loaded.report);
    expect(await stream.catalog).toEqual(loaded.catalog);
  });

  it('gives a partial but consistent report when the consumer stops early, and iterates once', async () => {
    const path = join(tmp, 'many.csv');
    const rows = ['type,userId,itemId,timestamp'];
    for (let i = 0; i < 100_000; i++) rows.push(`view,u${i % 100},sku-${i % 1000},${1_700_000_000_000 + i}`);
    await writeFile(path, rows.join('\n'));
    const stream = readEvents(path, 'csv');
    let seen = 0;
    for await (const batch of stream) {
      seen += batch.length;
      break;
    }
    const report = await stream.report;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(100_000);
    expect(report.accepted).toBe(seen);
    expect(report.lines).toBe(report.accepted + report.rejected + report.skipped);
    const again = await stream[Symbol.asyncIterator]()
      .next()
      .catch((e) => e);
    expect(isEncoreError(again, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });
});

describe('bundled data', () => {
  it('resolves the shipped Online Retail slice', () => {
    expect([...BUNDLED_DATASETS.keys()]).toEqual(['online-retail-2010-12']);
    expect(existsSync(bundledDataPath('online-retail-2010-12'))).toBe(true);
    expect(() => bundledDataPath('nope' as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  it('lists every format once', () => {
    expect(new Set(DATA_FORMATS).size).toBe(8);
  });

  it('reads a catalog side file with a gzipped event file beside it', async () => {
    const dir = await mkdtemp(join(tmp, 'ml-'));
    await writeFile(join(dir, 'u.data.gz'), gzipSync(await readFile(fixture('movielens/ml-100k/ratings.tsv'))));
    await copyFile(fixture('movielens/ml-100k/u.item'), join(dir, 'u.item'));
    const { catalog, log } = await loadDataset(join(dir, 'u.data.gz'), 'movielens');
    expect(log.length).toBe(5);
    expect(catalog.get('20')?.title).toBe('Misérables, Les (1995)');
  });
});
