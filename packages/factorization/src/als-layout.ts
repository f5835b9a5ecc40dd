/**
 * An ALS fit laid out in memory for whoever runs its half-iterations: `fitAls` on the calling
 * thread, @encore/workers' `fitAlsParallel` on worker threads (this module is on the kernels
 * subpath for it). Imports only the kernel, never the model code around it.
 */
import {
  type Csr,
  type CsrAllocator,
  checkCsr,
  createRng,
  EncoreError,
  ErrorCode,
  transposeCsrInto,
} from '@encore/core';
import type { AlsIteration, AlsModel, AlsParams } from './als.js';
import {
  type AlsFitLayout,
  type AlsKernel,
  alsBlockRows,
  gramOf,
  resolveAlsKernel,
  sumGramPartials,
} from './als-kernel.js';
import { alsScratchFloats, gramRowsWasm } from './internal/als-wasm.js';
import { ORDINARY_MEMORY, SHARED_MEMORY } from './internal/memory.js';
import { WasmArena } from './internal/wasm.js';

/** Scale of the uniform initial factors, as implicit (`random(...) * 0.01`). */
const INIT_SCALE = 0.01;

/** How the halves of a fit will be solved. */
export interface AlsFitPlan {
  /** Threads solving the same half at once (each gets its own scratch slot); default 1. */
  readonly slots: number;
  /** The 'js' kernel's arrays on SharedArrayBuffers (for workers); the 'wasm' kernel's always are. */
  readonly shared: boolean;
  /**
   * Lay the arrays out (zeroed) and leave writing the starting point to {@link PreparedAlsFit.fill}
   * (default false: prepareAlsFit fills them): a parallel driver hands the layout to its threads
   * first, so their start-up overlaps the filling.
   */
  readonly deferFill?: boolean;
}

/**
 * A fit laid out and ready to run: its {@link AlsFitLayout} (halves, Gramians, losses) and what
 * turns the factors into the model at the end.
 */
export interface PreparedAlsFit {
  readonly layout: AlsFitLayout;
  /** The kernel the halves will run ('wasm' or 'js'). */
  readonly kernel: AlsKernel;
  /**
   * Writes the starting point into the layout: the matrix and its transpose, the initial factors
   * (uniform in [0, 0.01) from the seed), the first YᵀY. Done by prepareAlsFit unless
   * `plan.deferFill`; then the caller calls it once, before any half is solved.
   */
  fill(): void;
  /** The model of the factors as they stand, copied out of the fit's memory, with this history. */
  model(history: readonly AlsIteration[]): AlsModel;
  /**
   * Hands the fit's memory back for the next fit in this thread to reuse (the WebAssembly kernel's
   * arena; nothing to do for 'js'). Call it once, after the last `model()` and once no thread
   * reads the layout: its arrays are handed out again.
   */
  release(): void;
}

/**
 * Lays out an ALS fit: the matrix and its transpose as the two halves' CSRs, the initial factors
 * (uniform in [0, 0.01) from the seed), the first YᵀY, the partial Gramians and loss sums, the
 * per-iteration losses. For the 'wasm' kernel every array lives in one shared WebAssembly memory
 * (the halves carry it) with `plan.slots` scratch slots; for 'js', on SharedArrayBuffers when
 * `plan.shared`. Runs nothing: `fitAls` solves the halves on the calling thread, @encore/workers'
 * `fitAlsParallel` on worker threads, both with `alsSolveRows` and `finishAlsHalf`, so both
 * follow the same arithmetic and give the same bits.
 *
 * Throws INVALID_ARGUMENT for a malformed matrix or a negative / non-finite value in it, and when
 * the kernel asked for cannot run.
 */
export function prepareAlsFit(
  matrix: Csr,
  params: Readonly<AlsParams>,
  plan: AlsFitPlan = { slots: 1, shared: false },
): PreparedAlsFit {
  const where = 'factorization/fitAls';
  checkCsr(where, 'matrix', matrix, true);
  const kernel = resolveAlsKernel(where, params.kernel, params.solver);
  const arena = kernel === 'wasm' ? WasmArena.take() : null;
  try {
    return layOut(matrix, params, plan, kernel, arena);
  } catch (error) {
    arena?.release();
    throw error;
  }
}

/** prepareAlsFit once the matrix is checked and the memory chosen. */
function layOut(
  matrix: Csr,
  params: Readonly<AlsParams>,
  plan: AlsFitPlan,
  kernel: AlsKernel,
  arena: WasmArena | null,
): PreparedAlsFit {
  const { factors: f, iterations, regularization, alpha } = params;
  const memory: CsrAllocator = arena ?? (plan.shared ? SHARED_MEMORY : ORDINARY_MEMORY);
  const users = matrix.rows;
  const items = matrix.cols;
  const nnz = matrix.indices.length;
  const binary = params.affinity === 'binary';
  // Every array first, zeroed; filled below or by the caller (plan.deferFill).
  const userSide = { indptr: memory.int32(users + 1), indices: memory.int32(nnz), data: memory.float32(nnz) };
  const itemSide = { indptr: memory.int32(items + 1), indices: memory.int32(nnz), data: memory.float32(nnz) };
  const userFactors = memory.float32(users * f);
  const itemFactors = memory.float32(items * f);
  const userBlockRows = alsBlockRows(users);
  const itemBlockRows = alsBlockRows(items);
  const userBlocks = Math.ceil(users / userBlockRows);
  const itemBlocks = Math.ceil(items / itemBlockRows);
  const itemGram = memory.float64(f * f);
  const userGram = memory.float64(f * f);
  const scratch = arena?.float32(plan.slots * alsScratchFloats(f)) ?? null;
  const itemPartials = memory.float64(itemBlocks * f * f);

  // Normaliser of implicit's loss: Σ c over positive entries + the pairs with no positive entry.
  let confidence = 0;
  let positives = 0;
  for (let k = 0; k < nnz; k++) {
    const r = matrix.data[k] as number;
    if (r > 0) {
      confidence += 1 + alpha * (binary ? 1 : r);
      positives++;
    }
  }
  const normaliser = confidence + users * items - positives;

  const common = {
    factors: f,
    regularization,
    alpha,
    binary,
    cgSteps: params.cgSteps,
    solver: params.solver,
    kernel,
    memory: arena?.memory ?? null,
    scratch,
  };
  const layout: AlsFitLayout = {
    user: {
      ...common,
      ...userSide,
      blockRows: userBlockRows,
      rows: users,
      x: userFactors,
      y: itemFactors,
      gram: itemGram,
      gramPartials: memory.float64(userBlocks * f * f),
      lossPartials: null,
    },
    item: {
      ...common,
      ...itemSide,
      blockRows: itemBlockRows,
      rows: items,
      x: itemFactors,
      y: userFactors,
      gram: userGram,
      gramPartials: itemPartials,
      lossPartials: memory.float64(itemBlocks),
    },
    iterations,
    normaliser,
    losses: memory.float64(Math.max(1, iterations)),
  };
  let filled = false;
  const fill = (): void => {
    if (filled) throw new Error('factorization: an ALS fit is filled once');
    filled = true;
    userSide.indptr.set(matrix.indptr);
    userSide.indices.set(matrix.indices);
    userSide.data.set(matrix.data);
    transposeCsrInto({ ...matrix, times: null }, { ...itemSide, times: null });
    const rng = createRng(params.seed);
    rng.fill(userFactors, INIT_SCALE);
    rng.fill(itemFactors, INIT_SCALE);
    // The first YᵀY, summed as a solve pass would report it (in the kernel's own arithmetic).
    if (arena !== null && scratch !== null) {
      gramRowsWasm(arena.memory, itemFactors, items, f, itemBlockRows, itemPartials, scratch);
      sumGramPartials(itemPartials, itemBlocks, f, itemGram);
    } else {
      itemGram.set(gramOf(itemFactors, items, f));
    }
  };
  if (plan.deferFill !== true) fill();
  return {
    layout,
    kernel,
    fill,
    // Factors leave the arena (so its memory can go) as ordinary arrays.
    model: (history) =>
      Object.freeze({
        algorithm: 'als',
        params,
        kernel,
        factors: f,
        users,
        items,
        userFactors: arena === null && !plan.shared ? userFactors : userFactors.slice(),
        itemFactors: arena === null && !plan.shared ? itemFactors : itemFactors.slice(),
        history: Object.freeze([...history]),
      }),
    release: () => arena?.release(),
  };
}

/**
 * The report of a finished iteration (1-based) with its loss and wall-clock seconds. Throws
 * DIVERGED when the loss is not a finite number.
 */
export function alsIterationReport(iteration: number, loss: number, seconds: number): AlsIteration {
  if (!Number.isFinite(loss)) {
    throw new EncoreError(
      ErrorCode.DIVERGED,
      `factorization/fitAls: the loss is ${loss} after iteration ${iteration}; expected a finite number (check the matrix values and try a larger regularization or a smaller alpha)`,
      { value: loss, iteration },
    );
  }
  return Object.freeze({ iteration, loss, seconds });
}
