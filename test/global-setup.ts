import { SKIP_NO_DATASETS, sharedDatasets } from './environment.js';

/**
 * Checks on the real public datasets run when ../shared/datasets (or ENCORE_DATASETS) exists. The
 * reporter only counts skipped tests, so say once, plainly, why they were skipped.
 */
export default function announceDatasets(): void {
  // Every project inherits this setup; announce once per run.
  if (process.env.ENCORE_DATASETS_ANNOUNCED) return;
  process.env.ENCORE_DATASETS_ANNOUNCED = '1';
  if (sharedDatasets === null) process.stderr.write(`\nreal-data checks ${SKIP_NO_DATASETS}\n\n`);
  else process.stderr.write(`\nreal-data checks run on ${sharedDatasets}\n\n`);
}
