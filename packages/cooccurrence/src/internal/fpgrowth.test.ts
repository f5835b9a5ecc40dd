import { createRng } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { type FlatItemsets, fpGrowth, type Transactions } from './fpgrowth.js';

/** CSR rows from lists of item indices (each list ascending and distinct). */
function transactions(cols: number, rows: number[][]): Transactions {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    indptr[i + 1] = (indptr[i] as number) + r.length;
  });
  return { rows: rows.length, cols, indptr, indices: Int32Array.from(rows.flat()) };
}

/** Itemsets as "a,b,c:count" strings, sorted, for order-free comparison. */
function asStrings(flat: FlatItemsets): string[] {
  const out: string[] = [];
  for (let s = 0; s < flat.size; s++) {
    const items = [...flat.items.subarray(flat.offsets[s], flat.offsets[s + 1])];
    expect(items).toEqual([...items].sort((a, b) => a - b));
    out.push(`${items.join(',')}:${flat.counts[s]}`);
  }
  return out.sort();
}

/** Reference: count every subset of the (≤ 16) items by bitmask. */
function bruteForce(cols: number, rows: number[][], minCount: number, maxLength: number): string[] {
  const masks = rows.map((r) => r.reduce((m, i) => m | (1 << i), 0));
  const out: string[] = [];
  for (let mask = 1; mask < 1 << cols; mask++) {
    const items: number[] = [];
    for (let i = 0; i < cols; i++) if (mask & (1 << i)) items.push(i);
    if (items.length > maxLength) continue;
    let count = 0;
    for (const t of masks) if ((t & mask) === mask) count++;
    if (count >= minCount) out.push(`${items.join(',')}:${count}`);
  }
  return out.sort();
}

describe('fpGrowth', () => {
  it("finds the 18 frequent patterns of Han, Pei & Yin's example (minimum count 3)", () => {
    // Table 1 of the paper; items a b c d e f g h i j k l m n o p s → 0..16.
    const names = 'abcdefghijklmnops';
    const rows = ['facdgimp', 'abcflmo', 'bfhjo', 'bcksp', 'afcelpmn'].map((t) =>
      [...t].map((ch) => names.indexOf(ch)).sort((x, y) => x - y),
    );
    const found = asStrings(fpGrowth(transactions(names.length, rows), 3, 10)).map((s) => {
      const [items, count] = s.split(':') as [string, string];
      return `${items
        .split(',')
        .map((i) => names[Number(i)])
        .join('')}:${count}`;
    });
    // The paper's result (section 3): p, cp; m, am, cm, fm, cam, fam, fcm, fcam; b; a, fa, ca, fca; c, fc; f.
    expect(found.sort()).toEqual(
      [
        'p:3',
        'cp:3',
        'm:3',
        'am:3',
        'cm:3',
        'fm:3',
        'acm:3',
        'afm:3',
        'cfm:3',
        'acfm:3',
        'b:3',
        'a:3',
        'af:3',
        'ac:3',
        'acf:3',
        'c:4',
        'cf:3',
        'f:4',
      ].sort(),
    );
  });

  it('agrees with brute force on random baskets, for many thresholds and length bounds', () => {
    const rng = createRng(20_000);
    for (let trial = 0; trial < 60; trial++) {
      const cols = 3 + rng.int(10);
      const n = 1 + rng.int(60);
      // skewed item popularity so some long itemsets are frequent
      const p = Array.from({ length: cols }, () => 0.1 + 0.8 * rng.next() ** 2);
      const rows: number[][] = [];
      for (let r = 0; r < n; r++) {
        const row: number[] = [];
        for (let i = 0; i < cols; i++) if (rng.next() < (p[i] as number)) row.push(i);
        rows.push(row);
      }
      const minCount = 1 + rng.int(Math.max(1, Math.floor(n / 3)));
      const maxLength = 1 + rng.int(cols + 1);
      const got = asStrings(fpGrowth(transactions(cols, rows), minCount, maxLength));
      expect(got, `trial ${trial}`).toEqual(bruteForce(cols, rows, minCount, maxLength));
    }
  });

  it('handles no rows, empty rows and no frequent item', () => {
    expect(fpGrowth(transactions(4, []), 1, 10).size).toBe(0);
    expect(fpGrowth(transactions(4, [[], []]), 1, 10).size).toBe(0);
    expect(fpGrowth(transactions(3, [[0], [1], [2]]), 2, 10).size).toBe(0);
  });

  it('grows its arena and header stack past their first size (many identical long rows)', () => {
    const row = Array.from({ length: 14 }, (_, i) => i);
    const rows = Array.from({ length: 3 }, () => row);
    const flat = fpGrowth(transactions(14, rows), 3, 14);
    expect(flat.size).toBe(2 ** 14 - 1);
    expect([...flat.counts].every((c) => c === 3)).toBe(true);
  });
});
