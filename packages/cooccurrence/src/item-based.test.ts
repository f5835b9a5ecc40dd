import { appendFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Coo, type Csr, cooToCsr, ErrorCode, interactionPairs, isEncoreError } from '@encore/core';
import { loadDataset } from '@encore/datasets';
import { evaluate, splitInteractions } from '@encore/eval';
import { describe, expect, it } from 'vitest';
import { cooccurrence, DEFAULT_ITEM_BASED_PARAMS } from './item-based.js';
import { SIMILARITIES } from './scores.js';

function matrix(lists: readonly (readonly number[])[], cols: number): Csr {
  const row: number[] = [];
  const col: number[] = [];
  lists.forEach((items, r) => {
    for (const i of items) {
      row.push(r);
      col.push(i);
    }
  });
  return cooToCsr({
    rows: lists.length,
    cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: Float64Array.from(row, (r) => 1e12 + r * 86_400_000),
  });
}

describe('cooccurrence (item-based recommender)', () => {
  // Checkerboard: customers of group A use items 0..3, of group B items 4..7.
  const lists: number[][] = [];
  for (let u = 0; u < 40; u++) {
    const base = u % 2 === 0 ? 0 : 4;
    lists.push([base + (u % 4), base + ((u + 1) % 4), base + ((u + 2) % 4)]);
  }
  const train = matrix(lists, 8);

  it('recommends the unseen items of the customer’s own group, never seen ones', async () => {
    for (const similarity of SIMILARITIES) {
      const model = await cooccurrence.fit(train, { similarity });
      const [list] = model.recommend(Int32Array.of(0), { k: 1, exclude: train });
      const group = (lists[0] as number[])[0]! < 4 ? 0 : 1;
      expect(list!.ids.length).toBe(1);
      expect(list!.ids[0]! < 4 ? 0 : 1, similarity).toBe(group);
      expect(lists[0]).not.toContain(list!.ids[0]);
    }
  });

  it('fills short lists by popularity, caps k at the candidates, serves unknown customers', async () => {
    const model = await cooccurrence.fit(train);
    const [a, b] = model.recommend(Int32Array.of(0, 999), { k: 100, exclude: train });
    expect(a!.ids.length).toBe(5);
    expect(new Set(a!.ids).size).toBe(5);
    expect(b!.ids.length).toBe(8);
  });

  it('decays affinities and rejects bad params with INVALID_ARGUMENT', async () => {
    const decayed = await cooccurrence.fit(train, { halfLifeDays: 10, affinity: 'value' });
    expect(decayed.recommend(Int32Array.of(1), { k: 2 })[0]!.ids.length).toBe(2);
    for (const params of [
      { similarity: 'pearson' },
      { neighbours: -1 },
      { halfLifeDays: -1 },
      { affinity: 'rating' },
      { foo: 1 },
    ]) {
      await expect(cooccurrence.fit(train, params as never)).rejects.toSatisfy((e: unknown) =>
        isEncoreError(e, ErrorCode.INVALID_ARGUMENT),
      );
    }
    const noTimes = { ...train, times: null };
    await expect(cooccurrence.fit(noTimes, { halfLifeDays: 1 })).rejects.toSatisfy((e: unknown) =>
      isEncoreError(e, ErrorCode.INVALID_ARGUMENT),
    );
  });
});

describe("lift at SAR's support floor of 1 (the issue: nDCG@10 0.003 on ML-100k)", () => {
  // Items 0 and 1 are popular, bought together by most customers; items 2 and 3 were bought
  // together once, by one customer. Customer 0 holds rare item 2: what goes with it?
  const lists: number[][] = [[2]];
  for (let c = 1; c <= 20; c++) lists.push(c % 5 === 0 ? [0] : [0, 1]);
  lists.push([0, 2, 3]); // the one basket with the rare pair, and a popular item
  const train = matrix(lists, 4);

  it('is lift as defined, not a defect: one shared basket of rare items outweighs many of popular ones', async () => {
    // n = 22 baskets: lift(2, 3) = 1·22/(2·1) = 11, lift(2, 0) = 1·22/(2·21) ≈ 0.52.
    const model = await cooccurrence.fit(train, { similarity: 'lift', minSupport: 1 });
    const [list] = model.recommend(Int32Array.of(0), { k: 2, exclude: train });
    expect(list?.ids[0]).toBe(3);
    expect(list?.scores[0]).toBeGreaterThan(20 * (list?.scores[1] ?? 0));
    // A support floor drops pairs seen in too few baskets: the rare partner scores nothing.
    const floored = await cooccurrence.fit(train, { similarity: 'lift', minSupport: 2 });
    const [sane] = floored.recommend(Int32Array.of(0), { k: 3, exclude: train });
    const at = Array.from(sane?.ids ?? []).indexOf(3);
    expect(at === -1 || sane?.scores[at] === 0).toBe(true);
  });
});

// /work/main/packages/cooccurrence/src → /work/shared/datasets (the repo's sibling "../shared/datasets").
const U_DATA = fileURLToPath(new URL('../../../../shared/datasets/movielens-100k/u.data', import.meta.url));
const present = existsSync(U_DATA);

/** u.data in file order (Microsoft Recommenders' order), ratings as values. */
async function readUData(path: string): Promise<Coo> {
  const { log } = await loadDataset(path, 'movielens');
  return interactionPairs(log, { weights: { rate: 1 }, ratingAsWeight: true }).pairs;
}

describe('MovieLens 100k, item-stratified 0.75 seed 42, k = 10', () => {
  const name = present
    ? 'defaults reach nDCG@10 ≥ 0.40 (SAR anchor 0.382–0.394); every similarity reported'
    : 'defaults reach nDCG@10 ≥ 0.40 (skipped: ../shared/datasets not found)';

  it.skipIf(!present)(
    name,
    async () => {
      const { train, test } = splitInteractions(await readUData(U_DATA), {
        kind: 'item-stratified',
        ratio: 0.75,
        seed: 42,
      });
      const results: Record<string, unknown> = {};
      let defaults = 0;
      for (const similarity of SIMILARITIES) {
        const { metrics } = await evaluate(cooccurrence, { similarity }, { train, test, k: 10 });
        results[similarity] = metrics;
        if (similarity === DEFAULT_ITEM_BASED_PARAMS.similarity) defaults = metrics.ndcg;
      }
      // MS SAR's benchmark setting: Jaccard on rating affinities decayed with a 30-day half-life.
      const sar = await evaluate(
        cooccurrence,
        { similarity: 'jaccard', affinity: 'value', halfLifeDays: 30 },
        { train, test, k: 10 },
      );
      results['sar-like (jaccard, rating, 30-day decay)'] = sar.metrics;
      // Lift, with SAR's support floor of 1 (the default), ranks pairs of movies rated by one or two
      // people highest: ~0.003, below random. Its nature, not a defect: floors of 20 and 50 restore it.
      for (const minSupport of [20, 50]) {
        const { metrics } = await evaluate(cooccurrence, { similarity: 'lift', minSupport }, { train, test, k: 10 });
        results[`lift, minSupport ${minSupport}`] = metrics;
      }
      recordFigures(JSON.stringify(results));
      expect((results.lift as { ndcg: number }).ndcg).toBeLessThan(0.02);
      expect((results['lift, minSupport 20'] as { ndcg: number }).ndcg).toBeGreaterThan(0.25);
      expect((results['lift, minSupport 50'] as { ndcg: number }).ndcg).toBeGreaterThan(0.35);
      expect(defaults).toBeGreaterThanOrEqual(0.4);
      expect(sar.metrics.ndcg).toBeGreaterThan(0.38);
      expect(sar.metrics.ndcg).toBeLessThan(0.4);
    },
    60_000,
  );
});

/** The figures of a real-data check, appended as one JSON line to $ENCORE_FIGURES when set (npm test stays quiet). */
function recordFigures(json: string): void {
  const path = process.env.ENCORE_FIGURES;
  if (path !== undefined && path !== '') appendFileSync(path, `${json}\n`);
}
