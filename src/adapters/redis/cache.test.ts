/**
 * Runs against the real Redis at REDIS_URL (default redis://127.0.0.1:6379),
 * under a random key prefix that is deleted afterwards. Two stores with their
 * own connections stand for two processes. Without a Redis the tests are
 * skipped with a notice, except under CI=true, where they fail.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { deleteKeys, redisSkip } from '../../../test/redis.js';
import { etagOf } from '../../policy/cache/etag.js';
import type { CacheEntry, RenderCacheStore } from '../../policy/cache/store.js';
import { createRedisCacheStore } from './index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `weft-test-cache-${randomUUID().slice(0, 8)}:`;

const skip = redisSkip('the Redis cache store tests');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function entry(html: string): CacheEntry {
  return { html, etag: etagOf(html), storedAt: Date.now() };
}

describe('createRedisCacheStore', { skip }, () => {
  let raw: Redis;
  const opened: RenderCacheStore[] = [];
  /** A store with its own connection, as another process would have. */
  const store = (): RenderCacheStore => {
    const created = createRedisCacheStore({ url, prefix });
    opened.push(created);
    return created;
  };

  before(() => {
    raw = new Redis(url);
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close?.()));
  });

  after(async () => {
    // Delete every key this run created.
    await deleteKeys(raw, prefix);
    await raw.quit();
  });

  it('serves in one process what another stored', async () => {
    const a = store();
    const b = store();
    const stored = entry('<p>shared</p>');
    await a.set('/shared', stored, { ttlSeconds: 60, tags: [] });
    assert.deepEqual(await b.get('/shared'), stored);
    assert.equal(await b.get('/missing'), undefined);
  });

  it('serves the assets a render used from another process', async () => {
    const a = store();
    const b = store();
    const assets = [{ kind: 'js' as const, hash: 'AbCdEfGhIjKlMnOp', file: 'card.AbCdEfGhIjKlMnOp.js' }];
    await a.set('/with-assets', { ...entry('w'), assets }, { ttlSeconds: 60, tags: [] });
    assert.deepEqual((await b.get('/with-assets'))?.assets, assets);
    // Something else wrote there: a miss, not an error.
    await raw.set(`${prefix}k:/odd`, JSON.stringify({ html: 'x', etag: 'e', storedAt: 1, assets: [1] }));
    assert.equal(await b.get('/odd'), undefined);
  });

  it('keeps the entry as JSON under <prefix>k:<key>, expiring with its ttl', async () => {
    const a = store();
    await a.set('/stored', entry('x'), { ttlSeconds: 60, tags: ['t'] });
    const json = JSON.parse((await raw.get(`${prefix}k:/stored`)) ?? 'null') as CacheEntry;
    assert.equal(json.html, 'x');
    const ttl = await raw.ttl(`${prefix}k:/stored`);
    assert.ok(ttl > 55 && ttl <= 60, `ttl ${ttl}`);
    assert.deepEqual(await raw.zrange(`${prefix}t:t`, '0', '-1'), [`${prefix}k:/stored`]);
  });

  it('invalidateTag in one process empties the entry for another, and only the tagged ones', async () => {
    const a = store();
    const b = store();
    await b.set('/p/1', entry('p1'), { ttlSeconds: 60, tags: ['product:1', 'products'] });
    await b.set('/p/2', entry('p2'), { ttlSeconds: 60, tags: ['product:2', 'products'] });
    await b.set('/home', entry('home'), { ttlSeconds: 60, tags: [] });
    assert.equal((await b.get('/p/1'))?.html, 'p1');

    await a.invalidateTag('product:1');
    assert.equal(await b.get('/p/1'), undefined);
    assert.equal((await b.get('/p/2'))?.html, 'p2');
    assert.equal(await raw.exists(`${prefix}t:product:1`), 0);

    await a.invalidateTag('products');
    assert.equal(await b.get('/p/2'), undefined);
    assert.equal((await b.get('/home'))?.html, 'home');
    await a.invalidateTag('never-used');
  });

  it('invalidates a tag with more entries than one script batch', async () => {
    const a = store();
    const b = store();
    await Promise.all(
      Array.from({ length: 2500 }, (_, i) => a.set(`/many/${i}`, entry(`m${i}`), { ttlSeconds: 60, tags: ['many'] })),
    );
    assert.equal(await raw.zcard(`${prefix}t:many`), 2500);
    await b.invalidateTag('many');
    assert.equal(await a.get('/many/0'), undefined);
    assert.equal(await a.get('/many/2499'), undefined);
    const [, left] = await raw.scan('0', 'MATCH', `${prefix}k:/many/*`, 'COUNT', 10000);
    assert.deepEqual(left, []);
  });

  it('honours the ttl', async () => {
    const a = store();
    const b = store();
    await a.set('/short', entry('short'), { ttlSeconds: 1, tags: ['t'] });
    assert.equal((await b.get('/short'))?.html, 'short');
    await sleep(1100);
    assert.equal(await b.get('/short'), undefined);
  });

  it("keeps a tag's set at least as long as its longest-lived entry", async () => {
    const a = store();
    await a.set('/long', entry('long'), { ttlSeconds: 600, tags: ['mixed'] });
    await a.set('/short', entry('short'), { ttlSeconds: 1, tags: ['mixed'] });
    const pttl = await raw.pttl(`${prefix}t:mixed`);
    assert.ok(pttl > 590_000, `pttl ${pttl}`);
    await a.set('/longer', entry('longer'), { ttlSeconds: 900, tags: ['mixed'] });
    assert.ok((await raw.pttl(`${prefix}t:mixed`)) > 890_000);
  });

  it('drops expired keys from a tag when storing under it again', async () => {
    const a = store();
    await a.set('/gone', entry('gone'), { ttlSeconds: 1, tags: ['busy'] });
    await sleep(1100);
    await a.set('/fresh', entry('fresh'), { ttlSeconds: 60, tags: ['busy'] });
    assert.deepEqual(await raw.zrange(`${prefix}t:busy`, '0', '-1'), [`${prefix}k:/fresh`]);
  });

  it('deletes by key, for every process', async () => {
    const a = store();
    const b = store();
    await a.set('/one', entry('one'), { ttlSeconds: 60, tags: ['t'] });
    await a.set('/two', entry('two'), { ttlSeconds: 60, tags: ['t'] });
    await b.delete('/one');
    assert.equal(await a.get('/one'), undefined);
    assert.equal((await a.get('/two'))?.html, 'two');
    await b.delete('/never-set');
  });

  it('treats something else found under an entry key as a miss', async () => {
    const a = store();
    await raw.set(`${prefix}k:/odd`, 'not json');
    await raw.set(`${prefix}k:/odd2`, '{"html":1}');
    assert.equal(await a.get('/odd'), undefined);
    assert.equal(await a.get('/odd2'), undefined);
  });

  it('refuses bad arguments before touching Redis', async () => {
    const a = store();
    await assert.rejects(a.set('/bad', entry('x'), { ttlSeconds: 0, tags: [] }), RangeError);
    await assert.rejects(a.set('/bad', entry('x'), { ttlSeconds: 60, tags: [2 as unknown as string] }), TypeError);
    await assert.rejects(a.get(3 as unknown as string), TypeError);
    assert.equal(await raw.exists(`${prefix}k:/bad`), 0);
  });

  it('closes only a connection it opened', async () => {
    const own = new Redis(url);
    try {
      const lent = createRedisCacheStore({ redis: own, prefix });
      await lent.set('/lent', entry('lent'), { ttlSeconds: 60, tags: [] });
      await lent.close?.();
      assert.equal(own.status, 'ready');
      assert.equal(await own.exists(`${prefix}k:/lent`), 1);
      await assert.rejects(lent.get('/lent'), /closed/);

      const opener = createRedisCacheStore({ url, prefix });
      await opener.get('/lent');
      await opener.close?.();
      await opener.close?.();
      await assert.rejects(opener.get('/lent'), /closed/);
    } finally {
      await own.quit();
    }
  });

  it('reports errors of a connection it opened', async () => {
    const errors: unknown[] = [];
    const broken = createRedisCacheStore({
      url: 'redis://127.0.0.1:1',
      prefix,
      onError: (error) => errors.push(error),
    });
    try {
      const started = Date.now();
      while (errors.length === 0 && Date.now() - started < 3000) await sleep(20);
      assert.ok(errors.length > 0);
    } finally {
      await broken.close?.();
    }
  });
});
