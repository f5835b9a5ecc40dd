import { EncoreError, ErrorCode } from '@encore/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCommand } from './command.js';

const run = async (): Promise<number> => 0;

describe('defineCommand', () => {
  it('freezes the command and its flag table, and types run’s flags from the table', () => {
    const command = defineCommand({
      name: 'echo',
      summary: 'prints its words',
      usage: '--word <w> [flags]',
      flags: {
        word: { type: 'strings', required: true, help: 'a word' },
        k: { type: 'integer', min: 1, max: 5, default: 2, help: 'times' },
      },
      async run(flags) {
        expectTypeOf(flags.word).toEqualTypeOf<readonly string[]>();
        expectTypeOf(flags.k).toEqualTypeOf<number>();
        return 0;
      },
    });
    expect(Object.isFrozen(command)).toBe(true);
    expect(Object.isFrozen(command.flags)).toBe(true);
    expect(Object.isFrozen(command.flags.word)).toBe(true);
  });

  it.each([
    ['a name that is not a word', { name: 'Echo Words', summary: 's', usage: '', flags: {}, run }],
    ['an empty name', { name: '', summary: 's', usage: '', flags: {}, run }],
    ['no summary', { name: 'echo', summary: '', usage: '', flags: {}, run }],
    ['a summary of two lines', { name: 'echo', summary: 'a\nb', usage: '', flags: {}, run }],
    ['no run', { name: 'echo', summary: 's', usage: '', flags: {} }],
    [
      'a malformed flag table',
      { name: 'echo', summary: 's', usage: '', flags: { K: { type: 'boolean', help: 'k' } }, run },
    ],
  ])('refuses %s with INVALID_ARGUMENT', (_, spec) => {
    let error: unknown;
    try {
      defineCommand(spec as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EncoreError);
    expect((error as EncoreError).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
