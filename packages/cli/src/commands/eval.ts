import { ErrorCode, EVENT_TYPES } from '@encore/core';
import { SPLIT_KINDS } from '@encore/eval';
import { algorithmRegistry, evaluateAlgorithm } from '@encore/jobs';
import { defineCommand } from '../command.js';
import { ALGORITHM_FLAGS, algorithmParams, GRID_FLAGS, parseGrid } from '../internal/algorithm-params.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { dataInput } from '../internal/data-input.js';
import { formatEvalReport } from '../internal/eval-report.js';
import { writeResult } from '../internal/output.js';

const { data, format, seed, k, strict, json, quiet, help } = COMMON_FLAGS;

/** `encore eval`: an algorithm's precision, recall, nDCG, MAP, hit rate and coverage on a split of a dataset. */
export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'evaluate an algorithm on a dataset (precision, recall, nDCG, MAP, hit rate, coverage)',
  usage: '--data <path> --format <format> [flags]',
  flags: {
    data: { ...data, required: true },
    format: { ...format, required: true },
    columns: COMMON_FLAGS.columns,
    type: COMMON_FLAGS.type,
    algorithm: {
      type: 'choice',
      choices: [...algorithmRegistry.keys()],
      default: 'popular',
      code: ErrorCode.UNKNOWN_ALGORITHM,
      noun: 'algorithm',
      placeholder: 'name',
      help: 'algorithm to evaluate',
    },
    ...ALGORITHM_FLAGS,
    ...GRID_FLAGS,
    split: {
      type: 'choice',
      choices: SPLIT_KINDS,
      default: 'item-stratified',
      placeholder: 'kind',
      help: 'how interactions are split into train and test',
    },
    ratio: {
      type: 'number',
      min: 0,
      max: 1,
      exclusiveMin: true,
      exclusiveMax: true,
      default: 0.75,
      help: 'share of interactions in train',
    },
    seed: { ...seed, help: 'random seed of the split and the algorithm' },
    k: { ...k, help: 'list length the metrics are computed at' },
    events: {
      type: 'list',
      choices: EVENT_TYPES,
      placeholder: 'type',
      help: 'event types that count as interactions; default the format’s',
    },
    strict,
    'include-seen': COMMON_FLAGS['include-seen'],
    json,
    quiet,
    help,
  },
  async run(flags, { io, progress, signal }) {
    const params = algorithmParams('eval', flags);
    const grid = parseGrid('eval', flags.grid, params);
    if (!params.has('seed') && !grid.has('seed')) params.set('seed', flags.seed);
    const result = await evaluateAlgorithm({
      data: flags.data,
      format: flags.format,
      input: dataInput(flags),
      algorithm: flags.algorithm,
      params: Object.fromEntries(params),
      split: flags.split,
      ratio: flags.ratio,
      seed: flags.seed,
      k: flags.k,
      ...(flags.events.length === 0 ? {} : { events: flags.events }),
      strict: flags.strict,
      grid,
      includeSeen: flags['include-seen'],
      progress,
      signal,
    });
    writeResult(io, flags.json, result, formatEvalReport);
    return 0;
  },
});
