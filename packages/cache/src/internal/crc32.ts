import { crc32 } from 'node:zlib';

/**
 * CRC-32 (IEEE, zlib's) of `bytes[start, end)`, as `zlib.crc32(bytes.subarray(start, end))` gives
 * it. A cache hit checks the CRC of a payload of a few hundred bytes, where zlib's call costs more
 * than its work, plus a view of the range; below NATIVE_FROM bytes this runs in JS (slicing by 8,
 * as zlib's portable code does) on the bytes in place, allocating nothing. Longer ranges go to zlib.
 */
export function crc32Range(bytes: Uint8Array, start: number, end: number): number {
  return crc32RangeInt(bytes, start, end) >>> 0;
}

/**
 * {@link crc32Range} as a signed int32 (`crc | 0`): a small integer to V8, never a boxed number,
 * for a comparison with `readInt32LE` on every cache hit.
 */
export function crc32RangeInt(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM) return crc32(bytes.subarray(start, end)) | 0;
  const t = TABLES;
  let c = -1;
  let at = start;
  for (; at + 8 <= end; at += 8) {
    const low =
      c ^
      ((bytes[at] as number) |
        ((bytes[at + 1] as number) << 8) |
        ((bytes[at + 2] as number) << 16) |
        ((bytes[at + 3] as number) << 24));
    c =
      (t[1792 + (low & 0xff)] as number) ^
      (t[1536 + ((low >>> 8) & 0xff)] as number) ^
      (t[1280 + ((low >>> 16) & 0xff)] as number) ^
      (t[1024 + (low >>> 24)] as number) ^
      (t[768 + (bytes[at + 4] as number)] as number) ^
      (t[512 + (bytes[at + 5] as number)] as number) ^
      (t[256 + (bytes[at + 6] as number)] as number) ^
      (t[bytes[at + 7] as number] as number);
  }
  for (; at < end; at++) c = (t[(c ^ (bytes[at] as number)) & 0xff] as number) ^ (c >>> 8);
  return c ^ -1;
}

/** Ranges of this many bytes or more go to zlib (measured: JS wins below about 1 KiB on a top-20's payload). */
const NATIVE_FROM = 1024;

/**
 * Table k (256 entries from 256k) is the CRC of byte b followed by k zero bytes: the 8 tables of
 * slicing-by-8 for the reflected polynomial 0xEDB88320.
 */
const TABLES = ((): Int32Array => {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[b] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const previous = t[(k - 1) * 256 + b] as number;
      t[k * 256 + b] = (t[previous & 0xff] as number) ^ (previous >>> 8);
    }
  }
  return t;
})();
