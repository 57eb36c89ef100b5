/**
 * Runs against the real Redis at REDIS_URL (default redis://127.0.0.1:6379),
 * under a random key prefix that is deleted afterwards. Without a Redis the
 * tests are skipped with a notice, except under CI=true, where they fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteKeys, redisSkip } from '../../../test/redis.js';
import { parseRate, type RateDecision, type RateLimitStore } from '../../policy/rate-limit/index.js';
import { createRedisRateLimitStore } from './index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const prefix = `weft-test-rl-${run}:`;
/** Names this run's own connections, so that CLIENT LIST can tell whether they were closed. */
const connectionName = `weft-test-rl-${run}`;

const skip = redisSkip('the Redis rate-limit store tests');
const available = skip === false;

const stores: RateLimitStore[] = [];
function store(options: Parameters<typeof createRedisRateLimitStore>[0] = {}): RateLimitStore {
  const named = new URL(url);
  named.searchParams.set('connectionName', connectionName);
  const created = createRedisRateLimitStore({ url: named.toString(), prefix, ...options });
  stores.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((each) => each.close?.()));
});

after(async () => {
  if (!available) return;
  // Delete every key this run created.
  const raw = new Redis(url);
  await deleteKeys(raw, prefix);
  await raw.quit();
});

/** This run's connections that Redis still has open. */
async function openConnections(): Promise<number> {
  const raw = new Redis(url);
  try {
    const list = String(await raw.client('LIST'));
    return list.split('\n').filter((line) => line.includes(` name=${connectionName} `)).length;
  } finally {
    await raw.quit();
  }
}

/** Runs test/integration/rate-limit-consumer.ts in a process of its own and returns its decisions. */
function consumeInChild(key: string, rate: string, count: number): Promise<RateDecision[]> {
  const script = fileURLToPath(new URL('../../../test/integration/rate-limit-consumer.ts', import.meta.url));
  // Node itself with tsx's loader, not the tsx command, which would start a
  // further process that a kill of this one would leave behind.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=weft-source', script, prefix, key, rate, String(count)], {
    env: { ...process.env, REDIS_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the child did not finish within 60 s:\n${out}${err}`));
    }, 60_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the child exited (${code ?? signal}):\n${out}${err}`));
      else resolve(JSON.parse(out) as RateDecision[]);
    });
  });
}

function assertRefused(decision: RateDecision, maxSeconds: number): void {
  assert.equal(decision.allowed, false, `expected a refusal, got ${JSON.stringify(decision)}`);
  assert.ok(!decision.allowed);
  assert.ok(Number.isInteger(decision.retryAfterSeconds), JSON.stringify(decision));
  assert.ok(decision.retryAfterSeconds >= 1 && decision.retryAfterSeconds <= maxSeconds, JSON.stringify(decision));
}

describe('createRedisRateLimitStore', { skip }, () => {
  it('two stores on two connections share one limit', async () => {
    const rate = parseRate('5/second');
    const first = store();
    const second = store();
    for (const refusedOn of [first, second]) {
      // The window is one second from the first count: a run slow enough to
      // outlast it (a loaded machine) is run again rather than misjudged.
      let decisions: RateDecision[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const key = `shared-${randomUUID()}`;
        const started = Date.now();
        decisions = [];
        for (const each of [first, second, first, second, first, refusedOn]) decisions.push(await each.consume(key, rate));
        if (Date.now() - started < 800) break;
      }
      assert.deepEqual(
        decisions.slice(0, 5).map((decision) => decision.allowed),
        [true, true, true, true, true],
      );
      assert.deepEqual(decisions[4], { allowed: true, remaining: 0 });
      assertRefused(decisions[5]!, 1);
    }
    assert.equal(await openConnections(), 2);
  });

  it('shares a limit with another process', async () => {
    const key = `process-${randomUUID()}`;
    const child = await consumeInChild(key, '5/minute', 3);
    assert.deepEqual(child, [
      { allowed: true, remaining: 4 },
      { allowed: true, remaining: 3 },
      { allowed: true, remaining: 2 },
    ]);
    const parent = store();
    const rate = parseRate('5/minute');
    assert.deepEqual(await parent.consume(key, rate), { allowed: true, remaining: 1 });
    assert.deepEqual(await parent.consume(key, rate), { allowed: true, remaining: 0 });
    assertRefused(await parent.consume(key, rate), 60);
  });

  it('counts separate keys and separate rates separately', async () => {
    const shared = store();
    const key = `k-${randomUUID()}`;
    const perMinute = parseRate('1/minute');
    assert.equal((await shared.consume(key, perMinute)).allowed, true);
    assertRefused(await shared.consume(key, perMinute), 60);
    assert.deepEqual(await shared.consume(`${key}-other`, perMinute), { allowed: true, remaining: 0 });
    assert.deepEqual(await shared.consume(key, parseRate('1/hour')), { allowed: true, remaining: 0 });
    assert.deepEqual(await shared.consume(key, parseRate('3/minute')), { allowed: true, remaining: 2 });
  });

  it('keeps its keys under its prefix, expiring with the window', async () => {
    const key = `prefixed-${randomUUID()}`;
    await store().consume(key, parseRate('4/minute'));
    const raw = new Redis(url);
    try {
      const stored = `${prefix}4/60:${key}`;
      assert.equal(await raw.get(stored), '1');
      const ttl = await raw.pttl(stored);
      assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);
    } finally {
      await raw.quit();
    }
  });

  it('allows again once the window has passed', async () => {
    const shared = store();
    const key = `window-${randomUUID()}`;
    const rate = parseRate('2/second');
    await shared.consume(key, rate);
    await shared.consume(key, rate);
    assertRefused(await shared.consume(key, rate), 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.deepEqual(await shared.consume(key, rate), { allowed: true, remaining: 1 });
  });

  it('closes the connection it opened, and only that one', async () => {
    const opened = store();
    await opened.consume(`close-${randomUUID()}`, parseRate('1/second'));
    assert.equal(await openConnections(), 1);
    await opened.close?.();
    assert.equal(await openConnections(), 0);
    await assert.rejects(opened.consume('k', parseRate('1/second')), /closed/);

    const yours = new Redis(url);
    try {
      const borrowing = store({ redis: yours });
      assert.equal((await borrowing.consume(`close-${randomUUID()}`, parseRate('1/second'))).allowed, true);
      await borrowing.close?.();
      assert.equal(yours.status, 'ready');
      assert.equal(await yours.ping(), 'PONG');
    } finally {
      await yours.quit();
    }
  });

  it('passes a failure of Redis on rather than allowing or refusing', async () => {
    const down = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    down.on('error', () => {});
    try {
      const failing = store({ redis: down });
      await assert.rejects(failing.consume('k', parseRate('1/second')), (error: unknown) => error instanceof Error);
    } finally {
      down.disconnect();
    }
  });
});
