import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EncoreError, ErrorCode, invalidArgument, isEncoreError, type JsonValue } from '@encore/core';
import {
  checkModelSet,
  decodePart,
  encodePart,
  MODEL_KINDS,
  type ModelKind,
  type ModelSet,
  PART_CODECS,
} from './model-set.js';

/**
 * A model directory: one file per part of a {@link ModelSet} (`<family>.<generation>.encore`, the
 * model-file container of @encore/core) and a manifest, `model.json`, that names them. The manifest
 * is the switch: `saveModels` writes every new file first (each to a temporary name, flushed, then
 * renamed), then replaces the manifest in one rename, then removes the files of older generations.
 * A reader that reads the manifest sees a whole old set or a whole new one, never a mix; one that
 * read an old manifest just before the switch and finds a file gone reads the new manifest again.
 */

/** The manifest's name in a model directory. */
export const MANIFEST_FILE = 'model.json';
/** What a manifest says it is. */
export const MANIFEST_FORMAT = 'encore-models';
/** The manifest's own format version. */
export const MANIFEST_VERSION = 1;

/** One part's entry in the manifest. */
export interface ManifestEntry {
  readonly file: string;
  readonly family: string;
  readonly bytes: number;
  /** The CRC-32 the file's container records for its contents (core's model-file layout, bytes 24–27). */
  readonly crc32: number;
}

/** The CRC-32 a model file's header records (-1 for bytes too short to be one). */
function headerCrc(bytes: Uint8Array): number {
  if (bytes.length < 32) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(24, true);
}

/** `model.json`: what a directory holds, for loadModels and for people. */
export interface ModelManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly generation: string;
  readonly parts: Readonly<Partial<Record<ModelKind, ManifestEntry>>>;
  /** What the job that wrote it said about it (data, parameters, counts). */
  readonly summary: Readonly<Record<string, JsonValue>>;
}

/** What {@link saveModels} wrote. */
export interface SavedModels {
  readonly dir: string;
  /** The manifest's path. */
  readonly manifest: string;
  /** Each part's file path. */
  readonly files: Readonly<Partial<Record<ModelKind, string>>>;
  readonly bytes: number;
}

/** Options of {@link saveModels}. */
export interface SaveModelsOptions {
  /** Written into the manifest's `summary` (JSON). */
  readonly summary?: Readonly<Record<string, JsonValue>>;
  /** The time written as `createdAt` (epoch ms; default the clock). */
  readonly now?: number;
}

/**
 * Writes `models` to the directory `dir` (created when absent), atomically (see the module
 * comment): a reader sees the old set or the new one. Parts not in `models` are not carried over
 * from what the directory held: it holds exactly this set afterwards.
 *
 * Rejects with INVALID_ARGUMENT for an empty set or a part that is not what its kind expects (each
 * part's encoder checks), IO_ERROR when the directory cannot be written.
 *
 * @example
 * await saveModels('models/retail-als', { factors, shelf, histories, catalog }, { summary: { data: path } });
 */
export async function saveModels(dir: string, models: ModelSet, options: SaveModelsOptions = {}): Promise<SavedModels> {
  const where = 'models/saveModels';
  if (typeof dir !== 'string' || dir === '') throw invalidArgument(where, 'dir must be a directory path', dir);
  const set = checkModelSet(where, models);
  const kinds = MODEL_KINDS.filter((kind) => set[kind] !== undefined);
  if (kinds.length === 0) throw invalidArgument(where, 'models holds no model to save', Object.keys(set));
  const generation = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const encoded = kinds.map((kind) => {
    const part = set[kind];
    const family = PART_CODECS[kind].familyOf(part as never);
    const bytes = encodePart(kind, part);
    return { kind, family, bytes, file: `${family}.${generation}.encore` };
  });
  const io = (what: string, error: unknown): EncoreError =>
    new EncoreError(ErrorCode.IO_ERROR, `${where}: cannot ${what} in ${dir}: ${(error as Error).message}`, {
      path: dir,
    });
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw io('create the directory', error);
  }
  const parts: Partial<Record<ModelKind, ManifestEntry>> = {};
  const files: Partial<Record<ModelKind, string>> = {};
  let total = 0;
  try {
    for (const { kind, family, bytes, file } of encoded) {
      await writeAtomically(join(dir, file), bytes);
      parts[kind] = { file, family, bytes: bytes.length, crc32: headerCrc(bytes) };
      files[kind] = join(dir, file);
      total += bytes.length;
    }
    const manifest: ModelManifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      createdAt: new Date(options.now ?? Date.now()).toISOString(),
      generation,
      parts,
      summary: options.summary ?? {},
    };
    await writeAtomically(join(dir, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  } catch (error) {
    // The new files are not named by any manifest: remove them, the directory stays as it was.
    await Promise.all(encoded.map(({ file }) => rm(join(dir, file), { force: true }).catch(() => undefined)));
    throw isEncoreError(error) ? error : io('write the models', error);
  }
  await removeOtherGenerations(dir, new Set(encoded.map((e) => e.file)));
  return { dir, manifest: join(dir, MANIFEST_FILE), files, bytes: total };
}

/** Writes `bytes` to `path` through a temporary file that is flushed, then renamed. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Removes model files and temporaries of other generations (best effort: readers may hold them open). */
async function removeOtherGenerations(dir: string, keep: ReadonlySet<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => /^[a-z][a-z0-9-]*\.[a-z0-9-]+\.encore$/.test(name) && !keep.has(name))
      .map((name) => rm(join(dir, name), { force: true }).catch(() => undefined)),
  );
}

/** A loaded model set, with where each part came from. */
export interface LoadedModels extends ModelSet {
  /** The file each part was read from. */
  readonly sources: Readonly<Partial<Record<ModelKind, string>>>;
}

/**
 * Reads one or more model directories (as `encore train` and `saveModels` write them) into one
 * {@link ModelSet}, the engine's `models` option. Each directory contributes its parts; the
 * models proper (factors, co-occurrence) may come from one directory each, while the data that
 * goes with them (curated lists, timelines, catalog) is taken from the first directory that has
 * it. Every file is checked (container, checksum, then the part's own shapes and values).
 *
 * Rejects with INVALID_ARGUMENT when no directory is given or two hold the same model,
 * FILE_NOT_FOUND for a directory without a manifest, MODEL_FORMAT for a manifest or file that is
 * not what it should be (a directory of an older Encore included: retrain it), IO_ERROR otherwise.
 *
 * @example
 * const engine = await createEngine({ models: await loadModels('models/retail-als', 'models/retail') });
 */
export async function loadModels(...dirs: string[]): Promise<LoadedModels> {
  const where = 'models/loadModels';
  if (dirs.length === 0) throw invalidArgument(where, 'expected at least one model directory', dirs);
  const set: Partial<Record<ModelKind, unknown>> = {};
  const sources: Partial<Record<ModelKind, string>> = {};
  for (const dir of dirs) {
    if (typeof dir !== 'string' || dir === '') throw invalidArgument(where, 'each directory must be a path', dir);
    const parts = await readDirectory(dir);
    for (const [kind, { value, path }] of parts) {
      if (set[kind] !== undefined) {
        if (kind === 'factors' || kind === 'cooccurrence') {
          throw invalidArgument(
            where,
            `${sources[kind]} and ${path} both hold a ${kind} model; load one of them`,
            path,
          );
        }
        continue;
      }
      set[kind] = value;
      sources[kind] = path;
    }
  }
  return Object.freeze({ ...(set as ModelSet), sources: Object.freeze(sources) });
}

/** Reads the manifest of `dir`, checked. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const where = 'models/loadModels';
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const older = await stat(join(dir, 'model.encore')).then(
        () => true,
        () => false,
      );
      if (older) {
        throw new EncoreError(
          ErrorCode.MODEL_FORMAT,
          `${where}: ${dir} was written by an older Encore (model.encore without ${MANIFEST_FILE}); retrain it with \`encore train\``,
          { path: dir },
        );
      }
      throw new EncoreError(
        ErrorCode.FILE_NOT_FOUND,
        `${where}: cannot read ${path}: not a model directory (${code})`,
        {
          path,
        },
      );
    }
    throw new EncoreError(ErrorCode.IO_ERROR, `${where}: cannot read ${path}: ${code ?? (error as Error).message}`, {
      path,
    });
  }
  let manifest: Partial<ModelManifest>;
  try {
    manifest = JSON.parse(text) as Partial<ModelManifest>;
  } catch (error) {
    throw new EncoreError(ErrorCode.MODEL_FORMAT, `${where}: ${path} is not JSON (${(error as Error).message})`, {
      path,
    });
  }
  const fail = (what: string): never => {
    throw new EncoreError(ErrorCode.MODEL_FORMAT, `${where}: ${path}: ${what}`, { path });
  };
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== MANIFEST_FORMAT) {
    fail(`not an Encore model manifest (format ${JSON.stringify(manifest?.format)})`);
  }
  if (manifest.formatVersion !== MANIFEST_VERSION) {
    fail(`manifest version ${manifest.formatVersion}, this Encore reads ${MANIFEST_VERSION}; retrain the models`);
  }
  const parts = manifest.parts;
  if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) return fail('parts must be an object');
  for (const [kind, entry] of Object.entries(parts)) {
    if (!(MODEL_KINDS as readonly string[]).includes(kind)) fail(`unknown part ${JSON.stringify(kind)}`);
    const e = entry as Partial<ManifestEntry> | null;
    if (
      e === null ||
      typeof e !== 'object' ||
      typeof e.file !== 'string' ||
      !/^[a-z][a-z0-9-]*\.[a-z0-9-]+\.encore$/.test(e.file) ||
      !Number.isSafeInteger(e.bytes) ||
      !Number.isInteger(e.crc32)
    ) {
      fail(`part ${kind} must be { file, family, bytes, crc32 } naming a file of this directory`);
    }
  }
  return manifest as ModelManifest;
}

/** The parts of one directory, each read and decoded; a part whose file vanished under a concurrent save is retried once. */
async function readDirectory(dir: string): Promise<Map<ModelKind, { value: unknown; path: string }>> {
  for (let attempt = 0; ; attempt++) {
    const manifest = await readManifest(dir);
    const out = new Map<ModelKind, { value: unknown; path: string }>();
    try {
      for (const kind of MODEL_KINDS) {
        const entry = manifest.parts[kind];
        if (entry === undefined) continue;
        const path = join(dir, entry.file);
        const bytes = await readFile(path);
        // The container's own checksum (checked over the bytes by the decoder) says which file this is.
        if (bytes.length !== entry.bytes || headerCrc(bytes) !== entry.crc32) {
          throw new EncoreError(
            ErrorCode.MODEL_FORMAT,
            `models/loadModels: ${path} is not the file ${join(dir, MANIFEST_FILE)} names (size or checksum differ)`,
            { path },
          );
        }
        out.set(kind, { value: decodePart(kind, bytes, path), path });
      }
      return out;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && attempt === 0) continue; // a save switched generations under us
      if (isEncoreError(error)) throw error;
      throw new EncoreError(
        code === 'ENOENT' ? ErrorCode.FILE_NOT_FOUND : ErrorCode.IO_ERROR,
        `models/loadModels: cannot read the models of ${dir}: ${code ?? (error as Error).message}`,
        { path: dir },
      );
    }
  }
}
