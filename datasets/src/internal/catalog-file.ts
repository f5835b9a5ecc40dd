import type { CatalogItem } from '@encore/core';
import type { CatalogFileReport } from '../report.js';
import { show } from './fields.js';
import type { ParseContext } from './format-spec.js';
import { type InputFile, readLines } from './reader.js';
import { parseError, Tally } from './tally.js';

/** Counts a repair of the line being parsed (a warning of the side file's report). */
export type Warn = (key: 'titleTruncated', reason: string) => void;

/**
 * Reads a catalog side file (`u.item`, `movies.dat`, `movies.csv`) line by line. `parse` returns a
 * CatalogItem or a rejection reason, and may `warn` about a repair; a repeated id is rejected (the
 * first one wins). With `header`, the first line must be exactly that header (else PARSE_ERROR).
 * Strict mode throws on the first bad or repaired line, naming the side file. `what` names the file
 * for the not-this-format error (see readLines).
 */
export async function readCatalogFile(
  context: ParseContext,
  file: InputFile,
  encoding: 'utf8' | 'latin1',
  what: string,
  parse: (line: string, warn: Warn) => CatalogItem | string,
  header?: string,
): Promise<{ catalog: Map<string, CatalogItem>; report: CatalogFileReport }> {
  const { options } = context;
  const tally = new Tally(context.where, file.path, options, { warnings: ['titleTruncated'] });
  const catalog = new Map<string, CatalogItem>();
  let lineNo = 0;
  const warn: Warn = (key, reason) => tally.warn(lineNo, key, reason);
  const handler = {
    header:
      header === undefined
        ? undefined
        : (line: string, at: number): void => {
            if (line.trim() !== header) {
              throw parseError(context.where, file.path, at, `header must be ${header}, found ${show(line)}`);
            }
          },
    line(line: string, at: number): void {
      lineNo = at;
      const item = parse(line, warn);
      if (typeof item === 'string') tally.reject(lineNo, item);
      else if (catalog.has(item.id))
        tally.reject(lineNo, `duplicate id ${JSON.stringify(item.id)}, expected each id once`);
      else {
        catalog.set(item.id, item);
        tally.accept();
      }
    },
  };
  const spec = { where: context.where, what, file, encoding, signal: options.signal, onProgress: null };
  for await (const _ of readLines(spec, handler, tally)) {
    // catalog files are small: nothing to hand on between chunks
  }
  return { catalog, report: tally.catalogReport() };
}
