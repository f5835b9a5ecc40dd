import { resolve } from 'node:path';
import {
  basketMatrix,
  buildCooccurrence,
  buildCooccurrenceModel,
  buildCrossOccurrence,
  type CooccurrenceModel,
  mineRules,
} from '@encore/cooccurrence';
import { defaultCustomers, type EventLog } from '@encore/core';
import { generateSynthetic, loadDataset } from '@encore/datasets';
import { sharedDatasets } from '../datasets.js';
import { measure, type Task } from '../measure.js';
import type { Figure } from '../record.js';

const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

function edgesOf(model: CooccurrenceModel): Record<string, number> {
  return Object.fromEntries(model.relations.map((r) => [r.name, r.neighbours.ids.length]));
}

/**
 * Co-occurrence at scale: all three relations (bought together over orders, viewed together over
 * sessions, viewed → bought over customers) on the synthetic large preset, each relation on its
 * own (where the time goes), the Online Retail orders, and FP-growth rules on Groceries.
 */
export async function cooccurrenceSuite(log: (line: string) => void): Promise<Figure[]> {
  log('cooccurrence: generating the synthetic large preset …');
  const synthetic = generateSynthetic({ preset: 'large' });
  const events: EventLog = synthetic.log;
  const rssAfterGenerate = rssMb();
  const model = buildCooccurrenceModel(events);
  const tasks: Task[] = [
    {
      name: 'all three relations, synthetic large (5.9M events, 1M customers, 100k items)',
      units: events.length,
      unit: 'events',
      run: () => buildCooccurrenceModel(events),
      extra: () => ({
        events: events.length,
        items: model.items,
        edges: edgesOf(model),
        baskets: Object.fromEntries(model.relations.map((r) => [r.name, r.baskets])),
        rssAfterGenerateMb: rssAfterGenerate,
        peakRssMb: rssMb(),
      }),
    },
    {
      name: "  part: bought together (orders: basket matrix + A'A)",
      run: () => buildCooccurrence(basketMatrix(events, { by: 'order', types: ['purchase'] }).matrix),
    },
    {
      name: "  part: viewed together (sessions: basket matrix + A'A)",
      run: () => buildCooccurrence(basketMatrix(events, { by: 'session', types: ['view'] }).matrix),
    },
    {
      name: '  part: customer resolution (defaultCustomers)',
      run: () => defaultCustomers(events),
    },
  ];
  const customers = defaultCustomers(events);
  tasks.push({
    name: "  part: viewed → bought (customers: two basket matrices + A'B)",
    run: () =>
      buildCrossOccurrence(
        basketMatrix(events, { by: 'customer', types: ['view'], customers }).matrix,
        basketMatrix(events, { by: 'customer', types: ['purchase'], customers }).matrix,
      ),
  });

  const shared = sharedDatasets();
  if (shared) {
    const retail = await loadDataset(
      resolve(shared, 'online-retail/online_retail_2010-12_to_2011-08.csv'),
      'online-retail',
    );
    const orders = basketMatrix(retail.log, { by: 'order', types: ['purchase'] }).matrix;
    const relation = buildCooccurrence(orders);
    tasks.push({
      name: "bought together, Online Retail orders (basket matrix + A'A)",
      units: retail.log.length,
      unit: 'events',
      run: () => buildCooccurrence(basketMatrix(retail.log, { by: 'order', types: ['purchase'] }).matrix),
      extra: () => ({ orders: relation.baskets, items: orders.cols, edges: relation.neighbours.ids.length }),
    });
    const groceries = await loadDataset(resolve(shared, 'groceries/groceries.csv'), 'baskets');
    const baskets = basketMatrix(groceries.log, { by: 'order' }).matrix;
    const mined = mineRules(baskets, { minSupport: 0.001, minConfidence: 0.5, maxLength: 10 });
    tasks.push({
      name: 'FP-growth rules, Groceries at support 0.001 / confidence 0.5',
      run: () => mineRules(baskets, { minSupport: 0.001, minConfidence: 0.5, maxLength: 10 }),
      extra: () => ({ baskets: baskets.rows, itemsets: mined.itemsets.itemsets.length, rules: mined.rules.length }),
    });
  } else {
    log('cooccurrence: ../shared/datasets not found: Online Retail and Groceries figures skipped');
  }
  return measure(tasks, 3);
}
