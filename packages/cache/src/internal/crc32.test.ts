import { crc32 } from 'node:zlib';
import { createRng } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { crc32Range, crc32RangeInt } from './crc32.js';

describe('crc32Range', () => {
  it("equals zlib's CRC-32 of the range for every length around the JS / zlib boundary, at any offset", () => {
    const rng = createRng(3);
    const bytes = Buffer.from(Array.from({ length: 2100 }, () => rng.int(256)));
    for (let length = 0; length <= 1100; length++) {
      const start = length % 13;
      const expected = crc32(bytes.subarray(start, start + length));
      expect(crc32Range(bytes, start, start + length)).toBe(expected);
      expect(crc32RangeInt(bytes, start, start + length)).toBe(expected | 0);
    }
    expect(crc32Range(bytes, 7, 2100)).toBe(crc32(bytes.subarray(7)));
    // A plain Uint8Array view, as a reader may pass.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 5, 300);
    expect(crc32Range(view, 0, 300)).toBe(crc32(view));
  });
});
