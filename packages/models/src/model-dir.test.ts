import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCooccurrenceModel } from '@encore/cooccurrence';
import { buildInteractions, compactInteractions, ErrorCode } from '@encore/core';
import { generateSynthetic } from '@encore/datasets';
import { fitAls, type TrainedFactorModel } from '@encore/factorization';
import { buildShelf, customerHistories, itemAttributes } from '@encore/ranking';
import { describe, expect, it } from 'vitest';
import { loadModels, saveModels } from './model-dir.js';
import type { ModelSet } from './model-set.js';

const { log, catalog } = generateSynthetic({ preset: 'small', seed: 3 });
let now = 0;
for (const t of log.timestamp) now = Math.max(now, t);
const interactions = compactInteractions(buildInteractions(log, { weights: { purchase: 5, cart: 3, view: 1 } }));
const factors: TrainedFactorModel = {
  model: fitAls(interactions.matrix, { factors: 8, iterations: 3 }),
  customerIds: interactions.customers.ids().slice(),
  itemIds: interactions.items.ids().slice(),
  seen: interactions.matrix,
  weights: { purchase: 5, cart: 3, view: 1 },
};
const data: ModelSet = {
  shelf: buildShelf(log, { now, attributes: itemAttributes(catalog, log.item.ids), k: 20, categoryK: 5 }),
  histories: { histories: customerHistories(log), itemIds: log.item.ids.ids().slice() },
  catalog,
};
const cooccurrence = buildCooccurrenceModel(log);
const temp = (): Promise<string> => mkdtemp(join(tmpdir(), 'encore-models-'));

describe('model directories', () => {
  it('save and load a whole set; two directories combine into one set', async () => {
    const als = await temp();
    const rel = await temp();
    await saveModels(als, { factors, ...data }, { summary: { data: 'synthetic' } });
    await saveModels(rel, { cooccurrence, catalog });
    const loaded = await loadModels(als, rel);
    expect(loaded.factors?.itemIds).toEqual(factors.itemIds);
    expect(loaded.factors?.model.userFactors).toEqual(factors.model.userFactors);
    expect(loaded.cooccurrence).toEqual(cooccurrence);
    expect(loaded.shelf).toEqual(data.shelf);
    expect(loaded.catalog?.size).toBe(catalog.size);
    expect(loaded.sources.cooccurrence).toMatch(/cooccurrence\..*\.encore$/);
    expect(loaded.sources.catalog?.startsWith(als)).toBe(true); // the first directory's data wins
    const manifest = JSON.parse(await readFile(join(als, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'encore-models', summary: { data: 'synthetic' } });
    expect(Object.keys(manifest.parts)).toEqual(['factors', 'shelf', 'histories', 'catalog']);
  });

  it('a save replaces the whole set and leaves no file of the old one; readers never see a mix', async () => {
    const dir = await temp();
    await saveModels(dir, { factors, ...data });
    const reads: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      reads.push(loadModels(dir));
      await saveModels(dir, { cooccurrence, catalog });
    }
    for (const read of await Promise.all(reads)) {
      const set = read as ModelSet;
      // Either the first set (factors …) or a later one (cooccurrence + catalog), never both.
      expect((set.factors === undefined) !== (set.cooccurrence === undefined)).toBe(true);
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.encore'));
    expect(files.sort()).toEqual([expect.stringMatching(/^catalog\./), expect.stringMatching(/^cooccurrence\./)]);
  });

  it('refuses two factor models, a missing directory, an older model file, and a tampered part', async () => {
    const a = await temp();
    const b = await temp();
    await saveModels(a, { factors });
    await saveModels(b, { factors });
    await expect(loadModels(a, b)).rejects.toThrow(
      expect.objectContaining({
        code: ErrorCode.INVALID_ARGUMENT,
        message: expect.stringMatching(/both hold a factors model/),
      }),
    );
    await expect(loadModels(join(a, 'nope'))).rejects.toMatchObject({ code: ErrorCode.FILE_NOT_FOUND });
    const older = await temp();
    await writeFile(join(older, 'model.encore'), 'ENCOREMF\u0001\u0000\u0000\u0000');
    await expect(loadModels(older)).rejects.toThrow(
      expect.objectContaining({
        code: ErrorCode.MODEL_FORMAT,
        message: expect.stringMatching(/older Encore.*retrain/),
      }),
    );
    const file = (await readdir(a)).find((f) => f.startsWith('als.')) as string;
    const bytes = await readFile(join(a, file));
    bytes[bytes.length - 3]! ^= 1;
    await writeFile(join(a, file), bytes);
    await expect(loadModels(a)).rejects.toThrow(
      expect.objectContaining({ code: ErrorCode.MODEL_FORMAT, message: expect.stringMatching(/checksum mismatch/) }),
    );
    // Another model's file under this one's name (a copy gone wrong): not the file the manifest names.
    await saveModels(b, { factors: { ...factors, weights: { purchase: 1 } } });
    const other = (await readdir(b)).find((f) => f.startsWith('als.')) as string;
    await writeFile(join(a, file), await readFile(join(b, other)));
    await expect(loadModels(a)).rejects.toThrow(
      expect.objectContaining({
        code: ErrorCode.MODEL_FORMAT,
        message: expect.stringMatching(/size or checksum differ/),
      }),
    );
    await expect(saveModels(a, {})).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });
});
