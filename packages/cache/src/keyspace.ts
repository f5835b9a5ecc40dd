import { checkInteger, checkOneOf, invalidArgument } from '@encore/core';

/**
 * The keyspace: every key Encore's cache writes is built here, and only here.
 *
 * One namespace per shop. Under it, one pointer names the current version; each version's values
 * live under their own prefix, so a version is written, switched to, expired or swept as a whole:
 *
 *   #{ns}:current                        the pointer: the current version, ASCII decimal ("7")
 *   #{ns}:state                          publish bookkeeping (JSON: last version, pending, retiring)
 *   #{ns}:lock                           the publish lock: the writer's token, with a lease (TTL)
 *   #{ns}:v{N}:rec:{customer}            recommendations for a customer
 *   #{ns}:v{N}:tog:{item}                items bought / viewed together with an item
 *   #{ns}:v{N}:list:{name}[:{category}]  a curated list (best sellers, trending, …)
 *   #{ns}:v{N}:model:{name}              model metadata
 *
 * The namespace and every id are escaped by {@link escapeKeyPart}: `%`, `:` (the separator),
 * `{` `}` (Redis Cluster hash tags), `* ? [ ] \` (SCAN patterns), control characters and lone
 * UTF-16 surrogates (which UTF-8 would turn into U+FFFD, so two ids would share a key) become
 * `%XX` / `%uXXXX`. The escaping is reversible, so distinct ids give distinct keys, and no id
 * contains a `:`, so none reaches into another part of the key.
 *
 * A store may put a prefix before every key, so that several apps share one Redis (RedisCache's
 * `prefix`, default 'encore:': `encore:#shop-1:v3:rec:cust-42`). The `#` that begins every key
 * marks where the prefix ends, and no prefix may hold one ({@link checkKeyPrefix}; createRedisCache
 * refuses such a prefix). So the first `#` of a key ends its prefix and the rest is parsed as
 * above: no two (prefix, namespace, version, kind, id) share a key, and no app's version prefix
 * (`encore:#shop-1:v3:`, which publishing expires when it retires the version and deletes when it
 * sweeps or aborts it) begins a key of another app, even an app whose prefix begins with this
 * one's whole path: app A (prefix `encore:`, namespace `rel`) retires `encore:#rel:v2:`, app B
 * (prefix `encore:rel:v2:`, namespace `shop`) keeps `encore:rel:v2:#shop:current`.
 *
 * Key format: this one (the `#`) since the keyspace was made unambiguous across prefixes. Keys
 * written before it (`encore:shop-1:current`, `encore:shop-1:v3:rec:…`) are not read: until the
 * first publish with this code, readers find no pointer and miss ('unpublished'), never misread
 * an old value; that publish writes version 1 of the new format (its own pointer and bookkeeping)
 * and leaves the old keys alone. Old servers go on reading the old version until they are
 * upgraded. Delete the old keys once none is left (`redis-cli --scan --pattern 'encore:shop-1:*'`
 * lists them; check that no other app's prefix begins with `encore:shop-1:`).
 */

/** What a namespace holds, one value per id. */
export const CACHE_KINDS = Object.freeze(['recommendations', 'together', 'list', 'model'] as const);
/** One of {@link CACHE_KINDS}. */
export type CacheKind = (typeof CACHE_KINDS)[number];

/** A curated list: its name ('best-sellers', 'trending') and optionally a category. */
export interface ListId {
  readonly name: string;
  readonly category?: string;
}

/** The id type of each kind: customers, items, lists (a name or a name and category), models. */
export interface CacheIds {
  readonly recommendations: string;
  readonly together: string;
  readonly list: string | ListId;
  readonly model: string;
}

/** Keys of one namespace. */
export interface CacheKeys {
  readonly namespace: string;
  /** The pointer to the current version. */
  readonly current: string;
  /** Publish bookkeeping. */
  readonly state: string;
  /** The publish lock. */
  readonly lock: string;
  /** The prefix of every value of `version` (ends with ':'). */
  versionPrefix(version: number): string;
  /** The key of one value. */
  value<K extends CacheKind>(version: number, kind: K, id: CacheIds[K]): string;
}

const KIND_TAGS: Readonly<Record<CacheKind, string>> = Object.freeze({
  recommendations: 'rec',
  together: 'tog',
  list: 'list',
  model: 'model',
});

/**
 * The first character of every key of the keyspace, which no store prefix may contain: it marks
 * where a store's prefix ends (see the module comment).
 */
export const KEY_START = '#';

/** Largest version number: versions are counted up once per publish and must stay exact. */
export const MAX_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * Checks a store's key prefix (RedisCache's `prefix`) and returns it: any string without
 * {@link KEY_START} (`#`) and without lone UTF-16 surrogates (UTF-8 turns each into U+FFFD, so
 * 'a\ud800' and 'a\ufffd' would be one prefix); '' is one. With such prefixes, the keys of two
 * apps never collide and neither app's version prefixes begin a key of the other (module comment).
 * Throws INVALID_ARGUMENT otherwise.
 *
 * @example
 * checkKeyPrefix('cache/createRedisCache', 'encore:rel:v2:'); // 'encore:rel:v2:'
 * checkKeyPrefix('cache/createRedisCache', 'encore:#rel:'); // throws INVALID_ARGUMENT
 */
export function checkKeyPrefix(where: string, prefix: unknown): string {
  if (typeof prefix !== 'string') throw invalidArgument(where, 'prefix must be a string', prefix);
  if (prefix.includes(KEY_START)) {
    throw invalidArgument(
      where,
      `prefix must not contain '${KEY_START}': it marks where a prefix ends and Encore's keys begin, which keeps apps that share a Redis apart`,
      prefix,
    );
  }
  if (LONE_SURROGATE.test(prefix)) {
    throw invalidArgument(
      where,
      'prefix must not contain a lone UTF-16 surrogate (UTF-8 would make it U+FFFD)',
      prefix,
    );
  }
  return prefix;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The keys of `namespace` (a shop). Pure: no store is touched.
 *
 * Throws INVALID_ARGUMENT for an empty or non-string namespace, a version that is not an integer
 * ≥ 1, an unknown kind, or an id that is not a string (a list id: a string or `{ name, category? }`).
 *
 * @example
 * const keys = cacheKeys('shop-1');
 * keys.current; // '#shop-1:current'
 * keys.value(3, 'recommendations', 'cust:42'); // '#shop-1:v3:rec:cust%3A42'
 */
export function cacheKeys(namespace: string): CacheKeys {
  const where = 'cache/cacheKeys';
  if (typeof namespace !== 'string' || namespace === '') {
    throw invalidArgument(where, 'namespace must be a non-empty string', namespace);
  }
  const ns = KEY_START + escapeKeyPart(namespace);
  const versionPrefix = (version: number): string => `${ns}:v${checkInteger(where, 'version', version, 1)}:`;
  // The prefixes of each kind's values in the version read last (`#shop-1:v3:rec:`): a server reads
  // one version for a while, and a value's key is then this string and the id, nothing more built.
  let prefixedVersion = 0;
  let kindPrefixes: Record<CacheKind, string> | null = null;
  const kindPrefix = (version: number, kind: CacheKind): string => {
    if (version !== prefixedVersion || kindPrefixes === null) {
      const prefix = versionPrefix(version);
      kindPrefixes = {
        recommendations: `${prefix}${KIND_TAGS.recommendations}:`,
        together: `${prefix}${KIND_TAGS.together}:`,
        list: `${prefix}${KIND_TAGS.list}:`,
        model: `${prefix}${KIND_TAGS.model}:`,
      };
      prefixedVersion = version;
    }
    return kindPrefixes[checkOneOf(where, 'kind', kind, CACHE_KINDS)];
  };
  return Object.freeze({
    namespace,
    current: `${ns}:current`,
    state: `${ns}:state`,
    lock: `${ns}:lock`,
    versionPrefix,
    value<K extends CacheKind>(version: number, kind: K, id: CacheIds[K]): string {
      return kindPrefix(version, kind) + idPart(where, kind, id);
    },
  });
}

/**
 * The part of a value's key after its version prefix (`rec:{customer}`), checking kind and id;
 * lets a reader check its arguments before it resolves a version. Not exported from the package.
 */
export function valueKeyPart(where: string, kind: CacheKind, id: unknown): string {
  const tag = KIND_TAGS[checkOneOf(where, 'kind', kind, CACHE_KINDS)];
  return `${tag}:${idPart(where, kind, id)}`;
}

function idPart(where: string, kind: CacheKind, id: unknown): string {
  if (typeof id === 'string') return escapeKeyPart(id);
  if (kind === 'list' && typeof id === 'object' && id !== null) {
    const { name, category } = id as ListId;
    if (typeof name === 'string' && (category === undefined || typeof category === 'string')) {
      return category === undefined ? escapeKeyPart(name) : `${escapeKeyPart(name)}:${escapeKeyPart(category)}`;
    }
  }
  const expected = kind === 'list' ? 'a string or { name: string, category?: string }' : 'a string';
  throw invalidArgument(where, `${kind} id must be ${expected}`, id);
}

// Anything that may need escaping: the escape character, the separator, hash-tag braces, glob
// characters, control characters, and any surrogate (pairs are kept; only lone ones are escaped).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what is escaped
const NEEDS_ESCAPE = /[%:{}*?[\]\\\u0000-\u001f\u007f\ud800-\udfff]/;
const ESCAPED = new Set(['%', ':', '{', '}', '*', '?', '[', ']', '\\']);

/**
 * Escapes one part of a key (a namespace or an id), reversibly. See the module comment.
 *
 * @example
 * escapeKeyPart('a:b'); // 'a%3Ab'
 * escapeKeyPart('50%'); // '50%25'
 */
export function escapeKeyPart(part: string): string {
  if (!NEEDS_ESCAPE.test(part)) return part;
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < part.length) {
      const next = part.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += part[i]! + part[i + 1]!;
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) out += `%u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (c < 0x20 || c === 0x7f || ESCAPED.has(part[i]!)) {
      out += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += part[i]!;
  }
  return out;
}
