#!/usr/bin/env node
// Writes data/online-retail-2010-12.csv.gz (the December 2010 invoice lines of UCI Online Retail,
// CC BY 4.0) and data/README.md (source, licence, attribution, checksum) from the shared copy of the
// dataset. Deterministic: the same input gives byte-identical output.
//
// Usage: node datasets/scripts/make-online-retail-slice.mjs [path/to/online_retail_2010-12_to_2011-08.csv]
// Default input: $ENCORE_DATASETS/online-retail/…, else <repo>/../shared/datasets/online-retail/….
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const repoRoot = resolve(packageDir, '..');
const SOURCE_NAME = 'online_retail_2010-12_to_2011-08.csv';
const datasetsDir = process.env.ENCORE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
const input = process.argv[2] ?? resolve(datasetsDir, 'online-retail', SOURCE_NAME);
const outDir = resolve(packageDir, 'data');
const outName = 'online-retail-2010-12.csv.gz';
const MONTH = '2010-12';

/** Fields of one RFC 4180 line (quoted fields with "" escapes; no newlines inside fields). */
function splitCsv(line) {
  const out = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q < 0) throw new Error(`unterminated quote in: ${line}`);
        if (line[q + 1] === '"') {
          value += line.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += line.slice(from, q);
        i = q + 1;
        break;
      }
      out.push(value);
      if (i >= line.length) return out;
      i++; // the comma
    } else {
      const at = line.indexOf(',', i);
      if (at < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, at));
      i = at + 1;
    }
  }
}

const kept = [];
let header;
let dateCol = -1;
let dataRows = 0;
let firstDate = '';
let lastDate = '';
let carry = '';
const take = (line) => {
  if (line.length === 0) return;
  if (header === undefined) {
    header = line;
    dateCol = splitCsv(line).indexOf('InvoiceDate');
    if (dateCol < 0) throw new Error(`no InvoiceDate column in ${input}`);
    return;
  }
  dataRows++;
  const date = splitCsv(line)[dateCol] ?? '';
  if (!date.startsWith(MONTH)) return;
  kept.push(line);
  const day = date.slice(0, 10);
  if (firstDate === '' || day < firstDate) firstDate = day;
  if (day > lastDate) lastDate = day;
};
for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const lines = (carry + chunk).split('\n');
  carry = lines.pop() ?? '';
  for (const line of lines) take(line.endsWith('\r') ? line.slice(0, -1) : line);
}
take(carry);

const csv = `${[header, ...kept].join('\n')}\n`;
const gz = gzipSync(Buffer.from(csv, 'utf8'), { level: 9 });
const sha256 = createHash('sha256').update(gz).digest('hex');
const sourceSha256 = createHash('sha256');
for await (const chunk of createReadStream(input)) sourceSha256.update(chunk);
mkdirSync(outDir, { recursive: true });
writeFileSync(resolve(outDir, outName), gz);

const readme = `# Bundled demo data

## \`${outName}\` — UCI Online Retail, December 2010

A slice of the **Online Retail** dataset: all ${kept.length.toLocaleString('en')} invoice lines dated December 2010
(\`InvoiceDate\` from ${firstDate} to ${lastDate}, the last December date in the data), with the original header, in
the original order and byte for byte as in the source CSV. Gzip-compressed; load it with
\`loadDataset(bundledDataPath('online-retail-2010-12'), 'online-retail')\`.

- Source: UCI Machine Learning Repository, "Online Retail" (id 352),
  https://archive.ics.uci.edu/dataset/352/online+retail — all transactions of a UK-based, registered, non-store
  online retailer of all-occasion gifts between 2010-12-01 and 2011-12-09. Donated by Dr Daqing Chen, London South Bank
  University.
- Citation: Chen, D., Sain, S. L. & Guo, K. (2012). "Data mining for the online retail industry: A case study of RFM
  model-based customer segmentation using data mining". *Journal of Database Marketing and Customer Strategy
  Management* 19(3), 197–208.
- Licence: Creative Commons Attribution 4.0 International (CC BY 4.0),
  https://creativecommons.org/licenses/by/4.0/. This file is an excerpt (a subset of rows, otherwise unchanged) of the
  original; the excerpt is redistributed under the same licence.
- Made from: \`${SOURCE_NAME}\` (the first nine months of the dataset, ${dataRows.toLocaleString('en')} data rows,
  sha256 \`${sourceSha256.digest('hex')}\`), itself converted from the original xlsx, by
  \`datasets/scripts/make-online-retail-slice.mjs\` (rows whose \`InvoiceDate\` starts with \`${MONTH}\`).

| file | bytes | data rows | sha256 |
|---|---:|---:|---|
| \`${outName}\` | ${gz.length.toLocaleString('en')} | ${kept.length.toLocaleString('en')} | \`${sha256}\` |

Columns: \`InvoiceNo\` (a leading \`C\` marks a cancellation), \`StockCode\`, \`Description\`, \`Quantity\`,
\`InvoiceDate\` (\`YYYY-MM-DD HH:MM:SS\`, UK local time — GMT in December), \`UnitPrice\` (GBP), \`CustomerID\` (empty for
guest orders), \`Country\`. RFC 4180 quoting; LF line endings; UTF-8.
`;
writeFileSync(resolve(outDir, 'README.md'), readme);
console.log(
  JSON.stringify({
    output: resolve(outDir, outName),
    rows: kept.length,
    sourceRows: dataRows,
    bytes: gz.length,
    sha256,
  }),
);
