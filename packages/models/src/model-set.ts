import {
  COOCCURRENCE_MODEL_FORMAT,
  type CooccurrenceModel,
  cooccurrenceModelFromFile,
  encodeCooccurrenceModel,
} from '@encore/cooccurrence';
import {
  CATALOG_FORMAT,
  type Catalog,
  catalogFromFile,
  checkOptions,
  decodeModelFile,
  encodeCatalog,
  invalidArgument,
  type ModelFile,
} from '@encore/core';
import {
  encodeFactorModel,
  FACTOR_MODEL_FORMAT,
  factorModelFromFile,
  type TrainedFactorModel,
} from '@encore/factorization';
import {
  type CuratedShelf,
  encodeCustomerHistories,
  encodeShelf,
  HISTORIES_FORMAT,
  historiesFromFile,
  type SavedHistories,
  SHELF_FORMAT,
  shelfFromFile,
} from '@encore/ranking';

/**
 * What a shop serves from: the models a nightly job trains and the data that goes with them. Any
 * part may be absent; the engine serves what the parts allow (see `createEngine`).
 */
export interface ModelSet {
  /** Personal ranking: an ALS or BPR model with its ids (`encore train --algorithm als|bpr`). */
  readonly factors?: TrainedFactorModel | undefined;
  /** Bought together, viewed together, viewed → bought (`encore train`). */
  readonly cooccurrence?: CooccurrenceModel | undefined;
  /** Curated lists (best sellers, trending, top rated, most wished), overall and per category. */
  readonly shelf?: CuratedShelf | undefined;
  /** Customer timelines: what each customer did, for explanations, exclusions and cold start. */
  readonly histories?: SavedHistories | undefined;
  /** The catalog the models were trained with: titles, categories, prices, stock. */
  readonly catalog?: Catalog | undefined;
}

/** The parts of a {@link ModelSet}, in the order they are written and read. */
export const MODEL_KINDS = Object.freeze(['factors', 'cooccurrence', 'shelf', 'histories', 'catalog'] as const);
export type ModelKind = (typeof MODEL_KINDS)[number];

/** How each part is encoded, which file families it reads, and how a checked file becomes the part. */
interface PartCodec {
  readonly families: readonly string[];
  /** The newest format version of those families this Encore reads. */
  readonly maxVersion: number;
  readonly encode: (part: never) => Uint8Array;
  readonly fromFile: (file: ModelFile) => unknown;
  /** The family of a part about to be written (the factors' algorithm). */
  readonly familyOf: (part: never) => string;
}

export const PART_CODECS: Readonly<Record<ModelKind, PartCodec>> = Object.freeze({
  factors: {
    families: ['als', 'bpr'],
    maxVersion: FACTOR_MODEL_FORMAT,
    encode: encodeFactorModel as (part: never) => Uint8Array,
    fromFile: factorModelFromFile,
    familyOf: (part: never) => (part as TrainedFactorModel).model.algorithm,
  },
  cooccurrence: {
    families: ['cooccurrence'],
    maxVersion: COOCCURRENCE_MODEL_FORMAT,
    encode: encodeCooccurrenceModel as (part: never) => Uint8Array,
    fromFile: cooccurrenceModelFromFile,
    familyOf: () => 'cooccurrence',
  },
  shelf: {
    families: ['curated-lists'],
    maxVersion: SHELF_FORMAT,
    encode: encodeShelf as (part: never) => Uint8Array,
    fromFile: shelfFromFile,
    familyOf: () => 'curated-lists',
  },
  histories: {
    families: ['histories'],
    maxVersion: HISTORIES_FORMAT,
    encode: ((part: SavedHistories) => encodeCustomerHistories(part.histories, part.itemIds)) as (
      part: never,
    ) => Uint8Array,
    fromFile: historiesFromFile,
    familyOf: () => 'histories',
  },
  catalog: {
    families: ['catalog'],
    maxVersion: CATALOG_FORMAT,
    encode: encodeCatalog as (part: never) => Uint8Array,
    fromFile: catalogFromFile,
    familyOf: () => 'catalog',
  },
});

/** The kind whose files have `family`, or undefined. */
export function kindOfFamily(family: string): ModelKind | undefined {
  return MODEL_KINDS.find((kind) => PART_CODECS[kind].families.includes(family));
}

/** Checks that `models` is a ModelSet (known keys only); returns it typed. */
export function checkModelSet(where: string, models: unknown): ModelSet {
  const m = checkOptions(where, models, [...MODEL_KINDS, 'sources'], 'models') as ModelSet;
  if (m.catalog !== undefined && !(m.catalog instanceof Map)) {
    throw invalidArgument(where, 'models.catalog must be a Map of CatalogItem', m.catalog);
  }
  return m;
}

/** Encodes one part (the bytes of its file). */
export function encodePart(kind: ModelKind, part: unknown): Uint8Array {
  return PART_CODECS[kind].encode(part as never);
}

/** Decodes one part's file bytes, checking it is of the kind expected. */
export function decodePart(kind: ModelKind, bytes: Uint8Array, source: string): unknown {
  const codec = PART_CODECS[kind];
  const file = decodeModelFile(bytes, {
    where: 'models/loadModels',
    source,
    family: codec.families,
    maxVersion: codec.maxVersion,
  });
  return codec.fromFile(file);
}
