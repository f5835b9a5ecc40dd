import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { invalidArgument } from '@encore/core';

/** tfjs backends Encore uses, fastest first. */
export const TFJS_BACKENDS = Object.freeze(['tensorflow', 'wasm', 'cpu'] as const);
export type TfjsBackend = (typeof TFJS_BACKENDS)[number];

/** The tfjs-core module (loaded lazily: sgd-only callers never pay for it). */
export type Tfjs = typeof import('@tensorflow/tfjs-core');

export interface TfjsSelectionOptions {
  /**
   * First backend to try (default 'tensorflow'); the chain then falls back in the order
   * tensorflow → wasm → cpu. 'cpu' always loads.
   */
  readonly prefer?: TfjsBackend | undefined;
}

export interface TfjsSelection {
  /** The backend now active in tfjs. */
  readonly backend: TfjsBackend;
  readonly tf: Tfjs;
  /** Backends tried before it and why each failed (e.g. tfjs-node without its native binary). */
  readonly skipped: readonly { readonly backend: TfjsBackend; readonly reason: string }[];
}

/**
 * Picks and activates a tfjs backend explicitly, never silently by what happens to be imported:
 *
 * 1. 'tensorflow': `@tensorflow/tfjs-node` (libtensorflow, native), an optional dependency; the
 *    dynamic import is attempted in a try/catch (it throws when the package or its native binary
 *    is missing) and never inside a worker thread (a native addon loaded per worker is costly and
 *    not safe to load in several threads).
 * 2. 'wasm': `@tensorflow/tfjs-backend-wasm`, its .wasm binaries located next to its Node entry
 *    (node_modules/@tensorflow/tfjs-backend-wasm/dist/) through `createRequire`, as its README
 *    asks Node users to do with `setWasmPaths`.
 * 3. 'cpu': `@tensorflow/tfjs-backend-cpu`, plain JavaScript, always available.
 *
 * tfjs keeps its active backend in process-global state: this sets it (`tf.setBackend`) for every
 * tfjs user in the process, and sets tfjs' `PROD` flag (its notices, such as the one asking for
 * tfjs-node, are not printed: the choice is made here and results record the backend that ran).
 *
 * Rejects with INVALID_ARGUMENT for an unknown `prefer`.
 *
 * @example
 * const { backend, tf } = await selectTfjsBackend(); // 'tensorflow' | 'wasm' | 'cpu'
 */
export async function selectTfjsBackend(options: TfjsSelectionOptions = {}): Promise<TfjsSelection> {
  const where = 'factorization/selectTfjsBackend';
  if (typeof options !== 'object' || options === null)
    throw invalidArgument(where, 'options must be an object', options);
  const prefer = options.prefer ?? 'tensorflow';
  const first = TFJS_BACKENDS.indexOf(prefer as TfjsBackend);
  if (first < 0) throw invalidArgument(where, `prefer must be one of ${TFJS_BACKENDS.join(', ')}`, prefer);
  const tf: Tfjs = await import('@tensorflow/tfjs-core');
  // tfjs' own notices ("install our node backend" on the first tensor of the cpu backend) go to
  // stderr of every command and test run: the backend is chosen here, explicitly, and reported in
  // every result instead. Production mode silences tfjs' log and warn, nothing else.
  tf.env().set('PROD', true);
  const skipped: { backend: TfjsBackend; reason: string }[] = [];
  for (const backend of TFJS_BACKENDS.slice(first)) {
    try {
      await loadBackend(tf, backend);
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed to initialise`);
      await tf.ready();
      return { backend, tf, skipped };
    } catch (error) {
      skipped.push({ backend, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
      if (backend === 'cpu') throw error; // plain JavaScript: a failure here is a broken install, not a fallback
    }
  }
  /* c8 ignore next */
  throw new Error('unreachable: the cpu backend ends the chain');
}

async function loadBackend(tf: Tfjs, backend: TfjsBackend): Promise<void> {
  if (tf.findBackend(backend) !== null) return; // already initialised
  switch (backend) {
    case 'tensorflow': {
      if (tf.findBackendFactory('tensorflow') !== null) return;
      if (!isMainThread) throw new Error('tfjs-node is not loaded inside worker threads');
      // Optional dependency: absent in CI, present without its native binary on some machines.
      // A variable specifier keeps TypeScript from requiring the package's types.
      const name = '@tensorflow/tfjs-node';
      await import(name);
      if (tf.findBackendFactory('tensorflow') === null) {
        throw new Error('@tensorflow/tfjs-node loaded but registered no tensorflow backend for this tfjs-core');
      }
      return;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(`${dirname(entry)}/`);
      return;
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
  }
}
