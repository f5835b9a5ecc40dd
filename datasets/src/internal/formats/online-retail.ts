import {
  ANONYMOUS_PREFIX,
  type CatalogItem,
  checkTimestamp,
  DEVICE_PREFIX,
  eventTypeCode,
  isAnonymousCustomer,
  MAX_TITLE_LENGTH,
} from '@encore/core';
import { cutText, fitsFloat32, idProblem, ownString, show, splitPlain, splitQuoted } from '../fields.js';
import { emptyRowFields, type FormatSpec } from '../format-spec.js';
import { LondonClock, parseUkDateTime } from '../london-time.js';
import { parseError } from '../tally.js';

const PURCHASE = eventTypeCode('purchase');
const RETURN = eventTypeCode('return');

/**
 * StockCodes of Online Retail / Online Retail II lines that are not products: postage (POST, DOT,
 * C2), manual entries (M, m), discounts (D), samples (S), bank and marketplace fees (BANK CHARGES,
 * AMAZONFEE), cushion pads sold at 0.001 (PADS), charity (CRUK), bad-debt adjustments (B, ADJUST…),
 * plus every code starting with `gift_` (gift vouchers) or `TEST`.
 */
export const ONLINE_RETAIL_NON_PRODUCT_CODES: readonly string[] = Object.freeze([
  'POST',
  'DOT',
  'C2',
  'M',
  'm',
  'D',
  'S',
  'B',
  'BANK CHARGES',
  'AMAZONFEE',
  'PADS',
  'CRUK',
  'ADJUST',
  'ADJUST2',
]);

const NON_PRODUCT = new Set(ONLINE_RETAIL_NON_PRODUCT_CODES);

function isNonProduct(code: string): boolean {
  return NON_PRODUCT.has(code) || code.startsWith('gift_') || code.startsWith('TEST');
}

/** Header spellings (Online Retail, Online Retail II) of each column. */
const COLUMNS = {
  invoice: ['InvoiceNo', 'Invoice'],
  stockCode: ['StockCode'],
  description: ['Description'],
  quantity: ['Quantity'],
  date: ['InvoiceDate'],
  price: ['UnitPrice', 'Price'],
  customer: ['CustomerID', 'Customer ID'],
} as const;

const NOT_FLOAT32 = 'must be a finite number within float32 range (below 3.4e38)';
const RESERVED_CUSTOMER = `CustomerID must not start with "${ANONYMOUS_PREFIX}" or "${DEVICE_PREFIX}" (reserved for anonymous and device customers)`;

/**
 * Prefix of the anonymousId of a guest (a row without CustomerID): one guest per invoice. As a
 * customer (core's `defaultCustomers`) a guest reads `anonymous:guest-invoice:<InvoiceNo>`.
 */
export const GUEST_INVOICE_PREFIX = 'guest-invoice:';

/**
 * UCI Online Retail (and Online Retail II) CSV. Every invoice line is one of:
 * - a `purchase` (quantity > 0) or, on a `C` invoice (a cancellation), a `return` with the quantity
 *   made positive; orderId = InvoiceNo, price = UnitPrice, timestamp = InvoiceDate read as London
 *   time; userId = CustomerID, or for guests anonymousId `guest-invoice:<InvoiceNo>`;
 * - skipped `nonProductStockCode` (see ONLINE_RETAIL_NON_PRODUCT_CODES), `stockAdjustment` (not a
 *   cancellation and quantity ≤ 0: damages, corrections) or `cancellationNotNegative` (a `C`
 *   invoice whose quantity is ≥ 0);
 * - rejected when malformed (field count, empty ids, a quantity or price that is not a number
 *   finite as a float32, a bad date or one outside `options.timeRange`, a negative price on a
 *   product line, a CustomerID starting with `anonymous:` or `device:`).
 *
 * Country is a property of the customer, not of the item or the event, so it is not loaded.
 * The catalog has every StockCode of an accepted line, titled with the first non-empty
 * Description of an accepted line (trimmed; descriptions of skipped lines are notes like
 * "damaged"). A Description longer than MAX_TITLE_LENGTH (1,000) characters is cut to it and the
 * line counted as a `titleTruncated` warning; the event is kept.
 *
 * Counts: `cancellationRows` and `guestRows` (non-rejected lines), `zeroPriceEvents`,
 * `itemsWithConflictingDescriptions` (StockCodes whose accepted lines carry more than one
 * description; the first is the title), `catalogItems`, `untitledItems` (no description at all).
 */
export const ONLINE_RETAIL: FormatSpec = {
  what: 'an Online Retail CSV file',
  encoding: 'utf8',
  warningKeys: ['titleTruncated'],
  countKeys: [
    'cancellationRows',
    'guestRows',
    'zeroPriceEvents',
    'itemsWithConflictingDescriptions',
    'catalogItems',
    'untitledItems',
  ],
  skipKeys: ['nonProductStockCode', 'stockAdjustment', 'cancellationNotNegative'],
  create({ where, path, sink, tally, options }) {
    const cells: string[] = [];
    const fields = emptyRowFields();
    const clock = new LondonClock();
    const { timeRange } = options;
    /** StockCode → title ('' until a description is seen). */
    const titles = new Map<string, string>();
    const conflicting = new Set<string>();
    let width = 0;
    let invoiceCol = -1;
    let stockCol = -1;
    let descriptionCol = -1;
    let quantityCol = -1;
    let dateCol = -1;
    let priceCol = -1;
    let customerCol = -1;

    return {
      header(line, lineNo) {
        const n = line.includes('"') ? splitQuoted(line, ',', cells) : splitPlain(line, ',', cells);
        if (typeof n === 'string') throw parseError(where, path, lineNo, `header: ${n}`);
        const names = cells.slice(0, n).map((name) => name.trim());
        const find = (spellings: readonly string[]): number => {
          for (const spelling of spellings) {
            const col = names.indexOf(spelling);
            if (col >= 0) return col;
          }
          throw parseError(
            where,
            path,
            lineNo,
            `header lacks column ${spellings.join(' / ')}, expected the Online Retail header (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)`,
          );
        };
        invoiceCol = find(COLUMNS.invoice);
        stockCol = find(COLUMNS.stockCode);
        descriptionCol = find(COLUMNS.description);
        quantityCol = find(COLUMNS.quantity);
        dateCol = find(COLUMNS.date);
        priceCol = find(COLUMNS.price);
        customerCol = find(COLUMNS.customer);
        width = n;
      },

      line(line, lineNo) {
        const n = line.indexOf('"') < 0 ? splitPlain(line, ',', cells) : splitQuoted(line, ',', cells);
        if (typeof n === 'string') return tally.reject(lineNo, n);
        if (n !== width)
          return tally.reject(lineNo, `expected ${width} comma-separated fields as in the header, found ${n}`);
        const invoice = cells[invoiceCol] as string;
        let problem = idProblem(invoice);
        if (problem) return tally.reject(lineNo, `InvoiceNo ${problem}`);
        const stockCode = cells[stockCol] as string;
        problem = idProblem(stockCode);
        if (problem) return tally.reject(lineNo, `StockCode ${problem}`);
        const quantityText = cells[quantityCol] as string;
        const quantity = quantityText.length === 0 ? Number.NaN : Number(quantityText);
        if (!Number.isFinite(quantity))
          return tally.reject(lineNo, `Quantity must be a number, found ${show(quantityText)}`);
        if (!fitsFloat32(quantity)) return tally.reject(lineNo, `Quantity ${NOT_FLOAT32}, found ${show(quantityText)}`);
        const dateText = cells[dateCol] as string;
        const timestamp = parseUkDateTime(dateText, clock);
        if (Number.isNaN(timestamp)) {
          return tally.reject(
            lineNo,
            `InvoiceDate must be YYYY-MM-DD HH:MM[:SS] or M/D/YYYY H:MM (UK time), found ${show(dateText)}`,
          );
        }
        const timeProblem = checkTimestamp(timestamp, timeRange);
        if (timeProblem !== undefined)
          return tally.reject(lineNo, `InvoiceDate ${timeProblem}, found ${show(dateText)}`);
        const priceText = cells[priceCol] as string;
        const price = priceText.length === 0 ? Number.NaN : Number(priceText);
        if (!Number.isFinite(price))
          return tally.reject(lineNo, `UnitPrice must be a number, found ${show(priceText)}`);
        if (!fitsFloat32(price)) return tally.reject(lineNo, `UnitPrice ${NOT_FLOAT32}, found ${show(priceText)}`);
        let customer = cells[customerCol] as string;
        // Spreadsheet exports of Online Retail II write the id as a float: 13085.0.
        if (customer.endsWith('.0')) customer = customer.slice(0, -2);
        if (customer.length > 0) {
          problem = idProblem(customer);
          if (problem) return tally.reject(lineNo, `CustomerID ${problem}`);
          if (isAnonymousCustomer(customer))
            return tally.reject(lineNo, `${RESERVED_CUSTOMER}, found ${show(customer)}`);
        }

        const cancellation = invoice.charCodeAt(0) === 67; // 'C'
        const product = !isNonProduct(stockCode);
        if (product && price < 0) {
          return tally.reject(lineNo, `UnitPrice must be ≥ 0 on a product line, found ${show(priceText)}`);
        }
        if (cancellation) tally.count('cancellationRows');
        if (customer.length === 0) tally.count('guestRows');
        if (!product) return tally.skip('nonProductStockCode');
        if (cancellation ? quantity >= 0 : quantity <= 0) {
          return tally.skip(cancellation ? 'cancellationNotNegative' : 'stockAdjustment');
        }

        let description = (cells[descriptionCol] as string).trim();
        if (description.length > MAX_TITLE_LENGTH) {
          tally.warn(
            lineNo,
            'titleTruncated',
            `Description of ${description.length} characters cut to ${MAX_TITLE_LENGTH} (MAX_TITLE_LENGTH)`,
          );
          description = cutText(description, MAX_TITLE_LENGTH);
        }
        const title = titles.get(stockCode);
        if (title === undefined) titles.set(ownString(stockCode), ownString(description));
        else if (title === '') {
          if (description.length > 0) titles.set(stockCode, ownString(description));
        } else if (description.length > 0 && description !== title && !conflicting.has(stockCode)) {
          conflicting.add(ownString(stockCode));
          tally.count('itemsWithConflictingDescriptions');
        }
        if (price === 0) tally.count('zeroPriceEvents');
        if (customer.length > 0) {
          fields.userId = customer;
          fields.anonymousId = undefined;
        } else {
          fields.userId = undefined;
          fields.anonymousId = GUEST_INVOICE_PREFIX + invoice;
        }
        fields.itemId = stockCode;
        fields.orderId = invoice;
        fields.quantity = cancellation ? -quantity : quantity;
        fields.price = price;
        sink.add(cancellation ? RETURN : PURCHASE, timestamp, fields);
        tally.accept();
      },

      async finish() {
        const catalog = new Map<string, CatalogItem>();
        let untitled = 0;
        for (const [id, title] of titles) {
          if (title === '') untitled++;
          catalog.set(id, title === '' ? { id } : { id, title });
        }
        tally.count('catalogItems', catalog.size);
        tally.count('untitledItems', untitled);
        return { catalog };
      },
    };
  },
};
