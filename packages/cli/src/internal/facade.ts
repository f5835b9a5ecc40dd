import { type CacheStore, connectRedisCache } from '@encore/cache';
import { createEngine, type Engine, type LoadedModels, loadModels } from '@encore/engine';

/** What {@link openEngine} opens. */
export interface OpenEngineOptions {
  /** Model directories (loaded together, as `loadModels` does); none: answers come from the cache only. */
  readonly models: readonly string[];
  /** Read through this Redis first (redis://host:port); none: an empty in-memory cache, so answers are computed. */
  readonly cache?: string | undefined;
  readonly namespace: string;
  readonly cachePrefix: string;
  /** Keep what the customer already has in computed lists (see EngineOptions.includeSeen). */
  readonly includeSeen?: boolean | undefined;
}

/** The facade a command reads through, with what it was made of. */
export interface OpenedEngine {
  readonly engine: Engine;
  /** The models loaded, null when no directory was given. */
  readonly models: LoadedModels | null;
  /** Cache trouble so far (unreachable, failed reads): the facade answered from the models instead. */
  readonly warnings: readonly string[];
  /** Closes the engine and the Redis connection. */
  close(): Promise<void>;
}

/**
 * Loads the model directories and creates the serving facade over them and, with `cache`, a Redis
 * cache: what a backend service does, for one request. Cache trouble never fails the command: it
 * becomes a warning and the answer is computed from the models.
 *
 * Rejects with loadModels' errors (FILE_NOT_FOUND, MODEL_FORMAT, …) and INVALID_ARGUMENT for a
 * malformed cache URL.
 */
export async function openEngine(options: OpenEngineOptions): Promise<OpenedEngine> {
  const models = options.models.length === 0 ? null : await loadModels(...options.models);
  const warnings: string[] = [];
  let store: CacheStore | undefined;
  let connected = true;
  if (options.cache !== undefined) {
    const opened = await connectRedisCache(options.cache, { prefix: options.cachePrefix });
    store = opened.store;
    connected = opened.connected;
    if (!opened.connected) {
      warnings.push(`cache ${options.cache} unreachable (${opened.error}): answering from the models`);
    }
  }
  try {
    const engine = await createEngine({
      models: models ?? {},
      ...(store === undefined ? {} : { cache: store }),
      namespace: options.namespace,
      includeSeen: options.includeSeen ?? false,
      onEvent: (event) => {
        // One warning for an unreachable cache is enough; later failures of a reachable one are news.
        if (event.type === 'cache-error' && connected) warnings.push(`cache: ${event.error.message}`);
      },
    });
    return {
      engine,
      models,
      warnings,
      async close() {
        await engine.close();
        await store?.close();
      },
    };
  } catch (error) {
    await store?.close().catch(() => undefined);
    throw error;
  }
}
