import { createRng } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { IdTable } from './id-table.js';

/** `ids` written one after another, with their offsets. */
function packed(ids: readonly string[]): { bytes: Buffer; at: number[] } {
  const at: number[] = [];
  let offset = 0;
  for (const id of ids) {
    at.push(offset);
    offset += Buffer.byteLength(id, 'latin1');
  }
  return { bytes: Buffer.from(ids.join(''), 'latin1'), at };
}

describe('IdTable', () => {
  it('gives back every id as its bytes read, keeping each short one once, while it grows', () => {
    const rng = createRng(11);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
    const distinct = new Set<string>();
    while (distinct.size < 5000) {
      const length = 1 + rng.int(16);
      distinct.add(Array.from({ length }, () => alphabet[rng.int(alphabet.length)]).join(''));
    }
    // Each id several times, in random order: later reads are lookups, across the table's growth.
    const ids = Array.from({ length: 30_000 }, () => [...distinct][rng.int(distinct.size)] as string);
    ids.push('', 'A', '123456789012', '1234567890123');
    const { bytes, at } = packed(ids);
    const table = new IdTable(16);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      expect(table.get(bytes, at[i] as number, id.length)).toBe(id);
    }
    const short = new Set(ids.filter((id) => id.length <= 12));
    expect(table.size).toBe(short.size);
  });

  it('tells ids of the same bytes but another length apart, and zero bytes from none', () => {
    const table = new IdTable(16);
    const bytes = Buffer.from('AB\u0000\u0000AB', 'latin1');
    expect(table.get(bytes, 0, 2)).toBe('AB');
    expect(table.get(bytes, 0, 3)).toBe('AB\u0000');
    expect(table.get(bytes, 0, 4)).toBe('AB\u0000\u0000');
    expect(table.get(bytes, 4, 2)).toBe('AB');
    expect(table.size).toBe(3);
  });

  it('gives undefined for bytes that are not ASCII, and stops keeping ids, not answering, once full', () => {
    const table = new IdTable(4, 8);
    expect(table.get(Buffer.from([0x41, 0xc3, 0xa9]), 0, 3)).toBeUndefined();
    expect(table.get(Buffer.from(`${'x'.repeat(12)}\u00e9`, 'latin1'), 0, 13)).toBeUndefined();
    const ids = Array.from({ length: 20 }, (_, i) => `sku-${i}`);
    const { bytes, at } = packed(ids);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < ids.length; i++)
        expect(table.get(bytes, at[i] as number, (ids[i] as string).length)).toBe(ids[i]);
    }
    expect(table.size).toBe(4); // at most half of its 8 slots
  });
});
