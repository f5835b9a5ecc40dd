import { dirname } from 'node:path';
import { type CatalogItem, checkTimestamp, eventTypeCode, MAX_TITLE_LENGTH, RATING_RANGE } from '@encore/core';
import { readCatalogFile, type Warn } from '../catalog-file.js';
import { cutText, idProblem, isDigits, ownString, parseDigits, show, splitPlain, splitQuoted } from '../fields.js';
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

/** The header of MovieLens' current `ratings.csv` (ml-latest, ml-latest-small, ml-20m, ml-25m, ml-32m). */
const RATINGS_CSV_HEADER = 'userId,movieId,rating,timestamp';

/**
 * One rating line: `user SEP item SEP rating SEP unix-seconds` → a `rate` event. Shared by ML-100k
 * (tab) and ML-1M / ML-10M (`::`). With `detectCsv` (the `movielens` format), a first line that is
 * exactly `userId,movieId,rating,timestamp` makes the file MovieLens' current `ratings.csv`:
 * that header is not data, the separator is a comma, and the catalog comes from `movies.csv`.
 */
function createRatingParser(
  context: ParseContext,
  separator: string,
  readCatalog: (context: ParseContext) => Promise<FormatResult>,
  detectCsv: boolean,
): FormatParser {
  const { sink, tally, options } = context;
  const { timeRange } = options;
  const cells: string[] = [];
  const fields = emptyRowFields();
  let sep = separator;
  let shape = `${separator === '\t' ? 'tab' : JSON.stringify(separator)}-separated fields (user, item, rating, timestamp)`;
  let catalog = readCatalog;

  const line: FormatParser['line'] = (line, lineNo) => {
    const n = splitPlain(line, sep, cells);
    if (n !== 4) return tally.reject(lineNo, `expected 4 ${shape}, found ${n}`);
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
    const secondsText = cells[3] as string;
    const seconds = parseDigits(secondsText);
    if (seconds < 0) return tally.reject(lineNo, `timestamp must be Unix seconds (digits), found ${show(secondsText)}`);
    const timeProblem = checkTimestamp(seconds * 1000, timeRange);
    if (timeProblem !== undefined) return tally.reject(lineNo, `timestamp ${timeProblem}, found ${show(secondsText)}`);
    fields.userId = user;
    fields.itemId = item;
    fields.rating = rating;
    sink.add(RATE, seconds * 1000, fields);
    tally.accept();
  };

  return {
    header: detectCsv
      ? (first, lineNo) => {
          if (first.trim() === RATINGS_CSV_HEADER) {
            sep = ',';
            shape = 'comma-separated fields (userId, movieId, rating, timestamp)';
            catalog = readMoviesCsv;
            return;
          }
          // u.data has no header: its first line is data like the others.
          tally.lines++;
          line(first, lineNo);
        }
      : undefined,
    line,
    finish: () => catalog(context),
  };
}

/**
 * ML-100k: `u.data`, catalog from `u.item` (ISO-8859-1) beside it; or MovieLens' current
 * `ratings.csv` (detected by its header), catalog from `movies.csv` beside it. A directory is read
 * through the first of `u.data`, `ratings.csv` it holds.
 */
export const MOVIELENS_100K: FormatSpec = {
  defaultFiles: ['u.data', 'ratings.csv'],
  what: 'a MovieLens u.data or ratings.csv file',
  encoding: 'utf8',
  countKeys: ['catalogItems'],
  skipKeys: [],
  create: (context) => createRatingParser(context, '\t', readUItem, true),
};

/** ML-1M and ML-10M: `ratings.dat`; catalog from `movies.dat` beside it when present. */
export const MOVIELENS_1M: FormatSpec = {
  defaultFiles: ['ratings.dat'],
  what: 'a MovieLens ratings.dat file',
  encoding: 'utf8',
  countKeys: ['catalogItems'],
  skipKeys: [],
  create: (context) => createRatingParser(context, '::', readMoviesDat, false),
};

/** A catalog title: empty → none; over MAX_TITLE_LENGTH → cut, with a `titleTruncated` warning. */
function title(text: string, warn: Warn): string | undefined {
  if (text.length === 0) return undefined;
  if (text.length <= MAX_TITLE_LENGTH) return ownString(text);
  warn('titleTruncated', `title of ${text.length} characters cut to ${MAX_TITLE_LENGTH} (MAX_TITLE_LENGTH)`);
  return ownString(cutText(text, MAX_TITLE_LENGTH));
}

async function readUItem(context: ParseContext): Promise<FormatResult> {
  const file = await findSideFile(dirname(context.path), ['u.item', 'u.item.gz']);
  if (file === null) return { catalog: new Map() };
  const cells: string[] = [];
  const { catalog, report } = await readCatalogFile(context, file, 'latin1', 'a MovieLens u.item file', (line, warn) =>
    parseUItemLine(line, cells, warn),
  );
  context.tally.count('catalogItems', catalog.size);
  return { catalog, catalogFile: report };
}

/**
 * `movie id | title | release date | video release date | IMDb URL | 19 genre flags` →
 * title, categoryPath [first genre], attributes genres (joined with `|`), releaseDate (ISO), imdbUrl.
 */
function parseUItemLine(line: string, cells: string[], warn: Warn): CatalogItem | string {
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
  return {
    id,
    title: title(cells[1] as string, warn),
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
  const { catalog, report } = await readCatalogFile(
    context,
    file,
    encoding,
    'a MovieLens movies.dat file',
    (line, warn) => parseMoviesDatLine(line, cells, warn),
  );
  context.tally.count('catalogItems', catalog.size);
  return { catalog, catalogFile: report };
}

async function readMoviesCsv(context: ParseContext): Promise<FormatResult> {
  const file = await findSideFile(dirname(context.path), ['movies.csv', 'movies.csv.gz']);
  if (file === null) return { catalog: new Map() };
  const cells: string[] = [];
  const { catalog, report } = await readCatalogFile(
    context,
    file,
    'utf8',
    'a MovieLens movies.csv file',
    (line, warn) => parseMoviesCsvLine(line, cells, warn),
    'movieId,title,genres',
  );
  context.tally.count('catalogItems', catalog.size);
  return { catalog, catalogFile: report };
}

/** `movieId,title,genres` (RFC 4180 quotes around titles with commas) → as parseMoviesDatLine. */
function parseMoviesCsvLine(line: string, cells: string[], warn: Warn): CatalogItem | string {
  const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
  if (typeof n === 'string') return n;
  if (n !== 3) return `expected 3 comma-separated fields (movieId, title, genres), found ${n}`;
  return movie(cells, warn);
}

/**
 * `MovieID::Title::Genres` (genres `|`-separated, `(no genres listed)` for none) → title,
 * categoryPath [first genre], attributes genres and year (from the `(1995)` ending the title).
 */
function parseMoviesDatLine(line: string, cells: string[], warn: Warn): CatalogItem | string {
  const n = splitPlain(line, '::', cells);
  if (n !== 3) return `expected 3 "::"-separated fields (id, title, genres), found ${n}`;
  return movie(cells, warn);
}

/** `[id, title, genres]` of movies.dat or movies.csv → a catalog item, or a rejection reason. */
function movie(cells: readonly string[], warn: Warn): CatalogItem | string {
  const id = cells[0] as string;
  if (!isDigits(id)) return `movie id must be a non-negative integer, found ${show(id)}`;
  const name = cells[1] as string;
  const genreText = cells[2] as string;
  const genres = genreText.length === 0 || genreText === '(no genres listed)' ? [] : genreText.split('|');
  for (const genre of genres) {
    const problem = idProblem(genre);
    if (problem) return `genre ${problem}, found ${show(genre)}`;
  }
  const attributes = new Map<string, string | number | boolean>();
  if (genres.length > 0) attributes.set('genres', ownString(genreText));
  const trimmed = name.trimEnd();
  if (trimmed.endsWith(')') && trimmed.charCodeAt(trimmed.length - 6) === 40) {
    const year = parseDigits(trimmed.slice(trimmed.length - 5, trimmed.length - 1));
    if (year > 0) attributes.set('year', year);
  }
  return {
    id,
    title: title(name, warn),
    categoryPath: genres.length > 0 ? [ownString(genres[0] as string)] : undefined,
    attributes,
  };
}
