import { invalidArgument } from '@encore/core';
import type { Progress } from '@encore/jobs';
import { defineFlags, type FlagTable, type FlagValues } from './internal/flags.js';

/** Where the command line writes: stdout carries results (`--json`), stderr progress and errors. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
}

/** What `main` hands a command besides its flags. */
export interface CommandContext {
  readonly io: CliIo;
  /** Progress on stderr; silent when the command's `--quiet` is given. Pass it to the jobs. */
  readonly progress: Progress;
  /** Aborted on Ctrl-C: pass it to every job, so workers stop and files and the cache stay as they were. */
  readonly signal: AbortSignal;
}

/**
 * One `encore` subcommand: its name, a one-line summary for `encore help`, the usage line and the
 * flag table `--help` prints, and `run`, a thin call of a job or the facade plus its text
 * formatting. `main` parses the flags, handles `--help`, and is the only place that catches errors:
 * `run` throws (rejects) and never writes errors itself. A command never imports another command.
 */
export interface Command<T extends FlagTable = FlagTable> {
  readonly name: string;
  /** One line for `encore help`. */
  readonly summary: string;
  /** What follows `encore <name>` in the usage line, e.g. `--data <path> --format <format> [flags]`. */
  readonly usage: string;
  readonly flags: T;
  /** Resolves to the exit code (0 on success); rejects with a typed error on failure. */
  run(flags: FlagValues<T>, context: CommandContext): Promise<number>;
}

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a command: checks its name and flag table once (when the module loads) and freezes it.
 * The `const` type parameter keeps the table's literal types, so `run` receives typed flags.
 *
 * Throws INVALID_ARGUMENT for a malformed name, summary or table (a programming error).
 *
 * @example
 * export const algorithmsCommand = defineCommand({
 *   name: 'algorithms',
 *   summary: 'list the algorithms and their default parameters',
 *   usage: '[flags]',
 *   flags: { json: COMMON_FLAGS.json, help: COMMON_FLAGS.help },
 *   async run(flags, { io }) { … return 0; },
 * });
 */
export function defineCommand<const T extends FlagTable>(command: Command<T>): Command<T> {
  const where = 'cli/defineCommand';
  if (typeof command.name !== 'string' || !NAME.test(command.name)) {
    throw invalidArgument(where, 'name must be lower-case letters, digits and dashes', command.name);
  }
  if (typeof command.summary !== 'string' || command.summary === '' || command.summary.includes('\n')) {
    throw invalidArgument(where, `command '${command.name}' needs a one-line summary`, command.summary);
  }
  if (typeof command.run !== 'function') throw invalidArgument(where, `command '${command.name}' has no run`, command);
  return Object.freeze({ ...command, flags: defineFlags(command.flags) });
}
