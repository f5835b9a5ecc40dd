import type { CatalogItem } from '@encore/core';
import type { CatalogFileReport } from '../report.js';
import type { ParseContext } from './format-spec.js';
import { type InputFile, readLines } from './reader.js';
import { Tally } from './tally.js';

/**
 * Reads a catalog side file (`u.item`, `movies.dat`) line by line. `parse` returns a CatalogItem or
 * a rejection reason; a repeated id is rejected (the first one wins). Strict mode throws on the
 * first bad line, naming the side file.
 */
export async function readCatalogFile(
  context: ParseContext,
  file: InputFile,
  encoding: 'utf8' | 'latin1',
  parse: (line: string) => CatalogItem | string,
): Promise<{ catalog: Map<string, CatalogItem>; report: CatalogFileReport }> {
  const { options } = context;
  const tally = new Tally(context.where, file.path, options);
  const catalog = new Map<string, CatalogItem>();
  const handler = {
    line(line: string, lineNo: number): void {
      const item = parse(line);
      if (typeof item === 'string') tally.reject(lineNo, item);
      else if (catalog.has(item.id))
        tally.reject(lineNo, `duplicate id ${JSON.stringify(item.id)}, expected each id once`);
      else {
        catalog.set(item.id, item);
        tally.accept();
      }
    },
  };
  const spec = { where: context.where, file, encoding, signal: options.signal, onProgress: null };
  for await (const _ of readLines(spec, handler, tally)) {
    // catalog files are small: nothing to hand on between chunks
  }
  return { catalog, report: tally.catalogReport() };
}
