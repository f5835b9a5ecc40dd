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

/** A ranked item list: string item ids best first and their scores, of the same length. */
export interface RankedItems {
  readonly ids: readonly string[];
  readonly scores: Float32Array;
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
 * length; model metadata: a plain object), LIMIT_EXCEEDED beyond 4 GiB.
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
    const { ids, scores } = value as RankedItems;
    const written = writeRankedItems(code, ids, scores);
    if (written !== undefined) return written;
    // An array, not a record: the smallest encoding of a pair, and no field names to agree on.
    payload = packr.pack([ids, scores]);
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
  const pair = Array.isArray(data) && data.length === 2 ? { ids: data[0], scores: data[1] } : null;
  const problem = pair === null ? 'not an [ids, scores] pair' : rankedItemsProblem(pair);
  if (problem !== null) return { ok: false, reason: 'corrupt', detail: `${kind} value: ${problem}` };
  return { ok: true, value: pair as unknown as CacheValues[K] };
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

function rankedItemsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'must be { ids, scores }';
  const { ids, scores } = value as { ids?: unknown; scores?: unknown };
  if (!Array.isArray(ids)) return 'ids must be an array of strings';
  if (!(scores instanceof Float32Array)) return 'scores must be a Float32Array';
  if (scores.length !== ids.length) return `${ids.length} ids but ${scores.length} scores`;
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string') return `ids[${i}] must be a string`;
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
 */
function writeRankedItems(code: number, ids: readonly string[], scores: Float32Array): Buffer | undefined {
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
    1 + (n < 0x10 ? 1 : n < 0x10000 ? 3 : 5) + text.length + (data + 1 < 0x100 ? 4 : data + 1 < 0x10000 ? 5 : 7) + data;
  if (size > MAX_PAYLOAD_BYTES) return undefined;
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + size);
  let at = HEADER_BYTES;
  bytes[at++] = 0x92;
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
 * nothing after it. This is most of a cache hit's work, and msgpackr's general `unpack` (state
 * set-up, a native string-extraction call, an extension lookup) costs several times more on a
 * top-20. Anything else (non-ASCII ids, another layout, bad lengths) gives -1, and msgpackr
 * decodes it, so both paths give the same value or the same miss.
 *
 * Reads the payload p[at, end): the first `keep` ids go to `ids` (the rest are checked and
 * skipped, so a caller that wants the top 10 of 100 makes 10 strings); returns the byte offset of
 * the n float32 scores (n = `counted.n` on return), or -1.
 */
function parseRankedLayout(
  p: Buffer,
  at: number,
  end: number,
  keep: number,
  ids: string[],
  counted: { n: number },
): number {
  if (end - at < 2 || p[at] !== 0x92) return -1;
  at++;
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
  if (at + 1 + extLength !== end || p[at] !== 0x74 || p[at + 1] !== FLOAT32_ARRAY_CODE || extLength - 1 !== n * 4) {
    return -1;
  }
  counted.n = n;
  return at + 2;
}

/** See {@link parseRankedLayout}: the whole list, scores copied (exactly, NaN payloads included). */
function readRankedItems(p: Buffer, at: number): RankedItems | undefined {
  const counted = { n: 0 };
  const ids: string[] = [];
  const scoresAt = parseRankedLayout(p, at, p.length, Number.MAX_SAFE_INTEGER, ids, counted);
  if (scoresAt < 0) return undefined;
  // msgpackr writes typed arrays in the platform's byte order and reads them back as such.
  const scores = new Float32Array(counted.n);
  new Uint8Array(scores.buffer).set(p.subarray(scoresAt, scoresAt + 4 * counted.n));
  return { ids, scores };
}

/** One entry of a ranked list, as a backend service receives it. */
export interface RankedEntry {
  readonly item: string;
  readonly score: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The first `limit` entries of a ranked list read under a key of `kind` (not 'model'), as
 * `{ item, score }` objects: a cache hit's answer made straight from the bytes, with no
 * intermediate ids array or Float32Array, and strings only for the entries returned. Checks as
 * {@link decodeCacheValue} does (envelope, kind, length, CRC, layout) and misses the same way;
 * lists msgpackr wrote in its general layout (non-ASCII ids) are decoded through it.
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
  const { ids, scores } = full.value;
  return {
    ok: true,
    value: ids.slice(0, limit).map((item, i) => ({ item, score: scores[i] as number })),
  };
}

/**
 * Scratch of decodeRankedEntries, reused from call to call (it never yields in between): the ids
 * it keeps (never truncated, so its backing store is not reallocated per hit; only the first n
 * are read, all written by the call reading them) and their count.
 */
const keptIds: string[] = [];
const keptCount = { n: 0 };

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
