import {
  checkOptions,
  decodeModelFile,
  encodeModelFile,
  invalidArgument,
  type JsonValue,
  type ModelFile,
  type ModelSection,
} from '@encore/core';
import type { CooccurrenceRelation, NeighbourLists, PairCounts, RelationKind, RelationParams } from './cooccurrence.js';
import type { CooccurrenceModel } from './model.js';
import { SIMILARITIES, type Similarity } from './scores.js';

/** The format version of co-occurrence model files this Encore writes and reads. */
export const COOCCURRENCE_MODEL_FORMAT = 1;

const KINDS: readonly RelationKind[] = ['cooccurrence', 'cross-occurrence'];

/**
 * Encodes a co-occurrence model (every relation: neighbour lists, basket counts and, when kept,
 * the pair co-counts for incremental updates) as model-file bytes (core's `encodeModelFile`).
 *
 * Throws INVALID_ARGUMENT for a model that is not one: itemIds of another length than `items`, a
 * relation larger than the item space.
 *
 * @example
 * await writeFile('cooccurrence.encore', encodeCooccurrenceModel(buildCooccurrenceModel(log)));
 */
export function encodeCooccurrenceModel(model: CooccurrenceModel): Uint8Array {
  const where = 'cooccurrence/encodeCooccurrenceModel';
  checkOptions(where, model, ['version', 'items', 'itemIds', 'relations'], 'model');
  if (!Array.isArray(model.itemIds) || model.itemIds.length !== model.items) {
    throw invalidArgument(where, `itemIds must name the model's ${model.items} items`, model.itemIds?.length);
  }
  const sections: Record<string, ModelSection> = { itemIds: model.itemIds };
  const relations: JsonValue[] = [];
  model.relations.forEach((r, at) => {
    if (r.rows > model.items || r.cols > model.items) {
      throw invalidArgument(where, `relation ${r.name} is larger than the item space`, { rows: r.rows, cols: r.cols });
    }
    const p = `r${at}.`;
    sections[`${p}rowCounts`] = r.rowCounts;
    sections[`${p}colCounts`] = r.colCounts;
    sections[`${p}indptr`] = r.neighbours.indptr;
    sections[`${p}ids`] = r.neighbours.ids;
    sections[`${p}scores`] = r.neighbours.scores;
    sections[`${p}support`] = r.neighbours.support;
    if (r.counts !== null) {
      sections[`${p}countIndptr`] = r.counts.indptr;
      sections[`${p}countIds`] = r.counts.ids;
      sections[`${p}counts`] = r.counts.counts;
    }
    relations.push({
      name: r.name,
      kind: r.kind,
      rows: r.rows,
      cols: r.cols,
      baskets: r.baskets,
      params: { ...r.params },
      counts: r.counts !== null,
    });
  });
  return encodeModelFile({
    family: 'cooccurrence',
    version: COOCCURRENCE_MODEL_FORMAT,
    meta: { items: model.items, relations },
    sections,
  });
}

/**
 * Decodes a co-occurrence model file, checking every relation before it is served: shapes within
 * the item space, neighbour lists a well-formed CSR of finite scores and positive support, pair
 * counts likewise, parameters as a build would accept them, unique relation names and item ids.
 *
 * Throws MODEL_FORMAT (naming `source` and what was wrong) for another family or a failed check.
 *
 * @example
 * const model = decodeCooccurrenceModel(await readFile(path), path);
 * together(model, [model.itemIds.indexOf('85123A')], { k: 10 });
 */
export function decodeCooccurrenceModel(bytes: Uint8Array, source = 'model'): CooccurrenceModel {
  return cooccurrenceModelFromFile(
    decodeModelFile(bytes, {
      where: 'cooccurrence/decodeCooccurrenceModel',
      source,
      family: 'cooccurrence',
      maxVersion: COOCCURRENCE_MODEL_FORMAT,
    }),
  );
}

/** {@link decodeCooccurrenceModel} of a model file already checked by core's `decodeModelFile`. */
export function cooccurrenceModelFromFile(file: ModelFile): CooccurrenceModel {
  const items = file.integer('items', 0, 0x7ffffffe);
  const itemIds = file.strings('itemIds', items);
  if (new Set(itemIds).size !== items) file.fail('itemIds repeats an id');
  const raw = file.json('relations', []);
  if (!Array.isArray(raw)) return file.fail('meta.relations must be an array');
  const names = new Set<string>();
  const relations = raw.map((entry, at): CooccurrenceRelation => {
    const r = entry as Record<string, JsonValue> | null;
    const what = `meta.relations[${at}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return file.fail(`${what} must be an object`);
    const name = r.name;
    if (typeof name !== 'string' || name === '' || names.has(name)) file.fail(`${what}.name must be a unique name`);
    names.add(name as string);
    if (!KINDS.includes(r.kind as RelationKind)) file.fail(`${what}.kind must be one of ${KINDS.join(', ')}`);
    const rows = count(file, `${what}.rows`, r.rows, items);
    const cols = count(file, `${what}.cols`, r.cols, items);
    const baskets = count(file, `${what}.baskets`, r.baskets, 0x7fffffff);
    if (r.kind === 'cooccurrence' && rows !== cols) file.fail(`${what}: a co-occurrence relation is square`);
    const p = `r${at}.`;
    const neighbours: NeighbourLists = {
      indptr: csrIndptr(file, `${p}indptr`, rows),
      ids: file.int32(`${p}ids`, { min: 0, max: cols - 1 }),
      scores: file.float32(`${p}scores`, { finite: true }),
      support: file.int32(`${p}support`, { min: 1 }),
    };
    const edges = neighbours.ids.length;
    if (
      neighbours.scores.length !== edges ||
      neighbours.support.length !== edges ||
      neighbours.indptr[rows] !== edges
    ) {
      file.fail(`${p}: neighbour ids, scores and support must be as long as the lists`, { relation: name });
    }
    let counts: PairCounts | null = null;
    if (r.counts === true) {
      counts = {
        indptr: csrIndptr(file, `${p}countIndptr`, rows),
        ids: file.int32(`${p}countIds`, { min: 0, max: cols - 1 }),
        counts: file.int32(`${p}counts`, { min: 1 }),
      };
      if (counts.counts.length !== counts.ids.length || counts.indptr[rows] !== counts.ids.length) {
        file.fail(`${p}: pair ids and counts must be as long as the lists`, { relation: name });
      }
    }
    return Object.freeze({
      name: name as string,
      kind: r.kind as RelationKind,
      rows,
      cols,
      baskets,
      rowCounts: file.int32(`${p}rowCounts`, { length: rows, min: 0 }),
      colCounts: file.int32(`${p}colCounts`, { length: cols, min: 0 }),
      neighbours,
      counts,
      params: paramsOf(file, `${what}.params`, r.params),
    });
  });
  return Object.freeze({ version: 1, items, itemIds, relations });
}

function count(file: ModelFile, what: string, value: JsonValue | undefined, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    return file.fail(`${what} must be an integer in [0, ${max}], found ${JSON.stringify(value)}`);
  }
  return value;
}

/** A CSR row pointer of `rows` rows: from 0, never decreasing. */
function csrIndptr(file: ModelFile, name: string, rows: number): Int32Array {
  const indptr = file.int32(name, { length: rows + 1, min: 0 });
  if (indptr[0] !== 0) file.fail(`${name} must start at 0`, { section: name });
  for (let r = 0; r < rows; r++) {
    if ((indptr[r + 1] as number) < (indptr[r] as number))
      file.fail(`${name} decreases at row ${r}`, { section: name });
  }
  return indptr;
}

function paramsOf(file: ModelFile, what: string, value: JsonValue | undefined): RelationParams {
  const p = value as Record<string, JsonValue> | null;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return file.fail(`${what} must be an object`);
  if (!SIMILARITIES.includes(p.similarity as Similarity))
    file.fail(`${what}.similarity must be one of ${SIMILARITIES.join(', ')}`);
  const int = (name: string, min: number): number => {
    const v = p[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      file.fail(`${what}.${name} must be an integer ≥ ${min}`);
    return v as number;
  };
  return Object.freeze({
    similarity: p.similarity as Similarity,
    minSupport: int('minSupport', 1),
    neighbours: int('neighbours', 0),
    maxPerBasket: int('maxPerBasket', 1),
    maxPerItem: int('maxPerItem', 1),
    seed: typeof p.seed === 'number' && Number.isFinite(p.seed) ? p.seed : file.fail(`${what}.seed must be a number`),
  });
}
