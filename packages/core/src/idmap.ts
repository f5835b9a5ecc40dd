import { EncoreError, ErrorCode } from './errors.js';
import { hashRange, mixKey } from './internal/string-hash.js';

/** Slots of an empty map (a power of two). */
const INITIAL_SLOTS = 16;
/** Int32 per slot: index + 1 (0 = empty), hash, packed key (2 words; 0, 0 when the id has none). */
const SLOT = 4;
/** Most slots a table may have: every `slot * SLOT + 3` must stay an int32. */
const MAX_SLOTS = 1 << 28;
/** Indices are int32 (every interned column is an Int32Array). */
const MAX_IDS = 0x7fffffff;
/** Ids of 1 to this many characters, each in U+0001–U+00FF, are compared in the table itself. */
const PACKED_MAX_LENGTH = 8;
/**
 * V8 makes a substring of this many characters or more as a view (SlicedString) into its parent:
 * an id kept that way would keep a whole 1 MiB chunk of the file alive. Shorter ones are copies.
 */
const SLICED_MIN_LENGTH = 13;

/**
 * String ids ↔ dense int indices (0, 1, 2, … in order of first appearance).
 *
 * An open-addressing hash table in one Int32Array (linear probing, load factor ≤ 1/2). A slot
 * holds the index + 1 and the id's 32-bit hash, and, for the short ids most data sets use (1 to 8
 * Latin-1 characters), the characters themselves packed into two words: such an id is found and
 * compared within one cache line, without touching the stored string. Longer ids compare hashes
 * first and characters only when the hashes agree.
 *
 * Every string is an ordinary id (`__proto__`, `''`, any Unicode); ids are compared exactly.
 * Parsers can intern a cell of a line in place with `internRange`, which allocates only when the
 * id is new. The map never keeps a view into a larger string: a new id of 13 or more characters is
 * stored as a copy.
 *
 * Interning happens once at ingestion; every matrix and model after that speaks dense indices.
 * At most 2^27 ids per map (LIMIT_EXCEEDED beyond; a JS Map stops at 2^24).
 *
 * @example
 * const items = new IdMap();
 * items.intern('sku-1'); // 0
 * items.intern('sku-2'); // 1
 * items.internRange('view,sku-2,…', 5, 10); // 1
 * items.indexOf('sku-1'); // 0
 * items.idAt(1); // 'sku-2'
 */
export class IdMap {
  #table = new Int32Array(INITIAL_SLOTS * SLOT);
  #mask = INITIAL_SLOTS - 1;
  readonly #ids: string[] = [];
  // The last id interned and its index. Event logs come grouped (by customer, session, invoice),
  // so consecutive rows repeat ids; a string compare is cheaper than hashing and probing.
  #lastId: string | undefined;
  #lastIndex = -1;
  // What the last #probe computed, for #add.
  #hash = 0;
  #key0 = 0;
  #key1 = 0;

  /** Builds a map whose index i is `ids[i]`. Duplicate ids are an INVALID_ARGUMENT error. */
  static from(ids: Iterable<string>): IdMap {
    const map = new IdMap();
    for (const id of ids) {
      const size = map.size;
      if (map.intern(id) < size) {
        throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `core/IdMap.from: duplicate id, expected unique ids`, {
          value: id,
        });
      }
    }
    return map;
  }

  get size(): number {
    return this.#ids.length;
  }

  /**
   * Index of `id`, adding it when new (the map keeps `id` itself: see `internRange` for cells of a
   * larger string). LIMIT_EXCEEDED past the last index.
   */
  intern(id: string): number {
    if (id === this.#lastId) return this.#lastIndex;
    const found = this.#probe(id, 0, id.length, id);
    if (found >= 0) {
      this.#lastId = id;
      this.#lastIndex = found;
      return found;
    }
    return this.#add(id, -1 - found);
  }

  /**
   * Index of the id `source.slice(start, end)`, adding it when new, without slicing unless it is
   * new or long: the fast path for parsers that know where a cell starts and ends in a line or
   * chunk. A new id of 13 or more characters is stored as a copy, so the map never keeps the chunk
   * alive. INVALID_ARGUMENT unless 0 ≤ start ≤ end ≤ source.length; LIMIT_EXCEEDED past the last
   * index.
   */
  internRange(source: string, start: number, end: number): number {
    if (!(start >= 0 && start <= end && end <= source.length)) throw rangeError('internRange', start, end);
    const last = this.#lastId;
    if (last !== undefined && last.length === end - start && sameChars(last, source, start, end)) {
      return this.#lastIndex;
    }
    const found = this.#probe(source, start, end, undefined);
    if (found >= 0) {
      this.#lastId = this.#ids[found];
      this.#lastIndex = found;
      return found;
    }
    const id = source.slice(start, end);
    return this.#add(id.length < SLICED_MIN_LENGTH ? id : copyOf(id), -1 - found);
  }

  /** Index of `id`, or -1 when absent. */
  indexOf(id: string): number {
    const found = this.#probe(id, 0, id.length, id);
    return found >= 0 ? found : -1;
  }

  /**
   * Index of the id `source.slice(start, end)`, or -1 when absent; allocates nothing for ids of
   * up to 12 characters. INVALID_ARGUMENT unless 0 ≤ start ≤ end ≤ source.length.
   */
  indexOfRange(source: string, start: number, end: number): number {
    if (!(start >= 0 && start <= end && end <= source.length)) throw rangeError('indexOfRange', start, end);
    const found = this.#probe(source, start, end, undefined);
    return found >= 0 ? found : -1;
  }

  has(id: string): boolean {
    return this.indexOf(id) >= 0;
  }

  /** The id at `index`; INVALID_ARGUMENT when out of range. */
  idAt(index: number): string {
    const id = this.#ids[index];
    if (id === undefined) {
      throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `core/IdMap.idAt: index out of range 0..${this.size - 1}`, {
        value: index,
      });
    }
    return id;
  }

  /** All ids in index order (a read-only view; do not mutate). */
  ids(): readonly string[] {
    return this.#ids;
  }

  /**
   * Index of the id `source[start, end)`, or `-1 - slot` for the empty slot where it would go (its
   * hash and packed key then wait in #hash, #key0, #key1 for #add). `key` is that id as a string
   * when the caller has it; otherwise an unpacked id is sliced only when a hash matches, to
   * compare it natively (faster than a character loop past a few characters).
   */
  #probe(source: string, start: number, end: number, key: string | undefined): number {
    const len = end - start;
    let h: number;
    let k0 = 0;
    let k1 = 0;
    if (len > 0 && len <= PACKED_MAX_LENGTH) {
      // Pack the characters 8 bits each (chars 0-3 in k0, 4-7 in k1). With every char in 1..255
      // the pair (k0, k1) spells the id exactly (no zero byte inside, so the length is implied)
      // and k0 is never 0; otherwise the id is not packed (k0 = k1 = 0).
      let bad = 0;
      const mid = len < 4 ? end : start + 4;
      let i = start;
      for (; i < mid; i++) {
        const c = source.charCodeAt(i);
        bad |= (c - 1) | (255 - c);
        k0 = (k0 << 8) | c;
      }
      for (; i < end; i++) {
        const c = source.charCodeAt(i);
        bad |= (c - 1) | (255 - c);
        k1 = (k1 << 8) | c;
      }
      if (bad < 0) {
        k0 = 0;
        k1 = 0;
        h = hashRange(source, start, end);
      } else {
        h = mixKey(k0, k1);
      }
    } else {
      h = hashRange(source, start, end);
    }
    const table = this.#table;
    const mask = this.#mask;
    let slot = h & mask;
    if (k0 !== 0) {
      for (; ; slot = (slot + 1) & mask) {
        const at = slot * SLOT;
        const entry = table[at] as number;
        if (entry === 0) break;
        if (table[at + 2] === k0 && table[at + 3] === k1) return entry - 1;
      }
    } else {
      const ids = this.#ids;
      for (; ; slot = (slot + 1) & mask) {
        const at = slot * SLOT;
        const entry = table[at] as number;
        if (entry === 0) break;
        if (table[at + 1] === h) {
          const id = ids[entry - 1] as string;
          if (id.length === len) {
            if (key === undefined) key = source.slice(start, end);
            if (id === key) return entry - 1;
          }
        }
      }
    }
    this.#hash = h;
    this.#key0 = k0;
    this.#key1 = k1;
    return -1 - slot;
  }

  /** Stores a new id in the empty `slot` the last #probe ended on. */
  #add(id: string, slot: number): number {
    const index = this.#ids.length;
    if (index >= MAX_IDS) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, 'core/IdMap.intern: more than 2^31 - 1 ids', { value: index });
    }
    const table = this.#table;
    const at = slot * SLOT;
    table[at] = index + 1;
    table[at + 1] = this.#hash;
    table[at + 2] = this.#key0;
    table[at + 3] = this.#key1;
    this.#ids.push(id);
    this.#lastId = id;
    this.#lastIndex = index;
    if ((index + 1) * 2 > this.#mask + 1) this.#grow();
    return index;
  }

  /** Doubles the table, placing each entry by its stored hash (no string is hashed again). */
  #grow(): void {
    const slots = (this.#mask + 1) * 2;
    if (slots > MAX_SLOTS) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, 'core/IdMap.intern: more than 2^27 ids in one map', {
        value: this.#ids.length,
      });
    }
    const old = this.#table;
    const table = new Int32Array(slots * SLOT);
    const mask = slots - 1;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from] === 0) continue;
      const h = old[from + 1] as number;
      let slot = h & mask;
      while (table[slot * SLOT] !== 0) slot = (slot + 1) & mask;
      const at = slot * SLOT;
      table[at] = old[from] as number;
      table[at + 1] = h;
      table[at + 2] = old[from + 2] as number;
      table[at + 3] = old[from + 3] as number;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/** True when `id` (of length end - start) equals `source[start, end)`. */
function sameChars(id: string, source: string, start: number, end: number): boolean {
  // A character loop for short ids; past that, a slice (a small view object) and V8's compare.
  if (end - start >= SLICED_MIN_LENGTH) return id === source.slice(start, end);
  for (let i = start; i < end; i++) if (id.charCodeAt(i - start) !== source.charCodeAt(i)) return false;
  return true;
}

/**
 * A copy of `value` sharing no memory with the string it may be a view of. Slicing a concatenation
 * flattens it into a new string first (V8 keeps a view's parent flat), so the result's parent is
 * that fresh copy, one character longer than the id, not the file chunk.
 */
function copyOf(value: string): string {
  return ` ${value}`.slice(1);
}

function rangeError(method: string, start: number, end: number): EncoreError {
  return new EncoreError(
    ErrorCode.INVALID_ARGUMENT,
    `core/IdMap.${method}: range [${start}, ${end}) is not inside the source string, expected 0 ≤ start ≤ end ≤ length`,
    { value: [start, end] },
  );
}
