import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));

/**
 * A fixture folder laid out as the dataset ships: the repo keeps its files under neutral names (never
 * the names of the licensed originals), so copy them to the original file names in a temporary folder.
 */
async function releaseDir(folder: string, names: ReadonlyMap<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'encore-fixture-'));
  for (const name of await readdir(fixture(folder)))
    await copyFile(join(fixture(folder), name), join(dir, names.get(name) ?? name));
  return dir;
}

const ML100K = new Map([['ratings.tsv', 'u.data']]);
const ML1M = new Map([['ratings-sample.dat', 'ratings.dat']]);

describe('movielens (ML-100k)', () => {
  it('loads u.data as rate events with ms timestamps, from the file or its directory', async () => {
    const dir = await releaseDir('movielens/ml-100k', ML100K);
    for (const path of [dir, join(dir, 'u.data')]) {
      const { log, report, path: resolved } = await loadDataset(path, 'movielens');
      expect(resolved).toBe(join(dir, 'u.data'));
      expect(report).toMatchObject({ lines: 5, accepted: 5, rejected: 0, skipped: 0 });
      expect(report.counts).toMatchObject({ events: 5, 'events.rate': 5, catalogItems: 3 });
      expect(log.user.ids.ids()).toEqual(['1', '2', '3']);
      expect(log.item.ids.ids()).toEqual(['10', '20', '30']);
      expect(eventAt(log, 0)).toMatchObject({
        type: 'rate',
        userId: '1',
        itemId: '10',
        rating: 4,
        timestamp: 881250949000,
      });
    }
  });

  it('fills the catalog from u.item, decoded as Latin-1', async () => {
    const { catalog, report } = await loadDataset(await releaseDir('movielens/ml-100k', ML100K), 'movielens');
    expect(report.catalogFile).toMatchObject({ lines: 3, accepted: 3, rejected: 0 });
    expect(catalog.get('10')).toMatchObject({ title: 'Toy Story (1995)', categoryPath: ['Animation'] });
    expect(catalog.get('10')?.attributes?.get('genres')).toBe("Animation|Children's|Comedy");
    expect(catalog.get('10')?.attributes?.get('releaseDate')).toBe('1995-01-01');
    const miserables = catalog.get('20');
    expect(miserables?.title).toBe('Misérables, Les (1995)');
    expect(miserables?.categoryPath).toEqual(['Drama']);
    expect(miserables?.attributes?.get('releaseDate')).toBe('1971-02-04');
    expect(catalog.get('30')).toMatchObject({ title: 'unknown', categoryPath: ['unknown'] });
    expect(catalog.get('30')?.attributes?.has('releaseDate')).toBe(false);
  });

  it('counts every malformed line with its number and reason and keeps the good ones', async () => {
    const { log, report, catalog } = await loadDataset(await releaseDir('movielens/malformed', ML100K), 'movielens');
    expect(report).toMatchObject({ lines: 9, accepted: 3, rejected: 6, skipped: 0 });
    expect(report.rejectedSamples).toEqual([
      { line: 3, reason: 'expected 4 tab-separated fields (user, item, rating, timestamp), found 3' },
      { line: 4, reason: 'user id must be a non-negative integer, found "x"' },
      { line: 5, reason: 'rating must be a number in [-10, 10], found "NaN"' },
      { line: 6, reason: 'timestamp must be Unix seconds (digits), found "88125x"' },
      { line: 8, reason: 'rating must be a number in [-10, 10], found "11"' },
      { line: 9, reason: 'item id must be a non-negative integer, found ""' },
    ]);
    expect(log.length).toBe(3);
    expect(eventAt(log, 2)).toMatchObject({ userId: '4', itemId: '40', rating: 4.5 });
    // the side file's bad lines are reported on their own
    expect(report.catalogFile).toMatchObject({ lines: 4, accepted: 2, rejected: 2 });
    expect(report.catalogFile?.rejectedSamples).toEqual([
      { line: 2, reason: 'expected 24 "|"-separated fields (id, title, dates, URL, 19 genre flags), found 3' },
      { line: 3, reason: 'duplicate id "10", expected each id once' },
    ]);
    expect([...catalog.keys()]).toEqual(['10', '30']);
  });

  it('strict mode stops at the first bad line, naming it', async () => {
    const dir = await releaseDir('movielens/malformed', ML100K);
    const error = await loadDataset(dir, 'movielens', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details).toEqual({
      line: 3,
      reason: 'expected 4 tab-separated fields (user, item, rating, timestamp), found 3',
      path: join(dir, 'u.data'),
    });
  });
});

describe('movielens-1m (ML-1M / ML-10M)', () => {
  it('loads ratings.dat and the Latin-1 movies.dat beside it', async () => {
    const { log, catalog, report } = await loadDataset(await releaseDir('movielens-1m', ML1M), 'movielens-1m');
    expect(report).toMatchObject({ lines: 4, accepted: 4, rejected: 0, skipped: 0 });
    expect(eventAt(log, 0)).toMatchObject({
      type: 'rate',
      userId: '1',
      itemId: '2001',
      rating: 5,
      timestamp: 979000760000,
    });
    expect(eventAt(log, 3).rating).toBe(3.5);
    expect(catalog.size).toBe(3);
    expect(catalog.get('3')).toMatchObject({ title: 'Misérables, Les (1995)', categoryPath: ['Drama'] });
    expect(catalog.get('3')?.attributes?.get('genres')).toBe('Drama|Romance');
    expect(catalog.get('3')?.attributes?.get('year')).toBe(1995);
    expect(catalog.get('2002')?.categoryPath).toEqual(['Animation']);
  });

  it('counts malformed rating lines', async () => {
    const { report, catalog } = await loadDataset(
      join(await releaseDir('movielens-1m-malformed', ML1M), 'ratings.dat'),
      'movielens-1m',
    );
    expect(report).toMatchObject({ lines: 7, accepted: 2, rejected: 5, skipped: 0 });
    expect(report.rejectedSamples).toEqual([
      { line: 2, reason: 'expected 4 "::"-separated fields (user, item, rating, timestamp), found 1' },
      { line: 3, reason: 'expected 4 "::"-separated fields (user, item, rating, timestamp), found 3' },
      { line: 4, reason: 'user id must be a non-negative integer, found "a"' },
      { line: 5, reason: 'rating must be a number in [-10, 10], found "five"' },
      { line: 6, reason: 'timestamp must be Unix seconds (digits), found ""' },
    ]);
    expect(catalog.size).toBe(0);
    expect(report.catalogFile).toBeUndefined();
  });
});
