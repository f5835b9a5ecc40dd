import { checkInteger, checkNumber, type EventLog, type EventType } from '@encore/core';
import type { CuratedList, CuratedOptions } from './curated.js';
import { checkDays, checkEventWeights, MS_PER_DAY } from './internal/options.js';
import { resolveCommon, selectByCategory, selectTop, type Tally } from './internal/shelf.js';

export interface TrendingOptions extends CuratedOptions {
  /** The recent window, (now − recentDays, now] (default 7). */
  readonly recentDays?: number;
  /** The baseline window just before it, (now − recentDays − baselineDays, now − recentDays] (default 28). */
  readonly baselineDays?: number;
  /** Half-life of an event's weight in the recent window, in days (default 2). */
  readonly halfLifeDays?: number;
  /**
   * Pseudo-events α added to both sides of the ratio (default 1): keeps an item going from 0 to 1
   * event from topping the list, and makes the score of an item without a baseline its decayed
   * count + 1.
   */
  readonly smoothing?: number;
  /** Fewest events in the recent window for an item to be listed (default 3). */
  readonly minSupport?: number;
  /** Only items whose ratio exceeds this are listed (default 1: rising, not merely busy). */
  readonly minRatio?: number;
  /**
   * Weight of each event type (default `{ purchase: 1 }`: sales velocity, as for best sellers; a
   * shop with view data might use `{ view: 1, cart: 3, purchase: 5 }`). Events count once each,
   * whatever their quantity: velocity is how many shoppers act, not how much one wholesaler buys.
   */
  readonly weights?: Readonly<Partial<Record<EventType, number>>>;
}

export const DEFAULT_TRENDING_OPTIONS: Readonly<{
  k: number;
  recentDays: number;
  baselineDays: number;
  halfLifeDays: number;
  smoothing: number;
  minSupport: number;
  minRatio: number;
  weights: Readonly<Partial<Record<EventType, number>>>;
}> = Object.freeze({
  k: 10,
  recentDays: 7,
  baselineDays: 28,
  halfLifeDays: 2,
  smoothing: 1,
  minSupport: 3,
  minRatio: 1,
  weights: Object.freeze({ purchase: 1 }),
});

const KEYS = ['recentDays', 'baselineDays', 'halfLifeDays', 'smoothing', 'minSupport', 'minRatio', 'weights'];

function tally(where: string, log: EventLog, options: TrendingOptions, byCategory: boolean): Tally {
  const { common: c, o } = resolveCommon(where, log, options, KEYS, byCategory, DEFAULT_TRENDING_OPTIONS.k);
  const d = DEFAULT_TRENDING_OPTIONS;
  const recentDays = checkDays(where, 'recentDays', o.recentDays ?? d.recentDays);
  const baselineDays = checkDays(where, 'baselineDays', o.baselineDays ?? d.baselineDays);
  const halfLife = checkDays(where, 'halfLifeDays', o.halfLifeDays ?? d.halfLifeDays);
  const alpha = checkNumber(where, 'smoothing', o.smoothing ?? d.smoothing, Number.MIN_VALUE);
  const minSupport = checkInteger(where, 'minSupport', o.minSupport ?? d.minSupport, 1);
  const minRatio = checkNumber(where, 'minRatio', o.minRatio ?? d.minRatio, 0);
  const weights = checkEventWeights(where, 'weights', o.weights ?? d.weights);
  const recentStart = c.now - recentDays * MS_PER_DAY;
  const baselineStart = recentStart - baselineDays * MS_PER_DAY;
  const decay = Math.LN2 / (halfLife * MS_PER_DAY);
  const decayed = new Float64Array(c.n);
  const baseline = new Float64Array(c.n);
  const support = new Float64Array(c.n);
  const itemOf = log.item.values;
  let events = 0;
  let future = 0;
  for (let e = 0; e < log.length && itemOf !== null; e++) {
    const w = weights[log.type[e] as number] as number;
    const i = itemOf[e] as number;
    if (!(w > 0) || i < 0) continue;
    const t = log.timestamp[e] as number;
    if (t > c.now) future++;
    else if (t > recentStart) {
      decayed[i]! += w * Math.exp(-decay * (c.now - t));
      support[i]!++;
      events++;
    } else if (t > baselineStart) {
      baseline[i]! += w;
      events++;
    }
  }
  // The decayed count an item would show in the recent window at its baseline rate r per day:
  // r · ∫₀^R 2^(−s/h) ds = r · h / ln 2 · (1 − 2^(−R/h)).
  const exposure = (halfLife / Math.LN2) * (1 - 2 ** (-recentDays / halfLife));
  const score = new Float64Array(c.n).fill(Number.NaN);
  for (let i = 0; i < c.n; i++) {
    if ((support[i] as number) < minSupport) continue;
    const expected = ((baseline[i] as number) / baselineDays) * exposure;
    const ratio = ((decayed[i] as number) + alpha) / (expected + alpha);
    if (ratio > minRatio) score[i] = ratio;
  }
  return { c, score, support, events, future };
}

/**
 * Trending: items whose recent activity runs above their own baseline. With w the event weights
 * and h the half-life, an item's
 * - recent activity D = Σ w · 2^(−age/h) over its events in (now − recentDays, now] — an
 *   exponentially time-decayed count (the forward-decay model of Cormode, Shkapenyuk, Srivastava
 *   & Xu, ICDE 2009);
 * - expected activity E = (B / baselineDays) · h / ln 2 · (1 − 2^(−recentDays/h)): what D would be
 *   if the item kept its baseline rate, B being its weighted events in the baseline window before;
 * - score = (D + α) / (E + α), α = `smoothing`.
 * Listed when the recent window holds at least `minSupport` events and the score exceeds
 * `minRatio`. Comparing each item with its own past, not with other items, is the burst idea of
 * Kleinberg (KDD 2002) in its simplest estimator: a steady best seller does not trend, a niche item
 * tripling its sales does. An item launched during the baseline window has its baseline spread over
 * the whole window, so new items with momentum trend — as a "new and rising" shelf wants.
 * `support` is the recent event count. Events after `now` are counted in `report.future`.
 *
 * Defaults: DEFAULT_TRENDING_OPTIONS. Throws INVALID_ARGUMENT for a malformed log, a missing `now`,
 * k < 1, windows or half-life not > 0 days, smoothing not > 0, minSupport < 1, weights that are
 * negative, unknown or all 0, and as bestSellers for category, filter and attributes.
 *
 * @example
 * const shelf = trending(log, { now, recentDays: 3, baselineDays: 28, weights: { view: 1, purchase: 5 } });
 */
export function trending(log: EventLog, options: TrendingOptions): CuratedList {
  return selectTop(tally('ranking/trending', log, options, false));
}

/**
 * trending for every category at once (k per category), keyed by category name. Needs
 * `attributes`; otherwise as trending.
 *
 * @example
 * const shelves = trendingByCategory(log, { now, attributes, k: 8 });
 */
export function trendingByCategory(log: EventLog, options: TrendingOptions): Map<string, CuratedList> {
  return selectByCategory(tally('ranking/trendingByCategory', log, options, true));
}
