import type { EventType } from '@encore/core';

/**
 * The input formats Encore can load.
 *
 * | format | file | events |
 * |---|---|---|
 * | `movielens` | ML-100k `u.data` (or the `ml-100k` directory); catalog from `u.item` beside it. Also MovieLens' current `ratings.csv` (ml-latest, ml-25m, ml-32m; detected by its header `userId,movieId,rating,timestamp`), catalog from `movies.csv` beside it | `rate` |
 * | `movielens-1m` | ML-1M / ML-10M `ratings.dat` (or its directory); catalog from `movies.dat` beside it | `rate` |
 * | `retailrocket` | RetailRocket `events.csv` (or its directory) | `view`, `cart`, `purchase` |
 * | `taobao` | Taobao `UserBehavior.csv` (or its directory); catalog categories from the rows | `view`, `cart`, `wishlist`, `purchase` |
 * | `online-retail` | UCI Online Retail / Online Retail II CSV; catalog titles from the rows | `purchase`, `return` |
 * | `baskets` | one basket per line, items separated by commas (groceries.csv) | `purchase` |
 * | `csv` | any event CSV with a header, columns mapped to event fields | any |
 * | `jsonl` | one JSON event per line | any |
 */
export type DataFormat =
  | 'movielens'
  | 'movielens-1m'
  | 'retailrocket'
  | 'taobao'
  | 'online-retail'
  | 'baskets'
  | 'csv'
  | 'jsonl';

/** Every DataFormat, in a stable order (for command-line help and validation). */
export const DATA_FORMATS: readonly DataFormat[] = Object.freeze([
  'movielens',
  'movielens-1m',
  'retailrocket',
  'taobao',
  'online-retail',
  'baskets',
  'csv',
  'jsonl',
] as const);

/** True when `value` names a DataFormat. */
export function isDataFormat(value: unknown): value is DataFormat {
  return typeof value === 'string' && (DATA_FORMATS as readonly string[]).includes(value);
}

/**
 * The event types of each format that count as interactions when a model is trained or evaluated
 * on it (train and eval read the same ones): ratings for MovieLens (every rating a positive, as in
 * Microsoft Recommenders' benchmark), purchases for order data, the positive funnel events for event
 * logs. Weights come from core's DEFAULT_EVENT_WEIGHTS.
 */
export const INTERACTION_EVENTS: Readonly<Record<DataFormat, readonly EventType[]>> = Object.freeze({
  movielens: Object.freeze(['rate'] as EventType[]),
  'movielens-1m': Object.freeze(['rate'] as EventType[]),
  'online-retail': Object.freeze(['purchase'] as EventType[]),
  baskets: Object.freeze(['purchase'] as EventType[]),
  retailrocket: Object.freeze(['view', 'cart', 'purchase'] as EventType[]),
  taobao: Object.freeze(['view', 'cart', 'wishlist', 'purchase'] as EventType[]),
  csv: Object.freeze(['view', 'cart', 'wishlist', 'purchase', 'rate'] as EventType[]),
  jsonl: Object.freeze(['view', 'cart', 'wishlist', 'purchase', 'rate'] as EventType[]),
});
