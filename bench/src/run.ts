import { type Figure, writeRecord } from './record.js';
import { cacheSuite } from './suites/cache.js';
import { cooccurrenceSuite } from './suites/cooccurrence.js';
import { csrSuite } from './suites/csr.js';
import { factorizationSuite } from './suites/factorization.js';
import { loadersSuite } from './suites/loaders.js';
import { scoringSuite } from './suites/scoring.js';
import { servingSuite } from './suites/serving.js';

/** What a suite returns: its figures, and the tfjs backend it ran on where it uses tfjs. */
type SuiteRun = (log: (line: string) => void) => Promise<Figure[] | { figures: Figure[]; tfjsBackend: string }>;

/** Named suites; `npm run bench -- <name> …` runs some, no name runs all. */
const SUITES: ReadonlyMap<string, SuiteRun> = new Map<string, SuiteRun>([
  ['loaders', loadersSuite],
  ['csr', csrSuite],
  ['cooccurrence', cooccurrenceSuite],
  ['factorization', factorizationSuite],
  ['scoring', scoringSuite],
  ['cache', cacheSuite],
  ['serving', servingSuite],
]);

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const requested = process.argv.slice(2);
for (const name of requested) {
  if (!SUITES.has(name)) {
    log(`bench: unknown suite '${name}', expected one of ${[...SUITES.keys()].join(', ')}`);
    process.exit(2);
  }
}
for (const [name, suite] of SUITES) {
  if (requested.length > 0 && !requested.includes(name)) continue;
  log(`bench: running ${name}`);
  const outcome = await suite(log);
  const figures = Array.isArray(outcome) ? outcome : outcome.figures;
  const tfjsBackend = Array.isArray(outcome) ? null : outcome.tfjsBackend;
  for (const f of figures) {
    const rate = f.throughput !== undefined ? `  ${f.throughput.toLocaleString('en-US')} ${f.unit}` : '';
    log(
      `  ${f.name}: median ${f.medianMs.toFixed(1)} ms (min ${f.minMs.toFixed(1)}, max ${f.maxMs.toFixed(1)})${rate}`,
    );
  }
  log(`bench: wrote ${writeRecord(name, figures, tfjsBackend)}`);
}
