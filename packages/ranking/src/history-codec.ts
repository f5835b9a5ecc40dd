import {
  checkOptions,
  decodeModelFile,
  EVENT_TYPES,
  encodeModelFile,
  IdMap,
  invalidArgument,
  type ModelFile,
} from '@encore/core';
import type { CustomerHistories } from './history.js';

/** Customer timelines as saved: the histories and the item ids their item indices name. */
export interface SavedHistories {
  readonly histories: CustomerHistories;
  /** Item id of each item index of `histories.items`. */
  readonly itemIds: readonly string[];
}

/** The format version of customer-timeline files this Encore writes and reads. */
export const HISTORIES_FORMAT = 1;

/**
 * Encodes customer timelines (what each customer did with which item, when) as model-file bytes:
 * what the engine reads to explain a list ("because you bought X"), to leave out what a customer
 * has and to seed bought-together from their cart.
 *
 * Throws INVALID_ARGUMENT when `itemIds` does not cover the histories' item indices.
 *
 * @example
 * await writeFile('histories.encore', encodeCustomerHistories(customerHistories(log), log.item.ids.ids()));
 */
export function encodeCustomerHistories(histories: CustomerHistories, itemIds: readonly string[]): Uint8Array {
  const where = 'ranking/encodeCustomerHistories';
  checkOptions(where, histories, ['customers', 'indptr', 'items', 'types', 'times', 'report'], 'histories');
  if (!Array.isArray(itemIds)) throw invalidArgument(where, 'itemIds must be an array of item ids', itemIds);
  for (const i of histories.items) {
    if (!(i >= 0 && i < itemIds.length)) throw invalidArgument(where, `item index ${i} has no id in itemIds`, i);
  }
  const rows = histories.indptr.length - 1;
  return encodeModelFile({
    family: 'histories',
    version: HISTORIES_FORMAT,
    meta: { ...histories.report },
    sections: {
      customerIds: histories.customers.ids().slice(0, rows),
      itemIds,
      indptr: histories.indptr,
      items: histories.items,
      types: histories.types,
      times: histories.times,
    },
  });
}

/**
 * Decodes customer timelines, checking them before use: unique customer ids, a row pointer from 0
 * that never decreases, item indices within `itemIds`, known event types, finite times in order
 * within each customer. Throws MODEL_FORMAT naming `source` and what was wrong.
 */
export function decodeCustomerHistories(bytes: Uint8Array, source = 'histories'): SavedHistories {
  return historiesFromFile(
    decodeModelFile(bytes, {
      where: 'ranking/decodeCustomerHistories',
      source,
      family: 'histories',
      maxVersion: HISTORIES_FORMAT,
    }),
  );
}

/** {@link decodeCustomerHistories} of a model file already checked by core's `decodeModelFile`. */
export function historiesFromFile(file: ModelFile): SavedHistories {
  const customerIds = file.strings('customerIds');
  const rows = customerIds.length;
  const itemIds = file.strings('itemIds');
  const indptr = file.int32('indptr', { length: rows + 1, min: 0 });
  const items = file.int32('items', { min: 0, max: itemIds.length - 1 });
  const events = items.length;
  const types = file.uint8('types', { length: events, max: EVENT_TYPES.length - 1 });
  const times = file.float64('times', { length: events, finite: true });
  if (indptr[0] !== 0 || indptr[rows] !== events) file.fail('indptr must run from 0 to the number of events');
  for (let u = 0; u < rows; u++) {
    const from = indptr[u] as number;
    const to = indptr[u + 1] as number;
    if (to < from) file.fail(`indptr decreases at customer ${u}`);
    for (let p = from + 1; p < to; p++) {
      if ((times[p] as number) < (times[p - 1] as number)) file.fail(`customer ${u}'s events are out of time order`);
    }
  }
  let customers: IdMap;
  try {
    customers = IdMap.from(customerIds);
  } catch {
    return file.fail('customerIds repeats an id');
  }
  const count = (name: string): number => (typeof file.meta[name] === 'number' ? file.integer(name) : 0);
  return Object.freeze({
    histories: Object.freeze({
      customers,
      indptr,
      items,
      types,
      times,
      report: Object.freeze({ events: count('events'), future: count('future'), unusable: count('unusable') }),
    }),
    itemIds,
  });
}
