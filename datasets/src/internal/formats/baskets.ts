import { eventTypeCode } from '@encore/core';
import { idProblem, show, splitPlain, splitQuoted } from '../fields.js';
import { emptyRowFields, type FormatSpec } from '../format-spec.js';

const PURCHASE = eventTypeCode('purchase');

/**
 * Market baskets, one per line, item names separated by commas (groceries.csv), no header; quoted
 * names (RFC 4180) are understood. Each basket becomes one anonymous customer `basket-<line>` with
 * orderId `<line>` (the 1-based line number) and one `purchase` per distinct item. The data has no
 * time, so every timestamp is 0 (1970-01-01): do not use temporal splits on it.
 *
 * Counts: `itemOccurrences` (item names in accepted baskets), `duplicateItems` (repeats of an item
 * within one basket, counted once), `emptyCells` (empty names, e.g. padding commas, ignored).
 */
export const BASKETS: FormatSpec = {
  what: 'a basket file',
  encoding: 'utf8',
  countKeys: ['itemOccurrences', 'duplicateItems', 'emptyCells'],
  skipKeys: [],
  create({ sink, tally }) {
    const cells: string[] = [];
    const fields = emptyRowFields();
    const distinct = new Set<string>();
    return {
      line(line, lineNo) {
        const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
        if (typeof n === 'string') return tally.reject(lineNo, n);
        distinct.clear();
        let empty = 0;
        for (let i = 0; i < n; i++) {
          const item = cells[i] as string;
          if (item.length === 0) {
            empty++;
            continue;
          }
          const problem = idProblem(item);
          if (problem) return tally.reject(lineNo, `item ${i + 1} ${problem}, found ${show(item)}`);
          distinct.add(item);
        }
        if (distinct.size === 0) return tally.reject(lineNo, 'basket has no items, expected at least one item name');
        tally.count('itemOccurrences', n - empty);
        if (n - empty > distinct.size) tally.count('duplicateItems', n - empty - distinct.size);
        if (empty > 0) tally.count('emptyCells', empty);
        const basket = String(lineNo);
        fields.anonymousId = `basket-${basket}`;
        fields.orderId = basket;
        for (const item of distinct) {
          fields.itemId = item;
          sink.add(PURCHASE, 0, fields);
        }
        tally.accept();
      },
      async finish() {
        return { catalog: new Map() };
      },
    };
  },
};
