import { EncoreError, ErrorCode } from '@encore/core';
import { EVENT_FIELDS, type EventField } from './options.js';

/**
 * Reads a column mapping written as text, `field=column` pairs separated by commas, into the
 * `options.columns` map of the `csv` format (column → field); what a `--columns` flag passes on.
 *
 * `field` is an EventField (`userId`, `itemId`, `timestamp`, `rating`, …); `column` is a header
 * name, taken after the first `=` up to the next comma (so it may hold `=` and spaces, but no
 * comma); both ends of each name are trimmed. Each field and each column may appear once.
 *
 * Throws INVALID_ARGUMENT naming the bad pair (its 1-based position and text; details
 * `{ value, pair, position }`): an empty text or pair, a pair without `=`, a field that is not an
 * EventField, an empty column name, a field or a column mapped twice.
 *
 * @example
 * const columns = parseColumnMapping('userId=user,itemId=item,rating=rating,timestamp=timestamp');
 * await loadDataset('ratings.csv', 'csv', { columns, type: 'rate' });
 */
export function parseColumnMapping(text: string): ReadonlyMap<string, EventField> {
  const where = 'datasets/parseColumnMapping';
  if (typeof text !== 'string') {
    throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `${where}: the mapping must be a string of field=column pairs`, {
      value: text,
    });
  }
  if (text.trim() === '') {
    throw new EncoreError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: must name at least one field=column pair, e.g. userId=user,itemId=item`,
      { value: text },
    );
  }
  const columns = new Map<string, EventField>();
  const fields = new Set<string>();
  text.split(',').forEach((raw, i) => {
    const pair = raw.trim();
    const fail = (problem: string): never => {
      throw new EncoreError(ErrorCode.INVALID_ARGUMENT, `${where}: pair ${i + 1} ${JSON.stringify(pair)}${problem}`, {
        value: text,
        pair,
        position: i + 1,
      });
    };
    if (pair === '') fail(' is empty, expected field=column');
    const eq = pair.indexOf('=');
    if (eq < 0) fail(' has no "=", expected field=column, e.g. userId=user');
    const field = pair.slice(0, eq).trim();
    const column = pair.slice(eq + 1).trim();
    if (!(EVENT_FIELDS as readonly string[]).includes(field)) {
      const reversed = (EVENT_FIELDS as readonly string[]).includes(column) ? ` (write ${column}=${field})` : '';
      fail(
        `: ${JSON.stringify(field)} is not an event field, expected field=column with field one of ${EVENT_FIELDS.join(', ')}${reversed}`,
      );
    }
    if (column === '') fail(': the column name is empty, expected field=column');
    if (fields.has(field)) fail(` maps ${field} a second time, expected each field once`);
    if (columns.has(column)) fail(` maps column ${JSON.stringify(column)} a second time, expected each column once`);
    fields.add(field);
    columns.set(column, field as EventField);
  });
  return columns;
}
