import { type Csr, cooToCsr, createRng, decodeModelFile, ErrorCode, encodeModelFile } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { fitAls, recalculateUser } from './als.js';
import { fitBpr } from './bpr.js';
import { alsTerms, explainFactors } from './explain.js';
import { decodeFactorModel, encodeFactorModel, type TrainedFactorModel } from './factor-codec.js';

/** 30 customers over 12 items in 3 taste groups. */
function matrix(): Csr {
  const rng = createRng(3);
  const row: number[] = [];
  const col: number[] = [];
  for (let c = 0; c < 30; c++) {
    for (let i = c % 3; i < 12; i += 3) {
      if (rng.next() < 0.7) {
        row.push(c);
        col.push(i);
      }
    }
  }
  return cooToCsr({
    rows: 30,
    cols: 12,
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    value: new Float32Array(row.length).fill(1),
    time: null,
  });
}

const seen = matrix();
const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const als: TrainedFactorModel = {
  model: fitAls(seen, { factors: 4, iterations: 5, regularization: 0.5 }),
  customerIds: ['__proto__', ...ids('c', 29)],
  itemIds: ids('sku-ü', 12),
  seen,
  weights: { purchase: 5, view: 1 },
};

const bits = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** What a decoder throws for a file it refuses: MODEL_FORMAT, saying what was wrong. */
const modelFormat = (message: RegExp): unknown =>
  expect.objectContaining({ code: ErrorCode.MODEL_FORMAT, message: expect.stringMatching(message) });

describe('factor model files', () => {
  it('round-trip ALS and BPR exactly: factors, ids, seen matrix, params, history, runtime', async () => {
    const bpr: TrainedFactorModel = { ...als, model: await fitBpr(seen, { factors: 3, epochs: 3 }) };
    for (const trained of [als, bpr]) {
      const back = decodeFactorModel(encodeFactorModel(trained));
      expect(back.model.algorithm).toBe(trained.model.algorithm);
      expect(back.model.params).toEqual(trained.model.params);
      expect(back.model.history).toEqual(trained.model.history);
      expect(bits(back.model.userFactors)).toEqual(bits(trained.model.userFactors));
      expect(bits(back.model.itemFactors)).toEqual(bits(trained.model.itemFactors));
      expect(back.customerIds).toEqual(trained.customerIds);
      expect(back.itemIds).toEqual(trained.itemIds);
      expect(bits(back.seen.indices)).toEqual(bits(trained.seen.indices));
      expect(back.weights).toEqual(trained.weights);
    }
    expect((decodeFactorModel(encodeFactorModel(als)).model as { kernel: string }).kernel).toBe(
      (als.model as { kernel: string }).kernel,
    );
  });

  /** Re-encodes the file with one section or meta field changed (valid container, bad model). */
  function tampered(change: (sections: Record<string, unknown>, meta: Record<string, unknown>) => void): Uint8Array {
    const file = decodeModelFile(encodeFactorModel(als));
    const sections: Record<string, unknown> = {
      customerIds: file.strings('customerIds'),
      itemIds: file.strings('itemIds'),
      userFactors: file.float32('userFactors').slice(),
      itemFactors: file.float32('itemFactors').slice(),
      seenIndptr: file.int32('seenIndptr').slice(),
      seenIndices: file.int32('seenIndices').slice(),
      seenData: file.float32('seenData').slice(),
    };
    const meta = structuredClone(file.meta) as Record<string, unknown>;
    change(sections, meta);
    return encodeModelFile({ family: file.family, version: file.version, meta, sections } as never);
  }

  it('refuses a model that would serve garbage: short ids, cut factor rows, NaN, bad seen matrix, bad params', () => {
    expect(() =>
      decodeFactorModel(
        tampered((s) => {
          s.itemIds = (s.itemIds as string[]).slice(0, 11);
        }),
      ),
    ).toThrow(modelFormat(/itemIds holds 11 strings, expected 12/));
    expect(() =>
      decodeFactorModel(
        tampered((s) => {
          s.userFactors = (s.userFactors as Float32Array).slice(0, 100);
        }),
      ),
    ).toThrow(modelFormat(/userFactors holds 100 values, expected 120/));
    expect(() =>
      decodeFactorModel(
        tampered((s) => {
          (s.itemFactors as Float32Array)[7] = Number.NaN;
        }),
      ),
    ).toThrow(modelFormat(/itemFactors\[7\] is NaN/));
    expect(() =>
      decodeFactorModel(
        tampered((s) => {
          (s.seenIndices as Int32Array)[0] = 99;
        }),
      ),
    ).toThrow(modelFormat(/seen matrix is malformed/));
    expect(() =>
      decodeFactorModel(
        tampered((s) => {
          (s.customerIds as string[])[1] = '__proto__';
        }),
      ),
    ).toThrow(modelFormat(/customerIds repeats the id "__proto__"/));
    expect(() =>
      decodeFactorModel(
        tampered((_, m) => {
          (m.params as Record<string, unknown>).alpha = -1;
        }),
      ),
    ).toThrow(modelFormat(/meta\.params: .*alpha/));
    expect(() =>
      decodeFactorModel(encodeModelFile({ family: 'cooccurrence', version: 1, meta: {}, sections: {} })),
    ).toThrow(modelFormat(/holds a 'cooccurrence' model, expected 'als' or 'bpr'/));
  });

  it('refuses to encode parts that do not fit', () => {
    expect(() => encodeFactorModel({ ...als, itemIds: als.itemIds.slice(1) })).toThrow(/itemIds must name/);
  });
});

describe('explainFactors', () => {
  it("ALS: the terms of a folded-in customer sum to that customer's scores (Hu, Koren & Volinsky §5)", () => {
    const model = als.model as Parameters<typeof recalculateUser>[0];
    const history = Int32Array.of(0, 3, 6);
    const x = recalculateUser(model, history);
    const recommended = Int32Array.of(9, 1, 2);
    const { method, terms } = explainFactors(model, history, recommended);
    expect(method).toBe('als');
    recommended.forEach((item, r) => {
      let score = 0;
      for (let j = 0; j < model.factors; j++)
        score += (x[j] as number) * (model.itemFactors[item * model.factors + j] as number);
      const sum = (terms[r * 3] as number) + (terms[r * 3 + 1] as number) + (terms[r * 3 + 2] as number);
      expect(sum).toBeCloseTo(score, 4);
    });
  });

  it('ALS: the Woodbury form for short histories gives the direct terms, with values and a long history', () => {
    const model = als.model as Parameters<typeof recalculateUser>[0];
    const recommended = Int32Array.of(9, 1, 2, 11);
    for (const history of [Int32Array.of(0, 3, 6), Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 10)]) {
      const values = Float32Array.from(history, (_, h) => 1 + h);
      const direct = alsTerms(
        { ...model, params: { ...model.params, affinity: 'value' } },
        history,
        recommended,
        values,
        'direct',
      );
      const woodbury = alsTerms(
        { ...model, params: { ...model.params, affinity: 'value' } },
        history,
        recommended,
        values,
        'woodbury',
      );
      expect(woodbury.length).toBe(direct.length);
      direct.forEach((term, at) => {
        expect(woodbury[at]).toBeCloseTo(term, 9);
      });
    }
  });

  it('BPR: the cosine of item factors, and bad indices are INVALID_ARGUMENT', async () => {
    const model = await fitBpr(seen, { factors: 3, epochs: 3 });
    const { method, terms } = explainFactors(model, Int32Array.of(4), Int32Array.of(4));
    expect(method).toBe('similarity');
    expect(terms[0]).toBeCloseTo(1, 6);
    expect(() => explainFactors(model, Int32Array.of(12), Int32Array.of(0))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
