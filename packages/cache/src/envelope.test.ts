import { crc32 } from 'node:zlib';
import { createRng } from '@encore/core';
import { Packr, pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  CACHE_FORMAT_VERSION,
  decodeCacheValue,
  decodeRankedEntries,
  encodeCacheValue,
  type RankedBecause,
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

  describe('explanations (because)', () => {
    const reference = new Packr({ structuredClone: true, mapsAsObjects: false });

    /** The explanations as the format lays them out: [sources, items, perEntry] (fresh arrays). */
    function layout(because: readonly (readonly RankedBecause[])[]): [string[], string[], number[][]] {
      const sources: string[] = [];
      const items: string[] = [];
      const perEntry = because.map((list) =>
        list.flatMap(({ source, item }) => {
          if (!sources.includes(source)) sources.push(source);
          if (item !== undefined && !items.includes(item)) items.push(item);
          return [sources.indexOf(source), item === undefined ? -1 : items.indexOf(item)];
        }),
      );
      return [sources, items, perEntry];
    }

    /** A list of n entries, some with no explanation, some with several, items shared between entries. */
    function explained(ids: string[], seed: number): RankedItems {
      const rng = createRng(seed);
      const sources = ['als', 'bought-together', 'viewed-together', 'popular', 'x'.repeat(40)];
      const because = ids.map((_, r) =>
        Array.from({ length: r % 4 }, (): RankedBecause => {
          const source = sources[Math.floor(rng.next() * sources.length)] as string;
          return rng.next() < 0.3 ? { source } : { source, item: ids[Math.floor(rng.next() * ids.length)] as string };
        }),
      );
      return { ids, scores: randomScores(ids.length, seed), because };
    }

    const asciiIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `sku-${i}`);
    const hostileIds = ['__proto__', 'constructor', 'ü:🛒', '', 'toString', 'a'.repeat(300), '85123A'];

    it('writes a list without because byte for byte as before: the [ids, scores] pair', () => {
      for (const ids of [asciiIds(0), asciiIds(20), hostileIds]) {
        const scores = randomScores(ids.length, 4);
        const bytes = encodeCacheValue('together', { ids, scores });
        expect(bytes.subarray(HEADER).equals(reference.pack([ids, scores]))).toBe(true);
        expect(bytes.subarray(HEADER)[0]).toBe(0x92);
        expect(encodeCacheValue('together', { ids, scores, because: undefined } as RankedItems).equals(bytes)).toBe(
          true,
        );
        // And it reads back with no because anywhere: old values and new ones without explanations alike.
        const full = decodeCacheValue('together', bytes);
        expect(full.ok && 'because' in full.value).toBe(false);
        const entries = decodeRankedEntries('together', bytes, 5);
        expect(entries.ok && entries.value.some((e) => 'because' in e)).toBe(false);
      }
    });

    it('writes a list with because as packr.pack([ids, scores, [sources, items, perEntry]]) writes it', () => {
      for (const ids of [asciiIds(1), asciiIds(20), asciiIds(300), hostileIds]) {
        const value = explained(ids, ids.length);
        const bytes = encodeCacheValue('recommendations', value);
        const want = reference.pack([value.ids, value.scores, layout(value.because ?? [])]);
        expect({ n: ids.length, same: bytes.subarray(HEADER).equals(want) }).toEqual({ n: ids.length, same: true });
      }
      // Wide tables: over 15 sources and items (array 16), indices over 63 (uint 8) and 255 (uint 16).
      const ids = asciiIds(70_000);
      const because = ids.map((_, r): RankedBecause[] =>
        r % 5 === 0 ? [{ source: `s${r % 20}`, item: `i${r % 66_000}` }, { source: 'popular' }] : [],
      );
      const value = { ids, scores: randomScores(ids.length, 9), because };
      const bytes = encodeCacheValue('list', value);
      expect(bytes.subarray(HEADER).equals(reference.pack([ids, value.scores, layout(because)]))).toBe(true);
      const back = decodeCacheValue('list', bytes);
      if (!back.ok) throw new Error(back.detail);
      expect(back.value.because).toEqual(because);
    });

    it('round-trips because with every decoder, for every limit, hostile ids and names included', () => {
      const lists: RankedItems[] = [
        explained(asciiIds(20), 1),
        explained(hostileIds, 2),
        explained(asciiIds(100), 3),
        {
          ids: ['a', 'b', 'c'],
          scores: Float32Array.of(3, 2, 1),
          because: [
            [{ source: '__proto__', item: '__proto__' }],
            [],
            [{ source: 'ü-source', item: 'ü:🛒' }, { source: 'constructor', item: '' }, { source: 'ü-source' }],
          ],
        },
        { ids: [], scores: new Float32Array(0), because: [] },
      ];
      for (const value of lists) {
        for (const kind of ['recommendations', 'together', 'list'] as const) {
          const bytes = encodeCacheValue(kind, value);
          const full = decodeCacheValue(kind, bytes);
          if (!full.ok) throw new Error(full.detail);
          expect(full.value.ids).toEqual(value.ids);
          expect(Buffer.from(full.value.scores.buffer).equals(Buffer.from(value.scores.buffer))).toBe(true);
          expect(full.value.because).toEqual(value.because);
          for (const limit of [0, 1, 2, 10, value.ids.length, value.ids.length + 3]) {
            const entries = decodeRankedEntries(kind, bytes, limit);
            if (!entries.ok) throw new Error(entries.detail);
            const want = value.ids
              .slice(0, limit)
              .map((item, r) => ({ item, score: full.value.scores[r], because: value.because?.[r] }));
            expect(entries.value).toEqual(want);
          }
        }
      }
      // A name that is an Object.prototype key is a plain own property of a plain object.
      const decoded = decodeRankedEntries('recommendations', encodeCacheValue('recommendations', lists[3]!), 1);
      const first = decoded.ok ? decoded.value[0]?.because?.[0] : undefined;
      expect(first && Object.getPrototypeOf(first)).toBe(Object.prototype);
      expect(first && Object.keys(first)).toEqual(['source', 'item']);
    });

    it('reads explanations in any msgpack encoding of their arrays, strings and integers', () => {
      const pair = reference.pack([['a', 'b'], Float32Array.of(2, 1)]);
      // [["s"], ["x"], [[0, 0], [0, -1]]], minimal, then with every header and integer widened.
      const tails: [string, number[]][] = [
        ['minimal', [0x93, 0x91, 0xa1, 0x73, 0x91, 0xa1, 0x78, 0x92, 0x92, 0, 0, 0x92, 0, 0xff]],
        [
          'array 16, str 8 / 16, uint 8 / 16, int 8 / 32',
          [
            [0xdc, 0, 3],
            [0xdc, 0, 1, 0xd9, 1, 0x73],
            [0x91, 0xda, 0, 1, 0x78],
            [0xdc, 0, 2, 0x92, 0xcd, 0, 0, 0xd0, 0],
            [0x92, 0xcc, 0, 0xd2, 0xff, 0xff, 0xff, 0xff],
          ].flat(),
        ],
      ];
      for (const [what, tail] of tails) {
        const payload = Buffer.concat([Buffer.from([0x93]), pair.subarray(1), Buffer.from(tail)]);
        const full = decodeCacheValue('list', withHeader(payload, 3));
        expect({ what, because: full.ok ? full.value.because : full.detail }).toEqual({
          what,
          because: [[{ source: 's', item: 'x' }], [{ source: 's' }]],
        });
      }
    });

    it('turns malformed explanations into a corrupt miss, never a wrong value, on the fast and the general path', () => {
      for (const ids of [
        ['a', 'b'],
        ['ü', 'b'],
      ]) {
        const scores = Float32Array.of(2, 1);
        const pair = reference.pack([ids, scores]);
        const withTail = (tail: Buffer): Buffer =>
          withHeader(Buffer.concat([Buffer.from([0x93]), pair.subarray(1), tail]), 1);
        const good = encodeCacheValue('recommendations', { ids, scores, because: [[{ source: 's', item: 'x' }], []] });
        const cases: [string, Buffer][] = [
          ['nothing after the scores', withTail(Buffer.alloc(0))],
          ['a pair with bytes after it', withHeader(Buffer.concat([pair, pack([[], [], [[], []]])]), 1)],
          ['not a 3-array', withTail(pack([['s'], [], [[], []], 1]))],
          ['an object', withTail(pack({ sources: ['s'] }))],
          ['sources not strings', withTail(pack([[1], [], [[], []]]))],
          ['an empty source name', withTail(pack([[''], [], [[0, -1], []]]))],
          ['items not strings', withTail(pack([['s'], [null], [[], []]]))],
          ['fewer explanation lists than ids', withTail(pack([['s'], [], [[]]]))],
          ['more explanation lists than ids', withTail(pack([['s'], [], [[], [], []]]))],
          ['an odd index list', withTail(pack([['s'], [], [[0], []]]))],
          ['a source index out of range', withTail(pack([['s'], [], [[1, -1], []]]))],
          ['a negative source index', withTail(pack([['s'], [], [[-1, -1], []]]))],
          ['an item index out of range', withTail(pack([['s'], ['x'], [[0, 1], []]]))],
          ['an item index below -1', withTail(pack([['s'], ['x'], [[0, -2], []]]))],
          ['a float index', withTail(pack([['s'], ['x'], [[0, 0.5], []]]))],
          ['a string index', withTail(pack([['s'], ['x'], [['0', 0], []]]))],
          [
            'a huge index list',
            withTail(Buffer.from([0x93, 0x91, 0xa1, 0x73, 0x90, 0x92, 0xdd, 0xff, 0xff, 0xff, 0xfe, 0x90])),
          ],
          ['cut short', withTail(good.subarray(good.length - 8, good.length - 1))],
          ['a byte after them', withTail(Buffer.concat([pack([['s'], [], [[], []]]), Buffer.from([0xc0])]))],
        ];
        for (const [what, bytes] of cases) {
          const full = decodeCacheValue('recommendations', bytes);
          expect({ ids, what, reason: full.ok ? 'ok' : full.reason }).toEqual({ ids, what, reason: 'corrupt' });
          expect(full.ok ? '' : full.detail).not.toBe('');
          for (const limit of [0, 1, 10]) {
            const entries = decodeRankedEntries('recommendations', bytes, limit);
            expect({ ids, what, limit, reason: entries.ok ? 'ok' : entries.reason }).toEqual({
              ids,
              what,
              limit,
              reason: 'corrupt',
            });
          }
        }
        // The entries past a limit are checked too: a list reads whole or not at all.
        const lastBad = withTail(
          pack([
            ['s'],
            [],
            [
              [0, -1],
              [5, -1],
            ],
          ]),
        );
        expect(decodeRankedEntries('recommendations', lastBad, 1)).toMatchObject({ ok: false, reason: 'corrupt' });
      }
    });

    it('throws INVALID_ARGUMENT for because not of the shape of its ids', () => {
      const ids = ['a', 'b'];
      const scores = Float32Array.of(2, 1);
      const bad: [string, unknown][] = [
        ['not an array', { source: 'als' }],
        ['too short', [[]]],
        ['too long', [[], [], []]],
        ['an entry not an array', [[], { source: 'als' }]],
        ['an explanation not an object', [[], ['als']]],
        ['a null explanation', [[null], []]],
        ['no source', [[{ item: 'x' }], []]],
        ['a non-string source', [[{ source: 7 }], []]],
        ['an empty source', [[{ source: '' }], []]],
        ['a non-string item', [[{ source: 'als', item: 3 }], []]],
        ['a null item', [[{ source: 'als', item: null }], []]],
      ];
      for (const [what, because] of bad) {
        let code: unknown = 'none';
        try {
          encodeCacheValue('recommendations', { ids, scores, because } as RankedItems);
        } catch (error) {
          code = (error as { code?: unknown }).code;
        }
        expect({ what, code }).toEqual({ what, code: 'INVALID_ARGUMENT' });
      }
    });
  });
});
