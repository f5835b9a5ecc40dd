import { fileURLToPath } from 'node:url';
import { invalidArgument } from '@encore/core';
import type { DataFormat } from './formats.js';

/** Names of the data files shipped in this package's `data/` directory. */
export type BundledDatasetName = 'online-retail-2010-12';

/** The files shipped in `data/` (see `data/README.md` for source, licence and checksums). */
export const BUNDLED_DATASETS: ReadonlyMap<BundledDatasetName, { readonly file: string; readonly format: DataFormat }> =
  new Map([
    [
      'online-retail-2010-12',
      // The December 2010 invoice lines of UCI Online Retail (CC BY 4.0, Chen, Sain & Guo 2012).
      { file: 'online-retail-2010-12.csv.gz', format: 'online-retail' },
    ],
  ]);

/**
 * Absolute path of a data file shipped with the package (works from `src/` and from `dist/`).
 * INVALID_ARGUMENT for an unknown name.
 *
 * @example
 * const { log } = await loadDataset(bundledDataPath('online-retail-2010-12'), 'online-retail');
 */
export function bundledDataPath(name: BundledDatasetName = 'online-retail-2010-12'): string {
  const entry = BUNDLED_DATASETS.get(name);
  if (entry === undefined) {
    throw invalidArgument(
      'datasets/bundledDataPath',
      `unknown bundled dataset ${JSON.stringify(name)}, expected one of ${[...BUNDLED_DATASETS.keys()].join(', ')}`,
      name,
    );
  }
  return fileURLToPath(new URL(`../data/${entry.file}`, import.meta.url));
}
