import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, ErrorCode, eventAt, isEncoreError, type Rng, validateCatalogItem } from '@encore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type DataFormat, type LoadReport, loadDataset, readEvents } from './index.js';

/**
 * The loaders' fuzz test: for every format, 10,000 lines each broken by one known mutation (a bad
 * time, a non-finite number, an impossible year, a byte order mark, a huge field, a missing or
 * extra column, a control character, a wrong type, a hostile id…) mixed at random among valid
 * lines (seeded). The report must name exactly the lines broken by a rejecting mutation, warn on
 * exactly the lines repaired (a stray byte order mark, an over-long title), and the events must be
 * exactly those of the valid lines. Strict mode must stop at the first broken line.
 *
 * The first line of each file is valid (or the header): a NUL byte in the first line marks the
 * whole file as binary (see `loadDataset`), whereas a NUL later is an ordinary bad line and is among
 * the mutations.
 */

const SEED = 20_260_601;
const BROKEN = 10_000;
const VALID = 5_000;

const tmp = await mkdtemp(join(tmpdir(), 'encore-fuzz-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

type Outcome = 'reject' | 'warn';

/** A mutation: from a valid line (its fields given) to a broken one. */
interface Mutation {
  readonly name: string;
  readonly outcome: Outcome;
  /** `nul` allows a NUL byte (only past the first 8 KiB). */
  make(rng: Rng, valid: ValidLine, nul: boolean): string;
}

interface ValidLine {
  readonly fields: readonly string[];
  readonly text: string;
}

interface FormatFuzz {
  readonly format: DataFormat;
  readonly file: string;
  readonly header?: string;
  readonly separator: string;
  valid(rng: Rng): ValidLine;
  readonly mutations: readonly Mutation[];
}

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(values.length)] as T;
const digits = (rng: Rng, max: number): string => String(1 + rng.int(max));

/** A control character other than LF (which would split the line); NUL only when allowed. */
function control(rng: Rng, nul: boolean): string {
  const codes = [1, 2, 7, 8, 9, 11, 12, 13, 27, 31, 127];
  if (nul) codes.push(0, 0, 0);
  return String.fromCharCode(pick(rng, codes));
}

/** Inserts `what` at a random position strictly inside `text` (never at its start). */
function insert(rng: Rng, text: string, what: string): string {
  const at = 1 + rng.int(text.length);
  return text.slice(0, at) + what + text.slice(at);
}

/** The line with field `i` replaced (for plain separated formats). */
function withField(valid: ValidLine, sep: string, i: number, value: string): string {
  const fields = [...valid.fields];
  fields[i] = value;
  return fields.join(sep);
}

const BOM: Mutation = {
  name: 'byte order mark inside the line',
  outcome: 'warn',
  make: (rng, valid) => {
    let text = valid.text;
    for (let n = 1 + rng.int(2); n > 0; n--) text = insert(rng, text, '\ufeff');
    return text;
  },
};

/** Mutations shared by the formats with fixed columns split on `sep`. */
function columnMutations(sep: string, idColumns: readonly number[], digitIds: boolean): Mutation[] {
  const out: Mutation[] = [
    BOM,
    {
      name: 'missing column',
      outcome: 'reject',
      make: (rng, v) => {
        const drop = rng.int(v.fields.length);
        return v.fields.filter((_, i) => i !== drop).join(sep);
      },
    },
    { name: 'extra column', outcome: 'reject', make: (rng, v) => `${v.text}${sep}${digits(rng, 9)}` },
    {
      name: 'control character in an id',
      outcome: 'reject',
      make: (rng, v, nul) => {
        const i = pick(rng, idColumns);
        return withField(v, sep, i, insert(rng, `x${v.fields[i]}`, control(rng, nul)).slice(1));
      },
    },
    {
      name: 'huge id',
      outcome: 'reject',
      make: (rng, v) => withField(v, sep, pick(rng, idColumns), '7'.repeat(513 + rng.int(2000))),
    },
  ];
  if (digitIds) {
    out.push({
      name: 'hostile or non-numeric id',
      outcome: 'reject',
      make: (rng, v) =>
        withField(v, sep, pick(rng, idColumns), pick(rng, ['__proto__', 'constructor', 'toString', '-1', '1.5', ''])),
    });
  }
  return out;
}

/** Timestamps (in the format's unit) that are not a time in [1970, 2100). */
function badTime(rng: Rng, unit: 's' | 'ms'): string {
  const late = unit === 's' ? ['4102444800', '9999999999', '999999999999999'] : ['4102444800000', '999999999999999'];
  return pick(rng, [...late, '-1000', '1e300', 'Infinity', 'NaN', '', '12x', '1511544070.5', ' 1511544070']);
}

const MOVIELENS_RATINGS = ['1', '2', '3', '4', '5'];

function movielensLike(format: DataFormat, file: string, sep: string, header?: string): FormatFuzz {
  return {
    format,
    file,
    separator: sep,
    ...(header === undefined ? {} : { header }),
    valid(rng) {
      const fields = [
        digits(rng, 5000),
        digits(rng, 3000),
        pick(rng, header === undefined ? MOVIELENS_RATINGS : ['0.5', '3.5', '4.0', '5.0']),
        String(874_724_710 + rng.int(18_561_928)),
      ];
      return { fields, text: fields.join(sep) };
    },
    mutations: [
      ...columnMutations(sep, [0, 1], true),
      {
        name: 'time outside [1970, 2100)',
        outcome: 'reject',
        make: (rng, v) => withField(v, sep, 3, badTime(rng, 's')),
      },
      {
        name: 'rating not a finite number in range',
        outcome: 'reject',
        make: (rng, v) => withField(v, sep, 2, pick(rng, ['NaN', 'Infinity', '-Infinity', '1e308', '11', 'five', ''])),
      },
      { name: 'wrong separator', outcome: 'reject', make: (_, v) => v.fields.join(sep === ',' ? ';' : ',') },
    ],
  };
}

const BEHAVIORS = ['pv', 'pv', 'pv', 'cart', 'fav', 'buy'];

const TAOBAO: FormatFuzz = {
  format: 'taobao',
  file: 'UserBehavior.csv',
  separator: ',',
  valid(rng) {
    const fields = [
      digits(rng, 1_000_000),
      digits(rng, 5_000_000),
      digits(rng, 5000),
      pick(rng, BEHAVIORS),
      String(1_511_544_070 + rng.int(800_000)),
    ];
    return { fields, text: fields.join(',') };
  },
  mutations: [
    ...columnMutations(',', [0, 1, 2], true),
    { name: 'time outside [1970, 2100)', outcome: 'reject', make: (rng, v) => withField(v, ',', 4, badTime(rng, 's')) },
    {
      name: 'unknown behavior',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', 3, pick(rng, ['click', 'PV', '', 'buy ', '__proto__'])),
    },
  ],
};

const RETAILROCKET: FormatFuzz = {
  format: 'retailrocket',
  file: 'events.csv',
  header: 'timestamp,visitorid,event,itemid,transactionid',
  separator: ',',
  valid(rng) {
    const event = pick(rng, ['view', 'view', 'addtocart', 'transaction']);
    const fields = [
      String(1_430_622_004_384 + rng.int(1e10)),
      digits(rng, 1_400_000),
      event,
      digits(rng, 460_000),
      event === 'transaction' && rng.next() < 0.8 ? digits(rng, 17_000) : '',
    ];
    return { fields, text: fields.join(',') };
  },
  mutations: [
    ...columnMutations(',', [1, 3], true),
    {
      name: 'time outside [1970, 2100)',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', 0, badTime(rng, 'ms')),
    },
    {
      name: 'unknown event',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', 2, pick(rng, ['click', 'View', '', 'constructor'])),
    },
    {
      name: 'bad transactionid',
      outcome: 'reject',
      make: (rng, v, nul) => withField(v, ',', 4, pick(rng, [`t${control(rng, nul)}x`, 'x'.repeat(600)])),
    },
    { name: 'unterminated quote', outcome: 'reject', make: (_, v) => withField(v, ',', 4, '"123') },
  ],
};

const STOCK_CODES = ['85123A', '71053', '84406B', '22633', '22041', '21730', '__proto__', 'constructor'];
const WORDS = ['WHITE', 'HEART', 'LANTERN', 'RED', 'JACK', 'UNION', 'HOLDER', 'SET OF 3', 'CAKE', 'TINS'];

function retailFields(rng: Rng): string[] {
  const cancellation = rng.next() < 0.1;
  const words = Array.from({ length: 1 + rng.int(4) }, () => pick(rng, WORDS));
  if (rng.next() < 0.2) words.push('"BIG", RED');
  const description = words.join(' ');
  const year = 2010 + rng.int(2);
  const month = 1 + rng.int(12);
  const day = 1 + rng.int(28);
  const hour = 6 + rng.int(14);
  const minute = rng.int(60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const date =
    rng.next() < 0.7
      ? `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:00`
      : `${month}/${day}/${year} ${hour}:${pad(minute)}`;
  const quantity = (1 + rng.int(24)) * (cancellation ? -1 : 1);
  return [
    `${cancellation ? 'C' : ''}${536_365 + rng.int(30_000)}`,
    pick(rng, STOCK_CODES),
    description.includes('"') || description.includes(',') ? `"${description.replaceAll('"', '""')}"` : description,
    String(quantity),
    date,
    pick(rng, ['2.55', '0.85', '12.75', '0', '1.25']),
    pick(rng, ['17850', '13047', '', '12583.0', '__proto__', 'toString']),
    pick(rng, ['United Kingdom', 'France', 'EIRE']),
  ];
}

const ONLINE_RETAIL: FormatFuzz = {
  format: 'online-retail',
  file: 'retail.csv',
  header: 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  separator: ',',
  valid(rng) {
    const fields = retailFields(rng);
    return { fields, text: fields.join(',') };
  },
  mutations: [
    ...columnMutations(',', [0, 1, 6], false).filter((m) => m.name !== 'extra column'),
    { name: 'extra column', outcome: 'reject', make: (_, v) => `${v.text},extra` },
    {
      name: 'impossible InvoiceDate',
      outcome: 'reject',
      make: (rng, v) =>
        withField(
          v,
          ',',
          4,
          pick(rng, [
            '0001-12-01 08:26:00',
            '0099-12-01 08:26:00',
            '12/1/0099 8:26',
            '1969-12-31 23:59:00',
            '2100-01-01 00:00:00',
            '2010-02-30 08:26:00',
            '2010-13-01 08:26:00',
            'yesterday',
            '',
          ]),
        ),
    },
    {
      name: 'Quantity not a float32 number',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', 3, pick(rng, ['1e308', '-1e308', 'NaN', 'Infinity', 'six', '', '4e38'])),
    },
    {
      name: 'UnitPrice not a float32 number ≥ 0',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', 5, pick(rng, ['1e308', '3.5e38', 'NaN', 'abc', '-1.85', ''])),
    },
    {
      name: 'reserved customer id',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', 6, pick(rng, ['anonymous:17850', 'device:d0', 'anonymous:'])),
    },
    { name: 'unterminated quote', outcome: 'reject', make: (_, v) => withField(v, ',', 2, '"WHITE HEART') },
    { name: 'text after a closing quote', outcome: 'reject', make: (_, v) => withField(v, ',', 2, '"WHITE"HEART') },
    {
      name: 'over-long description',
      outcome: 'warn',
      make: (rng, v) => withField(v, ',', 2, 'D'.repeat(1001 + rng.int(4000))),
    },
  ],
};

const ITEMS = ['whole milk', 'yogurt', 'soda', '__proto__', 'constructor', '"bottled water, still"', 'rolls/buns'];

const BASKETS: FormatFuzz = {
  format: 'baskets',
  file: 'baskets.csv',
  separator: ',',
  valid(rng) {
    const fields = Array.from({ length: 1 + rng.int(6) }, () => pick(rng, ITEMS));
    return { fields, text: fields.join(',') };
  },
  mutations: [
    BOM,
    {
      name: 'control character in an item',
      outcome: 'reject',
      make: (rng, v, nul) => withField(v, ',', 0, `mi${control(rng, nul)}lk`),
    },
    { name: 'huge item', outcome: 'reject', make: (rng, v) => `${v.text},${'x'.repeat(513 + rng.int(3000))}` },
    { name: 'no item at all', outcome: 'reject', make: (rng) => ','.repeat(1 + rng.int(5)) },
    { name: 'unterminated quote', outcome: 'reject', make: (_, v) => `${v.text},"soda` },
    { name: 'quote inside an unquoted item', outcome: 'reject', make: (_, v) => `${v.text},so"da` },
  ],
};

const CSV_HEADER = ['type', 'userId', 'anonymousId', 'itemId', 'timestamp', 'quantity', 'price', 'rating', 'query'];
const col = (name: string): number => CSV_HEADER.indexOf(name);

const CSV: FormatFuzz = {
  format: 'csv',
  file: 'events.csv',
  header: CSV_HEADER.join(','),
  separator: ',',
  valid(rng) {
    const type = pick(rng, ['view', 'view', 'cart', 'purchase', 'rate', 'search', 'wishlist', 'return']);
    const user = rng.next() < 0.8 ? pick(rng, ['u1', 'u2', '__proto__', 'hasOwnProperty', 'Anonymous:x']) : '';
    const time = pick(rng, [
      String(1_700_000_000_000 + rng.int(1e9)),
      String(1_700_000_000 + rng.int(1e6)),
      '2023-11-14T22:13:20Z',
      '2099-12-31T23:59:59+01:00',
      '0',
    ]);
    const fields = [
      type,
      user,
      user === '' ? pick(rng, ['cookie-1', 'constructor']) : '',
      type === 'search' ? '' : pick(rng, ['sku-1', 'sku-2', 'toString']),
      time,
      type === 'purchase' ? pick(rng, ['1', '2', '-1', '3e38']) : '',
      type === 'purchase' ? pick(rng, ['9.99', '0', '3.4e38']) : '',
      type === 'rate' ? pick(rng, ['4', '4.5', '-10', '10']) : '',
      type === 'search' ? pick(rng, ['tents', '"camping, with kids"']) : '',
    ];
    return { fields, text: fields.join(',') };
  },
  mutations: [
    ...columnMutations(',', [col('itemId')], false).filter(
      (m) => m.name !== 'huge id' && m.name !== 'control character in an id',
    ),
    {
      name: 'control character in an id',
      outcome: 'reject',
      make: (rng, v, nul) => withField(v, ',', col('anonymousId'), `c${control(rng, nul)}`),
    },
    {
      name: 'huge id',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', col('anonymousId'), 'a'.repeat(513 + rng.int(999))),
    },
    {
      name: 'time outside [1970, 2100)',
      outcome: 'reject',
      make: (rng, v) =>
        withField(
          v,
          ',',
          col('timestamp'),
          pick(rng, [
            '-1000',
            '1e300',
            '0001-01-01T00:00:00Z',
            '0099-06-01T00:00:00Z',
            '2100-01-01T00:00:00Z',
            '4102444800000',
            '999999999999999999',
            '1969-12-31T23:59:59Z',
            'yesterday',
            '2023-11-14 22:13:20',
            '',
          ]),
        ),
    },
    {
      name: 'quantity or price not a float32 number',
      outcome: 'reject',
      make: (rng, v) =>
        withField(
          v,
          ',',
          pick(rng, [col('quantity'), col('price')]),
          pick(rng, ['1e308', '-1e39', 'NaN', 'Infinity', 'abc']),
        ),
    },
    { name: 'negative price', outcome: 'reject', make: (_, v) => withField(v, ',', col('price'), '-0.01') },
    {
      name: 'rating out of range',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', col('rating'), pick(rng, ['11', '-10.5', 'NaN', '1e308'])),
    },
    {
      name: 'unknown type',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', col('type'), pick(rng, ['click', 'VIEW', '', '__proto__'])),
    },
    {
      name: 'reserved user id',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', col('userId'), pick(rng, ['anonymous:u1', 'device:d0'])),
    },
    {
      name: 'no customer key',
      outcome: 'reject',
      make: (_, v) => {
        const fields = [...v.fields];
        fields[col('userId')] = '';
        fields[col('anonymousId')] = '';
        return fields.join(',');
      },
    },
    {
      name: 'huge query',
      outcome: 'reject',
      make: (rng, v) => withField(v, ',', col('query'), 'q'.repeat(2049 + rng.int(999))),
    },
    { name: 'unterminated quote', outcome: 'reject', make: (_, v) => withField(v, ',', col('itemId'), '"sku-1') },
  ],
};

function jsonEvent(rng: Rng): Record<string, unknown> {
  const type = pick(rng, ['view', 'cart', 'purchase', 'rate', 'search']);
  const event: Record<string, unknown> = { type };
  if (rng.next() < 0.8) event.userId = pick(rng, ['u1', '__proto__', 'constructor', 17]);
  else event.deviceId = pick(rng, ['d0', 'prototype']);
  if (type === 'search') event.query = pick(rng, ['tent', 'camping with kids']);
  else event.itemId = pick(rng, ['sku-1', 'valueOf', 42]);
  event.timestamp = pick(rng, [1_700_000_000_000 + rng.int(1e9), '2023-11-14T22:13:20Z', 1_700_000_000, 0]);
  if (type === 'rate') event.rating = pick(rng, [1, 4.5, '5']);
  if (type === 'purchase') event.price = pick(rng, [9.99, '0', 3.4e38]);
  return event;
}

const JSONL: FormatFuzz = {
  format: 'jsonl',
  file: 'events.jsonl',
  separator: '',
  valid(rng) {
    const event = jsonEvent(rng);
    return { fields: [JSON.stringify(event)], text: JSON.stringify(event) };
  },
  mutations: [
    BOM,
    { name: 'truncated JSON', outcome: 'reject', make: (rng, v) => v.text.slice(0, 1 + rng.int(v.text.length - 1)) },
    { name: 'not an object', outcome: 'reject', make: (rng, v) => pick(rng, [`[${v.text}]`, '"view"', '42', 'null']) },
    {
      name: 'raw control character in a string',
      outcome: 'reject',
      make: (rng, v, nul) => v.text.replace('"type":"', `"type":"${control(rng, nul)}`),
    },
    {
      name: 'wrong field type or value',
      outcome: 'reject',
      make: (rng, v) => {
        const event = JSON.parse(v.text) as Record<string, unknown>;
        const [field, value] = pick(rng, [
          ['userId', true],
          ['userId', { id: 1 }],
          ['userId', 1.5],
          ['userId', 'anonymous:u1'],
          ['deviceId', 'd\u0001'],
          ['timestamp', true],
          ['timestamp', null],
          ['timestamp', 'yesterday'],
          ['timestamp', 1e300],
          ['timestamp', '-1000'],
          ['timestamp', '0099-06-01T00:00:00Z'],
          ['timestamp', 4_102_444_800_000],
          ['quantity', [1]],
          ['quantity', 1e308],
          ['quantity', '1e39'],
          ['price', -1],
          ['price', 'NaN'],
          ['type', 'click'],
          ['query', 'q'.repeat(2049)],
        ] as [string, unknown][]);
        if (field === 'userId' && event.userId === undefined) delete event.deviceId;
        event[field] = value;
        return JSON.stringify(event);
      },
    },
    {
      name: 'customer key hidden in __proto__',
      outcome: 'reject',
      make: (rng, v) => {
        const event = JSON.parse(v.text) as Record<string, unknown>;
        delete event.userId;
        delete event.deviceId;
        return `{"__proto__":{"userId":"u${rng.int(9)}"},${JSON.stringify(event).slice(1)}`;
      },
    },
    {
      name: 'huge id',
      outcome: 'reject',
      make: (_, v) => v.text.replace('"type":', `"orderId":"${'o'.repeat(600)}","type":`),
    },
  ],
};

const FORMATS: readonly FormatFuzz[] = [
  movielensLike('movielens', 'u.data', '\t'),
  movielensLike('movielens', 'ratings.csv', ',', 'userId,movieId,rating,timestamp'),
  movielensLike('movielens-1m', 'ratings.dat', '::'),
  RETAILROCKET,
  TAOBAO,
  ONLINE_RETAIL,
  BASKETS,
  CSV,
  JSONL,
];

interface Generated {
  readonly path: string;
  /** The same lines with every rejected line blanked and every repaired line as it was before the mutation. */
  readonly cleanPath: string;
  readonly rejected: number[];
  readonly warned: number[];
  readonly kinds: Map<string, number>;
}

async function generate(fuzz: FormatFuzz, seed: number): Promise<Generated> {
  const rng = createRng(seed);
  const dir = join(tmp, `${fuzz.format}-${fuzz.file}`);
  const cleanDir = join(dir, 'clean');
  await mkdir(cleanDir, { recursive: true });
  const lines: string[] = [];
  const clean: string[] = [];
  const rejected: number[] = [];
  const warned: number[] = [];
  const kinds = new Map<string, number>();
  let valid = 0;
  // The first line valid (or the header), then broken lines mixed in at random.
  const firstLine = fuzz.header ?? fuzz.valid(rng).text;
  lines.push(firstLine);
  clean.push(firstLine);
  if (fuzz.header === undefined) valid++;
  let broken = 0;
  while (broken < BROKEN || valid < VALID) {
    const line = fuzz.valid(rng);
    const breakIt = valid >= VALID || (broken < BROKEN && rng.next() < BROKEN / (BROKEN + VALID));
    if (!breakIt) {
      lines.push(line.text);
      clean.push(line.text);
      valid++;
      continue;
    }
    const mutation = pick(rng, fuzz.mutations);
    const text = mutation.make(rng, line, true);
    // (a mutation must neither split the line nor blank it: both would change what counts as a line)
    if (text.includes('\n') || text.trim() === '')
      throw new Error(`mutation ${mutation.name} made ${JSON.stringify(text)}`);
    lines.push(text);
    const lineNo = lines.length;
    if (mutation.outcome === 'reject') {
      rejected.push(lineNo);
      clean.push('');
    } else {
      warned.push(lineNo);
      clean.push(line.text);
    }
    kinds.set(mutation.name, (kinds.get(mutation.name) ?? 0) + 1);
    broken++;
  }
  const path = join(dir, fuzz.file);
  const cleanPath = join(cleanDir, fuzz.file);
  await writeFile(path, `${lines.join('\n')}\n`);
  await writeFile(cleanPath, `${clean.join('\n')}\n`);
  return { path, cleanPath, rejected, warned, kinds };
}

type Log = Awaited<ReturnType<typeof loadDataset>>['log'];

/** A log's rows column by column, ids as strings: equal exactly when the events are. */
function columns(log: Log): string {
  const strings = (c: Log['user']): (string | null)[] =>
    Array.from(c.values ?? new Int32Array(log.length).fill(-1), (v) => (v < 0 ? null : c.ids.idAt(v)));
  const numbers = (c: Float32Array | null): number[] => Array.from(c ?? new Float32Array(log.length).fill(Number.NaN));
  return JSON.stringify([
    Array.from(log.type),
    Array.from(log.timestamp),
    ...[log.user, log.anonymous, log.device, log.item, log.session, log.order, log.channel, log.query].map(strings),
    ...[log.quantity, log.price, log.rating].map(numbers),
  ]);
}

const warnedLines = (report: LoadReport): number[] => report.warningSamples.map((s) => s.line);

describe(`loader fuzz: ${BROKEN} broken lines among valid ones, seed ${SEED}`, () => {
  it.each(FORMATS.map((fuzz, i) => [`${fuzz.format} (${fuzz.file})`, fuzz, i] as const))(
    '%s: every broken line counted by its number, every valid line kept, strict stops at the first',
    async (_, fuzz, i) => {
      const generated = await generate(fuzz, SEED + i);
      expect(generated.kinds.size, 'every mutation drawn').toBe(fuzz.mutations.length);
      const options = { maxRejectedSamples: 1_000_000 };
      const { log, report, catalog } = await loadDataset(generated.path, fuzz.format, options);
      const rejectedLines = report.rejectedSamples.map((s) => s.line);
      const injected = new Set(generated.rejected);
      const unexpected = report.rejectedSamples.filter((s) => !injected.has(s.line)).slice(0, 5);
      expect(unexpected, 'valid lines rejected').toEqual([]);
      expect(rejectedLines).toEqual(generated.rejected);
      expect(report.rejected).toBe(generated.rejected.length);
      expect(warnedLines(report)).toEqual(generated.warned);
      const totalWarnings = Object.values(report.warnings).reduce((a, b) => a + b, 0);
      expect(totalWarnings).toBe(generated.warned.length);
      expect(report.lines).toBe(report.accepted + report.rejected + report.skipped);
      expect(report.skipped).toBe(0);
      expect(report.lines - report.rejected).toBe(report.accepted);

      // exactly the events of the valid lines, in order
      const reference = await loadDataset(generated.cleanPath, fuzz.format, options);
      expect(reference.report.rejected).toBe(0);
      expect(report.accepted).toBe(reference.report.accepted);
      expect(columns(log) === columns(reference.log)).toBe(true);
      expect(eventAt(log, log.length - 1)).toEqual(eventAt(reference.log, log.length - 1));
      expect(log.timestamp.every((t) => t >= 0 && t < Date.UTC(2100, 0, 1))).toBe(true);
      for (const column of [log.quantity, log.price, log.rating])
        expect((column ?? []).every((v) => Number.isNaN(v) || Number.isFinite(v))).toBe(true);
      // the catalog is one core accepts (a model directory stores it and validates it on reading)
      expect([...catalog.values()].filter((item) => !validateCatalogItem(item).ok)).toEqual([]);

      // readEvents gives the same account
      const stream = readEvents(generated.path, fuzz.format, options);
      let n = 0;
      for await (const batch of stream) n += batch.length;
      expect(n).toBe(log.length);
      expect(await stream.report).toEqual(report);

      // strict: the first broken line, whatever its kind
      const first = Math.min(generated.rejected[0] ?? Infinity, generated.warned[0] ?? Infinity);
      const error = await loadDataset(generated.path, fuzz.format, { strict: true }).catch((e) => e);
      expect(isEncoreError(error, ErrorCode.PARSE_ERROR)).toBe(true);
      expect(error.details.line).toBe(first);
    },
  );
});
