import { checkName, checkNumber, invalidArgument } from '@encore/core';
import type { CandidateSource } from '../candidates.js';

/**
 * Blending: the boundary check of a candidate source and score normalisation.
 */

/**
 * A well-formed CandidateSource with items in 0..n − 1, in O(m). (Repeated ids are found by
 * rankItems as it builds its candidate pool, without a second pass.)
 */
export function checkSource(where: string, value: unknown, at: number, n: number, seen: Set<string>): CandidateSource {
  const s = value as CandidateSource;
  const label = `sources[${at}]`;
  if (typeof value !== 'object' || value === null) {
    throw invalidArgument(where, `${label} must be a CandidateSource ({ name, ids, scores })`, value);
  }
  checkName(where, `${label}.name`, s.name);
  if (seen.has(s.name)) throw invalidArgument(where, `${label}.name repeats another source's name`, s.name);
  seen.add(s.name);
  if (!(s.ids instanceof Int32Array)) throw invalidArgument(where, `${label}.ids must be an Int32Array`, s.ids);
  if (!(s.scores instanceof Float32Array || s.scores instanceof Float64Array)) {
    throw invalidArgument(where, `${label}.scores must be a Float32Array or Float64Array`, s.scores);
  }
  const m = s.ids.length;
  if (s.scores.length !== m) {
    throw invalidArgument(where, `${label}: ids and scores must have the same length`, {
      ids: m,
      scores: s.scores.length,
    });
  }
  if (s.because !== undefined) {
    if (!(s.because instanceof Int32Array) || s.because.length !== m) {
      throw invalidArgument(where, `${label}.because must be an Int32Array of ${m} entries`, s.because?.length);
    }
  }
  if (s.weight !== undefined) checkNumber(where, `${label}.weight`, s.weight, 0);
  if (s.reason !== undefined && typeof s.reason !== 'string') {
    throw invalidArgument(where, `${label}.reason must be a string`, s.reason);
  }
  for (let p = 0; p < m; p++) {
    const i = s.ids[p] as number;
    if (!(i >= 0 && i < n)) throw invalidArgument(where, `${label}.ids[${p}] must be in 0..${n - 1}`, i);
    const score = s.scores[p] as number;
    if (!Number.isFinite(score)) throw invalidArgument(where, `${label}.scores[${p}] must be finite`, score);
    const b = s.because?.[p];
    if (b !== undefined && !(b >= -1))
      throw invalidArgument(where, `${label}.because[${p}] must be an item index or -1`, b);
  }
  return s;
}

/** The first position in ascending `sorted` whose value exceeds `x`. */
export function upperBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How a source's scores are put on a common scale before blending (see RankOptions.normalize). */
export type Normalization = 'rrf' | 'minmax' | 'none';

export const NORMALIZATIONS: readonly Normalization[] = Object.freeze(['rrf', 'minmax', 'none']);

/**
 * Normalises the scores of one source's surviving candidates, given as `values` (any order);
 * `rank` and `value` receive, position by position, the 1-based competition rank (tied scores share
 * the best rank, so input order never matters) and the normalised score:
 * - 'rrf': (c + 1) / (c + rank) — reciprocal rank fusion (Cormack, Clarke & Büttcher 2009) scaled
 *   so that each source's best candidate scores 1;
 * - 'minmax': (s − min) / (max − min), 1 for every candidate when all scores are equal;
 * - 'none': the raw score.
 * O(m) when the scores come best first (as topK, together, mergeCandidates and the curated lists
 * give them); otherwise O(m log m): a sorted copy and a binary search per candidate.
 */
export function normalizeScores(
  values: Float64Array,
  method: Normalization,
  rrfConstant: number,
  rank: Int32Array,
  value: Float64Array,
): void {
  const m = values.length;
  if (m === 0) return;
  let descending = true;
  for (let q = 1; q < m && descending; q++) descending = (values[q] as number) <= (values[q - 1] as number);
  const sorted = descending ? null : values.slice().sort();
  const min = sorted === null ? (values[m - 1] as number) : (sorted[0] as number);
  const max = sorted === null ? (values[0] as number) : (sorted[m - 1] as number);
  for (let q = 0; q < m; q++) {
    const s = values[q] as number;
    const r =
      sorted !== null
        ? m - upperBound(sorted, s) + 1
        : q > 0 && s === (values[q - 1] as number)
          ? (rank[q - 1] as number)
          : q + 1;
    rank[q] = r;
    value[q] =
      method === 'rrf'
        ? (rrfConstant + 1) / (rrfConstant + r)
        : method === 'minmax'
          ? max === min
            ? 1
            : (s - min) / (max - min)
          : s;
  }
}
