/**
 * Whether the real Redis the tests need is answering (REDIS_URL, default
 * redis://127.0.0.1:6379). Without one, tests that need it are skipped with a
 * loud notice — except under CI=true, where a missing Redis fails the run.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function answers(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export const redisAvailable = await answers();

/**
 * The `skip` option for tests that need Redis: false when it answers, else the
 * reason. Under CI=true a missing Redis also registers a failing test.
 */
export function redisSkip(what: string): false | string {
  if (redisAvailable) return false;
  const reason = `Redis is not answering at ${REDIS_URL}`;
  if (process.env.CI === 'true') {
    it(`Redis is answering (required under CI=true for ${what})`, () => assert.fail(reason));
  } else {
    console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING ${what}: ${reason}\n${'!'.repeat(72)}\n`);
  }
  return reason;
}

/** Deletes every key under `prefix` (what a test run created), with SCAN so a big database is not blocked. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
