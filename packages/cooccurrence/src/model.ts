import type { EventType } from '@encore/core';
import { type CustomerAssignment, checkOptions, defaultCustomers, type EventLog, invalidArgument } from '@encore/core';
import { type BasketKind, basketMatrix } from './baskets.js';
import {
  buildCooccurrence,
  buildCrossOccurrence,
  type CooccurrenceOptions,
  type CooccurrenceRelation,
} from './cooccurrence.js';

/**
 * A co-occurrence model: the relations of one item index space, plus its item ids. Plain data
 * (arrays, typed arrays, strings, numbers), so msgpackr packs it as is and a worker can receive it.
 *
 * Shape (version 1):
 * - `version`: 1.
 * - `items`: size of the item index space (every relation's rows and cols are ≤ items).
 * - `itemIds`: item id of each index (the log's item IdMap, `ids()`), length `items`.
 * - `relations`: the relations, each a {@link CooccurrenceRelation} with a unique `name`. An
 *   array rather than a record, so relation names are never object keys.
 */
export interface CooccurrenceModel {
  readonly version: 1;
  readonly items: number;
  readonly itemIds: readonly string[];
  readonly relations: readonly CooccurrenceRelation[];
}

/** What one relation of {@link buildCooccurrenceModel} is built from. */
export interface RelationSpec extends CooccurrenceOptions {
  readonly name: string;
  /** Basket key (default 'order'). */
  readonly by?: BasketKind;
  /** Source events (default ['purchase']). */
  readonly types?: readonly EventType[];
  /** Target events: present for a cross-occurrence (source → target) relation. */
  readonly targetTypes?: readonly EventType[];
  /** Only events in (now − windowDays, now] count. */
  readonly windowDays?: number;
  readonly now?: number;
}

/**
 * The three relations of a shop: bought together (orders), viewed together (sessions), viewed →
 * bought (customers: a view of X and a purchase of Y by the same customer, Mahout's CCO).
 */
export const DEFAULT_RELATIONS: readonly RelationSpec[] = Object.freeze([
  Object.freeze({ name: 'bought-together', by: 'order', types: Object.freeze(['purchase']) } as RelationSpec),
  Object.freeze({ name: 'viewed-together', by: 'session', types: Object.freeze(['view']) } as RelationSpec),
  Object.freeze({
    name: 'viewed-bought',
    by: 'customer',
    types: Object.freeze(['view']),
    targetTypes: Object.freeze(['purchase']),
  } as RelationSpec),
]);

/** The name of {@link customersAlso}'s relation. */
export const CUSTOMERS_ALSO = 'customers-also';

/**
 * "Customers who did this also did that": a co-occurrence over each customer's items of `types`
 * (a customer is the basket), the relation the item-based recommender (`cooccurrence`) scores and
 * the one a dataset without orders or sessions (ratings) has. Item pairs are counted once per
 * customer, however far apart in time.
 *
 * @example
 * buildCooccurrenceModel(log, { relations: [...DEFAULT_RELATIONS, customersAlso(['rate'])] });
 */
export function customersAlso(types: readonly EventType[]): RelationSpec {
  return Object.freeze({ name: CUSTOMERS_ALSO, by: 'customer', types: Object.freeze([...types]) } as RelationSpec);
}

/**
 * Why a relation of a model came out empty, in words for a report; undefined when it has edges.
 *
 * @example
 * emptyRelationReason(relationOf(model, 'viewed-together'), spec); // 'no session baskets of view events: …'
 */
export function emptyRelationReason(relation: CooccurrenceRelation, spec: RelationSpec): string | undefined {
  if (relation.neighbours.ids.length > 0) return undefined;
  const by = spec.by ?? 'order';
  const key = by === 'order' ? 'an orderId' : by === 'session' ? 'a sessionId' : '';
  const baskets = (types: readonly EventType[]): string =>
    `no ${by} baskets of ${types.join('/')} events in the data (events with an itemId${key === '' ? '' : ` and ${key}`})`;
  const none = (counts: Int32Array): boolean => counts.every((c) => c === 0);
  if (none(relation.rowCounts)) return `${relation.name} is empty: ${baskets(spec.types ?? ['purchase'])}`;
  if (spec.targetTypes !== undefined && none(relation.colCounts)) {
    return `${relation.name} is empty: ${baskets(spec.targetTypes)}`;
  }
  return `${relation.name} is empty: ${relation.baskets} ${by} baskets, but no item pair was seen together in ${relation.params.minSupport} or more of them (minSupport)`;
}

/**
 * Builds every relation of `relations` (default {@link DEFAULT_RELATIONS}) from one event log, in
 * the log's item index space. A relation whose events the log lacks (no sessions, no views) comes
 * out empty, not as an error. Customer baskets use `customers` (default core's
 * `defaultCustomers(log)`, resolved once for all relations).
 *
 * Throws INVALID_ARGUMENT for bad specs or duplicate relation names.
 *
 * @example
 * const model = buildCooccurrenceModel(log);
 * together(model, [log.item.ids.indexOf('sku-1')], { relation: 'bought-together', k: 10 });
 */
export function buildCooccurrenceModel(
  log: EventLog,
  options: { readonly relations?: readonly RelationSpec[]; readonly customers?: CustomerAssignment } = {},
): CooccurrenceModel {
  const where = 'cooccurrence/buildCooccurrenceModel';
  checkOptions(where, options, ['relations', 'customers']);
  // Resolved once and shared by every customer-basket relation (interning customers is not free).
  let customers = options.customers;
  const customersOf = (): CustomerAssignment => {
    customers ??= defaultCustomers(log);
    return customers;
  };
  const specs = options.relations ?? DEFAULT_RELATIONS;
  if (!Array.isArray(specs) || specs.length === 0) {
    throw invalidArgument(where, 'relations must be a non-empty array of relation specs', specs);
  }
  const seen = new Set<string>();
  const relations: CooccurrenceRelation[] = [];
  for (const spec of specs) {
    if (typeof spec !== 'object' || spec === null)
      throw invalidArgument(where, 'each relation must be an object', spec);
    const { by, types, targetTypes, windowDays, now, ...rest } = spec;
    if (seen.has(spec.name)) throw invalidArgument(where, 'relation names must be unique', spec.name);
    seen.add(spec.name);
    const basket = { by, windowDays, now, customers: by === 'customer' ? customersOf() : undefined };
    const a = basketMatrix(log, { ...defined(basket), ...defined({ types }) }).matrix;
    if (targetTypes === undefined) {
      relations.push(buildCooccurrence(a, rest));
    } else {
      const b = basketMatrix(log, { ...defined(basket), types: targetTypes }).matrix;
      relations.push(buildCrossOccurrence(a, b, rest));
    }
  }
  return { version: 1, items: log.item.ids.size, itemIds: log.item.ids.ids().slice(), relations };
}

function defined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The relation called `name`; INVALID_ARGUMENT naming the model's relations when absent. */
export function relationOf(model: CooccurrenceModel, name: string): CooccurrenceRelation {
  const relation = model.relations.find((r) => r.name === name);
  if (relation === undefined) {
    throw invalidArgument(
      'cooccurrence/relationOf',
      `no relation ${JSON.stringify(name)}, expected one of: ${model.relations.map((r) => r.name).join(', ')}`,
      name,
    );
  }
  return relation;
}
