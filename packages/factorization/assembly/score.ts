// Batch top-K scoring in WebAssembly SIMD (AssemblyScript): for a chunk of customers, the scores
// of every item, U_chunk · Vᵀ, as a small GEMM blocked the way GotoBLAS blocks one (Goto & van de
// Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008): the item
// factors are cut into tiles that stay in L2 while every customer of the chunk passes over them,
// and a register-blocked micro-kernel computes 4 customers × 8 items at a time in eight f32x4
// accumulators, from item panels packed once per job so that factor j of 8 consecutive items is
// two adjacent vectors. Each customer keeps a bounded min-heap of its k best items across tiles.
//
// Arithmetic: each score is the sequential float32 sum over j of float32 products (no FMA), the
// same rounding as `scoreRange`'s TypeScript kernel and the naive reference, so all three give
// the same bits. Ties rank the lower item index first; excluded items, items outside the allow
// mask, NaN and -Infinity scores never enter a list.
//
// Everything lives in one shared linear memory the caller lays out (src/internal/score-wasm.ts);
// pointers are byte offsets. The module owns no data segment and no heap.

/** Customers per micro-kernel block. */
const MB: i32 = 4;

/** Σⱼ u[j]·v[j] over four customers' rows u0 … u3 and one packed panel of 8 items, stored as 4 rows of 8 scores `stride` bytes apart. */
function microKernel(
  u0: usize,
  u1: usize,
  u2: usize,
  u3: usize,
  panel: usize,
  f: i32,
  out: usize,
  stride: usize,
): void {
  let a00 = f32x4.splat(0);
  let a01 = f32x4.splat(0);
  let a10 = f32x4.splat(0);
  let a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0);
  let a21 = f32x4.splat(0);
  let a30 = f32x4.splat(0);
  let a31 = f32x4.splat(0);
  for (let j: i32 = 0; j < f; j++) {
    const o = (<usize>j) << 2;
    const p = panel + ((<usize>j) << 5);
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const s0 = v128.load32_splat(u0 + o);
    a00 = f32x4.add(a00, f32x4.mul(s0, v0));
    a01 = f32x4.add(a01, f32x4.mul(s0, v1));
    const s1 = v128.load32_splat(u1 + o);
    a10 = f32x4.add(a10, f32x4.mul(s1, v0));
    a11 = f32x4.add(a11, f32x4.mul(s1, v1));
    const s2 = v128.load32_splat(u2 + o);
    a20 = f32x4.add(a20, f32x4.mul(s2, v0));
    a21 = f32x4.add(a21, f32x4.mul(s2, v1));
    const s3 = v128.load32_splat(u3 + o);
    a30 = f32x4.add(a30, f32x4.mul(s3, v0));
    a31 = f32x4.add(a31, f32x4.mul(s3, v1));
  }
  v128.store(out, a00);
  v128.store(out, a01, 16);
  v128.store(out + stride, a10);
  v128.store(out + stride, a11, 16);
  v128.store(out + 2 * stride, a20);
  v128.store(out + 2 * stride, a21, 16);
  v128.store(out + 3 * stride, a30);
  v128.store(out + 3 * stride, a31, 16);
}

/** a ranks below b: a lower score, or the same score and a higher item index. */
function worse(as: f32, ai: i32, bs: f32, bi: i32): bool {
  return as < bs || (as === bs && ai > bi);
}

/** Moves (s, i) down from the root of the min-heap hs/hi of `size` entries to its place. */
function siftDown(hs: usize, hi: usize, size: i32, s: f32, i: i32): void {
  let c: i32 = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    let w = l;
    const r = l + 1;
    if (
      r < size &&
      worse(
        load<f32>(hs + ((<usize>r) << 2)),
        load<i32>(hi + ((<usize>r) << 2)),
        load<f32>(hs + ((<usize>l) << 2)),
        load<i32>(hi + ((<usize>l) << 2)),
      )
    ) {
      w = r;
    }
    const ws = load<f32>(hs + ((<usize>w) << 2));
    const wi = load<i32>(hi + ((<usize>w) << 2));
    if (!worse(ws, wi, s, i)) break;
    store<f32>(hs + ((<usize>c) << 2), ws);
    store<i32>(hi + ((<usize>c) << 2), wi);
    c = w;
  }
  store<f32>(hs + ((<usize>c) << 2), s);
  store<i32>(hi + ((<usize>c) << 2), i);
}

/**
 * Offers item i with score s (already known to beat the threshold) to customer c's heap of
 * capacity cap; returns the new threshold (-Infinity until the heap is full, then its root).
 */
function offer(hs: usize, hi: usize, sizes: usize, c: usize, cap: i32, s: f32, i: i32): f32 {
  const size = load<i32>(sizes + (c << 2));
  if (size < cap) {
    let at = size;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const ps = load<f32>(hs + ((<usize>parent) << 2));
      const pi = load<i32>(hi + ((<usize>parent) << 2));
      if (!worse(s, i, ps, pi)) break;
      store<f32>(hs + ((<usize>at) << 2), ps);
      store<i32>(hi + ((<usize>at) << 2), pi);
      at = parent;
    }
    store<f32>(hs + ((<usize>at) << 2), s);
    store<i32>(hi + ((<usize>at) << 2), i);
    store<i32>(sizes + (c << 2), size + 1);
    return size + 1 === cap ? load<f32>(hs) : -Infinity;
  }
  siftDown(hs, hi, size, s, i);
  return load<f32>(hs);
}

/**
 * Scores chunk positions [from, to) (at most `chunk` of them) against all items and writes each
 * one's best k items to outIds / outScores (row p − from, k entries, best first; -1 / -Infinity
 * pad a list with fewer than k candidates).
 *
 * users: rows aligned to positions (position p's factors at users + p·f·4). panels: the item
 * factors packed 8 items a panel, factor j of item 8q + l at panels + (q·8f + 8j + l)·4, zero past
 * the last item. exIndptr / exIndices: a CSR whose row p lists position p's excluded items,
 * ascending (exIndptr 0: none). allow: one byte per item, 0 = never recommend (0: all allowed).
 * tile: items per tile, a multiple of 8. Scratch: tileScores (4·tile f32), heapScores and heapIds
 * (chunk·cap each, cap = min(k, items) ≥ 1), sizes, exAt (chunk i32 each), thresholds (chunk f32).
 */
export function scoreChunk(
  users: usize,
  panels: usize,
  f: i32,
  items: i32,
  exIndptr: usize,
  exIndices: usize,
  allow: usize,
  k: i32,
  from: i32,
  to: i32,
  tile: i32,
  tileScores: usize,
  heapScores: usize,
  heapIds: usize,
  sizes: usize,
  exAt: usize,
  thresholds: usize,
  outIds: usize,
  outScores: usize,
): void {
  const n = to - from;
  const cap = min(k, items);
  const rowBytes = (<usize>f) << 2;
  const panelBytes = (<usize>f) << 5;
  const heapBytes = (<usize>cap) << 2;
  const stride = (<usize>tile) << 2;
  for (let c: i32 = 0; c < n; c++) {
    const cc = (<usize>c) << 2;
    store<i32>(sizes + cc, 0);
    store<f32>(thresholds + cc, -Infinity);
    store<i32>(exAt + cc, exIndptr === 0 ? 0 : load<i32>(exIndptr + ((<usize>(from + c)) << 2)));
  }
  for (let t0: i32 = 0; t0 < items; t0 += tile) {
    const tn = min(tile, items - t0);
    const t1 = t0 + tn;
    const firstPanel = panels + <usize>(t0 >> 3) * panelBytes;
    const tilePanels = (tn + 7) >> 3;
    for (let b0: i32 = 0; b0 < n; b0 += MB) {
      const m = min(MB, n - b0);
      const u0 = users + <usize>(from + b0) * rowBytes;
      // A short block repeats its first customer; those rows are computed and ignored.
      const u1 = m > 1 ? u0 + rowBytes : u0;
      const u2 = m > 2 ? u0 + 2 * rowBytes : u0;
      const u3 = m > 3 ? u0 + 3 * rowBytes : u0;
      for (let q: i32 = 0; q < tilePanels; q++) {
        microKernel(u0, u1, u2, u3, firstPanel + <usize>q * panelBytes, f, tileScores + ((<usize>q) << 5), stride);
      }
      for (let b: i32 = 0; b < m; b++) {
        const c = b0 + b;
        const cc = (<usize>c) << 2;
        const row = tileScores + <usize>b * stride;
        // Excluded items of this tile (ascending, so one pointer per customer walks them once).
        if (exIndptr !== 0) {
          let e = load<i32>(exAt + cc);
          const end = load<i32>(exIndptr + ((<usize>(from + c + 1)) << 2));
          for (; e < end; e++) {
            const item = load<i32>(exIndices + ((<usize>e) << 2));
            if (item >= t1) break;
            if (item >= t0) store<f32>(row + ((<usize>(item - t0)) << 2), -Infinity);
          }
          store<i32>(exAt + cc, e);
        }
        const hs = heapScores + <usize>c * heapBytes;
        const hi = heapIds + <usize>c * heapBytes;
        let threshold = load<f32>(thresholds + cc);
        let bar = f32x4.splat(threshold);
        // Four scores per compare: most items of a long list fail the threshold at once.
        for (let t: i32 = 0; t < tn; t += 4) {
          if (!v128.any_true(f32x4.gt(v128.load(row + ((<usize>t) << 2)), bar))) continue;
          const lanes = min(4, tn - t);
          for (let l: i32 = 0; l < lanes; l++) {
            const s = load<f32>(row + ((<usize>(t + l)) << 2));
            if (!(s > threshold)) continue;
            const item = t0 + t + l;
            if (allow !== 0 && load<u8>(allow + <usize>item) === 0) continue;
            threshold = offer(hs, hi, sizes, <usize>c, cap, s, item);
          }
          bar = f32x4.splat(threshold);
        }
        store<f32>(thresholds + cc, threshold);
      }
    }
  }
  // Pop each heap worst-first into its row from the back: best first, ties on the lower index.
  for (let c: i32 = 0; c < n; c++) {
    const hs = heapScores + <usize>c * heapBytes;
    const hi = heapIds + <usize>c * heapBytes;
    const ids = outIds + ((<usize>c * <usize>k) << 2);
    const scores = outScores + ((<usize>c * <usize>k) << 2);
    let size = load<i32>(sizes + ((<usize>c) << 2));
    for (let t = size; t < k; t++) {
      store<i32>(ids + ((<usize>t) << 2), -1);
      store<f32>(scores + ((<usize>t) << 2), -Infinity);
    }
    while (size > 0) {
      size--;
      store<f32>(scores + ((<usize>size) << 2), load<f32>(hs));
      store<i32>(ids + ((<usize>size) << 2), load<i32>(hi));
      if (size > 0) siftDown(hs, hi, size, load<f32>(hs + ((<usize>size) << 2)), load<i32>(hi + ((<usize>size) << 2)));
    }
  }
}
