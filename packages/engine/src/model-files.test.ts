import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, type ModelEnvelope, readModel, writeModel } from './model-files.js';

const envelope: ModelEnvelope = {
  kind: 'cooccurrence',
  params: { similarity: 'llr', neighbours: 50 },
  createdAt: '2026-11-23T00:00:00.000Z',
  data: {
    items: ['a', '__proto__', 'constructor', 'ü'],
    scores: Float32Array.from([0.1, 1 / 3, Number.NaN, -0]),
    indices: Int32Array.from([0, -1, 2 ** 31 - 1]),
    indptr: Int32Array.from([0, 2, 3]),
    times: Float64Array.from([1.5e12, 2]),
    counts: new Map([['x', 1]]),
    flags: Uint8Array.from([1, 2, 255]),
  },
};

describe('model files', () => {
  it('round-trip typed arrays exactly (types and bits)', () => {
    const back = decodeModel(encodeModel(envelope));
    const data = back.data as Record<string, unknown>;
    const original = envelope.data as Record<string, unknown>;
    for (const key of ['scores', 'indices', 'indptr', 'times', 'flags']) {
      const a = original[key] as ArrayLike<number> & { constructor: unknown };
      const b = data[key] as ArrayLike<number> & { constructor: unknown };
      expect(b.constructor).toBe(a.constructor);
      expect(
        Buffer.from(
          new Uint8Array(
            (b as unknown as Float32Array).buffer,
            (b as unknown as Float32Array).byteOffset,
            (b as unknown as Float32Array).byteLength,
          ),
        ),
      ).toEqual(
        Buffer.from(
          new Uint8Array(
            (a as unknown as Float32Array).buffer,
            (a as unknown as Float32Array).byteOffset,
            (a as unknown as Float32Array).byteLength,
          ),
        ),
      );
    }
    expect(data.items).toEqual(original.items);
    expect(data.counts).toEqual(original.counts);
    expect(back.params).toEqual(envelope.params);
  });

  it('reject truncated, corrupt, foreign and other-version files with MODEL_FORMAT', () => {
    const bytes = encodeModel(envelope);
    const code = { code: ErrorCode.MODEL_FORMAT };
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 7))).toThrow(expect.objectContaining(code));
    expect(() => decodeModel(bytes.subarray(0, 10))).toThrow(expect.objectContaining(code));
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 3]! ^= 0xff;
    expect(() => decodeModel(corrupt)).toThrow(expect.objectContaining(code));
    const other = Buffer.from(bytes);
    other.writeUInt32LE(99, 8);
    expect(() => decodeModel(other)).toThrow(/format version 99/);
    expect(() => decodeModel(Buffer.from('{"kind":"json"}'))).toThrow(expect.objectContaining(code));
  });

  it('write atomically and read back; a missing model is FILE_NOT_FOUND', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-model-'));
    const path = await writeModel(join(dir, 'm'), envelope, { items: 4 });
    expect((await readModel(join(dir, 'm'))).kind).toBe('cooccurrence');
    expect(JSON.parse(await readFile(join(dir, 'm', 'model.json'), 'utf8'))).toMatchObject({
      kind: 'cooccurrence',
      items: 4,
      formatVersion: 1,
    });
    await writeFile(path, (await readFile(path)).subarray(0, 100));
    await expect(readModel(join(dir, 'm'))).rejects.toMatchObject({ code: ErrorCode.MODEL_FORMAT });
    await expect(readModel(join(dir, 'nope'))).rejects.toMatchObject({ code: ErrorCode.FILE_NOT_FOUND });
  });
});
