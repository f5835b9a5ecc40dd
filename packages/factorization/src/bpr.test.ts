import { appendFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Coo,
  type Csr,
  cooToCsr,
  createRng,
  ErrorCode,
  interactionPairs,
  isEncoreError,
  rowLength,
} from '@encore/core';
import { loadDataset } from '@encore/datasets';
import { evaluate, splitInteractions } from '@encore/eval';
import { describe, expect, it } from 'vitest';
import { bpr, DEFAULT_BPR_PARAMS, fitBpr } from './bpr.js';
import { recommendItems, scoreFactors } from './factor-model.js';
import { contains, createTripleSampler } from './internal/bpr-sampling.js';
import { selectTfjsBackend, TFJS_BACKENDS } from './tfjs.js';

/** customers × items where customer u likes the items of group u % groups, minus a few by a seeded coin. */
function groups(customers: number, items: number, count: number, seed = 1): Csr {
  const rng = createRng(seed);
  const row: number[] = [];
  const col: number[] = [];
  for (let u = 0; u < customers; u++) {
    for (let i = u % count; i < items; i += count) {
      if (rng.next() < 0.7) {
        row.push(u);
        col.push(i);
      }
    }
  }
  return cooToCsr({
    rows: customers,
    cols: items,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

const isCode = (code: string) => (e: unknown) => isEncoreError(e, code as never);

describe('fitBpr (typed-array SGD)', () => {
  const train = groups(60, 40, 2);
  const small = { factors: 8, epochs: 20, learningRate: 0.05, regularization: 0.01 };

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await fitBpr(train, { ...small, seed: 7 });
    const b = await fitBpr(train, { ...small, seed: 7 });
    const c = await fitBpr(train, { ...small, seed: 8 });
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    expect(c.itemFactors).not.toEqual(a.itemFactors);
  });

  it('improves its loss and sampled AUC, and learns the groups', async () => {
    const model = await fitBpr(train, small);
    const first = model.history[0]!;
    const last = model.history.at(-1)!;
    expect(model.history).toHaveLength(20);
    expect(first.samples).toBe(train.indices.length);
    expect(last.loss).toBeLessThan(first.loss * 0.7);
    expect(last.auc).toBeGreaterThan(0.9);
    expect(first.auc).toBeLessThan(last.auc);
    expect(model.backend).toBe('typed-arrays');
    expect(model.factors).toBe(9);
    // The customer's bias column is the constant 1.
    for (let u = 0; u < model.customers; u++) expect(model.userFactors[u * 9 + 8]).toBe(1);
    // Every customer's best unseen item is in their own group.
    const lists = (await bpr.fit(train, { ...small, epochs: 60 })).recommend(
      Int32Array.from({ length: 60 }, (_, u) => u),
      {
        k: 1,
        exclude: train,
      },
    );
    // (Customers who have their whole group, 20 items, have no unseen item there.)
    const open = Array.from({ length: 60 }, (_, u) => u).filter((u) => rowLength(train, u) < 20);
    expect(open.length).toBeGreaterThan(50);
    expect(open.map((u) => lists[u]!.ids[0]! % 2)).toEqual(open.map((u) => u % 2));
  });

  it('samples verified negatives: never an item of the customer, positives always from the row', () => {
    // Dense rows make collisions frequent: each customer has 18 of 20 items.
    const dense = groups(30, 20, 1, 3);
    for (const sampling of ['user', 'interaction'] as const) {
      const sampler = createTripleSampler(dense, sampling, createRng(5));
      const n = 20_000;
      const u = new Int32Array(n);
      const i = new Int32Array(n);
      const j = new Int32Array(n);
      sampler.draw(u, i, j, 0, n);
      for (let t = 0; t < n; t++) {
        const start = dense.indptr[u[t]!]!;
        const stop = dense.indptr[u[t]! + 1]!;
        expect(contains(dense.indices, start, stop, i[t]!)).toBe(true);
        expect(contains(dense.indices, start, stop, j[t]!)).toBe(false);
      }
    }
  });

  it('skips customers with no items or every item', async () => {
    const m = cooToCsr({
      rows: 3,
      cols: 2,
      row: Int32Array.of(1, 1, 2),
      col: Int32Array.of(0, 1, 0),
      value: new Float32Array(3).fill(1),
      time: null,
    });
    const sampler = createTripleSampler(m, 'user', createRng(1));
    expect(sampler.users).toBe(1);
    const model = await fitBpr(m, { factors: 2, epochs: 3 });
    expect(model.history.every((h) => h.samples === 3)).toBe(true);
    // An empty matrix trains nothing and still serves the bias order.
    const empty = await fitBpr(
      cooToCsr({
        rows: 2,
        cols: 3,
        row: new Int32Array(0),
        col: new Int32Array(0),
        value: new Float32Array(0),
        time: null,
      }),
      { epochs: 2 },
    );
    expect(empty.history.map((h) => h.samples)).toEqual([0, 0]);
  });

  it('rejects bad params with INVALID_ARGUMENT and a diverging learning rate with DIVERGED', async () => {
    for (const params of [
      { learningRate: Number.NaN },
      { learningRate: 0 },
      { regularization: -1 },
      { factors: 0 },
      { epochs: 1.5 },
      { engine: 'gpu' },
      { sampling: 'popular' },
      { tfjsBackend: 'webgl' },
      { learnRate: 0.1 },
    ]) {
      await expect(fitBpr(train, params as never), JSON.stringify(params)).rejects.toSatisfy(
        isCode(ErrorCode.INVALID_ARGUMENT),
      );
    }
    await expect(fitBpr({ ...train, indptr: new Int32Array(3) })).rejects.toSatisfy(isCode(ErrorCode.INVALID_ARGUMENT));
    await expect(fitBpr(train, { learningRate: 1e6, epochs: 5 })).rejects.toSatisfy(isCode(ErrorCode.DIVERGED));
  });

  it('reports progress per epoch and stops when aborted', async () => {
    const seen: number[] = [];
    await fitBpr(train, { ...small, epochs: 4 }, { onProgress: (f) => seen.push(f) });
    expect(seen).toEqual([0.25, 0.5, 0.75, 1]);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(fitBpr(train, small, { signal: controller.signal })).rejects.toThrow('stop');
    // Aborted from a timer while training: seen between epochs.
    const late = new AbortController();
    setTimeout(() => late.abort(new Error('late')), 5);
    await expect(fitBpr(train, { ...small, epochs: 100_000 }, { signal: late.signal })).rejects.toThrow('late');
  });
});

describe('fitBpr (tfjs engine) and backend selection', () => {
  const train = groups(60, 40, 2);
  const small = {
    factors: 8,
    epochs: 15,
    learningRate: 0.05,
    regularization: 0.01,
    engine: 'tfjs',
    batchSize: 64,
  } as const;

  it('selects explicitly and falls back tensorflow → wasm → cpu, recording why', async () => {
    const cpu = await selectTfjsBackend({ prefer: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.skipped).toEqual([]);
    const best = await selectTfjsBackend();
    expect(TFJS_BACKENDS).toContain(best.backend);
    if (best.backend !== 'tensorflow') {
      // tfjs-node absent (CI) or without its native binary: the failure is recorded, not hidden.
      expect(best.skipped[0]?.backend).toBe('tensorflow');
      expect(best.skipped[0]?.reason.length).toBeGreaterThan(0);
    }
    await expect(selectTfjsBackend({ prefer: 'webgl' as never })).rejects.toSatisfy(isCode(ErrorCode.INVALID_ARGUMENT));
  });

  it('learns, is deterministic per seed and records the backend that ran', async () => {
    for (const tfjsBackend of ['cpu', 'wasm'] as const) {
      const a = await fitBpr(train, { ...small, tfjsBackend, seed: 3 });
      const b = await fitBpr(train, { ...small, tfjsBackend, seed: 3 });
      expect(a.backend).toBe(tfjsBackend);
      expect(b.itemFactors).toEqual(a.itemFactors);
      expect(a.history.at(-1)!.loss).toBeLessThan(a.history[0]!.loss * 0.8);
      expect(a.history.at(-1)!.auc).toBeGreaterThan(0.85);
      for (let u = 0; u < a.customers; u++) expect(a.userFactors[u * 9 + 8]).toBe(1);
    }
  }, 60_000);

  it('turns a diverging learning rate into DIVERGED', async () => {
    await expect(fitBpr(train, { ...small, tfjsBackend: 'cpu', learningRate: 1e8, epochs: 5 })).rejects.toSatisfy(
      isCode(ErrorCode.DIVERGED),
    );
  });
});

describe('recommendItems / scoreFactors on a factor model with a fallback', () => {
  // 2 customers, 3 items, 2 columns.
  const X = Float32Array.of(1, 0, 0, 1);
  const Y = Float32Array.of(3, 0, 2, 5, 1, 1);
  const model = { factors: 2, items: 3, userFactors: X, itemFactors: Y };
  const exclude = cooToCsr({
    rows: 1,
    cols: 3,
    row: Int32Array.of(0),
    col: Int32Array.of(0),
    value: Float32Array.of(1),
    time: null,
  });

  it('ranks by dot product without excluded items, caps k, serves unknown customers the fallback', () => {
    expect(Array.from(scoreFactors(model, 1))).toEqual([0, 5, 1]);
    const [a, b, unknown, none] = [
      ...recommendItems(model, Int32Array.of(0, 1), { k: 10, exclude }),
      ...recommendItems(model, Int32Array.of(-1), { k: 2, fallback: Float32Array.of(0, 1, 2) }),
      ...recommendItems(model, Int32Array.of(7), { k: 2 }),
    ];
    expect(Array.from(a!.ids)).toEqual([1, 2]);
    expect(Array.from(a!.scores)).toEqual([2, 1]);
    expect(Array.from(b!.ids)).toEqual([1, 2, 0]);
    expect(Array.from(unknown!.ids)).toEqual([2, 1]);
    expect(none!.ids).toHaveLength(0);
  });

  it('rejects mismatched shapes and bad k with INVALID_ARGUMENT', () => {
    expect(() => recommendItems({ ...model, factors: 4 }, Int32Array.of(0), { k: 1 })).toThrow();
    for (const call of [
      () => recommendItems({ ...model, itemFactors: Y.subarray(1) }, Int32Array.of(0), { k: 1 }),
      () => recommendItems(model, Int32Array.of(0), { k: -1 }),
      () => recommendItems(model, Int32Array.of(0), { k: 1, fallback: new Float32Array(2) }),
      () => scoreFactors(model, 2),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
  });
});

// /work/main/packages/factorization/src → /work/shared/datasets (the repo's sibling "../shared/datasets").
const U_DATA = fileURLToPath(new URL('../../../../shared/datasets/movielens-100k/u.data', import.meta.url));
const present = existsSync(U_DATA);

/** u.data in file order (Microsoft Recommenders' order), ratings as values. */
async function readUData(path: string): Promise<Coo> {
  const { log } = await loadDataset(path, 'movielens');
  return interactionPairs(log, { weights: { rate: 1 }, ratingAsWeight: true }).pairs;
}

describe('MovieLens 100k, item-stratified 0.75 seed 42, k = 10', () => {
  const name = present
    ? 'defaults pass Cornac BPR (nDCG@10 0.442 in Microsoft Recommenders’ table)'
    : 'defaults pass Cornac BPR (skipped: ../shared/datasets not found)';

  it.skipIf(!present)(
    name,
    async () => {
      const { train, test } = splitInteractions(await readUData(U_DATA), {
        kind: 'item-stratified',
        ratio: 0.75,
        seed: 42,
      });
      const result = await evaluate(bpr, {}, { train, test, k: 10 });
      recordFigures(JSON.stringify({ bpr: result.metrics, timings: result.timings, params: DEFAULT_BPR_PARAMS }));
      expect(result.users).toBe(943);
      expect(result.metrics.ndcg).toBeGreaterThan(0.442);
    },
    60_000,
  );
});

/** The figures of a real-data check, appended as one JSON line to $ENCORE_FIGURES when set (npm test stays quiet). */
function recordFigures(json: string): void {
  const path = process.env.ENCORE_FIGURES;
  if (path !== undefined && path !== '') appendFileSync(path, `${json}\n`);
}
