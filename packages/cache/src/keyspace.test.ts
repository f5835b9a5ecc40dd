import { createRng } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { cacheKeys, escapeKeyPart } from './keyspace.js';

/** The inverse of escapeKeyPart: if it exists, escaping is injective (no two ids share a key). */
function unescapeKeyPart(part: string): string {
  return part.replace(/%u([0-9A-F]{4})|%([0-9A-F]{2})/g, (_, u: string | undefined, x: string | undefined) =>
    String.fromCharCode(Number.parseInt((u ?? x) as string, 16)),
  );
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('cacheKeys', () => {
  it('lays out one namespace: pointer, state, lock, and values under a version prefix', () => {
    const keys = cacheKeys('shop-1');
    expect([keys.current, keys.state, keys.lock]).toEqual(['shop-1:current', 'shop-1:state', 'shop-1:lock']);
    expect(keys.versionPrefix(3)).toBe('shop-1:v3:');
    expect(keys.value(3, 'recommendations', 'cust-42')).toBe('shop-1:v3:rec:cust-42');
    expect(keys.value(3, 'together', 'sku-1')).toBe('shop-1:v3:tog:sku-1');
    expect(keys.value(3, 'list', 'best-sellers')).toBe('shop-1:v3:list:best-sellers');
    expect(keys.value(3, 'list', { name: 'best-sellers', category: 'shoes' })).toBe(
      'shop-1:v3:list:best-sellers:shoes',
    );
    expect(keys.value(3, 'model', 'als')).toBe('shop-1:v3:model:als');
  });

  it('escapes namespaces and ids so none collides with or reaches into another key', () => {
    const keys = cacheKeys('a:v1');
    expect(keys.current).toBe('a%3Av1:current');
    expect(keys.value(1, 'recommendations', 'x:model:y')).toBe('a%3Av1:v1:rec:x%3Amodel%3Ay');
    // A list named 'a:b' is not the list 'a' in category 'b'.
    expect(keys.value(1, 'list', 'a:b')).not.toBe(keys.value(1, 'list', { name: 'a', category: 'b' }));
    // The version segment ends with ':' so v1's prefix is not a prefix of v10's keys.
    expect(keys.value(10, 'model', 'm').startsWith(keys.versionPrefix(1))).toBe(false);
    // No id leaves glob or hash-tag characters in a key.
    expect(keys.value(1, 'together', '*?[]\\{}')).toBe('a%3Av1:v1:tog:%2A%3F%5B%5D%5C%7B%7D');
  });

  it('keeps lone surrogates apart from U+FFFD, which UTF-8 would turn them into', () => {
    const keys = cacheKeys('s');
    const lone = keys.value(1, 'recommendations', '\ud800');
    const replacement = keys.value(1, 'recommendations', '\ufffd');
    expect(lone).toBe('s:v1:rec:%uD800');
    expect(Buffer.from(lone).equals(Buffer.from(replacement))).toBe(false);
    expect(keys.value(1, 'recommendations', '🛒')).toBe('s:v1:rec:🛒');
    expect(escapeKeyPart('\udc00\ud83d')).toBe('%uDC00%uD83D');
  });

  it('escaping is reversible and leaves no separator, escape-less % or lone surrogate (random ids)', () => {
    const rng = createRng(7);
    const alphabet = [
      'a',
      'Z',
      '0',
      ':',
      '%',
      '%3A',
      '{',
      '}',
      '*',
      '?',
      '[',
      ']',
      '\\',
      '\u0000',
      '\n',
      '\u007f',
      ' ',
      'ü',
      '🛒',
      '\ud800',
      '\udfff',
      '\ufffd',
      'u',
    ];
    const seen = new Map<string, string>();
    for (let n = 0; n < 5000; n++) {
      let id = '';
      const length = rng.int(8);
      for (let i = 0; i < length; i++) id += alphabet[rng.int(alphabet.length)];
      const escaped = escapeKeyPart(id);
      expect(unescapeKeyPart(escaped)).toBe(id);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters must be escaped
      expect(escaped).not.toMatch(/[:{}*?[\]\\\u0000-\u001f\u007f]/);
      expect(escaped).not.toMatch(LONE_SURROGATE);
      const other = seen.get(Buffer.from(escaped).toString('hex'));
      if (other !== undefined) expect(other).toBe(id);
      seen.set(Buffer.from(escaped).toString('hex'), id);
    }
  });

  it('throws INVALID_ARGUMENT for a bad namespace, version, kind or id', () => {
    expect(() => cacheKeys('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => cacheKeys(7 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const keys = cacheKeys('n');
    for (const call of [
      () => keys.versionPrefix(0),
      () => keys.versionPrefix(1.5),
      () => keys.value(1, 'pets' as never, 'x' as never),
      () => keys.value(1, 'recommendations', 7 as never),
      () => keys.value(1, 'together', { name: 'x' } as never),
      () => keys.value(1, 'list', { name: 7 } as never),
      () => keys.value(1, 'list', { name: 'x', category: null } as never),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
