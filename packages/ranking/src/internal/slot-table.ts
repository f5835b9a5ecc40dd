/**
 * Item index → dense slot for one ranking request: open addressing with linear probing over two
 * Int32Arrays sized for the candidates (load ≤ 1/2), so a lookup touches one or two cache lines and
 * nothing is the size of the catalog.
 */
export interface SlotTable {
  readonly keys: Int32Array;
  readonly slots: Int32Array;
  readonly mask: number;
  readonly shift: number;
}

export function slotTable(capacity: number): SlotTable {
  let bits = 4;
  while (1 << bits < capacity * 2) bits++;
  return {
    keys: new Int32Array(1 << bits).fill(-1),
    slots: new Int32Array(1 << bits),
    mask: (1 << bits) - 1,
    shift: 32 - bits,
  };
}

/** The cell of `item`: where it is, or the empty cell where it goes (`keys[cell] === -1`). */
export function cellOf(table: SlotTable, item: number): number {
  const { keys, mask } = table;
  // Fibonacci hashing spreads consecutive indices over the table.
  let cell = Math.imul(item, 0x9e3779b1) >>> table.shift;
  for (;;) {
    const key = keys[cell] as number;
    if (key === item || key === -1) return cell;
    cell = (cell + 1) & mask;
  }
}

/** The slot of `item`, -1 when absent. */
export function slotOf(table: SlotTable, item: number): number {
  const cell = cellOf(table, item);
  return table.keys[cell] === item ? (table.slots[cell] as number) : -1;
}
