import { type Coo, type Csr, cooToCsr, createRng, ErrorCode } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { type FactorScoring, recommendItems } from './factor-model.js';
import { scoreWasmUnavailableReason } from './internal/score-wasm.js';
import {
  buildScoringJob,
  DEFAULT_SCORING_OPTIONS,
  type ScoredRange,
  type ScoringOptions,
  scoreNaive,
  scoreRange,
  scoringFlops,
} from './score-kernel.js';

const wasmMissing = scoreWasmUnavailableReason();
if (wasmMissing !== '') throw new Error(`factorization tests need the WebAssembly scoring kernel: ${wasmMissing}`);

/** Random factors; `levels` > 0 rounds them to a few values so many scores tie exactly. */
function randomModel(users: number, items: number, f: number, seed: number, levels = 0): FactorScoring {
  const rng = createRng(seed);
  const draw = (): number => (levels > 0 ? Math.floor(rng.next() * levels) - levels / 2 : rng.next() - 0.4);
  return {
    factors: f,
    items,
    userFactors: Float32Array.from({ length: users * f }, draw),
    itemFactors: Float32Array.from({ length: items * f }, draw),
  };
}

/** A random customers × items exclusion matrix with `perRow` entries a row on average. */
function randomExclude(rows: number, cols: number, perRow: number, seed: number): Csr {
  const rng = createRng(seed);
  const row: number[] = [];
  const col: number[] = [];
  for (let u = 0; u < rows; u++) {
    const n = rng.int(2 * perRow + 1);
    const seen = new Set<number>();
    for (let t = 0; t < n; t++) seen.add(rng.int(cols));
    for (const i of seen) {
      row.push(u);
      col.push(i);
    }
  }
  const coo: Coo = {
    rows,
    cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  };
  return cooToCsr(coo);
}

/** A row that excludes every item for customer `u` (all others as in `base`). */
function excludeAllFor(base: Csr, u: number): Csr {
  const row: number[] = [];
  const col: number[] = [];
  for (let r = 0; r < base.rows; r++) {
    if (r === u) {
      for (let i = 0; i < base.cols; i++) {
        row.push(r);
        col.push(i);
      }
      continue;
    }
    for (let e = base.indptr[r]!; e < base.indptr[r + 1]!; e++) {
      row.push(r);
      col.push(base.indices[e]!);
    }
  }
  return cooToCsr({
    rows: base.rows,
    cols: base.cols,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

function scoreAll(model: FactorScoring, options: Partial<ScoringOptions>): ScoredRange {
  const job = buildScoringJob(model, options);
  return scoreRange(job, 0, job.count);
}

function expectSameLists(a: ScoredRange, b: ScoredRange): void {
  expect(a.k).toBe(b.k);
  expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
  expect(Array.from(a.scores)).toEqual(Array.from(b.scores));
}

describe('scoreRange', () => {
  const cases = [
    { name: 'f = 13, items not a multiple of 8', users: 37, items: 203, f: 13, k: 10, levels: 0 },
    { name: 'f = 64, several tiles', users: 70, items: 3000, f: 64, k: 20, levels: 0 },
    { name: 'f = 1', users: 9, items: 17, f: 1, k: 5, levels: 0 },
    { name: 'exact ties everywhere (factors in {-1, 0, 1})', users: 41, items: 500, f: 6, k: 25, levels: 3 },
    { name: 'k beyond the items', users: 11, items: 12, f: 8, k: 50, levels: 0 },
  ];
  for (const c of cases) {
    it(`wasm, js and naive give the same lists: ${c.name}`, () => {
      const model = randomModel(c.users, c.items, c.f, c.users * 7 + c.f, c.levels);
      const exclude = excludeAllFor(randomExclude(c.users, c.items, Math.min(c.items / 3, 12), c.f), 3);
      const filterItems = Int32Array.of(0, 5, c.items - 1);
      for (const options of [{ k: c.k }, { k: c.k, exclude, filterItems }] as Partial<ScoringOptions>[]) {
        const naive = scoreNaive(model, options);
        const wasm = scoreAll(model, { ...options, kernel: 'wasm' });
        const js = scoreAll(model, { ...options, kernel: 'js' });
        expect(wasm.kernel).toBe('wasm');
        expect(js.kernel).toBe('js');
        expect(naive.kernel).toBe('naive');
        expectSameLists(wasm, naive);
        expectSameLists(js, naive);
      }
    });
  }

  it('leaves out excluded and filtered items, pads with -1, sorts best first with ties on the lower index', () => {
    const model = randomModel(20, 40, 5, 3, 3);
    const exclude = excludeAllFor(randomExclude(20, 40, 8, 5), 2);
    const filterItems = Int32Array.of(1, 7, 39);
    const k = 36;
    for (const kernel of ['wasm', 'js'] as const) {
      const { ids, scores } = scoreAll(model, { k, exclude, filterItems, kernel });
      for (let u = 0; u < 20; u++) {
        const seen = new Set(exclude.indices.subarray(exclude.indptr[u]!, exclude.indptr[u + 1]!));
        const candidates = 40 - new Set([...seen, 1, 7, 39]).size;
        const row = Array.from(ids.subarray(u * k, (u + 1) * k));
        const listed = row.filter((i) => i >= 0);
        expect(listed.length).toBe(Math.min(k, candidates));
        expect(row.slice(listed.length).every((i) => i === -1)).toBe(true);
        expect(Array.from(scores.subarray(u * k + listed.length, (u + 1) * k)).every((s) => s === -Infinity)).toBe(
          true,
        );
        for (const i of listed) expect(seen.has(i) || i === 1 || i === 7 || i === 39).toBe(false);
        expect(new Set(listed).size).toBe(listed.length);
        for (let t = 1; t < listed.length; t++) {
          const a = scores[u * k + t - 1]!;
          const b = scores[u * k + t]!;
          expect(a > b || (a === b && listed[t - 1]! < listed[t]!)).toBe(true);
        }
      }
      // Customer 2 has every item excluded.
      expect(Array.from(ids.subarray(2 * k, 3 * k)).every((i) => i === -1)).toBe(true);
    }
  });

  it('never lists NaN or -Infinity scores', () => {
    const model = randomModel(6, 30, 4, 8);
    const itemFactors = model.itemFactors.slice();
    itemFactors[3 * 4] = Number.NaN;
    itemFactors[4 * 4] = Number.NEGATIVE_INFINITY;
    const odd = { ...model, itemFactors };
    for (const kernel of ['wasm', 'js'] as const) {
      const { ids } = scoreAll(odd, { k: 30, kernel });
      expect(Array.from(ids).includes(3)).toBe(false);
      expectSameLists(scoreAll(odd, { k: 30, kernel }), scoreNaive(odd, { k: 30 }));
    }
  });

  it('scores a customer subset in its order, repeats included', () => {
    const model = randomModel(50, 300, 12, 4);
    const exclude = randomExclude(40, 300, 10, 9); // fewer rows than customers: the rest exclude nothing
    const customers = Int32Array.of(49, 0, 7, 7, 45, 3);
    const all = scoreNaive(model, { k: 8, exclude });
    for (const kernel of ['wasm', 'js'] as const) {
      const job = buildScoringJob(model, { k: 8, exclude, customers, kernel });
      expect(job.count).toBe(6);
      expect(Array.from(job.customers)).toEqual(Array.from(customers));
      const { ids } = scoreRange(job, 0, job.count);
      customers.forEach((u, p) => {
        expect(Array.from(ids.subarray(p * 8, (p + 1) * 8))).toEqual(Array.from(all.ids.subarray(u * 8, (u + 1) * 8)));
      });
    }
  });

  it('gives the same bits for any split into ranges and slots', () => {
    const model = randomModel(600, 700, 16, 12);
    const exclude = randomExclude(600, 700, 20, 2);
    for (const kernel of ['wasm', 'js'] as const) {
      const job = buildScoringJob(model, { k: 7, exclude, kernel }, { slots: 3, shared: true });
      expect(job.chunk).toBeGreaterThan(0);
      const whole = scoreRange(job, 0, job.count);
      const cuts = [0, 1, 5, 257, 258, 513, 600];
      const ids = new Int32Array(600 * 7);
      const scores = new Float32Array(600 * 7);
      for (let t = 0; t + 1 < cuts.length; t++) {
        const from = cuts[t]!;
        const part = scoreRange(job, from, cuts[t + 1]!, { slot: t % 3 });
        ids.set(part.ids, from * 7);
        scores.set(part.scores, from * 7);
      }
      expect(Array.from(ids)).toEqual(Array.from(whole.ids));
      expect(Array.from(scores)).toEqual(Array.from(whole.scores));
      if (kernel === 'js') expect(job.users.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('agrees with recommendItems (float64 sums) on a small model', () => {
    const model = randomModel(60, 250, 10, 21);
    const exclude = randomExclude(60, 250, 15, 22);
    const filterItems = Int32Array.of(3, 4, 100);
    const k = 10;
    const users = Int32Array.from({ length: 60 }, (_, u) => u);
    const expected = recommendItems(model, users, { k, exclude, filterItems });
    const { ids, scores } = scoreAll(model, { k, exclude, filterItems });
    expected.forEach((list, u) => {
      expect(Array.from(ids.subarray(u * k, u * k + list.ids.length))).toEqual(Array.from(list.ids));
      for (let t = 0; t < list.ids.length; t++) {
        const want = list.scores[t]!;
        expect(Math.abs(scores[u * k + t]! - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      }
    });
  });

  it('handles k = 0, no items and no customers', () => {
    const model = randomModel(5, 10, 3, 1);
    for (const kernel of ['wasm', 'js'] as const) {
      const none = scoreAll(model, { k: 0, kernel });
      expect(none.k).toBe(0);
      expect(none.ids.length).toBe(0);
      const empty = scoreAll({ ...model, items: 0, itemFactors: new Float32Array(0) }, { k: 4, kernel });
      expect(empty.k).toBe(0);
      const nobody = scoreAll(model, { k: 4, customers: new Int32Array(0), kernel });
      expect(nobody.ids.length).toBe(0);
    }
  });

  it('validates its input with INVALID_ARGUMENT', () => {
    const model = randomModel(5, 10, 3, 1);
    const bad: [FactorScoring, unknown][] = [
      [model, { k: -1 }],
      [model, { k: 1.5 }],
      [model, { customers: Int32Array.of(5) }],
      [model, { customers: [0, 1] }],
      [model, { filterItems: Int32Array.of(10) }],
      [model, { exclude: { rows: 1 } }],
      [model, { kernel: 'gpu' }],
      [model, { topK: 3 }],
      [{ ...model, userFactors: new Float32Array(7) }, {}],
      [{ ...model, itemFactors: new Float32Array(29) }, {}],
    ];
    for (const [m, options] of bad) {
      expect(() => buildScoringJob(m, options as Partial<ScoringOptions>)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
      expect(() => scoreNaive(m, options as Partial<ScoringOptions>)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
    const job = buildScoringJob(model, { k: 3 });
    for (const [from, to] of [
      [-1, 2],
      [0, 6],
      [3, 2],
      [0.5, 2],
    ] as const) {
      expect(() => scoreRange(job, from, to)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
    expect(() => scoreRange(job, 0, 5, { slot: 1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => scoreRange(job, 0, 5, { ids: new Int32Array(3) })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  it('documents its defaults and flop count', () => {
    expect(Object.isFrozen(DEFAULT_SCORING_OPTIONS)).toBe(true);
    expect(DEFAULT_SCORING_OPTIONS.k).toBe(10);
    expect(scoreAll(randomModel(3, 30, 2, 1), {}).k).toBe(10);
    expect(scoreAll(randomModel(3, 30, 2, 1), {}).kernel).toBe('wasm');
    expect(scoringFlops(10, 20, 4)).toBe(1600);
  });
});
