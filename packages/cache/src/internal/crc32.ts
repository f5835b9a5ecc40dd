import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32Int } from '@encore/core';

/**
 * CRC-32 (IEEE, zlib's) of `bytes[start, end)`, as `zlib.crc32(bytes.subarray(start, end))` gives
 * it. A cache hit checks the CRC of a payload of a few hundred bytes, where zlib's call costs more
 * than its work, plus a view of the range: below NATIVE_FROM bytes this is core's slicing-by-8 in
 * JS on the bytes in place, allocating nothing. Longer ranges go to zlib.
 */
export function crc32Range(bytes: Uint8Array, start: number, end: number): number {
  return crc32RangeInt(bytes, start, end) >>> 0;
}

/**
 * {@link crc32Range} as a signed int32 (`crc | 0`): a small integer to V8, never a boxed number,
 * for a comparison with `readInt32LE` on every cache hit.
 */
export function crc32RangeInt(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM) return zlibCrc32(bytes.subarray(start, end)) | 0;
  return crc32Int(bytes, start, end);
}

/** Ranges of this many bytes or more go to zlib (measured: JS wins below about 1 KiB on a top-20's payload). */
const NATIVE_FROM = 1024;
