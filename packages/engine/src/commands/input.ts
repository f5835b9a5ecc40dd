import { stat } from 'node:fs/promises';
import { EncoreError, ErrorCode } from '@encore/core';
import { type DataFormat, type LoadedDataset, loadDataset } from '@encore/datasets';
import type { Progress } from '../internal/progress.js';

/**
 * Loads a dataset for a command, with progress by bytes on stderr. FILE_NOT_FOUND before any
 * work when the path does not exist; the loader's typed errors otherwise.
 */
export async function loadInput(
  where: string,
  path: string,
  format: DataFormat,
  options: { strict: boolean; progress: Progress },
): Promise<{ dataset: LoadedDataset; seconds: number }> {
  const info = await stat(path).catch(() => null);
  if (info === null) {
    throw new EncoreError(ErrorCode.FILE_NOT_FOUND, `engine/${where}: no such file or directory: ${path}`, { path });
  }
  const start = performance.now();
  const { progress } = options;
  progress.phase(`loading ${path}`, info.isFile() ? info.size : 0);
  const dataset = await loadDataset(path, format, {
    strict: options.strict,
    onProgress: (done: number) => progress.update(done),
  });
  const seconds = (performance.now() - start) / 1000;
  progress.done(`${dataset.report.accepted} events, ${dataset.report.rejected} rejected`);
  return { dataset, seconds };
}
