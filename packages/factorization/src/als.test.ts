import { type Coo, type Csr, cooToCsr, createRng, ErrorCode, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { als, DEFAULT_ALS_PARAMS, fitAls, recalculateItem, recalculateUser, resolveAlsParams } from './als.js';
import { ALS_ROW_BLOCK, type AlsHalf, type AlsKernel, alsSolveRows, gramOf, sumGramPartials } from './als-kernel.js';
import { prepareAlsFit } from './als-layout.js';
import { recommendItems, similarItems } from './factor-model.js';
import { alsScratchFloats, alsWasmUnavailableReason, gramRowsWasm } from './internal/als-wasm.js';
import { KEEP_ARENA_BYTES, WasmArena } from './internal/wasm.js';

/** The WebAssembly kernel must be built for these tests (npm test builds first); say so if not. */
const wasmMissing = alsWasmUnavailableReason();
if (wasmMissing !== '') throw new Error(`factorization tests need the WebAssembly ALS kernel: ${wasmMissing}`);

/** An AlsHalf over copies of the given arrays, in an arena for the 'wasm' kernel. */
function makeHalf(
  kernel: AlsKernel,
  solver: 'cg' | 'cholesky',
  matrix: Csr,
  y: Float32Array,
  x: Float32Array,
  f: number,
  options: { regularization: number; alpha: number; binary: boolean; cgSteps: number },
): AlsHalf {
  const arena = kernel === 'wasm' ? new WasmArena() : null;
  const copy = <T extends Float32Array | Int32Array | Float64Array>(src: T): T => {
    const out = (
      arena === null
        ? new (src.constructor as new (n: number) => T)(src.length)
        : src instanceof Float64Array
          ? arena.float64(src.length)
          : src instanceof Int32Array
            ? arena.int32(src.length)
            : arena.float32(src.length)
    ) as T;
    out.set(src);
    return out;
  };
  return {
    rows: matrix.rows,
    factors: f,
    indptr: copy(matrix.indptr),
    indices: copy(matrix.indices),
    data: copy(matrix.data),
    x: copy(x),
    y: copy(y),
    gram: copy(gramOf(y, matrix.cols, f)),
    ...options,
    solver,
    kernel,
    blockRows: ALS_ROW_BLOCK,
    memory: arena?.memory ?? null,
    scratch: arena?.float32(alsScratchFloats(f)) ?? null,
    gramPartials: copy(new Float64Array(Math.ceil(matrix.rows / ALS_ROW_BLOCK) * f * f)),
    lossPartials: copy(new Float64Array(Math.ceil(matrix.rows / ALS_ROW_BLOCK))),
  };
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < a.length; k++) {
    diff += (a[k]! - b[k]!) ** 2;
    norm += b[k]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** Planted clusters: user u belongs to cluster u % clusters and picks items mostly from that cluster. */
export function plantedMatrix(users: number, items: number, clusters: number, perUser: number, seed: number): Csr {
  const rng = createRng(seed);
  const row: number[] = [];
  const col: number[] = [];
  const value: number[] = [];
  for (let u = 0; u < users; u++) {
    const c = u % clusters;
    const seen = new Set<number>();
    while (seen.size < perUser) {
      const inCluster = rng.next() < 0.85;
      const i = inCluster ? c + clusters * rng.int(Math.floor(items / clusters)) : rng.int(items);
      if (seen.has(i)) continue;
      seen.add(i);
      row.push(u);
      col.push(i);
      value.push(1 + rng.int(5));
    }
  }
  const coo: Coo = {
    rows: users,
    cols: items,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: Float32Array.from(value),
    time: null,
  };
  return cooToCsr(coo);
}

/** Users in blocks of `size` like every item of their block except the one with their own index. */
function checkerboard(blocks: number, size: number): Csr {
  const n = blocks * size;
  const row: number[] = [];
  const col: number[] = [];
  for (let u = 0; u < n; u++) {
    const b = Math.floor(u / size);
    for (let i = b * size; i < (b + 1) * size; i++) {
      if (i === u) continue;
      row.push(u);
      col.push(i);
    }
  }
  return cooToCsr({
    rows: n,
    cols: n,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isEncoreError(error) ? error.code : `not an EncoreError: ${String(error)}`;
  }
  return undefined;
}

function overlap(a: Int32Array, b: Int32Array): number {
  const set = new Set(a);
  let n = 0;
  for (const id of b) if (set.has(id)) n++;
  return n / Math.max(1, Math.min(a.length, b.length));
}

const SMALL = Object.freeze({ factors: 8, regularization: 1, alpha: 4, iterations: 10 });

describe('alsSolveRows', () => {
  const matrix = plantedMatrix(130, 60, 4, 12, 7);
  const OPTIONS = { regularization: 0.5, alpha: 2, binary: false, cgSteps: 3 };

  for (const kernel of ['js', 'wasm'] as const) {
    it(`the CG solution (${kernel}) is within 1e-3 relative of the Cholesky one`, () => {
      const f = 16;
      const rng = createRng(3);
      const y = Float32Array.from({ length: matrix.cols * f }, () => rng.next() * 0.3);
      const x0 = Float32Array.from({ length: matrix.rows * f }, () => rng.next() * 0.3);
      const exact = makeHalf('js', 'cholesky', matrix, y, x0, f, OPTIONS);
      alsSolveRows(exact, 0, matrix.rows);
      // Warm-started CG: 3 steps per pass, as during training; a few passes converge.
      const cg = makeHalf(kernel, 'cg', matrix, y, x0, f, OPTIONS);
      for (let pass = 0; pass < 8; pass++) alsSolveRows(cg, 0, matrix.rows);
      let worst = 0;
      for (let u = 0; u < matrix.rows; u++) {
        const row = (x: Float32Array) => x.subarray(u * f, (u + 1) * f);
        worst = Math.max(worst, relativeError(row(cg.x), row(exact.x)));
      }
      expect(worst).toBeLessThan(1e-3);
      // One pass of 3 steps from a cold start is already a usable approximation (implicit's default).
      const once = makeHalf(kernel, 'cg', matrix, y, x0, f, OPTIONS);
      alsSolveRows(once, 0, matrix.rows);
      expect(relativeError(once.x, exact.x)).toBeLessThan(0.2);
    });
  }

  for (const f of [16, 7]) {
    it(`the wasm kernel computes what the js kernel does (f = ${f}), Gramians and losses included`, () => {
      const rng = createRng(11);
      const y = Float32Array.from({ length: matrix.cols * f }, () => rng.next() * 0.3);
      const x0 = Float32Array.from({ length: matrix.rows * f }, () => rng.next() * 0.3);
      for (const binary of [false, true]) {
        const js = makeHalf('js', 'cg', matrix, y, x0, f, { ...OPTIONS, binary });
        const wasm = makeHalf('wasm', 'cg', matrix, y, x0, f, { ...OPTIONS, binary });
        // rows 64.. only: the first block is left as it was by both
        alsSolveRows(js, 64, matrix.rows);
        alsSolveRows(wasm, 64, matrix.rows);
        expect(relativeError(wasm.x, js.x)).toBeLessThan(1e-5);
        expect(Array.from(wasm.x.subarray(0, 64 * f))).toEqual(Array.from(x0.subarray(0, 64 * f)));
        for (let b = 1; b < js.lossPartials!.length; b++) {
          expect(Math.abs(wasm.lossPartials![b]! - js.lossPartials![b]!)).toBeLessThan(1e-4 * js.lossPartials![b]!);
          for (let i = 0; i < f; i++) {
            for (let j = i; j < f; j++) {
              const k = b * f * f + i * f + j;
              expect(Math.abs(wasm.gramPartials[k]! - js.gramPartials[k]!)).toBeLessThan(
                1e-4 * (1 + Math.abs(js.gramPartials[k]!)),
              );
            }
          }
        }
      }
    });
  }

  for (const f of [16, 7]) {
    it(`gramRowsWasm reports the partials a wasm solve pass reports for the same rows (f = ${f})`, () => {
      const rng = createRng(5);
      const y = Float32Array.from({ length: matrix.cols * f }, () => rng.next() * 0.3);
      const x0 = Float32Array.from({ length: matrix.rows * f }, () => rng.next() * 0.3);
      const half = makeHalf('wasm', 'cg', matrix, y, x0, f, OPTIONS);
      alsSolveRows(half, 0, matrix.rows);
      const arena = new WasmArena();
      const x = arena.float32(half.x.length);
      x.set(half.x);
      const partials = arena.float64(half.gramPartials.length).fill(Number.NaN);
      gramRowsWasm(arena.memory, x, matrix.rows, f, ALS_ROW_BLOCK, partials, arena.float32(f * f));
      expect(Array.from(partials)).toEqual(Array.from(half.gramPartials));
      // and XᵀX as gramOf sums it in float64, to float32 accuracy
      const sum = sumGramPartials(partials, partials.length / (f * f), f, new Float64Array(f * f));
      const exact = gramOf(half.x, matrix.rows, f);
      for (let k = 0; k < f * f; k++)
        expect(Math.abs(sum[k]! - exact[k]!)).toBeLessThan(1e-5 * (1 + Math.abs(exact[k]!)));
      expect(() =>
        gramRowsWasm(
          arena.memory,
          new Float32Array(x.length),
          matrix.rows,
          f,
          ALS_ROW_BLOCK,
          partials,
          arena.float32(f * f),
        ),
      ).toThrow(RangeError);
    });
  }

  it('the wasm kernel refuses arrays outside its memory and missing scratch', () => {
    const f = 4;
    const y = new Float32Array(matrix.cols * f).fill(0.1);
    const x0 = new Float32Array(matrix.rows * f).fill(0.1);
    const half = makeHalf('wasm', 'cg', matrix, y, x0, f, OPTIONS);
    expect(() => alsSolveRows({ ...half, x: new Float32Array(matrix.rows * f) }, 0, matrix.rows)).toThrow(RangeError);
    expect(codeOf(() => alsSolveRows({ ...half, scratch: null }, 0, matrix.rows))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(() => alsSolveRows(half, 0, matrix.rows, 1)).toThrow(RangeError);
  });

  it('rejects row ranges that split a block', () => {
    const half = { rows: 200, factors: 2, blockRows: ALS_ROW_BLOCK } as AlsHalf;
    expect(codeOf(() => alsSolveRows(half, 1, 64))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => alsSolveRows(half, 0, 65))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => alsSolveRows(half, 0, 201))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('fitAls', () => {
  const matrix = plantedMatrix(300, 120, 6, 15, 1);

  it('is deterministic for a seed, different for another', () => {
    const a = fitAls(matrix, { ...SMALL, seed: 5 });
    const b = fitAls(matrix, { ...SMALL, seed: 5 });
    const c = fitAls(matrix, { ...SMALL, seed: 6 });
    expect(a.userFactors).toEqual(b.userFactors);
    expect(a.itemFactors).toEqual(b.itemFactors);
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss));
    expect(c.itemFactors).not.toEqual(a.itemFactors);
  });

  it('gives the same bits in memory an earlier fit used (zeroed again) as in fresh memory', () => {
    const small = plantedMatrix(90, 40, 3, 8, 4);
    // Fresh: the idle arena, if any, is held by a fit laid out and never run.
    const held = prepareAlsFit(small, resolveAlsParams('test', { ...SMALL, kernel: 'wasm' }));
    const fresh = fitAls(small, { ...SMALL, kernel: 'wasm' });
    held.release();
    // Reused after a bigger fit left its factors and partials all over the memory.
    fitAls(matrix, { ...SMALL, kernel: 'wasm', seed: 9 });
    const reused = fitAls(small, { ...SMALL, kernel: 'wasm' });
    expect(reused.userFactors).toEqual(fresh.userFactors);
    expect(reused.itemFactors).toEqual(fresh.itemFactors);
    expect(reused.history.map((h) => h.loss)).toEqual(fresh.history.map((h) => h.loss));
  });

  it('reports a loss per iteration that decreases', () => {
    const seen: number[] = [];
    const model = fitAls(matrix, SMALL, { onIteration: (it) => seen.push(it.loss) });
    const losses = model.history.map((h) => h.loss);
    expect(seen).toEqual(losses);
    expect(model.history.map((h) => h.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]! * (1 + 1e-6));
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.99);
    expect(model.history.every((h) => h.seconds >= 0)).toBe(true);
  });

  it('CG and the exact solver reach about the same loss and rankings', () => {
    const cg = fitAls(matrix, SMALL);
    const exact = fitAls(matrix, { ...SMALL, solver: 'cholesky' });
    expect(Math.abs(cg.history.at(-1)!.loss / exact.history.at(-1)!.loss - 1)).toBeLessThan(0.02);
    const users = Int32Array.from({ length: 50 }, (_, u) => u);
    const a = recommendItems(cg, users, { k: 10, exclude: matrix });
    const b = recommendItems(exact, users, { k: 10, exclude: matrix });
    const mean = a.reduce((s, list, u) => s + overlap(list.ids, b[u]!.ids), 0) / a.length;
    expect(mean).toBeGreaterThan(0.8);
  });

  it('answers the checkerboard: each user gets the one unseen item of their block', () => {
    const board = checkerboard(4, 5);
    const model = fitAls(board, { factors: 8, regularization: 0.1, alpha: 10, iterations: 20 });
    const users = Int32Array.from({ length: 20 }, (_, u) => u);
    const lists = recommendItems(model, users, { k: 1, exclude: board });
    expect(lists.map((l) => l.ids[0])).toEqual(Array.from(users));
    // Similar items of item 0: the rest of its block first.
    const [similar] = similarItems(model, Int32Array.of(0), 4);
    expect(Array.from(similar!.ids).sort()).toEqual([1, 2, 3, 4]);
  });

  it('rejects bad input and params with typed errors', () => {
    const bad = { ...matrix, data: matrix.data.slice() };
    bad.data[3] = Number.NaN;
    expect(codeOf(() => fitAls(bad, SMALL))).toBe(ErrorCode.INVALID_ARGUMENT);
    bad.data[3] = -1;
    expect(codeOf(() => fitAls(bad, SMALL))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls(matrix, { alpha: Number.NaN }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls(matrix, { regularization: -1 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls(matrix, { factors: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls(matrix, { solver: 'lu' as 'cg' }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls(matrix, { threads: 2 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls(matrix, { learningRate: 0.1 } as never))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => fitAls({ rows: 2 } as Csr))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('turns a diverging fit into DIVERGED, not silent garbage', () => {
    const huge = { ...matrix, data: new Float32Array(matrix.data.length).fill(3e38) };
    expect(codeOf(() => fitAls(huge, { ...SMALL, alpha: 1e300, affinity: 'value' }))).toBe(ErrorCode.DIVERGED);
  });

  it('honours the abort signal', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => fitAls(matrix, SMALL, { signal: controller.signal })).toThrow('stop');
  });

  it('implements the recommender contract', async () => {
    expect(als.name).toBe('als');
    expect(Object.isFrozen(als.defaults)).toBe(true);
    expect(als.defaults).toBe(DEFAULT_ALS_PARAMS);
    const model = await als.fit(matrix, SMALL);
    expect(model.algorithm).toBe('als');
    expect(model.params).toMatchObject({ ...SMALL, seed: 42, threads: 1 });
    expect([model.customers, model.items]).toEqual([300, 120]);
    const lists = model.recommend(Int32Array.of(0, 299, 300, -1), { k: 5, exclude: matrix });
    expect(lists.map((l) => l.ids.length)).toEqual([5, 5, 0, 0]);
    for (const id of lists[0]!.ids) expect(Array.from(matrix.indices.subarray(0, matrix.indptr[1]))).not.toContain(id);
    await expect(als.fit(matrix, { alpha: -1 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });
});

describe('WasmArena.take / release', () => {
  it('hands a released arena out again, every array zeroed, and keeps none over KEEP_ARENA_BYTES', () => {
    const first = WasmArena.take();
    const a = first.float32(1000);
    const b = first.float64(300);
    a.fill(7);
    b.fill(-1);
    first.release();
    const second = WasmArena.take();
    expect(second).toBe(first);
    const c = second.int32(1500); // spans what a and b held
    const d = second.float32(200);
    expect(c.every((v) => v === 0)).toBe(true);
    expect(d.every((v) => v === 0)).toBe(true);
    expect(WasmArena.take()).not.toBe(second); // taken: the next fit gets its own
    second.release();
    const big = WasmArena.take();
    big.float64(KEEP_ARENA_BYTES / 8 + 1);
    big.release();
    expect(WasmArena.take()).not.toBe(big);
  });
});

describe('recommendItems, similarItems', () => {
  const matrix = plantedMatrix(200, 90, 3, 10, 2);
  const model = fitAls(matrix, SMALL);

  it('filters items and caps k at the candidates', () => {
    const filterItems = Int32Array.from({ length: 80 }, (_, i) => i);
    const [list] = recommendItems(model, Int32Array.of(0), { k: 50, exclude: matrix, filterItems });
    const seen = new Set(matrix.indices.subarray(matrix.indptr[0], matrix.indptr[1]));
    expect(list!.ids.length).toBe(10 - Array.from(seen).filter((i) => i >= 80).length);
    for (const id of list!.ids) expect(id).toBeGreaterThanOrEqual(80);
    for (let r = 1; r < list!.scores.length; r++) expect(list!.scores[r]!).toBeLessThanOrEqual(list!.scores[r - 1]!);
    expect(codeOf(() => recommendItems(model, Int32Array.of(0), { k: 5, filterItems: Int32Array.of(90) }))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(codeOf(() => recommendItems(model, Int32Array.of(0), { k: -1 }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('batch results equal one-by-one results', () => {
    const users = Int32Array.from({ length: 40 }, (_, u) => (u * 7) % 200);
    const batch = recommendItems(model, users, { k: 10, exclude: matrix });
    users.forEach((u, t) => {
      expect(recommendItems(model, Int32Array.of(u), { k: 10, exclude: matrix })[0]).toEqual(batch[t]);
    });
  });

  it('similar items leave the item itself out and unknown items get nothing', () => {
    const lists = similarItems(model, Int32Array.of(0, 5, 90), 5);
    expect(lists[0]!.ids).not.toContain(0);
    expect(lists[1]!.ids.length).toBe(5);
    expect(lists[2]!.ids.length).toBe(0);
  });
});

describe('recalculateUser, recalculateItem', () => {
  it("a held-out user's fold-in ranks like their factors from full training (≥ 80% of the top 10)", () => {
    const matrix = plantedMatrix(400, 150, 5, 20, 11);
    const params = { factors: 16, regularization: 5, alpha: 4, iterations: 15 };
    const full = fitAls(matrix, params);
    const heldOut = Int32Array.of(3, 77, 150, 222, 399);
    // Train without the held-out users' rows, then fold them in from their items.
    const indptr = matrix.indptr.slice();
    const keep: number[] = [];
    for (let u = 0, removed = 0; u < matrix.rows; u++) {
      if (heldOut.includes(u)) removed += matrix.indptr[u + 1]! - matrix.indptr[u]!;
      else for (let p = matrix.indptr[u]!; p < matrix.indptr[u + 1]!; p++) keep.push(p);
      indptr[u + 1] = matrix.indptr[u + 1]! - removed;
    }
    const without: Csr = {
      ...matrix,
      indptr,
      indices: Int32Array.from(keep, (p) => matrix.indices[p]!),
      data: Float32Array.from(keep, (p) => matrix.data[p]!),
    };
    const partial = fitAls(without, params);
    let total = 0;
    for (const u of heldOut) {
      const start = matrix.indptr[u]!;
      const end = matrix.indptr[u + 1]!;
      const items = matrix.indices.slice(start, end);
      const x = recalculateUser(partial, items);
      const foldedModel = { ...partial, users: 1, userFactors: x };
      const exclude = { ...matrix, rows: 1, indptr: Int32Array.of(0, end - start), indices: items };
      const [folded] = recommendItems(foldedModel, Int32Array.of(0), { k: 10, exclude });
      const [trained] = recommendItems(full, Int32Array.of(u), { k: 10, exclude: matrix });
      total += overlap(folded!.ids, trained!.ids);
    }
    expect(total / heldOut.length).toBeGreaterThanOrEqual(0.8);
  });

  it("an existing user's fold-in is close to their trained factors", () => {
    const matrix = plantedMatrix(200, 90, 3, 10, 4);
    const model = fitAls(matrix, SMALL);
    const u = 17;
    const items = matrix.indices.slice(matrix.indptr[u], matrix.indptr[u + 1]);
    const x = recalculateUser(model, items);
    const trained = model.userFactors.subarray(u * 8, (u + 1) * 8);
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < 8; j++) {
      diff += (x[j]! - trained[j]!) ** 2;
      norm += trained[j]! ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(0.1);
    const y = recalculateItem(model, Int32Array.of(0, 3, 6, 9));
    expect(y.length).toBe(8);
    expect(codeOf(() => recalculateUser(model, Int32Array.of(90)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => recalculateUser(model, Int32Array.of(1, 1)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => recalculateUser(model, Int32Array.of(1), Float32Array.of(Number.NaN)))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
  });
});
