export { type ConnectRedisCacheOptions, connectRedisCache, DEFAULT_CONNECT_REDIS_CACHE_OPTIONS } from './connect.js';
export {
  CACHE_FORMAT_VERSION,
  CACHE_MISS_REASONS,
  type CacheDecoded,
  type CacheMissReason,
  type CacheValues,
  decodeCacheValue,
  decodeRankedEntries,
  encodeCacheValue,
  type ModelMetadata,
  type RankedBecause,
  type RankedEntry,
  type RankedItems,
} from './envelope.js';
export {
  CACHE_KINDS,
  type CacheIds,
  type CacheKeys,
  type CacheKind,
  cacheKeys,
  checkKeyPrefix,
  escapeKeyPart,
  KEY_START,
  type ListId,
} from './keyspace.js';
export {
  createMemoryCache,
  DEFAULT_MEMORY_CACHE_OPTIONS,
  MemoryCache,
  type MemoryCacheOptions,
  type MemoryCacheStats,
} from './memory-cache.js';
export {
  beginPublish,
  DEFAULT_PUBLISH_OPTIONS,
  Publication,
  type PublishOptions,
  type PublishResult,
  publishVersion,
  resolvePublishOptions,
  type SweepResult,
  sweepNamespace,
} from './publish.js';
export {
  type CacheReadEvent,
  CacheReader,
  type CacheReaderOptions,
  createCacheReader,
  currentVersion,
  DEFAULT_CACHE_READER_OPTIONS,
  type ReadPlan,
  type ReadPlanKind,
  type ReadPlanSpec,
  type ReadRequest,
} from './reader.js';
export {
  createRedisCache,
  DEFAULT_REDIS_CACHE_OPTIONS,
  QUIT_TIMEOUT_MS,
  RedisCache,
  type RedisCacheOptions,
} from './redis-cache.js';
export type {
  CacheCondition,
  CacheReceiver,
  CacheSetOptions,
  CacheStore,
  CacheStoreStatus,
  CacheWrite,
} from './store.js';
