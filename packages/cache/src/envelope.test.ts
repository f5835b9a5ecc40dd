import { crc32 } from 'node:zlib';
import { createRng } from '@encore/core';
import { Packr, pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  CACHE_FORMAT_VERSION,
  decodeCacheValue,
  decodeRankedEntries,
  encodeCacheValue,
  type RankedItems,
} from './envelope.js';

const HEADER = 16;

function randomScores(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  // Every bit pattern, NaN payloads and subnormals included: the round trip must be bit-exact.
  return new Float32Array(Uint32Array.from({ length: n }, () => rng.uint32()).buffer);
}

/** Wraps an arbitrary payload in a valid header (right magic, version, kind, length and CRC). */
function withHeader(payload: Buffer, kind = 1, version = CACHE_FORMAT_VERSION): Buffer {
  const header = Buffer.alloc(HEADER);
  header.write('ENCC', 0, 'ascii');
  header.writeUInt8(version, 4);
  header.writeUInt8(kind, 5);
  header.writeUInt32LE(payload.length, 8);
  header.writeUInt32LE(crc32(payload), 12);
  return Buffer.concat([header, payload]);
}

describe('cache value envelope', () => {
  it("msgpackr's default pack does not round-trip a Float32Array (why the codec uses structuredClone)", () => {
    const back = unpack(pack(Float32Array.of(1.5, 2.5)));
    expect(back).not.toBeInstanceOf(Float32Array);
  });

  it('round-trips ranked items bit-exactly, for every kind of ranked list', () => {
    const scores = randomScores(1000, 1);
    const ids = Array.from({ length: 1000 }, (_, i) => `sku-${i}-ü🛒`);
    for (const kind of ['recommendations', 'together', 'list'] as const) {
      const decoded = decodeCacheValue(kind, encodeCacheValue(kind, { ids, scores }));
      if (!decoded.ok) throw new Error(decoded.detail);
      expect(decoded.value.ids).toEqual(ids);
      expect(decoded.value.scores).toBeInstanceOf(Float32Array);
      const out = decoded.value.scores;
      expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(scores.buffer))).toBe(true);
    }
    const empty = decodeCacheValue('list', encodeCacheValue('list', { ids: [], scores: new Float32Array(0) }));
    expect(empty.ok && empty.value.ids).toEqual([]);
  });

  it('writes ASCII ids without msgpackr, to the very bytes msgpackr writes, and reads them back as msgpackr does', () => {
    const reference = new Packr({ structuredClone: true, mapsAsObjects: false });
    const ascii = (length: number, seed: number): string =>
      Array.from({ length }, (_, i) => String.fromCharCode(32 + ((seed * 31 + i * 7) % 95))).join('');
    const lists: [string, string[]][] = [
      ['empty', []],
      ['stock codes', ['85123A', '22423', '84879', '47566B']],
      ['15 ids (fixarray)', Array.from({ length: 15 }, (_, i) => `${20000 + i}`)],
      ['16 ids (array 16)', Array.from({ length: 16 }, (_, i) => `${20000 + i}`)],
      ['70,000 ids (array 32)', Array.from({ length: 70_000 }, (_, i) => `c${i}`)],
      ['id lengths at each header size', [0, 1, 15, 16, 31, 32, 255, 256, 65_535, 65_536].map(ascii)],
      ['control and escape characters', ['a:b', '%', '\u0000x', '\u007f']],
    ];
    for (const [what, ids] of lists) {
      const scores = randomScores(ids.length, ids.length + 7);
      const bytes = encodeCacheValue('recommendations', { ids, scores });
      const payload = bytes.subarray(HEADER);
      expect({ what, same: payload.equals(reference.pack([ids, scores])) }).toEqual({ what, same: true });
      const decoded = decodeCacheValue('recommendations', bytes);
      if (!decoded.ok) throw new Error(`${what}: ${decoded.detail}`);
      const [refIds, refScores] = reference.unpack(payload) as [string[], Float32Array];
      expect(decoded.value.ids).toEqual(refIds);
      const out = decoded.value.scores;
      expect(out).toBeInstanceOf(Float32Array);
      expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(refScores.buffer))).toBe(true);
    }
  });

  it('reads msgpack it does not write itself (wider headers, non-ASCII) exactly as msgpackr does', () => {
    const scores = Float32Array.of(0.5, 0.25);
    const floats = Buffer.from(scores.buffer);
    const ext8 = Buffer.concat([Buffer.from([0xc7, 9, 0x74, 7]), floats]);
    const ext16 = Buffer.concat([Buffer.from([0xc8, 0, 9, 0x74, 7]), floats]);
    const payloads: [string, Buffer][] = [
      [
        'str 8 and str 16 headers on short ids',
        Buffer.concat([Buffer.from([0x92, 0x92, 0xd9, 1, 0x61, 0xda, 0, 1, 0x62]), ext8]),
      ],
      ['array 16 of two, ext 16', Buffer.concat([Buffer.from([0x92, 0xdc, 0, 2, 0xa1, 0x61, 0xa1, 0x62]), ext16])],
      ['non-ASCII ids', Buffer.concat([Buffer.from([0x92, 0x92, 0xa2, 0xc3, 0xbc, 0xa1, 0x62]), ext8])],
    ];
    for (const [what, payload] of payloads) {
      const decoded = decodeCacheValue('together', withHeader(payload, 2));
      if (!decoded.ok) throw new Error(`${what}: ${decoded.detail}`);
      const [ids, back] = unpack(payload) as [string[], Float32Array];
      expect({ what, ids: decoded.value.ids, scores: [...decoded.value.scores] }).toEqual({
        what,
        ids,
        scores: [...back],
      });
      const entries = decodeRankedEntries('together', withHeader(payload, 2), 5);
      expect({ what, entries: entries.ok ? entries.value : entries.detail }).toEqual({
        what,
        entries: ids.map((item, i) => ({ item, score: back[i] })),
      });
    }
    const float64 = Buffer.concat([Buffer.from([0x92, 0x91, 0xa1, 0x61, 0xc7, 9, 0x74, 8]), Buffer.alloc(8)]);
    expect(decodeCacheValue('together', withHeader(float64, 2))).toMatchObject({ ok: false, reason: 'corrupt' });
  });

  it('round-trips model metadata: Int32Array, Float64Array, Map (keys kept apart from objects), Date, nesting', () => {
    const meta = {
      name: 'als',
      counts: Int32Array.of(-1, 0, 2147483647),
      factors: Float64Array.of(Math.E, -0, Number.NaN),
      byCategory: new Map<string, unknown>([
        ['shoes', { top: ['a'] }],
        ['constructor', 1],
      ]),
      at: new Date(86_400_000),
      nested: { list: [1, 'two', null, true] },
    };
    const decoded = decodeCacheValue('model', encodeCacheValue('model', meta));
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(decoded.value).toEqual(meta);
    expect(decoded.value.counts).toBeInstanceOf(Int32Array);
    expect(decoded.value.factors).toBeInstanceOf(Float64Array);
    expect(decoded.value.byCategory).toBeInstanceOf(Map);
    expect(decoded.value.at).toBeInstanceOf(Date);
  });

  it('decodes with a fresh Packr (another process) after many values were packed, and from unaligned bytes', () => {
    let last: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 50; i++) last = encodeCacheValue('together', { ids: [`i${i}`], scores: Float32Array.of(i) });
    const fresh = new Packr({ structuredClone: true, mapsAsObjects: false });
    const [ids, scores] = fresh.unpack(last.subarray(HEADER)) as [string[], Float32Array];
    expect(ids).toEqual(['i49']);
    expect(scores).toEqual(Float32Array.of(49));
    const unaligned = Buffer.alloc(last.length + 3);
    last.copy(unaligned, 3);
    const decoded = decodeCacheValue('together', unaligned.subarray(3));
    expect(decoded.ok && [...decoded.value.scores]).toEqual([49]);
  });

  it('gives typed arrays that are copies, not views of the bytes read', () => {
    const bytes = encodeCacheValue('recommendations', { ids: ['a', 'b'], scores: Float32Array.of(1, 2) });
    const decoded = decodeCacheValue('recommendations', bytes);
    bytes.fill(0);
    expect(decoded.ok && [...decoded.value.scores]).toEqual([1, 2]);
  });

  it('turns anything but a whole value of this format and kind into a miss with a reason', () => {
    const good = encodeCacheValue('recommendations', { ids: ['a'], scores: Float32Array.of(1) });
    const flip = (at: number): Buffer => {
      const copy = Buffer.from(good);
      copy[at]! ^= 0x40;
      return copy;
    };
    const cases: [string, Uint8Array, string][] = [
      ['empty', Buffer.alloc(0), 'foreign'],
      ['text', Buffer.from('["a",1]'), 'foreign'],
      ['raw msgpack', pack({ ids: ['a'], scores: [1] }), 'foreign'],
      ['magic only', Buffer.from('ENCC'), 'corrupt'],
      ['header cut', good.subarray(0, HEADER - 1), 'corrupt'],
      ['payload cut', good.subarray(0, good.length - 1), 'corrupt'],
      ['trailing byte', Buffer.concat([good, Buffer.from([0])]), 'corrupt'],
      ['payload bit flip', flip(good.length - 2), 'corrupt'],
      ['older version', withHeader(good.subarray(HEADER), 1, 0), 'version'],
      ['newer version', withHeader(good.subarray(HEADER), 1, CACHE_FORMAT_VERSION + 1), 'version'],
      ['other kind', withHeader(good.subarray(HEADER), 2), 'corrupt'],
      ['unknown kind', withHeader(good.subarray(HEADER), 99), 'corrupt'],
      ['undecodable payload', withHeader(Buffer.from([0xc1, 0xc1, 0xc1])), 'corrupt'],
      ['wrong shape', withHeader(pack({ ids: ['a'] })), 'corrupt'],
      ['plain scores', withHeader(pack([['a'], [1]])), 'corrupt'],
      [
        'lengths differ',
        withHeader(new Packr({ structuredClone: true }).pack([['a', 'b'], Float32Array.of(1)])),
        'corrupt',
      ],
    ];
    for (const [what, bytes, reason] of cases) {
      const decoded = decodeCacheValue('recommendations', bytes);
      expect({ what, reason: decoded.ok ? 'ok' : decoded.reason }).toEqual({ what, reason });
      expect(decoded.ok ? '' : decoded.detail).not.toBe('');
      // The serving decoder misses alike, whatever it is asked for.
      for (const limit of [0, 1, 10]) {
        const entries = decodeRankedEntries('recommendations', bytes, limit);
        expect({ what, limit, reason: entries.ok ? 'ok' : entries.reason }).toEqual({ what, limit, reason });
      }
    }
    expect(decodeCacheValue('model', withHeader(pack([1, 2]), 4))).toMatchObject({ ok: false, reason: 'corrupt' });
  });

  it('decodeRankedEntries gives the first `limit` entries of what decodeCacheValue gives, for any limit', () => {
    const rng = createRng(3);
    for (const n of [0, 1, 20, 100, 70_000]) {
      const scores = randomScores(n, n);
      const ascii = Array.from({ length: n }, (_, i) => (rng.next() < 0.1 ? `${'x'.repeat(40)}${i}` : `${10_000 + i}`));
      for (const ids of [ascii, ascii.map((id, i) => (i % 7 === 3 ? `${id}-ü` : id))]) {
        const bytes = encodeCacheValue('list', { ids, scores });
        const full = decodeCacheValue('list', bytes);
        if (!full.ok) throw new Error(full.detail);
        for (const limit of [0, 1, 10, n, n + 5]) {
          const entries = decodeRankedEntries('list', bytes, limit);
          if (!entries.ok) throw new Error(entries.detail);
          const want = full.value.ids.slice(0, limit).map((item, i) => ({ item, score: full.value.scores[i] }));
          expect(entries.value).toEqual(want);
        }
      }
    }
    const bytes = encodeCacheValue('list', { ids: ['a'], scores: Float32Array.of(1) });
    expect(() => decodeRankedEntries('model' as never, bytes, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => decodeRankedEntries('list', bytes, -1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => decodeRankedEntries('list', bytes, 1.5)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('decodes the very ids written, over many lists of ids that are prefixes of one another', () => {
    const rng = createRng(8);
    // 70,000 distinct ids, prefixes of one another, of 0 to 17 bytes.
    const pool = Array.from({ length: 70_000 }, (_, i) =>
      i % 3 === 0 ? `${i}` : i % 3 === 1 ? `${i}`.padStart(16, '7') : `${i}`.padStart(17, '9'),
    );
    pool.push('1', '12', '123', '1234', '12345', '', 'A', 'a');
    const lists = Array.from({ length: 400 }, () => {
      const ids = Array.from({ length: 50 }, () => pool[Math.floor(rng.next() ** 2 * pool.length)] as string);
      return { ids, bytes: encodeCacheValue('recommendations', { ids, scores: new Float32Array(ids.length) }) };
    });
    for (let pass = 0; pass < 2; pass++) {
      for (const { ids, bytes } of lists) {
        const entries = decodeRankedEntries('recommendations', bytes, ids.length);
        if (!entries.ok) throw new Error(entries.detail);
        expect(entries.value.map((e) => e.item)).toEqual(ids);
        const full = decodeCacheValue('recommendations', bytes);
        if (!full.ok) throw new Error(full.detail);
        expect(full.value.ids).toEqual(ids);
      }
    }
  });

  it('throws INVALID_ARGUMENT for values not of the shape of their kind', () => {
    const bad: [string, unknown][] = [
      ['recommendations', null],
      ['recommendations', { ids: ['a'], scores: [1] }],
      ['together', { ids: ['a', 'b'], scores: Float32Array.of(1) }],
      ['list', { ids: [1], scores: Float32Array.of(1) }],
      ['list', { ids: 'a', scores: Float32Array.of(1) }],
      ['model', new Map()],
      ['model', [1]],
      ['model', 'metadata'],
      ['pets', { ids: [], scores: new Float32Array(0) }],
      ['toString', {}],
    ];
    for (const [kind, value] of bad) {
      expect(() => encodeCacheValue(kind as 'list', value as RankedItems)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });
});
