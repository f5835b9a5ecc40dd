import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, errorLine, main, usage } from './cli.js';
import type { CliIo } from './command.js';
import { formatHelp } from './internal/flags.js';

/** An io whose streams keep what is written. */
function captured(): CliIo & { out: () => string; err: () => string } {
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const stdout = sink();
  const stderr = sink();
  return { stdout: stdout.stream, stderr: stderr.stream, out: stdout.text, err: stderr.text };
}

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captured();
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const NAMES = ['eval', 'train', 'recommend', 'score', 'together', 'rules', 'demo', 'algorithms'];

describe('the command table', () => {
  it('holds every command, each under its own name', () => {
    expect([...COMMANDS.keys()]).toEqual(NAMES);
    for (const [name, command] of COMMANDS) {
      expect(command.name).toBe(name);
      expect(Object.isFrozen(command)).toBe(true);
      expect(command.flags.help).toMatchObject({ type: 'boolean' });
    }
  });

  it('is what encore help lists, one line per command', () => {
    const text = usage();
    for (const command of COMMANDS.values()) expect(text).toContain(`  ${command.name}`);
    expect(text).toContain(COMMANDS.get('score')?.summary);
  });
});

describe('main: help', () => {
  it('prints the usage for `encore help` (exit 0) and for no command at all (exit 2)', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      expect(await run(argv)).toEqual({ code: 0, stdout: usage(), stderr: '' });
    }
    expect(await run([])).toEqual({ code: 2, stdout: usage(), stderr: '' });
  });

  it.each(NAMES)('prints the help of %s with every flag of its table, on stdout, exit 0', async (name) => {
    const command = COMMANDS.get(name);
    if (command === undefined) return expect.unreachable(name);
    const help = formatHelp(name, command.usage, command.flags);
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
      [name, '--k=-5', '--colour', '--help'],
    ]) {
      expect(await run(argv)).toEqual({ code: 0, stdout: help, stderr: '' });
    }
    for (const flag of Object.keys(command.flags)) {
      expect(help).toMatch(flag === 'help' ? /-h, --help/ : new RegExp(`--${flag} `));
    }
  });

  it('refuses help on an unknown command', async () => {
    expect(await run(['help', 'train-all'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "encore help: unknown command 'train-all'\n",
    });
  });
});

describe('main: errors are one line naming the command, with exit 2 for bad input', () => {
  it('names an unknown command', async () => {
    expect(await run(['train-all', '--json'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "encore: unknown command 'train-all' (try 'encore help')\n",
    });
  });

  it('gives the range message for --k=-5 and --k -5 alike', async () => {
    for (const argv of [
      ['recommend', '--k=-5', '--user', 'u'],
      ['recommend', '--k', '-5', '--user', 'u'],
    ]) {
      expect(await run(argv)).toEqual({
        code: 2,
        stdout: '',
        stderr: "encore recommend: --k must be an integer in [1, 10000], got '-5'\n",
      });
    }
  });

  it('names the command that was run in flag errors and in the errors of the jobs below it', async () => {
    const param = await run(['train', '--data', 'x', '--format', 'csv', '--out', 'm', '--param', 'foo']);
    expect(param).toMatchObject({ code: 2, stderr: "encore train: --param expects name=value, got 'foo'\n" });
    const missing = await run(['eval', '--data', 'no/such/file.csv', '--format', 'csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^encore eval: jobs\/\w+: no such file or directory: no\/such\/file\.csv\n$/);
    const nowhere = await run(['score', '--model', 'm']);
    expect(nowhere).toMatchObject({
      code: 2,
      stderr: 'encore score: expected --out <file.jsonl>, --cache <url>, or both\n',
    });
    const neither = await run(['recommend', '--user', 'u']);
    expect(neither.stderr).toBe('encore recommend: expected --model <dir>, --cache <url>, or both\n');
    expect(neither.code).toBe(2);
  });

  it('removes its Ctrl-C listener when the run ends, however it ends', async () => {
    const before = process.listenerCount('SIGINT');
    await run(['algorithms', '--json']);
    await run(['eval', '--data', 'no/such/file.csv', '--format', 'csv']);
    await run(['eval', '--help']);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('main: algorithms', () => {
  it('lists every algorithm with its defaults, as text or JSON', async () => {
    const text = await run(['algorithms']);
    expect(text.code).toBe(0);
    expect(
      text.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[0]),
    ).toEqual(['popular', 'random', 'cooccurrence', 'als', 'bpr']);
    const json = JSON.parse((await run(['algorithms', '--json'])).stdout);
    expect(json.algorithms.find((a: { name: string }) => a.name === 'als').defaults).toMatchObject({ factors: 64 });
  });
});

describe('errorLine', () => {
  it('prefixes the command unless the message already names it, and folds line breaks', () => {
    expect(errorLine('factorization/fitAls: unknown parameter "foo"', 'train')).toBe(
      'encore train: factorization/fitAls: unknown parameter "foo"',
    );
    expect(errorLine("encore train: --param expects name=value, got 'foo'", 'train')).toBe(
      "encore train: --param expects name=value, got 'foo'",
    );
    // Another command's prefix is not this command's: the command that was run is named.
    expect(errorLine('encore eval: something', 'train')).toBe('encore train: encore eval: something');
    expect(errorLine("encore: unknown command 'x'", 'x')).toBe("encore: unknown command 'x'");
    expect(errorLine('jobs/x: two\n  lines\r\nhere', 'score')).toBe('encore score: jobs/x: two lines here');
    expect(errorLine('interrupted', 'demo')).toBe('encore demo: interrupted');
  });
});
