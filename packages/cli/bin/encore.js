#!/usr/bin/env node
// Thin launcher so the bin link exists before the first build; the command line lives in dist/cli.js.
import { main } from '../dist/cli.js';

// A reader that stops early (`encore rules --json | head`) closes the pipe: the rest of the output
// is not wanted, so the command ends quietly instead of dying on an unhandled EPIPE.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') process.stderr.write(`encore: cannot write the output: ${error.message}\n`);
  process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
});

process.exitCode = await main(process.argv.slice(2));
