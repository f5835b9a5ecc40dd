import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_FORMATS, INTERACTION_EVENTS, loadDataset, parseColumnMapping } from './index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const tmp = await mkdtemp(join(tmpdir(), 'encore-columns-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('parseColumnMapping (what --columns will pass)', () => {
  it('reads field=column pairs into the column → field map of options.columns', () => {
    const columns = parseColumnMapping('userId=user, itemId=item,rating=rating,timestamp=timestamp');
    expect(columns).toEqual(
      new Map([
        ['user', 'userId'],
        ['item', 'itemId'],
        ['rating', 'rating'],
        ['timestamp', 'timestamp'],
      ]),
    );
    // a column name may hold '=' and spaces inside (only the first '=' splits; the ends are trimmed)
    expect(parseColumnMapping('userId=Customer ID,itemId=a=b')).toEqual(
      new Map([
        ['Customer ID', 'userId'],
        ['a=b', 'itemId'],
      ]),
    );
    // hostile names are plain Map keys
    expect(parseColumnMapping('userId=__proto__').get('__proto__')).toBe('userId');
  });

  it.each([
    ['', 'must name at least one field=column pair', undefined],
    ['userId=user,,itemId=item', 'pair 2 "" is empty', ''],
    ['userId', 'pair 1 "userId" has no "="', 'userId'],
    ['user=userId', 'pair 1 "user=userId": "user" is not an event field', 'user=userId'],
    ['userId=', 'pair 1 "userId=": the column name is empty', 'userId='],
    ['userId=a,userId=b', 'pair 2 "userId=b" maps userId a second time', 'userId=b'],
    ['userId=a,itemId=a', 'pair 2 "itemId=a" maps column "a" a second time', 'itemId=a'],
  ])('%j is an INVALID_ARGUMENT naming the pair', (text, message, pair) => {
    let error: unknown;
    try {
      parseColumnMapping(text);
    } catch (e) {
      error = e;
    }
    expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((error as Error).message).toContain(`datasets/parseColumnMapping: ${message}`);
    if (pair !== undefined) expect((error as { details: { pair: string } }).details.pair).toBe(pair);
  });

  it('a non-string is an INVALID_ARGUMENT', () => {
    expect(() => parseColumnMapping(3 as never)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});

describe('csv: options.type for a file of one event type (what --type will pass)', () => {
  it('loads user,item,rating,timestamp with --columns and --type rate', async () => {
    const path = join(tmp, 'ratings.csv');
    await writeFile(path, 'user,item,rating,timestamp\n1,10,4.5,881250949\n2,10,9,1700000000000\n3,11,x,1\n');
    const columns = parseColumnMapping('userId=user,itemId=item,rating=rating,timestamp=timestamp');
    const { log, report } = await loadDataset(path, 'csv', { columns, type: 'rate' });
    expect(report).toMatchObject({ lines: 3, accepted: 2, rejected: 1 });
    expect(report.counts).toMatchObject({ 'events.rate': 2 });
    expect(eventAt(log, 0)).toMatchObject({
      type: 'rate',
      userId: '1',
      itemId: '10',
      rating: 4.5,
      timestamp: 881250949000,
    });
    expect(report.rejectedSamples[0]).toEqual({ line: 4, reason: 'rating must be a finite number in [-10, 10]' });
  });

  it('without --type such a file fails on its header, as before', async () => {
    const path = join(tmp, 'ratings.csv');
    const columns = parseColumnMapping('userId=user,itemId=item,rating=rating,timestamp=timestamp');
    const error = await loadDataset(path, 'csv', { columns }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.message).toMatch(/header maps no column to type.*options\.type/);
  });

  it('a type column together with options.type is a PARSE_ERROR; bad or misplaced types are INVALID_ARGUMENT', async () => {
    const both = await loadDataset(fixture('csv/plain-events.csv'), 'csv', { type: 'view' }).catch((e) => e);
    expect(isEncoreError(both, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(both.message).toMatch(/column "type".*options\.type/);
    for (const [format, options] of [
      ['csv', { type: 'click' }],
      ['csv', { type: 'view', typeMap: { a: 'view' } }],
      ['jsonl', { type: 'view' }],
    ] as const) {
      const error = await loadDataset(fixture('csv/plain-events.csv'), format, options as never).catch((e) => e);
      expect(isEncoreError(error, ErrorCode.INVALID_ARGUMENT), JSON.stringify(options)).toBe(true);
    }
  });
});

describe("movielens: MovieLens' current ratings.csv (ml-latest, ml-25m, ml-32m) is read directly", () => {
  async function latestDir(): Promise<string> {
    const dir = await mkdtemp(join(tmp, 'ml-latest-'));
    await copyFile(fixture('movielens/ml-latest/ratings-latest.csv'), join(dir, 'ratings.csv'));
    await copyFile(fixture('movielens/ml-latest/movies-latest.csv'), join(dir, 'movies.csv'));
    return dir;
  }

  it('is detected by its header, from the file or its directory, with movies.csv as the catalog', async () => {
    const dir = await latestDir();
    for (const path of [dir, join(dir, 'ratings.csv')]) {
      const { log, report, catalog, path: resolved } = await loadDataset(path, 'movielens');
      expect(resolved).toBe(join(dir, 'ratings.csv'));
      expect(report).toMatchObject({ lines: 5, accepted: 4, rejected: 1, skipped: 0 });
      expect(report.rejectedSamples).toEqual([
        { line: 5, reason: 'expected 4 comma-separated fields (userId, movieId, rating, timestamp), found 3' },
      ]);
      expect(eventAt(log, 0)).toMatchObject({
        type: 'rate',
        userId: '1',
        itemId: '1',
        rating: 4,
        timestamp: 964982703000,
      });
      expect(eventAt(log, 1).rating).toBe(0.5);
      expect(report.catalogFile).toMatchObject({ lines: 3, accepted: 3, rejected: 0 });
      expect(catalog.get('1')).toMatchObject({ title: 'Toy Story (1995)', categoryPath: ['Adventure'] });
      expect(catalog.get('1')?.attributes?.get('genres')).toBe('Adventure|Animation|Children|Comedy|Fantasy');
      expect(catalog.get('1')?.attributes?.get('year')).toBe(1995);
      expect(catalog.get('11')?.title).toBe('American President, The (1995)');
      expect(catalog.get('3')).toMatchObject({ title: 'Grumpier Old "Men" (1995)' });
      expect(catalog.get('3')?.categoryPath).toBeUndefined();
    }
  });

  it('keeps the movielens interaction events; the format list is unchanged', () => {
    expect(INTERACTION_EVENTS.movielens).toEqual(['rate']);
    expect(DATA_FORMATS).toHaveLength(8);
  });
});
