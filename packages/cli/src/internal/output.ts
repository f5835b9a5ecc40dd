import type { CliIo } from '../command.js';

/**
 * Writes a command's result on stdout: one JSON object and a newline with `--json`, else the
 * readable text `format` makes (ending with a newline).
 */
export function writeResult<T>(io: CliIo, json: boolean, result: T, format: (result: T) => string): void {
  io.stdout.write(json ? `${JSON.stringify(result)}\n` : format(result));
}

/** A count for people: `12,345`. */
export function count(x: number): string {
  return x.toLocaleString('en-US');
}
