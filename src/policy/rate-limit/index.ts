/**
 * @module
 * Rate limiting's parts: {@link parseRate} reads `"30/minute"`, a
 * {@link RateLimitStore} counts requests per key, and {@link rateLimitedError}
 * is the 429 sent once a key is past its rate. The memory store serves one
 * process; `createRedisRateLimitStore` from `weft/redis` shares limits between
 * processes.
 *
 * @example
 * const rate = parseRate('30/minute', 'Cart.rateLimit');
 * const store = createMemoryRateLimitStore();
 * const decision = await store.consume(`cart:${clientKey}`, rate);
 * if (!decision.allowed) throw rateLimitedError(decision.retryAfterSeconds);
 */
export { parseRate, type Rate } from './rate.js';
export { createMemoryRateLimitStore, type RateDecision, type RateLimitStore } from './store.js';
export { rateLimitedError } from './error.js';
