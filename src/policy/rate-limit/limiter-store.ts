/**
 * @module
 * A {@link RateLimitStore} over `rate-limiter-flexible` limiters, whatever they
 * count in. A limiter has one fixed rate, so there is one per distinct rate,
 * made on first use and kept: an app has only as many rates as it configures.
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Rate } from './rate.js';
import type { RateLimitStore } from './store.js';

/**
 * Makes a store from a factory of limiters. `keyPrefix` is distinct per rate,
 * so that two rates on the same key never share a counter.
 */
export function createLimiterStore(
  create: (rate: Rate, keyPrefix: string) => RateLimiterAbstract,
  close?: () => Promise<void>,
): RateLimitStore {
  const limiters = new Map<string, RateLimiterAbstract>();
  let closed = false;

  return {
    async consume(key, rate) {
      if (closed) throw new Error('the rate-limit store is closed');
      if (typeof key !== 'string') throw new TypeError('the rate-limit key must be a string');
      checkRate(rate);
      const prefix = `${rate.points}/${rate.durationSeconds}`;
      let limiter = limiters.get(prefix);
      if (!limiter) {
        limiter = create(rate, prefix);
        limiters.set(prefix, limiter);
      }
      try {
        const res = await limiter.consume(key);
        return { allowed: true, remaining: res.remainingPoints };
      } catch (error) {
        // The library rejects with a RateLimiterRes when the limit is reached,
        // and with an Error when its store fails: only the first is a refusal.
        if (!(error instanceof RateLimiterRes)) throw error;
        return { allowed: false, retryAfterSeconds: retryAfter(error.msBeforeNext, rate.durationSeconds) };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      limiters.clear();
      await close?.();
    },
  };
}

/** Whole seconds, rounded up, never 0 (a client told "retry in 0 s" retries at once) nor past the window. */
function retryAfter(ms: number, durationSeconds: number): number {
  const seconds = Number.isFinite(ms) ? Math.ceil(ms / 1000) : durationSeconds;
  return Math.min(Math.max(1, seconds), durationSeconds);
}

// A rate made by hand rather than by parseRate would otherwise reach the
// limiter, which takes a fractional or zero count without complaint.
function checkRate(rate: Rate): void {
  const ok =
    typeof rate === 'object' &&
    rate !== null &&
    Number.isSafeInteger(rate.points) &&
    rate.points >= 1 &&
    Number.isSafeInteger(rate.durationSeconds) &&
    rate.durationSeconds >= 1;
  if (!ok) throw new TypeError('the rate must have whole points and durationSeconds of at least 1 (see parseRate)');
}
