import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './environment.js';
import { connectTestRedis, deleteUnder, REDIS_URL, uniquePrefix } from './redis.js';

/**
 * The README's backend-service example, run as a user would: the script copied out of the README
 * into a directory outside the repository whose only Encore package is `@encore/engine` (linked,
 * as `npm install` would place it), serving two model directories written by `encore train` —
 * without a cache, then through Redis after `encore score` published to it.
 */

/** The fenced block after the README's `<!-- service-example -->` marker. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- service-example -->');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || block === null) throw new Error('README.md has no service example block');
  return block[1] as string;
}

function node(cwd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('the README backend-service example, outside the repository', () => {
  let dir: string;
  const bundled = resolve(repoRoot, 'datasets/data/online-retail-2010-12.csv.gz');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'encore-service-'));
    await mkdir(join(dir, 'node_modules', '@encore'), { recursive: true });
    await symlink(resolve(repoRoot, 'packages/engine'), join(dir, 'node_modules', '@encore', 'engine'), 'dir');
    await writeFile(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    await writeFile(join(dir, 'service.mjs'), await readmeExample());
    const als = await runCli(
      ['train', '--data', bundled, '--format', 'online-retail', '--algorithm', 'als'].concat([
        '--factors',
        '16',
        '--iterations',
        '6',
        '--out',
        join(dir, 'models/retail-als'),
        '--quiet',
      ]),
    );
    expect(als.stderr).toBe('');
    const relations = await runCli([
      'train',
      '--data',
      bundled,
      '--format',
      'online-retail',
      '--out',
      join(dir, 'models/retail'),
      '--quiet',
    ]);
    expect(relations.stderr).toBe('');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is at most 20 lines and imports nothing of Encore but @encore/engine', async () => {
    const script = await readmeExample();
    expect(script.trimEnd().split('\n').length).toBeLessThanOrEqual(20);
    const imports = [...script.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['@encore/engine']);
  });

  it('cannot reach into the package: a deep import fails as Node says it must', async () => {
    await writeFile(join(dir, 'deep.mjs'), "import '@encore/engine/dist/engine.js';\n");
    const deep = await node(dir, ['deep.mjs']);
    expect(deep.code).not.toBe(0);
    expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  /** What the script served without a cache: computed from the models. */
  let computed: { forYou: { items: { item: string; because: unknown[] }[] } } | undefined;

  it('serves recommend (10 items, each with because), together and best sellers from the model directories', async () => {
    const run = await node(dir, ['service.mjs', 'models/retail-als', 'models/retail']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
    computed = out;
    expect(out.forYou.source).toBe('model');
    expect(out.forYou.items).toHaveLength(10);
    for (const item of out.forYou.items) {
      expect(item.title).not.toBe('');
      expect(item.because.length).toBeGreaterThan(0);
    }
    // The factor model's items are explained by what the customer bought.
    expect(
      out.forYou.items.some(
        (i: { because: { source: string; item?: string }[] }) =>
          i.because[0]?.source === 'als' && i.because[0]?.item !== undefined,
      ),
    ).toBe(true);
    expect(out.withIt.items.length).toBeGreaterThan(0);
    for (const item of out.withIt.items) expect(item.because).toEqual([{ source: 'bought-together', item: '85123A' }]);
    expect(out.shelf.items).toHaveLength(5);
    expect(out.shelf.source).toBe('lists');
  });

  it('with Redis: serves what `encore score` published, explanations included', async () => {
    const client = await connectTestRedis();
    const prefix = uniquePrefix('service');
    try {
      const models = ['--model', join(dir, 'models/retail-als'), '--model', join(dir, 'models/retail')];
      const scored = await runCli(
        ['score', ...models, '--k', '20', '--threads', '2', '--cache', REDIS_URL, '--cache-prefix', prefix].concat([
          '--namespace',
          'retail',
          '--include',
          'together,lists',
          '--json',
          '--quiet',
        ]),
      );
      expect(scored.stderr).toBe('');
      expect(scored.code).toBe(0);
      const run = await node(dir, ['service.mjs', 'models/retail-als', 'models/retail', REDIS_URL, prefix]);
      expect(run.stderr).toBe('');
      const out = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
      expect(out.forYou.source).toBe('cache');
      expect(out.forYou.items).toHaveLength(10);
      for (const item of out.forYou.items) expect(item.because.length).toBeGreaterThan(0);
      // The nightly job published the very list the engine computes (the same code ranked both).
      const items = (list: { items: { item: string; because: unknown[] }[] }) =>
        list.items.map(({ item, because }) => ({ item, because }));
      expect(items(out.forYou)).toEqual(items(computed?.forYou ?? { items: [] }));
      expect(out.withIt.source).toBe('cache');
      expect(out.shelf.source).toBe('cache');
    } finally {
      await deleteUnder(client, prefix);
      client.disconnect();
    }
  });
});
