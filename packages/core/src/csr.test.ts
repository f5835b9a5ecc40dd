import { describe, expect, it } from 'vitest';
import {
  type Coo,
  columnCounts,
  cooToCsr,
  csrToCoo,
  groupByKey,
  rowView,
  transposeCsr,
  transposeCsrInto,
} from './csr.js';
import { ErrorCode } from './errors.js';
import { createRng } from './rng.js';

const coo = (rows: number, cols: number, entries: [number, number, number, number?][]): Coo => ({
  rows,
  cols,
  row: Int32Array.from(entries.map((e) => e[0])),
  col: Int32Array.from(entries.map((e) => e[1])),
  value: Float32Array.from(entries.map((e) => e[2])),
  time: entries.every((e) => e[3] !== undefined) ? Float64Array.from(entries.map((e) => e[3] as number)) : null,
});

describe('cooToCsr', () => {
  it('sorts columns within rows and sums duplicates (known answer)', () => {
    const m = cooToCsr(
      coo(3, 4, [
        [2, 3, 1, 10],
        [0, 2, 1, 5],
        [0, 0, 2, 7],
        [2, 3, 4, 30],
        [0, 2, 3, 1],
      ]),
    );
    expect([...m.indptr]).toEqual([0, 2, 2, 3]);
    expect([...m.indices]).toEqual([0, 2, 3]);
    expect([...m.data]).toEqual([2, 4, 5]);
    expect([...(m.times ?? [])]).toEqual([7, 5, 30]); // latest time of each merged pair
  });

  it("combines duplicates with 'max' and 'last' (input order)", () => {
    const entries: [number, number, number][] = [
      [0, 1, 3],
      [0, 1, 7],
      [0, 1, 2],
    ];
    expect([...cooToCsr(coo(1, 2, entries), { combine: 'max' }).data]).toEqual([7]);
    expect([...cooToCsr(coo(1, 2, entries), { combine: 'last' }).data]).toEqual([2]);
  });

  it('agrees with a Map-based reference on random input', () => {
    const rng = createRng(7);
    const rows = 50;
    const cols = 40;
    const entries: [number, number, number][] = [];
    for (let i = 0; i < 2000; i++) entries.push([rng.int(rows), rng.int(cols), 1 + rng.int(5)]);
    const m = cooToCsr(coo(rows, cols, entries));
    const ref = new Map<string, number>();
    for (const [r, c, v] of entries) ref.set(`${r},${c}`, (ref.get(`${r},${c}`) ?? 0) + v);
    let nnz = 0;
    for (let r = 0; r < rows; r++) {
      const { indices, data } = rowView(m, r);
      for (let k = 0; k < indices.length; k++) {
        if (k > 0) expect(indices[k]).toBeGreaterThan(indices[k - 1] as number);
        expect(data[k]).toBe(ref.get(`${r},${indices[k]}`));
        nnz++;
      }
    }
    expect(nnz).toBe(ref.size);
  });

  it('rejects out-of-range entries and ragged arrays with INVALID_ARGUMENT', () => {
    expect(() => cooToCsr(coo(2, 2, [[2, 0, 1]]))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => cooToCsr(coo(2, 2, [[0, -1, 1]]))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    const bad = { ...coo(2, 2, [[0, 0, 1]]), value: new Float32Array(2) };
    expect(() => cooToCsr(bad)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => cooToCsr(coo(2, 2, []), { combine: 'avg' as 'sum' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  it('handles an empty matrix', () => {
    const m = cooToCsr(coo(3, 0, []));
    expect([...m.indptr]).toEqual([0, 0, 0, 0]);
    expect(m.indices.length).toBe(0);
  });
});

describe('transposeCsr / csrToCoo / columnCounts', () => {
  it('transposes twice back to the original, keeping times', () => {
    const m = cooToCsr(
      coo(3, 3, [
        [0, 1, 1, 100],
        [1, 0, 2, 200],
        [2, 1, 3, 300],
        [2, 2, 4, 400],
      ]),
    );
    const t = transposeCsr(m);
    expect(t.rows).toBe(3);
    expect([...t.indptr]).toEqual([0, 1, 3, 4]);
    expect([...t.indices]).toEqual([1, 0, 2, 2]);
    expect([...t.data]).toEqual([2, 1, 3, 4]);
    expect([...(t.times ?? [])]).toEqual([200, 100, 300, 400]);
    const back = transposeCsr(t);
    expect(back).toEqual(m);
    expect(cooToCsr(csrToCoo(m))).toEqual(m);
    expect([...columnCounts(m)]).toEqual([1, 2, 1]);
  });

  it('transposes into the arrays an allocator gives (shared memory here), with the same values', () => {
    const m = cooToCsr(
      coo(3, 4, [
        [0, 3, 1, 10],
        [1, 0, 2, 20],
        [2, 3, 3, 30],
      ]),
    );
    const made: string[] = [];
    const sab = (name: string, bytes: number): SharedArrayBuffer => {
      made.push(name);
      return new SharedArrayBuffer(bytes);
    };
    const shared = {
      int32: (n: number) => new Int32Array(sab('int32', 4 * n)),
      float32: (n: number) => new Float32Array(sab('float32', 4 * n)),
      float64: (n: number) => new Float64Array(sab('float64', 8 * n)),
    };
    const t = transposeCsr(m, shared);
    expect(made).toEqual(['int32', 'int32', 'float32', 'float64']);
    for (const a of [t.indptr, t.indices, t.data, t.times!]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    const plain = transposeCsr(m);
    expect([...t.indptr, ...t.indices, ...t.data, ...t.times!]).toEqual([
      ...plain.indptr,
      ...plain.indices,
      ...plain.data,
      ...plain.times!,
    ]);
  });

  it('transposeCsrInto writes the transpose into the given arrays, and refuses ones of the wrong size or not zeroed', () => {
    const m = cooToCsr(
      coo(3, 4, [
        [0, 1, 1],
        [0, 3, 2],
        [2, 1, 3],
        [1, 0, 4],
      ]),
    );
    const out = { indptr: new Int32Array(5), indices: new Int32Array(4), data: new Float32Array(4), times: null };
    const t = transposeCsrInto(m, out);
    expect(t.indptr).toBe(out.indptr);
    const plain = transposeCsr(m);
    expect([...t.indptr, ...t.indices, ...t.data]).toEqual([...plain.indptr, ...plain.indices, ...plain.data]);
    expect({ rows: t.rows, cols: t.cols }).toEqual({ rows: 4, cols: 3 });
    const bad = [
      { ...out, indptr: new Int32Array(4) },
      { ...out, indices: new Int32Array(3) },
      { ...out, data: new Float32Array(5) },
      { ...out, times: new Float64Array(4) },
      { ...out, indptr: Int32Array.of(0, 0, 1, 0, 0) },
    ];
    for (const o of bad) {
      expect(() => transposeCsrInto(m, o)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
  });

  it('rowView rejects a bad row', () => {
    const m = cooToCsr(coo(1, 1, [[0, 0, 1]]));
    expect(() => rowView(m, 1)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});

describe('groupByKey', () => {
  it('groups positions by key, stably, with the group starts (known answer)', () => {
    const { start, order } = groupByKey(Int32Array.of(2, 0, 2, 1, 0, 2), 4);
    expect([...start]).toEqual([0, 2, 3, 6, 6]);
    expect([...order]).toEqual([1, 4, 3, 0, 2, 5]);
  });

  it('handles no keys and empty groups', () => {
    const { start, order } = groupByKey(new Int32Array(0), 3);
    expect([...start]).toEqual([0, 0, 0, 0]);
    expect(order.length).toBe(0);
  });
});
