/**
 * Batch top-K scoring of a factor model: every customer (or a given list) against every item, the
 * k best items each, as plain typed-array data so worker threads can share one job. The kernel
 * (WebAssembly SIMD, or the same algorithm in TypeScript) scores blocks of customers against tiles
 * of items — a small GEMM, each tile of item factors read from cache by every customer of a chunk
 * (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 2008) — and
 * keeps a bounded min-heap per customer. `scoreNaive` is the one-customer-at-a-time reference.
 */
import {
  type Csr,
  type CsrAllocator,
  checkCsr,
  checkIds,
  checkInteger,
  checkOneOf,
  checkOptions,
  EncoreError,
  ErrorCode,
  invalidArgument,
  TopKHeap,
  topK,
} from '@encore/core';
import type { FactorScoring } from './factor-model.js';
import { ORDINARY_MEMORY, SHARED_MEMORY } from './internal/memory.js';
import {
  SCORE_BLOCK,
  SCORE_PANEL,
  scoreRangeWasm,
  scoreScratchLayout,
  scoreWasmModule,
  scoreWasmUnavailableReason,
} from './internal/score-wasm.js';
import { WasmArena, type WasmMemory } from './internal/wasm.js';

/**
 * Which code scores: 'wasm', the WebAssembly SIMD kernel (assembly/score.ts), or 'js', the same
 * blocked algorithm in TypeScript. Both round alike (float32 products summed in float32, factor by
 * factor), so they return the same bits. 'auto' picks wasm where it can run (built, SIMD and
 * shared memory present).
 */
export const SCORE_KERNELS = Object.freeze(['auto', 'wasm', 'js'] as const);
export type ScoreKernelChoice = (typeof SCORE_KERNELS)[number];
export type ScoreKernel = Exclude<ScoreKernelChoice, 'auto'>;

/** What to score: list length, exclusions, whom, and which kernel. */
export interface ScoringOptions {
  /** List length; capped at the number of items (default 10). */
  readonly k: number;
  /**
   * Items to leave out per customer: row u of this matrix (customers × items, e.g. the training
   * matrix, so seen items are not recommended). Rows beyond its size exclude nothing; columns
   * beyond the model's items are ignored. Default: none.
   */
  readonly exclude: Csr | undefined;
  /** Customer indices (rows of userFactors) to score, in this order; default: all, 0 … users − 1. */
  readonly customers: Int32Array | undefined;
  /** Items never recommended to anyone (e.g. out of stock), any order; default: none. */
  readonly filterItems: Int32Array | undefined;
  /** Default 'auto'. */
  readonly kernel: ScoreKernelChoice;
}

export const DEFAULT_SCORING_OPTIONS: Readonly<ScoringOptions> = Object.freeze({
  k: 10,
  exclude: undefined,
  customers: undefined,
  filterItems: undefined,
  kernel: 'auto',
});

/** How a job will be run. */
export interface ScoringPlan {
  /** Callers scoring the same job at once, each with its own scratch slot (default 1). */
  readonly slots: number;
  /** The 'js' kernel's arrays on SharedArrayBuffers, for workers (the 'wasm' kernel's always are). */
  readonly shared: boolean;
}

/**
 * One batch-scoring job as plain data: positions 0 … count − 1, position p being customer
 * `customers[p]`. Typed arrays only (on SharedArrayBuffers or one shared WebAssembly memory when
 * planned so), so a worker receives it without copying. Made by {@link buildScoringJob}.
 */
export interface ScoringJob {
  /** Customers to score (positions). */
  readonly count: number;
  /** Position → customer index (row of the model's userFactors). */
  readonly customers: Int32Array;
  readonly factors: number;
  readonly items: number;
  /** List length: the requested k capped at `items`. */
  readonly k: number;
  /** count × f: row p holds position p's customer factors. */
  readonly users: Float32Array;
  /**
   * Item factors packed in panels of 8 items: factor j of item 8q + l at q·8f + 8j + l (zero past
   * the last item), so the kernel reads factor j of 8 items as two adjacent SIMD vectors.
   */
  readonly panels: Float32Array;
  /** Row p (count + 1 offsets) lists position p's excluded items, ascending; null: none. */
  readonly excludeIndptr: Int32Array | null;
  readonly excludeIndices: Int32Array | null;
  /** One byte per item, 0 = never recommended; null: every item may be. */
  readonly allow: Uint8Array | null;
  /** Items per tile (a multiple of 8): one tile of item panels stays in L2 across a chunk. */
  readonly tile: number;
  /** Customers per kernel call: their heaps stay in cache while the tiles go by. */
  readonly chunk: number;
  readonly kernel: ScoreKernel;
  /** For kernel 'wasm': the shared memory every array above is a view of. */
  readonly memory: WasmMemory | null;
  /** For kernel 'wasm': `slots` scratch slots. */
  readonly scratch: Float32Array | null;
  readonly slots: number;
}

/** The lists of positions [from, to): row p − from of ids / scores at (p − from)·k, best first. */
export interface ScoredRange {
  readonly from: number;
  readonly to: number;
  readonly k: number;
  /** (to − from)·k item indices; -1 pads a list with fewer than k candidates. */
  readonly ids: Int32Array;
  /** (to − from)·k scores; -Infinity beside each -1. */
  readonly scores: Float32Array;
  /** The kernel that ran ('naive' for {@link scoreNaive}). */
  readonly kernel: ScoreKernel | 'naive';
}

/** Bytes of item panels per tile: a quarter of a typical 512 KiB L2, leaving room for the chunk's rows and heaps. */
const TILE_BYTES = 128 * 1024;
/** At most this many customers per chunk; fewer for long lists (heap entries per chunk ≤ CHUNK_ENTRIES). */
const MAX_CHUNK = 256;
const CHUNK_ENTRIES = 64 * 1024;
/** What 'auto' puts in a WebAssembly memory at most (its limit is 4 GiB; exclusions come on top). */
const WASM_BYTES = 3.5 * 2 ** 30;

/** Floating-point operations of scoring `customers` against `items` with f factors: 2·customers·items·f. */
export function scoringFlops(customers: number, items: number, factors: number): number {
  return 2 * customers * items * factors;
}

/**
 * The kernel a job will use for `choice`: 'auto' is 'wasm' when the WebAssembly kernel can run
 * here. Throws INVALID_ARGUMENT when 'wasm' is asked for and cannot run (with the reason).
 */
function resolveScoreKernel(where: string, choice: ScoreKernelChoice): ScoreKernel {
  if (choice === 'js') return 'js';
  if (scoreWasmModule() !== null) return 'wasm';
  if (choice === 'wasm')
    throw invalidArgument(where, `kernel 'wasm' cannot run: ${scoreWasmUnavailableReason()}`, choice);
  return 'js';
}

/** Validated scoring input. */
interface Resolved {
  readonly f: number;
  readonly items: number;
  readonly users: number;
  readonly k: number;
  readonly customers: Int32Array | undefined;
  readonly exclude: Csr | undefined;
  readonly filterItems: Int32Array | undefined;
  readonly kernel: ScoreKernelChoice;
}

function resolve(where: string, model: FactorScoring, options: unknown): Resolved {
  if (typeof model !== 'object' || model === null) throw invalidArgument(where, 'model must be a factor model', model);
  const { factors, items, userFactors, itemFactors } = model;
  const f = checkInteger(where, 'factors', factors, 1, 65_536);
  checkInteger(where, 'items', items, 0, 0x7fffffff);
  if (!(userFactors instanceof Float32Array) || userFactors.length % f !== 0) {
    throw invalidArgument(where, `userFactors must be a Float32Array of customers × ${f}`, userFactors?.length);
  }
  if (!(itemFactors instanceof Float32Array) || itemFactors.length !== items * f) {
    throw invalidArgument(where, `itemFactors must be a Float32Array of ${items} × ${f}`, itemFactors?.length);
  }
  const users = userFactors.length / f;
  const o = checkOptions(where, options ?? {}, Object.keys(DEFAULT_SCORING_OPTIONS));
  const d = DEFAULT_SCORING_OPTIONS;
  return {
    f,
    items,
    users,
    k: Math.min(items, checkInteger(where, 'k', o.k ?? d.k, 0, 1_000_000)),
    customers: o.customers === undefined ? undefined : checkIds(where, 'customers', o.customers, users),
    exclude: o.exclude === undefined ? undefined : checkCsr(where, 'exclude', o.exclude),
    filterItems: o.filterItems === undefined ? undefined : checkIds(where, 'filterItems', o.filterItems, items),
    kernel: checkOneOf(where, 'kernel', o.kernel ?? d.kernel, SCORE_KERNELS),
  };
}

/**
 * Lays out a batch-scoring job: gathers the customers' factor rows and exclusion rows in position
 * order, packs the item factors into panels, turns `filterItems` into an allow mask, and sizes
 * the tiles and chunks for `factors` and k. For kernel 'wasm' everything goes into one shared
 * WebAssembly memory with `plan.slots` scratch slots; for 'js' into SharedArrayBuffers when
 * `plan.shared`; 'auto' takes 'js' for a job too large for a 4 GiB WebAssembly memory. Copies
 * count·f + items·f floats (plus the customers' exclusions) once per job; {@link scoreRange} then
 * scores any range of positions.
 *
 * Throws INVALID_ARGUMENT for factor arrays whose lengths do not fit `factors` and `items`, an
 * unknown option, k not an integer in 0 … 1,000,000, customers or filterItems not an Int32Array
 * of valid indices, a malformed exclude Csr, or kernel 'wasm' where it cannot run;
 * LIMIT_EXCEEDED when the gathered exclusions pass 2³¹ − 1 entries or the arrays 4 GiB (wasm).
 *
 * @example
 * const job = buildScoringJob(model, { k: 20, exclude: train });
 * const { ids, scores } = scoreRange(job, 0, job.count);
 */
export function buildScoringJob(
  model: FactorScoring,
  options: Partial<ScoringOptions> = {},
  plan: ScoringPlan = { slots: 1, shared: false },
): ScoringJob {
  const where = 'factorization/buildScoringJob';
  const r = resolve(where, model, options);
  const slots = checkInteger(where, 'plan.slots', plan.slots, 1, 4096);
  const { f, items, k } = r;
  const count = r.customers?.length ?? r.users;
  const tile = Math.max(
    SCORE_PANEL,
    Math.min(
      Math.floor(TILE_BYTES / (4 * f) / SCORE_PANEL) * SCORE_PANEL,
      Math.ceil(items / SCORE_PANEL) * SCORE_PANEL,
    ),
  );
  const chunk = Math.max(
    SCORE_BLOCK,
    Math.floor(Math.min(MAX_CHUNK, CHUNK_ENTRIES / Math.max(1, k)) / SCORE_BLOCK) * SCORE_BLOCK,
  );
  const scratchFloats = slots * scoreScratchLayout(chunk, tile, k).floats;
  // 'auto' leaves a job a 4 GiB WebAssembly memory cannot hold to the TypeScript kernel.
  const wasmBytes = 4 * (count * (f + 2) + Math.ceil(items / SCORE_PANEL) * SCORE_PANEL * f + items + scratchFloats);
  const kernel = resolveScoreKernel(where, r.kernel === 'auto' && wasmBytes > WASM_BYTES ? 'js' : r.kernel);
  const arena = kernel === 'wasm' ? new WasmArena() : null;
  const memory: CsrAllocator = arena ?? (plan.shared ? SHARED_MEMORY : ORDINARY_MEMORY);
  try {
    const customers = memory.int32(count);
    if (r.customers === undefined) for (let p = 0; p < count; p++) customers[p] = p;
    else customers.set(r.customers);
    const users = memory.float32(count * f);
    const { userFactors } = model;
    if (r.customers === undefined) users.set(userFactors);
    else
      for (let p = 0; p < count; p++)
        users.set(userFactors.subarray(customers[p]! * f, (customers[p]! + 1) * f), p * f);
    const panelCount = Math.ceil(items / SCORE_PANEL);
    const panels = memory.float32(panelCount * SCORE_PANEL * f);
    const { itemFactors } = model;
    for (let i = 0; i < items; i++) {
      const base = Math.floor(i / SCORE_PANEL) * SCORE_PANEL * f + (i % SCORE_PANEL);
      for (let j = 0; j < f; j++) panels[base + j * SCORE_PANEL] = itemFactors[i * f + j]!;
    }
    let excludeIndptr: Int32Array | null = null;
    let excludeIndices: Int32Array | null = null;
    const exclude = r.exclude;
    if (exclude !== undefined && exclude.indices.length > 0) {
      const rowOf = (u: number): [number, number] =>
        u < exclude.rows ? [exclude.indptr[u]!, exclude.indptr[u + 1]!] : [0, 0];
      let nnz = 0;
      for (let p = 0; p < count; p++) {
        const [s, e] = rowOf(customers[p]!);
        nnz += e - s;
      }
      if (nnz > 0x7fffffff) {
        throw new EncoreError(
          ErrorCode.LIMIT_EXCEEDED,
          `${where}: the customers' exclusions hold ${nnz} entries, at most 2^31 - 1 fit`,
          { value: nnz },
        );
      }
      excludeIndptr = memory.int32(count + 1);
      excludeIndices = memory.int32(nnz);
      let at = 0;
      for (let p = 0; p < count; p++) {
        const [s, e] = rowOf(customers[p]!);
        excludeIndices.set(exclude.indices.subarray(s, e), at);
        at += e - s;
        excludeIndptr[p + 1] = at;
      }
    }
    let allow: Uint8Array | null = null;
    if (r.filterItems !== undefined && r.filterItems.length > 0) {
      const words = memory.int32(Math.ceil(items / 4));
      allow = new Uint8Array(words.buffer, words.byteOffset, items);
      allow.fill(1);
      for (let t = 0; t < r.filterItems.length; t++) allow[r.filterItems[t]!] = 0;
    }
    const scratch = arena === null ? null : arena.float32(scratchFloats);
    return Object.freeze({
      count,
      customers,
      factors: f,
      items,
      k,
      users,
      panels,
      excludeIndptr,
      excludeIndices,
      allow,
      tile,
      chunk,
      kernel,
      memory: arena?.memory ?? null,
      scratch,
      slots,
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new EncoreError(ErrorCode.LIMIT_EXCEEDED, `${where}: ${error.message}`, { value: count }, { cause: error });
    }
    throw error;
  }
}

/** Options of {@link scoreRange}. */
export interface ScoreRangeOptions {
  /** The scratch slot (0 … job.slots − 1); concurrent callers on one job pass distinct slots. Default 0. */
  readonly slot?: number | undefined;
  /** Where to write the lists (at least (to − from)·k each); allocated when absent. */
  readonly ids?: Int32Array | undefined;
  readonly scores?: Float32Array | undefined;
}

/**
 * Scores positions [from, to) of a {@link ScoringJob}: for each, the k items of highest
 * userFactors·itemFactors, best first, ties on the lower item index, leaving out its excluded
 * items and the filtered ones (and NaN / -Infinity scores); -1 / -Infinity pad a list with fewer
 * candidates. Positions are independent, so any split of a job gives the same bits; what the
 * worker driver runs per task.
 *
 * Throws INVALID_ARGUMENT for a range outside 0 … count, a slot the job has not, or output arrays
 * too short.
 *
 * @example
 * const job = buildScoringJob(model, { k: 20, exclude: train });
 * const { ids } = scoreRange(job, 0, job.count); // ids[p·20 … p·20 + 19]: position p's list
 */
export function scoreRange(job: ScoringJob, from: number, to: number, options: ScoreRangeOptions = {}): ScoredRange {
  const where = 'factorization/scoreRange';
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > job.count || from > to) {
    throw invalidArgument(where, `range must lie in 0..${job.count}`, { from, to });
  }
  const slot = checkInteger(where, 'slot', options.slot ?? 0, 0, job.slots - 1);
  const n = (to - from) * job.k;
  const ids = options.ids ?? new Int32Array(n);
  const scores = options.scores ?? new Float32Array(n);
  if (ids.length < n || scores.length < n) {
    throw invalidArgument(where, `ids and scores must hold ${n} entries`, Math.min(ids.length, scores.length));
  }
  if (job.k > 0 && to > from) {
    if (job.kernel === 'wasm') {
      if (job.memory === null || job.scratch === null) {
        throw invalidArgument(where, "kernel 'wasm' needs the job's memory and scratch", slot);
      }
      scoreRangeWasm({ ...job, memory: job.memory, scratch: job.scratch }, from, to, slot, ids, scores);
    } else {
      scoreRangeJs(job, from, to, ids, scores);
    }
  }
  return { from, to, k: job.k, ids, scores, kernel: job.kernel };
}

/**
 * Per-chunk state of the TypeScript kernel: each customer's k best so far and where its next
 * exclusion is. The heaps are core's TopKHeap: the WebAssembly kernel keeps its own in its memory
 * (assembly/score.ts is AssemblyScript and cannot call TypeScript), but the top k under (score
 * desc, item asc) is one list whatever heap finds it, so both kernels return the same bits.
 */
interface ChunkState {
  readonly heaps: readonly TopKHeap[];
  readonly exAt: Int32Array;
}

/** The TypeScript kernel: assembly/score.ts's algorithm and rounding, with a 4 × 4 scalar micro-kernel. */
function scoreRangeJs(job: ScoringJob, from: number, to: number, ids: Int32Array, scores: Float32Array): void {
  const { chunk, tile, k, items } = job;
  const tileScores = new Float32Array(SCORE_BLOCK * tile);
  const state: ChunkState = {
    heaps: Array.from({ length: Math.min(chunk, to - from) }, () => new TopKHeap(k)),
    exAt: new Int32Array(chunk),
  };
  for (let c0 = from; c0 < to; c0 += chunk) {
    const c1 = Math.min(to, c0 + chunk);
    const n = c1 - c0;
    const indptr = job.excludeIndptr;
    for (let c = 0; c < n; c++) state.exAt[c] = indptr === null ? 0 : indptr[c0 + c]!;
    for (let t0 = 0; t0 < items; t0 += tile) {
      const tn = Math.min(tile, items - t0);
      for (let b0 = 0; b0 < n; b0 += SCORE_BLOCK) {
        const m = Math.min(SCORE_BLOCK, n - b0);
        scoreTileJs(job, c0 + b0, m, t0, tn, tileScores);
        for (let b = 0; b < m; b++) selectTileJs(job, state, c0, b0 + b, tileScores, b * tile, t0, tn);
      }
    }
    // Best first into each row, padded to k; draining empties the heaps for the next chunk.
    for (let c = 0; c < n; c++) {
      const at = (c0 - from + c) * k;
      const kept = state.heaps[c]!.drainInto(ids, scores, at);
      ids.fill(-1, at + kept, at + k);
      scores.fill(Number.NEGATIVE_INFINITY, at + kept, at + k);
    }
  }
}

/**
 * tileScores[b·tile + (i − t0)] = users[p0 + b]·item i for b < m, items t0 … t0 + tn − 1: four
 * customers × four items per pass, each sum sequential in float32 as the SIMD kernel's lanes.
 */
function scoreTileJs(job: ScoringJob, p0: number, m: number, t0: number, tn: number, out: Float32Array): void {
  const { users, panels, factors: f, tile } = job;
  const fround = Math.fround;
  const u0 = p0 * f;
  const u1 = m > 1 ? u0 + f : u0;
  const u2 = m > 2 ? u0 + 2 * f : u0;
  const u3 = m > 3 ? u0 + 3 * f : u0;
  for (let i = 0; i < tn; i += 4) {
    const item = t0 + i;
    // Four items of one panel: lanes item % 8 … + 3.
    const base = (item >> 3) * SCORE_PANEL * f + (item & 7);
    let a00 = 0;
    let a01 = 0;
    let a02 = 0;
    let a03 = 0;
    let a10 = 0;
    let a11 = 0;
    let a12 = 0;
    let a13 = 0;
    let a20 = 0;
    let a21 = 0;
    let a22 = 0;
    let a23 = 0;
    let a30 = 0;
    let a31 = 0;
    let a32 = 0;
    let a33 = 0;
    for (let j = 0, v = base; j < f; j++, v += SCORE_PANEL) {
      const v0 = panels[v]!;
      const v1 = panels[v + 1]!;
      const v2 = panels[v + 2]!;
      const v3 = panels[v + 3]!;
      const s0 = users[u0 + j]!;
      a00 = fround(a00 + fround(s0 * v0));
      a01 = fround(a01 + fround(s0 * v1));
      a02 = fround(a02 + fround(s0 * v2));
      a03 = fround(a03 + fround(s0 * v3));
      const s1 = users[u1 + j]!;
      a10 = fround(a10 + fround(s1 * v0));
      a11 = fround(a11 + fround(s1 * v1));
      a12 = fround(a12 + fround(s1 * v2));
      a13 = fround(a13 + fround(s1 * v3));
      const s2 = users[u2 + j]!;
      a20 = fround(a20 + fround(s2 * v0));
      a21 = fround(a21 + fround(s2 * v1));
      a22 = fround(a22 + fround(s2 * v2));
      a23 = fround(a23 + fround(s2 * v3));
      const s3 = users[u3 + j]!;
      a30 = fround(a30 + fround(s3 * v0));
      a31 = fround(a31 + fround(s3 * v1));
      a32 = fround(a32 + fround(s3 * v2));
      a33 = fround(a33 + fround(s3 * v3));
    }
    // Rows of the tile are `tile` long and tiles a multiple of 8, so i + 3 never passes a row.
    out[i] = a00;
    out[i + 1] = a01;
    out[i + 2] = a02;
    out[i + 3] = a03;
    out[tile + i] = a10;
    out[tile + i + 1] = a11;
    out[tile + i + 2] = a12;
    out[tile + i + 3] = a13;
    out[2 * tile + i] = a20;
    out[2 * tile + i + 1] = a21;
    out[2 * tile + i + 2] = a22;
    out[2 * tile + i + 3] = a23;
    out[3 * tile + i] = a30;
    out[3 * tile + i + 1] = a31;
    out[3 * tile + i + 2] = a32;
    out[3 * tile + i + 3] = a33;
  }
}

/** Drops chunk customer c's excluded items from its tile row, then offers the rest to its heap. */
function selectTileJs(
  job: ScoringJob,
  state: ChunkState,
  c0: number,
  c: number,
  row: Float32Array,
  ro: number,
  t0: number,
  tn: number,
): void {
  const t1 = t0 + tn;
  const { excludeIndptr, excludeIndices, allow } = job;
  if (excludeIndptr !== null && excludeIndices !== null) {
    let e = state.exAt[c]!;
    const end = excludeIndptr[c0 + c + 1]!;
    for (; e < end; e++) {
      const item = excludeIndices[e]!;
      if (item >= t1) break;
      if (item >= t0) row[ro + item - t0] = Number.NEGATIVE_INFINITY;
    }
    state.exAt[c] = e;
  }
  const heap = state.heaps[c]!;
  // Items come in ascending order, so a score equal to the worst kept never enters (its item is
  // higher): `s > threshold` skips the call for all but the candidates that do (and NaN, -Infinity).
  let threshold = heap.threshold;
  for (let t = 0; t < tn; t++) {
    const s = row[ro + t]!;
    if (!(s > threshold)) continue;
    const item = t0 + t;
    if (allow !== null && allow[item] === 0) continue;
    heap.offer(s, item);
    threshold = heap.threshold;
  }
}

/**
 * The reference: one customer at a time, every item's score a plain dot product (float32 products
 * summed in float32, factor by factor — the kernels' rounding, so their lists must match it
 * exactly), then core's `topK`. Same options and output as a job scored with {@link scoreRange}
 * over all positions; for tests and as the benchmark's baseline.
 *
 * Throws INVALID_ARGUMENT as {@link buildScoringJob}.
 *
 * @example
 * const { ids } = scoreNaive(model, { k: 20, exclude: train, customers: Int32Array.of(3, 1) });
 */
export function scoreNaive(model: FactorScoring, options: Partial<ScoringOptions> = {}): ScoredRange {
  const where = 'factorization/scoreNaive';
  const r = resolve(where, model, options);
  const { f, items, k } = r;
  const count = r.customers?.length ?? r.users;
  const { userFactors: x, itemFactors: y } = model;
  const ids = new Int32Array(count * k);
  const scores = new Float32Array(count * k);
  const row = new Float32Array(items);
  const blocked = new Uint8Array(items);
  if (r.filterItems !== undefined) for (let t = 0; t < r.filterItems.length; t++) blocked[r.filterItems[t]!] = 1;
  const fround = Math.fround;
  for (let p = 0; p < count; p++) {
    const u = r.customers === undefined ? p : r.customers[p]!;
    const uo = u * f;
    for (let i = 0; i < items; i++) {
      let s = 0;
      for (let j = 0, io = i * f; j < f; j++) s = fround(s + fround(x[uo + j]! * y[io + j]!));
      row[i] = blocked[i] === 1 ? Number.NEGATIVE_INFINITY : s;
    }
    const exclude = r.exclude;
    const seen =
      exclude !== undefined && u < exclude.rows
        ? exclude.indices.subarray(exclude.indptr[u]!, exclude.indptr[u + 1]!)
        : undefined;
    const top = topK(row, k, seen);
    ids.fill(-1, p * k, (p + 1) * k);
    scores.fill(Number.NEGATIVE_INFINITY, p * k, (p + 1) * k);
    ids.set(top.ids, p * k);
    scores.set(top.scores, p * k);
  }
  return { from: 0, to: count, k, ids, scores, kernel: 'naive' };
}
