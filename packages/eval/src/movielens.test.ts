import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Coo } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { popular, random } from './baselines.js';
import { evaluate } from './harness.js';
import { splitInteractions } from './splits.js';

// /work/main/packages/eval/src → /work/shared/datasets (the repo's sibling "../shared/datasets").
const U_DATA = fileURLToPath(new URL('../../../../shared/datasets/movielens-100k/u.data', import.meta.url));
const present = existsSync(U_DATA);

/**
 * u.data in file order (the order MS's `movielens.load_pandas_df` keeps): user id, item id, rating,
 * unix seconds, tab-separated. MovieLens ids are 1-based and contiguous, so index = id - 1.
 */
function readUData(path: string): Coo {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0);
  const row = new Int32Array(lines.length);
  const col = new Int32Array(lines.length);
  const value = new Float32Array(lines.length);
  const time = new Float64Array(lines.length);
  let rows = 0;
  let cols = 0;
  lines.forEach((line, e) => {
    const [user, item, rating, seconds] = line.split('\t').map(Number) as [number, number, number, number];
    row[e] = user - 1;
    col[e] = item - 1;
    value[e] = rating;
    time[e] = seconds * 1000;
    rows = Math.max(rows, user);
    cols = Math.max(cols, item);
  });
  return { rows, cols, row, col, value, time };
}

describe('MovieLens 100k, MS Recommenders benchmark protocol', () => {
  const name = present
    ? 'item-stratified 0.75 seed 42, popular and random at k = 10'
    : 'item-stratified 0.75 seed 42, popular and random at k = 10 (skipped: ../shared/datasets not found)';

  it.skipIf(!present)(name, async () => {
    const data = readUData(U_DATA);
    expect(data.row.length).toBe(100_000);
    const { train, test } = splitInteractions(data, { kind: 'item-stratified', ratio: 0.75, seed: 42 });
    const pop = await evaluate(popular, {}, { train, test, k: 10 });
    const rnd = await evaluate(random, { seed: 42 }, { train, test, k: 10 });
    recordFigures(
      JSON.stringify({
        train: train.row.length,
        test: test.row.length,
        popular: pop.metrics,
        random: rnd.metrics,
        timings: pop.timings,
      }),
    );
    // Known answer: a literal stdlib-Python transcription of MS's `_do_stratification` (numpy's
    // MT19937 stream for seed 42, sort by (item, key), rank / count <= 0.75) and of
    // python_evaluation's precision_at_k / recall_at_k / ndcg_at_k / map / map_at_k (natural-log
    // nDCG), with popularity ties on the lower movie id, gives these figures.
    expect([train.row.length, test.row.length, pop.users]).toEqual([74_331, 25_669, 943]);
    expect(pop.metrics.precision).toBeCloseTo(0.229268292682926, 12);
    expect(pop.metrics.recall).toBeCloseTo(0.111387119179216, 12);
    expect(pop.metrics.ndcg).toBeCloseTo(0.253350723997932, 12);
    expect(pop.metrics.map).toBeCloseTo(0.054930964981129, 12);
    expect(pop.metrics.mapAtK).toBeCloseTo(0.138008138430738, 12);
    // MS publishes no popularity baseline for this protocol; their personalised models (SAR, BPR,
    // NCF) reach precision@10 ≈ 0.31–0.35 and nDCG@10 ≈ 0.35–0.39, so popular sits below them.
    // Random is far below popular.
    expect(rnd.metrics.precision).toBeLessThan(pop.metrics.precision / 3);
  });
});

/** The figures of a real-data check, appended as one JSON line to $ENCORE_FIGURES when set (npm test stays quiet). */
function recordFigures(json: string): void {
  const path = process.env.ENCORE_FIGURES;
  if (path !== undefined && path !== '') appendFileSync(path, `${json}\n`);
}
