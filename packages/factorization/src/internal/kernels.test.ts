import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(dirname(fileURLToPath(import.meta.url)));

/** Modules a worker thread must never load through the kernels subpath: the model code around the kernels. */
const MODEL_CODE = ['index.ts', 'als.ts', 'bpr.ts', 'tfjs.ts', 'factor-model.ts', 'explain.ts'];

/** Value imports (type-only ones are erased) of `file`, resolved within the package, and its bare specifiers. */
function valueImports(file: string): { local: string[]; bare: string[] } {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const bare: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/gms)) {
    if (m[2] !== undefined) continue;
    const names = (m[3] ?? '')
      .replace(/[{}\s]/g, '')
      .split(',')
      .filter(Boolean);
    if (names.length > 0 && names.every((n) => n.startsWith('type'))) continue;
    const spec = m[4] as string;
    if (spec.startsWith('.')) local.push(join(dirname(file), spec.replace(/\.js$/, '.ts')));
    else bare.push(spec);
  }
  return { local, bare };
}

describe('the kernels subpath (@encore/factorization/internal/kernels)', () => {
  it('loads no model code and nothing but core, ml-matrix and node built-ins', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const imports = valueImports(file);
      for (const b of imports.bare) bare.add(b);
      for (const next of imports.local) walk(next);
    };
    walk(join(SRC, 'internal', 'kernels.ts'));
    const loaded = [...seen].map((f) => relative(SRC, f));
    expect(loaded).toContain('als-kernel.ts');
    expect(loaded).toContain('score-kernel.ts');
    expect(loaded.filter((f) => MODEL_CODE.includes(f))).toEqual([]);
    expect([...bare].filter((b) => b !== '@encore/core' && b !== 'ml-matrix' && !b.startsWith('node:'))).toEqual([]);
  });
});
