/**
 * The WebAssembly SIMD kernel of the ALS conjugate-gradient half-iteration (assembly/als.ts,
 * compiled into wasm/als.wasm at build time). A fit lays both CSRs, both factor matrices, the
 * Gramians, their partials and one scratch slot per thread into one WasmArena (internal/wasm.ts).
 */
import { instantiateOver, loadWasm, type WasmMemory, type WasmModule } from './wasm.js';

interface AlsExports {
  solveRows(
    indptr: number,
    indices: number,
    data: number,
    x: number,
    y: number,
    gram64: number,
    gramPartials: number,
    lossPartials: number,
    f: number,
    regularization: number,
    alpha: number,
    binary: number,
    cgSteps: number,
    from: number,
    to: number,
    blockRows: number,
    scratch: number,
  ): void;
  gramRows(x: number, rows: number, f: number, blockRows: number, gramPartials: number, scratch: number): void;
}

/** The compiled ALS kernel, or null when it cannot run here ({@link alsWasmUnavailableReason} says why). */
export function alsWasmModule(): WasmModule | null {
  return loadWasm('als').module;
}

/** Why {@link alsWasmModule} is null ('' when it is not). */
export function alsWasmUnavailableReason(): string {
  return loadWasm('als').reason;
}

/** float32 values of one thread's scratch slot for f factors: A = YᵀY + λI, a block Gramian, r, p, Ap. */
export function alsScratchFloats(f: number): number {
  return (2 * f * f + 3 * f + 3) & ~3;
}

/** What the kernel needs of a half-iteration (the fields of AlsHalf it reads). */
export interface AlsWasmHalf {
  readonly memory: WasmMemory;
  readonly scratch: Float32Array;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly gram: Float64Array;
  readonly gramPartials: Float64Array;
  readonly lossPartials: Float64Array | null;
  readonly factors: number;
  readonly regularization: number;
  readonly alpha: number;
  readonly binary: boolean;
  readonly cgSteps: number;
  readonly blockRows: number;
}

/**
 * Runs the kernel on rows [from, to) with scratch slot `slot`. Every array of `half` must be a
 * view of `half.memory` (as an {@link AlsArena} makes them); a view of any other buffer is refused.
 */
export function solveRowsWasm(half: AlsWasmHalf, from: number, to: number, slot: number): void {
  const { module, reason } = loadWasm('als');
  if (module === null) throw new Error(`factorization: the WebAssembly ALS kernel is unavailable: ${reason}`);
  const arrays: ArrayBufferView[] = [half.indptr, half.indices, half.data, half.x, half.y, half.gram];
  arrays.push(half.gramPartials, half.scratch);
  if (half.lossPartials !== null) arrays.push(half.lossPartials);
  const per = alsScratchFloats(half.factors);
  if ((slot + 1) * per > half.scratch.length) throw new RangeError(`factorization: no ALS scratch slot ${slot}`);
  const instance = instantiateOver(module, half.memory, arrays);
  (instance.exports as unknown as AlsExports).solveRows(
    half.indptr.byteOffset,
    half.indices.byteOffset,
    half.data.byteOffset,
    half.x.byteOffset,
    half.y.byteOffset,
    half.gram.byteOffset,
    half.gramPartials.byteOffset,
    half.lossPartials === null ? 0 : half.lossPartials.byteOffset,
    half.factors,
    half.regularization,
    half.alpha,
    half.binary ? 1 : 0,
    half.cgSteps,
    from,
    to,
    half.blockRows,
    half.scratch.byteOffset + 4 * slot * per,
  );
}

/**
 * The partial Gramians of the rows × f factors `x` (blocks of `blockRows` rows), exactly as
 * {@link solveRowsWasm} reports them for rows it solved: seeds a wasm fit's first YᵀY. `scratch`
 * holds at least f² float32s; every array must be a view of `memory`.
 */
export function gramRowsWasm(
  memory: WasmMemory,
  x: Float32Array,
  rows: number,
  f: number,
  blockRows: number,
  gramPartials: Float64Array,
  scratch: Float32Array,
): void {
  const { module, reason } = loadWasm('als');
  if (module === null) throw new Error(`factorization: the WebAssembly ALS kernel is unavailable: ${reason}`);
  if (x.length < rows * f || gramPartials.length < Math.ceil(rows / blockRows) * f * f || scratch.length < f * f) {
    throw new RangeError('factorization: gramRowsWasm arrays too short');
  }
  const instance = instantiateOver(module, memory, [x, gramPartials, scratch]);
  (instance.exports as unknown as AlsExports).gramRows(
    x.byteOffset,
    rows,
    f,
    blockRows,
    gramPartials.byteOffset,
    scratch.byteOffset,
  );
}
