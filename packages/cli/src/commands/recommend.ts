import { EncoreError, ErrorCode } from '@encore/core';
import type { Because, EngineList, LoadedModels } from '@encore/engine';
import { defineCommand } from '../command.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { formatBecause } from '../internal/explain.js';
import { openEngine } from '../internal/facade.js';
import { writeResult } from '../internal/output.js';

const { k, cache, namespace, json, help } = COMMON_FLAGS;

/** What `encore recommend --json` prints: a public contract, keep fields stable. */
export interface RecommendResult {
  readonly user: string;
  /** The factor model's algorithm ('als', 'bpr'), 'cooccurrence' when only a co-occurrence model was loaded, 'cache' when no model. */
  readonly algorithm: string;
  readonly items: readonly {
    readonly item: string;
    readonly title: string;
    readonly score: number;
    /** Why it is there, largest contribution first (empty for cached lists published without explanations). */
    readonly because: readonly Because[];
  }[];
  /** True when the customer's factors were computed from `--items` without retraining. */
  readonly foldedIn: boolean;
  /** Present when the list is the curated fallback rather than the customer's own. */
  readonly fallback?: 'popular';
  /** Where the list came from (see the facade's EngineList). */
  readonly source: EngineList['source'];
  /** The cache version read, null when computed. */
  readonly version: number | null;
  readonly warnings: readonly string[];
}

/** `encore recommend`: one customer's list through the serving facade, as a backend service gets it. */
export const recommendCommand = defineCommand({
  name: 'recommend',
  summary: 'top items for one customer through the serving facade (cache first, fold-in for new customers)',
  usage: '(--model <dir> … | --cache <url>) --user <id> [flags]',
  flags: {
    model: {
      type: 'strings',
      placeholder: 'dir',
      help: 'model directory written by encore train (repeat to serve several: als + cooccurrence)',
    },
    user: { type: 'string', placeholder: 'id', required: true, help: 'customer id' },
    items: {
      type: 'list',
      placeholder: 'id',
      help: "the customer's recent items: seeds for bought-together, folded in (als) for a new customer",
    },
    k,
    fallback: {
      type: 'choice',
      choices: ['error', 'popular'],
      default: 'error',
      help: 'a customer the models do not know, with no known --items: an error, or the best sellers',
    },
    cache: { ...cache, help: 'read through a Redis cache first: redis://host:port' },
    namespace,
    'cache-prefix': COMMON_FLAGS['cache-prefix'],
    'include-seen': COMMON_FLAGS['include-seen'],
    json,
    help,
  },
  async run(flags, { io }) {
    if (flags.model.length === 0 && flags.cache === undefined) {
      throw new EncoreError(ErrorCode.USAGE, 'encore recommend: expected --model <dir>, --cache <url>, or both', {
        flag: 'model',
      });
    }
    const opened = await openEngine({
      models: flags.model,
      cache: flags.cache,
      namespace: flags.namespace,
      cachePrefix: flags['cache-prefix'],
      includeSeen: flags['include-seen'],
    });
    try {
      const list = await opened.engine.recommend(flags.user, {
        k: flags.k,
        titles: true,
        ...(flags.items.length === 0 ? {} : { recentItems: flags.items }),
      });
      // Decided on the source and the models' ids, not on the wording of the facade's warnings.
      if (list.source === 'popular' && flags.fallback === 'error' && !knowsAny(opened.models, flags.items)) {
        throw new EncoreError(
          ErrorCode.UNKNOWN_ID,
          `encore recommend: customer '${flags.user}' is not in the model and no known --items were given; ` +
            'expected a trained customer, --items to fold in, or --fallback popular',
          { value: flags.user },
        );
      }
      const result: RecommendResult = {
        user: flags.user,
        algorithm: algorithmOf(opened.models),
        items: list.items.map(({ item, title, score, because }) => ({
          item,
          title: title ?? '',
          score,
          because: because ?? [],
        })),
        foldedIn: list.source === 'fold-in',
        ...(list.source === 'popular' ? { fallback: 'popular' as const } : {}),
        source: list.source,
        version: list.version,
        warnings: [...opened.warnings, ...list.warnings],
      };
      writeResult(io, flags.json, result, formatRecommend);
      return 0;
    } finally {
      await opened.close();
    }
  },
});

/** The factor model's algorithm, 'cooccurrence' when only that model is loaded, 'cache' when none. */
function algorithmOf(models: LoadedModels | null): string {
  if (models?.factors !== undefined) return models.factors.model.algorithm;
  if (models?.cooccurrence !== undefined) return 'cooccurrence';
  return 'cache';
}

/** True when some model of the set knows one of `items`. */
function knowsAny(models: LoadedModels | null, items: readonly string[]): boolean {
  if (models === null || items.length === 0) return false;
  const known = new Set<string>();
  for (const ids of [
    models.factors?.itemIds,
    models.cooccurrence?.itemIds,
    models.shelf?.itemIds,
    models.histories?.itemIds,
  ]) {
    for (const id of ids ?? []) known.add(id);
  }
  return items.some((id) => known.has(id));
}

function formatRecommend(r: RecommendResult): string {
  const how = r.foldedIn
    ? ' (folded in)'
    : r.fallback
      ? ' (best sellers: fallback)'
      : r.source === 'cache'
        ? ` (cache v${r.version})`
        : '';
  const lines = [`${r.algorithm} for ${r.user}${how}:`];
  r.items.forEach((t, i) => {
    const why = formatBecause(t.because);
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${t.item}${t.title === '' ? '' : `  ${t.title}`}  score ${t.score.toFixed(3)}` +
        (why === '' ? '' : `  (${why})`),
    );
  });
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
