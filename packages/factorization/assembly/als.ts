// The conjugate-gradient half-iteration of implicit ALS in WebAssembly SIMD (AssemblyScript).
//
// Same arithmetic as `solveCg` in src/als-kernel.ts (Takács, Pilászy & Tikk, RecSys 2011, as
// benfred/implicit's `_least_squares_cg`), in float32 four lanes at a time as implicit does in
// float32 with BLAS. Everything lives in one shared linear memory that the caller lays out: the
// CSR of the rows, both factor matrices, YᵀY, the partial Gramians and this call's scratch. The
// module owns no data segment and no heap, so every worker instantiates it over the same memory.
//
// Pointers are byte offsets; factor rows are f float32 apart (no padding: SIMD runs over
// f & ~3 lanes and a scalar tail takes the rest).

/** Σ lanes. */
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** a[0 … f) · b[0 … f). */
function dot(a: usize, b: usize, f: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let j: i32 = 0;
  const f8 = f & ~7;
  for (; j < f8; j += 8) {
    const o = (<usize>j) << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  for (; j < (f & ~3); j += 4) {
    const o = (<usize>j) << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; j < f; j++) s += load<f32>(a + ((<usize>j) << 2)) * load<f32>(b + ((<usize>j) << 2));
  return s;
}

/** out[0 … f) += a · v[0 … f). */
function axpy(a: f32, v: usize, out: usize, f: i32): void {
  const av = f32x4.splat(a);
  let j: i32 = 0;
  for (; j < (f & ~3); j += 4) {
    const o = (<usize>j) << 2;
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(av, v128.load(v + o))));
  }
  for (; j < f; j++) {
    const o = (<usize>j) << 2;
    store<f32>(out + o, load<f32>(out + o) + a * load<f32>(v + o));
  }
}

/** out = G·v for the f × f float32 matrix G (symmetric, λ already on its diagonal), four rows at a time. */
function symv(g: usize, v: usize, out: usize, f: i32): void {
  const f4 = f & ~3;
  const rowBytes = (<usize>f) << 2;
  let i: i32 = 0;
  for (; i + 4 <= f; i += 4) {
    const g0 = g + <usize>i * rowBytes;
    const g1 = g0 + rowBytes;
    const g2 = g1 + rowBytes;
    const g3 = g2 + rowBytes;
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let j: i32 = 0;
    for (; j < f4; j += 4) {
      const o = (<usize>j) << 2;
      const vv = v128.load(v + o);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(g0 + o), vv));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(g1 + o), vv));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(g2 + o), vv));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(g3 + o), vv));
    }
    let t0 = hsum(s0);
    let t1 = hsum(s1);
    let t2 = hsum(s2);
    let t3 = hsum(s3);
    for (; j < f; j++) {
      const o = (<usize>j) << 2;
      const vj = load<f32>(v + o);
      t0 += load<f32>(g0 + o) * vj;
      t1 += load<f32>(g1 + o) * vj;
      t2 += load<f32>(g2 + o) * vj;
      t3 += load<f32>(g3 + o) * vj;
    }
    v128.store(out + ((<usize>i) << 2), f32x4(t0, t1, t2, t3));
  }
  for (; i < f; i++) store<f32>(out + ((<usize>i) << 2), dot(g + <usize>i * rowBytes, v, f));
}

/** The confidence part of entry k: c − 1 = α·r with r the stored value (or 1 when binary). */
function valueAt(data: usize, k: i32, binary: bool): f32 {
  const raw = load<f32>(data + ((<usize>k) << 2));
  return binary ? (raw > 0 ? <f32>1 : <f32>0) : raw;
}

/** The upper triangle (from each row's aligned lane group on) of the f × f float32 block Gramian g += x xᵀ. */
function addOuter(g: usize, x: usize, f: i32): void {
  const rowBytes = (<usize>f) << 2;
  for (let i: i32 = 0; i < f; i++) {
    const xi = load<f32>(x + ((<usize>i) << 2));
    if (xi === 0) continue;
    const j0 = i & ~3;
    axpy(xi, x + ((<usize>j0) << 2), g + <usize>i * rowBytes + ((<usize>j0) << 2), f - j0);
  }
}

/** The float64 partial of one block: the upper triangle of the float32 block Gramian g, zeros below. */
function flushBlock(g: usize, out: usize, f: i32): void {
  for (let i: i32 = 0; i < f; i++) {
    for (let j: i32 = 0; j < f; j++) {
      const k = <usize>i * <usize>f + <usize>j;
      store<f64>(out + (k << 3), j >= i ? <f64>load<f32>(g + (k << 2)) : 0);
    }
  }
}

/**
 * The partial Gramians of rows [0, rows) of x, exactly as solveRows writes them for its new rows
 * (same blocks, same float32 accumulation): what seeds a fit's first YᵀY. scratch: 4·f² bytes.
 */
export function gramRows(x: usize, rows: i32, f: i32, blockRows: i32, gramPartials: usize, scratch: usize): void {
  const ff = <usize>f * <usize>f;
  const rowBytes = (<usize>f) << 2;
  for (let block: i32 = 0; block < rows; block += blockRows) {
    const blockEnd = min(rows, block + blockRows);
    memory.fill(scratch, 0, ff << 2);
    for (let u = block; u < blockEnd; u++) addOuter(scratch, x + <usize>u * rowBytes, f);
    flushBlock(scratch, gramPartials + <usize>(block / blockRows) * (ff << 3), f);
  }
}

/**
 * Solves rows [from, to) of one half-iteration in place and writes their blocks' partial Gramians
 * (float64, upper triangle, f × f per block of blockRows rows) and, when lossPartials ≠ 0, their
 * data-loss sums. `from` is a multiple of blockRows. gram64 is YᵀY (float64, without λ).
 * scratch: 4·(2f² + 5f) bytes of this call's own.
 */
export function solveRows(
  indptr: usize,
  indices: usize,
  data: usize,
  x: usize,
  y: usize,
  gram64: usize,
  gramPartials: usize,
  lossPartials: usize,
  f: i32,
  regularization: f32,
  alpha: f32,
  binary: bool,
  cgSteps: i32,
  from: i32,
  to: i32,
  blockRows: i32,
  scratch: usize,
): void {
  const ff = <usize>f * <usize>f;
  const rowBytes = (<usize>f) << 2;
  // scratch: A = YᵀY + λI (f32) | block Gramian (f32) | xv | r | p | ap
  const a = scratch;
  const blockGram = a + (ff << 2);
  const r = blockGram + (ff << 2);
  const p = r + rowBytes;
  const ap = p + rowBytes;
  for (let k: usize = 0; k < ff; k++) store<f32>(a + (k << 2), <f32>load<f64>(gram64 + (k << 3)));
  for (let i: i32 = 0; i < f; i++) {
    const d = a + ((<usize>i * <usize>f + <usize>i) << 2);
    store<f32>(d, load<f32>(d) + regularization);
  }
  for (let block = from; block < to; block += blockRows) {
    const blockEnd = min(to, block + blockRows);
    memory.fill(blockGram, 0, ff << 2);
    let loss: f64 = 0;
    for (let u = block; u < blockEnd; u++) {
      const start = load<i32>(indptr + ((<usize>u) << 2));
      const end = load<i32>(indptr + ((<usize>(u + 1)) << 2));
      const xu = x + <usize>u * rowBytes;
      if (start === end) {
        memory.fill(xu, 0, rowBytes);
        continue;
      }
      // r = b − A·x = −(YᵀY + λI)x + Σᵢ (cᵢpᵢ − (cᵢ − 1)(yᵢ·x)) yᵢ
      symv(a, xu, r, f);
      for (let j: i32 = 0; j < f; j++) {
        const o = r + ((<usize>j) << 2);
        store<f32>(o, -load<f32>(o));
      }
      for (let k = start; k < end; k++) {
        const value = valueAt(data, k, binary);
        const cm1 = alpha * value;
        const cp: f32 = value > 0 ? 1 + cm1 : 0;
        const yi = y + <usize>load<i32>(indices + ((<usize>k) << 2)) * rowBytes;
        axpy(cp - cm1 * dot(yi, xu, f), yi, r, f);
      }
      memory.copy(p, r, rowBytes);
      let rsold = <f64>dot(r, r, f);
      if (rsold >= 1e-20) {
        for (let step = 0; step < cgSteps; step++) {
          // ap = A·p without forming Yᵀ(C − I)Y
          symv(a, p, ap, f);
          for (let k = start; k < end; k++) {
            const cm1 = alpha * valueAt(data, k, binary);
            if (cm1 === 0) continue;
            const yi = y + <usize>load<i32>(indices + ((<usize>k) << 2)) * rowBytes;
            axpy(cm1 * dot(yi, p, f), yi, ap, f);
          }
          const stepSize = <f32>(rsold / <f64>dot(p, ap, f));
          axpy(stepSize, p, xu, f);
          axpy(-stepSize, ap, r, f);
          const rsnew = <f64>dot(r, r, f);
          if (rsnew < 1e-20) break;
          const beta = f32x4.splat(<f32>(rsnew / rsold));
          let j: i32 = 0;
          for (; j < (f & ~3); j += 4) {
            const o = (<usize>j) << 2;
            v128.store(p + o, f32x4.add(v128.load(r + o), f32x4.mul(beta, v128.load(p + o))));
          }
          for (; j < f; j++) {
            const o = (<usize>j) << 2;
            store<f32>(p + o, load<f32>(r + o) + <f32>(rsnew / rsold) * load<f32>(p + o));
          }
          rsold = rsnew;
        }
      }
      addOuter(blockGram, xu, f);
      if (lossPartials !== 0) {
        for (let k = start; k < end; k++) {
          const value = valueAt(data, k, binary);
          const cm1 = alpha * value;
          const cp: f64 = value > 0 ? 1 + <f64>cm1 : 0;
          const yi = y + <usize>load<i32>(indices + ((<usize>k) << 2)) * rowBytes;
          const d = <f64>dot(xu, yi, f);
          loss += <f64>cm1 * d * d - 2 * cp * d + cp;
        }
      }
    }
    const b = <usize>(block / blockRows);
    flushBlock(blockGram, gramPartials + b * (ff << 3), f);
    if (lossPartials !== 0) store<f64>(lossPartials + (b << 3), loss);
  }
}
