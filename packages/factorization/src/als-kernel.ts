import { EncoreError, ErrorCode, invalidArgument } from '@encore/core';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { alsWasmModule, alsWasmUnavailableReason, solveRowsWasm } from './internal/als-wasm.js';
import type { WasmMemory } from './internal/wasm.js';

/** How each row's least-squares system is solved. */
export const ALS_SOLVERS = Object.freeze(['cg', 'cholesky'] as const);
export type AlsSolver = (typeof ALS_SOLVERS)[number];

/**
 * Which code solves CG rows: 'wasm', the WebAssembly SIMD kernel (float32 four lanes at a time, as
 * implicit computes in float32), or 'js', plain TypeScript with float64 vectors. 'auto' picks wasm
 * where it can run (built, SIMD and shared memory present) and says so in the model.
 */
export const ALS_KERNELS = Object.freeze(['auto', 'wasm', 'js'] as const);
export type AlsKernelChoice = (typeof ALS_KERNELS)[number];
export type AlsKernel = Exclude<AlsKernelChoice, 'auto'>;

/**
 * The smallest block of rows of the partial Gramians and loss sums. Callers that split a
 * half-iteration into row ranges (the worker driver) cut only on block ends, so every block is
 * summed in the same order whatever the number of threads and results are bit-identical.
 */
export const ALS_ROW_BLOCK = 64;

/** At most this many partial Gramian blocks per half (their f² float64s each are the memory cost). */
const MAX_BLOCKS = 256;

/**
 * Rows per partial-Gramian block for a side of `rows` rows: ALS_ROW_BLOCK, or a multiple of it
 * that keeps the blocks at most 256 (so a million customers cost 256·f² partial sums, not
 * 15,625·f²). A function of `rows` alone, so results never depend on the thread count.
 */
export function alsBlockRows(rows: number): number {
  return ALS_ROW_BLOCK * Math.max(1, Math.ceil(rows / (ALS_ROW_BLOCK * MAX_BLOCKS)));
}

/**
 * The kernel a fit will use for `choice` and `solver`: Cholesky always runs in TypeScript; 'auto'
 * is 'wasm' when the WebAssembly kernel can run here. Throws INVALID_ARGUMENT when 'wasm' is asked
 * for and cannot run (with the reason).
 */
export function resolveAlsKernel(where: string, choice: AlsKernelChoice, solver: AlsSolver): AlsKernel {
  if (solver !== 'cg' || choice === 'js') return 'js';
  if (alsWasmModule() !== null) return 'wasm';
  if (choice === 'wasm') {
    throw invalidArgument(where, `kernel 'wasm' cannot run: ${alsWasmUnavailableReason()}`, choice);
  }
  return 'js';
}

/**
 * One half of an implicit-ALS iteration: solve every row u of X against the fixed factors Y,
 *
 *   (YᵀY + λI + Yᵀ(Cᵤ − I)Y) xᵤ = YᵀCᵤp(u),   cᵤᵢ = 1 + α·rᵤᵢ,  p(u)ᵢ = [rᵤᵢ > 0]
 *
 * (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008).
 * Plain data (typed arrays and numbers) so a worker can receive it over SharedArrayBuffers.
 */
export interface AlsHalf {
  /** Rows of X (and of the sparse matrix). */
  readonly rows: number;
  /** Latent factors f. */
  readonly factors: number;
  /** The rows' stored entries: a CSR of rows × (rows of Y) with raw values r ≥ 0. */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
  /** Factors being solved, rows × f row-major; read as the CG warm start, overwritten. */
  readonly x: Float32Array;
  /** Fixed factors of the other side, (columns of the matrix) × f row-major. */
  readonly y: Float32Array;
  /** YᵀY, f × f (full, symmetric), without λ. */
  readonly gram: Float64Array;
  readonly regularization: number;
  readonly alpha: number;
  /** Treat every stored value r > 0 as 1. */
  readonly binary: boolean;
  readonly cgSteps: number;
  readonly solver: AlsSolver;
  /** Who solves CG rows; 'wasm' needs `memory` and `scratch`. */
  readonly kernel: AlsKernel;
  /** Rows per partial block: ALS_ROW_BLOCK or a multiple (see {@link alsBlockRows}). */
  readonly blockRows: number;
  /** For kernel 'wasm': the shared memory every array of this half is a view of. */
  readonly memory: WasmMemory | null;
  /** For kernel 'wasm': one scratch slot per concurrent caller (alsScratchFloats(f) floats each). */
  readonly scratch: Float32Array | null;
  /**
   * Output: for block b (rows b·blockRows …), the upper triangle of the new rows' XᵀX at
   * [b·f², (b + 1)·f²). Length ceil(rows / blockRows)·f².
   */
  readonly gramPartials: Float64Array;
  /**
   * Output (when not null): for block b, Σ over the block's stored entries of
   * (c − 1)·d² − 2c·p·d + c·p with d = xᵤ·yᵢ (the data part of Hu et al.'s loss beyond xᵀ(YᵀY)x).
   */
  readonly lossPartials: Float64Array | null;
}

/**
 * Solves rows [from, to) of an {@link AlsHalf} in place (the kernel the worker driver splits by
 * row range; rows are independent, so any split gives the same bits). Concurrent callers on one
 * half pass distinct scratch `slot`s (kernel 'wasm').
 *
 * solver 'cg': the conjugate-gradient method of Takács, Pilászy & Tikk ("Applications of the
 * Conjugate Gradient Method for Implicit Feedback Collaborative Filtering", RecSys 2011) as in
 * benfred/implicit's `_least_squares_cg` (implicit/cpu/_als.pyx): `cgSteps` CG steps per row,
 * warm-started from the row's current factors, never forming Yᵀ(Cᵤ − I)Y — each product
 * A·p = (YᵀY + λI)p + Σᵢ (cᵤᵢ − 1)(yᵢ·p)yᵢ costs 2f² + 4f·nnzᵤ flops. Vectors in Float64.
 * solver 'cholesky': forms Aᵤ and solves exactly with ml-matrix's CholeskyDecomposition (slow;
 * tests and small data). Rows without entries get zero factors (as implicit).
 *
 * kernel 'wasm' runs the same CG in WebAssembly SIMD, float32 (src/internal/als-wasm.ts).
 *
 * Also writes the partial Gramians (and loss sums) of the blocks it covers: `from` must be a
 * multiple of `blockRows` and `to` one too or `rows`, so blocks are never shared.
 *
 * Throws INVALID_ARGUMENT for a misaligned or out-of-range row range; DIVERGED when a Cholesky
 * factorization fails (A not positive definite: λ = 0 on degenerate data).
 *
 * @example
 * alsSolveRows(half, 0, half.rows);
 */
export function alsSolveRows(half: AlsHalf, from: number, to: number, slot = 0): void {
  const { rows, factors: f, blockRows } = half;
  if (
    !Number.isInteger(from) ||
    !Number.isInteger(to) ||
    from < 0 ||
    to > rows ||
    from > to ||
    from % blockRows !== 0 ||
    (to % blockRows !== 0 && to !== rows)
  ) {
    throw invalidArgument(
      'factorization/alsSolveRows',
      `row range must lie in 0..${rows} with ends on multiples of ${blockRows} (or rows)`,
      { from, to },
    );
  }
  if (half.kernel === 'wasm' && half.solver === 'cg') {
    if (half.memory === null || half.scratch === null) {
      throw invalidArgument('factorization/alsSolveRows', "kernel 'wasm' needs the half's memory and scratch", slot);
    }
    solveRowsWasm({ ...half, memory: half.memory, scratch: half.scratch }, from, to, slot);
    return;
  }
  const scratch = new Float64Array(5 * f);
  const xv = scratch.subarray(0, f);
  const r = scratch.subarray(f, 2 * f);
  const p = scratch.subarray(2 * f, 3 * f);
  const ap = scratch.subarray(3 * f, 4 * f);
  const b = scratch.subarray(4 * f, 5 * f);
  const { x, gramPartials, lossPartials } = half;
  for (let block = from; block < to; block += blockRows) {
    const blockEnd = Math.min(to, block + blockRows);
    const b0 = block / blockRows;
    const partial = gramPartials.subarray(b0 * f * f, (b0 + 1) * f * f);
    partial.fill(0);
    let loss = 0;
    for (let u = block; u < blockEnd; u++) {
      const start = half.indptr[u] as number;
      const end = half.indptr[u + 1] as number;
      const xo = u * f;
      if (start === end) {
        x.fill(0, xo, xo + f);
        continue;
      }
      for (let j = 0; j < f; j++) xv[j] = x[xo + j] as number;
      if (half.solver === 'cg') solveCg(half, start, end, xv, r, p, ap);
      else solveCholesky(half, u, start, end, xv, b);
      for (let j = 0; j < f; j++) x[xo + j] = xv[j] as number;
      addUpperOuter(partial, x, xo, f);
      if (lossPartials !== null) loss += dataLoss(half, start, end, xo);
    }
    if (lossPartials !== null) lossPartials[b0] = loss;
  }
}

/** `cgSteps` CG steps on row u's system from xv (in place), as implicit's `_least_squares_cg`. */
function solveCg(
  half: AlsHalf,
  start: number,
  end: number,
  xv: Float64Array,
  r: Float64Array,
  p: Float64Array,
  ap: Float64Array,
): void {
  const { factors: f, indices, data, y, gram, regularization, alpha, binary, cgSteps } = half;
  // r = b − A·x = −(YᵀY + λI)x + Σᵢ (cᵢpᵢ − (cᵢ − 1)(yᵢ·x)) yᵢ
  symv(gram, regularization, xv, r, f);
  for (let j = 0; j < f; j++) r[j] = -(r[j] as number);
  for (let k = start; k < end; k++) {
    const raw = data[k] as number;
    const value = binary ? (raw > 0 ? 1 : 0) : raw;
    const cm1 = alpha * value;
    const cp = value > 0 ? 1 + cm1 : 0;
    const yo = (indices[k] as number) * f;
    const coef = cp - cm1 * dot32(y, yo, xv, f);
    axpy32(coef, y, yo, r, f);
  }
  for (let j = 0; j < f; j++) p[j] = r[j] as number;
  let rsold = dot64(r, r, f);
  if (rsold < 1e-20) return;
  for (let step = 0; step < cgSteps; step++) {
    // ap = A·p without forming Yᵀ(C − I)Y
    symv(gram, regularization, p, ap, f);
    for (let k = start; k < end; k++) {
      const raw = data[k] as number;
      const value = binary ? (raw > 0 ? 1 : 0) : raw;
      const cm1 = alpha * value;
      if (cm1 === 0) continue;
      const yo = (indices[k] as number) * f;
      axpy32(cm1 * dot32(y, yo, p, f), y, yo, ap, f);
    }
    const step_ = rsold / dot64(p, ap, f);
    let rsnew = 0;
    for (let j = 0; j < f; j++) {
      xv[j] = (xv[j] as number) + step_ * (p[j] as number);
      const rj = (r[j] as number) - step_ * (ap[j] as number);
      r[j] = rj;
      rsnew += rj * rj;
    }
    if (rsnew < 1e-20) break;
    const beta = rsnew / rsold;
    for (let j = 0; j < f; j++) p[j] = (r[j] as number) + beta * (p[j] as number);
    rsold = rsnew;
  }
}

/** Exact solve of row u's system with ml-matrix's Cholesky decomposition. */
function solveCholesky(half: AlsHalf, u: number, start: number, end: number, xv: Float64Array, b: Float64Array): void {
  const { factors: f, indices, data, y, gram, regularization, alpha, binary } = half;
  const a = new Float64Array(f * f);
  a.set(gram);
  for (let j = 0; j < f; j++) a[j * f + j]! += regularization;
  b.fill(0);
  for (let k = start; k < end; k++) {
    const raw = data[k] as number;
    const value = binary ? (raw > 0 ? 1 : 0) : raw;
    const cm1 = alpha * value;
    const yo = (indices[k] as number) * f;
    if (value > 0) axpy32(1 + cm1, y, yo, b, f);
    if (cm1 === 0) continue;
    for (let i = 0; i < f; i++) {
      const s = cm1 * (y[yo + i] as number);
      const ao = i * f;
      for (let j = 0; j < f; j++) a[ao + j] = (a[ao + j] as number) + s * (y[yo + j] as number);
    }
  }
  const rowsOfA: number[][] = [];
  for (let i = 0; i < f; i++) rowsOfA.push(Array.from(a.subarray(i * f, (i + 1) * f)));
  const cholesky = new CholeskyDecomposition(new Matrix(rowsOfA));
  if (!cholesky.isPositiveDefinite()) {
    throw new EncoreError(
      ErrorCode.DIVERGED,
      `factorization/alsSolveRows: row ${u}'s system is not positive definite; expected regularization > 0`,
      { value: u },
    );
  }
  const solution = cholesky.solve(Matrix.columnVector(Array.from(b)));
  for (let j = 0; j < f; j++) xv[j] = solution.get(j, 0);
}

/** Σ over row entries of (c − 1)d² − 2c·p·d + c·p, d = x·yᵢ, with x = X[xo …]. */
function dataLoss(half: AlsHalf, start: number, end: number, xo: number): number {
  const { factors: f, indices, data, x, y, alpha, binary } = half;
  let loss = 0;
  for (let k = start; k < end; k++) {
    const raw = data[k] as number;
    const value = binary ? (raw > 0 ? 1 : 0) : raw;
    const cm1 = alpha * value;
    const cp = value > 0 ? 1 + cm1 : 0;
    const yo = (indices[k] as number) * f;
    let d = 0;
    for (let j = 0; j < f; j++) d += (x[xo + j] as number) * (y[yo + j] as number);
    loss += cm1 * d * d - 2 * cp * d + cp;
  }
  return loss;
}

/** out = (G + λI)·v for a full symmetric f × f G. */
function symv(g: Float64Array, lambda: number, v: Float64Array, out: Float64Array, f: number): void {
  const f4 = f & ~3;
  for (let i = 0; i < f; i++) {
    const go = i * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < f4; j += 4) {
      s0 += (g[go + j] as number) * (v[j] as number);
      s1 += (g[go + j + 1] as number) * (v[j + 1] as number);
      s2 += (g[go + j + 2] as number) * (v[j + 2] as number);
      s3 += (g[go + j + 3] as number) * (v[j + 3] as number);
    }
    for (; j < f; j++) s0 += (g[go + j] as number) * (v[j] as number);
    out[i] = s0 + s1 + (s2 + s3) + lambda * (v[i] as number);
  }
}

/** y[yo … yo + f) · v. */
function dot32(y: Float32Array, yo: number, v: Float64Array, f: number): number {
  const f4 = f & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j < f4; j += 4) {
    s0 += (y[yo + j] as number) * (v[j] as number);
    s1 += (y[yo + j + 1] as number) * (v[j + 1] as number);
    s2 += (y[yo + j + 2] as number) * (v[j + 2] as number);
    s3 += (y[yo + j + 3] as number) * (v[j + 3] as number);
  }
  for (; j < f; j++) s0 += (y[yo + j] as number) * (v[j] as number);
  return s0 + s1 + (s2 + s3);
}

/** out += a · y[yo … yo + f). */
function axpy32(a: number, y: Float32Array, yo: number, out: Float64Array, f: number): void {
  const f4 = f & ~3;
  let j = 0;
  for (; j < f4; j += 4) {
    out[j] = (out[j] as number) + a * (y[yo + j] as number);
    out[j + 1] = (out[j + 1] as number) + a * (y[yo + j + 1] as number);
    out[j + 2] = (out[j + 2] as number) + a * (y[yo + j + 2] as number);
    out[j + 3] = (out[j + 3] as number) + a * (y[yo + j + 3] as number);
  }
  for (; j < f; j++) out[j] = (out[j] as number) + a * (y[yo + j] as number);
}

function dot64(a: Float64Array, b: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < f; j += 2) {
    s0 += (a[j] as number) * (b[j] as number);
    s1 += (a[j + 1] as number) * (b[j + 1] as number);
  }
  if (j < f) s0 += (a[j] as number) * (b[j] as number);
  return s0 + s1;
}

/** Upper triangle of out += x xᵀ for the row x = X[xo … xo + f). */
function addUpperOuter(out: Float64Array, x: Float32Array, xo: number, f: number): void {
  for (let i = 0; i < f; i++) {
    const xi = x[xo + i] as number;
    if (xi === 0) continue;
    const oo = i * f;
    for (let j = i; j < f; j++) out[oo + j] = (out[oo + j] as number) + xi * (x[xo + j] as number);
  }
}

/**
 * Sums the per-block partial Gramians (upper triangles, in block order) into a full symmetric
 * f × f matrix. Deterministic: the order never depends on how rows were split.
 */
export function sumGramPartials(partials: Float64Array, blocks: number, f: number, out: Float64Array): Float64Array {
  out.fill(0);
  const ff = f * f;
  for (let b = 0; b < blocks; b++) {
    const o = b * ff;
    for (let i = 0; i < f; i++) {
      for (let j = i; j < f; j++) out[i * f + j] = (out[i * f + j] as number) + (partials[o + i * f + j] as number);
    }
  }
  for (let i = 0; i < f; i++) for (let j = 0; j < i; j++) out[i * f + j] = out[j * f + i] as number;
  return out;
}

/**
 * XᵀX of a rows × f factor matrix, summed over the same blocks as {@link alsSolveRows} (so it
 * equals what a solve pass of the 'js' kernel would report for these factors).
 */
export function gramOf(x: Float32Array, rows: number, f: number): Float64Array {
  const blockRows = alsBlockRows(rows);
  const blocks = Math.ceil(rows / blockRows);
  const partials = new Float64Array(blocks * f * f);
  for (let b = 0; b < blocks; b++) {
    const partial = partials.subarray(b * f * f, (b + 1) * f * f);
    for (let u = b * blockRows, end = Math.min(rows, u + blockRows); u < end; u++) {
      addUpperOuter(partial, x, u * f, f);
    }
  }
  return sumGramPartials(partials, blocks, f, new Float64Array(f * f));
}

/**
 * One ALS fit as laid out in memory, for whoever runs its half-iterations: the calling thread
 * (`fitAls`) or worker threads (@encore/workers, where every array is shared). The two halves
 * feed each other: solving `user` writes the partials of XᵀX, which {@link finishAlsHalf} sums
 * into `item.gram`; solving `item` writes those of YᵀY, summed into `user.gram`.
 */
export interface AlsFitLayout {
  /** Solves the customers' factors X against the items' Y (its `gram` is YᵀY). */
  readonly user: AlsHalf;
  /** Solves the items' factors Y against the customers' X (its `gram` is XᵀX). */
  readonly item: AlsHalf;
  readonly iterations: number;
  /** Σ c over stored positive entries + the pairs with none: implicit's loss normaliser. */
  readonly normaliser: number;
  /** The loss after each iteration (0-based), written when its item half is finished. */
  readonly losses: Float64Array;
}

/**
 * What follows solving every row of one half of iteration `iteration` (0-based): its partial
 * Gramians are summed into the other half's `gram`; after the item half, the iteration's loss —
 * Hu et al.'s objective over all customer × item pairs divided by `normaliser`, exactly implicit's
 * `calculate_loss` — goes to `losses[iteration]` (NaN or ±Infinity when the fit diverged; the
 * caller decides). The same code on whatever thread finishes the half, so every thread count
 * gives the same bits.
 */
export function finishAlsHalf(layout: AlsFitLayout, side: 'user' | 'item', iteration: number): void {
  const half = side === 'user' ? layout.user : layout.item;
  const other = side === 'user' ? layout.item : layout.user;
  const f = half.factors;
  const blocks = Math.ceil(half.rows / half.blockRows);
  sumGramPartials(half.gramPartials, blocks, f, other.gram);
  if (side === 'user') return;
  // loss·normaliser = Σᵤ xᵤᵀ(YᵀY)xᵤ + Σ_stored ((c − 1)d² − 2cpd + cp) + λ(tr XᵀX + tr YᵀY)
  const itemGram = layout.user.gram;
  const userGram = layout.item.gram;
  const lossPartials = half.lossPartials as Float64Array;
  let data = 0;
  for (let b = 0; b < blocks; b++) data += lossPartials[b] as number;
  let quadratic = 0;
  let traces = 0;
  for (let i = 0; i < f; i++) {
    for (let j = 0; j < f; j++) quadratic += (itemGram[i * f + j] as number) * (userGram[i * f + j] as number);
    traces += (itemGram[i * f + i] as number) + (userGram[i * f + i] as number);
  }
  layout.losses[iteration] = (quadratic + data + half.regularization * traces) / layout.normaliser;
}
