/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and PNG) of `bytes[start, end)`, as an unsigned
 * 32-bit integer: `crc32(bytes)` equals `zlib.crc32(bytes)`. Slicing-by-8 (Kounavis & Berry 2005,
 * as zlib's portable code), pure JavaScript on the bytes in place: no copy, no allocation, no
 * Node import, so every package (and a browser) checks model files and cache values the same way.
 *
 * Throws nothing; a range outside `bytes` is clamped to it.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32Int(bytes, start, end) >>> 0;
}

/**
 * {@link crc32} as a signed int32 (`crc | 0`): a small integer to V8, never a boxed number, for a
 * comparison with a value read by `readInt32LE` / `getInt32` on a hot path.
 */
export function crc32Int(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  const stop = Math.min(end, bytes.length);
  let c = -1;
  let at = Math.max(0, start);
  for (; at + 8 <= stop; at += 8) {
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
  for (; at < stop; at++) c = (t[(c ^ (bytes[at] as number)) & 0xff] as number) ^ (c >>> 8);
  return c ^ -1;
}

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
