import type { DataFormat } from '../formats.js';
import type { FormatSpec } from './format-spec.js';
import { BASKETS } from './formats/baskets.js';
import { CSV } from './formats/csv.js';
import { JSONL } from './formats/jsonl.js';
import { MOVIELENS_1M, MOVIELENS_100K } from './formats/movielens.js';
import { ONLINE_RETAIL } from './formats/online-retail.js';
import { RETAILROCKET } from './formats/retailrocket.js';
import { TAOBAO } from './formats/taobao.js';

/** The reader of each DataFormat. */
export const FORMAT_SPECS: ReadonlyMap<DataFormat, FormatSpec> = new Map<DataFormat, FormatSpec>([
  ['movielens', MOVIELENS_100K],
  ['movielens-1m', MOVIELENS_1M],
  ['retailrocket', RETAILROCKET],
  ['taobao', TAOBAO],
  ['online-retail', ONLINE_RETAIL],
  ['baskets', BASKETS],
  ['csv', CSV],
  ['jsonl', JSONL],
]);
