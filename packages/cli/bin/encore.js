#!/usr/bin/env node
// Thin launcher, so the bin link exists before the first build; the command line lives in dist/cli.js.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  // `npm install` installs, it does not build: say what to run instead of a module-not-found trace.
  process.stderr.write(
    'encore: the packages are not built yet; run `npm run build` in the Encore checkout (about a minute, once)\n',
  );
  process.exit(1);
}
const { main } = await import(cli.href);

// A reader that stops early (`encore rules --json | head`) closes the pipe: the rest of the output
// is not wanted, so the command ends quietly instead of dying on an unhandled EPIPE.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') process.stderr.write(`encore: cannot write the output: ${error.message}\n`);
  process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
});

process.exitCode = await main(process.argv.slice(2));
