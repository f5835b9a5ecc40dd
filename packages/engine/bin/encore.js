#!/usr/bin/env node
// Thin launcher so the bin link exists before the first build; the command line lives in dist/cli.js.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
