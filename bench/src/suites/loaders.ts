import { createWriteStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { EVENT_TYPES, type EventLog } from '@encore/core';
import { bundledDataPath, type DataFormat, generateSynthetic, loadDataset, writeEventsCsv } from '@encore/datasets';
import { sharedDatasets } from '../datasets.js';
import { measure, type Task } from '../measure.js';
import type { Figure } from '../record.js';

/**
 * Loader throughput in rows/s: the real Online Retail file (RFC 4180 quoting, date parsing, catalog),
 * the synthetic large preset written as a plain event CSV (the ≥ 1M rows/s target), and the other
 * real files where present.
 */
export async function loadersSuite(log: (line: string) => void): Promise<Figure[]> {
  const tasks: Task[] = [];
  const shared = sharedDatasets();
  const files: [string, string, DataFormat][] = shared
    ? [
        [
          'online-retail (real, 320k lines)',
          resolve(shared, 'online-retail/online_retail_2010-12_to_2011-08.csv'),
          'online-retail',
        ],
        ['movielens-100k u.data', resolve(shared, 'movielens-100k/u.data'), 'movielens'],
        ['taobao sample', resolve(shared, 'taobao-userbehavior-sample/UserBehavior_head.csv'), 'taobao'],
        ['groceries baskets', resolve(shared, 'groceries/groceries.csv'), 'baskets'],
      ]
    : [['online-retail bundled slice (gzip)', bundledDataPath('online-retail-2010-12'), 'online-retail']];
  if (!shared) log('loaders: ../shared/datasets not found: measuring the bundled slice only');
  for (const [name, path, format] of files) {
    const { report } = await loadDataset(path, format);
    tasks.push({
      name,
      units: report.lines,
      unit: 'rows',
      run: () => loadDataset(path, format),
      extra: () => ({ path, bytes: statSync(path).size, lines: report.lines, accepted: report.accepted }),
    });
  }

  log('loaders: generating the synthetic large preset and writing it as plain event CSVs …');
  const csv = resolve(tmpdir(), `encore-bench-large-${process.pid}.csv`);
  const minimal = resolve(tmpdir(), `encore-bench-minimal-${process.pid}.csv`);
  // The generated log (~0.7 GB) goes out of scope before anything is timed, so loading is measured
  // without it weighing on the garbage collector.
  const { written, minimalRows, events, generateSeconds } = await writeSyntheticCsvs(csv, minimal);
  try {
    tasks.push({
      name: 'event CSV, 4 columns type,userId,itemId,timestamp (synthetic large, 1M customers x 100k items)',
      units: minimalRows,
      unit: 'rows',
      run: () => loadDataset(minimal, 'csv'),
      extra: () => ({ rows: minimalRows, bytes: statSync(minimal).size }),
    });
    tasks.push({
      name: 'event CSV, all 13 columns incl. session/order/anonymous ids (synthetic large)',
      units: written.rows,
      unit: 'rows',
      run: () => loadDataset(csv, 'csv'),
      extra: () => ({ rows: written.rows, bytes: written.bytes, generateSeconds: round(generateSeconds), events }),
    });
    return await measure(tasks, 3);
  } finally {
    rmSync(csv, { force: true });
    rmSync(minimal, { force: true });
  }
}

async function writeSyntheticCsvs(
  csv: string,
  minimal: string,
): Promise<{ written: { rows: number; bytes: number }; minimalRows: number; events: number; generateSeconds: number }> {
  const t0 = performance.now();
  const synthetic = generateSynthetic({ preset: 'large' });
  const generateSeconds = (performance.now() - t0) / 1000;
  const written = await writeEventsCsv(synthetic.log, csv);
  const minimalRows = await writeMinimalCsv(synthetic.log, minimal);
  return { written, minimalRows, events: synthetic.log.length, generateSeconds };
}

/** The customer-keyed events of a log as the smallest plain event CSV: type,userId,itemId,timestamp. */
async function writeMinimalCsv(log: EventLog, path: string): Promise<number> {
  const out = createWriteStream(path);
  const users = log.user;
  const items = log.item;
  let rows = 0;
  let chunk = 'type,userId,itemId,timestamp\n';
  for (let r = 0; r < log.length; r++) {
    const u = users.values?.[r] ?? -1;
    const i = items.values?.[r] ?? -1;
    if (u < 0 || i < 0) continue;
    chunk += `${EVENT_TYPES[log.type[r]!]},${users.ids.idAt(u)},${items.ids.idAt(i)},${log.timestamp[r]}\n`;
    rows++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
  return rows;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
