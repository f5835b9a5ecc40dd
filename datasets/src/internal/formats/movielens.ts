import { dirname } from 'node:path';
import { type CatalogItem, eventTypeCode, RATING_RANGE } from '@encore/core';
import { readCatalogFile } from '../catalog-file.js';
import { isDigits, ownString, parseDigits, show, splitPlain } from '../fields.js';
import {
  emptyRowFields,
  type FormatParser,
  type FormatResult,
  type FormatSpec,
  type ParseContext,
} from '../format-spec.js';
import { detectEncoding, findSideFile } from '../reader.js';

const RATE = eventTypeCode('rate');

/** The 19 genre flags of ML-100k `u.item`, in column order (as listed in `u.genre`). */
const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * One rating line: `user SEP item SEP rating SEP unix-seconds` → a `rate` event. Shared by ML-100k
 * (tab) and ML-1M / ML-10M (`::`).
 */
function createRatingParser(
  context: ParseContext,
  separator: string,
  readCatalog: (context: ParseContext) => Promise<FormatResult>,
): FormatParser {
  const { sink, tally } = context;
  const cells: string[] = [];
  const fields = emptyRowFields();
  const sepName = separator === '\t' ? 'tab' : JSON.stringify(separator);
  return {
    line(line, lineNo) {
      const n = splitPlain(line, separator, cells);
      if (n !== 4) {
        return tally.reject(
          lineNo,
          `expected 4 ${sepName}-separated fields (user, item, rating, timestamp), found ${n}`,
        );
      }
      const user = cells[0] as string;
      const item = cells[1] as string;
      const ratingText = cells[2] as string;
      if (!isDigits(user)) return tally.reject(lineNo, `user id must be a non-negative integer, found ${show(user)}`);
      if (!isDigits(item)) return tally.reject(lineNo, `item id must be a non-negative integer, found ${show(item)}`);
      const rating = ratingText.length === 0 ? Number.NaN : Number(ratingText);
      if (!(rating >= RATING_RANGE.min && rating <= RATING_RANGE.max)) {
        return tally.reject(
          lineNo,
          `rating must be a number in [${RATING_RANGE.min}, ${RATING_RANGE.max}], found ${show(ratingText)}`,
        );
      }
      const seconds = parseDigits(cells[3] as string);
      if (seconds < 0)
        return tally.reject(lineNo, `timestamp must be Unix seconds (digits), found ${show(cells[3] as string)}`);
      fields.userId = user;
      fields.itemId = item;
      fields.rating = rating;
      sink.add(RATE, seconds * 1000, fields);
      tally.accept();
    },
    finish: () => readCatalog(context),
  };
}

/** ML-100k: `u.data`; catalog from `u.item` (ISO-8859-1) beside it when present. */
export const MOVIELENS_100K: FormatSpec = {
  defaultFile: 'u.data',
  encoding: 'utf8',
  countKeys: ['catalogItems'],
  skipKeys: [],
  create: (context) => createRatingParser(context, '\t', readUItem),
};

/** ML-1M and ML-10M: `ratings.dat`; catalog from `movies.dat` beside it when present. */
export const MOVIELENS_1M: FormatSpec = {
  defaultFile: 'ratings.dat',
  encoding: 'utf8',
  countKeys: ['catalogItems'],
  skipKeys: [],
  create: (context) => createRatingParser(context, '::', readMoviesDat),
};

async function readUItem(context: ParseContext): Promise<FormatResult> {
  const file = await findSideFile(dirname(context.path), ['u.item', 'u.item.gz']);
  if (file === null) return { catalog: new Map() };
  const cells: string[] = [];
  const { catalog, report } = await readCatalogFile(context, file, 'latin1', (line) => parseUItemLine(line, cells));
  context.tally.count('catalogItems', catalog.size);
  return { catalog, catalogFile: report };
}

/**
 * `movie id | title | release date | video release date | IMDb URL | 19 genre flags` →
 * title, categoryPath [first genre], attributes genres (joined with `|`), releaseDate (ISO), imdbUrl.
 */
function parseUItemLine(line: string, cells: string[]): CatalogItem | string {
  const n = splitPlain(line, '|', cells);
  if (n !== 24) return `expected 24 "|"-separated fields (id, title, dates, URL, 19 genre flags), found ${n}`;
  const id = cells[0] as string;
  if (!isDigits(id)) return `movie id must be a non-negative integer, found ${show(id)}`;
  const genres: string[] = [];
  for (let g = 0; g < ML100K_GENRES.length; g++) {
    const flag = cells[5 + g];
    if (flag === '1') genres.push(ML100K_GENRES[g] as string);
    else if (flag !== '0') return `genre flag ${ML100K_GENRES[g]} must be 0 or 1, found ${show(flag ?? '')}`;
  }
  const attributes = new Map<string, string | number | boolean>();
  if (genres.length > 0) attributes.set('genres', genres.join('|'));
  const releaseDate = isoDate(cells[2] as string);
  if (releaseDate !== undefined) attributes.set('releaseDate', releaseDate);
  const url = cells[4] as string;
  if (url.length > 0) attributes.set('imdbUrl', ownString(url));
  const title = cells[1] as string;
  return {
    id,
    title: title.length > 0 ? ownString(title) : undefined,
    categoryPath: genres.length > 0 ? [genres[0] as string] : undefined,
    attributes,
  };
}

/** `01-Jan-1995` (day may have one digit) → `1995-01-01`; undefined when it is not such a date. */
function isoDate(text: string): string | undefined {
  const first = text.indexOf('-');
  const second = text.indexOf('-', first + 1);
  if (first < 1 || second < 0) return undefined;
  const day = parseDigits(text.slice(0, first));
  const month = MONTHS.indexOf(text.slice(first + 1, second)) + 1;
  const yearText = text.slice(second + 1);
  const year = parseDigits(yearText);
  if (day < 1 || day > 31 || month < 1 || yearText.length !== 4 || year < 0) return undefined;
  return `${yearText}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

async function readMoviesDat(context: ParseContext): Promise<FormatResult> {
  const file = await findSideFile(dirname(context.path), ['movies.dat', 'movies.dat.gz']);
  if (file === null) return { catalog: new Map() };
  // ML-1M writes ISO-8859-1, later releases UTF-8: take UTF-8 when the file is valid UTF-8.
  const encoding = await detectEncoding(file);
  const cells: string[] = [];
  const { catalog, report } = await readCatalogFile(context, file, encoding, (line) => parseMoviesDatLine(line, cells));
  context.tally.count('catalogItems', catalog.size);
  return { catalog, catalogFile: report };
}

/**
 * `MovieID::Title::Genres` (genres `|`-separated, `(no genres listed)` for none) → title,
 * categoryPath [first genre], attributes genres and year (from the `(1995)` ending the title).
 */
function parseMoviesDatLine(line: string, cells: string[]): CatalogItem | string {
  const n = splitPlain(line, '::', cells);
  if (n !== 3) return `expected 3 "::"-separated fields (id, title, genres), found ${n}`;
  const id = cells[0] as string;
  if (!isDigits(id)) return `movie id must be a non-negative integer, found ${show(id)}`;
  const title = cells[1] as string;
  const genreText = cells[2] as string;
  const genres = genreText.length === 0 || genreText === '(no genres listed)' ? [] : genreText.split('|');
  const attributes = new Map<string, string | number | boolean>();
  if (genres.length > 0) attributes.set('genres', ownString(genreText));
  const trimmed = title.trimEnd();
  if (trimmed.endsWith(')') && trimmed.charCodeAt(trimmed.length - 6) === 40) {
    const year = parseDigits(trimmed.slice(trimmed.length - 5, trimmed.length - 1));
    if (year > 0) attributes.set('year', year);
  }
  return {
    id,
    title: title.length > 0 ? ownString(title) : undefined,
    categoryPath: genres.length > 0 ? [ownString(genres[0] as string)] : undefined,
    attributes,
  };
}
