import { EncoreError, ErrorCode, isEncoreError } from '@encore/core';
import type { CliIo, Command } from './command.js';
import { algorithmsCommand } from './commands/algorithms.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { recommendCommand } from './commands/recommend.js';
import { rulesCommand } from './commands/rules.js';
import { scoreCommand } from './commands/score.js';
import { togetherCommand } from './commands/together.js';
import { trainCommand } from './commands/train.js';
import { formatHelp, HELP_REQUESTED, parseFlags } from './internal/flags.js';
import { createProgress } from './internal/progress.js';

export type { CliIo } from './command.js';

/** Every subcommand, by name, in the order `encore help` lists them. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    evalCommand,
    trainCommand,
    recommendCommand,
    scoreCommand,
    togetherCommand,
    rulesCommand,
    demoCommand,
    algorithmsCommand,
  ].map((command) => [command.name, command]),
);

/** Error codes that mean "the invocation or its input is wrong" (exit 2) rather than "it failed" (exit 1). */
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.USAGE,
  ErrorCode.FILE_NOT_FOUND,
  ErrorCode.UNKNOWN_FORMAT,
  ErrorCode.UNKNOWN_ALGORITHM,
  ErrorCode.PARSE_ERROR,
  ErrorCode.MODEL_FORMAT,
  ErrorCode.UNKNOWN_ID,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.EMPTY_INPUT,
]);

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT, as a shell reports it). */
export const EXIT_INTERRUPTED = 130;

/** `encore help`: the commands and their summaries. */
export function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length)) + 2;
  return [
    'usage: encore <command> [flags]',
    '',
    'commands:',
    ...[...COMMANDS.values()].map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "run 'encore <command> --help' (or 'encore help <command>') for a command's flags",
    '',
  ].join('\n');
}

/**
 * Runs the `encore` command line; resolves to the process exit code: 0 ok, 1 failure, 2 usage or
 * input error (a bad flag, a missing file, an unknown format, algorithm or id, a malformed line in
 * strict mode, a model directory that is not one), 130 interrupted. Never rejects: this is the
 * only place errors are caught, and each becomes one line on stderr naming the command that was
 * run (`encore train: …`).
 *
 * One AbortController per run, aborted by Ctrl-C (SIGINT), is handed to the command and through it
 * to every job: workers stop, a publication is abandoned (the cache's current version stays), files
 * are left as they were. A second Ctrl-C kills the process at once.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  const [name, ...rest] = argv;
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) {
      // Still running after the first Ctrl-C: let the default handler end the process.
      process.off('SIGINT', onInterrupt);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    if (name === undefined) {
      io.stdout.write(usage());
      return 2;
    }
    if (name === 'help' || name === '--help' || name === '-h') return help(rest, io);
    const command = COMMANDS.get(name);
    if (command === undefined) {
      throw new EncoreError(ErrorCode.USAGE, `encore: unknown command '${oneLine(name)}' (try 'encore help')`, {
        value: name,
      });
    }
    const flags = parseFlags(command.name, rest, command.flags);
    if (flags === HELP_REQUESTED) {
      io.stdout.write(formatHelp(command.name, command.usage, command.flags));
      return 0;
    }
    const progress = createProgress({ stream: io.stderr, quiet: flags.quiet === true });
    return await command.run(flags, { io, progress, signal: controller.signal });
  } catch (error) {
    const interrupted = controller.signal.aborted;
    io.stderr.write(`${errorLine(interrupted ? 'interrupted' : errorMessage(error), name)}\n`);
    if (interrupted) return EXIT_INTERRUPTED;
    return isEncoreError(error) && INPUT_ERRORS.has(error.code) ? 2 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** `encore help [command]`. */
function help(rest: readonly string[], io: CliIo): number {
  const [topic, ...extra] = rest;
  if (topic === undefined) {
    io.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS.get(topic);
  if (command === undefined || extra.length > 0) {
    throw new EncoreError(ErrorCode.USAGE, `encore help: unknown command '${oneLine(rest.join(' '))}'`, {
      value: topic,
    });
  }
  io.stdout.write(formatHelp(command.name, command.usage, command.flags));
  return 0;
}

/** What an error says: an EncoreError's message; anything else is an unexpected failure (a bug), said so. */
function errorMessage(error: unknown): string {
  if (isEncoreError(error)) return error.message;
  if (error instanceof Error) return `unexpected failure: ${error.name}: ${error.message}`;
  return `unexpected failure: ${String(error)}`;
}

/**
 * The one line on stderr an error message becomes: line breaks folded, prefixed
 * `encore <command>: ` unless it already starts so (`encore: ` when the command is unknown).
 *
 * @example
 * errorLine('factorization/fitAls: unknown parameter "foo"', 'train');
 * // 'encore train: factorization/fitAls: unknown parameter "foo"'
 */
export function errorLine(message: string, command: string | undefined): string {
  const text = oneLine(message);
  const known = command !== undefined && (COMMANDS.has(command) || command === 'help');
  const prefix = known ? `encore ${command}: ` : 'encore: ';
  return text.startsWith(prefix) ? text : `${prefix}${text}`;
}

/** Whitespace runs holding a line break become one space: every error is one line. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
