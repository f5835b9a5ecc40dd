import { type Csr, catalogFrom, cooToCsr } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { buildCooccurrence } from './cooccurrence.js';
import { bundleCandidates, randomWalkWithRestart, toItemGraph } from './graph.js';
import type { CooccurrenceModel } from './model.js';

function baskets(lists: readonly (readonly number[])[], cols: number): Csr {
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
    time: null,
  });
}

// Two tight groups {0,1,2} and {3,4,5}, one weak link 2–3, item 6 alone.
const lists: number[][] = [];
for (let t = 0; t < 5; t++) lists.push([0, 1, 2], [3, 4, 5], [0, 1], [4, 5]);
lists.push([2, 3], [2, 3], [6]);
const relation = buildCooccurrence(baskets(lists, 7), { similarity: 'count', minSupport: 1 });
const model: CooccurrenceModel = {
  version: 1,
  items: 7,
  itemIds: ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6'],
  relations: [relation],
};

describe('toItemGraph', () => {
  it('makes one node per linked item (with catalog fields) and one typed edge per kept neighbour', () => {
    const catalog = catalogFrom([{ id: 'i0', title: 'Zero', price: 3 }]);
    const graph = toItemGraph(model, { catalog });
    expect(graph.order).toBe(6);
    expect(graph.hasNode('i6')).toBe(false);
    expect(graph.getNodeAttributes('i0')).toEqual({ index: 0, title: 'Zero', price: 3 });
    expect(graph.size).toBe(relation.neighbours.ids.length);
    const edge = graph.directedEdges('i0', 'i1')[0] as string;
    expect(graph.getEdgeAttributes(edge)).toEqual({ type: 'bought-together', weight: 10, support: 10 });
    // Serializable.
    expect(JSON.parse(JSON.stringify(graph.export())).nodes.length).toBe(6);
  });
});

describe('randomWalkWithRestart', () => {
  it('ranks the seed’s own group first, then the other group through the weak link', () => {
    const r = randomWalkWithRestart(relation.neighbours, [0], { k: 6 });
    expect(Array.from(r.ids.slice(0, 2)).sort()).toEqual([1, 2]);
    expect(Array.from(r.ids.slice(2, 5)).sort()).toEqual([3, 4, 5]);
    expect(Array.from(r.ids)).not.toContain(0);
    // A stationary distribution: mass sums to at most 1.
    const all = randomWalkWithRestart(relation.neighbours, [0], { k: 7, excludeSeeds: false, iterations: 200 });
    const total = all.scores.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 4);
  });
});

describe('bundleCandidates', () => {
  it('finds the two groups as bundles', () => {
    const bundles = bundleCandidates(toItemGraph(model), { maxSize: 4 });
    expect(bundles.map((b) => b.items)).toEqual(
      expect.arrayContaining([
        ['i0', 'i1', 'i2'],
        ['i3', 'i4', 'i5'],
      ]),
    );
  });
});
