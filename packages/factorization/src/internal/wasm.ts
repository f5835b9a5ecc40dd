/**
 * What Encore's WebAssembly kernels share: loading a compiled module from wasm/ (built by
 * AssemblyScript from assembly/ at build time) and the shared linear memory a kernel works in.
 *
 * A job lays every array its kernel touches into one shared `WebAssembly.Memory` (a
 * {@link WasmArena}); each thread instantiates the module over that memory and passes byte
 * offsets, so nothing is copied between calls or threads. The modules have no data segment and no
 * heap of their own: instantiating one over a memory in use never writes to it.
 */
import { readFileSync } from 'node:fs';

/**
 * The parts of the WebAssembly API used here, typed locally: @types/node 20 does not declare the
 * `WebAssembly` global (TypeScript's lib.dom does, and this package is not for browsers).
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmModule {
  readonly kind?: never;
}
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
export const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

/** 64 KiB WebAssembly pages; a wasm32 memory holds at most 65,536 of them (4 GiB). */
const PAGE = 65_536;
const MAX_PAGES = 65_536;

/** A compiled module, or why it cannot run here. */
export type WasmLoad =
  | { readonly module: WasmModule; readonly reason: '' }
  | { readonly module: null; readonly reason: string };

const loaded = new Map<string, WasmLoad>();

/**
 * Compiles wasm/<name>.wasm once per thread. The module is null when the file is not built or this
 * runtime lacks WebAssembly SIMD or shared memory; `reason` says which.
 */
export function loadWasm(name: string): WasmLoad {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  // Resolved from src/internal and from dist/internal alike.
  const file = new URL(`../../wasm/${name}.wasm`, import.meta.url);
  let result: WasmLoad;
  let bytes: Uint8Array | null = null;
  try {
    bytes = readFileSync(file);
  } catch {
    result = { module: null, reason: `${file.pathname} not found (build @encore/factorization: npm run build)` };
  }
  if (bytes !== null) {
    result =
      wasm === undefined || typeof SharedArrayBuffer !== 'function' || !wasm.validate(bytes)
        ? { module: null, reason: 'this runtime lacks WebAssembly SIMD or threads (shared memory)' }
        : { module: new wasm.Module(bytes), reason: '' };
  }
  loaded.set(name, result!);
  return result!;
}

/** Instances per memory and module: a fit's thread calls its kernel once per row range. */
const instances = new WeakMap<WasmMemory, Map<WasmModule, { readonly exports: unknown }>>();

/**
 * `module` instantiated over `memory` (once per thread, memory and module), after checking that
 * every array is a view inside the memory. Throws RangeError for an array outside the memory (a
 * caller bug, not bad user input).
 */
export function instantiateOver(
  module: WasmModule,
  memory: WasmMemory,
  arrays: readonly ArrayBufferView[],
): { readonly exports: unknown } {
  const size = memory.buffer.byteLength;
  for (const array of arrays) {
    if (!(array.buffer instanceof SharedArrayBuffer) || array.byteOffset + array.byteLength > size) {
      throw new RangeError('factorization: an array handed to a WebAssembly kernel is not in its memory');
    }
  }
  let byModule = instances.get(memory);
  if (byModule === undefined) {
    byModule = new Map();
    instances.set(memory, byModule);
  }
  let instance = byModule.get(module);
  if (instance === undefined) {
    instance = new wasm.Instance(module, { env: { memory } });
    byModule.set(module, instance);
  }
  return instance;
}

/**
 * A bump allocator over a shared, growable WebAssembly memory: the arrays of one ALS fit. Arrays
 * are 16-byte aligned (one SIMD lane group); offset 0 is never handed out. Views made before the
 * memory grows stay valid (a shared memory never moves). Every array starts zeroed, as in fresh
 * memory, including in an arena used again ({@link WasmArena.take}).
 */
export class WasmArena {
  readonly memory: WasmMemory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  #top = 16;
  /** The end of what earlier users of this memory wrote: handed out again, it is zeroed first. */
  #dirty = 0;

  /**
   * An arena for a fit: the one the last fit gave back ({@link release}), when there is one, else
   * a new one. A memory used again is memory the kernel has already touched: on a VM where the
   * first write to a page costs ~12 µs (3 ms per MB), that is most of a small fit's set-up (and
   * the calling thread keeps its kernel instance over it; a worker gets a new view each fit).
   */
  static take(): WasmArena {
    const arena = idleArena;
    if (arena === null) return new WasmArena();
    idleArena = null;
    return arena;
  }

  /**
   * Gives the arena back for the next {@link take}, once nothing reads its arrays any more (the
   * fit's results copied out, its threads done). One arena of at most {@link KEEP_ARENA_BYTES} is
   * kept per thread; a bigger one is left to the garbage collector.
   */
  release(): void {
    this.#dirty = Math.max(this.#dirty, this.#top);
    this.#top = 16;
    if (this.memory.buffer.byteLength <= KEEP_ARENA_BYTES) idleArena = this;
  }

  #allocate(bytes: number): number {
    const at = (this.#top + 15) & ~15;
    const top = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (top > have) {
      const pages = Math.ceil((top - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(`the arrays need ${top} bytes; a WebAssembly memory holds at most 4 GiB`);
      }
      this.memory.grow(pages);
    }
    if (at < this.#dirty) new Uint8Array(this.memory.buffer, at, Math.min(top, this.#dirty) - at).fill(0);
    this.#top = top;
    return at;
  }

  // Arrow properties, so `arena.float32` can be passed around unbound. The offset is taken before
  // `memory.buffer` is read: allocating may grow the memory, and only the new buffer spans it.
  readonly float32 = (length: number): Float32Array => {
    const at = this.#allocate(4 * length);
    return new Float32Array(this.memory.buffer, at, length);
  };

  readonly float64 = (length: number): Float64Array => {
    const at = this.#allocate(8 * length);
    return new Float64Array(this.memory.buffer, at, length);
  };

  readonly int32 = (length: number): Int32Array => {
    const at = this.#allocate(4 * length);
    return new Int32Array(this.memory.buffer, at, length);
  };
}

/** The largest arena kept for the next fit after {@link WasmArena.release} (64 MiB). */
export const KEEP_ARENA_BYTES = 64 << 20;

/** The arena the last fit released, for the next one to take. */
let idleArena: WasmArena | null = null;
