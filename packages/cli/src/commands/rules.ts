import { EVENT_TYPES } from '@encore/core';
import { mineAssociationRules, type RulesResult } from '@encore/jobs';
import { defineCommand } from '../command.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { dataInput } from '../internal/data-input.js';
import { count, writeResult } from '../internal/output.js';

const { data, format, strict, json, quiet, help } = COMMON_FLAGS;

/** Rules shown without `--json`. */
const TOP = 20;

/** `encore rules`: frequent itemsets and association rules over orders or sessions (FP-growth). */
export const rulesCommand = defineCommand({
  name: 'rules',
  summary: 'frequent itemsets and association rules over orders or sessions (FP-growth)',
  usage: '--data <path> --format <format> [flags]',
  flags: {
    data: { ...data, required: true },
    format: { ...format, required: true },
    columns: COMMON_FLAGS.columns,
    type: COMMON_FLAGS.type,
    basket: { type: 'choice', choices: ['order', 'session'], default: 'order', help: 'what one basket is' },
    events: {
      type: 'list',
      choices: EVENT_TYPES,
      default: ['purchase'],
      placeholder: 'type',
      help: 'event types that put an item in a basket',
    },
    'min-support': {
      type: 'number',
      min: 0,
      max: 1,
      exclusiveMin: true,
      default: 0.001,
      help: 'minimum support (share of baskets)',
    },
    'min-confidence': { type: 'number', min: 0, max: 1, default: 0.5, help: 'minimum confidence' },
    'min-lift': { type: 'number', min: 0, max: Number.POSITIVE_INFINITY, default: 0, help: 'minimum lift' },
    'max-length': {
      type: 'integer',
      min: 1,
      max: 100,
      default: 10,
      help: 'most items in a rule (antecedent + consequent)',
    },
    strict,
    json,
    quiet,
    help,
  },
  async run(flags, { io, progress, signal }) {
    const result = await mineAssociationRules({
      data: flags.data,
      format: flags.format,
      input: dataInput(flags),
      basket: flags.basket,
      events: flags.events,
      minSupport: flags['min-support'],
      minConfidence: flags['min-confidence'],
      minLift: flags['min-lift'],
      maxLength: flags['max-length'],
      strict: flags.strict,
      progress,
      signal,
    });
    writeResult(io, flags.json, result, formatRules);
    return 0;
  },
});

/** The readable report: the counts, then the top rules by lift. */
function formatRules(r: RulesResult): string {
  const fmt = (x: number | null, digits = 4): string => (x === null ? 'inf' : x.toFixed(digits));
  const lines = [
    `${r.dataset.path} (${r.dataset.format}): ${count(r.dataset.baskets)} ${r.params.basket} baskets, ` +
      `${count(r.dataset.items)} items`,
    `support ≥ ${r.params.minSupport} (${r.params.minCount} baskets), confidence ≥ ${r.params.minConfidence}, ` +
      `length ≤ ${r.params.maxLength}: ${count(r.itemsets.length)} frequent itemsets, ` +
      `${count(r.rules.length)} rules in ${r.timings.mineSeconds.toFixed(3)}s`,
    '',
    `top ${Math.min(TOP, r.rules.length)} rules by lift:`,
    ...r.rules
      .slice(0, TOP)
      .map(
        (rule) =>
          `  {${rule.antecedent.join(', ')}} => {${rule.consequent.join(', ')}}  support ${fmt(rule.support, 5)}  ` +
          `confidence ${fmt(rule.confidence)}  lift ${fmt(rule.lift)}  leverage ${fmt(rule.leverage, 5)}  conviction ${fmt(rule.conviction)}`,
      ),
  ];
  return `${lines.join('\n')}\n`;
}
