import { buildCooccurrenceModel } from '@encore/cooccurrence';
import { buildInteractions, compactInteractions, ErrorCode } from '@encore/core';
import { generateSynthetic } from '@encore/datasets';
import { fitAls, fitBpr, type TrainedFactorModel } from '@encore/factorization';
import { buildShelf, customerHistories, itemAttributes } from '@encore/ranking';
import { describe, expect, it } from 'vitest';
import type { ModelSet } from './model-set.js';
import { prepareServing } from './serving.js';

const { log, catalog } = generateSynthetic({ preset: 'small', seed: 11 });
let now = 0;
for (const t of log.timestamp) now = Math.max(now, t);
const weights = { purchase: 5, cart: 3, view: 1 };
const interactions = compactInteractions(buildInteractions(log, { weights }));
const factors: TrainedFactorModel = {
  model: fitAls(interactions.matrix, { factors: 16, iterations: 8 }),
  customerIds: interactions.customers.ids().slice(),
  itemIds: interactions.items.ids().slice(),
  seen: interactions.matrix,
  weights,
};
const models: ModelSet = {
  factors,
  cooccurrence: buildCooccurrenceModel(log),
  shelf: buildShelf(log, { now, attributes: itemAttributes(catalog, log.item.ids), k: 50, categoryK: 10 }),
  histories: { histories: customerHistories(log), itemIds: log.item.ids.ids().slice() },
  catalog,
};
const serving = prepareServing(models, { clock: () => now });
const known = factors.customerIds[3] as string;

describe('serving a model set', () => {
  it("a known customer's list: the factor model's items explained by the customer's own items, nothing they bought", () => {
    const list = serving.recommend(known, { k: 10 });
    expect(list.source).toBe('model');
    expect(list.items).toHaveLength(10);
    const u = interactions.customers.indexOf(known);
    const seen = new Set(
      Array.from(
        interactions.matrix.indices.subarray(interactions.matrix.indptr[u], interactions.matrix.indptr[u + 1]),
        (i) => interactions.items.idAt(i),
      ),
    );
    for (const item of list.items) {
      expect(item.because.length).toBeGreaterThan(0);
      for (const b of item.because) if (b.source === 'als' && b.item !== undefined) expect(seen.has(b.item)).toBe(true);
    }
    const mf = list.items.filter((i) => i.because[0]?.source === 'als');
    expect(mf.length).toBeGreaterThan(0);
    expect(mf.every((i) => i.because[0]?.item !== undefined)).toBe(true);
    // Scores are in list order (no pins, no bury here).
    for (let r = 1; r < list.items.length; r++)
      expect(list.items[r - 1]?.score).toBeGreaterThanOrEqual(list.items[r]?.score as number);
  });

  it('the same list whether the factor candidates are scored here or handed in by a batch job', () => {
    const u = factors.customerIds.indexOf(known);
    const here = serving.recommend(known, { k: 10 });
    const seen = factors.seen;
    const scores = new Float64Array(factors.model.items);
    const f = factors.model.factors;
    for (let i = 0; i < scores.length; i++) {
      let s = 0;
      for (let j = 0; j < f; j++)
        s += (factors.model.userFactors[u * f + j] as number) * (factors.model.itemFactors[i * f + j] as number);
      scores[i] = s;
    }
    for (let p = seen.indptr[u] as number; p < (seen.indptr[u + 1] as number); p++)
      scores[seen.indices[p] as number] = Number.NEGATIVE_INFINITY;
    const order = Array.from(scores.keys())
      .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)
      .slice(0, 100);
    const personal = { ids: Int32Array.from(order), scores: Float32Array.from(order, (i) => scores[i] as number) };
    expect(serving.recommend(known, { k: 10, personal }).items.map((i) => i.item)).toEqual(
      here.items.map((i) => i.item),
    );
  });

  it('a new visitor with items is folded in; one with nothing gets the curated lists; unknown items are warned about', () => {
    const best = models.shelf?.itemIds[models.shelf.lists[0]?.ids[0] as number] as string;
    const folded = serving.recommend('new-visitor', { k: 5, recentItems: [best, 'NOPE'] });
    expect(folded.source).toBe('fold-in');
    expect(folded.items.map((i) => i.item)).not.toContain(best);
    expect(folded.warnings).toEqual([expect.stringMatching(/NOPE/)]);
    const cold = serving.recommend('nobody-at-all', { k: 5 });
    expect(cold.source).toBe('popular');
    expect(cold.items[0]?.because[0]?.source).toBe('best-sellers');
  });

  it('a BPR model cannot fold in: cart and recent items seed bought-together instead, with a warning', async () => {
    const bpr = prepareServing(
      { ...models, factors: { ...factors, model: await fitBpr(interactions.matrix, { factors: 8, epochs: 5 }) } },
      { clock: () => now },
    );
    const item = models.shelf?.itemIds[models.shelf.lists[0]?.ids[0] as number] as string; // the best seller: bought with much
    const list = bpr.recommend('someone-new', { k: 5, recentItems: [item] });
    expect(list.source).toBe('cooccurrence');
    expect(list.warnings.join()).toMatch(/bpr has no fold-in/);
    expect(list.items.some((i) => i.because.some((b) => b.source === 'bought-together' && b.item === item))).toBe(true);
  });

  it('filters and rules by item id; together explains each item by the cart item behind it; lists come from the shelf', () => {
    const pinned = factors.itemIds[7] as string;
    const list = serving.recommend(known, {
      k: 6,
      filter: { inStock: true },
      rules: { pins: [{ item: pinned, slot: 0 }] },
    });
    expect(list.items[0]?.item).toBe(pinned);
    for (const i of list.items) expect((catalog.get(i.item)?.stock ?? 1) > 0).toBe(true);
    const cart = [factors.itemIds[1] as string, factors.itemIds[2] as string];
    const together = serving.together(cart, { k: 5 });
    for (const item of together.items) {
      expect(cart).toContain(item.because[0]?.item);
      expect(item.support).toBeGreaterThan(0);
    }
    expect(serving.list('best-sellers', { k: 3 })?.items).toHaveLength(3);
    expect(serving.list('no-such-list', { k: 3 })).toBeUndefined();
  });

  it('says what is missing instead of answering with nothing', () => {
    const bare = prepareServing({ catalog });
    expect(() => bare.recommend('anyone', { k: 3 })).toThrow(expect.objectContaining({ code: ErrorCode.UNKNOWN_ID }));
    expect(() => bare.together(['x'], { k: 3 })).toThrow(expect.objectContaining({ code: ErrorCode.UNKNOWN_ID }));
    const noCatalog = prepareServing({ factors });
    expect(() => noCatalog.recommend(known, { k: 3, filter: { inStock: true } })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
