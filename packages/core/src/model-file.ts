import { crc32 } from './crc32.js';
import { EncoreError, ErrorCode, invalidArgument } from './errors.js';

/**
 * The bytes of one model: what every model family (ALS, BPR, co-occurrence relations, curated
 * lists, customer timelines, the catalog …) encodes itself into, each in its own package, and what
 * `loadModels` reads back. A self-describing container: a family name and the family's own format
 * version, a JSON header of small metadata, and named sections of typed arrays or strings, each
 * 8-byte aligned so a decoder hands out views of the file's bytes instead of copies.
 *
 * Layout, little-endian:
 *
 *   bytes 0–7    magic "ENCOREMF"
 *   bytes 8–11   container version (uint32, MODEL_FILE_VERSION)
 *   bytes 12–15  header length H (uint32): the JSON header's UTF-8 bytes
 *   bytes 16–23  file length (uint32 low, uint32 high)
 *   bytes 24–27  CRC-32 of bytes 32 … end
 *   bytes 28–31  0
 *   bytes 32…    the JSON header `{ family, version, meta, sections: [{ name, type, offset, length, bytes? }] }`,
 *                padded with spaces to a multiple of 8
 *   then         the body: each section at its `offset` (from the body's start, a multiple of 8);
 *                a `strings` section is `length + 1` uint32 UTF-8 offsets, then the UTF-8 bytes.
 *
 * Nothing is trusted on decode: magic, versions, lengths, the checksum, every section's bounds and
 * alignment, and then (through {@link ModelFile}'s typed getters) each family's shapes and values.
 * A file that fails any check is MODEL_FORMAT, naming the file and what was wrong.
 */

/** The container's version: files of another version are refused (retrain the model). */
export const MODEL_FILE_VERSION = 2;

const MAGIC = 'ENCOREMF';
const PREAMBLE = 32;

/** A numeric section's element type. */
export type ModelArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** What one section holds: a typed array (kept bit for bit) or a list of strings. */
export type ModelSection = ModelArray | readonly string[];

/** A JSON value: what `meta` may hold (finite numbers only). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What a family encodes: see {@link encodeModelFile}. */
export interface ModelFileContent {
  /** The model family: lowercase letters, digits and '-' ('als', 'cooccurrence', 'curated-lists'). */
  readonly family: string;
  /** The family's own format version, an integer in 1..65535. */
  readonly version: number;
  /** Small metadata (parameters, counts, names): JSON, finite numbers only. */
  readonly meta: Readonly<Record<string, JsonValue>>;
  /** The heavy data, by section name (letters, digits, '_' and '.'). */
  readonly sections: Readonly<Record<string, ModelSection>>;
}

type SectionType = 'float32' | 'float64' | 'int32' | 'uint32' | 'int16' | 'uint16' | 'int8' | 'uint8' | 'strings';

interface SectionEntry {
  readonly name: string;
  readonly type: SectionType;
  /** Byte offset from the body's start. */
  readonly offset: number;
  /** Elements (strings: how many strings). */
  readonly length: number;
  /** Bytes of the section (strings only: offsets and UTF-8). */
  readonly bytes?: number;
}

type ArrayConstructorOf<T extends ModelArray> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

const CONSTRUCTORS: Readonly<Record<Exclude<SectionType, 'strings'>, ArrayConstructorOf<ModelArray>>> = Object.freeze({
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
});

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const FAMILY = /^[a-z][a-z0-9-]{0,63}$/;
const SECTION_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

function typeOf(section: unknown): SectionType | null {
  if (Array.isArray(section)) return 'strings';
  for (const [type, ctor] of Object.entries(CONSTRUCTORS)) {
    if (section instanceof ctor && section.constructor === ctor) return type as SectionType;
  }
  return null;
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Encodes a model into the bytes of a model file (layout above). Typed arrays are written bit for
 * bit (NaN payloads and -0 included); strings as UTF-8.
 *
 * Throws INVALID_ARGUMENT for a family or section name out of pattern, a version out of range, a
 * section that is neither a typed array nor an array of strings, or meta that is not JSON (NaN,
 * Infinity, undefined, functions, class instances); LIMIT_EXCEEDED past 2^53 bytes.
 *
 * @example
 * const bytes = encodeModelFile({
 *   family: 'als', version: 1, meta: { factors: 64 },
 *   sections: { itemIds: ['sku-1', 'sku-2'], itemFactors: new Float32Array(128) },
 * });
 */
export function encodeModelFile(content: ModelFileContent): Uint8Array {
  const where = 'core/encodeModelFile';
  if (typeof content !== 'object' || content === null)
    throw invalidArgument(where, 'content must be an object', content);
  const { family, version, meta, sections } = content;
  if (typeof family !== 'string' || !FAMILY.test(family)) {
    throw invalidArgument(where, 'family must be lowercase letters, digits and -, starting with a letter', family);
  }
  if (!Number.isInteger(version) || version < 1 || version > 0xffff) {
    throw invalidArgument(where, 'version must be an integer in 1..65535', version);
  }
  checkJson(where, 'meta', meta, true);
  if (typeof sections !== 'object' || sections === null || Array.isArray(sections)) {
    throw invalidArgument(where, 'sections must be an object of typed arrays and string arrays', sections);
  }
  const entries: SectionEntry[] = [];
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(sections)) {
    if (!SECTION_NAME.test(name)) throw invalidArgument(where, 'section names must be letters, digits, _ and .', name);
    const section = sections[name];
    const type = typeOf(section);
    if (type === null) {
      throw invalidArgument(where, `section ${name} must be a typed array or an array of strings`, section);
    }
    let payload: Uint8Array;
    let length: number;
    if (type === 'strings') {
      payload = encodeStrings(where, name, section as readonly string[]);
      length = (section as readonly string[]).length;
    } else {
      const array = section as ModelArray;
      payload = littleEndianBytes(array);
      length = array.length;
    }
    entries.push(
      type === 'strings' ? { name, type, offset, length, bytes: payload.length } : { name, type, offset, length },
    );
    payloads.push(payload);
    offset = align8(offset + payload.length);
  }
  const header = new TextEncoder().encode(JSON.stringify({ family, version, meta, sections: entries }));
  const headerPadded = align8(header.length);
  const bodyStart = PREAMBLE + headerPadded;
  const total = bodyStart + offset;
  if (total > Number.MAX_SAFE_INTEGER) {
    throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, `${where}: a model of ${total} bytes is too large`, {
      value: total,
    });
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, MODEL_FILE_VERSION, true);
  view.setUint32(12, header.length, true);
  view.setUint32(16, total % 2 ** 32, true);
  view.setUint32(20, Math.floor(total / 2 ** 32), true);
  bytes.set(header, PREAMBLE);
  bytes.fill(0x20, PREAMBLE + header.length, bodyStart);
  entries.forEach((entry, s) => {
    bytes.set(payloads[s] as Uint8Array, bodyStart + entry.offset);
  });
  view.setUint32(24, crc32(bytes, PREAMBLE), true);
  return bytes;
}

/** The bytes of a typed array in little-endian order (a view where the platform is little-endian). */
function littleEndianBytes(array: ModelArray): Uint8Array {
  const raw = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1) return raw;
  return swapped(raw, array.BYTES_PER_ELEMENT);
}

/** A copy of `raw` with each `width`-byte word reversed (big-endian platforms only). */
function swapped(raw: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let at = 0; at < raw.length; at += width) {
    for (let b = 0; b < width; b++) out[at + b] = raw[at + width - 1 - b] as number;
  }
  return out;
}

function encodeStrings(where: string, name: string, strings: readonly string[]): Uint8Array {
  const n = strings.length;
  const encoder = new TextEncoder();
  let data = new Uint8Array(Math.max(64, n * 8));
  const ends = new Uint32Array(n + 1);
  let used = 0;
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (typeof s !== 'string') throw invalidArgument(where, `section ${name}[${i}] must be a string`, s);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (data.length - used < s.length * 3) {
      const grown = new Uint8Array(Math.max(data.length * 2, used + s.length * 3));
      grown.set(data.subarray(0, used));
      data = grown;
    }
    used += encoder.encodeInto(s, data.subarray(used)).written;
    if (used > 0xffffffff) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, `${where}: section ${name} holds over 4 GiB of text`, { name });
    }
    ends[i + 1] = used;
  }
  const out = new Uint8Array(4 * (n + 1) + used);
  out.set(littleEndianBytes(ends), 0);
  out.set(data.subarray(0, used), 4 * (n + 1));
  return out;
}

/** Throws unless `value` is JSON that round-trips exactly (finite numbers, plain objects, arrays). */
function checkJson(where: string, path: string, value: unknown, top = false): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    if (top) throw invalidArgument(where, `${path} must be a plain object`, value);
    return;
  }
  if (typeof value === 'number') {
    if (top || !Number.isFinite(value)) throw invalidArgument(where, `${path} must be a finite number`, value);
    return;
  }
  if (Array.isArray(value)) {
    if (top) throw invalidArgument(where, `${path} must be a plain object`, value);
    value.forEach((v, i) => {
      checkJson(where, `${path}[${i}]`, v);
    });
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw invalidArgument(where, `${path} must be plain JSON`, value);
    for (const key of Object.keys(value)) {
      checkJson(where, `${path}.${key}`, (value as Record<string, unknown>)[key]);
    }
    return;
  }
  throw invalidArgument(where, `${path} must be JSON (got ${typeof value})`, value);
}

/** Options of {@link decodeModelFile}. */
export interface DecodeModelFileOptions {
  /** Names the function in messages (default 'core/decodeModelFile'). */
  readonly where?: string;
  /** Names the file in messages and details (default 'model'). */
  readonly source?: string;
  /** The families accepted; another family is MODEL_FORMAT. Default: any. */
  readonly family?: string | readonly string[];
  /** The highest family version this reader knows (default: any); a newer file is MODEL_FORMAT. */
  readonly maxVersion?: number;
}

/** The family and version of model-file bytes, read without checking the rest; null when they are not one. */
export function peekModelFile(bytes: Uint8Array): { readonly family: string; readonly version: number } | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < PREAMBLE || !hasMagic(bytes)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== MODEL_FILE_VERSION) return null;
  const length = view.getUint32(12, true);
  if (PREAMBLE + length > bytes.length) return null;
  try {
    const header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + length)),
    );
    return typeof header?.family === 'string' && Number.isInteger(header?.version)
      ? { family: header.family, version: header.version }
      : null;
  } catch {
    return null;
  }
}

function hasMagic(bytes: Uint8Array): boolean {
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/**
 * Checks the container of model-file bytes (magic, container version, lengths, checksum, each
 * section's bounds) and returns a {@link ModelFile} whose getters check each section's type and
 * shape as the family reads it. Bytes that are not 8-byte aligned in memory are copied once, so
 * sections come back as views, never copies.
 *
 * Throws MODEL_FORMAT (details: `path`, and what was found) for anything but a whole, intact file
 * of this container version and an accepted family.
 *
 * @example
 * const file = decodeModelFile(bytes, { where: 'factorization/decodeFactorModel', source: path, family: ['als', 'bpr'] });
 * const factors = file.integer('factors', 1, 4096);
 * const itemFactors = file.float32('itemFactors', { length: items * factors, finite: true });
 */
export function decodeModelFile(bytes: Uint8Array, options: DecodeModelFileOptions = {}): ModelFile {
  const where = options.where ?? 'core/decodeModelFile';
  const source = options.source ?? 'model';
  const fail = (what: string, details: Record<string, unknown> = {}): never => {
    throw new EncoreError(ErrorCode.MODEL_FORMAT, `${where}: ${source}: ${what}`, { path: source, ...details });
  };
  if (!(bytes instanceof Uint8Array)) fail('expected the bytes of a model file (a Uint8Array)');
  if (bytes.length < PREAMBLE || !hasMagic(bytes)) {
    fail('not an Encore model file (bad magic), expected a file written by `encore train` or saveModels');
  }
  // Aligned in memory, so sections are views: Buffers from readFile of small files share a pool.
  const own = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(own.buffer, own.byteOffset, own.byteLength);
  const container = view.getUint32(8, true);
  if (container !== MODEL_FILE_VERSION) {
    fail(
      `model file version ${container}, this Encore reads ${MODEL_FILE_VERSION}; retrain the model with this version`,
      {
        version: container,
      },
    );
  }
  const headerLength = view.getUint32(12, true);
  const total = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
  if (total !== own.length)
    fail(`truncated or padded: ${own.length} bytes, the header says ${total}`, { length: total });
  const bodyStart = PREAMBLE + align8(headerLength);
  if (bodyStart > own.length) fail('truncated header');
  if (crc32(own, PREAMBLE) !== view.getUint32(24, true)) fail('checksum mismatch: the file is corrupt');
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(own.subarray(PREAMBLE, PREAMBLE + headerLength)),
    );
  } catch (error) {
    fail(`the header is not JSON (${(error as Error).message})`);
  }
  const h = header as Partial<{ family: unknown; version: unknown; meta: unknown; sections: unknown }> | null;
  if (
    h === null ||
    typeof h !== 'object' ||
    typeof h.family !== 'string' ||
    !Number.isInteger(h.version) ||
    typeof h.meta !== 'object' ||
    h.meta === null ||
    Array.isArray(h.meta) ||
    !Array.isArray(h.sections)
  ) {
    return fail('the header is not { family, version, meta, sections }');
  }
  const families =
    options.family === undefined ? null : typeof options.family === 'string' ? [options.family] : options.family;
  if (families !== null && !families.includes(h.family)) {
    fail(`holds a '${h.family}' model, expected ${families.map((f) => `'${f}'`).join(' or ')}`, { family: h.family });
  }
  const version = h.version as number;
  if (options.maxVersion !== undefined && (version < 1 || version > options.maxVersion)) {
    fail(
      `${h.family} format version ${version}, this Encore reads 1..${options.maxVersion}; upgrade Encore or retrain`,
      {
        version,
      },
    );
  }
  const body = own.subarray(bodyStart);
  const sections = new Map<string, SectionEntry>();
  for (const raw of h.sections as unknown[]) {
    const s = raw as Partial<SectionEntry> | null;
    const type = s?.type;
    const known = type !== undefined && (type === 'strings' || Object.hasOwn(CONSTRUCTORS, type));
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.name !== 'string' ||
      !SECTION_NAME.test(s.name) ||
      !known ||
      !Number.isSafeInteger(s.offset) ||
      !Number.isSafeInteger(s.length) ||
      (s.offset as number) < 0 ||
      (s.offset as number) % 8 !== 0 ||
      (s.length as number) < 0 ||
      sections.has(s.name)
    ) {
      return fail(`malformed section entry ${JSON.stringify(raw)}`);
    }
    const bytesOf =
      type === 'strings'
        ? (s.bytes as number)
        : (s.length as number) * CONSTRUCTORS[type as Exclude<SectionType, 'strings'>].BYTES_PER_ELEMENT;
    if (!Number.isSafeInteger(bytesOf) || (s.offset as number) + bytesOf > body.length) {
      fail(`section ${s.name} runs past the end of the file`, { section: s.name });
    }
    sections.set(s.name, s as SectionEntry);
  }
  return new ModelFile({
    where,
    source,
    family: h.family,
    version,
    meta: h.meta as Record<string, JsonValue>,
    body,
    sections,
  });
}

/** Checks on a numeric section read by {@link ModelFile}. */
export interface SectionCheck {
  /** The exact element count expected. */
  readonly length?: number;
  /** Every value finite (floats): no NaN, no ±Infinity. */
  readonly finite?: boolean;
  /** Every value ≥ min. */
  readonly min?: number;
  /** Every value ≤ max. */
  readonly max?: number;
}

/**
 * A decoded model file: its family, version and metadata, and typed getters for its sections and
 * metadata fields. Every getter checks what it returns and throws MODEL_FORMAT naming the file and
 * the field; a family's decoder is a list of getter calls. Made by {@link decodeModelFile}.
 */
export class ModelFile {
  readonly family: string;
  readonly version: number;
  readonly meta: Readonly<Record<string, JsonValue>>;
  /** The file, as named in messages. */
  readonly source: string;
  readonly #where: string;
  readonly #body: Uint8Array;
  readonly #sections: ReadonlyMap<string, SectionEntry>;

  /** Use {@link decodeModelFile}. */
  constructor(parts: {
    where: string;
    source: string;
    family: string;
    version: number;
    meta: Record<string, JsonValue>;
    body: Uint8Array;
    sections: ReadonlyMap<string, SectionEntry>;
  }) {
    this.family = parts.family;
    this.version = parts.version;
    this.meta = parts.meta;
    this.source = parts.source;
    this.#where = parts.where;
    this.#body = parts.body;
    this.#sections = parts.sections;
  }

  /** Throws MODEL_FORMAT: `where: source: what`. */
  fail(what: string, details: Record<string, unknown> = {}): never {
    throw new EncoreError(ErrorCode.MODEL_FORMAT, `${this.#where}: ${this.source}: ${what}`, {
      path: this.source,
      family: this.family,
      ...details,
    });
  }

  /** True when the file has a section called `name`. */
  has(name: string): boolean {
    return this.#sections.has(name);
  }

  float32(name: string, check: SectionCheck = {}): Float32Array {
    return this.#numeric(name, 'float32', check) as Float32Array;
  }

  float64(name: string, check: SectionCheck = {}): Float64Array {
    return this.#numeric(name, 'float64', check) as Float64Array;
  }

  int32(name: string, check: SectionCheck = {}): Int32Array {
    return this.#numeric(name, 'int32', check) as Int32Array;
  }

  uint32(name: string, check: SectionCheck = {}): Uint32Array {
    return this.#numeric(name, 'uint32', check) as Uint32Array;
  }

  uint8(name: string, check: SectionCheck = {}): Uint8Array {
    return this.#numeric(name, 'uint8', check) as Uint8Array;
  }

  /** A strings section, `length` strings when given. */
  strings(name: string, length?: number): string[] {
    const entry = this.#entry(name, 'strings');
    if (length !== undefined && entry.length !== length) {
      this.fail(`${name} holds ${entry.length} strings, expected ${length}`, { section: name });
    }
    const n = entry.length;
    const at = entry.offset;
    const bytes = entry.bytes ?? 0;
    if (bytes < 4 * (n + 1)) this.fail(`${name}: its offsets run past the section`, { section: name });
    const ends = this.#view('uint32', at, n + 1) as Uint32Array;
    const text = this.#body.subarray(at + 4 * (n + 1), at + bytes);
    if (ends[0] !== 0 || ends[n] !== text.length)
      this.fail(`${name}: its offsets do not span its text`, { section: name });
    for (let i = 0; i < n; i++) {
      if ((ends[i + 1] as number) < (ends[i] as number))
        this.fail(`${name}: its offsets go backwards`, { section: name });
    }
    let whole: string;
    try {
      whole = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      return this.fail(`${name} is not UTF-8`, { section: name });
    }
    const out = new Array<string>(n);
    if (whole.length === text.length) {
      // All ASCII: byte offsets are character offsets, one decode and n slices.
      for (let i = 0; i < n; i++) out[i] = whole.slice(ends[i] as number, ends[i + 1] as number);
      return out;
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
      for (let i = 0; i < n; i++) out[i] = decoder.decode(text.subarray(ends[i] as number, ends[i + 1] as number));
    } catch {
      return this.fail(`${name} splits a UTF-8 character`, { section: name });
    }
    return out;
  }

  /** A metadata number (an integer when `integer`), in [min, max]. */
  number(name: string, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false): number {
    const v = this.meta[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.fail(
        `meta.${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], found ${JSON.stringify(v)}`,
        {
          field: name,
        },
      );
    }
    return v as number;
  }

  /** A metadata integer in [min, max]. */
  integer(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    return this.number(name, min, max, true);
  }

  /** A metadata string, one of `allowed` when given. */
  string<T extends string = string>(name: string, allowed?: readonly T[]): T {
    const v = this.meta[name];
    if (typeof v !== 'string' || (allowed !== undefined && !(allowed as readonly string[]).includes(v))) {
      this.fail(
        `meta.${name} must be ${allowed === undefined ? 'a string' : `one of ${allowed.join(', ')}`}, found ${JSON.stringify(v)}`,
        { field: name },
      );
    }
    return v as T;
  }

  /** A metadata field of any JSON, or `fallback` when absent. */
  json<T extends JsonValue>(name: string, fallback: T): JsonValue {
    return Object.hasOwn(this.meta, name) ? (this.meta[name] as JsonValue) : fallback;
  }

  #entry(name: string, type: SectionType): SectionEntry {
    const entry = this.#sections.get(name);
    if (entry === undefined) return this.fail(`missing section ${name}`, { section: name });
    if (entry.type !== type) this.fail(`section ${name} holds ${entry.type}, expected ${type}`, { section: name });
    return entry;
  }

  #view(type: Exclude<SectionType, 'strings'>, offset: number, length: number): ModelArray {
    const ctor = CONSTRUCTORS[type];
    const body = this.#body;
    if (LITTLE_ENDIAN || ctor.BYTES_PER_ELEMENT === 1) return new ctor(body.buffer, body.byteOffset + offset, length);
    const raw = swapped(body.subarray(offset, offset + length * ctor.BYTES_PER_ELEMENT), ctor.BYTES_PER_ELEMENT);
    return new ctor(raw.buffer, 0, length);
  }

  #numeric(name: string, type: Exclude<SectionType, 'strings'>, check: SectionCheck): ModelArray {
    const entry = this.#entry(name, type);
    if (check.length !== undefined && entry.length !== check.length) {
      this.fail(`${name} holds ${entry.length} values, expected ${check.length}`, { section: name });
    }
    const array = this.#view(type, entry.offset, entry.length);
    const { finite, min, max } = check;
    if (finite === true || min !== undefined || max !== undefined) {
      const lo = min ?? Number.NEGATIVE_INFINITY;
      const hi = max ?? Number.POSITIVE_INFINITY;
      for (let i = 0; i < array.length; i++) {
        const v = array[i] as number;
        // NaN fails every comparison: caught by !(v >= lo) whether or not finite is asked.
        if (!(v >= lo && v <= hi) || (finite === true && !Number.isFinite(v))) {
          this.fail(
            `${name}[${i}] is ${v}, expected ${finite === true ? 'a finite number' : 'a number'} in [${lo}, ${hi}]`,
            {
              section: name,
              index: i,
            },
          );
        }
      }
    }
    return array;
  }
}
