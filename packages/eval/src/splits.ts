import {
  type Combine,
  type Coo,
  checkCoo,
  checkNumber,
  checkOptions,
  cooToCsr,
  createRng,
  csrToCoo,
  EncoreError,
  ErrorCode,
  groupByKey,
  invalidArgument,
} from '@encore/core';
import { Mt19937 } from './internal/mt19937.js';

/** The ways `splitInteractions` can hold out a test set. */
export const SPLIT_KINDS = Object.freeze(['item-stratified', 'user-stratified', 'temporal', 'leave-last'] as const);
export type SplitKind = (typeof SPLIT_KINDS)[number];

export interface SplitOptions {
  /** How to split (default 'user-stratified', the default of Microsoft Recommenders' `python_stratified_split`). */
  readonly kind?: SplitKind;
  /** Share of interactions in train, in (0, 1) (default 0.75). Not used by 'leave-last'. */
  readonly ratio?: number;
  /** Seed of every random choice (default 42, as in Microsoft Recommenders). Not used by 'temporal'. */
  readonly seed?: number;
}

/** Defaults of `splitInteractions`: MS Recommenders' `python_stratified_split(ratio=0.75, filter_by="user", seed=42)`. */
export const DEFAULT_SPLIT_OPTIONS: Readonly<Required<SplitOptions>> = Object.freeze({
  kind: 'user-stratified',
  ratio: 0.75,
  seed: 42,
});

/** A train / test split; both have the input's `rows` × `cols` shape and keep its row order. */
export interface Split {
  readonly train: Coo;
  readonly test: Coo;
}

const WHERE = 'eval/splitInteractions';

/**
 * Splits interactions (unique (customer, item) pairs, see {@link dedupePairs}) into train and test.
 * Every entry lands in exactly one side; both sides keep the input order, values and times. The
 * result is a pure function of the input and the options.
 *
 * - `'user-stratified'` / `'item-stratified'`: Microsoft Recommenders' `python_stratified_split`
 *   with `filter_by="user"` / `"item"` (recommenders/datasets/python_splitters.py,
 *   `_do_stratification`): one uniform key per entry, drawn in input order from numpy's legacy
 *   generator seeded with `seed` (`np.random.seed(seed); np.random.rand(n)`; reproduced bit for bit
 *   by an MT19937 port); entries sorted by (group, key); the entry of rank r (1-based) in a group of
 *   n goes to train when `r / n <= ratio`. So each group puts floor(ratio·n) entries in train (up to
 *   float rounding of r / n, matched exactly), **not** round(ratio·n): a group of 1 goes wholly to
 *   test, a group of 2 splits 1 / 1. Given the rows in the same order as the pandas DataFrame (e.g.
 *   MovieLens `u.data` in file order) the split is the same, row for row, as MS's.
 * - `'temporal'`: one global cut. Entries ordered by (time, customer, item); the first m go to
 *   train where m counts the ranks r with `r / n <= ratio` (the same rule). Entries sharing the cut
 *   time may fall on both sides, ordered by (customer, item); every train time ≤ every test time.
 *   Requires `time`. Ignores `seed`.
 * - `'leave-last'`: each customer's latest entry (by time) goes to test, the rest to train;
 *   customers with a single entry stay wholly in train. Ties on the latest time are broken by a
 *   `createRng(seed)` draw (customers visited in index order; a draw happens only on a tie).
 *   Requires `time`. Ignores `ratio`.
 *
 * INVALID_ARGUMENT for an unknown kind, `ratio` outside (0, 1), a non-finite `seed`, a malformed
 * matrix, repeated (customer, item) pairs, or a missing / non-finite `time` for the time-based kinds.
 *
 * @example
 * const { train, test } = splitInteractions(coo, { kind: 'item-stratified', ratio: 0.75, seed: 42 });
 */
export function splitInteractions(coo: Coo, options: SplitOptions = {}): Split {
  checkOptions(WHERE, options, Object.keys(DEFAULT_SPLIT_OPTIONS));
  const { kind, ratio, seed } = { ...DEFAULT_SPLIT_OPTIONS, ...options };
  if (!SPLIT_KINDS.includes(kind)) throw invalidArgument(WHERE, `kind must be one of ${SPLIT_KINDS.join(', ')}`, kind);
  checkNumber(WHERE, 'ratio', ratio);
  if (!(ratio > 0 && ratio < 1)) throw invalidArgument(WHERE, 'ratio must be in (0, 1), exclusive', ratio);
  checkNumber(WHERE, 'seed', seed);
  checkCoo(WHERE, 'coo', coo);
  const byCustomer = groupByKey(coo.row, coo.rows);
  checkUniquePairs(coo, byCustomer);

  let inTrain: Uint8Array;
  switch (kind) {
    case 'user-stratified':
      inTrain = stratified(coo, byCustomer, ratio, seed);
      break;
    case 'item-stratified':
      inTrain = stratified(coo, groupByKey(coo.col, coo.cols), ratio, seed);
      break;
    case 'temporal':
      inTrain = temporal(coo, requireTime(coo, kind), ratio);
      break;
    case 'leave-last':
      inTrain = leaveLast(requireTime(coo, kind), byCustomer, seed);
      break;
  }
  return { train: pick(coo, inTrain, 1), test: pick(coo, inTrain, 0) };
}

export interface DedupeOptions {
  /** How the values of a repeated pair combine (default 'sum'); the time kept is always the latest. */
  readonly combine?: Exclude<Combine, 'last'>;
}

/**
 * Unique (customer, item) pairs of `coo`: repeated pairs merge into one entry whose value is the sum
 * (or max) of theirs and whose time is the latest of theirs (core's `cooToCsr` + `csrToCoo`).
 * The splits expect unique pairs (otherwise the same pair could land in both train and test). The
 * output is in row-major order (customer, then item), so run `splitInteractions` on the original
 * order instead when the input is already unique and you need MS-identical stratified splits.
 *
 * INVALID_ARGUMENT for a malformed matrix or an unknown `combine`.
 */
export function dedupePairs(coo: Coo, options: DedupeOptions = {}): Coo {
  const where = 'eval/dedupePairs';
  checkOptions(where, options, ['combine']);
  const combine = options.combine ?? 'sum';
  if (combine !== 'sum' && combine !== 'max') throw invalidArgument(where, "combine must be 'sum' or 'max'", combine);
  checkCoo(where, 'coo', coo);
  return csrToCoo(cooToCsr(coo, { combine }));
}

/** Number of 1-based ranks r ≤ n with `r / n <= ratio`, evaluated in doubles as pandas does. */
export function trainCount(n: number, ratio: number): number {
  let m = Math.min(n, Math.max(0, Math.floor(ratio * n)));
  while (m < n && (m + 1) / n <= ratio) m++;
  while (m > 0 && m / n > ratio) m--;
  return m;
}

function stratified(
  coo: Coo,
  groups: { start: Int32Array; order: Int32Array },
  ratio: number,
  seed: number,
): Uint8Array {
  const n = coo.row.length;
  const rng = new Mt19937(seed);
  const key = new Float64Array(n);
  for (let e = 0; e < n; e++) key[e] = rng.nextDouble();
  const inTrain = new Uint8Array(n);
  const { start, order } = groups;
  for (let g = 0; g + 1 < start.length; g++) {
    const from = start[g] as number;
    const to = start[g + 1] as number;
    if (to === from) continue;
    // pandas sorts by (group, key); keys are 53-bit uniforms, ties essentially never happen and
    // fall back to input order.
    const members = order.subarray(from, to).sort((a, b) => key[a]! - key[b]! || a - b);
    const m = trainCount(to - from, ratio);
    for (let r = 0; r < m; r++) inTrain[members[r]!] = 1;
  }
  return inTrain;
}

function temporal(coo: Coo, time: Float64Array, ratio: number): Uint8Array {
  const n = time.length;
  const { row, col } = coo;
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[e] = e;
  order.sort((a, b) => time[a]! - time[b]! || row[a]! - row[b]! || col[a]! - col[b]!);
  const inTrain = new Uint8Array(n);
  const m = trainCount(n, ratio);
  for (let r = 0; r < m; r++) inTrain[order[r]!] = 1;
  return inTrain;
}

function leaveLast(time: Float64Array, byCustomer: { start: Int32Array; order: Int32Array }, seed: number): Uint8Array {
  const inTrain = new Uint8Array(time.length).fill(1);
  const rng = createRng(seed);
  const { start, order } = byCustomer;
  const tied: number[] = [];
  for (let u = 0; u + 1 < start.length; u++) {
    const from = start[u] as number;
    const to = start[u + 1] as number;
    if (to - from < 2) continue;
    let latest = Number.NEGATIVE_INFINITY;
    tied.length = 0;
    for (let p = from; p < to; p++) {
      const e = order[p] as number;
      const t = time[e] as number;
      if (t > latest) {
        latest = t;
        tied.length = 0;
      }
      if (t === latest) tied.push(e);
    }
    const chosen = tied.length === 1 ? tied[0] : tied[rng.int(tied.length)];
    inTrain[chosen as number] = 0;
  }
  return inTrain;
}

function requireTime(coo: Coo, kind: SplitKind): Float64Array {
  const time = coo.time;
  if (time === null) throw invalidArgument(WHERE, `the '${kind}' split needs time, got a matrix without times`, null);
  for (let e = 0; e < time.length; e++) {
    if (!Number.isFinite(time[e])) {
      throw invalidArgument(WHERE, `time of entry ${e} must be finite for the '${kind}' split`, time[e]);
    }
  }
  return time;
}

/** Repeated (customer, item) pairs would leak between train and test: reject them. O(n + cols). */
function checkUniquePairs(coo: Coo, byCustomer: { start: Int32Array; order: Int32Array }): void {
  const stamp = new Int32Array(coo.cols).fill(-1);
  const { start, order } = byCustomer;
  for (let u = 0; u + 1 < start.length; u++) {
    for (let p = start[u] as number, end = start[u + 1] as number; p < end; p++) {
      const c = coo.col[order[p]!] as number;
      if (stamp[c] === u) {
        throw new EncoreError(
          ErrorCode.INVALID_ARGUMENT,
          `${WHERE}: (customer ${u}, item ${c}) occurs more than once, expected unique pairs (see dedupePairs)`,
          { value: { row: u, col: c } },
        );
      }
      stamp[c] = u;
    }
  }
}

function pick(coo: Coo, inTrain: Uint8Array, side: 0 | 1): Coo {
  let n = 0;
  for (let e = 0; e < inTrain.length; e++) if (inTrain[e] === side) n++;
  const row = new Int32Array(n);
  const col = new Int32Array(n);
  const value = new Float32Array(n);
  const time = coo.time === null ? null : new Float64Array(n);
  let o = 0;
  for (let e = 0; e < inTrain.length; e++) {
    if (inTrain[e] !== side) continue;
    row[o] = coo.row[e] as number;
    col[o] = coo.col[e] as number;
    value[o] = coo.value[e] as number;
    if (time !== null) time[o] = (coo.time as Float64Array)[e] as number;
    o++;
  }
  return { rows: coo.rows, cols: coo.cols, row, col, value, time };
}
