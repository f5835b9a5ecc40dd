import { decodeModelFile, ErrorCode, EventLogBuilder, encodeModelFile } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { buildCooccurrenceModel, DEFAULT_RELATIONS } from './model.js';
import { COOCCURRENCE_MODEL_FORMAT, decodeCooccurrenceModel, encodeCooccurrenceModel } from './model-codec.js';
import { together } from './together.js';

function shopLog() {
  const b = new EventLogBuilder();
  let t = 1_700_000_000_000;
  // Orders that pair a/b and c/d, sessions that view a then c.
  for (let o = 0; o < 30; o++) {
    const pair = o % 2 === 0 ? ['a', 'b'] : ['c', '__proto__'];
    for (const item of pair)
      b.append({ type: 'purchase', userId: `u${o % 7}`, itemId: item, orderId: `o${o}`, timestamp: t++ });
    b.append({ type: 'view', userId: `u${o % 7}`, itemId: 'a', sessionId: `s${o}`, timestamp: t++ });
    b.append({ type: 'view', userId: `u${o % 7}`, itemId: 'c', sessionId: `s${o}`, timestamp: t++ });
  }
  return b.finish();
}

/** What a decoder throws for a file it refuses: MODEL_FORMAT, saying what was wrong. */
const modelFormat = (message: RegExp): unknown =>
  expect.objectContaining({ code: ErrorCode.MODEL_FORMAT, message: expect.stringMatching(message) });

describe('co-occurrence model files', () => {
  const model = buildCooccurrenceModel(shopLog(), {
    relations: DEFAULT_RELATIONS.map((r) => ({ ...r, minSupport: 1 })),
  });

  it('round-trip every relation exactly and answer together() the same', () => {
    const back = decodeCooccurrenceModel(encodeCooccurrenceModel(model));
    expect(back).toEqual(model);
    const a = model.itemIds.indexOf('a');
    expect(together(back, [a], { k: 3 })).toEqual(together(model, [a], { k: 3 }));
  });

  it('refuse a model whose parts do not fit', () => {
    const file = decodeModelFile(encodeCooccurrenceModel(model));
    const sections: Record<string, unknown> = {};
    for (const name of ['itemIds']) sections[name] = file.strings(name);
    for (let r = 0; r < model.relations.length; r++) {
      for (const name of ['rowCounts', 'colCounts', 'indptr', 'ids', 'support', 'countIndptr', 'countIds', 'counts']) {
        if (file.has(`r${r}.${name}`)) sections[`r${r}.${name}`] = file.int32(`r${r}.${name}`).slice();
      }
      sections[`r${r}.scores`] = file.float32(`r${r}.scores`).slice();
    }
    const reencode = (change: () => void): Uint8Array => {
      change();
      return encodeModelFile({
        family: 'cooccurrence',
        version: COOCCURRENCE_MODEL_FORMAT,
        meta: file.meta,
        sections,
      } as never);
    };
    const ids = sections['r0.ids'] as Int32Array;
    const saved = ids[0] as number;
    expect(() =>
      decodeCooccurrenceModel(
        reencode(() => {
          ids[0] = model.items;
        }),
      ),
    ).toThrow(modelFormat(/r0\.ids\[0\] is/));
    ids[0] = saved;
    const scores = sections['r0.scores'] as Float32Array;
    expect(() =>
      decodeCooccurrenceModel(
        reencode(() => {
          scores[0] = Number.NaN;
        }),
      ),
    ).toThrow(modelFormat(/r0\.scores\[0\] is NaN/));
    scores[0] = 1;
    expect(() =>
      decodeCooccurrenceModel(
        reencode(() => {
          sections.itemIds = (sections.itemIds as string[]).slice(1);
        }),
      ),
    ).toThrow(modelFormat(/itemIds holds/));
  });
});
