/**
 * Item ids as cache hits decode them, each kept once and handed out again: a hit on a top-20 made
 * twenty new strings, a sixth of its garbage, and the same few thousand ids come back hit after
 * hit. An id of up to 12 ASCII bytes is its bytes packed in three int32 words, so a lookup is a
 * hash of those words and one probe or two of an open-addressed table, with no string made to
 * look it up. The table grows by doubling up to MAX_SLOTS, kept at most half full; once full, ids
 * not in it are made as new strings each time (the ones seen first, mostly the popular ones, stay).
 */
export class IdTable {
  #words: Int32Array;
  #lengths: Uint8Array;
  #ids: (string | undefined)[];
  #size = 0;
  readonly #maxSlots: number;

  /** Slot counts are powers of two: `initialSlots` ≤ `maxSlots`. */
  constructor(initialSlots = 1024, maxSlots = MAX_SLOTS) {
    this.#maxSlots = maxSlots;
    this.#words = new Int32Array(3 * initialSlots);
    this.#lengths = new Uint8Array(initialSlots);
    this.#ids = new Array<string | undefined>(initialSlots).fill(undefined);
  }

  /** Ids held. */
  get size(): number {
    return this.#size;
  }

  /**
   * The ASCII string in `p[at, at + length)`, the same string for the same bytes while the table
   * holds it (ids over MAX_LENGTH bytes are made each time); undefined when a byte is not ASCII.
   */
  get(p: Buffer, at: number, length: number): string | undefined {
    if (length > MAX_LENGTH) return asciiString(p, at, length);
    let w0 = 0;
    let w1 = 0;
    let w2 = 0;
    for (let i = 0; i < length; i++) {
      const byte = (p[at + i] as number) << ((i & 3) << 3);
      if (i < 4) w0 |= byte;
      else if (i < 8) w1 |= byte;
      else w2 |= byte;
    }
    if (((w0 | w1 | w2) & 0x80808080) !== 0) return undefined;
    const ids = this.#ids;
    const words = this.#words;
    const mask = ids.length - 1;
    for (let slot = hash(w0, w1, w2, length) & mask; ; slot = (slot + 1) & mask) {
      const id = ids[slot];
      if (id === undefined) return this.#add(slot, w0, w1, w2, p, at, length);
      if (
        words[3 * slot] === w0 &&
        words[3 * slot + 1] === w1 &&
        words[3 * slot + 2] === w2 &&
        this.#lengths[slot] === length
      ) {
        return id;
      }
    }
  }

  /** Makes the id, and keeps it in `slot` (an empty one) when the table has room. */
  #add(slot: number, w0: number, w1: number, w2: number, p: Buffer, at: number, length: number): string {
    const id = asciiString(p, at, length) as string; // ASCII: its words have no high bit
    if (2 * (this.#size + 1) > this.#ids.length) {
      if (this.#ids.length >= this.#maxSlots) return id;
      this.#grow();
      return this.#add(this.#free(hash(w0, w1, w2, length)), w0, w1, w2, p, at, length);
    }
    this.#put(slot, w0, w1, w2, length, id);
    this.#size++;
    return id;
  }

  #put(slot: number, w0: number, w1: number, w2: number, length: number, id: string): void {
    this.#words[3 * slot] = w0;
    this.#words[3 * slot + 1] = w1;
    this.#words[3 * slot + 2] = w2;
    this.#lengths[slot] = length;
    this.#ids[slot] = id;
  }

  /** The first empty slot from `h` on. */
  #free(h: number): number {
    const mask = this.#ids.length - 1;
    let slot = h & mask;
    while (this.#ids[slot] !== undefined) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const words = this.#words;
    const lengths = this.#lengths;
    const ids = this.#ids;
    const slots = 2 * ids.length;
    this.#words = new Int32Array(3 * slots);
    this.#lengths = new Uint8Array(slots);
    this.#ids = new Array<string | undefined>(slots).fill(undefined);
    for (let s = 0; s < ids.length; s++) {
      const id = ids[s];
      if (id === undefined) continue;
      const w0 = words[3 * s] as number;
      const w1 = words[3 * s + 1] as number;
      const w2 = words[3 * s + 2] as number;
      const length = lengths[s] as number;
      this.#put(this.#free(hash(w0, w1, w2, length)), w0, w1, w2, length, id);
    }
  }
}

/** Longest id the table keeps: three words. */
const MAX_LENGTH = 12;
/**
 * Most slots (a power of two): 262,144 ids, a large shop's catalog; about 70 bytes each with the
 * string, so at most about 18 MB, and as much as the ids a process sees.
 */
const MAX_SLOTS = 1 << 19;

function hash(w0: number, w1: number, w2: number, length: number): number {
  const h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2 ^ length, 0x85ebca6b), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

/**
 * The ASCII string in `p[at, at + length)`, or undefined when a byte is not ASCII. Off the hot path:
 * ids the table keeps are made once, only longer ones each time.
 */
function asciiString(p: Buffer, at: number, length: number): string | undefined {
  return isAscii(p, at, length) ? p.toString('latin1', at, at + length) : undefined;
}

/** True when p[at, at + length) is all ASCII. */
export function isAscii(p: Buffer, at: number, length: number): boolean {
  let high = 0;
  for (let i = at; i < at + length; i++) high |= p[i] as number;
  return high < 0x80;
}
