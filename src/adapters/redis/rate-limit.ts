/**
 * @module
 * Rate-limit counters in Redis, so that every process of an app shares one
 * limit: a client cannot multiply its allowance by reaching different
 * processes. Each counter is one key, `<prefix><points>/<seconds>:<key>`,
 * incremented by a script and expiring with its window.
 *
 * @example
 * import { createRedisRateLimitStore } from 'weft/redis';
 * const store = createRedisRateLimitStore({ url: process.env.REDIS_URL });
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createLimiterStore } from '../../policy/rate-limit/limiter-store.js';
import type { RateLimitStore } from '../../policy/rate-limit/store.js';
import { quit } from './connection.js';

export interface RedisRateLimitStoreOptions {
  /** A connection to use instead of opening one. It stays open after `close()`: it is yours. */
  redis?: Redis;
  /** Where Redis is (default: `REDIS_URL`, else `redis://127.0.0.1:6379`). Ignored when `redis` is given. */
  url?: string;
  /** Prefix of every key (default `'weft:rl:'`). */
  prefix?: string;
  /**
   * Where errors of a connection the store opened go (Redis down, say). Default
   * `console.error`. Meanwhile each `consume()` fails, and the request with it (503-like 500).
   */
  onError?: (err: unknown) => void;
}

/** Creates a store counting in Redis. The connection, if it opens one, opens at once. */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions = {}): RateLimitStore {
  const owned = options.redis ? undefined : new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const redis = options.redis ?? owned!;
  // ioredis reports connection trouble as an 'error' event: unheard, Node would print it as unhandled.
  owned?.on('error', options.onError ?? ((err: unknown) => console.error('Weft: Redis rate-limit store', err)));
  const prefix = options.prefix ?? 'weft:rl:';
  return createLimiterStore(
    (rate, keyPrefix) =>
      new RateLimiterRedis({
        storeClient: redis,
        // The library guesses the client from its class name; ioredis is the
        // default it falls back to, said here so no guess can go wrong.
        useRedisPackage: false,
        keyPrefix: `${prefix}${keyPrefix}`,
        points: rate.points,
        duration: rate.durationSeconds,
      }),
    owned ? () => quit(owned) : undefined,
  );
}

