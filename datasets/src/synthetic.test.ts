import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countEventTypes,
  EncoreError,
  ErrorCode,
  type EventLog,
  EventLogBuilder,
  eventAt,
  eventTypeCode,
  validateCatalogItem,
  validateEvent,
} from '@encore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  EVENT_CSV_HEADER,
  generateSynthetic,
  SYNTHETIC_PRESETS,
  type SyntheticOptions,
  writeEventsCsv,
} from './synthetic.js';

const DAY = 86_400_000;
const PURCHASE = eventTypeCode('purchase');
const CART = eventTypeCode('cart');

const small = generateSynthetic();
const { log, truth, catalog, options } = small;

/** True when two logs hold the same bytes in every column and the same ids in every id space. */
function sameLog(a: EventLog, b: EventLog): boolean {
  const bytes = (x: ArrayBufferView | null): Buffer | null =>
    x === null ? null : Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const same = (x: ArrayBufferView | null, y: ArrayBufferView | null): boolean => {
    const bx = bytes(x);
    const by = bytes(y);
    return bx === null || by === null ? bx === by : bx.equals(by);
  };
  if (a.length !== b.length || !same(a.type, b.type) || !same(a.timestamp, b.timestamp)) return false;
  for (const k of ['user', 'anonymous', 'device', 'item', 'session', 'order', 'channel', 'query'] as const) {
    if (!same(a[k].values, b[k].values) || a[k].ids.ids().join('\n') !== b[k].ids.ids().join('\n')) return false;
  }
  return same(a.quantity, b.quantity) && same(a.price, b.price) && same(a.rating, b.rating);
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EncoreError);
    expect((error as EncoreError).code).toBe(code);
    return;
  }
  expect.fail(`expected an EncoreError ${code}`);
}

/** Row indices of each session, in row order. */
function rowsBySession(l: EventLog): Map<number, number[]> {
  const sessions = new Map<number, number[]>();
  const values = l.session.values as Int32Array;
  for (let row = 0; row < l.length; row++) {
    const s = values[row] as number;
    if (s < 0) continue;
    let rows = sessions.get(s);
    if (rows === undefined) {
      rows = [];
      sessions.set(s, rows);
    }
    rows.push(row);
  }
  return sessions;
}

// Dunning's log-likelihood ratio of a 2×2 contingency table (Dunning 1993, "Accurate methods for
// the statistics of surprise and coincidence"), in the entropy form used by Mahout.
const xLogX = (x: number): number => (x === 0 ? 0 : x * Math.log(x));
const entropy = (...counts: number[]): number =>
  xLogX(counts.reduce((a, b) => a + b, 0)) - counts.reduce((a, b) => a + xLogX(b), 0);
function llr(k11: number, k12: number, k21: number, k22: number): number {
  const rows = entropy(k11 + k12, k21 + k22);
  const cols = entropy(k11 + k21, k12 + k22);
  return Math.max(0, 2 * (rows + cols - entropy(k11, k12, k21, k22)));
}

describe('generateSynthetic: small preset', () => {
  it('is the default and has the expected size', () => {
    expect(options).toBe(DEFAULT_SYNTHETIC_OPTIONS);
    expect(options).toBe(SYNTHETIC_PRESETS.small);
    expect(log.user.ids.size).toBe(1000);
    expect(catalog.size).toBe(500);
    expect(log.item.ids.size).toBe(500);
    expect(log.length).toBeGreaterThan(40_000);
    expect(log.length).toBeLessThan(60_000);
    const counts = countEventTypes(log);
    for (const type of [
      'view',
      'cart',
      'remove_from_cart',
      'purchase',
      'wishlist',
      'rate',
      'search',
      'return',
    ] as const) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    expect(counts.get('view')).toBeGreaterThan(counts.get('cart') as number);
    expect(counts.get('cart')).toBeGreaterThan(counts.get('purchase') as number);
    expect(truth.orders).toBe(log.order.ids.size);
    expect(truth.orders).toBeGreaterThan(2000);
    expect(truth.sessions).toBe(log.session.ids.size);
    expect(truth.bundles.map((b) => b.length)).toEqual([...Array<number>(20).fill(2), 3, 3, 3]);
    expect(truth.customerCluster).toHaveLength(1000);
    expect(truth.itemCategory).toHaveLength(500);
    expect(truth.clusterCategoryWeights).toHaveLength(options.tasteClusters * options.categories);
    expect(truth.itemPopularity.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('aligns log indices with truth indices', () => {
    expect(log.user.ids.idAt(17)).toBe('c17');
    expect(log.item.ids.idAt(42)).toBe('i42');
    const item = catalog.get('i42');
    expect(item?.categoryPath?.[1]).toBe(truth.categoryNames[truth.itemCategory[42] as number]);
  });

  it('writes only events that pass validateEvent, inside [now - days, now]', () => {
    const from = options.now - options.days * DAY;
    const problems: string[] = [];
    for (let row = 0; row < log.length; row++) {
      const event = eventAt(log, row);
      const checked = validateEvent(event);
      if (!checked.ok) problems.push(`row ${row}: ${checked.error.reason}`);
      const t = event.timestamp;
      if (!(t >= from && t <= options.now && Number.isInteger(t))) problems.push(`row ${row}: timestamp ${t}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('builds a valid catalog with prices, margins, ratings and some items out of stock', () => {
    let outOfStock = 0;
    for (const item of catalog.values()) {
      expect(validateCatalogItem(item).ok).toBe(true);
      expect(item.price).toBeGreaterThan(0);
      expect(item.margin).toBeGreaterThanOrEqual(0);
      expect(item.margin).toBeLessThanOrEqual(1);
      if (item.stock === 0) outOfStock++;
      if (item.ratingMean !== undefined) {
        expect(item.ratingMean).toBeGreaterThanOrEqual(1);
        expect(item.ratingMean).toBeLessThanOrEqual(5);
      }
    }
    expect(outOfStock).toBeGreaterThan(5);
    expect(outOfStock).toBeLessThan(100);
  });

  it('keeps the funnel in order inside each session and counts abandoned carts', () => {
    let abandoned = 0;
    const problems: string[] = [];
    for (const [session, rows] of rowsBySession(log)) {
      const carted = new Set<number>();
      let purchased = false;
      let last = Number.NEGATIVE_INFINITY;
      for (const row of rows) {
        const t = log.timestamp[row] as number;
        if (t < last) problems.push(`session ${session}: row ${row} goes back in time`);
        last = t;
        const item = log.item.values?.[row] as number;
        if (log.type[row] === CART) carted.add(item);
        if (log.type[row] === PURCHASE) {
          if (!carted.has(item)) problems.push(`session ${session}: purchase of ${item} without a cart`);
          if ((log.order.values?.[row] ?? -1) < 0) problems.push(`session ${session}: purchase without an order`);
          purchased = true;
        }
      }
      if (carted.size > 0 && !purchased) abandoned++;
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(abandoned).toBe(truth.abandonedCarts);
    expect(abandoned).toBeGreaterThan(500);
  });

  it('plants pre-login events whose keys stitch back to their owner', () => {
    let preLogin = 0;
    let linked = 0;
    for (let row = 0; row < log.length; row++) {
      const user = log.user.values?.[row] ?? -1;
      const anonymous = log.anonymous.values?.[row] ?? -1;
      const device = log.device.values?.[row] ?? -1;
      if (anonymous < 0 && device < 0) continue;
      if (user < 0) {
        preLogin++;
        continue;
      }
      linked++;
      if (anonymous >= 0) {
        const k = Number(log.anonymous.ids.idAt(anonymous).slice(1));
        expect(user).toBe(truth.anonymousOwner[k]);
      }
      if (device >= 0) {
        const k = Number(log.device.ids.idAt(device).slice(1));
        expect(user).toBe(truth.deviceOwner[k]);
      }
    }
    expect(preLogin).toBeGreaterThan(500);
    expect(linked).toBeGreaterThan(500);
    expect(truth.anonymousOwner.length).toBe(log.anonymous.ids.size);
    expect(truth.deviceOwner.length).toBe(log.device.ids.size);
  });

  it('makes search queries out of category words', () => {
    const words = new Set(truth.categoryNames.flatMap((name) => name.split(' ')));
    const queries = log.query.ids.ids();
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) for (const w of q.split(' ')) expect(words.has(w), q).toBe(true);
  });

  it('plants bundles that are each member’s top co-purchased partner by LLR and by count', () => {
    const baskets = new Map<number, Set<number>>();
    const orderOf = log.order.values as Int32Array;
    const itemOf = log.item.values as Int32Array;
    for (let row = 0; row < log.length; row++) {
      if (log.type[row] !== PURCHASE) continue;
      let basket = baskets.get(orderOf[row] as number);
      if (basket === undefined) {
        basket = new Set();
        baskets.set(orderOf[row] as number, basket);
      }
      basket.add(itemOf[row] as number);
    }
    const n = baskets.size;
    const freq = new Map<number, number>();
    const pairs = new Map<number, Map<number, number>>();
    for (const basket of baskets.values()) {
      for (const a of basket) {
        freq.set(a, (freq.get(a) ?? 0) + 1);
        let row = pairs.get(a);
        if (row === undefined) {
          row = new Map();
          pairs.set(a, row);
        }
        for (const b of basket) if (b !== a) row.set(b, (row.get(b) ?? 0) + 1);
      }
    }
    for (const bundle of truth.bundles) {
      const members = bundle.map((id) => log.item.ids.indexOf(id));
      for (const a of members) {
        const na = freq.get(a) ?? 0;
        expect(na, `bundle member ${a} is bought`).toBeGreaterThan(5);
        let best = { item: -1, llr: -1, count: -1 };
        let bestByCount = { item: -1, count: -1 };
        for (const [b, k] of pairs.get(a) ?? []) {
          const nb = freq.get(b) ?? 0;
          const score = k * n > na * nb ? llr(k, na - k, nb - k, n - na - nb + k) : 0; // positive association only
          if (score > best.llr) best = { item: b, llr: score, count: k };
          if (k > bestByCount.count) bestByCount = { item: b, count: k };
        }
        expect(members, `top LLR partner of ${bundle.join('+')} member ${a}`).toContain(best.item);
        expect(members, `top count partner of ${bundle.join('+')} member ${a}`).toContain(bestByCount.item);
        // Far above chance: co-purchased in most of the member's orders.
        expect(best.count / na).toBeGreaterThan(0.5);
      }
    }
  });

  it('draws bundle members from ordinary, not head, items', () => {
    const head = [...truth.itemPopularity].sort((a, b) => b - a)[Math.floor(options.items * 0.02) - 1] as number;
    for (const bundle of truth.bundles) {
      for (const id of bundle) expect(truth.itemPopularity[Number(id.slice(1))]).toBeLessThanOrEqual(head);
    }
  });
});

describe('generateSynthetic: determinism and overrides', () => {
  it('gives a byte-identical log for the same seed and a different one for another seed', () => {
    const again = generateSynthetic({ preset: 'small', seed: options.seed });
    expect(sameLog(again.log, log)).toBe(true);
    expect(again.truth).toEqual(truth);
    expect([...again.catalog.values()]).toEqual([...catalog.values()]);
    const other = generateSynthetic({ seed: options.seed + 1 });
    expect(sameLog(other.log, log)).toBe(false);
    expect(other.truth.bundles).not.toEqual(truth.bundles);
  });

  it('applies overrides and honours now, days and channels', () => {
    const now = Date.UTC(2030, 5, 1);
    const tiny = generateSynthetic({
      customers: 50,
      items: 60,
      categories: 5,
      days: 7,
      now,
      channels: false,
      bundles: 2,
      bundleTriples: 0,
    });
    expect(tiny.options.customers).toBe(50);
    expect(tiny.options.zipfExponent).toBe(SYNTHETIC_PRESETS.small.zipfExponent);
    expect(Object.isFrozen(tiny.options)).toBe(true);
    expect(tiny.log.user.ids.size).toBe(50);
    expect(tiny.log.channel.values).toBeNull();
    expect(tiny.truth.bundles).toHaveLength(2);
    for (let row = 0; row < tiny.log.length; row++) {
      expect(tiny.log.timestamp[row]).toBeLessThanOrEqual(now);
      expect(tiny.log.timestamp[row]).toBeGreaterThanOrEqual(now - 7 * DAY);
    }
  });

  it('keeps the large preset at scale without running it', () => {
    const large = SYNTHETIC_PRESETS.large;
    expect(large.customers).toBeGreaterThanOrEqual(1_000_000);
    expect(large.items).toBeGreaterThanOrEqual(100_000);
    expect(Object.isFrozen(large)).toBe(true);
  });
});

describe('generateSynthetic: option validation', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['negative customers', { customers: -5 }],
    ['zero items', { items: 0 }],
    ['fractional customers', { customers: 10.5 }],
    ['NaN sessions', { sessionsPerCustomer: Number.NaN }],
    ['sessions below one', { sessionsPerCustomer: 0.5 }],
    ['zipf exponent 0', { zipfExponent: 0 }],
    ['negative zipf exponent', { zipfExponent: -1 }],
    ['abandon rate above 1', { abandonRate: 1.5 }],
    ['negative anonymous share', { anonymousShare: -0.1 }],
    ['string rate', { cartRate: '0.2' }],
    ['infinite days', { days: Number.POSITIVE_INFINITY }],
    ['categories above items', { items: 10, categories: 11 }],
    ['too many bundles', { items: 100, bundles: 20 }],
    ['span before 1973', { days: 30_000 }],
    ['non-integer seed', { seed: 1.5 }],
    ['non-boolean channels', { channels: 'yes' }],
    ['unknown option', { custmers: 10 }],
    ['unknown preset', { preset: 'huge' }],
  ];
  it.each(bad)('rejects %s with INVALID_ARGUMENT and the offending value', (_, input) => {
    expectCode(() => generateSynthetic(input as Partial<SyntheticOptions>), ErrorCode.INVALID_ARGUMENT);
    try {
      generateSynthetic(input as Partial<SyntheticOptions>);
    } catch (error) {
      expect((error as EncoreError).message).toMatch(/^datasets\/generateSynthetic: /);
      expect((error as EncoreError).details).toHaveProperty('value');
    }
  });

  it('rejects a non-object', () => {
    expectCode(() => generateSynthetic(42 as unknown as Partial<SyntheticOptions>), ErrorCode.INVALID_ARGUMENT);
  });
});

/** Minimal RFC 4180 reader for the test: quoted fields, doubled quotes, commas and newlines inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('writeEventsCsv', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'encore-synthetic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips the header, the row count and the values', async () => {
    const path = join(dir, 'events.csv');
    const { rows, bytes } = await writeEventsCsv(log, path);
    const text = await readFile(path, 'utf8');
    expect(rows).toBe(log.length);
    expect(bytes).toBe(Buffer.byteLength(text));
    const table = parseCsv(text);
    expect(table[0]).toEqual([...EVENT_CSV_HEADER]);
    expect(table).toHaveLength(log.length + 1);
    for (const row of [0, 1, 2, 100, 1234, log.length - 1]) {
      const event = eventAt(log, row) as unknown as Record<string, unknown>;
      const cells = table[row + 1] as string[];
      EVENT_CSV_HEADER.forEach((name, i) => {
        const v = event[name];
        const cell = cells[i] as string;
        if (v === undefined) expect(cell, name).toBe('');
        else if (typeof v === 'number')
          expect(name === 'timestamp' ? Number(cell) : Math.fround(Number(cell)), name).toBe(v);
        else expect(cell, name).toBe(v);
      });
    }
    // Prices print as the shop wrote them, not as float32 noise.
    const priceColumn = EVENT_CSV_HEADER.indexOf('price');
    const prices = table
      .slice(1)
      .map((r) => r[priceColumn] as string)
      .filter((p) => p !== '');
    expect(prices.length).toBeGreaterThan(0);
    for (const p of prices.slice(0, 200)) expect(p).toMatch(/^\d+\.99$/);
  });

  it('quotes fields holding commas, quotes or newlines', async () => {
    const builder = new EventLogBuilder();
    const query = 'tents, "family" size\nwith kids';
    builder.add(eventTypeCode('search'), Date.UTC(2024, 0, 1), { userId: 'c,1', query });
    builder.add(eventTypeCode('view'), Date.UTC(2024, 0, 2), { anonymousId: 'a1', itemId: 'i1' });
    const path = join(dir, 'quoted.csv');
    const { rows } = await writeEventsCsv(builder.finish(), path);
    expect(rows).toBe(2);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('"tents, ""family"" size\nwith kids"');
    const table = parseCsv(text);
    expect(table).toHaveLength(3);
    expect(table[1]?.[1]).toBe('c,1');
    expect(table[1]?.[12]).toBe(query);
    expect(table[2]).toEqual(['view', '', 'a1', '', 'i1', String(Date.UTC(2024, 0, 2)), '', '', '', '', '', '', '']);
  });

  it('rejects bad arguments and unwritable paths with codes', async () => {
    await expect(writeEventsCsv(log, '')).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(writeEventsCsv({} as EventLog, join(dir, 'x.csv'))).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(writeEventsCsv(log, join(dir, 'missing', 'x.csv'))).rejects.toMatchObject({
      code: ErrorCode.IO_ERROR,
    });
  });
});
