import { DEFAULT_TOGETHER_OPTIONS, relationOf, together } from '@encore/cooccurrence';
import { readCooccurrenceModel } from './train.js';

export interface TogetherCommandOptions {
  readonly model: string;
  readonly items: readonly string[];
  readonly k: number;
  readonly relation: string;
}

/** What `encore together --json` prints: a public contract, keep fields stable. */
export interface TogetherCommandResult {
  readonly items: readonly string[];
  readonly relation: string;
  readonly together: readonly {
    readonly item: string;
    readonly title: string;
    readonly score: number;
    readonly support: number;
  }[];
  /** Input items the model does not know (they vote for nothing). */
  readonly warnings: readonly string[];
}

/**
 * The items to add to one item or a cart, from a trained co-occurrence model. Unknown item ids
 * give a warning each, not an error: a new product simply has no neighbours yet.
 */
export async function runTogether(options: TogetherCommandOptions): Promise<TogetherCommandResult> {
  const { model, titles } = await readCooccurrenceModel(options.model);
  relationOf(model, options.relation); // unknown relation: a typed error naming the known ones
  const index = new Map(model.itemIds.map((id, i) => [id, i]));
  const known: number[] = [];
  const warnings: string[] = [];
  for (const id of options.items) {
    const i = index.get(id);
    if (i === undefined) warnings.push(`unknown item '${id}': not in the model, it adds no neighbours`);
    else known.push(i);
  }
  const result =
    known.length === 0
      ? { ids: new Int32Array(0), scores: new Float32Array(0), support: new Int32Array(0) }
      : together(model, known, { k: options.k, relation: options.relation });
  return {
    items: [...options.items],
    relation: options.relation,
    together: [...result.ids].map((i, rank) => ({
      item: model.itemIds[i] as string,
      title: titles[i] ?? '',
      score: result.scores[rank] as number,
      support: result.support[rank] as number,
    })),
    warnings,
  };
}

export function formatTogether(r: TogetherCommandResult): string {
  const lines = [`${r.relation} for ${r.items.join(', ')}:`];
  r.together.forEach((t, i) => {
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${t.item}  ${t.title}  score ${t.score.toFixed(2)}  support ${t.support}`,
    );
  });
  if (r.together.length === 0) lines.push('  (nothing)');
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

export { DEFAULT_TOGETHER_OPTIONS };
