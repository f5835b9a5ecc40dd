import { createRng } from '@encore/core';
import { describe, expect, it } from 'vitest';
import {
  CACHE_KINDS,
  type CacheIds,
  type CacheKind,
  cacheKeys,
  checkKeyPrefix,
  escapeKeyPart,
  type ListId,
} from './keyspace.js';

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
    expect([keys.current, keys.state, keys.lock]).toEqual(['#shop-1:current', '#shop-1:state', '#shop-1:lock']);
    expect(keys.versionPrefix(3)).toBe('#shop-1:v3:');
    expect(keys.value(3, 'recommendations', 'cust-42')).toBe('#shop-1:v3:rec:cust-42');
    expect(keys.value(3, 'together', 'sku-1')).toBe('#shop-1:v3:tog:sku-1');
    expect(keys.value(3, 'list', 'best-sellers')).toBe('#shop-1:v3:list:best-sellers');
    expect(keys.value(3, 'list', { name: 'best-sellers', category: 'shoes' })).toBe(
      '#shop-1:v3:list:best-sellers:shoes',
    );
    expect(keys.value(3, 'model', 'als')).toBe('#shop-1:v3:model:als');
  });

  it('escapes namespaces and ids so none collides with or reaches into another key', () => {
    const keys = cacheKeys('a:v1');
    expect(keys.current).toBe('#a%3Av1:current');
    expect(keys.value(1, 'recommendations', 'x:model:y')).toBe('#a%3Av1:v1:rec:x%3Amodel%3Ay');
    // A list named 'a:b' is not the list 'a' in category 'b'.
    expect(keys.value(1, 'list', 'a:b')).not.toBe(keys.value(1, 'list', { name: 'a', category: 'b' }));
    // The version segment ends with ':' so v1's prefix is not a prefix of v10's keys.
    expect(keys.value(10, 'model', 'm').startsWith(keys.versionPrefix(1))).toBe(false);
    // No id leaves glob or hash-tag characters in a key.
    expect(keys.value(1, 'together', '*?[]\\{}')).toBe('#a%3Av1:v1:tog:%2A%3F%5B%5D%5C%7B%7D');
  });

  it('keeps lone surrogates apart from U+FFFD, which UTF-8 would turn them into', () => {
    const keys = cacheKeys('s');
    const lone = keys.value(1, 'recommendations', '\ud800');
    const replacement = keys.value(1, 'recommendations', '\ufffd');
    expect(lone).toBe('#s:v1:rec:%uD800');
    expect(Buffer.from(lone).equals(Buffer.from(replacement))).toBe(false);
    expect(keys.value(1, 'recommendations', '🛒')).toBe('#s:v1:rec:🛒');
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

/** A key as a store with `prefix` writes it: the prefix, then the keyspace's key (RedisCache). */
interface Tuple {
  readonly prefix: string;
  readonly namespace: string;
  readonly version: number;
  readonly kind: CacheKind;
  readonly id: CacheIds[CacheKind];
}

describe('the keyspace under store prefixes', () => {
  it('checkKeyPrefix takes any string without # or a lone surrogate, nested paths included', () => {
    for (const prefix of ['', 'encore:', 'encore:rel:v2:', 'encore-test:{suite}:1-2-3:', 'a*?[]\\', '🛒:']) {
      expect(checkKeyPrefix('t', prefix)).toBe(prefix);
    }
    for (const prefix of ['encore:#rel:', '#', 'a\ud800', '\udc00b', 7, null]) {
      expect(() => checkKeyPrefix('t', prefix)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('app A (encore: + rel) retiring version 2 does not reach app B (encore:rel:v2: + shop)', () => {
    const a = `encore:${cacheKeys('rel').versionPrefix(2)}`;
    const b = cacheKeys('shop');
    for (const key of [b.current, b.state, b.lock, b.value(1, 'recommendations', 'c1')]) {
      expect(`encore:rel:v2:${key}`.startsWith(a)).toBe(false);
    }
    expect(a).toBe('encore:#rel:v2:');
  });

  it("no two generated (prefix, namespace, version, kind, id) share a key; no version prefix begins another tuple's key", () => {
    const rng = createRng(2026);
    const pieces = [
      'a',
      'rel',
      'shop',
      'v',
      'v1',
      'v2',
      '1',
      '2',
      ':',
      ':v2:',
      '%',
      '%3A',
      '#',
      'rec:',
      'list',
      '*',
      '{',
      ' ',
      'ü',
      '🛒',
      '\ud800',
      '\ufffd',
    ];
    const word = (most: number): string => {
      let text = '';
      const length = rng.int(most + 1);
      for (let i = 0; i < length; i++) text += pieces[rng.int(pieces.length)];
      return text;
    };
    const idOf = (kind: CacheKind): CacheIds[CacheKind] => {
      if (kind !== 'list' || rng.int(2) === 0) return word(3);
      const list: ListId = rng.int(2) === 0 ? { name: word(2) } : { name: word(2), category: word(2) };
      return list;
    };
    const fullKey = (t: Tuple): string => t.prefix + cacheKeys(t.namespace).value(t.version, t.kind, t.id as never);
    const tuples: Tuple[] = [];
    let rejected = 0;
    while (tuples.length < 4000) {
      // Half the prefixes are built on another tuple's path, as app B's was on app A's: its
      // prefix, then its namespace and version joined as keys once were, or the start of its key.
      let prefix = word(3);
      const other = tuples[rng.int(tuples.length)];
      if (other !== undefined && rng.int(2) === 0) {
        const naive = `${escapeKeyPart(other.namespace)}:v${other.version}:`;
        const key = fullKey(other);
        const choices = [naive, naive.slice(0, rng.int(naive.length + 1)), key.slice(other.prefix.length)];
        prefix = other.prefix + (choices[rng.int(choices.length)] as string).slice(0, 40);
        if (rng.int(3) === 0) prefix = prefix.slice(0, rng.int(prefix.length + 1));
      }
      try {
        checkKeyPrefix('t', prefix);
      } catch {
        rejected++;
        continue;
      }
      const kind = CACHE_KINDS[rng.int(CACHE_KINDS.length)] as CacheKind;
      const namespace = word(3) || 'n';
      tuples.push({ prefix, namespace, version: 1 + rng.int(12), kind, id: idOf(kind) });
    }
    expect(rejected).toBeGreaterThan(100); // the generator does try prefixes with # and lone surrogates

    // Every key a tuple's app writes: the value's, and its namespace's pointer, state and lock.
    const owner = new Map<string, string>();
    const claim = (key: string, who: string): void => {
      expect(key).not.toMatch(LONE_SURROGATE); // well-formed, so string prefixes are UTF-8 byte prefixes
      const had = owner.get(key);
      if (had !== undefined && had !== who) throw new Error(`${JSON.stringify(key)} is both ${had} and ${who}`);
      owner.set(key, who);
    };
    const pathOf = (t: Tuple): string => JSON.stringify([t.prefix, t.namespace, t.version]);
    for (const t of tuples) {
      const keys = cacheKeys(t.namespace);
      claim(fullKey(t), JSON.stringify([t.prefix, t.namespace, t.version, t.kind, t.id]));
      for (const fixed of [keys.current, keys.state, keys.lock]) {
        claim(t.prefix + fixed, JSON.stringify([t.prefix, t.namespace, fixed]));
      }
    }
    expect(owner.size).toBeGreaterThan(3 * tuples.length);

    // What retire, sweep and abort expire or delete: each tuple's version prefix. The keys under it
    // (sorted, so they are one run) are that version's values, and nothing else.
    const versionOf = new Map<string, string>();
    for (const t of tuples) versionOf.set(fullKey(t), pathOf(t));
    const sorted = [...owner.keys()].sort();
    const firstAtLeast = (text: string): number => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((sorted[mid] as string) < text) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let checked = 0;
    for (const t of tuples) {
      const versionPrefix = t.prefix + cacheKeys(t.namespace).versionPrefix(t.version);
      for (let i = firstAtLeast(versionPrefix); i < sorted.length; i++) {
        const key = sorted[i] as string;
        if (!key.startsWith(versionPrefix)) break;
        if (versionOf.get(key) !== pathOf(t)) {
          throw new Error(
            `${JSON.stringify(versionPrefix)} (${pathOf(t)}) begins ${JSON.stringify(key)}, which is not its own`,
          );
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(tuples.length);
  });
});
