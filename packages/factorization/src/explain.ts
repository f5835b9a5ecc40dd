import { checkIds, invalidArgument } from '@encore/core';
import { type AlsModel, foldInGram } from './als.js';
import type { FactorScoring } from './factor-model.js';

/**
 * Why a factor model recommends what it does: for each recommended item, how much each item of
 * the customer's history adds to its score — the "because you bought X" behind a list.
 *
 * ALS (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008,
 * §5): with the customer's factors the exact solution xᵤ = Wᵘ Σⱼ cᵤⱼ yⱼ of their least-squares
 * system, Wᵘ = (YᵀY + Yᵀ(Cᵘ − I)Y + λI)⁻¹, the score splits over the history as
 * ŝᵤᵢ = Σⱼ cᵤⱼ · yᵢᵀ Wᵘ yⱼ; row r of the result holds those terms for `recommended[r]`. They sum
 * to the score of the fold-in (`recalculateUser`); a trained customer's factors come from a few CG
 * steps on the same system, so their sum is close to, not equal to, the served score. implicit's
 * `explain` computes the same terms.
 *
 * Cost, for n history items and k recommended ones. Directly (as implicit): Wᵘ's Cholesky factor,
 * n·f²/2 + f³/6, then f² + n·f per item. A customer's history is usually shorter than f, and
 * Wᵘ = (B + Yₕᵀ D Yₕ)⁻¹ with B = YᵀY + λI shared by all customers and D = diag(α·rⱼ), so by the
 * Woodbury identity yᵢᵀ Wᵘ yⱼ = (Q M⁻¹)ᵢⱼ / dⱼ with Q = Yₖ B⁻¹ Yₕᵀ and M = D⁻¹ + Yₕ B⁻¹ Yₕᵀ (n × n):
 * n²·f/2 + n³/6 + k·n·f + k·n², with Z = Y B⁻¹ computed once per model. Both give the same terms
 * (tested); the cheaper is used.
 *
 * Other factor models (BPR) have no such decomposition; their terms are the cosine similarity of
 * the recommended item's factors to each history item's (the history item most like it leads).
 */

/** What {@link explainFactors} returns. */
export interface FactorExplanation {
  /** How the terms were computed: 'als' (exact contributions) or 'similarity' (cosine of item factors). */
  readonly method: 'als' | 'similarity';
  /** recommended × history terms, row-major: `terms[r * history.length + h]`. */
  readonly terms: Float64Array;
}

/**
 * The contribution of each `history` item to each `recommended` item's score (see the module
 * comment). `values` are the history's stored values (default 1 each), as a fit saw them.
 *
 * Throws INVALID_ARGUMENT for item indices outside the model or values that are not finite ≥ 0.
 *
 * @example
 * const { terms } = explainFactors(model, Int32Array.of(3, 17), top.ids);
 * // terms[r * 2 + 1] is what item 17 adds to the score of top.ids[r]
 */
export function explainFactors(
  model: FactorScoring & { readonly algorithm?: string; readonly params?: unknown },
  history: Int32Array,
  recommended: Int32Array,
  values?: Float32Array,
): FactorExplanation {
  const where = 'factorization/explainFactors';
  checkIds(where, 'history', history, model.items);
  checkIds(where, 'recommended', recommended, model.items);
  if (values !== undefined) {
    if (!(values instanceof Float32Array) || values.length !== history.length) {
      throw invalidArgument(where, 'values must be a Float32Array as long as the history', values);
    }
    for (const v of values)
      if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) throw invalidArgument(where, 'values must be finite and ≥ 0', v);
  }
  if (model.algorithm === 'als')
    return { method: 'als', terms: alsTerms(model as AlsModel, history, recommended, values) };
  return { method: 'similarity', terms: cosineTerms(model, history, recommended) };
}

/** Which way {@link alsTerms} computes: 'auto' picks the cheaper (tests force each). */
export type AlsExplainMethod = 'auto' | 'direct' | 'woodbury';

/** The ALS terms of {@link explainFactors} (exported for its tests, not from the package). */
export function alsTerms(
  model: AlsModel,
  history: Int32Array,
  recommended: Int32Array,
  values: Float32Array | undefined,
  method: AlsExplainMethod = 'auto',
): Float64Array {
  const f = model.factors;
  const y = model.itemFactors;
  const { regularization, alpha, affinity } = model.params;
  const n = history.length;
  const confidence = new Float64Array(n);
  let woodbury = method === 'woodbury' || (method === 'auto' && n <= f);
  for (let h = 0; h < n; h++) {
    const raw = values === undefined ? 1 : (values[h] as number);
    const r = affinity === 'binary' ? (raw > 0 ? 1 : 0) : raw;
    confidence[h] = r > 0 ? 1 + alpha * r : 0;
    // Woodbury needs D invertible: every history item with a confidence above 1.
    if (!(alpha * r > 0)) woodbury = false;
  }
  if (woodbury) return woodburyTerms(model, history, recommended, confidence);
  // A = YᵀY + λI + Σⱼ (cⱼ − 1) yⱼyⱼᵀ, cⱼ = 1 + α·rⱼ: the lower triangle only (what Cholesky reads).
  const gram = foldInGram(y, model.items, f);
  const a = new Float64Array(f * f);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j <= i; j++) a[i * f + j] = gram[i * f + j] as number;
    a[i * f + i]! += regularization;
  }
  const row = new Float64Array(f);
  for (let h = 0; h < n; h++) {
    const c = confidence[h] as number;
    const cm1 = c === 0 ? 0 : c - 1;
    if (cm1 === 0) continue;
    const yo = (history[h] as number) * f;
    for (let j = 0; j < f; j++) row[j] = y[yo + j] as number;
    for (let i = 0; i < f; i++) {
      const s = cm1 * (row[i] as number);
      const ao = i * f;
      for (let j = 0; j <= i; j++) a[ao + j] = (a[ao + j] as number) + s * (row[j] as number);
    }
  }
  choleskyInPlace(a, f);
  const terms = new Float64Array(recommended.length * n);
  const v = new Float64Array(f);
  for (let r = 0; r < recommended.length; r++) {
    const io = (recommended[r] as number) * f;
    for (let j = 0; j < f; j++) v[j] = y[io + j] as number;
    choleskySolve(a, f, v); // v = A⁻¹ yᵢ
    for (let h = 0; h < n; h++) {
      const c = confidence[h] as number;
      if (c === 0) continue;
      const ho = (history[h] as number) * f;
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      for (; j + 1 < f; j += 2) {
        s0 += (v[j] as number) * (y[ho + j] as number);
        s1 += (v[j + 1] as number) * (y[ho + j + 1] as number);
      }
      if (j < f) s0 += (v[j] as number) * (y[ho + j] as number);
      terms[r * n + h] = c * (s0 + s1);
    }
  }
  return terms;
}

/** The direct method's terms by the Woodbury identity (see the module comment); every dⱼ = cⱼ − 1 > 0. */
function woodburyTerms(
  model: AlsModel,
  history: Int32Array,
  recommended: Int32Array,
  confidence: Float64Array,
): Float64Array {
  const f = model.factors;
  const y = model.itemFactors;
  const z = solvedFactors(model);
  const n = history.length;
  const k = recommended.length;
  // M = D⁻¹ + R, R[j][l] = yⱼ · zₗ (symmetric: B is), lower triangle.
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const yo = (history[j] as number) * f;
    for (let l = 0; l <= j; l++) {
      const zo = (history[l] as number) * f;
      let s = 0;
      for (let t = 0; t < f; t++) s += (y[yo + t] as number) * (z[zo + t] as number);
      m[j * n + l] = s;
    }
    m[j * n + j]! += 1 / ((confidence[j] as number) - 1);
  }
  choleskyInPlace(m, n);
  const terms = new Float64Array(k * n);
  const q = new Float64Array(n);
  for (let r = 0; r < k; r++) {
    const io = (recommended[r] as number) * f;
    // qⱼ = yᵢ · zⱼ (= yᵢᵀ B⁻¹ yⱼ), then q ← M⁻¹ q.
    for (let j = 0; j < n; j++) {
      const zo = (history[j] as number) * f;
      let s = 0;
      for (let t = 0; t < f; t++) s += (y[io + t] as number) * (z[zo + t] as number);
      q[j] = s;
    }
    choleskySolve(m, n, q);
    for (let j = 0; j < n; j++) {
      const c = confidence[j] as number;
      terms[r * n + j] = (c * (q[j] as number)) / (c - 1);
    }
  }
  return terms;
}

/** Z = Y B⁻¹, B = YᵀY + λI (items × f, float64), once per factor array and λ (see foldInGram). */
const solvedFactorCache = new WeakMap<Float32Array, Map<number, Float64Array>>();

function solvedFactors(model: AlsModel): Float64Array {
  const y = model.itemFactors;
  const lambda = model.params.regularization;
  let byLambda = solvedFactorCache.get(y);
  if (byLambda === undefined) {
    byLambda = new Map();
    solvedFactorCache.set(y, byLambda);
  }
  let z = byLambda.get(lambda);
  if (z !== undefined) return z;
  const f = model.factors;
  const b = new Float64Array(f * f);
  const gram = foldInGram(y, model.items, f);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j <= i; j++) b[i * f + j] = gram[i * f + j] as number;
    b[i * f + i]! += lambda;
  }
  choleskyInPlace(b, f);
  z = new Float64Array(model.items * f);
  const row = new Float64Array(f);
  for (let i = 0; i < model.items; i++) {
    for (let t = 0; t < f; t++) row[t] = y[i * f + t] as number;
    choleskySolve(b, f, row);
    z.set(row, i * f);
  }
  byLambda.set(lambda, z);
  return z;
}

function cosineTerms(model: FactorScoring, history: Int32Array, recommended: Int32Array): Float64Array {
  const f = model.factors;
  const y = model.itemFactors;
  const n = history.length;
  const norm = (i: number): number => {
    let s = 0;
    for (let j = 0; j < f; j++) s += (y[i * f + j] as number) ** 2;
    return Math.sqrt(s);
  };
  const historyNorms = Float64Array.from(history, norm);
  const terms = new Float64Array(recommended.length * n);
  for (let r = 0; r < recommended.length; r++) {
    const i = recommended[r] as number;
    const ni = norm(i);
    for (let h = 0; h < n; h++) {
      const d = ni * (historyNorms[h] as number);
      if (d === 0) continue;
      let s = 0;
      for (let j = 0; j < f; j++) s += (y[i * f + j] as number) * (y[(history[h] as number) * f + j] as number);
      terms[r * n + h] = s / d;
    }
  }
  return terms;
}

/**
 * A = L Lᵀ in place: L in the lower triangle (read from A's lower triangle), and Lᵀ mirrored into
 * the upper one, so both solves read rows in order. A is symmetric positive definite (λ > 0).
 */
function choleskyInPlace(a: Float64Array, f: number): void {
  for (let j = 0; j < f; j++) {
    let d = a[j * f + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * f + k] as number) ** 2;
    // λ = 0 with too little data leaves A singular: keep it solvable, the terms stay finite.
    const l = Math.sqrt(d > 1e-12 ? d : 1e-12);
    a[j * f + j] = l;
    for (let i = j + 1; i < f; i++) {
      let s = a[i * f + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * f + k] as number) * (a[j * f + k] as number);
      a[i * f + j] = s / l;
    }
  }
  for (let i = 0; i < f; i++) for (let k = i + 1; k < f; k++) a[i * f + k] = a[k * f + i] as number;
}

/** Solves L Lᵀ x = b in place (b becomes x), L from {@link choleskyInPlace}. */
function choleskySolve(l: Float64Array, f: number, b: Float64Array): void {
  for (let i = 0; i < f; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * f + k] as number) * (b[k] as number);
    b[i] = s / (l[i * f + i] as number);
  }
  for (let i = f - 1; i >= 0; i--) {
    let s = b[i] as number;
    // Lᵀ's row i, kept in the upper triangle (see choleskyInPlace): read in order.
    for (let k = i + 1; k < f; k++) s -= (l[i * f + k] as number) * (b[k] as number);
    b[i] = s / (l[i * f + i] as number);
  }
}
