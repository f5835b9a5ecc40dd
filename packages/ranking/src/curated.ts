import type { TopK } from '@encore/core';
import type { ItemAttributes } from './attributes.js';
import type { ItemFilter } from './filter.js';

/**
 * What the curated lists (bestSellers, trending, topRated, mostWished) share. Each list is a pure
 * function of the events, the catalog table and `now`: the same input gives the same shelf.
 *
 * Windows are half-open, (now − window, now]: an event exactly at `now` counts, one exactly a
 * window before does not, so consecutive windows never count an event twice. Events after `now`
 * are left out and counted in `report.future`.
 */
export interface CuratedOptions {
  /** The time the list is made for (epoch ms). Required: the clock is never read. */
  readonly now: number;
  /** List length (default 10; per category in the …ByCategory variants), capped at the items that qualify. */
  readonly k?: number;
  /** Only items in this category or below it (needs `attributes`). */
  readonly category?: string;
  /** Only items passing this filter, e.g. `{ inStock: true }` (needs `attributes`). */
  readonly filter?: ItemFilter;
  /**
   * The catalog table for the log's items (`itemAttributes(catalog, log.item.ids)`): needed for
   * `category`, `filter`, the …ByCategory variants, revenue without event prices, catalog ratings.
   */
  readonly attributes?: ItemAttributes;
}

/** What a curated list counted. */
export interface CuratedReport {
  /** Events that counted towards the list. */
  readonly events: number;
  /** Events of the list's types after `now`, left out. */
  readonly future: number;
}

/**
 * A curated list: `ids[r]` (item indices of the log) with `scores[r]`, best first (ties: lower
 * index first), and `support[r]`, the evidence behind the score (see each list).
 */
export interface CuratedList extends TopK {
  readonly support: Float32Array;
  readonly report: CuratedReport;
}
