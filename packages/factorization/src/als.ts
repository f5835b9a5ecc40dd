import {
  type Algorithm,
  type Csr,
  checkCsr,
  checkIds,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  createRng,
  EncoreError,
  ErrorCode,
  type FitContext,
  invalidArgument,
  transposeCsrInto,
} from '@encore/core';
import {
  ALS_KERNELS,
  ALS_SOLVERS,
  type AlsFitLayout,
  type AlsKernel,
  type AlsKernelChoice,
  type AlsSolver,
  alsBlockRows,
  alsSolveRows,
  finishAlsHalf,
  gramOf,
  resolveAlsKernel,
  sumGramPartials,
} from './als-kernel.js';
import { type FactorModel, type FactorRecommender, toRecommender } from './factor-model.js';
import { alsScratchFloats, gramRowsWasm } from './internal/als-wasm.js';
import { WasmArena } from './internal/wasm.js';

/** How a stored value r becomes the confidence 1 + α·r: the value itself, or 1 for every r > 0. */
export const ALS_AFFINITIES = Object.freeze(['value', 'binary'] as const);
export type AlsAffinity = (typeof ALS_AFFINITIES)[number];

/** Hyperparameters of implicit ALS. */
export type AlsParams = {
  /** Latent factors f (default 64). */
  readonly factors: number;
  /** λ, added to the diagonal of every row's system, unscaled as in implicit (default 30). */
  readonly regularization: number;
  /** α of the confidence c = 1 + α·r (default 2.5). */
  readonly alpha: number;
  /** Full iterations, each solving customers then items (default 15). */
  readonly iterations: number;
  /** CG steps per row and half-iteration (default 3, implicit's `cg_steps`). */
  readonly cgSteps: number;
  /** 'cg' (default) or the exact 'cholesky' (slow; tests and small data). */
  readonly solver: AlsSolver;
  /** Who runs CG: 'auto' (default: WebAssembly SIMD where it can run, else TypeScript), 'wasm' or 'js'. */
  readonly kernel: AlsKernelChoice;
  /** r = the matrix value ('value') or 1 ('binary', default). */
  readonly affinity: AlsAffinity;
  /** Seed of the initial factors (default 42). */
  readonly seed: number;
  /** Worker threads. The pure `fitAls` runs on the calling thread and takes only 1 (default); see @encore/workers. */
  readonly threads: number;
};

export const DEFAULT_ALS_PARAMS: Readonly<AlsParams> = Object.freeze({
  factors: 64,
  regularization: 30,
  alpha: 2.5,
  iterations: 15,
  cgSteps: 3,
  solver: 'cg',
  kernel: 'auto',
  affinity: 'binary',
  seed: 42,
  threads: 1,
});

/** Scale of the uniform initial factors, as implicit (`random(...) * 0.01`). */
const INIT_SCALE = 0.01;

/** One finished iteration. */
export interface AlsIteration {
  /** 1-based. */
  readonly iteration: number;
  /**
   * Hu et al.'s objective Σ c(p − xᵤ·yᵢ)² + λ(‖X‖² + ‖Y‖²) over all customer × item pairs, divided by
   * (Σ c over stored entries + pairs − stored entries), exactly implicit's `calculate_loss`.
   */
  readonly loss: number;
  /** Wall-clock seconds of the iteration. */
  readonly seconds: number;
}

/** A fitted implicit-ALS model: plain data (see {@link FactorModel}). */
export interface AlsModel extends FactorModel {
  readonly algorithm: 'als';
  readonly params: Readonly<AlsParams>;
  /** The kernel that ran ('wasm' or 'js'; see ALS_KERNELS). */
  readonly kernel: AlsKernel;
  /** One entry per iteration. */
  readonly history: readonly AlsIteration[];
}

/** Options of a fit: core's FitContext plus a per-iteration report. */
export interface AlsFitOptions extends FitContext {
  readonly onIteration?: ((iteration: AlsIteration) => void) | undefined;
}

/** Where a fit's arrays live. */
interface AlsMemory {
  float32(length: number): Float32Array;
  float64(length: number): Float64Array;
  int32(length: number): Int32Array;
}

const ORDINARY_MEMORY: AlsMemory = Object.freeze({
  float32: (n: number) => new Float32Array(n),
  float64: (n: number) => new Float64Array(n),
  int32: (n: number) => new Int32Array(n),
});

/** SharedArrayBuffer-backed arrays: handed to a worker, they are shared, not copied. */
const SHARED_MEMORY: AlsMemory = Object.freeze({
  float32: (n: number) => new Float32Array(new SharedArrayBuffer(4 * n)),
  float64: (n: number) => new Float64Array(new SharedArrayBuffer(8 * n)),
  int32: (n: number) => new Int32Array(new SharedArrayBuffer(4 * n)),
});

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
 * Resolves and validates ALS hyperparameters (defaults from `defaults`, DEFAULT_ALS_PARAMS
 * unless given). Throws INVALID_ARGUMENT for an unknown key or a value out of range.
 */
export function resolveAlsParams(
  where: string,
  params: unknown,
  defaults: Readonly<AlsParams> = DEFAULT_ALS_PARAMS,
): Readonly<AlsParams> {
  const o = checkOptions(where, params ?? {}, Object.keys(DEFAULT_ALS_PARAMS), 'params');
  const d = defaults;
  return Object.freeze({
    factors: checkInteger(where, 'factors', o.factors ?? d.factors, 1, 4096),
    regularization: checkNumber(where, 'regularization', o.regularization ?? d.regularization, 0),
    alpha: checkNumber(where, 'alpha', o.alpha ?? d.alpha, 0),
    iterations: checkInteger(where, 'iterations', o.iterations ?? d.iterations, 0, 100_000),
    cgSteps: checkInteger(where, 'cgSteps', o.cgSteps ?? d.cgSteps, 1, 4096),
    solver: checkOneOf(where, 'solver', o.solver ?? d.solver, ALS_SOLVERS),
    kernel: checkOneOf(where, 'kernel', o.kernel ?? d.kernel, ALS_KERNELS),
    affinity: checkOneOf(where, 'affinity', o.affinity ?? d.affinity, ALS_AFFINITIES),
    seed: checkNumber(where, 'seed', o.seed ?? d.seed),
    threads: checkInteger(where, 'threads', o.threads ?? d.threads, 1, 1024),
  });
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
 * `fitAlsParallel` on worker threads, both with `alsSolveRows` and {@link finishAlsHalf}, so both
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
  const memory: AlsMemory = arena ?? (plan.shared ? SHARED_MEMORY : ORDINARY_MEMORY);
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

/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", ICDM 2008) with the conjugate-gradient row solver of Takács, Pilászy & Tikk (RecSys
 * 2011), following benfred/implicit (implicit/cpu/als.py, implicit/cpu/_als.pyx): factors start
 * uniform in [0, 0.01); each iteration solves every customer against YᵀY + λI + Yᵀ(Cᵤ − I)Y
 * (`cgSteps` CG steps warm-started from the last solution), then every item likewise.
 *
 * Differences from implicit, on purpose: confidence is Hu et al.'s c = 1 + α·r (implicit ≥ 0.5
 * uses c = α·r, so implicit's α on binary data is our α + 1); the loss is computed every
 * iteration (cheaply, from the Gramians the next half needs anyway) and a non-finite one is an
 * error, not silent garbage. λ is added unscaled to YᵀY, as in implicit.
 *
 * Runs on the calling thread (`threads` must be 1); @encore/workers' `fitAlsParallel` gives the
 * same model on several cores. Deterministic for a given seed.
 *
 * Throws INVALID_ARGUMENT for a malformed matrix, a negative or non-finite value in it, an
 * unknown or out-of-range param or threads > 1; DIVERGED when the loss becomes NaN / Infinity or
 * an exact solve meets a system that is not positive definite; the signal's reason when aborted.
 *
 * @example
 * const model = fitAls(train, { factors: 64, iterations: 15 }, { onIteration: (it) => console.log(it.loss) });
 * recommendItems(model, Int32Array.of(0), { k: 10, exclude: train });
 */
export function fitAls(matrix: Csr, params: Partial<AlsParams> = {}, options: AlsFitOptions = {}): AlsModel {
  const where = 'factorization/fitAls';
  const resolved = resolveAlsParams(where, params);
  if (resolved.threads !== 1) {
    throw invalidArgument(
      where,
      "threads must be 1 here; use @encore/workers' fitAlsParallel for more",
      resolved.threads,
    );
  }
  const fit = prepareAlsFit(matrix, resolved);
  try {
    const { layout } = fit;
    const { user, item, losses } = layout;
    const { signal, onProgress, onIteration } = options;
    const history: AlsIteration[] = [];
    for (let iteration = 0; iteration < resolved.iterations; iteration++) {
      const start = performance.now();
      signal?.throwIfAborted();
      alsSolveRows(user, 0, user.rows);
      finishAlsHalf(layout, 'user', iteration);
      signal?.throwIfAborted();
      alsSolveRows(item, 0, item.rows);
      finishAlsHalf(layout, 'item', iteration);
      const seconds = (performance.now() - start) / 1000;
      const report = alsIterationReport(iteration + 1, losses[iteration] as number, seconds);
      history.push(report);
      onIteration?.(report);
      onProgress?.((iteration + 1) / resolved.iterations, `iteration ${iteration + 1}/${resolved.iterations}`);
    }
    return fit.model(history);
  } finally {
    fit.release();
  }
}

/**
 * Implicit ALS behind core's recommender contract (name 'als'); the fitted model's plain data is
 * at `model`. Rejects as {@link fitAls}.
 *
 * @example
 * const recommender = await als.fit(train, { factors: 32 });
 * recommender.recommend(Int32Array.of(0, 1), { k: 10, exclude: train });
 */
export const als: Algorithm<AlsParams> = Object.freeze({
  name: 'als',
  defaults: DEFAULT_ALS_PARAMS,
  async fit(
    matrix: Csr,
    params: Partial<AlsParams> = {},
    context: FitContext = {},
  ): Promise<FactorRecommender<AlsModel>> {
    return toRecommender(fitAls(matrix, params, context));
  },
});

/**
 * A customer's factors from their items, without retraining: one exact solve against the fitted
 * item factors (implicit's `recalculate_user`), with the model's α, λ and affinity. For a new
 * customer, or one whose items changed. `values` default to 1.
 *
 * Throws INVALID_ARGUMENT for item ids out of range or repeated, values of another length or
 * negative / non-finite; DIVERGED if the system is not positive definite (λ = 0).
 *
 * @example
 * const x = recalculateUser(model, Int32Array.of(3, 17, 42));
 */
export function recalculateUser(model: AlsModel, items: Int32Array, values?: Float32Array): Float32Array {
  return foldIn('factorization/recalculateUser', model, 'user', items, values);
}

/**
 * An item's factors from the customers who interacted with it, without retraining (implicit's
 * `recalculate_item`). As {@link recalculateUser}, with the sides swapped.
 *
 * @example
 * const y = recalculateItem(model, Int32Array.of(0, 5, 9));
 */
export function recalculateItem(model: AlsModel, users: Int32Array, values?: Float32Array): Float32Array {
  return foldIn('factorization/recalculateItem', model, 'item', users, values);
}

/**
 * YᵀY of a model's factors, computed once per factor array: a fold-in is one f × f solve, and
 * recomputing the Gramian each time would cost rows·f² (tens of milliseconds per request for a
 * catalog of tens of thousands of items). Keyed weakly by the array, so it goes with the model.
 * Models are plain data that nothing in Encore mutates; a caller that rewrites a model's factors
 * in place must make a new array.
 */
const foldInGrams = new WeakMap<Float32Array, Float64Array>();

function foldInGram(y: Float32Array, rows: number, f: number): Float64Array {
  let gram = foldInGrams.get(y);
  if (gram === undefined) {
    gram = gramOf(y, rows, f);
    foldInGrams.set(y, gram);
  }
  return gram;
}

function foldIn(
  where: string,
  model: AlsModel,
  side: 'user' | 'item',
  ids: Int32Array,
  values: Float32Array | undefined,
): Float32Array {
  const other = side === 'user' ? model.items : model.users;
  checkIds(where, side === 'user' ? 'items' : 'users', ids, other);
  if (values !== undefined) {
    if (!(values instanceof Float32Array) || values.length !== ids.length) {
      throw invalidArgument(where, 'values must be a Float32Array as long as the ids', values);
    }
    for (let k = 0; k < values.length; k++) {
      const v = values[k] as number;
      if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) throw invalidArgument(where, 'values must be finite and ≥ 0', v);
    }
  }
  const order = Array.from(ids.keys()).sort((a, b) => (ids[a] as number) - (ids[b] as number));
  const indices = new Int32Array(ids.length);
  const data = new Float32Array(ids.length);
  order.forEach((k, o) => {
    indices[o] = ids[k] as number;
    data[o] = values === undefined ? 1 : (values[k] as number);
    if (o > 0 && indices[o] === indices[o - 1]) throw invalidArgument(where, 'ids must not repeat', indices[o]);
  });
  const f = model.factors;
  const y = side === 'user' ? model.itemFactors : model.userFactors;
  const { params } = model;
  const x = new Float32Array(f);
  alsSolveRows(
    {
      rows: 1,
      factors: f,
      indptr: Int32Array.of(0, ids.length),
      indices,
      data,
      x,
      y,
      gram: foldInGram(y, other, f),
      regularization: params.regularization,
      alpha: params.alpha,
      binary: params.affinity === 'binary',
      cgSteps: params.cgSteps,
      solver: 'cholesky',
      kernel: 'js',
      blockRows: 1,
      memory: null,
      scratch: null,
      gramPartials: new Float64Array(f * f),
      lossPartials: null,
    },
    0,
    1,
  );
  return x;
}
