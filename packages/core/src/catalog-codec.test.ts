import { describe, expect, it } from 'vitest';
import { type Catalog, catalogFrom } from './catalog.js';
import { decodeCatalog, encodeCatalog } from './catalog-codec.js';
import { ErrorCode } from './errors.js';
import { decodeModelFile, encodeModelFile } from './model-file.js';

const catalog: Catalog = catalogFrom([
  {
    id: '85123A',
    title: 'WHITE HANGING HEART T-LIGHT HOLDER',
    categoryPath: ['Home', 'Lighting'],
    price: 2.55,
    margin: 0.4,
    stock: 12,
  },
  {
    id: '__proto__',
    title: '',
    ratingMean: 4.5,
    ratingCount: 10,
    attributes: new Map<string, string | number | boolean>([
      ['colour', 'red'],
      ['new', true],
    ]),
  },
  { id: 'caffè', stock: -2 },
]);

describe('catalog files', () => {
  it('round-trip every field, keeping absent fields absent and an empty title empty', () => {
    const back = decodeCatalog(encodeCatalog(catalog));
    expect([...back.keys()]).toEqual([...catalog.keys()]);
    for (const [id, item] of catalog) expect(back.get(id)).toEqual(item);
    expect('title' in (back.get('caffè') as object)).toBe(false);
  });

  it('validate each item on the way in', () => {
    const file = decodeModelFile(encodeCatalog(catalog));
    const sections: Record<string, unknown> = {};
    for (const name of ['ids', 'titles', 'categoryNames', 'attributes']) sections[name] = file.strings(name);
    sections.flags = file.uint8('flags');
    sections.categoryIndptr = file.int32('categoryIndptr');
    for (const name of ['price', 'margin', 'stock', 'ratingMean', 'ratingCount'])
      sections[name] = file.float64(name).slice();
    (sections.price as Float64Array)[0] = -1;
    const forged = encodeModelFile({ family: 'catalog', version: 1, meta: file.meta, sections } as never);
    expect(() => decodeCatalog(forged)).toThrow(
      expect.objectContaining({ code: ErrorCode.MODEL_FORMAT, message: expect.stringMatching(/85123A.*price/) }),
    );
  });
});
