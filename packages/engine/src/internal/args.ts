import { parseArgs } from 'node:util';
import { EncoreError, ErrorCode } from '@encore/core';

/** One flag of a subcommand: its type, default and one-line help. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  readonly help: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

/**
 * Parses `argv` strictly against `table`: an unknown flag, a missing value or a stray positional
 * argument is a USAGE error whose message names it.
 */
export function parseFlags(command: string, argv: readonly string[], table: FlagTable): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new EncoreError(ErrorCode.USAGE, `encore ${command}: ${message}`, { argv });
  }
  if (parsed.positionals.length > 0) {
    throw new EncoreError(ErrorCode.USAGE, `encore ${command}: unexpected argument '${parsed.positionals[0]}'`, {
      value: parsed.positionals[0],
    });
  }
  const values: ParsedFlags = {};
  for (const [name, spec] of Object.entries(table)) {
    const v = parsed.values[name];
    values[name] = (v ?? spec.default) as ParsedFlags[string];
  }
  return values;
}

/** A flag's string value, or a USAGE error naming it when it is required and missing. */
export function requireString(command: string, flags: ParsedFlags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v.length === 0) {
    throw new EncoreError(ErrorCode.USAGE, `encore ${command}: --${name} is required`, { flag: name });
  }
  return v;
}

/** Parses a numeric flag within [min, max]; USAGE error naming the flag otherwise. */
export function numberFlag(
  command: string,
  flags: ParsedFlags,
  name: string,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n))) {
    const kind = range.integer ? 'an integer' : 'a number';
    throw new EncoreError(
      ErrorCode.USAGE,
      `encore ${command}: --${name} must be ${kind} in [${range.min}, ${range.max}], got '${String(raw)}'`,
      { flag: name, value: raw },
    );
  }
  return n;
}

/** The help text of a subcommand's flags. */
export function formatFlags(table: FlagTable): string {
  return Object.entries(table)
    .map(([name, spec]) => {
      const value = spec.type === 'string' ? ' <value>' : '';
      const def = spec.default !== undefined && spec.default !== false ? ` (default ${String(spec.default)})` : '';
      return `  --${name}${value}`.padEnd(30) + spec.help + def;
    })
    .join('\n');
}
