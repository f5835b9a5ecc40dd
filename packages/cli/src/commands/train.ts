import { EncoreError, ErrorCode, EVENT_TYPES } from '@encore/core';
import { TRAINABLE_ALGORITHMS, type TrainResult, trainModels } from '@encore/jobs';
import { defineCommand } from '../command.js';
import { ALGORITHM_FLAGS, algorithmParams } from '../internal/algorithm-params.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { dataInput } from '../internal/data-input.js';
import { count, writeResult } from '../internal/output.js';

const { data, format, strict, json, quiet, help } = COMMON_FLAGS;

/** `encore train`: trains a model and writes a model directory the facade and `encore score` serve from. */
export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a model (co-occurrence, als or bpr) and write a model directory',
  usage: '--data <path> --format <format> --out <dir> [flags]',
  flags: {
    data: { ...data, required: true },
    format: { ...format, required: true },
    columns: COMMON_FLAGS.columns,
    type: COMMON_FLAGS.type,
    out: {
      type: 'string',
      placeholder: 'dir',
      required: true,
      help: 'model directory to write, replaced atomically',
    },
    algorithm: {
      type: 'choice',
      choices: TRAINABLE_ALGORITHMS,
      default: 'cooccurrence',
      code: ErrorCode.UNKNOWN_ALGORITHM,
      noun: 'algorithm',
      placeholder: 'name',
      help: 'what to train',
    },
    ...ALGORITHM_FLAGS,
    'min-support': {
      type: 'integer',
      min: 1,
      max: 0x7fffffff,
      help: 'cooccurrence: minimum co-count of a pair',
    },
    events: {
      type: 'list',
      choices: EVENT_TYPES,
      placeholder: 'type',
      help: 'als, bpr: event types trained on; default the format’s',
    },
    strict,
    json,
    quiet,
    help,
  },
  async run(flags, { io, progress, signal }) {
    const params = algorithmParams('train', flags);
    if (flags['min-support'] !== undefined) {
      if (params.has('minSupport')) {
        throw new EncoreError(ErrorCode.USAGE, 'encore train: minSupport is set by both --min-support and --param', {
          flag: 'min-support',
        });
      }
      params.set('minSupport', flags['min-support']);
    }
    const { result } = await trainModels({
      data: dataInput(flags),
      algorithm: flags.algorithm,
      params: Object.fromEntries(params),
      ...(flags.events.length === 0 ? {} : { events: flags.events }),
      out: flags.out,
      progress,
      signal,
    });
    writeResult(io, flags.json, result, formatTrain);
    return 0;
  },
});

function formatTrain(r: TrainResult): string {
  const head =
    r.edges === undefined
      ? `wrote ${r.dir ?? r.model}: ${r.algorithm}, ${count(r.customers ?? 0)} customers x ${count(r.items)} items, ` +
        `${r.factors} factors in ${r.seconds.toFixed(2)}s (peak RSS ${r.peakRssMb} MB)`
      : `wrote ${r.dir ?? r.model}: ${count(r.items)} items, ${count(r.edges)} edges in ${r.seconds.toFixed(2)}s ` +
        `(peak RSS ${r.peakRssMb} MB)`;
  const lines = [
    head,
    ...(r.relations ?? []).map(
      (rel) =>
        `  ${rel.name.padEnd(16)} ${rel.kind.padEnd(16)} ${count(rel.baskets)} baskets, ${count(rel.edges)} edges`,
    ),
    `  with ${count(r.parts.lists)} curated lists, ${count(r.parts.customers)} customer timelines ` +
      `(${count(r.parts.events)} events), ${count(r.parts.catalog)} catalog items`,
  ];
  if (r.rejected > 0) lines.push(`  ${count(r.rejected)} input lines rejected (see --json rejectedSamples)`);
  for (const warning of r.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
