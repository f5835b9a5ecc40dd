import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { EncoreError, ErrorCode } from '@encore/core';
import { Packr } from 'msgpackr';

/**
 * Model files: one `model.encore` per model directory, plus a `model.json` summary for people.
 *
 * Layout of `model.encore` (little-endian):
 *   bytes 0–7   magic "ENCOREMF"
 *   bytes 8–11  format version (uint32)
 *   bytes 12–19 payload length (uint64 as float64-safe integer)
 *   bytes 20–23 CRC-32 of the payload
 *   bytes 24…   payload: msgpack of { kind, params, … } with typed arrays kept exact
 *
 * msgpackr's default `pack` does not round-trip typed arrays (a Float32Array comes back as a Buffer
 * of the wrong type), so the packer uses `structuredClone: true`, which records the array types.
 */
export const MODEL_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('ENCOREMF', 'ascii');
const HEADER_BYTES = 24;
const MODEL_FILE = 'model.encore';
const SUMMARY_FILE = 'model.json';

// Records keep plain objects apart from Maps (`mapsAsObjects: false`), and a fresh Packr in another process
// decodes them: the record definitions travel inside each payload.
const packr = new Packr({ structuredClone: true, mapsAsObjects: false });

/** What every model file holds: its kind (the algorithm), its parameters and its data. */
export interface ModelEnvelope {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  /** Anything msgpackr with structuredClone packs: typed arrays, Maps, arrays, plain data. */
  readonly data: unknown;
}

/** Encodes a model envelope to the bytes of a model file. */
export function encodeModel(envelope: ModelEnvelope): Buffer {
  const payload = packr.pack(envelope);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  header.writeDoubleLE(payload.length, 12);
  header.writeUInt32LE(crc32(payload), 20);
  return Buffer.concat([header, payload]);
}

/** Decodes model-file bytes; MODEL_FORMAT for anything truncated, corrupt, foreign or of another version. */
export function decodeModel(bytes: Uint8Array, source = 'model'): ModelEnvelope {
  const fail = (what: string, details: Record<string, unknown> = {}): never => {
    throw new EncoreError(ErrorCode.MODEL_FORMAT, `engine/readModel: ${source}: ${what}`, { path: source, ...details });
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES || !buf.subarray(0, 8).equals(MAGIC)) {
    fail('not an Encore model file (bad magic), expected a file written by `encore train`');
  }
  const version = buf.readUInt32LE(8);
  if (version !== MODEL_FORMAT_VERSION) {
    fail(`model format version ${version}, expected ${MODEL_FORMAT_VERSION}; retrain the model with this version`, {
      version,
    });
  }
  const length = buf.readDoubleLE(12);
  const payload = buf.subarray(HEADER_BYTES);
  if (payload.length !== length) {
    fail(`truncated or padded: payload is ${payload.length} bytes, header says ${length}`, { length });
  }
  if (crc32(payload) !== buf.readUInt32LE(20)) fail('checksum mismatch: the file is corrupt');
  let envelope: unknown;
  try {
    envelope = packr.unpack(payload);
  } catch (error) {
    fail(`payload does not decode (${error instanceof Error ? error.message : String(error)})`);
  }
  const e = envelope as Partial<ModelEnvelope> | null;
  if (e === null || typeof e !== 'object' || typeof e.kind !== 'string' || typeof e.params !== 'object') {
    fail('payload is not a model envelope');
  }
  return e as ModelEnvelope;
}

/**
 * Writes a model directory atomically (to a temporary name, then renamed), so a reader never sees
 * half a model. `summary` goes to model.json for people and tools; the model itself is binary.
 */
export async function writeModel(
  dir: string,
  envelope: ModelEnvelope,
  summary: Record<string, unknown> = {},
): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
    const path = join(dir, MODEL_FILE);
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, encodeModel(envelope));
    await rename(temp, path);
    const meta = {
      kind: envelope.kind,
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: envelope.createdAt,
      params: envelope.params,
      ...summary,
    };
    await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    return path;
  } catch (error) {
    throw new EncoreError(ErrorCode.IO_ERROR, `engine/writeModel: cannot write ${dir}: ${(error as Error).message}`, {
      path: dir,
    });
  }
}

/** Reads a model directory (or a model.encore file). FILE_NOT_FOUND when absent, MODEL_FORMAT when unusable. */
export async function readModel(dirOrFile: string): Promise<ModelEnvelope> {
  const path = dirOrFile.endsWith(MODEL_FILE) ? dirOrFile : join(dirOrFile, MODEL_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EncoreError(
      code === 'ENOENT' || code === 'ENOTDIR' ? ErrorCode.FILE_NOT_FOUND : ErrorCode.IO_ERROR,
      `engine/readModel: cannot read ${path}: ${code ?? (error as Error).message}`,
      { path },
    );
  }
  return decodeModel(bytes, path);
}
