import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** `ENCORE_DATASETS`, else ../shared/datasets beside the repository; null when absent. */
export function sharedDatasets(): string | null {
  const candidate = process.env.ENCORE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
  return existsSync(candidate) ? candidate : null;
}
