import { type CooccurrenceModel, relationOf, together } from '@encore/cooccurrence';
import {
  type Catalog,
  type Csr,
  checkBoolean,
  checkInteger,
  checkNumber,
  checkOptions,
  columnCounts,
  EncoreError,
  ErrorCode,
  EVENT_TYPES,
  type EventType,
  eventTypeCode,
  IdMap,
  invalidArgument,
  type TopK,
  topK,
} from '@encore/core';
import {
  type AlsModel,
  explainFactors,
  type RecommendItemsOptions,
  recalculateUser,
  recommendItems,
} from '@encore/factorization';
import {
  type CandidateSource,
  type CuratedListName,
  type CustomerHistory,
  chooseSources,
  historyOf,
  type ItemAttributes,
  type ItemFilter,
  itemAttributes,
  type RankedList,
  type RankOptions,
  rankItems,
  type SourceStrategy,
  shelfList,
} from '@encore/ranking';
import { checkModelSet, type ModelSet } from './model-set.js';

/**
 * Serving from a model set: one item space over every model, and the composition of the pure
 * packages into the answers a shop shows — a customer's list (factor-model scores, bought-together
 * seeded by their cart and recent items, curated lists for cold start and backfill, blended,
 * filtered and ruled by @encore/ranking), an item's or a cart's companions, a curated shelf —
 * each item with its explanation. The engine answers cache misses with it and the scoring job
 * publishes what it answers, so a published list is the list the engine would compute.
 */

/** One reason an item is in a list: the source that proposed it and the customer's item behind it. */
export interface Because {
  /** The source: the factor model ('als', 'bpr'), a relation ('bought-together'), a curated list ('best-sellers'). */
  readonly source: string;
  /** The item behind it ("because you bought X"), when there is one. */
  readonly item?: string;
}

/** One item of a served list. */
export interface ServedItem {
  readonly item: string;
  readonly score: number;
  /** Largest contribution first. */
  readonly because: readonly Because[];
  /** Baskets that hold the item together with the input items (together only). */
  readonly support?: number;
}

/**
 * Where a list came from: 'model' (the customer's factors), 'fold-in' (factors computed from their
 * items), 'cooccurrence' (bought-together of their cart or recent items), 'popular' (curated lists,
 * for customers nothing is known about), 'lists' (a curated shelf).
 */
export type ServedSource = 'model' | 'fold-in' | 'cooccurrence' | 'popular' | 'lists';

/** A served list. */
export interface ServedList {
  readonly items: readonly ServedItem[];
  readonly source: ServedSource;
  readonly warnings: readonly string[];
}

/** Business rules of one request, by item id (see @encore/ranking's RankOptions). */
export interface ServingRules {
  readonly marginBoost?: number;
  readonly promotionBoost?: number;
  readonly buryOutOfStock?: boolean;
  readonly maxPerCategory?: number;
  readonly normalize?: RankOptions['normalize'];
  /** Item ids moved below the rest. */
  readonly bury?: readonly string[];
  /** Item ids shown at a slot (0 = first) whatever their score. */
  readonly pins?: readonly { readonly item: string; readonly slot: number }[];
}

/** Which items may be shown, by item id (see @encore/ranking's ItemFilter). */
export type ServingFilter = Omit<ItemFilter, 'items' | 'excludeItems'> & {
  /** Only these item ids (an assortment). */
  readonly items?: readonly string[];
  /** Never these item ids. */
  readonly excludeItems?: readonly string[];
};

export interface ServeRecommendOptions {
  /** List length. */
  readonly k: number;
  /** Items the customer has just seen that the timelines do not hold yet: seeds, folded in, left out. */
  readonly recentItems?: readonly string[] | undefined;
  readonly filter?: ServingFilter | undefined;
  readonly rules?: ServingRules | undefined;
  /** The time of the request (epoch ms), for look-backs; default: the clock. */
  readonly now?: number | undefined;
  /**
   * The factor model's candidates for this customer, already scored (item indices of the factor
   * model, seen items left out): what a batch job's worker pool computed. Default: scored here.
   */
  readonly personal?: TopK | undefined;
}

export interface ServingOptions {
  /** The catalog to filter, rule and title with (default: the model set's). */
  readonly catalog?: Catalog | undefined;
  /** Candidates taken from each source before filters and rules (default 100). */
  readonly depth?: number;
  /** Neighbours taken per seed item for bought-together (default 50). */
  readonly togetherDepth?: number;
  /** Most seed items (cart first, then recent) for bought-together (default 5). */
  readonly maxSeeds?: number;
  /**
   * The relation that seeds a customer's list and answers together (default 'bought-together', or,
   * when the model's is empty — data without orders — its first co-occurrence relation with edges,
   * e.g. 'customers-also' on ratings).
   */
  readonly relation?: string;
  /** Curated lists that answer cold start and back a short list, with their weights (default best sellers 1, trending 0.5). */
  readonly curated?: readonly { readonly name: CuratedListName; readonly weight: number }[];
  /** Weight of the curated lists behind personal sources (default 0.1: they fill, they do not lead). */
  readonly backfillWeight?: number;
  /** The clock for requests without `now` (default Date.now). */
  readonly clock?: () => number;
  /**
   * Keep what customers already have in their lists (default false: bought, carted and just-seen
   * items are left out). For shops whose customers buy the same things again.
   */
  readonly includeSeen?: boolean;
}

export const DEFAULT_SERVING_OPTIONS: Readonly<{
  depth: number;
  togetherDepth: number;
  maxSeeds: number;
  relation: string;
  curated: readonly { readonly name: CuratedListName; readonly weight: number }[];
  backfillWeight: number;
  includeSeen: boolean;
}> = Object.freeze({
  depth: 100,
  togetherDepth: 50,
  maxSeeds: 5,
  relation: 'bought-together',
  curated: Object.freeze([
    Object.freeze({ name: 'best-sellers', weight: 1 }),
    Object.freeze({ name: 'trending', weight: 0.5 }),
  ]) as readonly {
    readonly name: CuratedListName;
    readonly weight: number;
  }[],
  backfillWeight: 0.1,
  includeSeen: false,
});

const VIEW = eventTypeCode('view');
const STRATEGY_SOURCE: Readonly<Record<SourceStrategy, ServedSource>> = Object.freeze({
  personal: 'model',
  cart: 'cooccurrence',
  recent: 'cooccurrence',
  curated: 'popular',
});

/** A map from one item index space into the serving space (and back). */
interface Space {
  readonly toServing: Int32Array;
  readonly fromServing: Int32Array;
}

/**
 * Prepares a model set for serving: builds the item space over its models (each model keeps its
 * own indices; translation tables join them), the catalog table, and the per-customer lookups.
 * Cheap next to loading the models (linear in items and customers).
 *
 * Throws INVALID_ARGUMENT for a model set with unknown parts or bad options.
 *
 * @example
 * const serving = prepareServing(await loadModels('models/retail-als', 'models/retail'));
 * serving.recommend('17850', { k: 10 }).items[0]?.because; // [{ source: 'als', item: '84879' }, …]
 */
export function prepareServing(models: ModelSet, options: ServingOptions = {}): ServingModels {
  const where = 'models/prepareServing';
  const set = checkModelSet(where, models);
  const o = checkOptions(where, options, [
    'catalog',
    'depth',
    'togetherDepth',
    'maxSeeds',
    'relation',
    'curated',
    'backfillWeight',
    'clock',
    'includeSeen',
  ]);
  const d = DEFAULT_SERVING_OPTIONS;
  const catalog = (o.catalog as Catalog | undefined) ?? set.catalog;
  if (catalog !== undefined && !(catalog instanceof Map))
    throw invalidArgument(where, 'catalog must be a Map of CatalogItem', catalog);
  const curated = (o.curated ?? d.curated) as ServingOptions['curated'];
  if (!Array.isArray(curated)) throw invalidArgument(where, 'curated must be an array of { name, weight }', curated);
  for (const c of curated) checkNumber(where, `curated ${c?.name} weight`, c?.weight, 0);
  const relation = typeof o.relation === 'string' ? o.relation : servingRelation(set.cooccurrence);
  if (set.cooccurrence !== undefined) relationOf(set.cooccurrence, relation); // INVALID_ARGUMENT naming the relations
  if (o.clock !== undefined && typeof o.clock !== 'function')
    throw invalidArgument(where, 'clock must be a function', o.clock);
  return new ServingModels(set, {
    catalog,
    depth: checkInteger(where, 'depth', o.depth ?? d.depth, 1, 100_000),
    togetherDepth: checkInteger(where, 'togetherDepth', o.togetherDepth ?? d.togetherDepth, 1, 100_000),
    maxSeeds: checkInteger(where, 'maxSeeds', o.maxSeeds ?? d.maxSeeds, 1, 1000),
    relation,
    curated: curated as NonNullable<ServingOptions['curated']>,
    backfillWeight: checkNumber(where, 'backfillWeight', o.backfillWeight ?? d.backfillWeight, 0),
    clock: (o.clock as (() => number) | undefined) ?? Date.now,
    includeSeen: checkBoolean(where, 'includeSeen', o.includeSeen ?? d.includeSeen),
  });
}

/**
 * The relation a model set serves `together` from by default: DEFAULT_SERVING_OPTIONS.relation
 * ('bought-together') when the model has edges in it, else its first co-occurrence relation with
 * edges (data without orders: 'customers-also' on ratings).
 *
 * @example
 * servingRelation(models.cooccurrence); // 'bought-together'
 */
export function servingRelation(model: CooccurrenceModel | undefined): string {
  const preferred = DEFAULT_SERVING_OPTIONS.relation;
  if (model === undefined) return preferred;
  const has = (name: string): boolean => model.relations.some((r) => r.name === name && r.neighbours.ids.length > 0);
  if (has(preferred)) return preferred;
  const other = model.relations.find((r) => r.kind === 'cooccurrence' && r.neighbours.ids.length > 0);
  return other?.name ?? preferred;
}

interface Resolved {
  readonly catalog: Catalog | undefined;
  readonly depth: number;
  readonly togetherDepth: number;
  readonly maxSeeds: number;
  readonly relation: string;
  readonly curated: readonly { readonly name: CuratedListName; readonly weight: number }[];
  readonly backfillWeight: number;
  readonly clock: () => number;
  readonly includeSeen: boolean;
}

/** A model set ready to answer (see {@link prepareServing}). Holds no I/O and no clock of its own but `clock`. */
export class ServingModels {
  readonly models: ModelSet;
  /** The relation that answers `together` and seeds customers' lists (see ServingOptions.relation). */
  readonly relation: string;
  /** The serving item space: every item some model knows, in order of first appearance. */
  readonly items: IdMap;
  readonly catalog: Catalog | undefined;
  readonly #o: Resolved;
  readonly #attributes: ItemAttributes;
  readonly #factors: Space | null;
  readonly #cooccurrence: Space | null;
  readonly #shelf: Space | null;
  readonly #histories: Space | null;
  readonly #customers: IdMap | null;
  /** The factor model's customer histories as values per item (the training matrix). */
  readonly #seen: Csr | null;
  /** Weight of each event type code in the factor model's matrix (0: not trained on). */
  readonly #weights: Float64Array;
  /** The factor model's items by how many customers have them: the curated stand-in. */
  readonly #popular: CandidateSource | null;
  /**
   * recommendItems' buffers, kept across requests: the item factors packed once for the batch
   * scoring kernel, which scores a customer in one pass of WebAssembly SIMD (float32 sums, the very
   * bits the scoring job's `scoreCustomers` computes, so a computed list is the published one).
   */
  readonly #scratch: NonNullable<RecommendItemsOptions['scratch']> = {};
  /** The curated sources, made on first use (see #curatedSources). */
  #curated: readonly CandidateSource[] | null = null;

  /** Use {@link prepareServing}. */
  constructor(models: ModelSet, options: Resolved) {
    this.models = models;
    this.#o = options;
    this.relation = options.relation;
    this.catalog = options.catalog;
    const items = new IdMap();
    const space = (ids: readonly string[] | undefined): Space | null => {
      if (ids === undefined) return null;
      const toServing = Int32Array.from(ids, (id) => items.intern(id));
      return { toServing, fromServing: new Int32Array(0) };
    };
    const { factors, cooccurrence, shelf, histories } = models;
    const spaces = [
      space(factors?.itemIds),
      space(cooccurrence?.itemIds),
      space(shelf?.itemIds),
      space(histories?.itemIds),
    ];
    this.items = items;
    // Back-translation tables, now that the space is complete.
    const [f, c, s, h] = spaces.map((sp) => {
      if (sp === null) return null;
      const fromServing = new Int32Array(items.size).fill(-1);
      sp.toServing.forEach((servingIndex, own) => {
        fromServing[servingIndex] = own;
      });
      return { toServing: sp.toServing, fromServing };
    });
    this.#factors = f ?? null;
    this.#cooccurrence = c ?? null;
    this.#shelf = s ?? null;
    this.#histories = h ?? null;
    this.#customers = factors === undefined ? null : IdMap.from(factors.customerIds);
    this.#seen = factors?.seen ?? null;
    this.#weights = new Float64Array(EVENT_TYPES.length);
    for (const [type, weight] of Object.entries(factors?.weights ?? {})) {
      this.#weights[eventTypeCode(type as EventType)] = weight as number;
    }
    this.#attributes = itemAttributes(options.catalog ?? new Map(), items);
    this.#popular = null;
    if (factors !== undefined && this.#factors !== null) {
      const top = topK(columnCounts(factors.seen), options.depth);
      this.#popular = this.#source('popular', top, this.#factors);
    }
  }

  /** Item id of a serving index. */
  itemId(index: number): string {
    return this.items.idAt(index);
  }

  /** The item's title from the catalog ('' when unknown). */
  titleOf(item: string): string {
    return this.catalog?.get(item)?.title ?? '';
  }

  /** True when the factor model has this customer's factors. */
  knowsCustomer(customerId: string): boolean {
    return (this.#customers?.indexOf(customerId) ?? -1) >= 0;
  }

  /**
   * The top-k for a customer, computed: see the module comment. Warnings name what was left out
   * (unknown recent items) or could not be done (a model without fold-in).
   *
   * Throws INVALID_ARGUMENT for a filter or rules without a catalog, and ranking's errors for bad
   * filters or rules; UNKNOWN_ID when the model set has nothing to answer with.
   */
  recommend(customerId: string, options: ServeRecommendOptions): ServedList {
    const where = 'models/recommend';
    const o = this.#o;
    const { factors } = this.models;
    const warnings: string[] = [];
    const now = options.now ?? o.clock();
    if ((options.filter !== undefined || options.rules !== undefined) && this.catalog === undefined) {
      throw invalidArgument(
        where,
        'filter and rules need a catalog (in the models or createEngine({ catalog }))',
        options.filter,
      );
    }
    const { history, recent } = this.#historyOf(customerId, options.recentItems ?? [], now, warnings);
    const personal: CandidateSource[] = [];
    let folded = false;
    let mfHistory: { items: Int32Array; values: Float32Array } | null = null;
    if (factors !== undefined && this.#factors !== null) {
      const u = this.#customers?.indexOf(customerId) ?? -1;
      const name = factors.model.algorithm;
      if (u >= 0) {
        const seen = this.#seen as Csr;
        const from = seen.indptr[u] as number;
        const to = seen.indptr[u + 1] as number;
        mfHistory = { items: seen.indices.subarray(from, to), values: seen.data.subarray(from, to) };
        const top =
          options.personal ??
          (recommendItems(factors.model, Int32Array.of(u), {
            k: o.depth,
            exclude: o.includeSeen ? undefined : seen,
            kernel: 'auto',
            scratch: this.#scratch,
          })[0] as TopK);
        personal.push(this.#source(name, top, this.#factors));
      } else {
        mfHistory = this.#factorHistory(history);
        if (mfHistory.items.length > 0 && factors.model.algorithm === 'als') {
          const x = recalculateUser(factors.model as AlsModel, mfHistory.items, mfHistory.values);
          const exclude = o.includeSeen ? undefined : singleRow(mfHistory.items, factors.model.items);
          const [top] = recommendItems({ ...factors.model, userFactors: x }, Int32Array.of(0), {
            k: o.depth,
            exclude,
            kernel: 'auto',
            scratch: this.#scratch,
          });
          personal.push(this.#source(name, top as TopK, this.#factors));
          folded = true;
        } else if (mfHistory.items.length > 0) {
          warnings.push(`${name} has no fold-in: its list is left out for customers it was not trained on`);
        }
      }
    }
    const curated = this.#curatedSources();
    const cooccurrence = this.models.cooccurrence;
    const plan = chooseSources(
      history,
      {
        personal,
        curated,
        ...(cooccurrence === undefined || this.#cooccurrence === null
          ? {}
          : { together: (item: number) => this.#togetherOf(cooccurrence, item) }),
      },
      { maxSeeds: o.maxSeeds, backfillWeight: o.backfillWeight, togetherName: o.relation },
    );
    if (plan.sources.every((s) => s.ids.length === 0)) {
      throw new EncoreError(
        ErrorCode.UNKNOWN_ID,
        `${where}: nothing to recommend to '${customerId}': the models know neither the customer nor their items, and no curated lists are loaded`,
        { value: customerId },
      );
    }
    const ranked = rankItems(
      plan.sources,
      { attributes: this.#attributes, history, now },
      this.#rankOptions(where, options, o.includeSeen ? [] : recent),
    );
    const source: ServedSource = folded && plan.strategy === 'personal' ? 'fold-in' : STRATEGY_SOURCE[plan.strategy];
    return { items: this.#served(ranked, mfHistory), source, warnings };
  }

  /**
   * Items that go with one item or a cart (summed over the cart), from the co-occurrence model's
   * `relation` (default the serving relation). Unknown items add nothing (a warning each).
   *
   * Throws UNKNOWN_ID when no co-occurrence model is loaded; INVALID_ARGUMENT for an unknown relation.
   */
  together(
    itemIds: readonly string[],
    options: { readonly k: number; readonly relation?: string | undefined },
  ): ServedList {
    const where = 'models/together';
    const model = this.models.cooccurrence;
    if (model === undefined || this.#cooccurrence === null) {
      throw new EncoreError(
        ErrorCode.UNKNOWN_ID,
        `${where}: no co-occurrence model is loaded to answer ${itemIds.join(', ')}`,
        {
          value: itemIds,
        },
      );
    }
    const relation = options.relation ?? this.#o.relation;
    relationOf(model, relation);
    const warnings: string[] = [];
    const seeds: number[] = [];
    for (const id of itemIds) {
      const own = this.#cooccurrence.fromServing[this.items.indexOf(id)] ?? -1;
      if (own < 0) warnings.push(`unknown item '${id}': not in the model, it adds no neighbours`);
      else if (!seeds.includes(own)) seeds.push(own);
    }
    if (seeds.length === 0) return { items: [], source: 'cooccurrence', warnings };
    const found = together(model, seeds, { k: options.k, relation });
    // The seed behind each item: the input item whose own list scores it highest.
    const lists =
      seeds.length === 1
        ? null
        : seeds.map((seed) => together(model, [seed], { k: Math.max(options.k, this.#o.togetherDepth), relation }));
    const items = Array.from(found.ids, (own, r): ServedItem => {
      let seed = seeds[0] as number;
      if (lists !== null) {
        let best = Number.NEGATIVE_INFINITY;
        lists.forEach((list, l) => {
          const at = list.ids.indexOf(own);
          if (at >= 0 && (list.scores[at] as number) > best) {
            best = list.scores[at] as number;
            seed = seeds[l] as number;
          }
        });
      }
      return {
        item: model.itemIds[own] as string,
        score: found.scores[r] as number,
        because: [{ source: relation, item: model.itemIds[seed] as string }],
        support: found.support[r] as number,
      };
    });
    return { items, source: 'cooccurrence', warnings };
  }

  /**
   * A curated list from the shelf ('best-sellers', 'trending', 'top-rated', 'most-wished'),
   * overall or for a category; undefined when the shelf has no such list (or no shelf is loaded).
   */
  list(name: string, options: { readonly k: number; readonly category?: string | undefined }): ServedList | undefined {
    const shelf = this.models.shelf;
    if (shelf === undefined) return undefined;
    const list = shelfList(shelf, name, options.category);
    if (list === undefined) return undefined;
    const n = Math.min(options.k, list.ids.length);
    const items: ServedItem[] = new Array(n);
    for (let r = 0; r < n; r++) {
      items[r] = {
        item: shelf.itemIds[list.ids[r] as number] as string,
        score: list.scores[r] as number,
        because: [{ source: name }],
      };
    }
    return { items, source: 'lists', warnings: [] };
  }

  /**
   * What a shop shows when it cannot afford to compute a customer's list (the engine's load
   * shedding): the shelf's 'best-sellers' overall, else the factor model's items bought by the most
   * customers (source 'popular', each item because 'popular'); undefined when the models have
   * neither. Costs a copy of k items.
   */
  bestSellers(k: number): ServedList | undefined {
    const shelf = this.list('best-sellers', { k });
    if (shelf !== undefined || this.#popular === null) return shelf;
    const { ids, scores } = this.#popular;
    const n = Math.min(k, ids.length);
    const items: ServedItem[] = new Array(n);
    for (let r = 0; r < n; r++) {
      items[r] = {
        item: this.items.idAt(ids[r] as number),
        score: scores[r] as number,
        because: [{ source: 'popular' }],
      };
    }
    return { items, source: 'popular', warnings: [] };
  }

  /**
   * A ranked list computed elsewhere (a cached one) filtered and ruled as a computed list would
   * be, each item keeping its explanation. Items the serving space does not know are left out.
   *
   * Throws INVALID_ARGUMENT for a filter or rules without a catalog, and ranking's errors.
   */
  reshape(
    list: {
      readonly ids: readonly string[];
      readonly scores: ArrayLike<number>;
      readonly because?: readonly (readonly Because[])[] | undefined;
    },
    options: Pick<ServeRecommendOptions, 'k' | 'filter' | 'rules'>,
  ): ServedItem[] {
    const where = 'models/reshape';
    if ((options.filter !== undefined || options.rules !== undefined) && this.catalog === undefined) {
      throw invalidArgument(
        where,
        'filter and rules need a catalog (in the models or createEngine({ catalog }))',
        options.filter,
      );
    }
    const ids: number[] = [];
    const scores: number[] = [];
    const because = new Map<number, readonly Because[]>();
    list.ids.forEach((id, r) => {
      const i = this.items.indexOf(id);
      if (i < 0 || because.has(i)) return;
      ids.push(i);
      scores.push(list.scores[r] as number);
      because.set(i, list.because?.[r] ?? []);
    });
    const ranked = rankItems(
      [{ name: 'cache', ids: Int32Array.from(ids), scores: Float64Array.from(scores) }],
      { attributes: this.#attributes },
      { ...this.#rankOptions(where, options, []), exclude: {}, normalize: options.rules?.normalize ?? 'none' },
    );
    return Array.from(ranked.ids, (i, r) => ({
      item: this.items.idAt(i),
      score: ranked.scores[r] as number,
      because:
        ranked.explanations[r]?.pinned === true && !because.has(i) ? [{ source: 'pinned' }] : (because.get(i) ?? []),
    }));
  }

  /** A source of candidates in the serving space from a top list in a model's space. */
  #source(name: string, top: TopK, space: Space): CandidateSource {
    return { name, ids: translated(top.ids, space.toServing), scores: top.scores };
  }

  /**
   * The curated sources (serving space), each at its weight; without curated lists to show, the
   * factor model's most popular items (bought by the most customers) stand in.
   */
  #curatedSources(): readonly CandidateSource[] {
    // The same for every request (the models and options do not change): made once.
    this.#curated ??= Object.freeze(this.#makeCuratedSources());
    return this.#curated;
  }

  #makeCuratedSources(): CandidateSource[] {
    const shelf = this.models.shelf;
    const space = this.#shelf;
    const out: CandidateSource[] = [];
    if (shelf === undefined || space === null) {
      if (this.#popular !== null) out.push(this.#popular);
      return out;
    }
    for (const { name, weight } of this.#o.curated) {
      const list = shelfList(shelf, name);
      if (list === undefined || list.ids.length === 0) continue;
      const n = Math.min(list.ids.length, this.#o.depth);
      out.push({
        name,
        ids: translated(list.ids.subarray(0, n), space.toServing),
        scores: list.scores.subarray(0, n),
        weight,
      });
    }
    if (out.length === 0 && this.#popular !== null) out.push(this.#popular);
    return out;
  }

  /** Bought-together of one serving item, in the serving space; undefined when the model lacks it. */
  #togetherOf(model: CooccurrenceModel, item: number): TopK | undefined {
    const space = this.#cooccurrence as Space;
    const own = space.fromServing[item] ?? -1;
    if (own < 0) return undefined;
    const found = together(model, [own], { k: this.#o.togetherDepth, relation: this.#o.relation });
    return { ids: translated(found.ids, space.toServing), scores: found.scores };
  }

  /** The customer's timeline in the serving space, then `recentItems` as views at `now`. */
  #historyOf(
    customerId: string,
    recentItems: readonly string[],
    now: number,
    warnings: string[],
  ): { history: CustomerHistory; recent: readonly number[] } {
    const saved = this.models.histories;
    const space = this.#histories;
    let items = new Int32Array(0);
    let types = new Uint8Array(0);
    let times = new Float64Array(0);
    if (saved !== undefined && space !== null) {
      const own = historyOf(saved.histories, customerId);
      // Events after `now` are not yet history (a model replayed for an earlier date).
      let n = own.times.length;
      while (n > 0 && (own.times[n - 1] as number) > now) n--;
      items = translated(own.items.subarray(0, n), space.toServing);
      types = own.types.slice(0, n);
      times = own.times.slice(0, n);
    }
    const recent: number[] = [];
    for (const id of recentItems) {
      const i = this.items.indexOf(id);
      if (i < 0) warnings.push(`unknown item '${id}': not in the model, left out`);
      else if (!recent.includes(i)) recent.push(i);
    }
    if (recent.length === 0) return { history: { items, types, times }, recent };
    const at = Math.max(now, times.length === 0 ? now : (times[times.length - 1] as number));
    const history = {
      items: Int32Array.from([...items, ...recent]),
      types: Uint8Array.from([...types, ...recent.map(() => VIEW)]),
      times: Float64Array.from([...times, ...recent.map(() => at)]),
    };
    return { history, recent };
  }

  /** A timeline as the factor model's input: its items (factor indices, ascending) with their weights. */
  #factorHistory(history: CustomerHistory): { items: Int32Array; values: Float32Array } {
    const space = this.#factors as Space;
    const weight = new Map<number, number>();
    for (let p = 0; p < history.items.length; p++) {
      const own = space.fromServing[history.items[p] as number] ?? -1;
      const w = Math.max(this.#weights[history.types[p] as number] as number, history.types[p] === VIEW ? 1 : 0);
      if (own < 0 || w <= 0) continue;
      weight.set(own, Math.max(weight.get(own) ?? 0, w));
    }
    const items = Int32Array.from([...weight.keys()].sort((a, b) => a - b));
    return { items, values: Float32Array.from(items, (i) => weight.get(i) as number) };
  }

  /** The request's filter and rules in the serving space; the items just seen (`recent`) are left out. */
  #rankOptions(
    where: string,
    options: Pick<ServeRecommendOptions, 'k' | 'filter' | 'rules'>,
    recent: readonly number[],
  ): RankOptions {
    const index = (ids: readonly string[] | undefined, what: string): Int32Array => {
      if (ids === undefined) return new Int32Array(0);
      if (!Array.isArray(ids)) throw invalidArgument(where, `${what} must be an array of item ids`, ids);
      return Int32Array.from(ids.map((id) => this.items.indexOf(id)).filter((i) => i >= 0));
    };
    const { items, excludeItems, ...filter } = options.filter ?? {};
    const rules = options.rules ?? {};
    const pins = (rules.pins ?? [])
      .map((p) => ({ item: this.items.indexOf(p.item), slot: p.slot }))
      .filter((p) => p.item >= 0);
    return {
      k: options.k,
      // Seen items kept: nothing the customer did leaves an item out (rankItems' default leaves
      // out what they bought or have in their cart).
      ...(this.#o.includeSeen ? { exclude: {} } : {}),
      filter: {
        ...filter,
        ...(items === undefined ? {} : { items: index(items, 'filter.items') }),
        ...(excludeItems === undefined && recent.length === 0
          ? {}
          : { excludeItems: Int32Array.from([...index(excludeItems, 'filter.excludeItems'), ...recent]) }),
      },
      ...(rules.marginBoost === undefined ? {} : { marginBoost: rules.marginBoost }),
      ...(rules.promotionBoost === undefined ? {} : { promotionBoost: rules.promotionBoost }),
      ...(rules.buryOutOfStock === undefined ? {} : { buryOutOfStock: rules.buryOutOfStock }),
      ...(rules.maxPerCategory === undefined ? {} : { maxPerCategory: rules.maxPerCategory }),
      ...(rules.normalize === undefined ? {} : { normalize: rules.normalize }),
      ...(rules.bury === undefined ? {} : { bury: index(rules.bury, 'rules.bury') }),
      ...(pins.length === 0 ? {} : { pins }),
    };
  }

  /** The ranked list as served items, the factor model's contributions explained by the customer's items. */
  #served(ranked: RankedList, mfHistory: { items: Int32Array; values: Float32Array } | null): ServedItem[] {
    const factors = this.models.factors;
    const name = factors?.model.algorithm;
    // Which listed items the factor model proposed: their "because" comes from its explanation.
    const mfBecause = new Map<number, string>();
    if (factors !== undefined && mfHistory !== null && mfHistory.items.length > 0) {
      const space = this.#factors as Space;
      const wanted: number[] = [];
      ranked.explanations.forEach((e, r) => {
        if (e.contributions.some((c) => c.source === name)) {
          const own = space.fromServing[ranked.ids[r] as number] ?? -1;
          if (own >= 0) wanted.push(own);
        }
      });
      if (wanted.length > 0) {
        const recommended = Int32Array.from(wanted);
        const { terms } = explainFactors(factors.model, mfHistory.items, recommended, mfHistory.values);
        const n = mfHistory.items.length;
        recommended.forEach((own, r) => {
          let best = 0;
          let at = -1;
          for (let h = 0; h < n; h++) {
            if ((terms[r * n + h] as number) > best) {
              best = terms[r * n + h] as number;
              at = h;
            }
          }
          if (at >= 0)
            mfBecause.set(space.toServing[own] as number, factors.itemIds[mfHistory.items[at] as number] as string);
        });
      }
    }
    return Array.from(ranked.ids, (i, r): ServedItem => {
      const explanation = ranked.explanations[r];
      const because: Because[] = [];
      for (const c of explanation?.contributions ?? []) {
        const item = c.because >= 0 ? this.items.idAt(c.because) : c.source === name ? mfBecause.get(i) : undefined;
        because.push(item === undefined ? { source: c.source } : { source: c.source, item });
      }
      if (because.length === 0 && explanation?.pinned === true) because.push({ source: 'pinned' });
      return { item: this.items.idAt(i), score: ranked.scores[r] as number, because };
    });
  }
}

/**
 * Served items as the value a cache holds (@encore/cache's RankedItems): ids, scores and each
 * item's explanation.
 */
export function listValue(items: readonly ServedItem[]): {
  readonly ids: string[];
  readonly scores: Float32Array;
  readonly because: (readonly Because[])[];
} {
  return {
    ids: items.map((i) => i.item),
    scores: Float32Array.from(items, (i) => i.score),
    because: items.map((i) => i.because),
  };
}

/** `ids` of a model's item space in the serving space (a loop: Int32Array.from with a callback is ~3× slower). */
function translated(ids: Int32Array, toServing: Int32Array): Int32Array<ArrayBuffer> {
  const out = new Int32Array(ids.length);
  for (let p = 0; p < ids.length; p++) out[p] = toServing[ids[p] as number] as number;
  return out;
}

/** A one-row Csr holding `items` (ascending): what a folded-in customer already has. */
function singleRow(items: Int32Array, cols: number): Csr {
  return {
    rows: 1,
    cols,
    indptr: Int32Array.of(0, items.length),
    indices: items,
    data: new Float32Array(items.length).fill(1),
    times: null,
  };
}
