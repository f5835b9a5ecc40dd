import { buildInteractions, type Coo, cooToCsr, createRng, transposeCsr } from '@encore/core';
import { generateSynthetic } from '@encore/datasets';
import { measure } from '../measure.js';
import type { Figure } from '../record.js';

/** CSR build throughput: interactions from the large synthetic event log, and raw COO → CSR. */
export async function csrSuite(log: (line: string) => void): Promise<Figure[]> {
  log('csr: generating the synthetic large preset …');
  const synthetic = generateSynthetic({ preset: 'large' });
  const events = synthetic.log.length;
  const all = buildInteractions(synthetic.log);
  const purchases = buildInteractions(synthetic.log, { weights: { purchase: 1 } });

  const entries = 5_000_000;
  const rows = 1_000_000;
  const cols = 100_000;
  const rng = createRng(42);
  const coo: Coo = {
    rows,
    cols,
    row: Int32Array.from({ length: entries }, () => rng.int(rows)),
    col: Int32Array.from({ length: entries }, () => rng.int(cols)),
    value: new Float32Array(entries).fill(1),
    time: null,
  };
  const csr = cooToCsr(coo);
  return measure(
    [
      {
        name: 'buildInteractions, all event types (synthetic large)',
        units: events,
        unit: 'events',
        run: () => buildInteractions(synthetic.log),
        extra: () => ({ events, customers: all.matrix.rows, items: all.matrix.cols, nnz: all.matrix.indices.length }),
      },
      {
        name: 'buildInteractions, purchases with times (synthetic large)',
        units: events,
        unit: 'events',
        run: () => buildInteractions(synthetic.log, { weights: { purchase: 1 }, keepTimes: true }),
        extra: () => ({ events, nnz: purchases.matrix.indices.length }),
      },
      {
        name: 'cooToCsr, 5M random entries (1M x 100k)',
        units: entries,
        unit: 'entries',
        run: () => cooToCsr(coo),
        extra: () => ({ entries, nnz: csr.indices.length }),
      },
      {
        name: 'transposeCsr, 5M entries',
        units: csr.indices.length,
        unit: 'entries',
        run: () => transposeCsr(csr),
      },
    ],
    5,
  );
}
