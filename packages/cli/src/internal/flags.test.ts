import { availableParallelism } from 'node:os';
import { EncoreError, ErrorCode } from '@encore/core';
import { DATA_FORMATS, type DataFormat } from '@encore/datasets';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { COMMON_FLAGS, MAX_THREADS } from './common-flags.js';
import { defineFlags, type FlagTable, formatHelp, HELP_REQUESTED, parseFlags } from './flags.js';

const { data, format, k, json, quiet, help } = COMMON_FLAGS;

const RECOMMEND = defineFlags({
  model: { ...COMMON_FLAGS.model, required: true },
  user: { type: 'string', placeholder: 'id', help: 'customer id' },
  k,
  fallback: { type: 'choice', choices: ['error', 'popular'], default: 'error', help: 'unknown customer' },
  json,
  help,
});

const EVAL = defineFlags({
  data: { ...data, required: true },
  format: { ...format, required: true },
  split: { type: 'choice', choices: ['a', 'b'], default: 'a', help: 'how to split' },
  ratio: { type: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 0.75, help: 'share' },
  events: { type: 'list', choices: ['view', 'cart', 'purchase'], default: ['purchase'], help: 'event types' },
  tags: { type: 'list', help: 'free tags' },
  item: { type: 'strings', help: 'item id' },
  param: { type: 'pairs', help: 'algorithm parameter' },
  out: { type: 'string', help: 'output file' },
  lift: { type: 'number', min: 0, max: Number.POSITIVE_INFINITY, help: 'minimum lift' },
  alpha: { type: 'number', min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY, help: 'alpha' },
  json,
  quiet,
  help,
});

const BASE = ['--data', 'd.csv', '--format', 'csv'] as const;

/** The EncoreError `run` throws (fails the test when it returns). */
function errorOf(run: () => unknown): EncoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EncoreError);
    return error as EncoreError;
  }
  return expect.unreachable('expected an EncoreError');
}

function parsed<T extends FlagTable>(command: string, argv: readonly string[], table: T) {
  const result = parseFlags(command, argv, table);
  if (result === HELP_REQUESTED) return expect.unreachable('unexpected help');
  return result;
}

describe('parseFlags: values', () => {
  it('reads --name value and --name=value alike, and fills defaults', () => {
    const a = parsed('recommend', ['--model', 'm', '--user', 'u1', '--k', '5'], RECOMMEND);
    const b = parsed('recommend', ['--model=m', '--user=u1', '--k=5'], RECOMMEND);
    expect(a).toEqual({ model: 'm', user: 'u1', k: 5, fallback: 'error', json: false, help: false });
    expect(b).toEqual(a);
    expect(parsed('recommend', ['--model', 'm'], RECOMMEND)).toEqual({
      model: 'm',
      user: undefined,
      k: 10,
      fallback: 'error',
      json: false,
      help: false,
    });
  });

  it('types each value from the table, with no casts', () => {
    const r = parsed('recommend', ['--model', 'm'], RECOMMEND);
    expectTypeOf(r.model).toEqualTypeOf<string>();
    expectTypeOf(r.user).toEqualTypeOf<string | undefined>();
    expectTypeOf(r.k).toEqualTypeOf<number>();
    expectTypeOf(r.fallback).toEqualTypeOf<'error' | 'popular'>();
    expectTypeOf(r.json).toEqualTypeOf<boolean>();
    const e = parsed('eval', BASE, EVAL);
    expectTypeOf(e.format).toEqualTypeOf<DataFormat>();
    expectTypeOf(e.events).toEqualTypeOf<readonly ('view' | 'cart' | 'purchase')[]>();
    expectTypeOf(e.tags).toEqualTypeOf<readonly string[]>();
    expectTypeOf(e.item).toEqualTypeOf<readonly string[]>();
    expectTypeOf(e.param).toEqualTypeOf<ReadonlyMap<string, string>>();
    expectTypeOf(e.ratio).toEqualTypeOf<number>();
    expectTypeOf(e.lift).toEqualTypeOf<number | undefined>();
    expectTypeOf(e.out).toEqualTypeOf<string | undefined>();
    expectTypeOf(parseFlags('recommend', ['-h'], RECOMMEND)).toEqualTypeOf<
      typeof HELP_REQUESTED | { readonly [K in keyof typeof RECOMMEND]: (typeof r)[K] }
    >();
  });

  it('returns a frozen result and never mutates argv', () => {
    const argv = Object.freeze(['--model', 'm', '--k=-5', '--k', '3', 'stray']);
    const copy = [...argv];
    expect(() => parseFlags('recommend', argv, RECOMMEND)).toThrow(EncoreError);
    const ok = Object.freeze(['--model', 'm', '--k', '3']);
    const r = parsed('recommend', ok, RECOMMEND);
    expect([...argv]).toEqual(copy);
    expect(ok).toEqual(['--model', 'm', '--k', '3']);
    expect(Object.isFrozen(r)).toBe(true);
  });
});

describe('parseFlags: numbers', () => {
  const RANGE = "encore recommend: --k must be an integer in [1, 10000], got '-5'";

  it('gives the range message for --k=-5 and --k -5 alike', () => {
    for (const argv of [
      ['--model', 'm', '--k=-5'],
      ['--model', 'm', '--k', '-5'],
    ]) {
      const e = errorOf(() => parseFlags('recommend', argv, RECOMMEND));
      expect(e.code).toBe(ErrorCode.USAGE);
      expect(e.message).toBe(RANGE);
      expect(e.details).toEqual({ flag: 'k', value: '-5' });
    }
  });

  it('takes integers in an inclusive range: 1e3 yes, 2.5 / empty / Infinity / out of range no', () => {
    const k = (raw: string) => parsed('recommend', ['--model', 'm', `--k=${raw}`], RECOMMEND).k;
    expect([k('1'), k('10000'), k('1e3'), k(' 7 ')]).toEqual([1, 10_000, 1000, 7]);
    for (const raw of ['0', '10001', '2.5', '', ' ', 'ten', 'Infinity', 'NaN', '1e400']) {
      const e = errorOf(() => k(raw));
      expect(e.message).toBe(`encore recommend: --k must be an integer in [1, 10000], got '${raw}'`);
    }
  });

  it('takes finite numbers, with open ends and half or no bounds described', () => {
    const e = (argv: string[]) => errorOf(() => parseFlags('eval', [...BASE, ...argv], EVAL)).message;
    expect(parsed('eval', [...BASE, '--ratio', '0.5'], EVAL).ratio).toBe(0.5);
    expect(e(['--ratio', '1'])).toBe("encore eval: --ratio must be a number in (0, 1), got '1'");
    expect(e(['--ratio', '0'])).toBe("encore eval: --ratio must be a number in (0, 1), got '0'");
    expect(e(['--lift', '-1'])).toBe("encore eval: --lift must be a number ≥ 0, got '-1'");
    expect(e(['--lift', 'Infinity'])).toBe("encore eval: --lift must be a number ≥ 0, got 'Infinity'");
    expect(e(['--alpha', 'NaN'])).toBe("encore eval: --alpha must be a finite number, got 'NaN'");
    expect(parsed('eval', [...BASE, '--alpha', '-2.5'], EVAL).alpha).toBe(-2.5);
    expect(Object.is(parsed('eval', [...BASE, '--lift', '-0'], EVAL).lift, 0)).toBe(true);
  });
});

describe('parseFlags: booleans, choices, lists, repeatables', () => {
  it('reads booleans as --flag, --flag=true, --flag=false; any other value is an error', () => {
    expect(parsed('eval', BASE, EVAL).json).toBe(false);
    expect(parsed('eval', [...BASE, '--json'], EVAL).json).toBe(true);
    expect(parsed('eval', [...BASE, '--json=true'], EVAL).json).toBe(true);
    expect(parsed('eval', [...BASE, '--json=false'], EVAL).json).toBe(false);
    const e = errorOf(() => parseFlags('eval', [...BASE, '--json=yes'], EVAL));
    expect(e.message).toBe("encore eval: --json expects true or false, got 'yes'");
    expect(e.details).toEqual({ flag: 'json', value: 'yes' });
    expect(errorOf(() => parseFlags('eval', [...BASE, '--json', 'true'], EVAL)).message).toBe(
      "encore eval: unexpected argument 'true'",
    );
  });

  it('checks choices, with the spec’s error code and noun', () => {
    expect(parsed('eval', [...BASE, '--split', 'b'], EVAL).split).toBe('b');
    const split = errorOf(() => parseFlags('eval', [...BASE, '--split', 'x'], EVAL));
    expect(split.code).toBe(ErrorCode.USAGE);
    expect(split.message).toBe("encore eval: unknown --split value 'x', expected one of a, b");
    expect(split.details).toEqual({ flag: 'split', value: 'x' });
    const fmt = errorOf(() => parseFlags('eval', ['--data', 'd', '--format', 'parquet'], EVAL));
    expect(fmt.code).toBe(ErrorCode.UNKNOWN_FORMAT);
    expect(fmt.message).toBe(`encore eval: unknown format 'parquet', expected one of ${DATA_FORMATS.join(', ')}`);
  });

  it('splits lists on commas, trims, drops empty items and checks each against the choices', () => {
    expect(parsed('eval', BASE, EVAL).events).toEqual(['purchase']);
    expect(parsed('eval', [...BASE, '--events', ' view, ,cart,'], EVAL).events).toEqual(['view', 'cart']);
    expect(parsed('eval', [...BASE, '--tags=x,,y '], EVAL).tags).toEqual(['x', 'y']);
    expect(parsed('eval', BASE, EVAL).tags).toEqual([]);
    expect(errorOf(() => parseFlags('eval', [...BASE, '--events', 'view,clik'], EVAL)).message).toBe(
      "encore eval: unknown --events value 'clik', expected one of view, cart, purchase",
    );
  });

  it('collects repeatable strings in order', () => {
    expect(parsed('eval', [...BASE, '--item', 'a', '--item=b', '--item', '-c'], EVAL).item).toEqual(['a', 'b', '-c']);
    expect(parsed('eval', BASE, EVAL).item).toEqual([]);
  });

  it('collects name=value pairs; the value may hold =; a bad or repeated pair is an error naming the command', () => {
    const p = parsed('eval', [...BASE, '--param', 'factors=64', '--param=expr=a=b', '--param', 'empty='], EVAL).param;
    expect([...p]).toEqual([
      ['factors', '64'],
      ['expr', 'a=b'],
      ['empty', ''],
    ]);
    expect(parsed('eval', BASE, EVAL).param.size).toBe(0);
    const TRAIN = defineFlags({ param: { type: 'pairs', help: 'algorithm parameter' } });
    const bad = errorOf(() => parseFlags('train', ['--param', 'foo'], TRAIN));
    expect(bad.message).toBe("encore train: --param expects name=value, got 'foo'");
    expect(bad.details).toEqual({ flag: 'param', value: 'foo' });
    expect(errorOf(() => parseFlags('train', ['--param', '=1'], TRAIN)).message).toBe(
      "encore train: --param expects name=value, got '=1'",
    );
    expect(errorOf(() => parseFlags('train', ['--param', 'a=1', '--param', 'a=2'], TRAIN)).message).toBe(
      "encore train: --param sets 'a' more than once",
    );
    const GRID = defineFlags({ grid: { type: 'pairs', placeholder: 'name=v1,v2,…', help: 'values to try' } });
    expect(errorOf(() => parseFlags('eval', ['--grid', 'factors'], GRID)).message).toBe(
      "encore eval: --grid expects name=v1,v2,…, got 'factors'",
    );
  });
});

describe('parseFlags: usage errors', () => {
  it('lets a value start with one dash but not two', () => {
    expect(parsed('eval', [...BASE, '--out', '-x'], EVAL).out).toBe('-x');
    expect(parsed('eval', [...BASE, '--out=--x'], EVAL).out).toBe('--x');
    for (const argv of [
      [...BASE, '--out'],
      [...BASE, '--out', '--json'],
      [...BASE, '--out', '--'],
    ]) {
      const e = errorOf(() => parseFlags('eval', argv, EVAL));
      expect(e.message).toBe('encore eval: --out needs a value');
      expect(e.details).toEqual({ flag: 'out', value: undefined });
    }
  });

  it('refuses a non-repeatable flag given twice, naming it', () => {
    for (const argv of [
      ['--model', 'm', '--k', '5', '--k=6'],
      ['--model', 'm', '--json', '--json'],
      ['--model', 'a', '--model', 'a'],
    ]) {
      const e = errorOf(() => parseFlags('recommend', argv, RECOMMEND));
      expect(e.code).toBe(ErrorCode.USAGE);
      expect(e.message).toMatch(/^encore recommend: --(k|json|model) given more than once$/);
    }
  });

  it('names an unknown flag with balanced quotes and points at the command’s help', () => {
    for (const argv of [['--colour'], ['--colour=red'], ['--colour', 'red']]) {
      const e = errorOf(() => parseFlags('eval', [...BASE, ...argv], EVAL));
      expect(e.code).toBe(ErrorCode.USAGE);
      expect(e.message).toBe("encore eval: unknown flag '--colour' (see 'encore eval --help')");
      expect(e.message.split("'").length % 2).toBe(1); // an even number of quotes
      expect(e.details.flag).toBe('colour');
    }
    expect(errorOf(() => parseFlags('eval', ['-x'], EVAL)).message).toBe(
      "encore eval: unknown flag '-x' (see 'encore eval --help')",
    );
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(errorOf(() => parseFlags('eval', [...BASE, `--${name}`], EVAL)).message).toBe(
        `encore eval: unknown flag '--${name}' (see 'encore eval --help')`,
      );
    }
  });

  it('refuses positional arguments, also after --', () => {
    for (const [argv, word] of [
      [['x'], 'x'],
      [['-'], '-'],
      [['-5'], '-5'],
      [['--', '--k', '5'], '--k'],
      [['--', 'x'], 'x'],
    ] as const) {
      const e = errorOf(() => parseFlags('recommend', ['--model', 'm', ...argv], RECOMMEND));
      expect(e.message).toBe(`encore recommend: unexpected argument '${word}'`);
      expect(e.details).toEqual({ flag: undefined, value: word });
    }
    expect(parsed('recommend', ['--model', 'm', '--'], RECOMMEND).model).toBe('m');
  });

  it('requires required flags, in table order, and an empty required string is missing its value', () => {
    const e = errorOf(() => parseFlags('eval', [], EVAL));
    expect(e.message).toBe('encore eval: --data is required');
    expect(e.details).toEqual({ flag: 'data', value: undefined });
    expect(errorOf(() => parseFlags('eval', ['--data', 'd'], EVAL)).message).toBe('encore eval: --format is required');
    expect(errorOf(() => parseFlags('eval', ['--data=', '--format=csv'], EVAL)).message).toBe(
      'encore eval: --data needs a value',
    );
    const TOGETHER = defineFlags({ item: { type: 'strings', required: true, help: 'item id' } });
    expect(errorOf(() => parseFlags('together', [], TOGETHER)).message).toBe('encore together: --item is required');
    expect(parsed('together', ['--item', 'a'], TOGETHER).item).toEqual(['a']);
  });

  it('reports the first problem in argv order before missing required flags', () => {
    expect(errorOf(() => parseFlags('eval', ['--k', '5', '--split', 'x'], EVAL)).message).toBe(
      "encore eval: unknown flag '--k' (see 'encore eval --help')",
    );
    expect(errorOf(() => parseFlags('eval', ['--split', 'x', '--colour'], EVAL)).message).toBe(
      "encore eval: unknown --split value 'x', expected one of a, b",
    );
  });

  it('names the command that was run', () => {
    const TABLE = defineFlags({ param: { type: 'pairs', help: 'p' } });
    for (const command of ['train', 'eval', 'score']) {
      expect(errorOf(() => parseFlags(command, ['--param', 'foo'], TABLE)).message).toMatch(
        new RegExp(`^encore ${command}: `),
      );
    }
  });

  it('keeps every message on one line, control characters escaped and long values cut', () => {
    const e = errorOf(() => parseFlags('recommend', ['--model', 'm', '--k', '5\n6'], RECOMMEND));
    expect(e.message).toBe("encore recommend: --k must be an integer in [1, 10000], got '5\\u000a6'");
    expect(e.details.value).toBe('5\n6');
    const long = errorOf(() => parseFlags('recommend', ['--model', 'm', `--k=${'9'.repeat(500)}`], RECOMMEND));
    expect(long.message).toBe(`encore recommend: --k must be an integer in [1, 10000], got '${'9'.repeat(80)}…'`);
  });
});

describe('parseFlags: help', () => {
  it('returns HELP_REQUESTED for --help or -h anywhere, over every other error', () => {
    for (const argv of [
      ['--help'],
      ['-h'],
      ['--help=true'],
      ['--colour', '-h'],
      ['--k=-5', '--help'],
      ['--model', 'm', '--model', 'm', '-h'],
      ['stray', '--help'],
      ['--model', '-h'],
      ['--json=yes', '-h'],
      ['-h', '--'],
    ]) {
      expect(parseFlags('recommend', argv, RECOMMEND)).toBe(HELP_REQUESTED);
    }
    // Help works in a table that does not declare it, too.
    expect(parseFlags('x', ['-h'], defineFlags({}))).toBe(HELP_REQUESTED);
  });

  it('is not help after --, as an inline value, or as --help=false', () => {
    expect(errorOf(() => parseFlags('recommend', ['--model', 'm', '--', '--help'], RECOMMEND)).message).toBe(
      "encore recommend: unexpected argument '--help'",
    );
    expect(parsed('recommend', ['--model', 'm', '--user=-h'], RECOMMEND).user).toBe('-h');
    expect(parsed('recommend', ['--model', 'm', '--help=false'], RECOMMEND).help).toBe(false);
    expect(errorOf(() => parseFlags('recommend', ['--help=maybe'], RECOMMEND)).message).toBe(
      "encore recommend: --help expects true or false, got 'maybe'",
    );
  });
});

describe('defineFlags', () => {
  it('freezes the table and its specs', () => {
    expect(Object.isFrozen(RECOMMEND)).toBe(true);
    expect(Object.isFrozen(RECOMMEND.fallback)).toBe(true);
  });

  it.each([
    ['a default outside the range', { k: { type: 'integer', min: 1, max: 10, default: 0, help: 'k' } }],
    ['a fractional default of an integer', { k: { type: 'integer', min: 1, max: 10, default: 2.5, help: 'k' } }],
    ['a default on an open end', { r: { type: 'number', min: 0, max: 1, exclusiveMin: true, default: 0, help: 'r' } }],
    ['min above max', { k: { type: 'integer', min: 10, max: 1, help: 'k' } }],
    ['a fractional integer bound', { k: { type: 'integer', min: 0.5, max: 1, help: 'k' } }],
    ['a NaN bound', { k: { type: 'number', min: Number.NaN, max: 1, help: 'k' } }],
    ['a choice default not among the choices', { s: { type: 'choice', choices: ['a'], default: 'b', help: 's' } }],
    ['no choices', { s: { type: 'choice', choices: [], help: 's' } }],
    ['a list default not among the choices', { e: { type: 'list', choices: ['a'], default: ['b'], help: 'e' } }],
    ['required with a default', { s: { type: 'string', required: true, default: 'x', help: 's' } }],
    ['a name with a dash in front', { '-k': { type: 'boolean', help: 'k' } }],
    ['a name with =', { 'a=b': { type: 'boolean', help: 'k' } }],
    ['an upper-case name', { Quiet: { type: 'boolean', help: 'q' } }],
    ['help that is not a boolean', { help: { type: 'string', help: 'h' } }],
    ['an empty help text', { q: { type: 'boolean', help: '' } }],
    ['an unknown type', { q: { type: 'float', help: 'q' } }],
    ['a misspelt key', { data: { type: 'string', requried: true, help: 'd' } }],
    ['a key of another type', { json: { type: 'boolean', default: true, help: 'j' } }],
  ])('refuses %s with INVALID_ARGUMENT', (_, table) => {
    const e = errorOf(() => defineFlags(table as unknown as FlagTable));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toMatch(/^cli\/defineFlags: flag '/);
  });

  it('checks a table passed straight to parseFlags too', () => {
    const table = { k: { type: 'integer', min: 1, max: 10, default: 11, help: 'k' } } as const;
    expect(errorOf(() => parseFlags('x', [], table)).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('formatHelp', () => {
  it('aligns one row per flag with its type, range, choices and default', () => {
    const TABLE = defineFlags({
      data: { type: 'string', placeholder: 'path', required: true, help: 'input file' },
      k,
      ratio: { type: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.75, help: 'share in train' },
      lift: { type: 'number', min: 0, max: Number.POSITIVE_INFINITY, help: 'minimum lift' },
      split: { type: 'choice', choices: ['random', 'leave-last'], default: 'random', help: 'split' },
      events: { type: 'list', placeholder: 'type', choices: ['view', 'cart'], default: ['cart'], help: 'events' },
      item: { type: 'strings', placeholder: 'id', help: 'item id' },
      param: { type: 'pairs', help: 'algorithm parameter' },
      prefix: { type: 'string', default: '', help: 'key prefix' },
      json,
      help,
    });
    expect(formatHelp('eval', '--data <path> [flags]', TABLE)).toBe(
      [
        'usage: encore eval --data <path> [flags]',
        '',
        'flags:',
        '  --data <path>             input file (required)',
        '  --k <integer 1..10000>    list length (default 10)',
        '  --ratio <number (0, 1]>   share in train (default 0.75)',
        '  --lift <number ≥ 0>       minimum lift',
        '  --split <split>           split (random | leave-last; default random)',
        '  --events <type,…>         events (comma-separated: view | cart; default cart)',
        '  --item <id>               item id (repeatable)',
        '  --param <name=value>      algorithm parameter (repeatable)',
        "  --prefix <value>          key prefix (default '')",
        '  --json                    print one JSON object on stdout',
        '  -h, --help                show this help',
        '',
      ].join('\n'),
    );
  });

  it('prints only the usage line for a command without flags', () => {
    expect(formatHelp('algorithms', '', defineFlags({}))).toBe('usage: encore algorithms\n');
  });
});

describe('COMMON_FLAGS', () => {
  it('has one range and default per shared flag', () => {
    expect(COMMON_FLAGS.k).toEqual({ type: 'integer', min: 1, max: 10_000, default: 10, help: 'list length' });
    expect(COMMON_FLAGS.seed).toMatchObject({ min: 0, max: 2 ** 32 - 1, default: 42 });
    expect(COMMON_FLAGS.threads).toMatchObject({ min: 1, max: MAX_THREADS });
    expect(COMMON_FLAGS.threads.default).toBe(Math.min(availableParallelism(), MAX_THREADS));
    expect(COMMON_FLAGS.format.choices).toBe(DATA_FORMATS);
    expect(Object.keys(COMMON_FLAGS).sort()).toEqual(
      [
        'cache',
        'cache-prefix',
        'columns',
        'data',
        'format',
        'help',
        'include-seen',
        'json',
        'k',
        'model',
        'namespace',
        'quiet',
        'seed',
        'strict',
        'threads',
        'type',
      ].sort(),
    );
  });

  it('parses as a table of its own with typed values', () => {
    const r = parsed('score', ['--format', 'jsonl', '--threads', '2', '--cache-prefix='], COMMON_FLAGS);
    expect(r).toMatchObject({ format: 'jsonl', threads: 2, 'cache-prefix': '', namespace: 'default', seed: 42 });
    expectTypeOf(r.format).toEqualTypeOf<DataFormat | undefined>();
    expectTypeOf(r['cache-prefix']).toEqualTypeOf<string>();
    expectTypeOf(r.threads).toEqualTypeOf<number>();
    expect(errorOf(() => parseFlags('score', ['--threads', '0'], COMMON_FLAGS)).message).toBe(
      `encore score: --threads must be an integer in [1, ${MAX_THREADS}], got '0'`,
    );
  });
});
