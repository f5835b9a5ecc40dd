import { EncoreError, ErrorCode } from './errors.js';

/**
 * String ids ↔ dense int indices (0, 1, 2, … in order of first appearance).
 *
 * Backed by a Map, so ids such as `__proto__` or `constructor` are ordinary ids. Interning happens
 * once at ingestion; every matrix and model after that speaks dense indices.
 *
 * @example
 * const items = new IdMap();
 * items.intern('sku-1'); // 0
 * items.intern('sku-2'); // 1
 * items.indexOf('sku-1'); // 0
 * items.idAt(1); // 'sku-2'
 */
export class IdMap {
  readonly #index = new Map<string, number>();
  readonly #ids: string[] = [];
  // The last id interned and its index. Event logs come grouped (by customer, session, invoice),
  // so consecutive rows repeat ids; a string compare is far cheaper than a hash-table probe.
  #lastId: string | undefined;
  #lastIndex = -1;

  /** Builds a map whose index i is `ids[i]`. Duplicate ids are an INVALID_ARGUMENT error. */
  static from(ids: Iterable<string>): IdMap {
    const map = new IdMap();
    for (const id of ids) {
      if (map.#index.has(id)) {
        throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `core/IdMap.from: duplicate id, expected unique ids`, {
          value: id,
        });
      }
      map.intern(id);
    }
    return map;
  }

  get size(): number {
    return this.#ids.length;
  }

  /** Index of `id`, adding it when new. */
  intern(id: string): number {
    if (id === this.#lastId) return this.#lastIndex;
    const found = this.#index.get(id);
    if (found !== undefined) {
      this.#lastId = id;
      this.#lastIndex = found;
      return found;
    }
    const index = this.#ids.length;
    if (index >= 0x7fffffff) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, 'core/IdMap.intern: more than 2^31 - 1 ids', { value: index });
    }
    this.#index.set(id, index);
    this.#ids.push(id);
    this.#lastId = id;
    this.#lastIndex = index;
    return index;
  }

  /** Index of `id`, or -1 when absent. */
  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  has(id: string): boolean {
    return this.#index.has(id);
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
}
