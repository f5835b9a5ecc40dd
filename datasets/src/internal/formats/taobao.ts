import { type CatalogItem, checkTimestamp, eventTypeCode } from '@encore/core';
import { isDigits, ownString, parseDigits, show, splitPlain } from '../fields.js';
import { emptyRowFields, type FormatSpec } from '../format-spec.js';

const VIEW = eventTypeCode('view');
const CART = eventTypeCode('cart');
const WISHLIST = eventTypeCode('wishlist');
const PURCHASE = eventTypeCode('purchase');

/** Taobao behavior codes → event type codes. */
function behaviorCode(behavior: string): number {
  switch (behavior) {
    case 'pv':
      return VIEW;
    case 'cart':
      return CART;
    case 'fav':
      return WISHLIST;
    case 'buy':
      return PURCHASE;
    default:
      return -1;
  }
}

/**
 * Alibaba Taobao `UserBehavior.csv`: no header, `user,item,category,behavior,unix-seconds`;
 * pv → view, cart → cart, fav → wishlist, buy → purchase; a time outside `options.timeRange` is
 * rejected. The catalog holds every item with
 * categoryPath [category id] (the first category seen; later different ones are counted in
 * `categoryConflicts`).
 */
export const TAOBAO: FormatSpec = {
  defaultFiles: ['UserBehavior.csv'],
  what: 'a Taobao UserBehavior.csv file',
  encoding: 'utf8',
  countKeys: ['catalogItems', 'categoryConflicts'],
  skipKeys: [],
  create({ sink, tally, options }) {
    const { timeRange } = options;
    const cells: string[] = [];
    const fields = emptyRowFields();
    const categoryOf = new Map<string, string>();
    return {
      line(line, lineNo) {
        const n = splitPlain(line, ',', cells);
        if (n !== 5) {
          return tally.reject(
            lineNo,
            `expected 5 comma-separated fields (user, item, category, behavior, timestamp), found ${n}`,
          );
        }
        const user = cells[0] as string;
        const item = cells[1] as string;
        const category = cells[2] as string;
        if (!isDigits(user)) return tally.reject(lineNo, `user id must be a non-negative integer, found ${show(user)}`);
        if (!isDigits(item)) return tally.reject(lineNo, `item id must be a non-negative integer, found ${show(item)}`);
        if (!isDigits(category)) {
          return tally.reject(lineNo, `category id must be a non-negative integer, found ${show(category)}`);
        }
        const type = behaviorCode(cells[3] as string);
        if (type < 0) {
          return tally.reject(lineNo, `unknown behavior ${show(cells[3] as string)}, expected pv, cart, fav or buy`);
        }
        const seconds = parseDigits(cells[4] as string);
        if (seconds < 0)
          return tally.reject(lineNo, `timestamp must be Unix seconds (digits), found ${show(cells[4] as string)}`);
        const timeProblem = checkTimestamp(seconds * 1000, timeRange);
        if (timeProblem !== undefined)
          return tally.reject(lineNo, `timestamp ${timeProblem}, found ${show(cells[4] as string)}`);
        const known = categoryOf.get(item);
        if (known === undefined) categoryOf.set(ownString(item), ownString(category));
        else if (known !== category) tally.count('categoryConflicts');
        fields.userId = user;
        fields.itemId = item;
        sink.add(type, seconds * 1000, fields);
        tally.accept();
      },
      async finish() {
        const catalog = new Map<string, CatalogItem>();
        for (const [id, category] of categoryOf) catalog.set(id, { id, categoryPath: [category] });
        tally.count('catalogItems', catalog.size);
        return { catalog };
      },
    };
  },
};
