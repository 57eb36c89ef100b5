/**
 * @module
 * Where rendered HTML is kept between requests: the {@link RenderCacheStore}
 * contract and the in-memory store, for one process.
 *
 * Entries carry tags, so that a change to the data behind many pages (say, a
 * product) can drop every page built from it with one `invalidateTag`, without
 * knowing which keys they were cached under.
 *
 * The memory store is bounded twice: by the number of entries and by the total
 * length of their HTML. Its tag index (tag → keys) lists only keys still in the
 * cache: an entry leaving it for any reason (evicted, expired, replaced,
 * deleted) leaves the index too, so the index cannot outgrow the cache.
 */
import { LRUCache } from 'lru-cache';
import type { AssetRef } from '../../core/assets.js';

export interface CacheEntry {
  html: string;
  etag: string;
  /** When the HTML was rendered, in milliseconds since the epoch. */
  storedAt: number;
  /** The component assets the render used, so a page built around a cached render can still link them. */
  assets?: readonly AssetRef[] | undefined;
}

export interface CacheSetOptions {
  /** How long the entry may be served, in whole seconds (at least 1). */
  ttlSeconds: number;
  /** Tags to invalidate the entry by, besides its key. */
  tags: readonly string[];
}

export interface RenderCacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry, options: CacheSetOptions): Promise<void>;
  /** Removes one entry. */
  delete(key: string): Promise<void>;
  /** Removes every entry stored with `tag`. */
  invalidateTag(tag: string): Promise<void>;
  close?(): Promise<void>;
}

export interface MemoryCacheStoreOptions {
  /** The most entries kept (default 1000); the least recently used go first. */
  maxEntries?: number;
  /**
   * The most HTML kept, counted in string length (UTF-16 code units, about a
   * byte each for markup) over all entries (default 32 MiB). An entry longer
   * than this on its own is not kept.
   */
  maxBytes?: number;
}

/** What a memory store holds now. */
export interface MemoryCacheStats {
  entries: number;
  /** Total HTML length of the entries. */
  bytes: number;
  /** Tags with at least one entry. */
  tags: number;
  /** Key-in-tag memberships in the tag index, over all tags. */
  taggedKeys: number;
}

export interface MemoryCacheStore extends RenderCacheStore {
  stats(): MemoryCacheStats;
  /** Empties the store; it cannot be used afterwards. */
  close(): Promise<void>;
}

const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/**
 * 24 days, just under the longest timer Node keeps (2^31 - 1 ms, about 24.8
 * days). lru-cache expires entries with timers, and a longer one would fire at
 * once, again and again; such entries expire after 24 days instead, which a
 * cache is always free to do.
 */
const MAX_TTL_MS = 24 * 24 * 60 * 60 * 1000;

/** One cached entry and the tags it was stored with, so leaving the cache can unlist it. */
interface Stored {
  entry: CacheEntry;
  tags: readonly string[];
}

/** Creates an in-memory render cache for one process. */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): MemoryCacheStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  checkPositiveInteger('maxEntries', maxEntries);
  checkPositiveInteger('maxBytes', maxBytes);

  const byTag = new Map<string, Set<string>>();
  let taggedKeys = 0;
  let closed = false;

  const unlist = (key: string, tags: readonly string[]): void => {
    for (const tag of tags) {
      const keys = byTag.get(tag);
      if (!keys?.delete(key)) continue;
      taggedKeys--;
      if (keys.size === 0) byTag.delete(tag);
    }
  };

  const cache = new LRUCache<string, Stored>({
    max: maxEntries,
    maxSize: maxBytes,
    // lru-cache wants sizes of at least 1; an empty page still takes a slot.
    sizeCalculation: (stored) => Math.max(1, stored.entry.html.length),
    // Without this an expired entry would stay (and stay listed under its
    // tags) until something read it or pushed it out.
    ttlAutopurge: true,
    // Called synchronously whenever an entry leaves: evicted, expired,
    // replaced by a new `set`, deleted or cleared.
    dispose: (stored, key) => unlist(key, stored.tags),
  });

  const open = (): void => {
    if (closed) throw new Error('the cache store is closed');
  };

  return {
    async get(key) {
      open();
      checkString('key', key);
      return cache.get(key)?.entry;
    },

    async set(key, entry, setOptions) {
      open();
      checkCacheSet(key, entry, setOptions);
      const stored: Stored = {
        entry: Object.freeze({ html: entry.html, etag: entry.etag, storedAt: entry.storedAt, ...(entry.assets && { assets: entry.assets }) }),
        tags: [...new Set(setOptions.tags)],
      };
      // An entry replaced here is unlisted from its old tags by `dispose`
      // during this call, so the new tags are listed only after it.
      cache.set(key, stored, { ttl: Math.min(setOptions.ttlSeconds * 1000, MAX_TTL_MS) });
      // Too long to keep (longer than maxBytes): nothing to list.
      if (cache.peek(key) !== stored) return;
      for (const tag of stored.tags) {
        let keys = byTag.get(tag);
        if (!keys) byTag.set(tag, (keys = new Set()));
        if (!keys.has(key)) {
          keys.add(key);
          taggedKeys++;
        }
      }
    },

    async delete(key) {
      open();
      checkString('key', key);
      cache.delete(key);
    },

    async invalidateTag(tag) {
      open();
      checkString('tag', tag);
      const keys = byTag.get(tag);
      if (!keys) return;
      // Copied: each delete unlists its key from this very set.
      for (const key of [...keys]) cache.delete(key);
    },

    stats() {
      return { entries: cache.size, bytes: cache.calculatedSize, tags: byTag.size, taggedKeys };
    },

    async close() {
      if (closed) return;
      closed = true;
      // Also stops lru-cache's expiry timers.
      cache.clear();
    },
  };
}

/**
 * Checks the arguments of {@link RenderCacheStore.set}, the same way for every
 * store, so code that works with one store does not fail with another.
 */
export function checkCacheSet(key: unknown, entry: unknown, options: unknown): void {
  checkString('key', key);
  if (typeof entry !== 'object' || entry === null) throw new TypeError('entry must be an object');
  const { html, etag, storedAt } = entry as Partial<CacheEntry>;
  checkString('entry.html', html);
  checkString('entry.etag', etag);
  if (typeof storedAt !== 'number' || !Number.isFinite(storedAt)) {
    throw new TypeError('entry.storedAt must be a finite number');
  }
  const { assets } = entry as Partial<CacheEntry>;
  if (assets !== undefined && !isAssetList(assets)) throw new TypeError('entry.assets must be a list of { kind, hash, file }');
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { ttlSeconds, tags } = options as Partial<CacheSetOptions>;
  // Whole seconds, as Redis's EX and HTTP's max-age count them.
  checkPositiveInteger('ttlSeconds', ttlSeconds);
  if (!Array.isArray(tags)) throw new TypeError('tags must be an array of strings');
  for (const tag of tags) checkString('tags[]', tag);
}

/** A list of asset references, as a render lists them (checked when read back from a shared store too). */
export function isAssetList(value: unknown): value is readonly AssetRef[] {
  return (
    Array.isArray(value) &&
    value.every((a: unknown) => {
      if (typeof a !== 'object' || a === null) return false;
      const { kind, hash, file } = a as Partial<AssetRef>;
      return (kind === 'css' || kind === 'js') && typeof hash === 'string' && typeof file === 'string';
    })
  );
}

export function checkString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
}

function checkPositiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
