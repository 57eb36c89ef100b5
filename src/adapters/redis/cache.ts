/**
 * @module
 * A render cache kept in Redis, shared by every process that uses the same
 * Redis and prefix: an entry one process stores is served by all, and an
 * entry one of them deletes or invalidates is gone for all.
 *
 * An entry is a JSON string under `<prefix>k:<key>`, written with `SET … EX`,
 * so Redis itself expires it. Each tag is a sorted set `<prefix>t:<tag>` whose
 * members are the Redis keys of its entries, scored with the time they expire
 * (ms). Storing an entry also drops the members that have expired since, so a
 * tag that is used all the time, for keys that keep changing, still lists only
 * about as many keys as are alive. A tag's set lives at least as long as its
 * longest-lived entry, then expires with it.
 *
 * Storing (entry and tags) and invalidating (the tag's entries and its set)
 * each run as one Lua script, so no process ever sees half of one. The scripts
 * touch entry keys named inside the tag sets, which Redis Cluster does not
 * allow; like the backplane, this store expects one Redis (or its replicas).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { checkCacheSet, checkString, isAssetList, type CacheEntry, type CacheSetOptions, type RenderCacheStore } from '../../policy/cache/store.js';
import { quit } from './connection.js';

export interface RedisCacheStoreOptions {
  /** A connection to use instead of opening one. It stays open after `close()`: it is yours. */
  redis?: Redis;
  /** Where Redis is (default: `REDIS_URL`, else `redis://127.0.0.1:6379`). Ignored when `redis` is given. */
  url?: string;
  /** Prefix of every key the store writes (default `'weft:cache:'`). */
  prefix?: string;
  /** Gets errors of a connection the store opened (default: logged with `console.error`). */
  onError?: (error: unknown) => void;
}

// KEYS[1]: the entry's key; KEYS[2..]: its tags' sets. ARGV: JSON, ttl (s).
// Scores are Redis's own clock, so processes whose clocks disagree still
// agree on what has expired.
const SET_SCRIPT = `
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttlMs = ttl * 1000
-- Formatted here: Lua's own number-to-string writes numbers of more than 14 digits as 1e+14.
local nowText = string.format('%.0f', now)
local expiresText = string.format('%.0f', now + ttlMs)
local ttlText = string.format('%.0f', ttlMs)
for i = 2, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', nowText)
  redis.call('ZADD', KEYS[i], expiresText, KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttlMs then redis.call('PEXPIRE', KEYS[i], ttlText) end
end
return 1
`;

// KEYS[1]: the tag's set. Deletes its entries in batches (Lua's unpack has a
// limit on how many values it spreads), then the set.
const INVALIDATE_SCRIPT = `
local keys = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #keys, 1000 do
  redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
end
redis.call('DEL', KEYS[1])
return #keys
`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SET = script(SET_SCRIPT);
const INVALIDATE = script(INVALIDATE_SCRIPT);

/** Creates a Redis render cache. The connection, if it opens one, opens at once. */
export function createRedisCacheStore(options: RedisCacheStoreOptions = {}): RenderCacheStore {
  const prefix = options.prefix ?? 'weft:cache:';
  checkString('prefix', prefix);
  const onError = options.onError ?? ((error: unknown) => console.error('weft redis cache:', error));
  const owned = options.redis === undefined;
  const redis = options.redis ?? new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (owned) {
    redis.on('error', (error: unknown) => {
      try {
        onError(error);
      } catch {
        // A handler that throws must not become an unhandled 'error' event.
      }
    });
  }
  let closed = false;

  const entryKey = (key: string) => `${prefix}k:${key}`;
  const tagKey = (tag: string) => `${prefix}t:${tag}`;
  const open = (): void => {
    if (closed) throw new Error('the cache store is closed');
  };

  const run = async (s: Script, keys: string[], args: string[]): Promise<unknown> => {
    try {
      return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // First use on this Redis (or after SCRIPT FLUSH): send the script itself.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return await redis.eval(s.source, keys.length, ...keys, ...args);
    }
  };

  return {
    async get(key: string): Promise<CacheEntry | undefined> {
      open();
      checkString('key', key);
      const raw = await redis.get(entryKey(key));
      return raw === null ? undefined : parseEntry(raw);
    },

    async set(key: string, entry: CacheEntry, setOptions: CacheSetOptions): Promise<void> {
      open();
      checkCacheSet(key, entry, setOptions);
      const json = JSON.stringify({ html: entry.html, etag: entry.etag, storedAt: entry.storedAt, ...(entry.assets && { assets: entry.assets }) });
      const tags = [...new Set(setOptions.tags)].map(tagKey);
      await run(SET, [entryKey(key), ...tags], [json, String(setOptions.ttlSeconds)]);
    },

    async delete(key: string): Promise<void> {
      open();
      checkString('key', key);
      // The key stays listed under its tags until it would have expired;
      // invalidating one of them meanwhile deletes nothing more than this did.
      await redis.del(entryKey(key));
    },

    async invalidateTag(tag: string): Promise<void> {
      open();
      checkString('tag', tag);
      await run(INVALIDATE, [tagKey(tag)], []);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (owned) await quit(redis);
    },
  };
}

/**
 * An entry as stored, or undefined for anything else found under its key
 * (written by something other than this store): a miss, not an error.
 */
function parseEntry(raw: string): CacheEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { html, etag, storedAt, assets } = value as Record<string, unknown>;
  if (typeof html !== 'string' || typeof etag !== 'string' || typeof storedAt !== 'number') return undefined;
  if (assets === undefined) return { html, etag, storedAt };
  return isAssetList(assets) ? { html, etag, storedAt, assets } : undefined;
}

