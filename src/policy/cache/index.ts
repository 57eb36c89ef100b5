/**
 * @module
 * The render cache's storage: stores that keep rendered HTML with its ETag,
 * expire it, and drop it by key or by tag. {@link createMemoryCacheStore}
 * serves one process; `createRedisCacheStore` from `weft/redis` shares one
 * cache between processes and machines.
 */
export { createMemoryCacheStore } from './store.js';
export type {
  CacheEntry,
  CacheSetOptions,
  MemoryCacheStats,
  MemoryCacheStore,
  MemoryCacheStoreOptions,
  RenderCacheStore,
} from './store.js';
export { etagOf } from './etag.js';
