import { endianness } from 'node:os';
import { EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import { Packr } from 'msgpackr';
import { crc32Range, crc32RangeInt } from './internal/crc32.js';
import { IdTable, isAscii } from './internal/id-table.js';
import { CACHE_KINDS, type CacheKind } from './keyspace.js';

/**
 * The envelope of every cached value (little-endian):
 *
 *   bytes 0–3    magic "ENCC"
 *   byte  4      format version (CACHE_FORMAT_VERSION)
 *   byte  5      kind (1 recommendations, 2 together, 3 list, 4 model)
 *   bytes 6–7    reserved, 0
 *   bytes 8–11   payload length (uint32)
 *   bytes 12–15  CRC-32 of the payload
 *   bytes 16…    payload: msgpack
 *
 * A reader checks all of it before it unpacks, so anything that is not a whole value of this
 * format and kind is a miss with a reason (foreign, version, corrupt), never a wrong value.
 *
 * A ranked list's payload is the msgpack array `[ids, scores]` (strings, and a Float32Array as
 * msgpackr's extension 't'), or, when it carries explanations, `[ids, scores, explanations]` with
 *
 *   explanations = [sources: string[], items: string[], perEntry: int[][]]
 *
 * where perEntry[r] explains ids[r] as flat pairs [source index, item index or -1, …] into the two
 * tables (each name and item written once, however many entries share it). Explanations are plain
 * msgpack (arrays, strings, integers; no maps, no extensions), which packs the same alone or
 * inside: the payload is what `packr.pack([ids, scores, explanations])` writes. A list without
 * them is the pair, byte for byte as before explanations existed, so the format version stays 1
 * and every value written before reads as it did.
 *
 * msgpackr's default `pack` does not round-trip typed arrays (a Float32Array comes back as a
 * Buffer), so the packer uses `structuredClone: true`, which records the array types; with
 * `mapsAsObjects: false` a Map stays a Map. Each payload carries its own record definitions, so
 * any process decodes it (as engine's model files).
 */
export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 0x43434e45; // "ENCC" read as a little-endian uint32
const HEADER_BYTES = 16;
const MAX_PAYLOAD_BYTES = 0xffffffff;
const KIND_CODES: Readonly<Record<CacheKind, number>> = Object.freeze({
  recommendations: 1,
  together: 2,
  list: 3,
  model: 4,
});

const packr = new Packr({ structuredClone: true, mapsAsObjects: false });

/**
 * Why an item is in a ranked list: the candidate source that put it there ('als',
 * 'bought-together', 'popular' …) and, when the source went from one item, that item ("because you
 * bought X").
 *
 * @example
 * const why: RankedBecause = { source: 'bought-together', item: '85123A' };
 */
export interface RankedBecause {
  /** The source's name (non-empty). */
  readonly source: string;
  /** The item the source went from, when there is one. */
  readonly item?: string;
}

/**
 * A ranked item list: string item ids best first and their scores, of the same length; optionally
 * why each item is there (`because[r]` explains `ids[r]`, as many lists as ids; an empty list
 * says nothing). Lists with explanations take more bytes and a little more time to decode; the
 * ones without are encoded and decoded exactly as before explanations existed.
 *
 * @example
 * const list: RankedItems = {
 *   ids: ['sku-2', 'sku-9'],
 *   scores: Float32Array.of(0.9, 0.4),
 *   because: [[{ source: 'bought-together', item: 'sku-1' }], [{ source: 'popular' }]],
 * };
 */
export interface RankedItems {
  readonly ids: readonly string[];
  readonly scores: Float32Array;
  readonly because?: readonly (readonly RankedBecause[])[];
}

/** Model metadata: a plain object of anything msgpackr packs (typed arrays, Maps, Dates, plain data). */
export type ModelMetadata = Readonly<Record<string, unknown>>;

/** The value type of each kind. */
export interface CacheValues {
  readonly recommendations: RankedItems;
  readonly together: RankedItems;
  readonly list: RankedItems;
  readonly model: ModelMetadata;
}

/**
 * Why a read found no value:
 * - `unpublished`: the namespace has no current version yet;
 * - `absent`: no value under this id in the version read (unknown id, evicted, or an expired version);
 * - `foreign`: the bytes are not an Encore cache value (another writer's data);
 * - `version`: an Encore cache value of another format version (written by an older or newer Encore);
 * - `corrupt`: truncated, checksum mismatch, undecodable, of another kind, or not of the kind's shape.
 */
export type CacheMissReason = 'unpublished' | 'absent' | 'foreign' | 'version' | 'corrupt';
/** Every {@link CacheMissReason}. */
export const CACHE_MISS_REASONS: readonly CacheMissReason[] = Object.freeze([
  'unpublished',
  'absent',
  'foreign',
  'version',
  'corrupt',
]);

/** What decoding found: the value, or why there is none (`detail` is for logs, not for branching). */
export type CacheDecoded<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly reason: Exclude<CacheMissReason, 'unpublished' | 'absent'>;
      readonly detail: string;
    };

/**
 * Encodes one value of `kind` in its envelope. Throws INVALID_ARGUMENT when the value does not have
 * the kind's shape (ranked items: `ids` an array of strings, `scores` a Float32Array of the same
 * length, `because`, when given, an array of as many arrays of `{ source, item? }` with `source` a
 * non-empty string and `item` a string; model metadata: a plain object), LIMIT_EXCEEDED beyond
 * 4 GiB. A list without `because` is written exactly as before explanations existed.
 *
 * @example
 * const bytes = encodeCacheValue('together', { ids: ['sku-2'], scores: Float32Array.of(0.9) });
 */
export function encodeCacheValue<K extends CacheKind>(kind: K, value: CacheValues[K]): Buffer {
  const where = 'cache/encodeCacheValue';
  const code = KIND_CODES[kind];
  if (code === undefined || !Object.hasOwn(KIND_CODES, kind)) {
    throw invalidArgument(where, `kind must be one of ${CACHE_KINDS.join(', ')}`, kind);
  }
  let payload: Buffer;
  if (kind === 'model') {
    if (!isPlainObject(value)) throw invalidArgument(where, 'model metadata must be a plain object', value);
    payload = packr.pack(value);
  } else {
    const problem = rankedItemsProblem(value);
    if (problem !== null) throw invalidArgument(where, `${kind} value: ${problem}`, value);
    const { ids, scores, because } = value as RankedItems;
    const tail = because === undefined ? null : explanationBytes(because);
    const written = writeRankedItems(code, ids, scores, tail);
    if (written !== undefined) return written;
    // An array, not a record: the smallest encoding of a pair, and no field names to agree on.
    // With explanations the pair's 2-array header becomes a 3-array's, the explanations after it.
    const pair = packr.pack([ids, scores]);
    payload = tail === null ? pair : Buffer.concat([THREE_ARRAY, pair.subarray(1), tail]);
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, `${where}: value of ${payload.length} bytes, at most 4 GiB`, {
      value: payload.length,
    });
  }
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  payload.copy(bytes, HEADER_BYTES);
  return writeHeader(bytes, code);
}

/** Fills in the header of `bytes`, whose payload is in place after it. */
function writeHeader(bytes: Buffer, code: number): Buffer {
  const length = bytes.length - HEADER_BYTES;
  bytes.writeUInt32LE(MAGIC, 0);
  bytes.writeUInt8(CACHE_FORMAT_VERSION, 4);
  bytes.writeUInt8(code, 5);
  bytes.writeUInt16LE(0, 6);
  bytes.writeUInt32LE(length, 8);
  bytes.writeUInt32LE(crc32Range(bytes, HEADER_BYTES, bytes.length), 12);
  return bytes;
}

/**
 * Decodes bytes read under a key of `kind`. Never throws for bad bytes: anything but a whole value
 * of this format version and kind is `{ ok: false, reason }`. Typed arrays come back as copies, not
 * views of `bytes`.
 *
 * @example
 * const decoded = decodeCacheValue('together', bytes);
 * if (decoded.ok) decoded.value.ids;
 */
export function decodeCacheValue<K extends CacheKind>(kind: K, bytes: Uint8Array): CacheDecoded<CacheValues[K]> {
  const expected = KIND_CODES[kind];
  if (expected === undefined || !Object.hasOwn(KIND_CODES, kind)) {
    throw invalidArgument('cache/decodeCacheValue', `kind must be one of ${CACHE_KINDS.join(', ')}`, kind);
  }
  const buf = asBuffer(bytes);
  const failure = envelopeFailure(kind, buf);
  if (failure !== null) return failure;
  if (kind !== 'model') {
    const ranked = readRankedItems(buf, HEADER_BYTES);
    if (typeof ranked === 'string') return corruptExplanations(kind, ranked);
    if (ranked !== undefined) return { ok: true, value: ranked as unknown as CacheValues[K] };
  }
  let data: unknown;
  try {
    data = packr.unpack(buf.subarray(HEADER_BYTES));
  } catch (error) {
    return { ok: false, reason: 'corrupt', detail: `payload does not decode: ${(error as Error).message}` };
  }
  if (kind === 'model') {
    if (!isPlainObject(data)) return { ok: false, reason: 'corrupt', detail: 'model metadata is not an object' };
    return { ok: true, value: data as CacheValues[K] };
  }
  const arity = Array.isArray(data) ? data.length : 0;
  const pair = arity === 2 || arity === 3 ? { ids: (data as unknown[])[0], scores: (data as unknown[])[1] } : null;
  const problem =
    pair === null ? 'not an [ids, scores] or [ids, scores, explanations] array' : rankedItemsProblem(pair);
  if (problem !== null) return { ok: false, reason: 'corrupt', detail: `${kind} value: ${problem}` };
  const { ids, scores } = pair as unknown as RankedItems;
  if (arity === 2) return { ok: true, value: { ids, scores } as unknown as CacheValues[K] };
  // msgpackr unpacked the explanations too, but they are read from the bytes, by the one reader of
  // explanations there is (the fast path did not take this list: its ids are not all ASCII, say).
  const tailAt = rankedTailAt(buf, HEADER_BYTES, buf.length);
  const because =
    tailAt < 0
      ? 'explanations do not follow ids and scores'
      : readExplanations(buf, tailAt, buf.length, ids.length, ids.length);
  if (typeof because === 'string') return corruptExplanations(kind, because);
  return { ok: true, value: { ids, scores, because } as unknown as CacheValues[K] };
}

function corruptExplanations(kind: CacheKind, problem: string): Extract<CacheDecoded<never>, { ok: false }> {
  return { ok: false, reason: 'corrupt', detail: `${kind} value: explanations: ${problem}` };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Why `buf` is not a whole value of this format version and `kind` (header, length, CRC), or null. */
function envelopeFailure(kind: CacheKind, buf: Buffer): Extract<CacheDecoded<never>, { ok: false }> | null {
  if (buf.length < 4 || buf.readUInt32LE(0) !== MAGIC) {
    return { ok: false, reason: 'foreign', detail: `not an Encore cache value (${buf.length} bytes, no "ENCC" magic)` };
  }
  if (buf.length < HEADER_BYTES) {
    return { ok: false, reason: 'corrupt', detail: `truncated header: ${buf.length} of ${HEADER_BYTES} bytes` };
  }
  const version = buf.readUInt8(4);
  if (version !== CACHE_FORMAT_VERSION) {
    return {
      ok: false,
      reason: 'version',
      detail: `cache format version ${version}, this Encore reads ${CACHE_FORMAT_VERSION}; republish with this version`,
    };
  }
  const code = buf.readUInt8(5);
  if (code !== KIND_CODES[kind]) {
    const found = CACHE_KINDS.find((k) => KIND_CODES[k] === code) ?? `unknown kind ${code}`;
    return { ok: false, reason: 'corrupt', detail: `holds a ${found} value, expected ${kind}` };
  }
  const length = buf.readUInt32LE(8);
  if (buf.length - HEADER_BYTES !== length) {
    return {
      ok: false,
      reason: 'corrupt',
      detail: `payload is ${buf.length - HEADER_BYTES} bytes, header says ${length}`,
    };
  }
  if (crc32RangeInt(buf, HEADER_BYTES, buf.length) !== buf.readInt32LE(12)) {
    return { ok: false, reason: 'corrupt', detail: 'checksum mismatch' };
  }
  return null;
}

/**
 * Why `value` is not a {@link RankedItems} (ids, scores, and explanations when given), or null.
 * For encodeCacheValue and CacheReader.writeBack; not exported from the package.
 */
export function rankedItemsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'must be { ids, scores, because? }';
  const { ids, scores, because } = value as { ids?: unknown; scores?: unknown; because?: unknown };
  if (!Array.isArray(ids)) return 'ids must be an array of strings';
  if (!(scores instanceof Float32Array)) return 'scores must be a Float32Array';
  if (scores.length !== ids.length) return `${ids.length} ids but ${scores.length} scores`;
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string') return `ids[${i}] must be a string`;
  }
  return because === undefined ? null : becauseProblem(because, ids.length);
}

function becauseProblem(because: unknown, n: number): string | null {
  if (!Array.isArray(because)) return 'because must be an array, one list of { source, item? } per id';
  if (because.length !== n) return `${n} ids but ${because.length} because lists`;
  for (let r = 0; r < n; r++) {
    const list: unknown = because[r];
    if (!Array.isArray(list)) return `because[${r}] must be an array of { source, item? }`;
    for (let j = 0; j < list.length; j++) {
      const b: unknown = list[j];
      if (typeof b !== 'object' || b === null) return `because[${r}][${j}] must be { source, item? }`;
      const { source, item } = b as { source?: unknown; item?: unknown };
      if (typeof source !== 'string' || source === '') return `because[${r}][${j}].source must be a non-empty string`;
      if (item !== undefined && typeof item !== 'string') return `because[${r}][${j}].item must be a string when given`;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** msgpackr's type code of Float32Array in its typed-array extension ('t'). */
const FLOAT32_ARRAY_CODE = 7;

/** msgpack's fixstr headers (strings of 0–31 bytes) as latin1 characters. */
const FIXSTR = Array.from({ length: 32 }, (_, length) => String.fromCharCode(0xa0 | length));

/**
 * A ranked list enveloped, its payload written without msgpackr: the very bytes
 * `packr.pack([ids, scores])` gives (msgpack's shortest headers, then the Float32Array as
 * extension 't', type 7, in the platform's byte order), straight into the envelope. A publish
 * encodes every customer's list, and this takes a fraction of msgpackr's time. The ids and their
 * headers go out as one latin1 string in one native write: per-character loops (charCodeAt) are
 * several times slower in a process that loaded ioredis, whose RESP decoder subclasses String
 * (a V8 slow path for every string). Ids that are not all ASCII return undefined; msgpackr writes those.
 * With explanations (`tail`, from {@link explanationBytes}) the array has three elements, the
 * explanations last.
 */
function writeRankedItems(
  code: number,
  ids: readonly string[],
  scores: Float32Array,
  tail: Buffer | null,
): Buffer | undefined {
  const n = ids.length;
  let text = '';
  // Header characters ≥ 0x80, each one byte in latin1 but two in UTF-8: with them counted, the
  // text's UTF-8 length equals its length plus this exactly when every id is ASCII.
  let wide = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as string;
    const length = id.length;
    if (length < 0x20) {
      text += FIXSTR[length] as string;
      wide++;
    } else {
      const header = stringHeader(length);
      text += header;
      for (let c = 0; c < header.length; c++) if (header.charCodeAt(c) >= 0x80) wide++;
    }
    text += id;
  }
  if (Buffer.byteLength(text, 'utf8') !== text.length + wide) return undefined;
  const data = scores.byteLength;
  const size =
    1 +
    (n < 0x10 ? 1 : n < 0x10000 ? 3 : 5) +
    text.length +
    (data + 1 < 0x100 ? 4 : data + 1 < 0x10000 ? 5 : 7) +
    data +
    (tail === null ? 0 : tail.length);
  if (size > MAX_PAYLOAD_BYTES) return undefined;
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + size);
  let at = HEADER_BYTES;
  bytes[at++] = tail === null ? 0x92 : 0x93;
  if (n < 0x10) bytes[at++] = 0x90 | n;
  else if (n < 0x10000) {
    bytes[at++] = 0xdc;
    at = bytes.writeUInt16BE(n, at);
  } else {
    bytes[at++] = 0xdd;
    at = bytes.writeUInt32BE(n, at);
  }
  at += bytes.write(text, at, 'latin1');
  if (data + 1 < 0x100) {
    bytes[at++] = 0xc7;
    bytes[at++] = data + 1;
  } else if (data + 1 < 0x10000) {
    bytes[at++] = 0xc8;
    at = bytes.writeUInt16BE(data + 1, at);
  } else {
    bytes[at++] = 0xc9;
    at = bytes.writeUInt32BE(data + 1, at);
  }
  bytes[at++] = 0x74;
  bytes[at++] = FLOAT32_ARRAY_CODE;
  bytes.set(new Uint8Array(scores.buffer, scores.byteOffset, data), at);
  if (tail !== null) bytes.set(tail, at + data);
  return writeHeader(bytes, code);
}

/** The str 8 / 16 / 32 header of a string of `length` (≥ 32) bytes, as latin1 characters. */
function stringHeader(length: number): string {
  if (length < 0x100) return String.fromCharCode(0xd9, length);
  if (length < 0x10000) return String.fromCharCode(0xda, length >> 8, length & 0xff);
  return String.fromCharCode(0xdb, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

/**
 * A ranked list's payload as `packr.pack([ids, scores])` writes it, read without msgpackr: a
 * 2-array holding an array of ASCII strings and a Float32Array (extension 't', type 7), and
 * nothing after it; or a 3-array of the same and something after it (the explanations, which
 * this leaves to {@link readExplanations}: `counted.scoresEnd` is where they start). This is most of a cache hit's work, and msgpackr's general `unpack` (state
 * set-up, a native string-extraction call, an extension lookup) costs several times more on a
 * top-20. Anything else (non-ASCII ids, another layout, bad lengths) gives -1, and msgpackr
 * decodes it, so both paths give the same value or the same miss.
 *
 * Reads the payload p[at, end): the first `keep` ids go to `ids` (the rest are checked and
 * skipped, so a caller that wants the top 10 of 100 makes 10 strings); returns the byte offset of
 * the n float32 scores (n = `counted.n` on return, and `counted.scoresEnd` the offset after
 * them: `end` for a pair), or -1.
 */
function parseRankedLayout(p: Buffer, at: number, end: number, keep: number, ids: string[], counted: Counted): number {
  if (end - at < 2) return -1;
  const arity = p[at++] as number;
  if (arity !== 0x92 && arity !== 0x93) return -1;
  const h = p[at++] as number;
  let n: number;
  if (h >= 0x90 && h <= 0x9f) n = h & 0x0f;
  else if (h === 0xdc && at + 2 <= end) {
    n = p.readUInt16BE(at);
    at += 2;
  } else if (h === 0xdd && at + 4 <= end) {
    n = p.readUInt32BE(at);
    at += 4;
  } else return -1;
  // Each id takes at least a byte: a count beyond the bytes left is not this layout.
  if (n > end - at) return -1;
  for (let i = 0; i < n; i++) {
    if (at >= end) return -1;
    const s = p[at++] as number;
    let length: number;
    if (s >= 0xa0 && s <= 0xbf) length = s & 0x1f;
    else if (s === 0xd9 && at + 1 <= end) length = p[at++] as number;
    else if (s === 0xda && at + 2 <= end) {
      length = p.readUInt16BE(at);
      at += 2;
    } else if (s === 0xdb && at + 4 <= end) {
      length = p.readUInt32BE(at);
      at += 4;
    } else return -1;
    if (at + length > end) return -1;
    if (i < keep) {
      const id = ITEM_IDS.get(p, at, length);
      if (id === undefined) return -1;
      ids[i] = id;
    } else if (!isAscii(p, at, length)) return -1;
    at += length;
  }
  // The scores: ext 8/16/32 (whose length counts the type code byte), 't', Float32Array's code.
  if (at >= end) return -1;
  const e = p[at++] as number;
  let extLength: number;
  if (e === 0xc7 && at + 1 <= end) extLength = p[at++] as number;
  else if (e === 0xc8 && at + 2 <= end) {
    extLength = p.readUInt16BE(at);
    at += 2;
  } else if (e === 0xc9 && at + 4 <= end) {
    extLength = p.readUInt32BE(at);
    at += 4;
  } else return -1;
  const scoresEnd = at + 1 + extLength;
  if (
    (arity === 0x92 ? scoresEnd !== end : scoresEnd >= end) ||
    p[at] !== 0x74 ||
    p[at + 1] !== FLOAT32_ARRAY_CODE ||
    extLength - 1 !== n * 4
  ) {
    return -1;
  }
  counted.n = n;
  counted.scoresEnd = scoresEnd;
  return at + 2;
}

/** What {@link parseRankedLayout} found besides the scores' offset. */
interface Counted {
  /** Entries in the list. */
  n: number;
  /** The offset after the scores: the payload's end, or where the explanations start. */
  scoresEnd: number;
}

/**
 * See {@link parseRankedLayout}: the whole list, scores copied (exactly, NaN payloads included),
 * with its explanations; undefined when it is not that layout (msgpackr decodes it), or why its
 * explanations are corrupt.
 */
function readRankedItems(p: Buffer, at: number): RankedItems | string | undefined {
  const counted: Counted = { n: 0, scoresEnd: 0 };
  const ids: string[] = [];
  const scoresAt = parseRankedLayout(p, at, p.length, Number.MAX_SAFE_INTEGER, ids, counted);
  if (scoresAt < 0) return undefined;
  // msgpackr writes typed arrays in the platform's byte order and reads them back as such.
  const scores = new Float32Array(counted.n);
  new Uint8Array(scores.buffer).set(p.subarray(scoresAt, scoresAt + 4 * counted.n));
  if (counted.scoresEnd === p.length) return { ids, scores };
  const because = readExplanations(p, counted.scoresEnd, p.length, counted.n, counted.n);
  return typeof because === 'string' ? because : { ids, scores, because };
}

/** One entry of a ranked list, as a backend service receives it (`because` when the list has explanations). */
export interface RankedEntry {
  readonly item: string;
  readonly score: number;
  readonly because?: readonly RankedBecause[];
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The first `limit` entries of a ranked list read under a key of `kind` (not 'model'), as
 * `{ item, score }` objects (`{ item, score, because }` when the list has explanations): a cache
 * hit's answer made straight from the bytes, with no intermediate ids array or Float32Array, and
 * strings only for the entries returned. Checks as {@link decodeCacheValue} does (envelope, kind,
 * length, CRC, layout, every entry's explanations) and misses the same way; lists msgpackr wrote
 * in its general layout (non-ASCII ids) are decoded through it. Throws INVALID_ARGUMENT for a
 * kind that is not recommendations, together or list, or a limit that is not an integer ≥ 0.
 *
 * @example
 * const top = decodeRankedEntries('recommendations', bytes, 10);
 * if (top.ok) top.value[0]?.item;
 */
export function decodeRankedEntries(
  kind: Exclude<CacheKind, 'model'>,
  bytes: Uint8Array,
  limit: number,
): CacheDecoded<RankedEntry[]> {
  if (!Object.hasOwn(KIND_CODES, kind) || kind === ('model' as CacheKind)) {
    throw invalidArgument('cache/decodeRankedEntries', 'kind must be recommendations, together or list', kind);
  }
  if (!Number.isInteger(limit) || limit < 0) {
    throw invalidArgument('cache/decodeRankedEntries', 'limit must be an integer ≥ 0', limit);
  }
  const buf = asBuffer(bytes);
  const failure = envelopeFailure(kind, buf);
  if (failure !== null) return failure;
  const scoresAt = parseRankedLayout(buf, HEADER_BYTES, buf.length, limit, keptIds, keptCount);
  if (scoresAt >= 0) {
    const n = Math.min(limit, keptCount.n);
    if (keptCount.scoresEnd !== buf.length) return explainedEntries(kind, buf, scoresAt, n);
    const entries = new Array<RankedEntry>(n);
    const view = viewOf(buf);
    const scores = buf.byteOffset + scoresAt;
    for (let i = 0; i < n; i++) {
      // Written in the platform's byte order (as msgpackr writes typed arrays).
      entries[i] = { item: keptIds[i] as string, score: view.getFloat32(scores + 4 * i, LITTLE_ENDIAN) };
    }
    return { ok: true, value: entries };
  }
  const full = decodeCacheValue(kind, buf);
  if (!full.ok) return full;
  const { ids, scores, because } = full.value;
  const n = Math.min(limit, ids.length);
  const entries = new Array<RankedEntry>(n);
  for (let i = 0; i < n; i++) {
    const item = ids[i] as string;
    const score = scores[i] as number;
    entries[i] = because === undefined ? { item, score } : { item, score, because: because[i] as RankedBecause[] };
  }
  return { ok: true, value: entries };
}

/**
 * decodeRankedEntries' fast path for a list with explanations: its first n entries, ids in
 * keptIds and scores at `scoresAt`, each with its explanations; every entry's are checked.
 */
function explainedEntries(kind: CacheKind, buf: Buffer, scoresAt: number, n: number): CacheDecoded<RankedEntry[]> {
  const because = readExplanations(buf, keptCount.scoresEnd, buf.length, keptCount.n, n);
  if (typeof because === 'string') return corruptExplanations(kind, because);
  const entries = new Array<RankedEntry>(n);
  const view = viewOf(buf);
  const scores = buf.byteOffset + scoresAt;
  for (let i = 0; i < n; i++) {
    entries[i] = {
      item: keptIds[i] as string,
      score: view.getFloat32(scores + 4 * i, LITTLE_ENDIAN),
      because: because[i] as RankedBecause[],
    };
  }
  return { ok: true, value: entries };
}

/**
 * Scratch of decodeRankedEntries, reused from call to call (it never yields in between): the ids
 * it keeps (never truncated, so its backing store is not reallocated per hit; only the first n
 * are read, all written by the call reading them) and their count.
 */
const keptIds: string[] = [];
const keptCount: Counted = { n: 0, scoresEnd: 0 };

/** The ids decoded so far, handed out again rather than made anew for every hit (see IdTable). */
const ITEM_IDS = new IdTable();

/**
 * A DataView of `buf`'s whole ArrayBuffer, the last one made kept: an MGET's values are slices of
 * one socket read, and pooled Buffers share slabs, so one view serves many hits (a DataView's
 * getFloat32 is a few times cheaper than Buffer's readFloatLE). Holds on to that one ArrayBuffer.
 */
function viewOf(buf: Buffer): DataView {
  if (buf.buffer !== viewed) {
    viewed = buf.buffer;
    view = new DataView(viewed);
  }
  return view;
}
let viewed: ArrayBufferLike | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/** The header of a 3-array: [ids, scores, explanations]. */
const THREE_ARRAY = Buffer.from([0x93]);

/**
 * A list's explanations as msgpack, `[sources, items, perEntry]` (see the module comment), written
 * as msgpackr writes the same arrays: shortest headers, UTF-8 strings, integers 64–127 as uint 8
 * (msgpackr keeps fixints 0x40–0x7f for its records) and -1 as a negative fixint.
 */
function explanationBytes(because: readonly (readonly RankedBecause[])[]): Buffer {
  const sourceIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const strings: string[] = []; // sources, then items
  const pairs: number[] = [];
  const indexOf = (table: Map<string, number>, name: string): number => {
    let index = table.get(name);
    if (index === undefined) {
      index = table.size;
      table.set(name, index);
    }
    return index;
  };
  for (const list of because) {
    for (const { source, item } of list)
      pairs.push(indexOf(sourceIndex, source), item === undefined ? -1 : indexOf(itemIndex, item));
  }
  strings.push(...sourceIndex.keys(), ...itemIndex.keys());
  const lengths = strings.map((s) => Buffer.byteLength(s, 'utf8'));
  let size =
    1 + arrayHeaderBytes(sourceIndex.size) + arrayHeaderBytes(itemIndex.size) + arrayHeaderBytes(because.length);
  for (const length of lengths) size += stringHeaderBytes(length) + length;
  for (const list of because) size += arrayHeaderBytes(2 * list.length);
  for (const v of pairs) size += intBytes(v);
  const out = Buffer.allocUnsafe(size);
  let at = writeArrayHeader(out, 0, 3);
  for (const [start, count] of [
    [0, sourceIndex.size],
    [sourceIndex.size, itemIndex.size],
  ] as const) {
    at = writeArrayHeader(out, at, count);
    for (let s = start; s < start + count; s++) {
      const length = lengths[s] as number;
      at = writeStringHeader(out, at, length);
      at += out.write(strings[s] as string, at, length, 'utf8');
    }
  }
  at = writeArrayHeader(out, at, because.length);
  let next = 0;
  for (const list of because) {
    at = writeArrayHeader(out, at, 2 * list.length);
    for (let j = 0; j < 2 * list.length; j++) at = writeInt(out, at, pairs[next++] as number);
  }
  return out;
}

function arrayHeaderBytes(n: number): number {
  return n < 0x10 ? 1 : n < 0x10000 ? 3 : 5;
}

function writeArrayHeader(out: Buffer, at: number, n: number): number {
  if (n < 0x10) {
    out[at] = 0x90 | n;
    return at + 1;
  }
  if (n < 0x10000) {
    out[at] = 0xdc;
    return out.writeUInt16BE(n, at + 1);
  }
  out[at] = 0xdd;
  return out.writeUInt32BE(n, at + 1);
}

function stringHeaderBytes(length: number): number {
  return length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

function writeStringHeader(out: Buffer, at: number, length: number): number {
  if (length < 0x20) {
    out[at] = 0xa0 | length;
    return at + 1;
  }
  if (length < 0x100) {
    out[at] = 0xd9;
    out[at + 1] = length;
    return at + 2;
  }
  if (length < 0x10000) {
    out[at] = 0xda;
    return out.writeUInt16BE(length, at + 1);
  }
  out[at] = 0xdb;
  return out.writeUInt32BE(length, at + 1);
}

/** Bytes of an integer ≥ -1 as msgpackr writes it. */
function intBytes(v: number): number {
  return v < 0x40 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
}

function writeInt(out: Buffer, at: number, v: number): number {
  if (v < 0x40) {
    out[at] = v & 0xff; // -1 is 0xff, a negative fixint
    return at + 1;
  }
  if (v < 0x100) {
    out[at] = 0xcc;
    out[at + 1] = v;
    return at + 2;
  }
  if (v < 0x10000) {
    out[at] = 0xcd;
    return out.writeUInt16BE(v, at + 1);
  }
  out[at] = 0xce;
  return out.writeUInt32BE(v, at + 1);
}

/**
 * Where a 3-array's explanations start, after ids of any strings (not only ASCII) and the
 * Float32Array scores; -1 when p[at, end) is not such an array. For lists msgpackr decodes.
 */
function rankedTailAt(p: Buffer, at: number, end: number): number {
  if (at >= end || p[at] !== 0x93) return -1;
  cursor = at + 1;
  const n = readArrayLength(p, end);
  if (n < 0) return -1;
  for (let i = 0; i < n; i++) {
    const length = readStringLength(p, end);
    if (length < 0) return -1;
    cursor += length;
  }
  if (cursor >= end) return -1;
  const e = p[cursor++] as number;
  let extLength: number;
  if (e === 0xc7 && cursor + 1 <= end) extLength = p[cursor++] as number;
  else if (e === 0xc8 && cursor + 2 <= end) {
    extLength = p.readUInt16BE(cursor);
    cursor += 2;
  } else if (e === 0xc9 && cursor + 4 <= end) {
    extLength = p.readUInt32BE(cursor);
    cursor += 4;
  } else return -1;
  if (p[cursor] !== 0x74 || p[cursor + 1] !== FLOAT32_ARRAY_CODE || extLength - 1 !== 4 * n) return -1;
  cursor += 1 + extLength;
  return cursor < end ? cursor : -1;
}

/**
 * A list's explanations in p[at, end), `[sources, items, perEntry]` with perEntry of `n` lists of
 * (source, item) index pairs: the explanations of the first `keep` entries, or why they are not
 * explanations (any msgpack encoding of the arrays, strings and integers is read; every entry is
 * checked, whether kept or not, so a list reads whole or not at all). Strings are read as the ids
 * are (ASCII ones kept once, in the IdTable).
 */
function readExplanations(p: Buffer, at: number, end: number, n: number, keep: number): RankedBecause[][] | string {
  cursor = at;
  if (readArrayLength(p, end) !== 3) return 'not a [sources, items, perEntry] array';
  const sources = readStrings(p, end);
  if (sources === null) return 'sources must be an array of strings';
  if (sources.includes('')) return 'a source name is empty';
  const items = readStrings(p, end);
  if (items === null) return 'items must be an array of strings';
  const entries = readArrayLength(p, end);
  if (entries !== n) return `${entries < 0 ? 'no' : entries} explanation lists for ${n} ids`;
  const because = new Array<RankedBecause[]>(keep);
  for (let r = 0; r < n; r++) {
    const length = readArrayLength(p, end);
    // Each index takes at least a byte: a count beyond the bytes left is not a list of pairs.
    if (length < 0 || length % 2 !== 0 || length > end - cursor) return `entry ${r}: not an array of index pairs`;
    const list = r < keep ? new Array<RankedBecause>(length / 2) : null;
    for (let j = 0; j < length / 2; j++) {
      const s = readInt(p, end);
      const i = readInt(p, end);
      if (!(s >= 0 && s < sources.length)) return `entry ${r}: source index ${s} of ${sources.length}`;
      if (!(i >= -1 && i < items.length)) return `entry ${r}: item index ${i} of ${items.length}`;
      if (list !== null) {
        const source = sources[s] as string;
        list[j] = i === -1 ? { source } : { source, item: items[i] as string };
      }
    }
    if (list !== null) because[r] = list;
  }
  if (cursor !== end) return `${end - cursor} more bytes after them`;
  return because;
}

/** The read position of rankedTailAt and readExplanations (synchronous, so one serves all). */
let cursor = 0;

/** An array header at the cursor (advanced past it): its length, or -1 when it is not one. */
function readArrayLength(p: Buffer, end: number): number {
  if (cursor >= end) return -1;
  const h = p[cursor++] as number;
  if (h >= 0x90 && h <= 0x9f) return h & 0x0f;
  if (h === 0xdc && cursor + 2 <= end) {
    cursor += 2;
    return p.readUInt16BE(cursor - 2);
  }
  if (h === 0xdd && cursor + 4 <= end) {
    cursor += 4;
    return p.readUInt32BE(cursor - 4);
  }
  return -1;
}

/** A string header at the cursor (advanced past it): the byte length of the string that follows, or -1. */
function readStringLength(p: Buffer, end: number): number {
  if (cursor >= end) return -1;
  const s = p[cursor++] as number;
  let length: number;
  if (s >= 0xa0 && s <= 0xbf) length = s & 0x1f;
  else if (s === 0xd9 && cursor + 1 <= end) length = p[cursor++] as number;
  else if (s === 0xda && cursor + 2 <= end) {
    length = p.readUInt16BE(cursor);
    cursor += 2;
  } else if (s === 0xdb && cursor + 4 <= end) {
    length = p.readUInt32BE(cursor);
    cursor += 4;
  } else return -1;
  return cursor + length <= end ? length : -1;
}

/** An array of strings at the cursor, or null. */
function readStrings(p: Buffer, end: number): string[] | null {
  const n = readArrayLength(p, end);
  // Each string takes at least a byte: a count beyond the bytes left is not an array of strings.
  if (n < 0 || n > end - cursor) return null;
  const strings = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const length = readStringLength(p, end);
    if (length < 0) return null;
    strings[i] = ITEM_IDS.get(p, cursor, length) ?? p.toString('utf8', cursor, cursor + length);
    cursor += length;
  }
  return strings;
}

/** An integer at the cursor (any msgpack encoding of one that is a safe integer), or NaN. */
function readInt(p: Buffer, end: number): number {
  if (cursor >= end) return Number.NaN;
  const h = p[cursor++] as number;
  if (h <= 0x7f) return h;
  if (h >= 0xe0) return h - 0x100;
  const width = h === 0xcc || h === 0xd0 ? 1 : h === 0xcd || h === 0xd1 ? 2 : h === 0xce || h === 0xd2 ? 4 : 0;
  if (width === 0 || cursor + width > end) return Number.NaN;
  const at = cursor;
  cursor += width;
  if (h === 0xcc) return p[at] as number;
  if (h === 0xcd) return p.readUInt16BE(at);
  if (h === 0xce) return p.readUInt32BE(at);
  if (h === 0xd0) return p.readInt8(at);
  if (h === 0xd1) return p.readInt16BE(at);
  return p.readInt32BE(at);
}
