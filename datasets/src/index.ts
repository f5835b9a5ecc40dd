/**
 * @encore/datasets — streaming loaders for public recommendation datasets (MovieLens, RetailRocket,
 * Taobao UserBehavior, UCI Online Retail, market baskets) and for generic event CSV / JSONL.
 */
export { BUNDLED_DATASETS, type BundledDatasetName, bundledDataPath } from './bundled.js';
export { parseColumnMapping } from './columns.js';
export { DATA_FORMATS, type DataFormat, INTERACTION_EVENTS, isDataFormat } from './formats.js';
export { GUEST_INVOICE_PREFIX, ONLINE_RETAIL_NON_PRODUCT_CODES } from './internal/formats/online-retail.js';
export { type EventStream, type LoadedDataset, loadDataset, readEvents } from './load.js';
export { DEFAULT_LOAD_OPTIONS, EVENT_FIELDS, type EventField, type LoadOptions } from './options.js';
export type { CatalogFileReport, LoadReport, RejectedSample } from './report.js';
export {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSynthetic,
  SYNTHETIC_PRESETS,
  type SyntheticDataset,
  type SyntheticOptions,
  type SyntheticPreset,
  type SyntheticTruth,
  writeEventsCsv,
} from './synthetic.js';
