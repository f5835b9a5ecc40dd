import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Csr, cooToCsr, createRng, ErrorCode, IdMap } from '@encore/core';
import { loadDataset } from '@encore/datasets';
import { describe, expect, it } from 'vitest';
import {
  type AssociationRule,
  associationRules,
  basketMatrix,
  type FrequentItemsets,
  mineFrequentItemsets,
  mineRules,
  serializeItemsets,
  serializeRules,
} from './index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/rules/${name}`, import.meta.url));

/** A baskets × items matrix from baskets of item names, and the names. */
function basketsOf(baskets: string[][]): { baskets: Csr; items: IdMap } {
  const items = new IdMap();
  const row: number[] = [];
  const col: number[] = [];
  baskets.forEach((b, r) => {
    for (const name of b) {
      row.push(r);
      col.push(items.intern(name));
    }
  });
  const m = cooToCsr(
    {
      rows: baskets.length,
      cols: items.size,
      row: Int32Array.from(row),
      col: Int32Array.from(col),
      value: new Float32Array(row.length).fill(1),
      time: null,
    },
    { combine: 'max' },
  );
  return { baskets: m, items };
}

/** "lhs names (sorted) => rhs" for order-free comparison. */
const ruleKey = (r: AssociationRule, items: IdMap): string =>
  `{${[...r.antecedent]
    .map((i) => items.idAt(i))
    .sort()
    .join(',')}} => {${items.idAt(r.consequent[0] as number)}}`;

const invalid = expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT });

// Han, Pei & Yin (2000), Table 1: five transactions, minimum support 3 of 5.
const HAN = [
  ['f', 'a', 'c', 'd', 'g', 'i', 'm', 'p'],
  ['a', 'b', 'c', 'f', 'l', 'm', 'o'],
  ['b', 'f', 'h', 'j', 'o'],
  ['b', 'c', 'k', 's', 'p'],
  ['a', 'f', 'c', 'e', 'l', 'p', 'm', 'n'],
];

describe('mineFrequentItemsets / associationRules: Han, Pei & Yin (2000) example', () => {
  const { baskets, items } = basketsOf(HAN);
  const frequent = mineFrequentItemsets(baskets, { minSupport: 0.6 });

  it('finds the 18 frequent itemsets with their counts, by length then item index', () => {
    expect(frequent).toMatchObject({ basketCount: 5, minCount: 3, minSupport: 0.6, maxLength: 10 });
    const found = frequent.itemsets.map((s) => `${[...s.items].map((i) => items.idAt(i)).join('')}:${s.count}`);
    // f a c m p b are items 0 1 2 6 7 8 (first appearance)
    expect(found).toEqual([
      'f:4',
      'a:3',
      'c:4',
      'm:3',
      'p:3',
      'b:3',
      'fa:3',
      'fc:3',
      'fm:3',
      'ac:3',
      'am:3',
      'cm:3',
      'cp:3',
      'fac:3',
      'fam:3',
      'fcm:3',
      'acm:3',
      'facm:3',
    ]);
    expect(frequent.itemsets[0]?.support).toBe(0.8);
    expect(serializeItemsets(frequent, items.ids())[17]).toEqual({
      items: ['f', 'a', 'c', 'm'],
      count: 3,
      support: 0.6,
    });
  });

  it('derives the 25 rules of confidence ≥ 0.8 (hand-computed), empty antecedents included', () => {
    const rules = associationRules(frequent, { minConfidence: 0.8 });
    const supp = { f: 0.8, c: 0.8, a: 0.6, m: 0.6 } as Record<string, number>;
    const expected = new Map<string, [number, number, number, number, number]>([
      // [count, confidence, lift, leverage, conviction]
      ['{} => {f}', [4, 0.8, 1, 0, 1]],
      ['{} => {c}', [4, 0.8, 1, 0, 1]],
    ]);
    const withRhs = (lhs: string, rhs: string): void => {
      const s = supp[rhs] as number;
      expected.set(`{${[...lhs].sort().join(',')}} => {${rhs}}`, [3, 1, 1 / s, 0.6 - 0.6 * s, Infinity]);
    };
    for (const [lhs, rhs] of [
      ['p', 'c'],
      ['a', 'm'],
      ['m', 'a'],
      ['m', 'c'],
      ['m', 'f'],
      ['a', 'f'],
      ['a', 'c'],
      ...['acm', 'afm', 'cfm', 'acf', 'acfm'].flatMap((set) =>
        [...set].map((rhs) => [set.replace(rhs, ''), rhs] as const),
      ),
    ] as const) {
      withRhs(lhs, rhs);
    }
    expect(expected.size).toBe(25);
    expect(rules.length).toBe(25);
    for (const rule of rules) {
      const want = expected.get(ruleKey(rule, items));
      expect(want, ruleKey(rule, items)).toBeDefined();
      const [count, confidence, lift, leverage, conviction] = want as [number, number, number, number, number];
      expect(rule.count).toBe(count);
      expect(rule.support).toBeCloseTo(count / 5, 12);
      expect(rule.coverage).toBeCloseTo(rule.antecedent.length === 0 ? 1 : 0.6, 12);
      expect(rule.confidence).toBeCloseTo(confidence, 12);
      expect(rule.lift).toBeCloseTo(lift, 12);
      expect(rule.leverage).toBeCloseTo(leverage, 12);
      if (conviction === Infinity) expect(rule.conviction).toBe(Infinity);
      else expect(rule.conviction).toBeCloseTo(conviction, 12);
    }
    // lift desc, then support desc, then antecedent lexicographically by item index
    // (items f a c m = 0 1 2 6): all lift-5/3 rules have support 0.6, so antecedents decide
    expect(rules.slice(0, 4).map((r) => ruleKey(r, items))).toEqual([
      '{a,f} => {m}', // [0, 1]
      '{a,c,f} => {m}', // [0, 1, 2]
      '{c,f} => {a}', // [0, 2] ⇒ 1
      '{c,f} => {m}', // [0, 2] ⇒ 6
    ]);
  });

  it('at confidence 0.7 adds the seven 0.75 rules, with finite conviction and negative leverage', () => {
    const rules = associationRules(frequent, { minConfidence: 0.7 });
    expect(rules.length).toBe(32);
    const byKey = new Map(rules.map((r) => [ruleKey(r, items), r]));
    const cp = byKey.get('{c} => {p}');
    expect(cp).toMatchObject({ count: 3, confidence: 0.75 });
    expect(cp?.lift).toBeCloseTo(1.25, 12);
    expect(cp?.leverage).toBeCloseTo(0.12, 12);
    expect(cp?.conviction).toBeCloseTo(1.6, 12);
    const fc = byKey.get('{f} => {c}');
    expect(fc?.lift).toBeCloseTo(0.9375, 12);
    expect(fc?.leverage).toBeCloseTo(-0.04, 12);
    expect(fc?.conviction).toBeCloseTo(0.8, 12);
    // minLift 1 drops the two rules below independence and keeps {} => x (lift exactly 1)
    const lifted = associationRules(frequent, { minConfidence: 0.7, minLift: 1 });
    expect(lifted.length).toBe(30);
    expect(lifted.some((r) => r.lift < 1)).toBe(false);
  });

  it('minLength 2 drops the empty-antecedent rules; maxLength bounds antecedent + consequent', () => {
    expect(associationRules(frequent, { minConfidence: 0.8, minLength: 2 }).length).toBe(23);
    const short = associationRules(frequent, { minConfidence: 0.8, maxLength: 2 });
    expect(short.length).toBe(9);
    expect(short.every((r) => r.antecedent.length <= 1)).toBe(true);
    const mined = mineFrequentItemsets(baskets, { minSupport: 0.6, maxLength: 2 });
    expect(mined.itemsets.every((s) => s.items.length <= 2)).toBe(true);
    expect(mined.itemsets.length).toBe(13);
    expect(associationRules(mined, { minConfidence: 0.8 }).length).toBe(9);
  });

  it('serializes rules with names; infinite conviction becomes null', () => {
    const rules = associationRules(frequent, { minConfidence: 0.8 });
    const records = serializeRules(rules, items.ids());
    expect(records.length).toBe(25);
    const pc = records.find((r) => r.antecedent.join() === 'p' && r.consequent.join() === 'c');
    expect(pc).toMatchObject({ count: 3, support: 0.6, confidence: 1, conviction: null, coverage: 0.6 });
    expect(JSON.parse(JSON.stringify(records))).toEqual(records);
    expect(() => serializeRules(rules, ['f'])).toThrow(invalid);
  });

  it('mines the same from the fixture file through loadDataset and basketMatrix', async () => {
    const { log } = await loadDataset(fixture('han2000.csv'), 'baskets');
    const fromLog = basketMatrix(log, { by: 'order' });
    expect(fromLog.matrix.rows).toBe(5);
    const { itemsets, rules } = mineRules(fromLog.matrix, { minSupport: 0.6, minConfidence: 0.8 });
    expect(itemsets.itemsets.length).toBe(18);
    expect(serializeRules(rules, fromLog.items.ids())).toEqual(
      serializeRules(associationRules(frequent, { minConfidence: 0.8 }), items.ids()),
    );
  });
});

describe('rule order', () => {
  it('is lift desc, then support desc, then antecedent and consequent by item index', () => {
    const { baskets } = basketsOf(HAN);
    const rules = mineRules(baskets, { minSupport: 0.2, minConfidence: 0.3 }).rules;
    expect(rules.length).toBeGreaterThan(100);
    for (let k = 1; k < rules.length; k++) {
      const a = rules[k - 1] as AssociationRule;
      const b = rules[k] as AssociationRule;
      expect(a.lift).toBeGreaterThanOrEqual(b.lift);
      if (a.lift !== b.lift) continue;
      expect(a.support).toBeGreaterThanOrEqual(b.support);
      if (a.support !== b.support) continue;
      const ka = [...a.antecedent, -1, ...a.consequent];
      const kb = [...b.antecedent, -1, ...b.consequent];
      const d = ka.findIndex((v, i) => v !== kb[i]);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(ka[d] as number).toBeLessThan(kb[d] ?? Number.POSITIVE_INFINITY);
    }
  });
});

/** Reference: every itemset by bitmask, rules from their definitions. */
function bruteForce(
  baskets: number[][],
  cols: number,
  minSupport: number,
  minConfidence: number,
  maxLength: number,
): { itemsets: Map<string, number>; rules: Map<string, { count: number; confidence: number; lift: number }> } {
  const n = baskets.filter((b) => b.length > 0).length; // empty rows are not baskets
  const masks = baskets.map((b) => b.reduce((m, i) => m | (1 << i), 0));
  const countOf = (mask: number): number => masks.filter((t) => (t & mask) === mask).length;
  const minCount = Math.max(1, Math.ceil(n * minSupport));
  const itemsOf = (mask: number): number[] => [...Array(cols).keys()].filter((i) => mask & (1 << i));
  const itemsets = new Map<string, number>();
  const rules = new Map<string, { count: number; confidence: number; lift: number }>();
  for (let mask = 1; mask < 1 << cols; mask++) {
    const items = itemsOf(mask);
    if (items.length > maxLength) continue;
    const count = countOf(mask);
    if (count < minCount) continue;
    itemsets.set(items.join(','), count);
    for (const x of items) {
      const lhs = mask & ~(1 << x);
      const confidence = count / (lhs === 0 ? n : countOf(lhs));
      if (confidence < minConfidence - 1e-12) continue;
      const lift = (count * n) / ((lhs === 0 ? n : countOf(lhs)) * countOf(1 << x));
      rules.set(`${itemsOf(lhs).join(',')}=>${x}`, { count, confidence, lift });
    }
  }
  return { itemsets, rules };
}

describe('differential test against brute force', () => {
  it('agrees on random baskets (itemsets, rule set, counts and measures)', () => {
    const rng = createRng(1993);
    for (let trial = 0; trial < 80; trial++) {
      const cols = 2 + rng.int(10);
      const n = 1 + rng.int(80);
      const p = Array.from({ length: cols }, () => 0.05 + 0.85 * rng.next() ** 2);
      const rows: string[][] = [];
      for (let r = 0; r < n; r++) {
        const row: string[] = [];
        for (let i = 0; i < cols; i++) if (rng.next() < (p[i] as number)) row.push(`i${i}`);
        rows.push(row);
      }
      const minSupport = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5][rng.int(6)] as number;
      const minConfidence = [0, 0.1, 0.5, 0.8, 1][rng.int(5)] as number;
      const maxLength = 1 + rng.int(cols + 1);
      const { baskets, items } = basketsOf(rows);
      // the reference works on indices 0..cols-1 of `i<k>` names; map through the IdMap
      const byName = rows.map((r) => r.map((name) => Number(name.slice(1))));
      const ref = bruteForce(byName, cols, minSupport, minConfidence, maxLength);
      const got = mineRules(baskets, { minSupport, minConfidence, maxLength });
      const label = `trial ${trial}: n=${n} cols=${cols} supp=${minSupport} conf=${minConfidence} len=${maxLength}`;
      const name = (i: number): number => Number(items.idAt(i).slice(1));
      const gotSets = new Map(
        got.itemsets.itemsets.map((s) => [
          [...s.items]
            .map(name)
            .sort((a, b) => a - b)
            .join(','),
          s.count,
        ]),
      );
      expect(gotSets, label).toEqual(ref.itemsets);
      expect(got.rules.length, label).toBe(ref.rules.size);
      for (const r of got.rules) {
        const key = `${[...r.antecedent]
          .map(name)
          .sort((a, b) => a - b)
          .join(',')}=>${name(r.consequent[0] as number)}`;
        const want = ref.rules.get(key);
        expect(want, `${label} ${key}`).toBeDefined();
        expect(r.count).toBe(want?.count);
        expect(r.confidence).toBe(want?.confidence);
        expect(r.lift).toBeCloseTo(want?.lift as number, 10);
      }
    }
  });
});

describe('thresholds as arules applies them', () => {
  it('counts ⌈N · minSupport⌉ in floating point: 0.07 × 100 = 7.000000000000001 → 8 baskets', () => {
    const rows = [...Array.from({ length: 8 }, () => ['a', 'b']), ...Array.from({ length: 92 }, () => ['c'])];
    const { baskets } = basketsOf(rows);
    // exactly 10% → 10 baskets; 'a' (8 baskets) is out at 0.1, in at 0.08
    expect(mineFrequentItemsets(baskets, { minSupport: 0.1 }).itemsets.length).toBe(1);
    expect(mineFrequentItemsets(baskets, { minSupport: 0.08 }).minCount).toBe(8);
    expect(mineFrequentItemsets(baskets, { minSupport: 0.08 }).itemsets.length).toBe(4);
    const at7 = mineFrequentItemsets(baskets, { minSupport: 0.07 });
    expect(at7.minCount).toBe(8);
    expect(at7.itemsets.length).toBe(4);
  });

  it('keeps a rule whose confidence equals minConfidence up to round-off (1e-12)', () => {
    // {a} => {b}: 1 of 3 baskets with a → confidence 1/3; the user's threshold 0.3333333333333333 is below
    const { baskets } = basketsOf([['a', 'b'], ['a'], ['a'], ['b']]);
    const f = mineFrequentItemsets(baskets, { minSupport: 0.25 });
    const third = associationRules(f, { minConfidence: 1 / 3, minLength: 2 });
    expect(third.map((r) => r.confidence)).toContain(1 / 3);
    const nudged = associationRules(f, { minConfidence: 1 / 3 + 1e-13, minLength: 2 });
    expect(nudged.length).toBe(third.length);
    expect(associationRules(f, { minConfidence: 1 / 3 + 1e-9, minLength: 2 }).length).toBeLessThan(third.length);
  });
});

describe('edge cases and errors', () => {
  it('gives empty results for empty input, not a crash', () => {
    const none = basketsOf([]);
    expect(mineRules(none.baskets, { minSupport: 0.5, minConfidence: 0.5 })).toEqual({
      itemsets: { basketCount: 0, minSupport: 0.5, minCount: 1, maxLength: 10, itemsets: [] },
      rules: [],
    });
    const emptyRows: Csr = {
      rows: 3,
      cols: 2,
      indptr: new Int32Array(4),
      indices: new Int32Array(0),
      data: new Float32Array(0),
      times: null,
    };
    expect(mineRules(emptyRows)).toMatchObject({ itemsets: { basketCount: 0, itemsets: [] }, rules: [] });
    const rare = basketsOf([['a'], ['b'], ['c']]);
    expect(mineRules(rare.baskets, { minSupport: 0.5 }).itemsets.itemsets).toEqual([]);
  });

  it('does not count empty rows as baskets', () => {
    const { baskets } = basketsOf(HAN);
    const padded: Csr = {
      ...baskets,
      rows: baskets.rows + 3,
      indptr: Int32Array.from([...baskets.indptr, ...Array(3).fill(baskets.indices.length)]),
    };
    const options = { minSupport: 0.6, minConfidence: 0.5 };
    expect(mineRules(padded, options)).toEqual(mineRules(baskets, options));
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    const { baskets } = basketsOf(HAN);
    for (const minSupport of [0, -0.1, 1.5, Number.NaN, '0.1']) {
      expect(() => mineFrequentItemsets(baskets, { minSupport } as never)).toThrow(invalid);
      expect(() => mineRules(baskets, { minSupport } as never)).toThrow(invalid);
    }
    for (const maxLength of [0, -1, 2.5, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => mineFrequentItemsets(baskets, { maxLength })).toThrow(invalid);
      expect(() => mineRules(baskets, { maxLength })).toThrow(invalid);
    }
    const f = mineFrequentItemsets(baskets, { minSupport: 0.6 });
    for (const minConfidence of [-0.01, 1.01, Number.NaN]) {
      expect(() => associationRules(f, { minConfidence })).toThrow(invalid);
      expect(() => mineRules(baskets, { minConfidence })).toThrow(invalid);
    }
    for (const minLift of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => associationRules(f, { minLift })).toThrow(invalid);
    }
    expect(() => associationRules(f, { minLength: 0 })).toThrow(invalid);
    expect(() => associationRules(f, { maxLength: 0 })).toThrow(invalid);
    expect(() => associationRules(f, { minLength: 3, maxLength: 2 })).toThrow(invalid);
    expect(() => mineRules(baskets, null as never)).toThrow(invalid);
    expect(() => associationRules(null as never)).toThrow(invalid);
    // boundary values are fine
    expect(() => mineRules(baskets, { minSupport: 1, minConfidence: 0, maxLength: 1 })).not.toThrow();
    expect(associationRules(f, { minConfidence: 1 }).every((r) => r.confidence === 1)).toBe(true);
  });

  it('rejects a malformed basket matrix with INVALID_ARGUMENT', () => {
    const good = basketsOf(HAN).baskets;
    const bad: Csr[] = [
      { ...good, rows: -1 },
      { ...good, indptr: good.indptr.slice(1) },
      { ...good, indices: Int32Array.from(good.indices, (c) => c + good.cols) },
      { ...good, indices: Int32Array.from(good.indices).reverse() }, // not ascending
      {
        rows: 1,
        cols: 2,
        indptr: Int32Array.of(0, 2),
        indices: Int32Array.of(1, 1),
        data: new Float32Array(2),
        times: null,
      },
    ];
    for (const m of bad) expect(() => mineFrequentItemsets(m)).toThrow(invalid);
    expect(() => mineRules(undefined as never)).toThrow(invalid);
  });

  it('rejects itemsets that lack a subset (not from mineFrequentItemsets)', () => {
    const { baskets } = basketsOf(HAN);
    const f = mineFrequentItemsets(baskets, { minSupport: 0.6 });
    const holey: FrequentItemsets = { ...f, itemsets: f.itemsets.filter((s) => s.items.length !== 2) };
    expect(() => associationRules(holey, { minConfidence: 0 })).toThrow(invalid);
    // any order is accepted
    const shuffled: FrequentItemsets = { ...f, itemsets: [...f.itemsets].reverse() };
    expect(associationRules(shuffled, { minConfidence: 0.8 })).toEqual(associationRules(f, { minConfidence: 0.8 }));
  });

  it('does not mutate its input', () => {
    const { baskets } = basketsOf(HAN);
    const before = structuredClone(baskets);
    const f = mineFrequentItemsets(baskets, { minSupport: 0.4 });
    const snapshot = f.itemsets.map((s) => [...s.items]);
    associationRules(f, { minConfidence: 0 });
    expect(baskets).toEqual(before);
    expect(f.itemsets.map((s) => [...s.items])).toEqual(snapshot);
  });
});

// The shared copies of the public datasets live outside the repository: <repo>/../shared/datasets,
// or wherever ENCORE_DATASETS points.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const datasetsDir = process.env.ENCORE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
const groceries = resolve(datasetsDir, 'groceries', 'groceries.csv');
const haveGroceries = existsSync(groceries);

describe.skipIf(!haveGroceries)(
  haveGroceries
    ? 'Groceries (arules): support 0.001, confidence 0.5, maxlen 10'
    : `Groceries — skipped: ../shared/datasets not found (looked for ${groceries}; set ENCORE_DATASETS)`,
  () => {
    it('gives the 5,668 rules of arules apriori, {Instant food products, soda} ⇒ {hamburger meat} on top', async () => {
      const { log } = await loadDataset(groceries, 'baskets');
      const { matrix: baskets, items } = basketMatrix(log, { by: 'order' });
      expect(baskets.rows).toBe(9_835);
      const { itemsets, rules } = mineRules(baskets, { minSupport: 0.001, minConfidence: 0.5, maxLength: 10 });
      expect(itemsets.minCount).toBe(10); // ⌈9.835⌉
      expect(itemsets.itemsets.length).toBe(13_492); // arules apriori(target = "frequent itemsets")
      expect(rules.length).toBe(5_668);
      const top = serializeRules(rules.slice(0, 5), items.ids()).map((r) => ({
        ...r,
        antecedent: [...r.antecedent].sort(),
      }));
      expect(top.map((r) => `{${r.antecedent.join(', ')}} => {${r.consequent.join()}}`)).toEqual([
        '{Instant food products, soda} => {hamburger meat}',
        '{popcorn, soda} => {salty snack}',
        '{baking powder, flour} => {sugar}',
        '{ham, processed cheese} => {white bread}',
        '{Instant food products, whole milk} => {hamburger meat}',
      ]);
      const best = top[0];
      expect(best?.count).toBe(12);
      expect(best?.support).toBeCloseTo(12 / 9_835, 12);
      expect(best?.support).toBeCloseTo(0.00122, 5);
      expect(best?.confidence).toBeCloseTo(12 / 19, 12);
      expect(best?.confidence).toBeCloseTo(0.6316, 4);
      expect(best?.lift).toBeCloseTo(18.9957, 4);
      expect(rules.every((r) => r.antecedent.length >= 1)).toBe(true); // no single item reaches 0.5
    });
  },
);
