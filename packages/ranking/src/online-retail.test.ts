import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { bundledDataPath, loadDataset, ONLINE_RETAIL_NON_PRODUCT_CODES } from '@encore/datasets';
import { describe, expect, it } from 'vitest';
import { bestSellers } from './best-sellers.js';

// Best sellers of the bundled December 2010 slice of UCI Online Retail, checked against a recount
// straight from the raw CSV: no loader, no EventLog, just the rules of the data set's README
// (a `C` invoice is a cancellation, non-product stock codes and stock adjustments are not sales).

const path = bundledDataPath('online-retail-2010-12');
const DAY = 86_400_000;

/** Splits one RFC 4180 line (quoted fields may hold commas and doubled quotes). */
function cells(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

interface Sales {
  /** Stock code → [net units, purchase lines, first accepted line]. */
  readonly byCode: Map<string, [number, number, number]>;
}

/** Net units per stock code over invoice lines dated in (from, to]. */
function recount(from: number, to: number, subtractReturns: boolean): Sales {
  const nonProduct = new Set(ONLINE_RETAIL_NON_PRODUCT_CODES);
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
  const header = cells(lines[0] as string);
  const col = (name: string): number => header.indexOf(name);
  const [invoice, code, quantity, date] = [col('InvoiceNo'), col('StockCode'), col('Quantity'), col('InvoiceDate')];
  const byCode = new Map<string, [number, number, number]>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line.length === 0) continue;
    const f = cells(line);
    const stock = f[code] as string;
    if (nonProduct.has(stock) || stock.startsWith('gift_') || stock.startsWith('TEST')) continue;
    const q = Number(f[quantity]);
    const cancelled = (f[invoice] as string).startsWith('C');
    if (cancelled ? q >= 0 : q <= 0) continue; // stock adjustments and malformed cancellations
    // 'YYYY-MM-DD HH:MM:SS' in UK time, which is GMT in December.
    const [y, mo, d, h, mi, s] = (f[date] as string).split(/[- :]/).map(Number) as number[];
    const t = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
    let entry = byCode.get(stock);
    if (entry === undefined) {
      entry = [0, 0, n]; // item indices follow first appearance
      byCode.set(stock, entry);
    }
    if (!(t > from && t <= to)) continue;
    if (!cancelled) {
      entry[0] += q;
      entry[1]++;
    } else if (subtractReturns) entry[0] += q; // q < 0 on a cancellation
  }
  return { byCode };
}

/** The recount as a ranked list: net units > 0, most first, ties by first appearance. */
function ranked(sales: Sales): [string, number][] {
  return [...sales.byCode]
    .filter(([, [units]]) => units > 0)
    .sort(([, a], [, b]) => b[0] - a[0] || a[2] - b[2])
    .map(([stock, [units]]) => [stock, units]);
}

describe('bestSellers on Online Retail, December 2010', async () => {
  const { log, report } = await loadDataset(path, 'online-retail');
  const items = log.item.ids;
  const named = (shelf: { ids: Int32Array; scores: Float32Array }): [string, number][] =>
    Array.from(shelf.ids, (i, r) => [items.idAt(i), shelf.scores[r] as number]);

  it('the loaded log is every line the recount reads', () => {
    expect(report.rejected).toBe(0); // the recount assumes no malformed lines
    expect(report.accepted + report.skipped).toBe(report.lines);
  });

  it('the whole month equals the recount, net of cancellations, in full', () => {
    const now = Date.UTC(2010, 11, 24);
    const shelf = bestSellers(log, { now, windowDays: 31, k: items.size });
    const expected = ranked(recount(now - 31 * DAY, now, true));
    expect(expected.length).toBeGreaterThan(1_000);
    expect(named(shelf)).toEqual(expected);
    expect(shelf.report.future).toBe(0);
    // A best seller sells to many: the top ten were each bought on several invoices.
    for (const s of shelf.support.subarray(0, 10)) expect(s).toBeGreaterThan(5);
  });

  it('one week, gross, and the week after from a later now, equal the recount', () => {
    const now = Date.UTC(2010, 11, 10, 12);
    const gross = bestSellers(log, { now, windowDays: 7, k: 50, subtractReturns: false });
    expect(named(gross)).toEqual(ranked(recount(now - 7 * DAY, now, false)).slice(0, 50));
    // Events after `now` are ignored and reported: the rest of December.
    expect(gross.report.future).toBeGreaterThan(10_000);
    const later = bestSellers(log, { now: now + 7 * DAY, windowDays: 7, k: 50 });
    expect(named(later)).toEqual(ranked(recount(now, now + 7 * DAY, true)).slice(0, 50));
    expect(named(later)).not.toEqual(named(gross));
  });
});
