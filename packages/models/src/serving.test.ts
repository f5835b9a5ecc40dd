import { buildCooccurrenceModel } from '@encore/cooccurrence';
import { buildInteractions, compactInteractions, ErrorCode } from '@encore/core';
import { generateSynthetic } from '@encore/datasets';
import { fitAls, fitBpr, recommendItems, type TrainedFactorModel } from '@encore/factorization';
import { scoreNaive } from '@encore/factorization/internal/kernels';
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

  it('the same list, bit for bit, whether the factor candidates are scored here or handed in by a batch job', () => {
    // A batch job's candidates come from the batch kernels (scoreCustomers); the reference one
    // (float32 sums, factor by factor) gives their bits.
    for (const customer of factors.customerIds.slice(0, 40)) {
      const u = factors.customerIds.indexOf(customer);
      const batch = scoreNaive(factors.model, { k: 100, exclude: factors.seen, customers: Int32Array.of(u) });
      const n = batch.ids.indexOf(-1) < 0 ? batch.ids.length : batch.ids.indexOf(-1);
      const personal = { ids: batch.ids.subarray(0, n), scores: batch.scores.subarray(0, n) };
      expect(serving.recommend(customer, { k: 10, personal })).toEqual(serving.recommend(customer, { k: 10 }));
    }
  });

  it("scores a request's customer with the batch kernel on kept buffers: the batch lists, and float64 as before", () => {
    const model = factors.model;
    const exclude = factors.seen;
    const filterItems = Int32Array.of(0, 5, 9);
    const scratch = {};
    for (let u = 0; u < 60; u++) {
      const users = Int32Array.of(u);
      const batch = scoreNaive(model, { k: 30, exclude, filterItems, customers: users });
      for (const kernel of ['auto', 'wasm', 'js'] as const) {
        const [list] = recommendItems(model, users, { k: 30, exclude, filterItems, kernel, scratch });
        const n = list?.ids.length as number;
        expect(Array.from(list?.ids ?? [])).toEqual(Array.from(batch.ids.subarray(0, n)));
        expect(Array.from(list?.scores ?? [])).toEqual(Array.from(batch.scores.subarray(0, n)));
        expect(n === 30 || batch.ids[n] === -1).toBe(true);
      }
      // The float64 kernel keeps its results with kept buffers, alone or in a batch.
      const [alone] = recommendItems(model, users, { k: 30, exclude, filterItems });
      expect(recommendItems(model, users, { k: 30, exclude, filterItems, scratch })[0]).toEqual(alone);
    }
    const all = Int32Array.from({ length: 41 }, (_, u) => (u < 40 ? u : -1));
    const wasm = recommendItems(model, all, { k: 7, exclude, kernel: 'wasm', scratch });
    const naive = scoreNaive(model, { k: 7, exclude, customers: all.subarray(0, 40) });
    for (let t = 0; t < 40; t++)
      expect(Array.from(wasm[t]?.ids ?? [])).toEqual(Array.from(naive.ids.subarray(t * 7, t * 7 + 7)));
    expect(wasm[40]?.ids.length).toBe(0); // unknown, no fallback
    // A folded-in customer (another userFactors, the same item factors) reuses the packed items.
    const x = model.userFactors.slice(3 * model.factors, 4 * model.factors);
    expect(recommendItems({ ...model, userFactors: x }, Int32Array.of(0), { k: 5, kernel: 'auto', scratch })).toEqual(
      recommendItems(model, Int32Array.of(3), { k: 5, kernel: 'auto', scratch }),
    );
    expect(() => recommendItems(model, Int32Array.of(0), { k: 5, kernel: 'gpu' as 'js' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
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
    // What load shedding serves: the shelf's best sellers, else the most-bought items.
    expect(serving.bestSellers(3)).toEqual(serving.list('best-sellers', { k: 3 }));
    const noShelf = prepareServing({ factors }).bestSellers(3);
    expect(noShelf?.source).toBe('popular');
    expect(noShelf?.items.map((i) => i.because)).toEqual([
      [{ source: 'popular' }],
      [{ source: 'popular' }],
      [{ source: 'popular' }],
    ]);
    expect(prepareServing({ catalog }).bestSellers(3)).toBeUndefined();
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
