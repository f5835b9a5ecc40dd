import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectRedisCache } from '@encore/cache';
import { createEngine } from '@encore/engine';
import { describe, expect, it } from 'vitest';
import { runCli, SKIP_NO_DATASETS, sharedDatasets, startCli } from './environment.js';
import { connectTestRedis, deleteUnder, REDIS_URL, uniquePrefix } from './redis.js';

describe('encore command line: bad invocations exit non-zero with one line naming the problem', () => {
  it('unknown flag', async () => {
    const r = await runCli(['eval', '--data', 'x', '--format', 'movielens', '--colour', 'red']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--colour/);
  });

  it('missing file', async () => {
    const r = await runCli(['eval', '--data', 'no/such/file.data', '--format', 'movielens', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no\/such\/file\.data/);
  });

  it('unknown format', async () => {
    const r = await runCli(['eval', '--data', 'README.md', '--format', 'parquet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown format 'parquet'/);
  });

  it('unknown command, unknown algorithm, bad number', async () => {
    expect((await runCli(['train-all'])).stderr).toMatch(/unknown command 'train-all'/);
    const alg = await runCli(['eval', '--data', 'README.md', '--format', 'csv', '--algorithm', 'magic']);
    expect(alg.code).toBe(2);
    expect(alg.stderr).toMatch(/magic/);
    const k = await runCli(['eval', '--data', 'README.md', '--format', 'csv', '--k', 'ten']);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/--k must be an integer/);
  });
});

describe('encore eval on a fixture with malformed lines mixed into valid ones', () => {
  const fixture = 'datasets/fixtures/csv/events-malformed.csv';

  it('counts every bad line, keeps every good one, and lists them', async () => {
    // Three events are too few to evaluate (eval refuses them, saying so with the counts), not to train on.
    const refused = await runCli(['eval', '--data', fixture, '--format', 'csv', '--split', 'user-stratified']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\(20 lines: 3 events, 17 rejected, 0 skipped\)/);
    const dir = await mkdtemp(join(tmpdir(), 'encore-malformed-'));
    const r = await runCli(['train', '--data', fixture, '--format', 'csv', '--out', dir, '--json', '--quiet']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // 20 data lines (the blank line 18 is not data): 3 valid events (lines 2, 16, 22), 17 malformed.
    expect(out).toMatchObject({ accepted: 3, rejected: 17 });
    expect(out.rejectedSamples[0]).toEqual({ line: 3, reason: expect.stringMatching(/unknown event type "click"/) });
    expect(out.rejectedSamples.map((s: { line: number }) => s.line)).not.toContain(18); // the blank line
  });

  it('--strict fails on the first bad line, naming it', async () => {
    const r = await runCli(['eval', '--data', fixture, '--format', 'csv', '--strict']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/line 3 of .*events-malformed\.csv: unknown event type "click"/);
  });
});

describe.skipIf(sharedDatasets === null)(
  `encore eval on MovieLens 100k ${sharedDatasets ? '' : SKIP_NO_DATASETS}`,
  () => {
    it('prints the JSON contract with 943 users, 1682 items, 100000 interactions', async () => {
      const data = resolve(sharedDatasets as string, 'movielens-100k/u.data');
      const r = await runCli(['eval', '--data', data, '--format', 'movielens', '--algorithm', 'popular', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.dataset).toMatchObject({
        path: data,
        format: 'movielens',
        users: 943,
        items: 1682,
        interactions: 100000,
        rejected: 0,
      });
      expect(out.split).toMatchObject({ kind: 'item-stratified', ratio: 0.75, seed: 42 });
      // Microsoft Recommenders' python_stratified_split(ratio=0.75, filter_by='item', seed=42) gives
      // exactly these sizes: the CLI splits pairs in file order, as their splitter does.
      expect(out.split).toMatchObject({ train: 74_331, test: 25_669 });
      expect(out.algorithm.name).toBe('popular');
      for (const key of ['precision', 'recall', 'ndcg', 'map', 'mapAtK', 'hitRate', 'coverage']) {
        expect(out.metrics[key]).toBeGreaterThan(0);
        expect(out.metrics[key]).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(out.timings).sort()).toEqual(['loadSeconds', 'recommendSeconds', 'trainSeconds']);
      expect(out.environment.node).toBe(process.version);
      expect(out.environment.threads).toBeGreaterThan(0);
    });
  },
);

describe('encore demo', () => {
  it('runs the whole pipeline on bundled data and reports real figures', async () => {
    const r = await runCli(['demo', '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const retail = out.retail;
    expect(retail.lines).toBe(retail.accepted + retail.rejected + retail.skipped);
    expect(retail.customers).toBeGreaterThan(500);
    expect(retail.bestSellers).toHaveLength(10);
    expect(retail.bestSellers[0].title).not.toBe('');
    const popular = retail.evaluation.find((s: { algorithm: string }) => s.algorithm === 'popular');
    const random = retail.evaluation.find((s: { algorithm: string }) => s.algorithm === 'random');
    expect(popular.metrics.precision).toBeGreaterThan(random.metrics.precision);
    expect(out.synthetic.events.purchase).toBeGreaterThan(0);
  });
});

describe('encore eval --grid', () => {
  it('tunes on a validation split of train, never on test, and refits the best', async () => {
    const r = await runCli([
      'eval',
      '--data',
      'datasets/data/online-retail-2010-12.csv.gz',
      '--format',
      'online-retail',
      '--algorithm',
      'cooccurrence',
      '--split',
      'user-stratified',
      '--grid',
      'similarity=cosine,jaccard',
      '--grid',
      'neighbours=0,20',
      '--json',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.grid.points).toHaveLength(4);
    // The validation split is carved out of train: together they are the train split.
    expect(out.grid.validation.train + out.grid.validation.test).toBe(out.split.train);
    const ndcgs = out.grid.points.map((p: { metrics: { ndcg: number } }) => p.metrics.ndcg);
    expect(ndcgs).toEqual([...ndcgs].sort((a, b) => b - a));
    expect(out.algorithm.params).toMatchObject(out.grid.points[0].params);
  });

  it('rejects a malformed grid and a parameter the algorithm does not take', async () => {
    const bad = await runCli(['eval', '--data', 'README.md', '--format', 'csv', '--grid', 'factors']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--grid expects name=v1,v2/);
    const unknown = await runCli([
      'eval',
      '--data',
      'datasets/fixtures/csv/plain-events.csv',
      '--format',
      'csv',
      '--algorithm',
      'popular',
      '--factors',
      '8',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/factors/);
  });
});

describe('encore rules', () => {
  it('mines a small basket file and prints the JSON contract', async () => {
    const r = await runCli([
      'rules',
      '--data',
      'packages/cooccurrence/fixtures/rules/han2000.csv',
      '--format',
      'baskets',
      '--min-support',
      '0.6',
      '--min-confidence',
      '0.8',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dataset.baskets).toBe(5);
    expect(out.itemsets.length).toBeGreaterThan(0);
    for (const rule of out.rules) {
      expect(Object.keys(rule)).toEqual(
        expect.arrayContaining(['antecedent', 'consequent', 'support', 'confidence', 'lift', 'leverage', 'conviction']),
      );
      expect(rule.consequent).toHaveLength(1);
      expect(rule.confidence).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('rejects thresholds out of range', async () => {
    const r = await runCli(['rules', '--data', 'README.md', '--format', 'baskets', '--min-support', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--min-support/);
  });
});

describe.skipIf(sharedDatasets === null)(`encore rules on Groceries ${sharedDatasets ? '' : SKIP_NO_DATASETS}`, () => {
  it("equals arules' apriori: 5,668 rules at 0.001 / 0.5, top rule by lift", async () => {
    const data = resolve(sharedDatasets as string, 'groceries/groceries.csv');
    const r = await runCli([
      'rules',
      '--data',
      data,
      '--format',
      'baskets',
      '--min-support',
      '0.001',
      '--min-confidence',
      '0.5',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dataset.baskets).toBe(9835);
    expect(out.rules).toHaveLength(5668);
    const top = out.rules[0];
    expect([...top.antecedent].sort()).toEqual(['Instant food products', 'soda']);
    expect(top.consequent).toEqual(['hamburger meat']);
    expect(top.support).toBeCloseTo(0.00122, 5);
    expect(top.confidence).toBeCloseTo(0.6316, 4);
    expect(top.lift).toBeCloseTo(18.9957, 4);
  });
});

describe('encore train and together', () => {
  const bundled = 'datasets/data/online-retail-2010-12.csv.gz';

  it('trains on the bundled Online Retail slice and answers bought-together, warning on unknown items', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-train-'));
    const trained = await runCli([
      'train',
      '--data',
      bundled,
      '--format',
      'online-retail',
      '--out',
      dir,
      '--json',
      '--quiet',
    ]);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.stdout);
    expect(summary).toMatchObject({ algorithm: 'cooccurrence' });
    expect(summary.items).toBeGreaterThan(1000);
    expect(summary.edges).toBeGreaterThan(1000);
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.peakRssMb).toBeGreaterThan(0);
    const edgesOf = (name: string): number => summary.relations.find((r: { name: string }) => r.name === name).edges;
    // The slice has no views: the view relations are empty (and say so); orders and customers are not.
    expect(edgesOf('bought-together') + edgesOf('customers-also')).toBe(summary.edges);
    expect(edgesOf('viewed-together')).toBe(0);
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^viewed-together is empty: no session baskets of view events/),
      expect.stringMatching(/^viewed-bought is empty: no customer baskets of view events/),
    ]);

    const r = await runCli([
      'together',
      '--model',
      dir,
      '--item',
      '85123A',
      '--item',
      'NO-SUCH-SKU',
      '--k',
      '5',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.items).toEqual(['85123A', 'NO-SUCH-SKU']);
    expect(out.together).toHaveLength(5);
    for (const t of out.together) {
      expect(t.item).not.toBe('85123A');
      expect(t.title).not.toBe('');
      expect(t.support).toBeGreaterThanOrEqual(2);
      expect(t.because).toEqual([{ source: 'bought-together', item: '85123A' }]);
    }
    expect(out.relation).toBe('bought-together');
    expect(out.together[0].score).toBeGreaterThanOrEqual(out.together[4].score);
    expect(out.warnings).toEqual([expect.stringMatching(/NO-SUCH-SKU/)]);

    const unknownOnly = await runCli(['together', '--model', dir, '--item', 'NO-SUCH-SKU', '--json']);
    expect(unknownOnly.code).toBe(0);
    expect(JSON.parse(unknownOnly.stdout).together).toEqual([]);
  });

  it('a missing or corrupt model is a one-line error, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-bad-model-'));
    const missing = await runCli(['together', '--model', dir, '--item', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
    // A directory in the layout before model.json (one model.encore file): loadModels says to retrain.
    await writeFile(join(dir, 'model.encore'), 'not a model at all, just text');
    const older = await runCli(['together', '--model', dir, '--item', 'x']);
    expect(older.code).toBe(2);
    expect(older.stderr.trim().split('\n')).toHaveLength(1);
    expect(older.stderr).toMatch(/^encore together: .*written by an older Encore/);
    // A manifest that is not one, and a model file that is not the one the manifest names.
    await writeFile(join(dir, 'model.json'), 'not JSON {');
    const corrupt = await runCli(['together', '--model', dir, '--item', 'x']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr.trim().split('\n')).toHaveLength(1);
    expect(corrupt.stderr).toMatch(/^encore together: .*model\.json is not JSON/);
    const trained = join(dir, 'trained');
    expect(
      (await runCli(['train', '--data', bundled, '--format', 'online-retail', '--out', trained, '--quiet'])).code,
    ).toBe(0);
    const manifest = JSON.parse(await readFile(join(trained, 'model.json'), 'utf8'));
    await writeFile(join(trained, manifest.parts.cooccurrence.file), 'not a model at all, just text');
    const damaged = await runCli(['together', '--model', trained, '--item', '85123A']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr.trim().split('\n')).toHaveLength(1);
    expect(damaged.stderr).toMatch(/^encore together: .*size or checksum differ/);
  });
});

describe('encore train --algorithm als|bpr and encore recommend', () => {
  const bundled = 'datasets/data/online-retail-2010-12.csv.gz';

  it('serves known customers, folds in a new one, and falls back only when asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-als-'));
    const trained = await runCli([
      'train',
      '--data',
      bundled,
      '--format',
      'online-retail',
      '--algorithm',
      'als',
      '--factors',
      '16',
      '--iterations',
      '5',
      '--out',
      dir,
      '--json',
      '--quiet',
    ]);
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({ algorithm: 'als', factors: 16 });

    const known = JSON.parse(
      (await runCli(['recommend', '--model', dir, '--user', '17850', '--k', '5', '--json'])).stdout,
    );
    expect(known).toMatchObject({ user: '17850', algorithm: 'als', foldedIn: false, source: 'model', version: null });
    expect(known.items).toHaveLength(5);
    // Every item says why it is there: the factor model, through one of the customer's items.
    for (const item of known.items) {
      expect(Object.keys(item).sort()).toEqual(['because', 'item', 'score', 'title']);
      expect(item.title).not.toBe('');
      expect(item.because[0]).toEqual({ source: 'als', item: expect.any(String) });
    }

    // Through a cache that cannot be reached: the same answer, and a warning instead of a failure.
    const down = await runCli([
      'recommend',
      '--model',
      dir,
      '--user',
      '17850',
      '--k',
      '5',
      '--cache',
      'redis://127.0.0.1:1',
      '--json',
    ]);
    expect(down.code).toBe(0);
    const downOut = JSON.parse(down.stdout);
    expect(downOut.items).toEqual(known.items);
    expect(downOut.warnings.join()).toMatch(/unreachable/);

    const folded = await runCli([
      'recommend',
      '--model',
      dir,
      '--user',
      'new',
      '--items',
      '85123A,21733,NOPE',
      '--json',
    ]);
    const out = JSON.parse(folded.stdout);
    expect(out.foldedIn).toBe(true);
    expect(out.items.map((i: { item: string }) => i.item)).not.toContain('85123A'); // what they have is left out
    expect(out.warnings).toEqual([expect.stringMatching(/NOPE/)]);
    const sources = out.items.flatMap((i: { because: { source: string }[] }) => i.because.map((b) => b.source));
    expect(sources).toContain('als');

    const unknown = await runCli(['recommend', '--model', dir, '--user', 'nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/not in the model/);
    const popular = JSON.parse(
      (await runCli(['recommend', '--model', dir, '--user', 'nobody', '--fallback', 'popular', '--json'])).stdout,
    );
    expect(popular).toMatchObject({ fallback: 'popular', foldedIn: false, source: 'popular' });
    // The curated shelf answers cold start (best sellers by units sold, trending): every item says so.
    expect(popular.items).toHaveLength(10);
    for (const item of popular.items) {
      expect(item.because.length).toBeGreaterThan(0);
      for (const b of item.because) expect(['best-sellers', 'trending']).toContain(b.source);
    }
    expect(popular.items[0].because[0].source).toBe('best-sellers');

    // An ALS-only directory loads fine; the facade has no co-occurrence model to answer together with.
    const wrongKind = await runCli(['together', '--model', dir, '--item', '85123A']);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongKind.stderr).toMatch(/^encore together: .*no co-occurrence model is loaded/);
  });

  it('bpr models serve known customers and say they cannot fold in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-bpr-'));
    const args = [
      'train',
      '--data',
      bundled,
      '--format',
      'online-retail',
      '--algorithm',
      'bpr',
      '--out',
      dir,
      '--quiet',
    ];
    expect((await runCli([...args, '--iterations', '5'])).code).toBe(2); // bpr counts epochs, not iterations
    expect((await runCli([...args, '--epochs', '5'])).code).toBe(0);
    const known = JSON.parse((await runCli(['recommend', '--model', dir, '--user', '17850', '--json'])).stdout);
    expect(known.items).toHaveLength(10);
    const folded = JSON.parse(
      (await runCli(['recommend', '--model', dir, '--user', 'new', '--items', '85123A', '--json'])).stdout,
    );
    expect(folded).toMatchObject({ foldedIn: false, fallback: 'popular' });
    expect(folded.warnings[0]).toMatch(/no fold-in/);
  });
});

describe('encore score and the cache: the nightly job and the read path', () => {
  const bundled = 'datasets/data/online-retail-2010-12.csv.gz';

  it('scores every customer to JSON Lines, publishes a version to Redis, and recommend reads it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-score-'));
    const model = join(dir, 'model');
    const trained = await runCli(
      ['train', '--data', bundled, '--format', 'online-retail', '--algorithm', 'als'].concat([
        '--factors',
        '16',
        '--iterations',
        '5',
        '--out',
        model,
        '--json',
        '--quiet',
      ]),
    );
    expect(trained.code).toBe(0);
    const customers = JSON.parse(trained.stdout).customers as number;

    const client = await connectTestRedis();
    const prefix = uniquePrefix('cli');
    try {
      const out = join(dir, 'lists.jsonl');
      const scored = await runCli(
        ['score', '--model', model, '--k', '7', '--threads', '2', '--out', out].concat([
          '--cache',
          REDIS_URL,
          '--cache-prefix',
          prefix,
          '--namespace',
          'retail',
          '--json',
          '--quiet',
        ]),
      );
      expect(scored.code).toBe(0);
      const result = JSON.parse(scored.stdout);
      // Every customer but the guests (anonymous invoices), who are left out and counted.
      expect(result.guests).toBeGreaterThan(0);
      expect(result).toMatchObject({
        users: customers - result.guests,
        k: 7,
        rejected: 0,
        cache: { namespace: 'retail', version: 1 },
      });
      expect(result.cache.written).toBe(customers - result.guests + 1); // every list and the model's metadata
      expect(result.gflops).toBeGreaterThan(0);
      const lines = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(customers - result.guests);
      expect(new Set(lines.map((l) => l.user)).size).toBe(customers - result.guests);
      expect(lines.filter((l) => l.user.startsWith('anonymous:') || l.user.includes('\u0000'))).toEqual([]);
      const first = lines[0];
      expect(first.items).toHaveLength(7);

      // The same list, read through the facade from the published version.
      const read = await runCli(
        ['recommend', '--cache', REDIS_URL, '--cache-prefix', prefix, '--namespace', 'retail'].concat([
          '--user',
          first.user,
          '--k',
          '7',
          '--json',
        ]),
      );
      expect(read.code).toBe(0);
      const served = JSON.parse(read.stdout);
      expect(served).toMatchObject({ user: first.user, source: 'cache', version: 1, algorithm: 'cache' });
      expect(served.items.map((i: { item: string }) => i.item)).toEqual(
        first.items.map((i: { item: string }) => i.item),
      );
      // Published with their explanations: the cached list says why, as the file does.
      expect(served.items.map((i: { because: unknown }) => i.because)).toEqual(
        first.items.map((i: { because: unknown }) => i.because),
      );
      expect(served.items[0].because.length).toBeGreaterThan(0);

      // A subset from a file: unknown ids are counted and reported, the rest scored.
      const users = join(dir, 'users.txt');
      await writeFile(users, `${first.user}\nnobody\n\n${lines[1].user}\n`);
      const subset = JSON.parse(
        (
          await runCli([
            'score',
            '--model',
            model,
            '--users',
            users,
            '--out',
            join(dir, 's.jsonl'),
            '--json',
            '--quiet',
          ])
        ).stdout,
      );
      expect(subset).toMatchObject({ users: 2, rejected: 1, rejectedSamples: ["line 2: unknown customer 'nobody'"] });
      expect((await runCli(['score', '--model', model, '--json'])).code).toBe(2); // nowhere to write
    } finally {
      await deleteUnder(client, prefix);
      client.disconnect();
    }
  });

  it('--include together,lists publishes bought-together and the curated lists in the same version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-include-'));
    const als = join(dir, 'als');
    const co = join(dir, 'co');
    const train = ['train', '--data', bundled, '--format', 'online-retail', '--quiet', '--json'];
    const trained = await runCli([
      ...train,
      '--algorithm',
      'als',
      '--factors',
      '16',
      '--iterations',
      '5',
      '--out',
      als,
    ]);
    expect(trained.code).toBe(0);
    const customers = JSON.parse(trained.stdout).customers as number;
    expect((await runCli([...train, '--out', co])).code).toBe(0);

    const client = await connectTestRedis();
    const prefix = uniquePrefix('cli-include');
    try {
      const scored = await runCli(
        ['score', '--model', als, '--model', co, '--k', '5', '--threads', '2', '--cache', REDIS_URL].concat([
          '--cache-prefix',
          prefix,
          '--namespace',
          'shop',
          '--include',
          'together,lists',
          '--json',
          '--quiet',
        ]),
      );
      expect(scored.stderr).toBe('');
      expect(scored.code).toBe(0);
      const result = JSON.parse(scored.stdout);
      expect(result).toMatchObject({
        users: customers - result.guests,
        k: 5,
        cache: { namespace: 'shop', version: 1 },
      });
      // Every customer's list, the model's metadata, and many item pages and shelves besides.
      expect(result.cache.written).toBeGreaterThan(customers - result.guests + 1 + 1000);

      // A facade over no models at all answers only from the published version.
      const { store } = await connectRedisCache(REDIS_URL, { prefix });
      const engine = await createEngine({ models: {}, cache: store, namespace: 'shop' });
      try {
        const together = await engine.together(['85123A'], { k: 5 });
        expect(together).toMatchObject({ source: 'cache', version: 1 });
        expect(together.items).toHaveLength(5);
        for (const item of together.items)
          expect(item.because).toEqual([{ source: 'bought-together', item: '85123A' }]);
        // The list the facade computes from the co-occurrence model.
        const computed = JSON.parse(
          (await runCli(['together', '--model', co, '--item', '85123A', '--k', '5', '--json'])).stdout,
        );
        expect(together.items.map((i) => i.item)).toEqual(computed.together.map((t: { item: string }) => t.item));

        for (const name of ['best-sellers', 'trending']) {
          const shelf = await engine.list(name, { k: 3 });
          expect(shelf).toMatchObject({ source: 'cache', version: 1 });
          expect(shelf.items).toHaveLength(3);
          for (const item of shelf.items) expect(item.because).toEqual([{ source: name }]);
        }
      } finally {
        await engine.close();
        await store.close();
      }

      const noCache = await runCli(['score', '--model', als, '--out', join(dir, 'x.jsonl'), '--include', 'together']);
      expect(noCache.code).toBe(2);
      expect(noCache.stderr).toMatch(/^encore score: --include .*--cache/);
      const badPart = await runCli(['score', '--model', als, '--cache', REDIS_URL, '--include', 'wishlist']);
      expect(badPart.code).toBe(2);
      expect(badPart.stderr).toBe(
        "encore score: unknown --include value 'wishlist', expected one of together, lists\n",
      );
    } finally {
      await deleteUnder(client, prefix);
      client.disconnect();
    }
  });
});

describe('encore --help, flag errors and interruption', () => {
  const bundled = 'datasets/data/online-retail-2010-12.csv.gz';
  const FLAGS: Readonly<Record<string, readonly string[]>> = {
    eval: [
      '--data',
      '--format',
      '--algorithm',
      '--grid',
      '--param',
      '--factors',
      '--learning-rate',
      '--split',
      '--ratio',
    ],
    train: ['--data', '--format', '--out', '--algorithm', '--param', '--similarity', '--min-support', '--events'],
    recommend: ['--model', '--user', '--items', '--k', '--fallback', '--cache', '--namespace', '--cache-prefix'],
    score: ['--model', '--data', '--k', '--threads', '--users', '--out', '--cache', '--include'],
    together: ['--model', '--item', '--k', '--relation'],
    rules: ['--data', '--format', '--basket', '--events', '--min-support', '--min-confidence', '--max-length'],
    demo: ['--json', '--quiet'],
    algorithms: ['--json'],
  };

  it.each(Object.keys(FLAGS))('encore %s --help prints its flags on stdout and exits 0', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(`usage: encore ${command}`)).toBe(true);
    for (const flag of [...(FLAGS[command] ?? []), '--help']) expect(r.stdout).toContain(`${flag} `);
    expect((await runCli(['help', command])).stdout).toBe(r.stdout);
  });

  it('gives the range message for --k=-5 and --k -5 alike', async () => {
    for (const k of [['--k=-5'], ['--k', '-5']]) {
      const r = await runCli(['recommend', '--model', 'm', '--user', 'u', ...k]);
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: "encore recommend: --k must be an integer in [1, 10000], got '-5'\n",
      });
    }
  });

  it('names the command that was run in an error from below it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'encore-param-'));
    const r = await runCli(['train', '--data', bundled, '--format', 'online-retail', '--out', dir, '--param', 'foo=1']);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith('encore train: ')).toBe(true);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/"foo"/);
    const als = await runCli([
      'train',
      '--data',
      bundled,
      '--format',
      'online-retail',
      '--out',
      dir,
      '--algorithm',
      'als',
      '--param',
      'foo=1',
      '--quiet',
    ]);
    expect(als.code).toBe(2);
    expect(als.stderr).toMatch(/^encore train: \S+: unknown parameter "foo"/);
    const similarity = await runCli(
      ['train', '--data', bundled, '--format', 'online-retail', '--out', dir].concat(['--similarity', 'pearson']),
    );
    expect(similarity.code).toBe(2);
    expect(similarity.stderr).toMatch(
      /^encore train: \S+: similarity must be one of llr, jaccard, cosine, lift, count\n$/,
    );
  });

  it('Ctrl-C stops a run: one line, exit 130, nothing on stdout', async () => {
    const run = startCli(['demo', '--json', '--quiet']);
    await new Promise((resolveWait) => setTimeout(resolveWait, 2500));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.signal).toBeNull(); // it ended itself, through main
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('encore demo: interrupted\n');
  });
});
