/**
 * @module
 * Where rate-limit counters live. The memory store counts in this process only;
 * several processes sharing one limit use `createRedisRateLimitStore` from
 * `weft/redis`, or any store with this shape.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createLimiterStore } from './limiter-store.js';
import type { Rate } from './rate.js';

/**
 * The answer to one request's attempt: allowed, with what is left of the
 * window, or refused, with whole seconds (≥ 1, rounded up) until it may retry.
 */
export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** Counts requests per key in fixed windows. */
export interface RateLimitStore {
  /**
   * Counts one request for `key` against `rate`. The same key under two
   * different rates has two separate counters.
   */
  consume(key: string, rate: Rate): Promise<RateDecision>;
  /** Releases what the store opened. */
  close?(): Promise<void>;
}

/** A store that counts in this process's memory: right for a single process. */
export function createMemoryRateLimitStore(): RateLimitStore {
  return createLimiterStore((rate, keyPrefix) => new RateLimiterMemory({ keyPrefix, points: rate.points, duration: rate.durationSeconds }));
}
