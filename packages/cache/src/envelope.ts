import { crc32 } from 'node:zlib';
import { EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import { Packr } from 'msgpackr';
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
    // An array, not a record: the smallest encoding of a pair, and no field names to agree on.
    payload = packr.pack([ids, scores]);
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, `${where}: value of ${payload.length} bytes, at most 4 GiB`, {
      value: payload.length,
    });
  }
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  bytes.writeUInt32LE(MAGIC, 0);
  bytes.writeUInt8(CACHE_FORMAT_VERSION, 4);
  bytes.writeUInt8(code, 5);
  bytes.writeUInt16LE(0, 6);
  bytes.writeUInt32LE(payload.length, 8);
  bytes.writeUInt32LE(crc32(payload), 12);
  payload.copy(bytes, HEADER_BYTES);
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
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  if (code !== expected) {
    const found = CACHE_KINDS.find((k) => KIND_CODES[k] === code) ?? `unknown kind ${code}`;
    return { ok: false, reason: 'corrupt', detail: `holds a ${found} value, expected ${kind}` };
  }
  const length = buf.readUInt32LE(8);
  const payload = buf.subarray(HEADER_BYTES);
  if (payload.length !== length) {
    return { ok: false, reason: 'corrupt', detail: `payload is ${payload.length} bytes, header says ${length}` };
  }
  if (crc32(payload) !== buf.readUInt32LE(12)) return { ok: false, reason: 'corrupt', detail: 'checksum mismatch' };
  let data: unknown;
  try {
    data = packr.unpack(payload);
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
