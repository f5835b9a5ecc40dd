/**
 * @encore/cli — the `encore` command line: `main(argv)` dispatches to a table of commands, each a
 * thin call of a job (@encore/jobs) or the serving facade (@encore/engine) with its flags declared
 * once in a table and validated at the boundary.
 */
export { type CliIo, main } from './cli.js';
export { COMMON_FLAGS, MAX_THREADS } from './internal/common-flags.js';
export {
  type BooleanFlag,
  type ChoiceFlag,
  defineFlags,
  type FlagSpec,
  type FlagTable,
  type FlagValue,
  type FlagValues,
  formatHelp,
  HELP_REQUESTED,
  type IntegerFlag,
  type ListFlag,
  type NumberFlag,
  type PairsFlag,
  parseFlags,
  type StringFlag,
  type StringsFlag,
} from './internal/flags.js';
