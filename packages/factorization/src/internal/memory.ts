import type { CsrAllocator } from '@encore/core';

/**
 * Where the arrays of an ALS fit or a scoring job live when the WebAssembly kernel does not run
 * (its WasmArena, one shared WebAssembly memory, is the third place): ordinary typed arrays, or
 * arrays on SharedArrayBuffers, which a worker thread receives shared, not copied.
 */
export const ORDINARY_MEMORY: CsrAllocator = Object.freeze({
  int32: (n: number) => new Int32Array(n),
  float32: (n: number) => new Float32Array(n),
  float64: (n: number) => new Float64Array(n),
});

export const SHARED_MEMORY: CsrAllocator = Object.freeze({
  int32: (n: number) => new Int32Array(new SharedArrayBuffer(4 * n)),
  float32: (n: number) => new Float32Array(new SharedArrayBuffer(4 * n)),
  float64: (n: number) => new Float64Array(new SharedArrayBuffer(8 * n)),
});
