import type { Because } from '@encore/engine';
import { servingRelation } from '@encore/models';
import { defineCommand } from '../command.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { formatBecause } from '../internal/explain.js';
import { openEngine } from '../internal/facade.js';
import { writeResult } from '../internal/output.js';

const { k, json, help } = COMMON_FLAGS;

/** What `encore together --json` prints: a public contract, keep fields stable. */
export interface TogetherResult {
  readonly items: readonly string[];
  readonly relation: string;
  readonly together: readonly {
    readonly item: string;
    readonly title: string;
    readonly score: number;
    /** Baskets holding the item together with the input items. */
    readonly support: number;
    /** The input item behind it, through the relation. */
    readonly because: readonly Because[];
  }[];
  /** Input items the model does not know (they add nothing), and anything else the facade reports. */
  readonly warnings: readonly string[];
}

/** `encore together`: what goes with an item or a cart, through the serving facade. */
export const togetherCommand = defineCommand({
  name: 'together',
  summary: 'items bought / viewed together with one item or a cart, through the serving facade',
  usage: '--model <dir> --item <id> [--item <id> …] [flags]',
  flags: {
    model: {
      type: 'strings',
      required: true,
      placeholder: 'dir',
      help: 'model directory written by encore train (one with a co-occurrence model)',
    },
    item: { type: 'strings', required: true, placeholder: 'id', help: 'item id (repeat for a cart)' },
    k,
    relation: {
      type: 'string',
      placeholder: 'name',
      help:
        'relation of the model: bought-together | viewed-together | viewed-bought | customers-also ' +
        '(default: bought-together, or the first relation with edges when it is empty)',
    },
    json,
    help,
  },
  async run(flags, { io }) {
    // Models only, no cache: the facade computes the answer, with each item's support.
    const opened = await openEngine({
      models: flags.model,
      namespace: COMMON_FLAGS.namespace.default,
      cachePrefix: COMMON_FLAGS['cache-prefix'].default,
    });
    try {
      const relation = flags.relation ?? servingRelation(opened.models?.cooccurrence);
      const list = await opened.engine.together(flags.item, { k: flags.k, titles: true, relation });
      const result: TogetherResult = {
        items: flags.item,
        relation,
        together: list.items.map(({ item, title, score, support, because }) => ({
          item,
          title: title ?? '',
          score,
          support: support ?? 0,
          because: because ?? [],
        })),
        warnings: [...opened.warnings, ...list.warnings],
      };
      writeResult(io, flags.json, result, formatTogether);
      return 0;
    } finally {
      await opened.close();
    }
  },
});

function formatTogether(r: TogetherResult): string {
  const lines = [`${r.relation} for ${r.items.join(', ')}:`];
  r.together.forEach((t, i) => {
    const why = r.items.length > 1 ? `  (${formatBecause(t.because)})` : '';
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${t.item}${t.title === '' ? '' : `  ${t.title}`}  score ${t.score.toFixed(2)}  ` +
        `support ${t.support}${why}`,
    );
  });
  if (r.together.length === 0) lines.push('  (nothing)');
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
