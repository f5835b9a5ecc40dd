/**
 * The WebAssembly SIMD kernel of batch top-K scoring (assembly/score.ts, compiled into
 * wasm/score.wasm at build time). A job lays the customers' factors, the packed item panels, the
 * aligned exclusions, the allow mask and one scratch slot per concurrent caller into one
 * WasmArena (internal/wasm.ts); each call scores a chunk of customers inside its slot and copies
 * the lists out.
 */
import { instantiateOver, loadWasm, type WasmMemory, type WasmModule } from './wasm.js';

interface ScoreExports {
  scoreChunk(
    users: number,
    panels: number,
    f: number,
    items: number,
    exIndptr: number,
    exIndices: number,
    allow: number,
    k: number,
    from: number,
    to: number,
    tile: number,
    tileScores: number,
    heapScores: number,
    heapIds: number,
    sizes: number,
    exAt: number,
    thresholds: number,
    outIds: number,
    outScores: number,
  ): void;
}

/** Customers per micro-kernel block (assembly/score.ts's MB) and items per packed panel. */
export const SCORE_BLOCK = 4;
export const SCORE_PANEL = 8;

/** The compiled scoring kernel, or null when it cannot run here ({@link scoreWasmUnavailableReason} says why). */
export function scoreWasmModule(): WasmModule | null {
  return loadWasm('score').module;
}

/** Why {@link scoreWasmModule} is null ('' when it is not). */
export function scoreWasmUnavailableReason(): string {
  return loadWasm('score').reason;
}

/** Where each region of one scratch slot starts, in float32 (= int32) elements from the slot's start. */
export interface ScoreScratchLayout {
  readonly tileScores: number;
  readonly heapScores: number;
  readonly heapIds: number;
  readonly sizes: number;
  readonly exAt: number;
  readonly thresholds: number;
  readonly outIds: number;
  readonly outScores: number;
  /** Elements of one slot (a multiple of 4, so every slot starts 16-byte aligned). */
  readonly floats: number;
}

/** The scratch layout for `chunk` customers, `tile` items a tile and lists of k (k ≤ items). */
export function scoreScratchLayout(chunk: number, tile: number, k: number): ScoreScratchLayout {
  let at = 0;
  const take = (n: number): number => {
    const start = at;
    at += (n + 3) & ~3;
    return start;
  };
  return {
    tileScores: take(SCORE_BLOCK * tile),
    heapScores: take(chunk * k),
    heapIds: take(chunk * k),
    sizes: take(chunk),
    exAt: take(chunk),
    thresholds: take(chunk),
    outIds: take(chunk * k),
    outScores: take(chunk * k),
    floats: at,
  };
}

/** What the kernel reads of a job (the fields of ScoringJob it needs). */
export interface ScoreWasmJob {
  readonly memory: WasmMemory;
  readonly scratch: Float32Array;
  readonly users: Float32Array;
  readonly panels: Float32Array;
  readonly excludeIndptr: Int32Array | null;
  readonly excludeIndices: Int32Array | null;
  readonly allow: Uint8Array | null;
  readonly factors: number;
  readonly items: number;
  readonly k: number;
  readonly tile: number;
  readonly chunk: number;
}

/**
 * Scores positions [from, to) of `job` with scratch slot `slot` into ids / scores (row p − from at
 * (p − from)·k), chunk by chunk. Every array of the job must be a view of `job.memory`.
 */
export function scoreRangeWasm(
  job: ScoreWasmJob,
  from: number,
  to: number,
  slot: number,
  ids: Int32Array,
  scores: Float32Array,
): void {
  const { module, reason } = loadWasm('score');
  if (module === null) throw new Error(`factorization: the WebAssembly scoring kernel is unavailable: ${reason}`);
  const layout = scoreScratchLayout(job.chunk, job.tile, job.k);
  if ((slot + 1) * layout.floats > job.scratch.length) throw new RangeError(`factorization: no scoring slot ${slot}`);
  const arrays: ArrayBufferView[] = [job.users, job.panels, job.scratch];
  if (job.excludeIndptr !== null && job.excludeIndices !== null) arrays.push(job.excludeIndptr, job.excludeIndices);
  if (job.allow !== null) arrays.push(job.allow);
  const kernel = (instantiateOver(module, job.memory, arrays).exports as unknown as ScoreExports).scoreChunk;
  const base = job.scratch.byteOffset + 4 * slot * layout.floats;
  const at = (region: number): number => base + 4 * region;
  const buffer = job.memory.buffer;
  const k = job.k;
  const outIds = new Int32Array(buffer, at(layout.outIds), job.chunk * k);
  const outScores = new Float32Array(buffer, at(layout.outScores), job.chunk * k);
  const exIndptr = job.excludeIndptr === null || job.excludeIndices === null ? 0 : job.excludeIndptr.byteOffset;
  const exIndices = exIndptr === 0 ? 0 : job.excludeIndices!.byteOffset;
  for (let c0 = from; c0 < to; c0 += job.chunk) {
    const c1 = Math.min(to, c0 + job.chunk);
    kernel(
      job.users.byteOffset,
      job.panels.byteOffset,
      job.factors,
      job.items,
      exIndptr,
      exIndices,
      job.allow === null ? 0 : job.allow.byteOffset,
      k,
      c0,
      c1,
      job.tile,
      at(layout.tileScores),
      at(layout.heapScores),
      at(layout.heapIds),
      at(layout.sizes),
      at(layout.exAt),
      at(layout.thresholds),
      at(layout.outIds),
      at(layout.outScores),
    );
    const n = (c1 - c0) * k;
    ids.set(outIds.subarray(0, n), (c0 - from) * k);
    scores.set(outScores.subarray(0, n), (c0 - from) * k);
  }
}
