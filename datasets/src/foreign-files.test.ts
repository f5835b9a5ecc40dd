import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRng, ErrorCode, isEncoreError } from '@encore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_FORMATS, type DataFormat, loadDataset, readEvents } from './index.js';

// A file that is clearly not of the format asked for fails with one PARSE_ERROR saying so, in every
// format: (1) gzip data in a file not named .gz, or a NUL byte in its first line (binary data; also
// what a UTF-16 file looks like), or (2) not one line parsed among the first 1,000 data lines (or the
// whole file when it is shorter). Anything else is an ordinary file with bad lines, counted one by one.

const tmp = await mkdtemp(join(tmpdir(), 'encore-foreign-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** An executable-like blob: an ELF header, then seeded bytes with newlines here and there. */
function binary(size: number): Buffer {
  const rng = createRng(3);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = rng.int(256);
  Buffer.from('\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000', 'latin1').copy(bytes);
  return bytes;
}

/** The file each format reads from a directory, so a directory works too. */
const NAMES: Record<DataFormat, string> = {
  movielens: 'u.data',
  'movielens-1m': 'ratings.dat',
  retailrocket: 'events.csv',
  taobao: 'UserBehavior.csv',
  'online-retail': 'retail.csv',
  baskets: 'baskets.csv',
  csv: 'events.csv',
  jsonl: 'events.jsonl',
};

async function place(format: DataFormat, content: string | Buffer, tag: string): Promise<string> {
  const dir = join(tmp, `${format}-${tag}`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, NAMES[format]);
  await writeFile(path, content);
  return path;
}

describe('a binary file is not a file of any format', () => {
  it.each(DATA_FORMATS)('%s: PARSE_ERROR naming the format, before any line is read', async (format) => {
    const path = await place(format, binary(150_000), 'elf');
    const error = await loadDataset(path, format).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR), String(error)).toBe(true);
    expect(error.message).toMatch(/is not an? .+ file: it holds a NUL byte at byte 7, so it is binary or UTF-16/);
    expect(error.details).toMatchObject({ path, byte: 7 });
    // readEvents says the same, as a rejection of the iteration
    const stream = readEvents(path, format);
    const failed = await (async () => {
      for await (const _ of stream) {
        // nothing arrives
      }
    })().catch((e) => e);
    expect(isEncoreError(failed, ErrorCode.PARSE_ERROR)).toBe(true);
  });

  it('says so for /bin/ls read as MovieLens', async () => {
    const error = await loadDataset('/bin/ls', 'movielens').catch((e) => e);
    if ((error as { code?: string }).code === ErrorCode.FILE_NOT_FOUND) return; // no /bin/ls here
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.message).toMatch(/\/bin\/ls is not a MovieLens u\.data or ratings\.csv file/);
  });

  it('a UTF-16 text file and a gzip file without .gz are named as such', async () => {
    const utf16 = await place('csv', Buffer.from('\ufefftype,userId,itemId,timestamp\n', 'utf16le'), 'utf16');
    const e16 = await loadDataset(utf16, 'csv').catch((e) => e);
    expect(isEncoreError(e16, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(e16.message).toMatch(/binary or UTF-16/);
    const gz = await place('taobao', gzipSync('1,2,3,pv,1511544070\n'), 'gz');
    const egz = await loadDataset(gz, 'taobao').catch((e) => e);
    expect(isEncoreError(egz, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(egz.message).toMatch(/gzip-compressed: name it \.gz/);
  });

  it('a binary catalog side file is named as such too', async () => {
    const path = await place('movielens', '1\t10\t4\t881250949\n', 'binary-u-item');
    await writeFile(join(path, '..', 'u.item'), binary(5000));
    const error = await loadDataset(path, 'movielens').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.message).toMatch(/u\.item is not a MovieLens u\.item file: it holds a NUL byte/);
  });

  it('a NUL byte after the first line is an ordinary bad line, counted', async () => {
    const good = '1,2,3,pv,1511544070\n';
    const path = await place('taobao', `${good}1,2\u0000,3,pv,1511544070\n${good.repeat(3)}`, 'late-nul');
    const { report } = await loadDataset(path, 'taobao');
    expect(report).toMatchObject({ lines: 5, accepted: 4, rejected: 1 });
    expect(report.rejectedSamples[0]).toEqual({
      line: 2,
      reason: 'item id must be a non-negative integer, found "2\\u0000"',
    });
    const first = await place('taobao', `1,2\u0000,3,pv,1511544070\n${good}`, 'first-nul');
    const error = await loadDataset(first, 'taobao').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details).toMatchObject({ byte: 3 });
  });
});

describe('a text file of another format', () => {
  it('movielens given a CSV: 0 of N lines parsed, with the first problem', async () => {
    const path = await place('movielens', 'a,b,c\n1,2,3\n4,5,6\n', 'csv');
    const error = await loadDataset(path, 'movielens').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.message).toBe(
      `datasets/loadDataset: ${path} is not a MovieLens u.data or ratings.csv file: 0 of 3 lines parsed; ` +
        'first problem on line 1: expected 4 tab-separated fields (user, item, rating, timestamp), found 1',
    );
    expect(error.details).toMatchObject({ path, line: 1, lines: 3 });
  });

  it('stops after 1,000 data lines without one parsed, not at the end of a long file', async () => {
    const bad = '{"not":"a rating"}\n'.repeat(200_000);
    const path = await place('movielens-1m', `${bad}1::10::4::881250949\n`, 'long');
    let lastRead = 0;
    const error = await loadDataset(path, 'movielens-1m', { onProgress: (read) => (lastRead = read) }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.message).toMatch(
      /is not a MovieLens ratings\.dat file: 0 of 1000 lines parsed; first problem on line 1:/,
    );
    expect(lastRead).toBe(0); // failed within the first chunk
  });

  it('jsonl given a CSV, taobao given JSON Lines', async () => {
    const a = await place('jsonl', 'type,userId,itemId,timestamp\nview,u,i,1\n', 'csv');
    expect(await loadDataset(a, 'jsonl').catch((e) => e.message)).toMatch(/is not a JSON Lines event file: 0 of 2/);
    const b = await place('taobao', '{"type":"view"}\n', 'json');
    expect(await loadDataset(b, 'taobao').catch((e) => e.message)).toMatch(/is not a Taobao UserBehavior\.csv file/);
  });

  it('one parsed line is enough: the rest are counted as usual; skipped lines count as parsed', async () => {
    const path = await place('movielens', 'x\ny\n1\t10\t4\t881250949\n', 'one');
    const { report } = await loadDataset(path, 'movielens');
    expect(report).toMatchObject({ lines: 3, accepted: 1, rejected: 2 });
    const retail = await place(
      'online-retail',
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n' +
        '536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,12583,France\n',
      'skipped',
    );
    expect((await loadDataset(retail, 'online-retail')).report).toMatchObject({ lines: 1, skipped: 1 });
  });

  it('an empty or header-only file is still fine (zero lines)', async () => {
    const path = await place('movielens', '', 'empty');
    expect((await loadDataset(path, 'movielens')).report.lines).toBe(0);
  });
});
