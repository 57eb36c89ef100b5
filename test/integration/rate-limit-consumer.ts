/**
 * A second process sharing a Redis rate limit, run by
 * src/adapters/redis/rate-limit.test.ts: counts `COUNT` requests for `KEY` at
 * `RATE` in a Redis store under `PREFIX` (at REDIS_URL), prints the decisions as
 * one JSON line, and exits.
 *
 * Usage: rate-limit-consumer.ts PREFIX KEY RATE COUNT
 */
import { createRedisRateLimitStore } from '../../src/adapters/redis/rate-limit.js';
import { parseRate, type RateDecision } from '../../src/policy/rate-limit/index.js';

const [prefix, key, rateText, countText] = process.argv.slice(2);
if (prefix === undefined || key === undefined || rateText === undefined || countText === undefined) {
  throw new Error('usage: rate-limit-consumer.ts PREFIX KEY RATE COUNT');
}
const rate = parseRate(rateText);
const store = createRedisRateLimitStore({ url: process.env.REDIS_URL, prefix });
try {
  const decisions: RateDecision[] = [];
  for (let i = 0; i < Number(countText); i++) decisions.push(await store.consume(key, rate));
  process.stdout.write(`${JSON.stringify(decisions)}\n`);
} finally {
  await store.close?.();
}
