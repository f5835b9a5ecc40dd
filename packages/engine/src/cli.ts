import { availableParallelism } from 'node:os';
import { EncoreError, ErrorCode, EVENT_TYPES, type EventType, isEncoreError } from '@encore/core';
import { DATA_FORMATS, type DataFormat } from '@encore/datasets';
import { SPLIT_KINDS, type SplitKind } from '@encore/eval';
import { algorithmRegistry } from './algorithms.js';
import { runDemo } from './commands/demo.js';
import { type EvalResult, runEval } from './commands/evaluate.js';
import { formatRecommend, runRecommend } from './commands/recommend.js';
import { formatRulesReport, runRules } from './commands/rules.js';
import { formatScore, runScore } from './commands/score.js';
import { formatTogether, runTogether } from './commands/together.js';
import { runTrain } from './commands/train.js';
import {
  type FlagSpec,
  type FlagTable,
  formatFlags,
  numberFlag,
  type ParsedFlags,
  parseFlags,
  requireString,
} from './internal/args.js';
import { createProgress, type Progress } from './internal/progress.js';
import { formatEvalReport } from './internal/report.js';

/** Where the command line writes: stdout carries results (`--json`), stderr progress and errors. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Algorithm parameters with flags of their own, flag name → parameter name. Every algorithm
 * validates its parameters, so a flag it does not take is a one-line INVALID_ARGUMENT error.
 */
const PARAM_FLAGS: ReadonlyMap<string, { readonly param: string; readonly numeric: boolean; readonly help: string }> =
  new Map([
    [
      'similarity',
      { param: 'similarity', numeric: false, help: 'cooccurrence: llr | jaccard | cosine | lift | count' },
    ],
    ['neighbours', { param: 'neighbours', numeric: true, help: 'cooccurrence: neighbours kept per item (0 = all)' }],
    ['factors', { param: 'factors', numeric: true, help: 'als, bpr: latent factors' }],
    ['iterations', { param: 'iterations', numeric: true, help: 'als: iterations' }],
    ['epochs', { param: 'epochs', numeric: true, help: 'bpr: epochs' }],
    ['regularization', { param: 'regularization', numeric: true, help: 'als, bpr: L2 regularization' }],
    ['alpha', { param: 'alpha', numeric: true, help: 'als: confidence 1 + alpha * r' }],
    ['learning-rate', { param: 'learningRate', numeric: true, help: 'bpr: SGD learning rate' }],
  ]);

function algorithmFlags(): FlagTable {
  const table: Record<string, FlagSpec> = {};
  for (const [flag, spec] of PARAM_FLAGS) table[flag] = { type: 'string', help: spec.help };
  return table;
}

/** Algorithm parameters from `--param name=value` and the named parameter flags (named flags win). */
function algorithmParams(command: string, flags: ParsedFlags): Map<string, unknown> {
  const params = parseParams(flags.param as string[] | undefined);
  for (const [flag, spec] of PARAM_FLAGS) {
    const raw = flags[flag];
    if (typeof raw !== 'string') continue;
    params.set(
      spec.param,
      spec.numeric ? numberFlag(command, flags, flag, { min: -Number.MAX_VALUE, max: Number.MAX_VALUE }) : raw,
    );
  }
  return params;
}

/** `--grid name=v1,v2` pairs → parameter name → values (numbers parsed; flag names map to parameters). */
function parseGrid(pairs: readonly string[] | undefined): Map<string, unknown[]> {
  const grid = new Map<string, unknown[]>();
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    const values = pair
      .slice(eq + 1)
      .split(',')
      .filter((v) => v.trim() !== '');
    if (eq <= 0 || values.length === 0) {
      throw new EncoreError(ErrorCode.USAGE, `encore eval: --grid expects name=v1,v2,…, got '${pair}'`, {
        value: pair,
      });
    }
    const name = pair.slice(0, eq);
    grid.set(PARAM_FLAGS.get(name)?.param ?? name, values.map(parseValue));
  }
  return grid;
}

const EVAL_FLAGS: FlagTable = {
  data: { type: 'string', help: 'input file or directory' },
  format: { type: 'string', help: `data format: ${DATA_FORMATS.join(' | ')}` },
  algorithm: { type: 'string', default: 'popular', help: 'algorithm name (see `encore algorithms`)' },
  param: { type: 'string', multiple: true, help: 'algorithm parameter name=value (repeatable)' },
  ...algorithmFlags(),
  grid: {
    type: 'string',
    multiple: true,
    help: 'tune: name=v1,v2,… (repeatable); scored on a validation split of train, best refitted',
  },
  split: { type: 'string', default: 'item-stratified', help: `split: ${SPLIT_KINDS.join(' | ')}` },
  ratio: { type: 'string', default: '0.75', help: 'share of interactions in train' },
  seed: { type: 'string', default: '42', help: 'random seed of the split and the algorithm' },
  k: { type: 'string', default: '10', help: 'list length the metrics are computed at' },
  events: { type: 'string', help: `event types that count, comma-separated (${EVENT_TYPES.join(',')})` },
  strict: { type: 'boolean', default: false, help: 'fail on the first malformed line instead of counting it' },
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  quiet: { type: 'boolean', default: false, help: 'no progress on stderr' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const RULES_FLAGS: FlagTable = {
  data: { type: 'string', help: 'input file or directory' },
  format: { type: 'string', help: `data format: ${DATA_FORMATS.join(' | ')}` },
  basket: { type: 'string', default: 'order', help: 'what one basket is: order | session' },
  events: { type: 'string', default: 'purchase', help: 'event types that put an item in a basket, comma-separated' },
  'min-support': { type: 'string', default: '0.001', help: 'minimum support (share of baskets)' },
  'min-confidence': { type: 'string', default: '0.5', help: 'minimum confidence' },
  'min-lift': { type: 'string', default: '0', help: 'minimum lift' },
  'max-length': { type: 'string', default: '10', help: 'maximum items in a rule (antecedent + consequent)' },
  strict: { type: 'boolean', default: false, help: 'fail on the first malformed line instead of counting it' },
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  quiet: { type: 'boolean', default: false, help: 'no progress on stderr' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const TRAIN_FLAGS: FlagTable = {
  data: { type: 'string', help: 'input file or directory' },
  format: { type: 'string', help: `data format: ${DATA_FORMATS.join(' | ')}` },
  out: { type: 'string', help: 'model directory to write' },
  algorithm: { type: 'string', default: 'cooccurrence', help: 'algorithm to train: cooccurrence | als | bpr' },
  ...algorithmFlags(),
  'min-support': { type: 'string', help: 'minimum co-count of a pair' },
  param: { type: 'string', multiple: true, help: 'algorithm parameter name=value (repeatable)' },
  strict: { type: 'boolean', default: false, help: 'fail on the first malformed line instead of counting it' },
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  quiet: { type: 'boolean', default: false, help: 'no progress on stderr' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const TOGETHER_FLAGS: FlagTable = {
  model: { type: 'string', help: 'model directory written by encore train' },
  item: { type: 'string', multiple: true, help: 'item id (repeat for a cart)' },
  k: { type: 'string', default: '10', help: 'list length' },
  relation: { type: 'string', default: 'bought-together', help: 'bought-together | viewed-together | viewed-bought' },
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const RECOMMEND_FLAGS: FlagTable = {
  model: { type: 'string', help: 'model directory written by encore train --algorithm als|bpr' },
  user: { type: 'string', help: 'customer id' },
  items: { type: 'string', help: "an unknown customer's items, comma-separated: folded in (als)" },
  k: { type: 'string', default: '10', help: 'list length' },
  fallback: { type: 'string', default: 'error', help: 'unknown customer, no known items: error | popular' },
  cache: { type: 'string', help: 'read through a Redis cache first: redis://host:port' },
  namespace: { type: 'string', default: 'default', help: 'cache namespace (one shop)' },
  'cache-prefix': { type: 'string', default: 'encore:', help: 'put before every cache key (apps sharing one Redis)' },
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const SCORE_FLAGS: FlagTable = {
  model: { type: 'string', help: 'model directory written by encore train --algorithm als|bpr' },
  data: {
    type: 'string',
    help: "events whose items are left out of each customer's list (default: the training data)",
  },
  format: { type: 'string', help: `format of --data: ${DATA_FORMATS.join(' | ')}` },
  k: { type: 'string', default: '20', help: 'list length' },
  threads: { type: 'string', default: String(availableParallelism()), help: 'worker threads' },
  users: { type: 'string', help: 'file of customer ids to score, one per line (default: all)' },
  out: { type: 'string', help: 'write the lists as JSON Lines, one customer per line, in order' },
  cache: { type: 'string', help: 'publish the lists as a new version in this Redis: redis://host:port' },
  namespace: { type: 'string', default: 'default', help: 'cache namespace (one shop)' },
  'cache-prefix': { type: 'string', default: 'encore:', help: 'put before every cache key (apps sharing one Redis)' },
  strict: { type: 'boolean', default: false, help: 'fail on the first unknown customer or malformed line' },
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  quiet: { type: 'boolean', default: false, help: 'no progress on stderr' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const DEMO_FLAGS: FlagTable = {
  json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  quiet: { type: 'boolean', default: false, help: 'no progress on stderr' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

const USAGE = `usage: encore <command> [flags]

commands:
  eval        evaluate an algorithm on a dataset (precision, recall, nDCG, MAP, hit rate, coverage)
  train       train a model (co-occurrence relations) and write it to a model directory
  recommend   top items for one customer from a trained als or bpr model (fold-in for new customers)
  score       top items for every customer on all cores, to JSON Lines and/or a new cache version
  together    items bought / viewed together with one item or a cart, from a trained model
  rules       frequent itemsets and association rules over orders or sessions (FP-growth)
  demo        the full pipeline on bundled sample data
  algorithms  list the algorithms and their default parameters

run 'encore <command> --help' for a command's flags`;

/**
 * Runs the `encore` command line; resolves to the process exit code (0 ok, 1 failure, 2 usage or
 * input error). Never throws: errors become one line on stderr naming the problem.
 */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'eval':
        return await evalCommand(rest, io);
      case 'rules':
        return await rulesCommand(rest, io);
      case 'train':
        return await trainCommand(rest, io);
      case 'together':
        return await togetherCommand(rest, io);
      case 'recommend':
        return await recommendCommand(rest, io);
      case 'score':
        return await scoreCommand(rest, io);
      case 'demo':
        return await demoCommand(rest, io);
      case 'algorithms':
        for (const algorithm of algorithmRegistry.values()) {
          io.stdout.write(`${algorithm.name.padEnd(14)} ${JSON.stringify(algorithm.defaults)}\n`);
        }
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new EncoreError(ErrorCode.USAGE, `encore: unknown command '${command}' (try 'encore help')`, {
          value: command,
        });
    }
  } catch (error) {
    if (isEncoreError(error)) {
      io.stderr.write(`${error.message}\n`);
      return isInputError(error.code) ? 2 : 1;
    }
    io.stderr.write(
      `encore: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function isInputError(code: ErrorCode): boolean {
  return (
    code === ErrorCode.USAGE ||
    code === ErrorCode.FILE_NOT_FOUND ||
    code === ErrorCode.UNKNOWN_FORMAT ||
    code === ErrorCode.UNKNOWN_ALGORITHM ||
    code === ErrorCode.PARSE_ERROR ||
    code === ErrorCode.MODEL_FORMAT ||
    code === ErrorCode.UNKNOWN_ID ||
    code === ErrorCode.INVALID_ARGUMENT ||
    code === ErrorCode.EMPTY_INPUT
  );
}

function progressFor(flags: ParsedFlags, io: CliIo): Progress {
  return createProgress({ stream: io.stderr, quiet: flags.quiet === true });
}

async function evalCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('eval', argv, EVAL_FLAGS);
  if (flags.help) {
    io.stdout.write(`usage: encore eval --data <path> --format <format> [flags]\n\n${formatFlags(EVAL_FLAGS)}\n`);
    return 0;
  }
  const data = requireString('eval', flags, 'data');
  const format = oneOf(
    'eval',
    'format',
    requireString('eval', flags, 'format'),
    DATA_FORMATS,
    ErrorCode.UNKNOWN_FORMAT,
  );
  const split = oneOf('eval', 'split', String(flags.split), SPLIT_KINDS, ErrorCode.USAGE);
  const algorithm = String(flags.algorithm);
  algorithmRegistry.get(algorithm); // fail before loading anything
  const ratio = numberFlag('eval', flags, 'ratio', { min: Number.MIN_VALUE, max: 1 - Number.EPSILON }) as number;
  const seed = numberFlag('eval', flags, 'seed', { min: 0, max: 2 ** 32 - 1, integer: true }) as number;
  const k = numberFlag('eval', flags, 'k', { min: 1, max: 10_000, integer: true }) as number;
  const events = typeof flags.events === 'string' ? eventList('eval', flags.events) : undefined;
  const params = algorithmParams('eval', flags);
  if (!params.has('seed')) params.set('seed', seed);
  const grid = parseGrid(flags.grid as string[] | undefined);
  const result = await runEval(
    {
      data,
      format,
      algorithm,
      params: Object.fromEntries(params),
      split,
      ratio,
      seed,
      k,
      events,
      strict: flags.strict === true,
      grid,
    },
    progressFor(flags, io),
  );
  writeResult(io, flags, result, formatEvalReport);
  return 0;
}

async function rulesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('rules', argv, RULES_FLAGS);
  if (flags.help) {
    io.stdout.write(`usage: encore rules --data <path> --format <format> [flags]\n\n${formatFlags(RULES_FLAGS)}\n`);
    return 0;
  }
  const data = requireString('rules', flags, 'data');
  const format = oneOf(
    'rules',
    'format',
    requireString('rules', flags, 'format'),
    DATA_FORMATS,
    ErrorCode.UNKNOWN_FORMAT,
  );
  const basket = oneOf('rules', 'basket', String(flags.basket), ['order', 'session'] as const, ErrorCode.USAGE);
  const events = eventList('rules', String(flags.events));
  const result = await runRules(
    {
      data,
      format,
      basket,
      events,
      minSupport: numberFlag('rules', flags, 'min-support', { min: Number.MIN_VALUE, max: 1 }) as number,
      minConfidence: numberFlag('rules', flags, 'min-confidence', { min: 0, max: 1 }) as number,
      minLift: numberFlag('rules', flags, 'min-lift', { min: 0, max: Number.MAX_VALUE }) as number,
      maxLength: numberFlag('rules', flags, 'max-length', { min: 1, max: 100, integer: true }) as number,
      strict: flags.strict === true,
    },
    progressFor(flags, io),
  );
  writeResult(io, flags, result, (r) => formatRulesReport(r));
  return 0;
}

async function trainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('train', argv, TRAIN_FLAGS);
  if (flags.help) {
    io.stdout.write(
      `usage: encore train --data <path> --format <format> --out <modelDir> [flags]\n\n${formatFlags(TRAIN_FLAGS)}\n`,
    );
    return 0;
  }
  const data = requireString('train', flags, 'data');
  const format = oneOf(
    'train',
    'format',
    requireString('train', flags, 'format'),
    DATA_FORMATS,
    ErrorCode.UNKNOWN_FORMAT,
  );
  const out = requireString('train', flags, 'out');
  const params = algorithmParams('train', flags);
  const minSupport = numberFlag('train', flags, 'min-support', { min: 1, max: 2 ** 31 - 1, integer: true });
  if (minSupport !== undefined) params.set('minSupport', minSupport);
  const result = await runTrain(
    {
      data,
      format,
      out,
      algorithm: String(flags.algorithm),
      params: Object.fromEntries(params),
      strict: flags.strict === true,
    },
    progressFor(flags, io),
  );
  writeResult(io, flags, result, (r) =>
    [
      r.edges === undefined
        ? `wrote ${r.model}: ${r.algorithm}, ${(r.customers ?? 0).toLocaleString('en-US')} customers x ${r.items.toLocaleString('en-US')} items, ${r.factors} factors in ${r.seconds.toFixed(2)}s (peak RSS ${r.peakRssMb} MB)`
        : `wrote ${r.model}: ${r.items.toLocaleString('en-US')} items, ${r.edges.toLocaleString('en-US')} edges in ${r.seconds.toFixed(2)}s (peak RSS ${r.peakRssMb} MB)`,
      ...(r.relations ?? []).map(
        (rel) =>
          `  ${rel.name.padEnd(16)} ${rel.kind.padEnd(16)} ${rel.baskets.toLocaleString('en-US')} baskets, ${rel.edges.toLocaleString('en-US')} edges`,
      ),
      '',
    ].join('\n'),
  );
  return 0;
}

async function scoreCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('score', argv, SCORE_FLAGS);
  if (flags.help) {
    io.stdout.write(
      `usage: encore score --model <modelDir> (--out <file.jsonl> | --cache <url>) [flags]\n\n${formatFlags(SCORE_FLAGS)}\n`,
    );
    return 0;
  }
  const data = typeof flags.data === 'string' ? flags.data : undefined;
  const format =
    data === undefined
      ? undefined
      : oneOf('score', 'format', requireString('score', flags, 'format'), DATA_FORMATS, ErrorCode.UNKNOWN_FORMAT);
  // Ctrl-C stops the workers and aborts a publication (the current cache version stays).
  const controller = new AbortController();
  const stop = (): void => controller.abort(new EncoreError(ErrorCode.USAGE, 'encore score: interrupted'));
  process.once('SIGINT', stop);
  try {
    const result = await runScore(
      {
        model: requireString('score', flags, 'model'),
        data: data === undefined || format === undefined ? undefined : { path: data, format },
        k: numberFlag('score', flags, 'k', { min: 1, max: 10_000, integer: true }) as number,
        threads: numberFlag('score', flags, 'threads', { min: 1, max: 1024, integer: true }) as number,
        users: typeof flags.users === 'string' ? flags.users : undefined,
        out: typeof flags.out === 'string' ? flags.out : undefined,
        cache: typeof flags.cache === 'string' ? flags.cache : undefined,
        namespace: String(flags.namespace),
        cachePrefix: String(flags['cache-prefix']),
        strict: flags.strict === true,
        signal: controller.signal,
      },
      progressFor(flags, io),
    );
    writeResult(io, flags, result, formatScore);
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}

async function togetherCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('together', argv, TOGETHER_FLAGS);
  if (flags.help) {
    io.stdout.write(
      `usage: encore together --model <modelDir> --item <id> [--item <id> …] [flags]\n\n${formatFlags(TOGETHER_FLAGS)}\n`,
    );
    return 0;
  }
  const model = requireString('together', flags, 'model');
  const items = (flags.item as string[] | undefined) ?? [];
  if (items.length === 0) {
    throw new EncoreError(ErrorCode.USAGE, 'encore together: --item is required (repeat it for a cart)', {
      flag: 'item',
    });
  }
  const k = numberFlag('together', flags, 'k', { min: 1, max: 10_000, integer: true }) as number;
  const result = await runTogether({ model, items, k, relation: String(flags.relation) });
  writeResult(io, flags, result, formatTogether);
  return 0;
}

async function recommendCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('recommend', argv, RECOMMEND_FLAGS);
  if (flags.help) {
    io.stdout.write(
      `usage: encore recommend (--model <modelDir> | --cache <url>) --user <id> [flags]\n\n${formatFlags(RECOMMEND_FLAGS)}\n`,
    );
    return 0;
  }
  const result = await runRecommend({
    model: typeof flags.model === 'string' ? flags.model : undefined,
    cache: typeof flags.cache === 'string' ? flags.cache : undefined,
    namespace: String(flags.namespace),
    cachePrefix: String(flags['cache-prefix']),
    user: requireString('recommend', flags, 'user'),
    items:
      typeof flags.items === 'string'
        ? flags.items
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== '')
        : undefined,
    k: numberFlag('recommend', flags, 'k', { min: 1, max: 10_000, integer: true }) as number,
    fallback: oneOf('recommend', 'fallback', String(flags.fallback), ['error', 'popular'] as const, ErrorCode.USAGE),
  });
  writeResult(io, flags, result, formatRecommend);
  return 0;
}

async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('demo', argv, DEMO_FLAGS);
  if (flags.help) {
    io.stdout.write(`usage: encore demo [flags]\n\n${formatFlags(DEMO_FLAGS)}\n`);
    return 0;
  }
  const report = await runDemo(progressFor(flags, io));
  if (flags.json) io.stdout.write(`${JSON.stringify(report.result)}\n`);
  else io.stdout.write(report.text);
  return 0;
}

function writeResult<T>(io: CliIo, flags: ParsedFlags, result: T, format: (r: T) => string): void {
  io.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : format(result));
}

/** `--param name=value` pairs; numbers and booleans are parsed, everything else stays a string. */
function parseParams(pairs: readonly string[] | undefined): Map<string, unknown> {
  const params = new Map<string, unknown>();
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new EncoreError(ErrorCode.USAGE, `encore eval: --param expects name=value, got '${pair}'`, { value: pair });
    }
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const n = Number(raw);
    params.set(
      name,
      raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(n) ? n : raw,
    );
  }
  return params;
}

function eventList(command: string, list: string): EventType[] {
  return list.split(',').map((t) => oneOf(command, 'events', t.trim(), EVENT_TYPES, ErrorCode.USAGE));
}

/** A parameter value from the command line: numbers and booleans parsed, anything else a string. */
function parseValue(raw: string): unknown {
  const n = Number(raw);
  return raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

function oneOf<T extends string>(
  command: string,
  flag: string,
  value: string,
  allowed: readonly T[],
  code: ErrorCode,
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    const what = flag === 'format' ? 'format' : `--${flag} value`;
    throw new EncoreError(
      code,
      `encore ${command}: unknown ${what} '${value}', expected one of ${allowed.join(', ')}`,
      {
        flag,
        value,
      },
    );
  }
  return value as T;
}

export type { DataFormat, EvalResult, SplitKind };
