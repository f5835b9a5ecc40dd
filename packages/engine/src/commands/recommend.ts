import { type Csr, EncoreError, ErrorCode, type TopK } from '@encore/core';
import { type AlsModel, recalculateUser, recommendItems } from '@encore/factorization';
import { readModel } from '../model-files.js';
import { FACTOR_ALGORITHMS, type FactorModelData } from './factor-train.js';

export interface RecommendCommandOptions {
  readonly model: string;
  readonly user: string;
  /** The customer's items, for a customer the model does not know: folded in (ALS). */
  readonly items?: readonly string[] | undefined;
  readonly k: number;
  /** What an unknown customer with no known items gets: the best sellers, or an UNKNOWN_ID error. */
  readonly fallback: 'popular' | 'error';
}

/** What `encore recommend --json` prints: a public contract, keep fields stable. */
export interface RecommendCommandResult {
  readonly user: string;
  readonly algorithm: string;
  readonly items: readonly { readonly item: string; readonly title: string; readonly score: number }[];
  /** True when the customer's factors were computed from `--items` without retraining. */
  readonly foldedIn: boolean;
  /** Present when the list is the popularity fallback rather than the customer's own. */
  readonly fallback?: 'popular';
  readonly warnings: readonly string[];
}

/**
 * Top-k items for one customer from a trained ALS or BPR model. A known customer gets their list
 * without the items they already have. An unknown customer with `items` is folded in (ALS:
 * one exact solve against the item factors; BPR has no fold-in and falls back to best sellers, with
 * a warning). With nothing known: the best sellers when `fallback` is 'popular', else UNKNOWN_ID.
 */
export async function runRecommend(options: RecommendCommandOptions): Promise<RecommendCommandResult> {
  const data = await readFactorModel(options.model);
  const { model, customerIds, itemIds, titles, seen, popularity, algorithm } = data;
  const warnings: string[] = [];
  const named = (list: TopK | undefined): RecommendCommandResult['items'] =>
    [...(list?.ids ?? [])].map((i, rank) => ({
      item: itemIds[i] as string,
      title: titles[i] ?? '',
      score: list?.scores[rank] as number,
    }));
  const user = customerIds.indexOf(options.user);
  if (user >= 0) {
    const [list] = recommendItems(model, Int32Array.of(user), { k: options.k, exclude: seen });
    return { user: options.user, algorithm, items: named(list), foldedIn: false, warnings };
  }

  const index = new Map(itemIds.map((id, i) => [id, i]));
  const known: number[] = [];
  for (const id of options.items ?? []) {
    const i = index.get(id);
    if (i === undefined) warnings.push(`unknown item '${id}': not in the model, left out of the fold-in`);
    else if (!known.includes(i)) known.push(i);
  }
  known.sort((a, b) => a - b);
  const own = singleRow(Int32Array.from(known), itemIds.length);
  if (known.length > 0 && algorithm === 'als') {
    const factors = recalculateUser(model as unknown as AlsModel, Int32Array.from(known));
    const [list] = recommendItems({ ...model, userFactors: factors }, Int32Array.of(0), { k: options.k, exclude: own });
    return { user: options.user, algorithm, items: named(list), foldedIn: true, warnings };
  }
  if (known.length > 0) {
    warnings.push(`${algorithm} has no fold-in: best sellers instead (retrain, or use als, to personalize)`);
  } else if (options.fallback === 'error') {
    throw new EncoreError(
      ErrorCode.UNKNOWN_ID,
      `engine/recommend: customer '${options.user}' is not in the model and no known --items were given; ` +
        'expected a trained customer, --items to fold in, or --fallback popular',
      { value: options.user },
    );
  }
  const [list] = recommendItems({ ...model, userFactors: new Float32Array(0) }, Int32Array.of(0), {
    k: options.k,
    exclude: own,
    fallback: popularity,
  });
  return { user: options.user, algorithm, items: named(list), foldedIn: false, fallback: 'popular', warnings };
}

async function readFactorModel(dir: string): Promise<FactorModelData> {
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

/** A one-row Csr holding `items` (ascending): what a folded-in customer already has. */
function singleRow(items: Int32Array, cols: number): Csr {
  return {
    rows: 1,
    cols,
    indptr: Int32Array.of(0, items.length),
    indices: items,
    data: new Float32Array(items.length).fill(1),
    times: null,
  };
}

export function formatRecommend(r: RecommendCommandResult): string {
  const how = r.foldedIn ? ' (folded in)' : r.fallback ? ' (best sellers: fallback)' : '';
  const lines = [`${r.algorithm} for ${r.user}${how}:`];
  r.items.forEach((t, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${t.item}  ${t.title}  score ${t.score.toFixed(3)}`);
  });
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
