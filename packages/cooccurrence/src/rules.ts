/**
 * Frequent itemsets and association rules over market baskets, for bundle suggestions
 * ("customers who bought {A, B} also bought C").
 *
 * Itemsets are mined with FP-growth (Han, Pei & Yin 2000, see internal/fpgrowth.ts); rules follow
 * Agrawal, Imieliński & Swami (1993), "Mining association rules between sets of items in large
 * databases", SIGMOD '93, with the measures of Brin, Motwani, Ullman & Tsur (1997), "Dynamic
 * itemset counting and implication rules for market basket data" (lift, conviction) and
 * Piatetsky-Shapiro (1991) (leverage).
 *
 * The semantics are those of R's arules `apriori()` (Borgelt's C implementation), so results can be
 * checked against it number for number:
 * - minimum count = ⌈N · minSupport⌉ in floating point (`ceil(tacnt * supp)` in istree.c), every
 *   support test is `count ≥ minimum count`;
 * - rules have exactly one item in the consequent; `maxLength` counts antecedent + consequent
 *   (arules `maxlen`, default 10); `minLength` = 1 (arules `minlen`, the default) also yields rules
 *   with an empty antecedent, `{} ⇒ {x}`, whose confidence is the support of x;
 * - a rule is kept when confidence ≥ minConfidence − 1e-12 (istree.c's EPSILON for round-off);
 * - lift is computed as confidence · N / count(consequent), as istree.c does.
 *
 * One deliberate difference: N counts the non-empty rows of the basket matrix only (arules counts
 * empty transactions too). An Encore basket always holds an item; an empty row is an order whose
 * events were all of other types (returns, say), and must not dilute every support.
 */
import { type Csr, checkCsr, checkInteger, checkNumber, invalidArgument } from '@encore/core';
import { fpGrowth } from './internal/fpgrowth.js';

/** An itemset found in at least the minimum number of baskets. */
export interface Itemset {
  /** Item indices (columns of the basket matrix), ascending. A view into a shared buffer: do not mutate. */
  readonly items: Int32Array;
  /** Number of baskets containing every item. */
  readonly count: number;
  /** count / number of baskets. */
  readonly support: number;
}

/** What `mineFrequentItemsets` returns. */
export interface FrequentItemsets {
  /** Number of baskets mined, N: the rows of the basket matrix that hold at least one item. */
  readonly basketCount: number;
  readonly minSupport: number;
  /** The count threshold actually applied: ⌈N · minSupport⌉ (at least 1). */
  readonly minCount: number;
  readonly maxLength: number;
  /** Every itemset of 1..maxLength items with count ≥ minCount, by length, then lexicographically by item index. */
  readonly itemsets: readonly Itemset[];
}

/** Options of `mineFrequentItemsets`. Defaults in DEFAULT_ITEMSET_OPTIONS. */
export interface ItemsetOptions {
  /** Minimum support, in (0, 1]: an itemset must be in at least ⌈N · minSupport⌉ baskets. Default 0.1. */
  readonly minSupport?: number;
  /** Maximum number of items per itemset, an integer ≥ 1. Default 10. */
  readonly maxLength?: number;
}

/** Defaults of ItemsetOptions: those of arules `apriori()` (support 0.1, maxlen 10). */
export const DEFAULT_ITEMSET_OPTIONS = Object.freeze({ minSupport: 0.1, maxLength: 10 });

/**
 * An association rule antecedent ⇒ consequent. With supp(X) = share of baskets containing X:
 * support = supp(A ∪ C), coverage = supp(A), confidence = supp(A ∪ C) / supp(A),
 * lift = confidence / supp(C), leverage = supp(A ∪ C) − supp(A) · supp(C),
 * conviction = (1 − supp(C)) / (1 − confidence).
 */
export interface AssociationRule {
  /** Item indices, ascending; empty for `{} ⇒ {x}` rules. View into a shared buffer: do not mutate. */
  readonly antecedent: Int32Array;
  /** Item indices, ascending; always exactly one item (as arules `apriori` mines them). */
  readonly consequent: Int32Array;
  /** Number of baskets containing antecedent ∪ consequent. */
  readonly count: number;
  readonly support: number;
  /** Support of the antecedent (1 when it is empty). */
  readonly coverage: number;
  readonly confidence: number;
  readonly lift: number;
  readonly leverage: number;
  /**
   * Infinity when confidence is 1 (the rule never fails). JSON cannot hold Infinity:
   * `JSON.stringify` writes it as null, and `serializeRules` returns null for it.
   */
  readonly conviction: number;
}

/** Options of `associationRules`. Defaults in DEFAULT_RULE_OPTIONS. */
export interface RuleOptions {
  /** Minimum confidence, in [0, 1]. Default 0.8. */
  readonly minConfidence?: number;
  /** Minimum lift, ≥ 0. Default 0 (no filter). */
  readonly minLift?: number;
  /**
   * Minimum number of items in antecedent + consequent, an integer ≥ 1. Default 1, which (as in
   * arules) includes rules with an empty antecedent; 2 drops them.
   */
  readonly minLength?: number;
  /** Maximum number of items in antecedent + consequent. Default: the itemsets' maxLength. */
  readonly maxLength?: number;
}

/** Defaults of RuleOptions: those of arules `apriori()` (confidence 0.8, minlen 1). */
export const DEFAULT_RULE_OPTIONS = Object.freeze({ minConfidence: 0.8, minLift: 0, minLength: 1 });

/** Options of `mineRules`: itemset and rule options; `maxLength` bounds both. */
export interface MineRulesOptions extends ItemsetOptions, RuleOptions {}

/** What `mineRules` returns. */
export interface RuleMiningResult {
  readonly itemsets: FrequentItemsets;
  /** Sorted by lift desc, support desc, then antecedent and consequent lexicographically. */
  readonly rules: AssociationRule[];
}

/** Round-off allowance of the confidence test, as in Borgelt's istree.c (EPSILON). */
const CONFIDENCE_EPSILON = 1e-12;

/**
 * Every itemset contained in at least ⌈N · minSupport⌉ baskets, up to `maxLength` items, by
 * FP-growth. `baskets` is a baskets × items matrix: each stored entry of row b marks one item of
 * basket b (values are ignored; columns of a row must be distinct, as `cooToCsr` leaves them).
 * Empty rows are not baskets: supports are shares of the non-empty rows. Never mutates its input.
 * An empty matrix gives no itemsets.
 *
 * Errors: INVALID_ARGUMENT when minSupport is not in (0, 1], maxLength is not an integer ≥ 1, or the
 * matrix is malformed (details hold the value).
 *
 * @example
 * const { itemsets } = mineFrequentItemsets(baskets, { minSupport: 0.01, maxLength: 3 });
 * for (const s of itemsets) console.log([...s.items].map((i) => items.idAt(i)), s.support);
 */
export function mineFrequentItemsets(baskets: Csr, options?: ItemsetOptions): FrequentItemsets {
  const where = 'cooccurrence/mineFrequentItemsets';
  const opts = resolveItemsetOptions(where, options);
  checkCsr(where, 'baskets', baskets);
  return mineResolved(baskets, opts.minSupport, opts.maxLength);
}

/**
 * Association rules with a single-item consequent from frequent itemsets: for each itemset X of
 * minLength..maxLength items and each x in X, the rule X \ {x} ⇒ {x} when its confidence is at
 * least minConfidence and its lift at least minLift. Sorted by lift desc, support desc, then
 * antecedent and consequent lexicographically (by item index).
 *
 * `frequent` must hold every subset of each of its itemsets, as `mineFrequentItemsets` returns
 * them (support is anti-monotone, so filtering by support or length keeps that property).
 *
 * Errors: INVALID_ARGUMENT when minConfidence is not in [0, 1], minLift is negative or not finite,
 * minLength or maxLength is not an integer ≥ 1, minLength > maxLength, or an antecedent is
 * missing from `frequent`.
 *
 * @example
 * const rules = associationRules(mineFrequentItemsets(baskets, { minSupport: 0.001 }), { minConfidence: 0.5 });
 */
export function associationRules(frequent: FrequentItemsets, options?: RuleOptions): AssociationRule[] {
  const where = 'cooccurrence/associationRules';
  if (typeof frequent !== 'object' || frequent === null || !Array.isArray(frequent.itemsets)) {
    throw invalidArgument(where, 'frequent must be the result of mineFrequentItemsets', frequent);
  }
  const opts = resolveRuleOptions(where, options, frequent.maxLength);
  return rulesResolved(where, frequent, opts);
}

/**
 * Mines frequent itemsets and then association rules in one call (see `mineFrequentItemsets` and
 * `associationRules`); `maxLength` bounds both. Defaults are those of arules `apriori()`.
 *
 * Errors: INVALID_ARGUMENT for any bad option or a malformed matrix.
 *
 * @example
 * const { matrix, items } = basketMatrix(log, { by: 'order' });
 * const { rules } = mineRules(matrix, { minSupport: 0.001, minConfidence: 0.5 });
 * const { rules } = mineRules(baskets, { minSupport: 0.001, minConfidence: 0.5 });
 * console.log(JSON.stringify(serializeRules(rules, items.ids())));
 */
export function mineRules(baskets: Csr, options?: MineRulesOptions): RuleMiningResult {
  const where = 'cooccurrence/mineRules';
  const itemsetOptions = resolveItemsetOptions(where, options);
  const ruleOptions = resolveRuleOptions(where, options, itemsetOptions.maxLength);
  checkCsr(where, 'baskets', baskets);
  const itemsets = mineResolved(baskets, itemsetOptions.minSupport, itemsetOptions.maxLength);
  return { itemsets, rules: rulesResolved(where, itemsets, ruleOptions) };
}

/** A rule in JSON-safe form, items named. */
export interface RuleRecord {
  readonly antecedent: string[];
  readonly consequent: string[];
  readonly support: number;
  readonly confidence: number;
  readonly lift: number;
  readonly leverage: number;
  /** null when the conviction is infinite (confidence 1). */
  readonly conviction: number | null;
  readonly coverage: number;
  readonly count: number;
}

/** An itemset in JSON-safe form, items named. */
export interface ItemsetRecord {
  readonly items: string[];
  readonly count: number;
  readonly support: number;
}

/**
 * Rules as plain JSON-safe objects with item names (`itemIds[i]` names item index i, e.g.
 * `items.ids()` of the IdMap that built the matrix). Infinite conviction becomes null.
 *
 * Errors: INVALID_ARGUMENT when an item index has no name.
 */
export function serializeRules(rules: readonly AssociationRule[], itemIds: readonly string[]): RuleRecord[] {
  const where = 'cooccurrence/serializeRules';
  return rules.map((rule) => ({
    antecedent: nameItems(where, rule.antecedent, itemIds),
    consequent: nameItems(where, rule.consequent, itemIds),
    support: rule.support,
    confidence: rule.confidence,
    lift: rule.lift,
    leverage: rule.leverage,
    conviction: Number.isFinite(rule.conviction) ? rule.conviction : null,
    coverage: rule.coverage,
    count: rule.count,
  }));
}

/** Itemsets as plain JSON-safe objects with item names (see `serializeRules`). */
export function serializeItemsets(frequent: FrequentItemsets, itemIds: readonly string[]): ItemsetRecord[] {
  const where = 'cooccurrence/serializeItemsets';
  return frequent.itemsets.map((s) => ({
    items: nameItems(where, s.items, itemIds),
    count: s.count,
    support: s.support,
  }));
}

// ---------------------------------------------------------------------------------------------

interface ResolvedRuleOptions {
  readonly minConfidence: number;
  readonly minLift: number;
  readonly minLength: number;
  readonly maxLength: number;
}

function resolveItemsetOptions(
  where: string,
  options: ItemsetOptions | undefined,
): { minSupport: number; maxLength: number } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument(where, 'options must be an object', options);
  }
  const minSupport = options?.minSupport ?? DEFAULT_ITEMSET_OPTIONS.minSupport;
  const maxLength = options?.maxLength ?? DEFAULT_ITEMSET_OPTIONS.maxLength;
  return {
    minSupport: checkNumber(where, 'minSupport', minSupport, Number.MIN_VALUE, 1),
    maxLength: checkInteger(where, 'maxLength', maxLength, 1),
  };
}

function resolveRuleOptions(
  where: string,
  options: RuleOptions | undefined,
  defaultMaxLength: number,
): ResolvedRuleOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument(where, 'options must be an object', options);
  }
  const minConfidence = checkNumber(
    where,
    'minConfidence',
    options?.minConfidence ?? DEFAULT_RULE_OPTIONS.minConfidence,
    0,
    1,
  );
  const minLift = checkNumber(where, 'minLift', options?.minLift ?? DEFAULT_RULE_OPTIONS.minLift, 0);
  const minLength = checkInteger(where, 'minLength', options?.minLength ?? DEFAULT_RULE_OPTIONS.minLength, 1);
  const maxLength = checkInteger(where, 'maxLength', options?.maxLength ?? defaultMaxLength, 1);
  if (minLength > maxLength) {
    throw invalidArgument(where, `minLength must be at most maxLength (${maxLength})`, minLength);
  }
  return { minConfidence, minLift, minLength, maxLength };
}

function mineResolved(baskets: Csr, minSupport: number, maxLength: number): FrequentItemsets {
  // Empty rows are not baskets (a matrix may keep a row for every order, including those whose
  // only events were returns); arules would count empty transactions, but no Encore basket is empty.
  let n = 0;
  for (let r = 0; r < baskets.rows; r++) if ((baskets.indptr[r + 1] as number) > (baskets.indptr[r] as number)) n++;
  // arules: ceil(tacnt * supp) in double precision (istree.c); at least one basket.
  const minCount = Math.max(1, Math.ceil(n * minSupport));
  const flat = fpGrowth(baskets, minCount, maxLength);

  // Order: by length, then lexicographically. Lay the items out again in that order so each
  // itemset's view is contiguous.
  const order = new Int32Array(flat.size);
  for (let s = 0; s < flat.size; s++) order[s] = s;
  const { offsets, items, counts } = flat;
  order.sort((a, b) => {
    const la = (offsets[a + 1] as number) - (offsets[a] as number);
    const lb = (offsets[b + 1] as number) - (offsets[b] as number);
    if (la !== lb) return la - lb;
    for (let i = offsets[a] as number, j = offsets[b] as number, end = i + la; i < end; i++, j++) {
      const d = (items[i] as number) - (items[j] as number);
      if (d !== 0) return d;
    }
    return 0;
  });
  const laidOut = new Int32Array(items.length);
  const itemsets: Itemset[] = new Array(flat.size);
  let at = 0;
  for (let k = 0; k < flat.size; k++) {
    const s = order[k] as number;
    const start = offsets[s] as number;
    const end = offsets[s + 1] as number;
    laidOut.set(items.subarray(start, end), at);
    const count = counts[s] as number;
    itemsets[k] = { items: laidOut.subarray(at, at + end - start), count, support: count / n };
    at += end - start;
  }
  return { basketCount: n, minSupport, minCount, maxLength, itemsets };
}

/** -1, 0, 1 as a is shorter/equal/longer, then lexicographically; `skip` drops one position of a. */
function compareItemsets(a: Int32Array, skip: number, b: Int32Array): number {
  const la = skip < 0 ? a.length : a.length - 1;
  if (la !== b.length) return la - b.length;
  for (let i = 0, j = 0; j < b.length; i++) {
    if (i === skip) continue;
    const d = (a[i] as number) - (b[j] as number);
    if (d !== 0) return d;
    j++;
  }
  return 0;
}

function rulesResolved(where: string, frequent: FrequentItemsets, opts: ResolvedRuleOptions): AssociationRule[] {
  const { itemsets, basketCount: n } = frequent;
  // Index sorted by (length, lexicographic) for binary-search lookups of antecedents; the
  // itemsets of mineFrequentItemsets are in that order already.
  let sorted = itemsets;
  for (let k = 1; k < itemsets.length; k++) {
    if (compareItemsets((itemsets[k - 1] as Itemset).items, -1, (itemsets[k] as Itemset).items) >= 0) {
      sorted = [...itemsets].sort((a, b) => compareItemsets(a.items, -1, b.items));
      break;
    }
  }
  const countOf = (items: Int32Array, skip: number): number => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = sorted[mid] as Itemset;
      const d = compareItemsets(items, skip, s.items);
      if (d === 0) return s.count;
      if (d > 0) lo = mid + 1;
      else hi = mid - 1;
    }
    const missing = [...items].filter((_, i) => i !== skip);
    throw invalidArgument(where, 'frequent lacks a subset of one of its itemsets (use mineFrequentItemsets)', missing);
  };

  const { minConfidence, minLift, minLength, maxLength } = opts;
  const single = new Int32Array(1);
  const empty = new Int32Array(0);
  const rules: AssociationRule[] = [];
  for (const set of sorted) {
    const len = set.items.length;
    if (len < minLength || len > maxLength) continue;
    const count = set.count;
    const support = count / n;
    for (let j = 0; j < len; j++) {
      const lhsCount = len === 1 ? n : countOf(set.items, j);
      const confidence = count / lhsCount;
      if (confidence < minConfidence - CONFIDENCE_EPSILON) continue;
      const x = set.items[j] as number;
      single[0] = x;
      const rhsCount = len === 1 ? count : countOf(single, -1);
      const lift = (confidence * n) / rhsCount;
      if (lift < minLift) continue;
      const coverage = lhsCount / n;
      const rhsSupport = rhsCount / n;
      let antecedent = empty;
      if (len > 1) {
        antecedent = new Int32Array(len - 1);
        for (let i = 0, k = 0; i < len; i++) if (i !== j) antecedent[k++] = set.items[i] as number;
      }
      rules.push({
        antecedent,
        consequent: Int32Array.of(x),
        count,
        support,
        coverage,
        confidence,
        lift,
        leverage: support - coverage * rhsSupport,
        conviction: confidence === 1 ? Number.POSITIVE_INFINITY : (1 - rhsSupport) / (1 - confidence),
      });
    }
  }
  rules.sort(compareRules);
  return rules;
}

function compareRules(a: AssociationRule, b: AssociationRule): number {
  if (a.lift !== b.lift) return b.lift - a.lift;
  if (a.count !== b.count) return b.count - a.count;
  const n = Math.min(a.antecedent.length, b.antecedent.length);
  for (let i = 0; i < n; i++) {
    const d = (a.antecedent[i] as number) - (b.antecedent[i] as number);
    if (d !== 0) return d;
  }
  if (a.antecedent.length !== b.antecedent.length) return a.antecedent.length - b.antecedent.length;
  return (a.consequent[0] as number) - (b.consequent[0] as number);
}

function nameItems(where: string, items: Int32Array, itemIds: readonly string[]): string[] {
  const names: string[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const name = itemIds[items[i] as number];
    if (name === undefined) throw invalidArgument(where, 'item index has no name in itemIds', items[i]);
    names[i] = name;
  }
  return names;
}
