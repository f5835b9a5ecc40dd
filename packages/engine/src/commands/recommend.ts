import { connectRedisCache } from '@encore/cache';
import { EncoreError, ErrorCode } from '@encore/core';
import { createEngine, type EngineList } from '../engine.js';
import { readModel } from '../model-files.js';
import { FACTOR_ALGORITHMS, type FactorModelData } from './factor-train.js';

export interface RecommendCommandOptions {
  /** A factor model directory: computes lists on a cache miss (optional when `cache` is given). */
  readonly model?: string | undefined;
  readonly user: string;
  /** The customer's items, for a customer the model does not know: folded in (ALS). */
  readonly items?: readonly string[] | undefined;
  readonly k: number;
  /** What an unknown customer with no known items gets: the best sellers, or an UNKNOWN_ID error. */
  readonly fallback: 'popular' | 'error';
  /** Read through a Redis cache first (redis://host:port), as a backend service does. */
  readonly cache?: string | undefined;
  /** The cache namespace (one shop), default 'default'. */
  readonly namespace?: string | undefined;
  /** Put before every cache key (default 'encore:'). */
  readonly cachePrefix?: string | undefined;
}

/** What `encore recommend --json` prints: a public contract, keep fields stable. */
export interface RecommendCommandResult {
  readonly user: string;
  /** The model's algorithm ('als', 'bpr'), or 'cache' when no model was loaded. */
  readonly algorithm: string;
  readonly items: readonly { readonly item: string; readonly title: string; readonly score: number }[];
  /** True when the customer's factors were computed from `--items` without retraining. */
  readonly foldedIn: boolean;
  /** Present when the list is the popularity fallback rather than the customer's own. */
  readonly fallback?: 'popular';
  /** Where the list came from: cache, model, fold-in or popular (see the engine's EngineList). */
  readonly source: EngineList['source'];
  /** The cache version read, null when computed. */
  readonly version: number | null;
  readonly warnings: readonly string[];
}

/**
 * Top-k items for one customer, through the engine facade: from the cache when `cache` is given
 * and holds the customer's list, else from the trained ALS or BPR model. A known customer gets
 * their list without the items they already have. An unknown customer with `items` is folded in
 * (ALS: one exact solve against the item factors; BPR has no fold-in and falls back to best
 * sellers, with a warning). With nothing known: the best sellers when `fallback` is 'popular',
 * else UNKNOWN_ID. Cache trouble never fails the command: it becomes a warning.
 */
export async function runRecommend(options: RecommendCommandOptions): Promise<RecommendCommandResult> {
  if (options.model === undefined && options.cache === undefined) {
    throw new EncoreError(ErrorCode.USAGE, 'engine/recommend: expected --model <modelDir>, --cache <url>, or both', {});
  }
  const data = options.model === undefined ? undefined : await readFactorModel(options.model);
  const warnings: string[] = [];
  const opened =
    options.cache === undefined
      ? null
      : await connectRedisCache(
          options.cache,
          options.cachePrefix === undefined ? {} : { prefix: options.cachePrefix },
        );
  if (opened !== null && !opened.connected) {
    warnings.push(`cache ${options.cache} unreachable (${opened.error}): answering from the model`);
  }
  const engine = await createEngine({
    ...(opened === null ? {} : { cache: opened.store }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    models: data === undefined ? {} : { factors: data },
    onEvent: (event) => {
      if (event.type === 'cache-error' && opened?.connected !== false) warnings.push(`cache: ${event.error.message}`);
    },
  });
  try {
    const list = await engine.recommend(options.user, {
      k: options.k,
      titles: true,
      ...(options.items === undefined ? {} : { recentItems: options.items }),
    });
    // Decided on the model's ids, not on the wording of the engine's warnings.
    const modelItems = new Set(data?.itemIds ?? []);
    const knownItems = (options.items ?? []).some((id) => modelItems.has(id));
    if (list.source === 'popular' && options.fallback === 'error' && !knownItems) {
      throw new EncoreError(
        ErrorCode.UNKNOWN_ID,
        `engine/recommend: customer '${options.user}' is not in the model and no known --items were given; ` +
          'expected a trained customer, --items to fold in, or --fallback popular',
        { value: options.user },
      );
    }
    return {
      user: options.user,
      algorithm: data?.algorithm ?? 'cache',
      items: list.items.map(({ item, title, score }) => ({ item, title: title ?? '', score })),
      foldedIn: list.source === 'fold-in',
      ...(list.source === 'popular' ? { fallback: 'popular' as const } : {}),
      source: list.source,
      version: list.version,
      warnings: [...warnings, ...list.warnings],
    };
  } finally {
    await engine.close();
    await opened?.store.close();
  }
}

export async function readFactorModel(dir: string): Promise<FactorModelData> {
  const envelope = await readModel(dir);
  if (!(FACTOR_ALGORITHMS as readonly string[]).includes(envelope.kind)) {
    throw new EncoreError(
      ErrorCode.MODEL_FORMAT,
      `engine/recommend: ${dir} holds a '${envelope.kind}' model, expected ${FACTOR_ALGORITHMS.join(' or ')} (encore train --algorithm als)`,
      { path: dir, kind: envelope.kind },
    );
  }
  return envelope.data as FactorModelData;
}

export function formatRecommend(r: RecommendCommandResult): string {
  const how = r.foldedIn
    ? ' (folded in)'
    : r.fallback
      ? ' (best sellers: fallback)'
      : r.source === 'cache'
        ? ` (cache v${r.version})`
        : '';
  const lines = [`${r.algorithm} for ${r.user}${how}:`];
  r.items.forEach((t, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${t.item}  ${t.title}  score ${t.score.toFixed(3)}`);
  });
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
