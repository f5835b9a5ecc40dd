import type { Rng } from '@encore/core';

/**
 * Alias tables for O(1) weighted sampling (Vose, "A linear algorithm for generating random
 * numbers with a given distribution", IEEE TSE 1991; after Walker 1977).
 *
 * Several tables share one pair of arrays: a table is a segment `[start, start + length)` and
 * `alias` holds segment-relative indices, so per-category tables over 100k items cost two flat
 * arrays instead of thousands of small ones.
 */
export interface AliasTables {
  readonly prob: Float64Array;
  readonly alias: Int32Array;
}

/** Allocates room for alias tables whose segments add up to `size` entries. */
export function allocAlias(size: number): AliasTables {
  return { prob: new Float64Array(size), alias: new Int32Array(size) };
}

/**
 * Builds the alias table of `weights[start .. start + length)` into the same segment of `tables`.
 * Weights must be ≥ 0; an all-zero segment samples uniformly. `scratch` needs `length` entries.
 */
export function buildAliasSegment(
  weights: Float64Array,
  start: number,
  length: number,
  tables: AliasTables,
  scratch: Int32Array,
): void {
  const { prob, alias } = tables;
  let total = 0;
  for (let i = 0; i < length; i++) total += weights[start + i] as number;
  if (!(total > 0)) {
    for (let i = 0; i < length; i++) {
      prob[start + i] = 1;
      alias[start + i] = i;
    }
    return;
  }
  // Scaled probabilities go into `prob`; `scratch` holds the small stack from the bottom and
  // the large stack from the top, so one scratch array serves both.
  let small = 0;
  let large = length;
  for (let i = 0; i < length; i++) {
    const p = ((weights[start + i] as number) * length) / total;
    prob[start + i] = p;
    alias[start + i] = i;
    if (p < 1) scratch[small++] = i;
    else scratch[--large] = i;
  }
  while (small > 0 && large < length) {
    const s = scratch[--small] as number;
    const l = scratch[large] as number;
    alias[start + s] = l;
    const pl = (prob[start + l] as number) + (prob[start + s] as number) - 1;
    prob[start + l] = pl;
    if (pl < 1) {
      large++;
      scratch[small++] = l;
    }
  }
  // Whatever is left is 1 up to rounding error.
  while (small > 0) prob[start + (scratch[--small] as number)] = 1;
  while (large < length) prob[start + (scratch[large++] as number)] = 1;
}

/**
 * Draws a segment-relative index from the alias table at `[start, start + length)`. One uniform
 * serves both choices: its integer part picks the column, its fraction the side (a 32-bit draw
 * leaves ≥ 15 bits of fraction for tables up to 100k entries, plenty for a simulation).
 */
export function sampleAlias(tables: AliasTables, start: number, length: number, rng: Rng): number {
  const u = rng.next() * length;
  const i = Math.floor(u);
  return u - i < (tables.prob[start + i] as number) ? i : (tables.alias[start + i] as number);
}

/**
 * Poisson variate: Knuth's multiplication method for small means, a rounded normal approximation
 * above 30 (where Knuth's loop gets slow and, past ~700, exp(-mean) underflows).
 */
export function poisson(mean: number, rng: Rng): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Standard normal variate (Box–Muller; one of the pair is discarded to keep the stream simple). */
export function normal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
