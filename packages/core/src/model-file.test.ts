import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { ErrorCode } from './errors.js';
import {
  decodeModelFile,
  encodeModelFile,
  MODEL_FILE_VERSION,
  type ModelFileContent,
  peekModelFile,
} from './model-file.js';

const bitsOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const content: ModelFileContent = {
  family: 'als',
  version: 3,
  meta: { factors: 2, params: { alpha: 2.5, nested: [1, 'x', null, true] } },
  sections: {
    itemIds: ['a', '__proto__', 'constructor', 'ü', '', 'caffè ☕'],
    scores: Float32Array.from([0.1, 1 / 3, Number.NaN, -0, Number.POSITIVE_INFINITY]),
    indices: Int32Array.from([0, -1, 2 ** 31 - 1]),
    times: Float64Array.from([1.5e12, 2]),
    flags: Uint8Array.from([1, 2, 255]),
    empty: new Uint32Array(0),
  },
};

/** What a decoder throws for a file it refuses: MODEL_FORMAT, saying what was wrong. */
const modelFormat = (message: RegExp): unknown =>
  expect.objectContaining({ code: ErrorCode.MODEL_FORMAT, message: expect.stringMatching(message) });

describe('crc32', () => {
  it('equals zlib for every length 0..300 at odd offsets, and the check value', () => {
    const bytes = Uint8Array.from({ length: 400 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 300; n++) {
      expect(crc32(bytes, 3, 3 + n)).toBe(zlibCrc32(bytes.subarray(3, 3 + n)));
    }
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('model files', () => {
  it('round-trip typed arrays bit for bit, strings, and JSON metadata', () => {
    const file = decodeModelFile(encodeModelFile(content));
    expect(file.family).toBe('als');
    expect(file.version).toBe(3);
    expect(file.meta).toEqual(content.meta);
    expect(file.strings('itemIds')).toEqual(content.sections.itemIds);
    for (const [name, read] of [
      ['scores', file.float32('scores')],
      ['indices', file.int32('indices')],
      ['times', file.float64('times')],
      ['flags', file.uint8('flags')],
      ['empty', file.uint32('empty')],
    ] as const) {
      const original = content.sections[name] as ArrayBufferView;
      expect(read.constructor).toBe(original.constructor);
      expect(bitsOf(read)).toEqual(bitsOf(original));
    }
  });

  it('hands out aligned views, also from bytes at an odd offset (a pooled Buffer)', () => {
    const bytes = encodeModelFile(content);
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    const file = decodeModelFile(shifted);
    expect(file.int32('indices')[2]).toBe(2 ** 31 - 1);
    expect(file.float64('times').byteOffset % 8).toBe(0);
  });

  it('peeks the family and version without decoding', () => {
    expect(peekModelFile(encodeModelFile(content))).toEqual({ family: 'als', version: 3 });
    expect(peekModelFile(new TextEncoder().encode('not a model file, just some text here'))).toBeNull();
  });

  it('refuses anything but a whole intact file: magic, container version, length, checksum', () => {
    const bytes = encodeModelFile(content);
    expect(() => decodeModelFile(new TextEncoder().encode('not a model file at all, just text'))).toThrow(
      modelFormat(/bad magic/),
    );
    const version = bytes.slice();
    new DataView(version.buffer).setUint32(8, MODEL_FILE_VERSION - 1, true);
    expect(() => decodeModelFile(version)).toThrow(modelFormat(/model file version 1, this Encore reads 2; retrain/));
    expect(() => decodeModelFile(bytes.subarray(0, bytes.length - 8))).toThrow(modelFormat(/truncated/));
    const flipped = bytes.slice();
    flipped[flipped.length - 20]! ^= 0x10;
    expect(() => decodeModelFile(flipped, { source: 'm/als.encore' })).toThrow(
      modelFormat(/m\/als\.encore: checksum mismatch/),
    );
  });

  it('checks the family, its version, and every getter: type, length, finiteness, range', () => {
    const bytes = encodeModelFile(content);
    expect(() => decodeModelFile(bytes, { family: 'bpr' })).toThrow(modelFormat(/holds a 'als' model, expected 'bpr'/));
    expect(() => decodeModelFile(bytes, { maxVersion: 2 })).toThrow(
      modelFormat(/als format version 3, this Encore reads 1\.\.2/),
    );
    const file = decodeModelFile(bytes, { where: 'factorization/decodeFactorModel', source: 'x' });
    expect(() => file.float32('missing')).toThrow(
      modelFormat(/factorization\/decodeFactorModel: x: missing section missing/),
    );
    expect(() => file.int32('scores')).toThrow(modelFormat(/holds float32, expected int32/));
    expect(() => file.strings('itemIds', 7)).toThrow(modelFormat(/holds 6 strings, expected 7/));
    expect(() => file.float32('scores', { finite: true })).toThrow(modelFormat(/scores\[2\] is NaN/));
    expect(() => file.int32('indices', { min: 0 })).toThrow(modelFormat(/indices\[1\] is -1/));
    expect(() => file.int32('indices', { length: 4 })).toThrow(modelFormat(/holds 3 values, expected 4/));
    expect(() => file.integer('factors', 3)).toThrow(modelFormat(/meta\.factors must be an integer in \[3,/));
    expect(() => file.string('factors')).toThrow(modelFormat(/meta\.factors must be a string/));
    expect(file.integer('factors', 1, 64)).toBe(2);
  });

  it('rejects content that would not round-trip', () => {
    const bad =
      (change: Partial<ModelFileContent>): unknown =>
      () =>
        encodeModelFile({ ...content, ...change });
    const changes: Partial<ModelFileContent>[] = [
      { family: 'ALS' },
      { version: 0 },
      { meta: { x: Number.NaN } },
      { meta: { x: undefined as unknown as null } },
      { meta: { when: new Date() as unknown as null } },
      { sections: { 'bad name': new Int32Array(1) } },
      { sections: { list: [1, 2] as unknown as string[] } },
      { sections: { view: new DataView(new ArrayBuffer(4)) as unknown as Uint8Array } },
    ];
    for (const change of changes) {
      expect(bad(change)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
  });

  it('finds a section entry that points past the end, even with a valid checksum', () => {
    const bytes = encodeModelFile({ family: 'x', version: 1, meta: {}, sections: { a: new Float64Array(2) } });
    const header = new TextDecoder().decode(bytes.subarray(32, 32 + new DataView(bytes.buffer).getUint32(12, true)));
    const forged = header.replace('"length":2', '"length":9');
    const out = new Uint8Array(bytes.length);
    out.set(bytes);
    out.set(new TextEncoder().encode(forged), 32);
    new DataView(out.buffer).setUint32(24, crc32(out, 32), true);
    expect(() => decodeModelFile(out)).toThrow(modelFormat(/section a runs past the end/));
  });
});
