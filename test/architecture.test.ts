import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './environment.js';

/**
 * The house seen from above: which package may import which (the floors of DESIGN.md), that every
 * import is declared in the importing package's own package.json (npm hoisting would hide a
 * missing one), that inside a package the modules form layers (no cycle of value imports, nothing
 * imports its own barrel), and that no command of the CLI imports another.
 */

/** Each package's floor and the packages it may import. Data flows down the page only. */
const FLOORS: Readonly<
  Record<string, { readonly dir: string; readonly floor: number; readonly may: readonly string[] }>
> = {
  core: { dir: 'packages/core', floor: 0, may: [] },
  eval: { dir: 'packages/eval', floor: 1, may: ['core'] },
  cooccurrence: { dir: 'packages/cooccurrence', floor: 1, may: ['core'] },
  factorization: { dir: 'packages/factorization', floor: 1, may: ['core'] },
  ranking: { dir: 'packages/ranking', floor: 1, may: ['core'] },
  cache: { dir: 'packages/cache', floor: 1, may: ['core'] },
  datasets: { dir: 'datasets', floor: 1, may: ['core'] },
  workers: { dir: 'workers', floor: 2, may: ['core', 'factorization'] },
  models: { dir: 'packages/models', floor: 2, may: ['core', 'cooccurrence', 'factorization', 'ranking'] },
  jobs: {
    dir: 'packages/jobs',
    floor: 3,
    may: ['core', 'eval', 'cooccurrence', 'factorization', 'ranking', 'cache', 'datasets', 'workers', 'models'],
  },
  engine: { dir: 'packages/engine', floor: 4, may: ['core', 'cache', 'models'] },
  cli: { dir: 'packages/cli', floor: 5, may: ['core', 'eval', 'cache', 'datasets', 'models', 'jobs', 'engine'] },
};

/**
 * The one subpath import allowed: the kernels @encore/workers' task entry points load inside worker
 * threads without the whole factorization barrel (declared internal there, not a public API).
 */
const KERNEL_SUBPATH: Readonly<Record<string, string>> = { workers: '@encore/factorization/internal/kernels' };

interface Import {
  readonly file: string;
  readonly specifier: string;
  /** Only types: erased at compile time, no data flows through it. */
  readonly typeOnly: boolean;
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gms;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => {
    const names = (m[2] ?? '').trim();
    const onlyTypes =
      /^\{[^}]*\}$/s.test(names) &&
      names
        .replace(/[{}\s]/g, '')
        .split(',')
        .filter(Boolean)
        .every((n) => n.startsWith('type'));
    return { file, specifier: (m[3] ?? m[4]) as string, typeOnly: m[1] !== undefined || onlyTypes };
  });
}

const packages = Object.entries(FLOORS).map(([name, spec]) => {
  const root = resolve(repoRoot, spec.dir);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = sources(join(root, 'src'));
  return { name, ...spec, root, manifest, files, imports: files.flatMap(importsOf) };
});

describe('the house seen from above', () => {
  it('covers every workspace package', () => {
    const workspaces = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).workspaces as string[];
    const covered = new Set(packages.map((p) => p.dir));
    expect(workspaces.filter((w) => !covered.has(w) && w !== 'bench' && w !== 'test')).toEqual([]);
  });

  it.each(packages.map((p) => [p.name, p] as const))(
    '%s imports only packages of lower floors, and declares each',
    (_, p) => {
      const declared = new Set([
        ...Object.keys(p.manifest.dependencies ?? {}),
        ...Object.keys(p.manifest.optionalDependencies ?? {}),
        ...Object.keys(p.manifest.peerDependencies ?? {}),
      ]);
      const wrong: string[] = [];
      for (const { file, specifier } of p.imports) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        const where = `${relative(repoRoot, file)} imports ${specifier}`;
        const pkg = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : (specifier.split('/')[0] as string);
        if (!declared.has(pkg)) wrong.push(`${where}: not in ${p.dir}/package.json`);
        if (pkg.startsWith('@encore/')) {
          const target = pkg.slice('@encore/'.length);
          const floor = FLOORS[target]?.floor;
          if (!p.may.includes(target) || floor === undefined || floor >= p.floor) {
            wrong.push(`${where}: floor ${p.floor} may import only ${p.may.join(', ') || 'nothing of Encore'}`);
          }
          if (specifier !== pkg && specifier !== KERNEL_SUBPATH[p.name]) {
            wrong.push(`${where}: a deep import (use the package's barrel)`);
          }
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('the facade imports no command-line or job code', () => {
    const engine = packages.find((p) => p.name === 'engine');
    const specifiers = engine?.imports.map((i) => i.specifier) ?? [];
    expect(specifiers.filter((s) => s.startsWith('@encore/jobs') || s.startsWith('@encore/cli'))).toEqual([]);
    expect(specifiers.length).toBeGreaterThan(0);
  });

  it.each(packages.map((p) => [p.name, p] as const))(
    'inside %s the modules form layers: no cycle of value imports, no module imports its barrel',
    (_, p) => {
      const edges = new Map<string, string[]>();
      const barrel = join(p.root, 'src', 'index.ts');
      const wrong: string[] = [];
      for (const file of p.files) edges.set(file, []);
      for (const { file, specifier, typeOnly } of p.imports) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        if (target === barrel && file !== barrel) wrong.push(`${relative(repoRoot, file)} imports the package barrel`);
        if (!typeOnly) edges.get(file)?.push(target);
      }
      const state = new Map<string, 'open' | 'done'>();
      const path: string[] = [];
      const visit = (file: string): void => {
        state.set(file, 'open');
        path.push(file);
        for (const next of edges.get(file) ?? []) {
          if (state.get(next) === 'open') {
            wrong.push(
              `cycle: ${path
                .slice(path.indexOf(next))
                .map((f) => relative(p.root, f))
                .join(' → ')}`,
            );
          } else if (!state.has(next)) visit(next);
        }
        path.pop();
        state.set(file, 'done');
      };
      for (const file of edges.keys()) if (!state.has(file)) visit(file);
      expect(wrong).toEqual([]);
    },
  );

  it('no command of the command line imports another command', () => {
    const cli = packages.find((p) => p.name === 'cli');
    const commands = join(cli?.root ?? '', 'src', 'commands');
    const crossing = (cli?.imports ?? []).filter(({ file, specifier }) => {
      if (!file.startsWith(commands) || !specifier.startsWith('.')) return false;
      return resolve(dirname(file), specifier).startsWith(commands);
    });
    expect(crossing.map((i) => `${relative(repoRoot, i.file)} → ${i.specifier}`)).toEqual([]);
    expect(readdirSync(commands).length).toBeGreaterThanOrEqual(8);
  });
});
