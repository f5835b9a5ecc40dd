import { generateSynthetic } from '@encore/datasets';
import { describe, expect, it } from 'vitest';
import { buildCooccurrenceModel, relationOf } from './model.js';
import { together } from './together.js';

describe('buildCooccurrenceModel', () => {
  const { log, truth, options } = generateSynthetic({ preset: 'small' });
  const model = buildCooccurrenceModel(log);

  it('builds the three default relations over the log’s item space, as plain data', () => {
    expect(model.version).toBe(1);
    expect(model.items).toBe(log.item.ids.size);
    expect(model.itemIds.length).toBe(model.items);
    expect(model.relations.map((r) => r.name)).toEqual(['bought-together', 'viewed-together', 'viewed-bought']);
    for (const r of model.relations) {
      expect(r.neighbours.ids.length, r.name).toBeGreaterThan(0);
      expect(r.rows).toBeLessThanOrEqual(model.items);
      expect(r.neighbours.indptr.length).toBe(r.rows + 1);
    }
    expect(relationOf(model, 'viewed-bought').kind).toBe('cross-occurrence');
    expect(() => relationOf(model, 'nope')).toThrow(/bought-together/);
  });

  it('answers together() with the planted partner first', () => {
    const [a, b] = truth.bundles[0] as [string, string];
    const ids = log.item.ids;
    const r = together(model, [ids.indexOf(a)], { k: 3 });
    expect(ids.idAt(r.ids[0] as number)).toBe(b);
    expect(r.support[0]).toBeGreaterThan(1);
    expect(options.bundles).toBeGreaterThan(0);
  });

  it('leaves a relation whose events the log lacks empty', () => {
    const m = buildCooccurrenceModel(log, {
      relations: [{ name: 'returned-together', by: 'order', types: ['return'] }],
    });
    expect(m.relations[0]!.neighbours.ids.length).toBe(0);
  });
});

describe('basketMatrix', () => {
  it('agrees with core’s buildInteractions (binary, same rows and columns) for every basket kind', async () => {
    const { buildInteractions, defaultCustomers } = await import('@encore/core');
    const { basketMatrix } = await import('./baskets.js');
    const { log } = generateSynthetic({ preset: 'small', customers: 200 });
    const now = Math.max(...log.timestamp);
    for (const by of ['order', 'session', 'customer'] as const) {
      const customers =
        by === 'customer'
          ? defaultCustomers(log)
          : {
              ids: (by === 'order' ? log.order : log.session).ids,
              ofEvent: (by === 'order' ? log.order : log.session).values!,
            };
      const windowed = {
        ...customers,
        ofEvent: customers.ofEvent.map((c, e) => (log.timestamp[e]! > now - 30 * 86_400_000 ? c : -1)),
      };
      for (const [options, assignment] of [
        [{ by, types: ['view', 'cart'] as const }, customers],
        [{ by, types: ['view', 'cart'] as const, windowDays: 30 }, windowed],
      ] as const) {
        const mine = basketMatrix(log, {
          ...options,
          types: [...options.types],
          ...(by === 'customer' ? { customers } : {}),
        });
        const ref = buildInteractions(log, { weights: { view: 1, cart: 1 }, combine: 'max', customers: assignment });
        expect(mine.matrix.indptr).toEqual(ref.matrix.indptr);
        expect(mine.matrix.indices).toEqual(ref.matrix.indices);
        expect(mine.matrix.data).toEqual(ref.matrix.data);
      }
    }
  });
});
