import { EncoreError, ErrorCode, invalidArgument } from '@encore/core';

/**
 * Command-line flags, declared once per command in a table and validated once at the boundary.
 *
 * A command declares its flags with {@link defineFlags}, turns argv into typed values with
 * {@link parseFlags} (every error a one-line `EncoreError` whose message starts with
 * `encore <command>: `) and prints its help with {@link formatHelp}. Node's `util.parseArgs` is
 * not used: it calls `--k -5` an ambiguous option where `--k=-5` is a value, and its messages name
 * neither the command nor the range.
 */

/** A flag that takes one free-form value: `--out model/`. */
export interface StringFlag {
  readonly type: 'string';
  readonly help: string;
  readonly default?: string;
  /** Missing, or given as '', is a USAGE error. */
  readonly required?: boolean;
  /** Shown in help as `--name <placeholder>`; default `value`. */
  readonly placeholder?: string;
}

/** A flag that takes a safe integer in [min, max] (`1e3` is fine, `2.5` is not). Bounds may be ±Infinity. */
export interface IntegerFlag {
  readonly type: 'integer';
  readonly help: string;
  readonly min: number;
  readonly max: number;
  readonly default?: number;
  readonly required?: boolean;
}

/** A flag that takes a finite number in [min, max]; `exclusiveMin` / `exclusiveMax` open either end. */
export interface NumberFlag {
  readonly type: 'number';
  readonly help: string;
  readonly min: number;
  readonly max: number;
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly default?: number;
  readonly required?: boolean;
}

/** A switch: false unless given; `--flag=true` and `--flag=false` are accepted, any other value is an error. */
export interface BooleanFlag {
  readonly type: 'boolean';
  readonly help: string;
}

/** A flag whose value is one of `choices`; the parsed value is typed as their union. */
export interface ChoiceFlag<C extends string = string> {
  readonly type: 'choice';
  readonly choices: readonly C[];
  readonly help: string;
  readonly default?: C;
  readonly required?: boolean;
  /** Error code of an unknown value (e.g. UNKNOWN_FORMAT); default USAGE. */
  readonly code?: ErrorCode;
  /** What a value is called in the error (`unknown format 'x'`); default `--<name> value`. */
  readonly noun?: string;
  /** Shown in help as `--name <placeholder>`; default the flag's name. */
  readonly placeholder?: string;
}

/** A comma-separated list (`--events view,cart`): items trimmed, empty items dropped, each one of `choices` if given. */
export interface ListFlag<C extends string = string> {
  readonly type: 'list';
  readonly help: string;
  readonly choices?: readonly C[];
  readonly default?: readonly C[];
  /** What an item is called in the error (`unknown event type 'x'`); default `--<name> value`. */
  readonly noun?: string;
  /** Shown in help as `--name <placeholder,…>`; default `value`. */
  readonly placeholder?: string;
}

/** A repeatable string flag (`--item a --item b`), in the order given. */
export interface StringsFlag {
  readonly type: 'strings';
  readonly help: string;
  /** At least one value must be given. */
  readonly required?: boolean;
  /** Shown in help as `--name <placeholder>`; default `value`. */
  readonly placeholder?: string;
}

/** A repeatable `name=value` flag (`--param factors=64`); the value may contain '=', a name may appear once. */
export interface PairsFlag {
  readonly type: 'pairs';
  readonly help: string;
  /** Shown in help as `--name <placeholder>` and in the error of a value without '='; default `name=value`. */
  readonly placeholder?: string;
}

/** One flag of a command: its type, range or choices, default and one-line help. */
export type FlagSpec =
  | StringFlag
  | IntegerFlag
  | NumberFlag
  | BooleanFlag
  | ChoiceFlag
  | ListFlag
  | StringsFlag
  | PairsFlag;

/** A command's flags, flag name (without `--`) → spec. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** The value type a spec parses to, `undefined` included when the flag is neither required nor defaulted. */
export type FlagValue<S extends FlagSpec> = S extends { readonly type: 'string' }
  ? Given<S, string>
  : S extends { readonly type: 'integer' | 'number' }
    ? Given<S, number>
    : S extends { readonly type: 'boolean' }
      ? boolean
      : S extends { readonly type: 'choice'; readonly choices: readonly (infer C extends string)[] }
        ? Given<S, C>
        : S extends { readonly type: 'list'; readonly choices: readonly (infer C extends string)[] }
          ? readonly C[]
          : S extends { readonly type: 'list' | 'strings' }
            ? readonly string[]
            : S extends { readonly type: 'pairs' }
              ? ReadonlyMap<string, string>
              : never;

type Given<S, V> = S extends { readonly required: true }
  ? V
  : S extends { readonly default: unknown }
    ? V
    : V | undefined;

/** What {@link parseFlags} returns for `table`: one typed value per flag, keyed by flag name. */
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T & string]: FlagValue<T[K]> };

/** Returned by {@link parseFlags} when `--help` or `-h` was given: print the help and exit 0. */
export const HELP_REQUESTED: unique symbol = Symbol('encore.help-requested');

const WHERE = 'cli/defineFlags';
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const checkedTables = new WeakSet<FlagTable>();

/** The keys each spec type takes: a misspelt `requried` is an error, not a silently optional flag. */
const SPEC_KEYS: Readonly<Record<FlagSpec['type'], readonly string[]>> = {
  string: ['type', 'help', 'default', 'required', 'placeholder'],
  integer: ['type', 'help', 'min', 'max', 'default', 'required'],
  number: ['type', 'help', 'min', 'max', 'exclusiveMin', 'exclusiveMax', 'default', 'required'],
  boolean: ['type', 'help'],
  choice: ['type', 'help', 'choices', 'default', 'required', 'code', 'noun', 'placeholder'],
  list: ['type', 'help', 'choices', 'default', 'noun', 'placeholder'],
  strings: ['type', 'help', 'required', 'placeholder'],
  pairs: ['type', 'help', 'placeholder'],
};

/**
 * Declares a command's flag table: checks it once (names, ranges, defaults inside their range or
 * choices, no default on a required flag) and freezes it and its specs. The `const` type
 * parameter keeps literal types (choices, `required: true`), so {@link parseFlags} infers each
 * flag's value type from the table.
 *
 * Throws INVALID_ARGUMENT for a malformed table (a programming error, caught when the module loads).
 *
 * @example
 * const FLAGS = defineFlags({
 *   k: { type: 'integer', min: 1, max: 10_000, default: 10, help: 'list length' },
 *   split: { type: 'choice', choices: ['random', 'leave-last'], default: 'random', help: 'split' },
 * });
 */
export function defineFlags<const T extends FlagTable>(table: T): T {
  checkTable(table);
  for (const spec of Object.values(table)) Object.freeze(spec);
  Object.freeze(table);
  return table;
}

/**
 * Parses a command's argv (the words after the command name) against its table and validates
 * every value; never mutates `argv`.
 *
 * - `--name value` and `--name=value`; a value-taking flag takes the next word even when it starts
 *   with a single '-' (`--k -5` reaches the range check like `--k=-5`), but a next word starting
 *   with `--`, or `-h`, leaves the value missing.
 * - Booleans are `--flag`, `--flag=true` or `--flag=false`; `strings` and `pairs` flags repeat; any
 *   other flag given twice is an error. `--` ends the flags; positional arguments are errors.
 * - `--help` or `-h` anywhere before `--` returns {@link HELP_REQUESTED}, whatever else is wrong;
 *   `--user=-h` passes '-h' as a value.
 *
 * Throws an EncoreError with code USAGE (or the choice spec's `code`) and details `{ flag, value }`,
 * message `encore <command>: <what was wrong>` on one line; the first problem in argv order wins,
 * then missing required flags in table order.
 *
 * @example
 * const flags = parseFlags('recommend', ['--k=-5'], FLAGS);
 * // throws USAGE "encore recommend: --k must be an integer in [1, 10000], got '-5'"
 */
export function parseFlags<const T extends FlagTable>(
  command: string,
  argv: readonly string[],
  table: T,
): FlagValues<T> | typeof HELP_REQUESTED {
  checkTable(table);
  const given = new Map<string, unknown>();
  let help = false;
  let first: EncoreError | undefined;
  let flagsEnded = false;
  let i = 0;
  while (i < argv.length) {
    const token = argv[i++] as string;
    try {
      if (flagsEnded) throw usage(command, `unexpected argument ${quote(token)}`, undefined, token);
      if (token === '--') {
        flagsEnded = true;
        continue;
      }
      if (token === '-h' || token === '--help') {
        help = true;
        continue;
      }
      if (!token.startsWith('--')) {
        // '-x' is a flag we do not have; '-', '-5' and words are stray arguments.
        if (/^-[^\d.]/.test(token)) throw unknownFlag(command, token.slice(1), token, token);
        throw usage(command, `unexpected argument ${quote(token)}`, undefined, token);
      }
      const eq = token.indexOf('=');
      const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
      const inline = eq < 0 ? undefined : token.slice(eq + 1);
      if (name === 'help') {
        if (toBoolean(command, name, inline)) help = true;
        continue;
      }
      if (!Object.hasOwn(table, name)) throw unknownFlag(command, name, `--${name || token.slice(2)}`, token);
      const spec = table[name] as FlagSpec;
      if (spec.type === 'boolean') {
        const on = toBoolean(command, name, inline);
        if (given.has(name)) throw usage(command, `--${name} given more than once`, name, inline);
        given.set(name, on);
        continue;
      }
      let raw = inline;
      if (raw === undefined) {
        const next = argv[i];
        if (next === undefined || next.startsWith('--') || next === '-h') {
          throw usage(command, `--${name} needs a value`, name, undefined);
        }
        raw = next;
        i++;
      }
      store(command, given, name, spec, raw);
    } catch (error) {
      if (!(error instanceof EncoreError)) throw error;
      first ??= error;
    }
  }
  if (help) return HELP_REQUESTED;
  if (first !== undefined) throw first;

  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    let value = given.get(name);
    if (value === undefined) {
      if ('required' in spec && spec.required === true) {
        throw usage(command, `--${name} is required`, name, undefined);
      }
      value = defaultValue(spec);
    }
    values[name] = value;
  }
  // The one cast: the loop above built each value by its spec, which is what FlagValues<T> says.
  return Object.freeze(values) as FlagValues<T>;
}

/**
 * A command's help: the usage line, then one aligned row per flag with its value type, range or
 * choices, default and whether it is required or repeatable; ends with a newline.
 *
 * @example
 * formatHelp('recommend', '--model <dir> --user <id> [flags]', FLAGS);
 * // usage: encore recommend --model <dir> --user <id> [flags]
 * //
 * // flags:
 * //   --k <integer 1..10000>   list length (default 10)
 */
export function formatHelp(command: string, usageLine: string, table: FlagTable): string {
  checkTable(table);
  const head = `usage: encore ${command} ${usageLine}`.trimEnd();
  const rows = Object.entries(table).map(([name, spec]) => [helpLeft(name, spec), helpRight(spec)] as const);
  if (rows.length === 0) return `${head}\n`;
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  const lines = rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`.trimEnd());
  return `${head}\n\nflags:\n${lines.join('\n')}\n`;
}

/** Converts and keeps one value: appends to a repeatable flag, refuses a second value for any other. */
function store(
  command: string,
  given: Map<string, unknown>,
  name: string,
  spec: Exclude<FlagSpec, BooleanFlag>,
  raw: string,
): void {
  if (spec.type === 'strings') {
    const list = (given.get(name) as string[] | undefined) ?? [];
    list.push(raw);
    given.set(name, list);
    return;
  }
  if (spec.type === 'pairs') {
    const eq = raw.indexOf('=');
    if (eq <= 0) {
      throw usage(command, `--${name} expects ${spec.placeholder ?? 'name=value'}, got ${quote(raw)}`, name, raw);
    }
    const pairs = (given.get(name) as Map<string, string> | undefined) ?? new Map<string, string>();
    const key = raw.slice(0, eq);
    if (pairs.has(key)) throw usage(command, `--${name} sets ${quote(key)} more than once`, name, raw);
    pairs.set(key, raw.slice(eq + 1));
    given.set(name, pairs);
    return;
  }
  if (given.has(name)) throw usage(command, `--${name} given more than once`, name, raw);
  given.set(name, convert(command, name, spec, raw));
}

function convert(
  command: string,
  name: string,
  spec: Exclude<FlagSpec, BooleanFlag | StringsFlag | PairsFlag>,
  raw: string,
): unknown {
  switch (spec.type) {
    case 'string':
      if (spec.required === true && raw === '') throw usage(command, `--${name} needs a value`, name, raw);
      return raw;
    case 'integer':
    case 'number': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!inRange(spec, n)) {
        throw usage(command, `--${name} must be ${describeRange(spec)}, got ${quote(raw)}`, name, raw);
      }
      return n === 0 ? 0 : n; // '-0' → 0
    }
    case 'choice':
      if (!(spec.choices as readonly string[]).includes(raw)) throw unknownChoice(command, name, spec, raw);
      return raw;
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items) {
        if (spec.choices !== undefined && !(spec.choices as readonly string[]).includes(item)) {
          throw unknownChoice(command, name, spec, item);
        }
      }
      return Object.freeze(items);
    }
  }
}

function toBoolean(command: string, name: string, inline: string | undefined): boolean {
  if (inline === undefined || inline === 'true') return true;
  if (inline === 'false') return false;
  throw usage(command, `--${name} expects true or false, got ${quote(inline)}`, name, inline);
}

function defaultValue(spec: FlagSpec): unknown {
  switch (spec.type) {
    case 'boolean':
      return false;
    case 'list':
      return Object.freeze([...(spec.default ?? [])]);
    case 'strings':
      return Object.freeze([]);
    case 'pairs':
      return new Map<string, string>();
    default:
      return spec.default;
  }
}

function inRange(spec: IntegerFlag | NumberFlag, n: number): boolean {
  if (spec.type === 'integer' ? !Number.isSafeInteger(n) : !Number.isFinite(n)) return false;
  const openLow = spec.type === 'number' && spec.exclusiveMin === true;
  const openHigh = spec.type === 'number' && spec.exclusiveMax === true;
  return (openLow ? n > spec.min : n >= spec.min) && (openHigh ? n < spec.max : n <= spec.max);
}

/** `an integer in [1, 10000]`, `a number in (0, 1]`, `a number ≥ 0`, `a finite number`. */
function describeRange(spec: IntegerFlag | NumberFlag): string {
  const bounds = rangeText(spec, false);
  const kind = spec.type === 'integer' ? 'an integer' : bounds === '' ? 'a finite number' : 'a number';
  if (bounds === '') return kind;
  return Number.isFinite(spec.min) && Number.isFinite(spec.max) ? `${kind} in ${bounds}` : `${kind} ${bounds}`;
}

/** `[1, 10000]` (or `1..10000` when `dotted` and both ends are closed), `(0, 1]`, `≥ 0`, `< 1`, or ''. */
function rangeText(spec: IntegerFlag | NumberFlag, dotted: boolean): string {
  const openLow = spec.type === 'number' && spec.exclusiveMin === true;
  const openHigh = spec.type === 'number' && spec.exclusiveMax === true;
  const low = Number.isFinite(spec.min);
  const high = Number.isFinite(spec.max);
  if (low && high) {
    if (dotted && !openLow && !openHigh) return `${spec.min}..${spec.max}`;
    return `${openLow ? '(' : '['}${spec.min}, ${spec.max}${openHigh ? ')' : ']'}`;
  }
  if (low) return `${openLow ? '>' : '≥'} ${spec.min}`;
  if (high) return `${openHigh ? '<' : '≤'} ${spec.max}`;
  return '';
}

function unknownChoice(command: string, name: string, spec: ChoiceFlag | ListFlag, value: string): EncoreError {
  const what = spec.noun ?? `--${name} value`;
  const expected = (spec.choices ?? []).join(', ');
  const code = spec.type === 'choice' ? (spec.code ?? ErrorCode.USAGE) : ErrorCode.USAGE;
  return usage(command, `unknown ${what} ${quote(value)}, expected one of ${expected}`, name, value, code);
}

function unknownFlag(command: string, name: string, shown: string, token: string): EncoreError {
  return usage(command, `unknown flag ${quote(shown)} (see 'encore ${command} --help')`, name, token);
}

function usage(
  command: string,
  message: string,
  flag: string | undefined,
  value: unknown,
  code: ErrorCode = ErrorCode.USAGE,
): EncoreError {
  return new EncoreError(code, `encore ${command}: ${message}`, { flag, value });
}

const MAX_SHOWN = 80;

/** A value in single quotes for a one-line message: control characters escaped, long values cut. */
function quote(value: string): string {
  let shown = '';
  for (const ch of value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value) {
    const c = ch.charCodeAt(0);
    shown += c < 0x20 || c === 0x7f ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
  }
  return `'${shown}'`;
}

function helpLeft(name: string, spec: FlagSpec): string {
  switch (spec.type) {
    case 'boolean':
      return name === 'help' ? '-h, --help' : `--${name}`;
    case 'integer':
    case 'number': {
      const range = rangeText(spec, true);
      return `--${name} <${spec.type}${range === '' ? '' : ` ${range}`}>`;
    }
    case 'choice':
      return `--${name} <${spec.placeholder ?? name}>`;
    case 'list':
      return `--${name} <${spec.placeholder ?? 'value'},…>`;
    case 'pairs':
      return `--${name} <${spec.placeholder ?? 'name=value'}>`;
    default:
      return `--${name} <${spec.placeholder ?? 'value'}>`;
  }
}

function helpRight(spec: FlagSpec): string {
  const notes: string[] = [];
  if (spec.type === 'choice') notes.push(spec.choices.join(' | '));
  if (spec.type === 'list') {
    notes.push(spec.choices === undefined ? 'comma-separated' : `comma-separated: ${spec.choices.join(' | ')}`);
  }
  if (spec.type === 'strings' || spec.type === 'pairs') notes.push('repeatable');
  if ('required' in spec && spec.required === true) notes.push('required');
  if ('default' in spec && spec.default !== undefined) {
    const shown = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
    notes.push(`default ${shown === '' ? "''" : shown}`);
  }
  return notes.length === 0 ? spec.help : `${spec.help} (${notes.join('; ')})`;
}

/** Checks a table once (INVALID_ARGUMENT on a programming error); later calls with it are free. */
function checkTable(table: FlagTable): void {
  if (checkedTables.has(table)) return;
  for (const [name, spec] of Object.entries(table)) {
    const bad = (what: string): EncoreError => invalidArgument(WHERE, `flag '${name}' ${what}`, spec);
    if (!NAME.test(name)) throw bad("is not a flag name: lower-case letters and digits joined by '-'");
    if (!Object.hasOwn(SPEC_KEYS, spec.type)) {
      throw bad(`has unknown type '${String(spec.type)}', expected one of ${Object.keys(SPEC_KEYS).join(', ')}`);
    }
    const known = SPEC_KEYS[spec.type];
    const unknown = Object.keys(spec).find((key) => !known.includes(key));
    if (unknown !== undefined) throw bad(`has unknown key '${unknown}', expected one of ${known.join(', ')}`);
    if (name === 'help' && spec.type !== 'boolean') throw bad('must be a boolean: --help and -h print the help');
    if (typeof spec.help !== 'string' || spec.help === '') throw bad('has no help');
    if ('required' in spec && spec.required === true && 'default' in spec && spec.default !== undefined) {
      throw bad('is required and has a default: one or the other');
    }
    switch (spec.type) {
      case 'integer':
      case 'number': {
        const integral = (x: number): boolean => spec.type === 'number' || !Number.isFinite(x) || Number.isInteger(x);
        if (Number.isNaN(spec.min) || Number.isNaN(spec.max) || !integral(spec.min) || !integral(spec.max)) {
          throw bad(`has a malformed range [${spec.min}, ${spec.max}]`);
        }
        if (spec.min > spec.max) throw bad(`has min ${spec.min} above max ${spec.max}`);
        if (spec.default !== undefined && !inRange(spec, spec.default)) {
          throw bad(`has default ${spec.default}, expected ${describeRange(spec)}`);
        }
        break;
      }
      case 'choice':
        if (spec.choices.length === 0) throw bad('has no choices');
        if (spec.default !== undefined && !spec.choices.includes(spec.default)) {
          throw bad(`has default '${spec.default}', expected one of ${spec.choices.join(', ')}`);
        }
        break;
      case 'list':
        for (const item of spec.default ?? []) {
          if (spec.choices !== undefined && !spec.choices.includes(item)) {
            throw bad(`has default item '${item}', expected one of ${spec.choices.join(', ')}`);
          }
        }
        break;
      default:
        break;
    }
  }
  checkedTables.add(table);
}
