import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { EncoreError, ErrorCode, isEncoreError } from '@encore/core';
import type { Tally } from './tally.js';

/** Bytes per read (and per decompressed chunk): big reads keep the per-chunk overhead negligible. */
const CHUNK_BYTES = 1 << 20;
/** A line longer than this is not a text data file (or has lost its line breaks). */
const MAX_LINE_CHARS = 64 << 20;
/**
 * A NUL byte in the first line of a file, looked for within this many bytes, marks the file as
 * binary: the first line of a text data file never holds one, while executables, archives and
 * UTF-16 text hold one within their first bytes (git looks for a NUL in the first 8 KiB; only the
 * first line here, so that a NUL in a later line stays an ordinary bad line, counted).
 */
export const SNIFF_BYTES = 8192;
/**
 * A file whose first this many data lines were all rejected (none accepted or skipped) is not a
 * file of the format asked for; a shorter file, when none of its lines was.
 */
export const FOREIGN_LINES = 1000;

/** A file resolved and checked before reading. */
export interface InputFile {
  readonly path: string;
  readonly size: number;
}

/**
 * Resolves `path` to a readable regular file. A directory is accepted when it holds one of
 * `defaultFiles` (the first found is read). FILE_NOT_FOUND otherwise.
 */
export async function resolveInputFile(
  where: string,
  path: string,
  defaultFiles: readonly string[] = [],
): Promise<InputFile> {
  let info = await statOrNull(path);
  let resolved = path;
  if (info?.isDirectory() && defaultFiles.length > 0) {
    const dir = path;
    resolved = join(dir, defaultFiles[0] as string);
    info = null;
    for (const name of defaultFiles) {
      const candidate = await statOrNull(join(dir, name));
      if (candidate !== null) {
        resolved = join(dir, name);
        info = candidate;
        break;
      }
    }
  }
  const defaultFile = defaultFiles.join(' or ');
  if (info === null) {
    throw new EncoreError(ErrorCode.FILE_NOT_FOUND, `${where}: no such file ${resolved}, expected a readable file`, {
      value: resolved,
    });
  }
  if (!info.isFile()) {
    throw new EncoreError(
      ErrorCode.FILE_NOT_FOUND,
      `${where}: ${resolved} is not a regular file, expected a data file${defaultFile ? ` or a directory holding ${defaultFile}` : ''}`,
      { value: resolved },
    );
  }
  return { path: resolved, size: info.size };
}

/** The first of `names` that exists as a file in `dir`, or null (for optional side files). */
export async function findSideFile(dir: string, names: readonly string[]): Promise<InputFile | null> {
  for (const name of names) {
    const path = join(dir, name);
    const info = await statOrNull(path);
    if (info?.isFile()) return { path, size: info.size };
  }
  return null;
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new EncoreError(
      ErrorCode.FILE_NOT_FOUND,
      `datasets: cannot read ${path} (${code}), expected a readable file`,
      {
        value: path,
      },
      { cause: error },
    );
  }
}

/** Receives the non-blank lines of a file. */
export interface LineHandler {
  /** When present, receives the first non-blank line (the header) instead of `line`. */
  readonly header?: ((line: string, lineNo: number) => void) | undefined;
  /** Receives each non-blank data line with its 1-based physical line number. */
  line(line: string, lineNo: number): void;
  /**
   * When present, receives each data line instead of `line`, as the range [start, end) of `text`
   * (CR dropped, never blank), so a parser can read its cells in place without slicing the line.
   * `text` is usually a whole 1 MiB chunk: a long slice of it is a view that keeps the chunk alive,
   * so copy what is kept for long (IdMap.internRange copies the new ids it stores).
   */
  readonly lineIn?: ((text: string, start: number, end: number, lineNo: number) => void) | undefined;
}

/** How to read one file. */
export interface ReadSpec {
  readonly where: string;
  /** What the file should be, with its article, for messages: `a Taobao UserBehavior.csv file`. */
  readonly what: string;
  readonly file: InputFile;
  readonly encoding: 'utf8' | 'latin1';
  readonly signal: AbortSignal | null;
  readonly onProgress: ((bytesRead: number, totalBytes: number) => void) | null;
}

/**
 * Streams `spec.file` (gunzipped when its name ends in `.gz`), splits it into lines itself and hands
 * each non-blank line to `handler`, counting data lines in `tally.lines`. Yields after each chunk so
 * a caller can hand on what the chunk produced.
 *
 * Lines end at LF; a CR before the LF is dropped (CRLF files); the last line needs no newline; a
 * UTF-8 byte order mark at the start of the file is dropped. Blank (empty or whitespace-only) lines
 * are not data but keep their line number. Invalid UTF-8 decodes to U+FFFD.
 *
 * Byte order marks anywhere else are stripped from their line before it is handed on, and the line
 * counted as a `byteOrderMark` warning (strict mode: PARSE_ERROR): they would otherwise join a
 * field (`\ufeffC536379` is no cancellation).
 *
 * A file that is plainly not what `spec.what` says is one PARSE_ERROR, whatever the format: gzip
 * data in a file not named `.gz`, a NUL byte in its first line (binary, or UTF-16 text; looked for
 * within the first SNIFF_BYTES bytes), or no line accepted or skipped among its first FOREIGN_LINES
 * data lines (or all of them, in a shorter file).
 */
export async function* readLines(spec: ReadSpec, handler: LineHandler, tally: Tally): AsyncGenerator<void, void> {
  const { file, signal, onProgress } = spec;
  signal?.throwIfAborted();
  const raw = createReadStream(file.path, { highWaterMark: CHUNK_BYTES });
  const stream: Readable = file.path.endsWith('.gz')
    ? pipeline(raw, createGunzip({ chunkSize: CHUNK_BYTES }), () => {})
    : raw;
  const decoder = spec.encoding === 'utf8' ? new StringDecoder('utf8') : null;
  const mark = spec.encoding === 'utf8' ? '\ufeff' : '\u00ef\u00bb\u00bf';
  let headerPending = handler.header !== undefined;
  let lineNo = 0;
  let carry = '';
  let first = true;
  let sniffed = 0;

  const dispatch = (text: string, start: number, end: number): void => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (isBlank(text, start, end)) return;
    if (headerPending) {
      headerPending = false;
      handler.header?.(text.slice(start, end), lineNo);
      return;
    }
    tally.lines++;
    if (handler.lineIn !== undefined) handler.lineIn(text, start, end, lineNo);
    else handler.line(text.slice(start, end), lineNo);
    if (tally.lines === FOREIGN_LINES && tally.accepted + tally.skipped === 0) throw foreignFile(spec, tally);
  };

  /** A line holding byte order marks: stripped and counted, then handed on like any other. */
  const dispatchRepaired = (line: string): void => {
    const parts = line.split(mark);
    const marks = parts.length - 1;
    tally.warn(
      lineNo,
      'byteOrderMark',
      `stripped ${marks === 1 ? '1 byte order mark' : `${marks} byte order marks`} (U+FEFF) inside the line, expected one only at the start of the file`,
    );
    const repaired = parts.join('');
    dispatch(repaired, 0, repaired.length);
  };

  /** `text[start, end)` as one line, repaired when it holds a mark (`mark` < 0: it does not). */
  const dispatchLine = (text: string, start: number, end: number, markAt: number): void => {
    if (markAt >= start && markAt < end) dispatchRepaired(text.slice(start, end));
    else dispatch(text, start, end);
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      if (sniffed >= 0) {
        if (sniffed === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) throw binaryFile(spec, 0, true);
        const lf = chunk.indexOf(10);
        const head = chunk.subarray(0, Math.min(lf < 0 ? chunk.length : lf, SNIFF_BYTES - sniffed));
        const nul = head.indexOf(0);
        if (nul >= 0) throw binaryFile(spec, sniffed + nul, false);
        sniffed = lf >= 0 || sniffed + chunk.length >= SNIFF_BYTES ? -1 : sniffed + chunk.length;
      }
      let text = decoder === null ? chunk.toString('latin1') : decoder.write(chunk);
      if (first && text.length > 0) {
        first = false;
        text = dropByteOrderMark(text, spec.encoding);
      }
      let start = 0;
      if (carry.length > 0) {
        // The line that spans the chunk boundary is joined on its own: prefixing the carry to the
        // whole chunk would make every line of it a view into a concatenation (slow to read).
        const nl = text.indexOf('\n');
        if (nl < 0) {
          text = carry + text;
        } else {
          const joined = carry + text.slice(0, nl);
          lineNo++;
          dispatchLine(joined, 0, joined.length, joined.indexOf(mark));
          start = nl + 1;
        }
      }
      // The next mark at or after `start`, found once per chunk and then once per line holding one.
      let markAt = text.indexOf(mark, start);
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        lineNo++;
        dispatchLine(text, start, nl, markAt);
        if (markAt >= 0 && markAt < nl) markAt = text.indexOf(mark, nl + 1);
        start = nl + 1;
      }
      carry = start === 0 ? text : text.slice(start);
      if (carry.length > MAX_LINE_CHARS) {
        throw new EncoreError(
          ErrorCode.PARSE_ERROR,
          `${spec.where}: line ${lineNo + 1} of ${file.path} is longer than ${MAX_LINE_CHARS} characters, expected a line-based text file`,
          { line: lineNo + 1, reason: 'line too long', path: file.path },
        );
      }
      onProgress?.(raw.bytesRead, file.size);
      yield;
    }
    if (decoder !== null) carry += decoder.end();
    if (first) carry = dropByteOrderMark(carry, spec.encoding);
    if (carry.length > 0) {
      lineNo++;
      dispatchLine(carry, 0, carry.length, carry.indexOf(mark));
    }
    if (tally.lines > 0 && tally.accepted + tally.skipped === 0) throw foreignFile(spec, tally);
    yield;
  } catch (error) {
    throw streamError(spec, error);
  } finally {
    raw.destroy();
    stream.destroy();
  }
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function dropByteOrderMark(text: string, encoding: 'utf8' | 'latin1'): string {
  if (encoding === 'utf8') return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return text.startsWith('\u00ef\u00bb\u00bf') ? text.slice(3) : text;
}

/** The PARSE_ERROR of gzip data (no valid text starts with 1f 8b) or a NUL byte in the first line. */
function binaryFile(spec: ReadSpec, byte: number, gzip: boolean): EncoreError {
  const { where, what, file } = spec;
  const reason = gzip
    ? `it is gzip-compressed: name it .gz (or gunzip it)`
    : `it holds a NUL byte at byte ${byte}, so it is binary or UTF-16, expected UTF-8 text`;
  return new EncoreError(ErrorCode.PARSE_ERROR, `${where}: ${file.path} is not ${what}: ${reason}`, {
    path: file.path,
    byte,
    reason,
  });
}

/** The PARSE_ERROR of a file none of whose first lines parsed (`tally.firstRejection` is set). */
function foreignFile(spec: ReadSpec, tally: Tally): EncoreError {
  const { where, what, file } = spec;
  const first = tally.firstRejection ?? { line: 0, reason: 'no line parsed' };
  const reason = `0 of ${tally.lines} lines parsed; first problem on line ${first.line}: ${first.reason}`;
  return new EncoreError(ErrorCode.PARSE_ERROR, `${where}: ${file.path} is not ${what}: ${reason}`, {
    path: file.path,
    line: first.line,
    lines: tally.lines,
    reason,
  });
}

/** Maps I/O and zlib failures to EncoreErrors; our own errors and abort reasons pass through. */
function streamError(spec: ReadSpec, error: unknown): unknown {
  if (isEncoreError(error) || (spec.signal?.aborted && error === spec.signal.reason)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new EncoreError(
      ErrorCode.PARSE_ERROR,
      `${spec.where}: ${spec.file.path} is not valid gzip data (${code}), expected a .gz file made by gzip`,
      { path: spec.file.path, reason: String((error as Error).message) },
      { cause: error },
    );
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'EPERM') {
    return new EncoreError(
      ErrorCode.FILE_NOT_FOUND,
      `${spec.where}: cannot read ${spec.file.path} (${code})`,
      {
        value: spec.file.path,
      },
      { cause: error },
    );
  }
  return error;
}

/**
 * 'utf8' when the whole file is valid UTF-8, else 'latin1' (old MovieLens side files are
 * ISO-8859-1, newer ones UTF-8; a Latin-1 file with accents is almost never valid UTF-8).
 */
export async function detectEncoding(file: InputFile): Promise<'utf8' | 'latin1'> {
  const raw = createReadStream(file.path, { highWaterMark: CHUNK_BYTES });
  const stream: Readable = file.path.endsWith('.gz') ? pipeline(raw, createGunzip(), () => {}) : raw;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return 'utf8';
  } catch (error) {
    if (error instanceof TypeError) return 'latin1';
    throw streamError(
      { where: 'datasets', what: 'a file', file, encoding: 'utf8', signal: null, onProgress: null },
      error,
    );
  } finally {
    raw.destroy();
    stream.destroy();
  }
}
