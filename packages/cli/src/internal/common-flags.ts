import { availableParallelism } from 'node:os';
import { ErrorCode, EVENT_TYPES } from '@encore/core';
import { DATA_FORMATS } from '@encore/datasets';
import { defineFlags } from './flags.js';

/** Most worker threads a command starts (a typo such as `--threads 6400` fails instead of swamping the host). */
export const MAX_THREADS = 1024;

/**
 * Flags shared by many commands, declared once so each has one range, one default and one help
 * text everywhere (`--k` is an integer in [1, 10000] in every command). A command picks them by
 * name and overrides what differs for it with a spread:
 *
 * @example
 * const { data, format, k, json, help } = COMMON_FLAGS;
 * const SCORE_FLAGS = defineFlags({ data, format, k: { ...k, default: 20 }, json, help });
 * const TRAIN_FLAGS = defineFlags({ data: { ...data, required: true }, format: { ...format, required: true } });
 *
 * `data` and `format` are optional here (score reads its training data by default); commands that
 * need them add `required: true`.
 */
export const COMMON_FLAGS = defineFlags({
  data: { type: 'string', placeholder: 'path', help: 'input file or directory' },
  format: {
    type: 'choice',
    choices: DATA_FORMATS,
    code: ErrorCode.UNKNOWN_FORMAT,
    noun: 'format',
    help: 'data format',
  },
  columns: {
    type: 'string',
    placeholder: 'field=column,…',
    help: 'csv: which column holds which event field, e.g. userId=user,itemId=item,rating=rating,timestamp=ts',
  },
  type: {
    type: 'choice',
    choices: EVENT_TYPES,
    placeholder: 'event',
    help: 'csv: the event type of every line (a file of one type, e.g. rate for ratings)',
  },
  model: { type: 'string', placeholder: 'dir', help: 'model directory written by encore train' },
  k: { type: 'integer', min: 1, max: 10_000, default: 10, help: 'list length' },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1, default: 42, help: 'random seed' },
  threads: {
    type: 'integer',
    min: 1,
    max: MAX_THREADS,
    default: Math.min(availableParallelism(), MAX_THREADS),
    help: 'worker threads',
  },
  cache: { type: 'string', placeholder: 'url', help: 'Redis cache: redis://host:port' },
  namespace: { type: 'string', placeholder: 'name', default: 'default', help: 'cache namespace (one shop)' },
  'cache-prefix': {
    type: 'string',
    placeholder: 'prefix',
    default: 'encore:',
    help: 'put before every cache key (apps sharing one Redis)',
  },
  strict: { type: 'boolean', help: 'fail on the first malformed line instead of counting it' },
  'include-seen': {
    type: 'boolean',
    help: 'keep what customers already have in their lists (shops where they buy the same things again)',
  },
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  quiet: { type: 'boolean', help: 'no progress on stderr' },
  help: { type: 'boolean', help: 'show this help' },
});
