import {
  type Algorithm,
  type Csr,
  checkIds,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  type FitContext,
  invalidArgument,
} from '@encore/core';
import {
  ALS_KERNELS,
  ALS_SOLVERS,
  type AlsKernel,
  type AlsKernelChoice,
  type AlsSolver,
  alsSolveRows,
  finishAlsHalf,
  gramOf,
} from './als-kernel.js';
import { alsIterationReport, prepareAlsFit } from './als-layout.js';
import { type FactorModel, type FactorRecommender, toRecommender } from './factor-model.js';

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

/** YᵀY of `y` (rows × f), cached per array (see foldInGrams); for fold-in and explanations. */
export function foldInGram(y: Float32Array, rows: number, f: number): Float64Array {
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
