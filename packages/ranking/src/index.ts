/**
 * @encore/ranking — turns model scores into the lists a shop shows: candidate sources blended with
 * weights, exclusions, filters, business rules (boosts, pins, bury, per-category caps), cold start,
 * an explanation per item; and the curated lists (best sellers, trending, top rated, most wished).
 */
export {
  CATEGORY_SEPARATOR,
  DEFAULT_ITEM_ATTRIBUTE_OPTIONS,
  type ItemAttributeOptions,
  type ItemAttributes,
  itemAttributes,
} from './attributes.js';
export {
  type BestSellersOptions,
  bestSellers,
  bestSellersByCategory,
  DEFAULT_BEST_SELLERS_OPTIONS,
  type SalesMeasure,
} from './best-sellers.js';
export {
  type CandidateSource,
  DEFAULT_MERGE_CANDIDATES_OPTIONS,
  type MergeCandidatesOptions,
  mergeCandidates,
} from './candidates.js';
export {
  type ChooseSourcesOptions,
  chooseSources,
  DEFAULT_CHOOSE_SOURCES_OPTIONS,
  SOURCE_REASONS,
  type SourcePlan,
  type SourceProviders,
  type SourceStrategy,
} from './cold-start.js';
export type { CuratedList, CuratedOptions, CuratedReport } from './curated.js';
export { filterItems, type ItemFilter } from './filter.js';
export {
  type CustomerHistories,
  type CustomerHistory,
  type CustomerHistoryOptions,
  cartItems,
  customerHistories,
  DEFAULT_RECENT_ITEMS_OPTIONS,
  historyOf,
  type RecentItemsOptions,
  recentItems,
} from './history.js';
export {
  decodeCustomerHistories,
  encodeCustomerHistories,
  HISTORIES_FORMAT,
  historiesFromFile,
  type SavedHistories,
} from './history-codec.js';
export {
  DEFAULT_MOST_WISHED_OPTIONS,
  type MostWishedOptions,
  mostWished,
  mostWishedByCategory,
} from './most-wished.js';
export {
  type Contribution,
  DEFAULT_RANK_OPTIONS,
  type Explanation,
  type ItemBoost,
  type Normalization,
  type Pin,
  type RankContext,
  type RankedList,
  type RankOptions,
  type RankReport,
  rankItems,
} from './rank.js';
export {
  type BuildShelfOptions,
  buildShelf,
  CURATED_LISTS,
  type CuratedListName,
  type CuratedShelf,
  DEFAULT_BUILD_SHELF_OPTIONS,
  decodeShelf,
  encodeShelf,
  SHELF_FORMAT,
  type ShelfList,
  shelfFromFile,
  shelfList,
} from './shelf.js';
export {
  DEFAULT_TOP_RATED_OPTIONS,
  type TopRatedOptions,
  topRated,
  topRatedByCategory,
} from './top-rated.js';
export { DEFAULT_TRENDING_OPTIONS, type TrendingOptions, trending, trendingByCategory } from './trending.js';
