import { fileURLToPath } from 'node:url';
import { ErrorCode, eventAt, isEncoreError } from '@encore/core';
import { describe, expect, it } from 'vitest';
import { bundledDataPath, loadDataset } from '../../index.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));
const utc = (iso: string): number => Date.parse(iso);

describe('online-retail', () => {
  it('accounts for every invoice line: purchases, returns, skips by reason', async () => {
    const { log, report } = await loadDataset(fixture('online-retail/online-retail.csv'), 'online-retail');
    expect(report).toMatchObject({ lines: 11, accepted: 7, rejected: 0, skipped: 4 });
    expect(report.skippedReasons).toEqual({ nonProductStockCode: 3, stockAdjustment: 1, cancellationNotNegative: 0 });
    expect(report.counts).toEqual({
      events: 7,
      'events.purchase': 6,
      'events.return': 1,
      cancellationRows: 2,
      guestRows: 3,
      zeroPriceEvents: 0,
      itemsWithConflictingDescriptions: 1,
      catalogItems: 5,
      untitledItems: 1,
    });
    expect(eventAt(log, 0)).toMatchObject({
      type: 'purchase',
      userId: '17850',
      itemId: '85123A',
      orderId: '536365',
      quantity: 6,
      timestamp: utc('2010-12-01T08:26:00Z'),
    });
    expect(eventAt(log, 0).price).toBeCloseTo(2.55, 5);
  });

  it('makes a guest (no CustomerID) one anonymous customer per invoice', async () => {
    const { log } = await loadDataset(fixture('online-retail/online-retail.csv'), 'online-retail');
    const guest = eventAt(log, 2);
    expect(guest.userId).toBeUndefined();
    expect(guest.anonymousId).toBe('guest-invoice:536366');
    expect(log.anonymous.ids.ids()).toEqual(['guest-invoice:536366']);
  });

  it('turns a C invoice into a return with a positive quantity and the price kept', async () => {
    const { log } = await loadDataset(fixture('online-retail/online-retail.csv'), 'online-retail');
    const ret = eventAt(log, 4);
    expect(ret).toMatchObject({ type: 'return', userId: '17850', itemId: '85123A', orderId: 'C536379', quantity: 2 });
    expect(ret.price).toBeCloseTo(2.55, 5);
  });

  it('reads InvoiceDate as London time (BST in summer, the March gap and the October repeat)', async () => {
    const { log } = await loadDataset(fixture('online-retail/online-retail.csv'), 'online-retail');
    expect(eventAt(log, 2).timestamp).toBe(utc('2011-06-15T13:30:00Z'));
    expect(eventAt(log, 4).timestamp).toBe(utc('2011-03-27T01:30:00Z')); // 02:30 BST, just after the change
    expect(eventAt(log, 6).timestamp).toBe(utc('2011-10-30T00:30:00Z')); // 01:30 repeated: the earlier (BST) one
  });

  it('parses quoted descriptions (commas, doubled quotes) into catalog titles', async () => {
    const { log, catalog } = await loadDataset(fixture('online-retail/online-retail.csv'), 'online-retail');
    expect(catalog.get('22633')?.title).toBe('HAND WARMER UNION JACK, RED');
    expect(catalog.get('22041')?.title).toBe('RECORD FRAME 7" SINGLE SIZE');
    expect(catalog.get('85123A')?.title).toBe('WHITE HANGING HEART T-LIGHT HOLDER'); // not "damaged", not the later one
    expect(catalog.get('21730')).toEqual({ id: '21730' });
    expect(catalog.has('POST')).toBe(false);
    expect(eventAt(log, 5).userId).toBe('__proto__');
    expect(eventAt(log, 6).userId).toBe('constructor');
  });

  it('reads the Online Retail II header, M/D/YYYY dates and float customer ids', async () => {
    const { log, report } = await loadDataset(fixture('online-retail/online-retail-ii.csv'), 'online-retail');
    expect(report).toMatchObject({ lines: 4, accepted: 4, rejected: 0, skipped: 0 });
    expect(eventAt(log, 0)).toMatchObject({
      userId: '13085',
      timestamp: utc('2009-12-01T07:45:00Z'),
      orderId: '489434',
    });
    expect(eventAt(log, 1).timestamp).toBe(utc('2010-07-04T08:06:00Z'));
    expect(eventAt(log, 2)).toMatchObject({ type: 'return', userId: '16321', quantity: 12 });
    expect(eventAt(log, 3).anonymousId).toBe('guest-invoice:489436');
  });

  it('counts malformed lines with numbers and reasons; strict mode names the first', async () => {
    const path = fixture('online-retail/online-retail-malformed.csv');
    const { report } = await loadDataset(path, 'online-retail');
    expect(report).toMatchObject({ lines: 14, accepted: 3, rejected: 11, skipped: 0 });
    expect(report.rejectedSamples).toEqual([
      { line: 3, reason: 'unterminated quoted field 3 (a quoted field must close on the same line)' },
      { line: 4, reason: 'Quantity must be a number, found "six"' },
      {
        line: 5,
        reason: 'InvoiceDate must be YYYY-MM-DD HH:MM[:SS] or M/D/YYYY H:MM (UK time), found "2010-13-01 08:26:00"',
      },
      { line: 6, reason: 'UnitPrice must be a number, found "abc"' },
      { line: 7, reason: 'StockCode must not be empty' },
      { line: 8, reason: 'InvoiceNo must not be empty' },
      { line: 9, reason: 'expected 8 comma-separated fields as in the header, found 7' },
      { line: 10, reason: 'UnitPrice must be ≥ 0 on a product line, found "-1.85"' },
      { line: 12, reason: 'unexpected character after the closing quote of field 3, expected "," or end of line' },
      { line: 13, reason: 'CustomerID must not contain control characters' },
      {
        line: 14,
        reason: 'InvoiceDate must be YYYY-MM-DD HH:MM[:SS] or M/D/YYYY H:MM (UK time), found "2010-02-30 08:26:00"',
      },
    ]);
    const error = await loadDataset(path, 'online-retail', { strict: true }).catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details).toMatchObject({ line: 3, path });
  });

  it('a header without the Online Retail columns is a PARSE_ERROR', async () => {
    const error = await loadDataset(fixture('retailrocket/retailrocket-events.csv'), 'online-retail').catch((e) => e);
    expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
    expect(error.details.line).toBe(1);
  });

  it('loads the bundled December 2010 slice (gzip)', async () => {
    const { report, log } = await loadDataset(bundledDataPath('online-retail-2010-12'), 'online-retail');
    expect(report.lines).toBe(42_481);
    expect(report.accepted + report.rejected + report.skipped).toBe(report.lines);
    expect(report.rejected).toBe(0);
    expect(log.length).toBe(report.accepted);
    for (let row = 0; row < log.length; row += 997) {
      const t = eventAt(log, row).timestamp;
      expect(t).toBeGreaterThanOrEqual(utc('2010-12-01T00:00:00Z'));
      expect(t).toBeLessThan(utc('2011-01-01T00:00:00Z'));
    }
  });
});
