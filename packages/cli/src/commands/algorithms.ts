import { algorithmRegistry } from '@encore/jobs';
import { defineCommand } from '../command.js';
import { COMMON_FLAGS } from '../internal/common-flags.js';
import { writeResult } from '../internal/output.js';

const { json, help } = COMMON_FLAGS;

/** What `encore algorithms --json` prints. */
export interface AlgorithmsResult {
  readonly algorithms: readonly { readonly name: string; readonly defaults: Readonly<Record<string, unknown>> }[];
}

/** `encore algorithms`: every algorithm `eval` takes (and `train` for cooccurrence, als, bpr) with its defaults. */
export const algorithmsCommand = defineCommand({
  name: 'algorithms',
  summary: 'list the algorithms and their default parameters',
  usage: '[flags]',
  flags: { json, help },
  async run(flags, { io }) {
    const result: AlgorithmsResult = {
      algorithms: [...algorithmRegistry.values()].map((a) => ({ name: a.name, defaults: { ...a.defaults } })),
    };
    writeResult(io, flags.json, result, (r) =>
      r.algorithms.map((a) => `${a.name.padEnd(14)} ${JSON.stringify(a.defaults)}\n`).join(''),
    );
    return 0;
  },
});
