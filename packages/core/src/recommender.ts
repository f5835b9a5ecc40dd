import type { Csr } from './csr.js';
import type { TopK } from './topk.js';

/**
 * The recommender contract every Encore model honours (popularity baselines, co-occurrence,
 * ALS, BPR, …), in the spirit of implicit's `fit` / `recommend`: one shape, one behaviour suite.
 *
 * Models speak dense indices: rows and columns of the customers × items matrix they were fitted
 * on. IdMaps translate at the edges.
 */
export interface RecommendOptions {
  /** List length; capped at the number of candidate items. */
  readonly k: number;
  /**
   * Items to leave out per customer: row u of this matrix (customers × items, e.g. the training
   * matrix, so seen items are not recommended). Rows beyond its size exclude nothing.
   */
  readonly exclude?: Csr | undefined;
}

export interface Model {
  /** Algorithm name, as given to `encore eval --algorithm`. */
  readonly algorithm: string;
  /** The resolved hyperparameters the model was fitted with (JSON-serializable). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * What actually ran where a choice was made at run time (JSON-serializable), e.g. the ALS kernel
   * `{ kernel: 'wasm' }` or BPR's `{ backend: 'typed-arrays' }`; reports print it beside the params.
   */
  readonly runtime?: Readonly<Record<string, string>> | undefined;
  readonly customers: number;
  readonly items: number;
  /**
   * Top-k items for each customer index in `customers` (batch first). Customers the model never
   * saw get its fallback (e.g. popularity) or an empty list, never an exception.
   */
  recommend(customers: Int32Array, options: RecommendOptions): TopK[];
}

export interface Algorithm<P extends object = Record<string, unknown>> {
  readonly name: string;
  /** Documented defaults, frozen. */
  readonly defaults: Readonly<P>;
  /** Fits on a customers × items matrix. Never mutates it. Rejects with INVALID_ARGUMENT on bad params. */
  fit(matrix: Csr, params?: Partial<P>, context?: FitContext): Promise<Model>;
}

export interface FitContext {
  /** Progress in [0, 1] with a short label, for long fits. */
  readonly onProgress?: ((fraction: number, label: string) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}
