import { checkTimestamp, eventTypeCode } from '@encore/core';
import { idProblem, isDigits, parseDigits, show, splitPlain, splitQuoted } from '../fields.js';
import { emptyRowFields, type FormatSpec } from '../format-spec.js';
import { parseError } from '../tally.js';

const VIEW = eventTypeCode('view');
const CART = eventTypeCode('cart');
const PURCHASE = eventTypeCode('purchase');

function eventCode(event: string): number {
  switch (event) {
    case 'view':
      return VIEW;
    case 'addtocart':
      return CART;
    case 'transaction':
      return PURCHASE;
    default:
      return -1;
  }
}

const REQUIRED = ['timestamp', 'visitorid', 'event', 'itemid'] as const;

/**
 * RetailRocket `events.csv`: header `timestamp,visitorid,event,itemid,transactionid` (any column
 * order), timestamp in epoch ms (within `options.timeRange`); view → view, addtocart → cart, transaction → purchase;
 * transactionid → orderId. `transactionsWithoutId` counts transactions with no transactionid.
 * The catalog is left empty (`item_properties*.csv` are not read).
 */
export const RETAILROCKET: FormatSpec = {
  defaultFiles: ['events.csv'],
  what: 'a RetailRocket events.csv file',
  encoding: 'utf8',
  countKeys: ['transactionsWithoutId'],
  skipKeys: [],
  create({ where, path, sink, tally, options }) {
    const { timeRange } = options;
    const cells: string[] = [];
    const fields = emptyRowFields();
    let width = 0;
    let tsCol = -1;
    let visitorCol = -1;
    let eventCol = -1;
    let itemCol = -1;
    let transactionCol = -1;
    return {
      header(line, lineNo) {
        const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
        if (typeof n === 'string') throw parseError(where, path, lineNo, `header: ${n}`);
        const names = cells.slice(0, n).map((name) => name.trim().toLowerCase());
        for (const name of REQUIRED) {
          if (!names.includes(name)) {
            throw parseError(
              where,
              path,
              lineNo,
              `header lacks column ${name}, expected ${REQUIRED.join(', ')}[, transactionid]`,
            );
          }
        }
        width = n;
        tsCol = names.indexOf('timestamp');
        visitorCol = names.indexOf('visitorid');
        eventCol = names.indexOf('event');
        itemCol = names.indexOf('itemid');
        transactionCol = names.indexOf('transactionid');
      },
      line(line, lineNo) {
        const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
        if (typeof n === 'string') return tally.reject(lineNo, n);
        if (n !== width)
          return tally.reject(lineNo, `expected ${width} comma-separated fields as in the header, found ${n}`);
        const ms = parseDigits(cells[tsCol] as string);
        if (ms < 0)
          return tally.reject(
            lineNo,
            `timestamp must be epoch milliseconds (digits), found ${show(cells[tsCol] as string)}`,
          );
        const timeProblem = checkTimestamp(ms, timeRange);
        if (timeProblem !== undefined)
          return tally.reject(lineNo, `timestamp ${timeProblem}, found ${show(cells[tsCol] as string)}`);
        const visitor = cells[visitorCol] as string;
        if (!isDigits(visitor))
          return tally.reject(lineNo, `visitorid must be a non-negative integer, found ${show(visitor)}`);
        const type = eventCode(cells[eventCol] as string);
        if (type < 0) {
          return tally.reject(
            lineNo,
            `unknown event ${show(cells[eventCol] as string)}, expected view, addtocart or transaction`,
          );
        }
        const item = cells[itemCol] as string;
        if (!isDigits(item)) return tally.reject(lineNo, `itemid must be a non-negative integer, found ${show(item)}`);
        const transaction = transactionCol < 0 ? '' : (cells[transactionCol] as string);
        if (transaction.length > 0) {
          const problem = idProblem(transaction);
          if (problem) return tally.reject(lineNo, `transactionid ${problem}`);
        } else if (type === PURCHASE) {
          tally.count('transactionsWithoutId');
        }
        fields.userId = visitor;
        fields.itemId = item;
        fields.orderId = transaction.length > 0 ? transaction : undefined;
        sink.add(type, ms, fields);
        tally.accept();
      },
      async finish() {
        return { catalog: new Map() };
      },
    };
  },
};
