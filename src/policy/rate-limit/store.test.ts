import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRate, type Rate } from './rate.js';
import { createMemoryRateLimitStore, type RateDecision, type RateLimitStore } from './store.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function consumeTimes(store: RateLimitStore, key: string, rate: Rate, times: number): Promise<RateDecision[]> {
  const decisions: RateDecision[] = [];
  for (let i = 0; i < times; i++) decisions.push(await store.consume(key, rate));
  return decisions;
}

describe('createMemoryRateLimitStore', () => {
  it('allows exactly N within the window, counting down what remains, then refuses', async () => {
    const store = createMemoryRateLimitStore();
    const rate = parseRate('3/minute');
    assert.deepEqual(await consumeTimes(store, 'a', rate, 3), [
      { allowed: true, remaining: 2 },
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
    ]);
    for (let i = 0; i < 3; i++) {
      const refused = await store.consume('a', rate);
      assert.equal(refused.allowed, false);
      assert.ok(!refused.allowed);
      assert.ok(Number.isInteger(refused.retryAfterSeconds), `retryAfterSeconds ${refused.retryAfterSeconds}`);
      assert.ok(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60, `retryAfterSeconds ${refused.retryAfterSeconds}`);
    }
  });

  it('rounds the wait up to whole seconds', async () => {
    const store = createMemoryRateLimitStore();
    const rate = parseRate('1/minute');
    assert.deepEqual(await store.consume('k', rate), { allowed: true, remaining: 0 });
    // A little under 60 000 ms are left: 60 s, not 59.
    assert.deepEqual(await store.consume('k', rate), { allowed: false, retryAfterSeconds: 60 });
  });

  it('counts separate keys separately', async () => {
    const store = createMemoryRateLimitStore();
    const rate = parseRate('2/minute');
    await consumeTimes(store, 'alice', rate, 2);
    assert.equal((await store.consume('alice', rate)).allowed, false);
    assert.deepEqual(await store.consume('bob', rate), { allowed: true, remaining: 1 });
  });

  it('counts separate rates on the same key separately', async () => {
    const store = createMemoryRateLimitStore();
    const perMinute = parseRate('2/minute');
    const perHour = parseRate('2/hour');
    const morePerMinute = parseRate('5/minute');
    await consumeTimes(store, 'k', perMinute, 2);
    assert.equal((await store.consume('k', perMinute)).allowed, false);
    assert.deepEqual(await store.consume('k', perHour), { allowed: true, remaining: 1 });
    assert.deepEqual(await store.consume('k', morePerMinute), { allowed: true, remaining: 4 });
    // The same rate parsed again, however written, is the same counter.
    assert.equal((await store.consume('k', parseRate(' 2/MIN '))).allowed, false);
  });

  it('stores are independent of each other', async () => {
    const rate = parseRate('1/minute');
    const first = createMemoryRateLimitStore();
    const second = createMemoryRateLimitStore();
    assert.equal((await first.consume('k', rate)).allowed, true);
    assert.equal((await first.consume('k', rate)).allowed, false);
    assert.equal((await second.consume('k', rate)).allowed, true);
  });

  it('allows again once the window has passed', async () => {
    const store = createMemoryRateLimitStore();
    const rate = parseRate('2/second');
    await consumeTimes(store, 'k', rate, 2);
    const refused = await store.consume('k', rate);
    assert.deepEqual(refused, { allowed: false, retryAfterSeconds: 1 });
    await sleep(1100);
    assert.deepEqual(await consumeTimes(store, 'k', rate, 2), [
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
    ]);
    assert.equal((await store.consume('k', rate)).allowed, false);
  });

  it('refuses a rate that was not parsed, and a key that is not a string', async () => {
    const store = createMemoryRateLimitStore();
    for (const rate of [
      { points: 0, durationSeconds: 60, text: '' },
      { points: 1.5, durationSeconds: 60, text: '' },
      { points: 5, durationSeconds: 0, text: '' },
      { points: 5, durationSeconds: 0.5, text: '' },
      null,
    ]) {
      await assert.rejects(store.consume('k', rate as Rate), TypeError, JSON.stringify(rate));
    }
    await assert.rejects(store.consume(42 as unknown as string, parseRate('1/second')), TypeError);
  });

  it('refuses to count once closed', async () => {
    const store = createMemoryRateLimitStore();
    await store.close?.();
    await store.close?.();
    await assert.rejects(store.consume('k', parseRate('1/second')), /closed/);
  });
});
