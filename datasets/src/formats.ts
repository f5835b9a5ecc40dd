/**
 * The input formats Encore can load.
 *
 * | format | file | events |
 * |---|---|---|
 * | `movielens` | ML-100k `u.data` (or the `ml-100k` directory); catalog from `u.item` beside it | `rate` |
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
