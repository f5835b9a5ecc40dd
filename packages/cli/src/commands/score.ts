import { EncoreError, ErrorCode } from '@encore/core';
import { type ScoreResult, scoreLists } from '@encore/jobs';
import { defineCommand } from '../command.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { dataInput } from '../internal/data-input.js';
import { writeResult } from '../internal/output.js';

const { data, format, k, threads, cache, namespace, strict, json, quiet, help } = COMMON_FLAGS;

/** What `--include` can add to a published version besides every customer's list. */
const INCLUDES = Object.freeze(['together', 'lists'] as const);

/** `encore score`: every customer's list on all cores, to JSON Lines and/or a new cache version. */
export const scoreCommand = defineCommand({
  name: 'score',
  summary: 'top items for every customer on all cores, to JSON Lines and/or a new cache version',
  usage: '--model <dir> [--model <dir> …] (--out <file.jsonl> | --cache <url>) [flags]',
  flags: {
    model: {
      type: 'strings',
      required: true,
      placeholder: 'dir',
      help: 'model directory written by encore train (one with an als or bpr model; repeat to add co-occurrence)',
    },
    data: { ...data, help: "events whose items are left out of each customer's list (default: the training data)" },
    format: { ...format, help: 'format of --data' },
    columns: COMMON_FLAGS.columns,
    type: COMMON_FLAGS.type,
    k: { ...k, default: 20 },
    threads,
    users: { type: 'string', placeholder: 'file', help: 'customer ids to score, one per line (default: all)' },
    out: { type: 'string', placeholder: 'file.jsonl', help: 'write the lists as JSON Lines, one customer per line' },
    cache: { ...cache, help: 'publish the lists as a new version in this Redis: redis://host:port' },
    namespace,
    'cache-prefix': COMMON_FLAGS['cache-prefix'],
    include: {
      type: 'list',
      choices: INCLUDES,
      placeholder: 'part',
      help: 'also publish, in the same version, what goes with each item and the curated lists',
    },
    strict: { ...strict, help: 'fail on the first unknown customer in --users or malformed line' },
    'include-seen': COMMON_FLAGS['include-seen'],
    'include-guests': {
      type: 'boolean',
      help: 'score anonymous and device customers (guests, cookies) too; left out by default',
    },
    'lock-wait': {
      type: 'integer',
      min: 0,
      max: 86_400_000,
      default: 0,
      help: "milliseconds to wait for another publisher's lock (a crashed one holds it until its 60 s lease ends)",
    },
    json,
    quiet,
    help,
  },
  async run(flags, { io, progress, signal }) {
    const usage = (message: string, flag: string): EncoreError =>
      new EncoreError(ErrorCode.USAGE, `encore score: ${message}`, { flag });
    if (flags.out === undefined && flags.cache === undefined) {
      throw usage('expected --out <file.jsonl>, --cache <url>, or both', 'out');
    }
    if (flags.data !== undefined && flags.format === undefined) {
      throw usage('--format is required with --data', 'format');
    }
    if (flags.data === undefined && flags.format !== undefined) {
      throw usage('--format is only used with --data', 'format');
    }
    if (flags.include.length > 0 && flags.cache === undefined) {
      throw usage('--include adds to a published version: give --cache too', 'include');
    }
    const result = await scoreLists({
      models: flags.model,
      ...(flags.data === undefined || flags.format === undefined
        ? {}
        : { data: dataInput({ ...flags, data: flags.data, format: flags.format }) }),
      k: flags.k,
      threads: flags.threads,
      users: flags.users,
      out: flags.out,
      cache: flags.cache,
      include: flags.include,
      namespace: flags.namespace,
      cachePrefix: flags['cache-prefix'],
      strict: flags.strict,
      includeSeen: flags['include-seen'],
      includeGuests: flags['include-guests'],
      lockWaitMs: flags['lock-wait'],
      progress,
      signal,
    });
    writeResult(io, flags.json, result, formatScore);
    return 0;
  },
});

function formatScore(r: ScoreResult): string {
  const customers = `${r.users.toLocaleString('en-US')} ${r.users === 1 ? 'customer' : 'customers'}`;
  const how =
    r.kernel === 'none'
      ? 'ranked from co-occurrence and curated lists'
      : `on ${r.threads} ${r.threads === 1 ? 'thread' : 'threads'}, ${r.gflops} GFLOP/s (${r.kernel} kernel), ranking ${r.rankSeconds} s`;
  // A rate from a handful of customers or a few milliseconds says nothing: shown from a second or 1,000 customers.
  const rate = r.seconds >= 1 || r.users >= 1000 ? `, ${r.usersPerSecond.toLocaleString('en-US')} customers/s` : '';
  const lines = [`scored ${customers} (top ${r.k}) in ${r.seconds} s${rate}; ${how}`];
  if (r.out !== null) lines.push(`lists written to ${r.out}`);
  if (r.cache !== null) {
    lines.push(`published ${r.cache.namespace} version ${r.cache.version} (${r.cache.written} values)`);
  }
  if (r.rejected > 0) lines.push(`${r.rejected} unknown customers in --users skipped: ${r.rejectedSamples.join('; ')}`);
  if (r.guests > 0)
    lines.push(`${r.guests.toLocaleString('en-US')} anonymous and device customers left out (--include-guests)`);
  return `${lines.join('\n')}\n`;
}
