import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createMemoryCacheStore, etagOf, type CacheEntry, type MemoryCacheStore, type MemoryCacheStoreOptions } from './index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function entry(html: string): CacheEntry {
  return { html, etag: etagOf(html), storedAt: Date.now() };
}

const opened: MemoryCacheStore[] = [];
function store(options?: MemoryCacheStoreOptions): MemoryCacheStore {
  const created = createMemoryCacheStore(options);
  opened.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const hour = { ttlSeconds: 3600, tags: [] as string[] };

describe('createMemoryCacheStore', () => {
  it('gets what was set, and nothing for a key never set', async () => {
    const cache = store();
    const stored = entry('<p>hello</p>');
    await cache.set('/hello', stored, hour);
    assert.deepEqual(await cache.get('/hello'), stored);
    assert.equal(await cache.get('/other'), undefined);
  });

  it('keeps the assets a render used, and refuses a malformed list', async () => {
    const cache = store();
    const assets = [{ kind: 'css' as const, hash: 'AbCdEfGhIjKlMnOp', file: 'card.AbCdEfGhIjKlMnOp.css' }];
    await cache.set('/a', { ...entry('a'), assets }, { ttlSeconds: 60, tags: [] });
    assert.deepEqual((await cache.get('/a'))?.assets, assets);
    await assert.rejects(cache.set('/b', { ...entry('b'), assets: [{ kind: 'png', hash: 'x', file: 'x' }] as never }, { ttlSeconds: 60, tags: [] }), TypeError);
  });

  it('keeps its own copy of the entry', async () => {
    const cache = store();
    const stored = entry('<p>one</p>');
    await cache.set('/', stored, hour);
    stored.html = '<p>changed</p>';
    assert.equal((await cache.get('/'))?.html, '<p>one</p>');
  });

  it('replaces an entry set again under the same key', async () => {
    const cache = store();
    await cache.set('/', entry('<p>one</p>'), hour);
    await cache.set('/', entry('<p>two</p>'), hour);
    assert.equal((await cache.get('/'))?.html, '<p>two</p>');
    assert.equal(cache.stats().entries, 1);
  });

  it('delete removes one entry and its tag memberships', async () => {
    const cache = store();
    await cache.set('/a', entry('a'), { ttlSeconds: 60, tags: ['t'] });
    await cache.set('/b', entry('b'), { ttlSeconds: 60, tags: ['t'] });
    await cache.delete('/a');
    await cache.delete('/never-set');
    assert.equal(await cache.get('/a'), undefined);
    assert.equal((await cache.get('/b'))?.html, 'b');
    assert.deepEqual(cache.stats(), { entries: 1, bytes: 1, tags: 1, taggedKeys: 1 });
  });

  it('expires an entry after its ttl, and unlists it from its tags', async () => {
    const cache = store();
    await cache.set('/short', entry('short'), { ttlSeconds: 1, tags: ['t'] });
    await cache.set('/long', entry('long'), { ttlSeconds: 60, tags: ['t'] });
    assert.equal((await cache.get('/short'))?.html, 'short');
    await sleep(1100);
    // Checked before any get: the expiry itself must clean up, not the next read.
    assert.deepEqual(cache.stats(), { entries: 1, bytes: 4, tags: 1, taggedKeys: 1 });
    assert.equal(await cache.get('/short'), undefined);
    assert.equal((await cache.get('/long'))?.html, 'long');
  });

  it('invalidateTag removes only the entries stored with that tag', async () => {
    const cache = store();
    await cache.set('/p/1', entry('p1'), { ttlSeconds: 60, tags: ['product:1'] });
    await cache.set('/p/2', entry('p2'), { ttlSeconds: 60, tags: ['product:2'] });
    await cache.set('/home', entry('home'), { ttlSeconds: 60, tags: [] });
    await cache.invalidateTag('product:1');
    assert.equal(await cache.get('/p/1'), undefined);
    assert.equal((await cache.get('/p/2'))?.html, 'p2');
    assert.equal((await cache.get('/home'))?.html, 'home');
    assert.deepEqual(cache.stats(), { entries: 2, bytes: 6, tags: 1, taggedKeys: 1 });
    await cache.invalidateTag('unknown');
    assert.equal(cache.stats().entries, 2);
  });

  it('an entry with two tags goes with either, and leaves the other tag too', async () => {
    const cache = store();
    await cache.set('/list', entry('list'), { ttlSeconds: 60, tags: ['product:1', 'product:2'] });
    await cache.set('/p/2', entry('p2'), { ttlSeconds: 60, tags: ['product:2'] });
    await cache.invalidateTag('product:1');
    assert.equal(await cache.get('/list'), undefined);
    assert.equal((await cache.get('/p/2'))?.html, 'p2');
    // product:2 no longer lists /list, so invalidating it drops only /p/2.
    assert.deepEqual(cache.stats(), { entries: 1, bytes: 2, tags: 1, taggedKeys: 1 });

    await cache.set('/list', entry('list'), { ttlSeconds: 60, tags: ['product:1', 'product:2'] });
    await cache.invalidateTag('product:2');
    assert.equal(await cache.get('/list'), undefined);
    assert.equal(await cache.get('/p/2'), undefined);
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, tags: 0, taggedKeys: 0 });
  });

  it('a repeated tag counts once', async () => {
    const cache = store();
    await cache.set('/', entry('x'), { ttlSeconds: 60, tags: ['t', 't'] });
    assert.deepEqual(cache.stats(), { entries: 1, bytes: 1, tags: 1, taggedKeys: 1 });
  });

  it('an entry set again with other tags is listed under the new tags only', async () => {
    const cache = store();
    await cache.set('/', entry('one'), { ttlSeconds: 60, tags: ['old', 'both'] });
    await cache.set('/', entry('two'), { ttlSeconds: 60, tags: ['both', 'new'] });
    assert.deepEqual(cache.stats(), { entries: 1, bytes: 3, tags: 2, taggedKeys: 2 });
    await cache.invalidateTag('old');
    assert.equal((await cache.get('/'))?.html, 'two');
    await cache.invalidateTag('new');
    assert.equal(await cache.get('/'), undefined);
  });

  it('evicts the least recently used entry past maxEntries, and unlists it', async () => {
    const cache = store({ maxEntries: 2 });
    await cache.set('/a', entry('a'), { ttlSeconds: 60, tags: ['a'] });
    await cache.set('/b', entry('b'), { ttlSeconds: 60, tags: ['b'] });
    await cache.get('/a'); // now /b is the least recently used
    await cache.set('/c', entry('c'), { ttlSeconds: 60, tags: ['c'] });
    assert.equal(await cache.get('/b'), undefined);
    assert.equal((await cache.get('/a'))?.html, 'a');
    assert.equal((await cache.get('/c'))?.html, 'c');
    assert.deepEqual(cache.stats(), { entries: 2, bytes: 2, tags: 2, taggedKeys: 2 });
  });

  it('the tag index stays as small as the cache under many keys', async () => {
    const cache = store({ maxEntries: 10 });
    for (let i = 0; i < 500; i++) {
      await cache.set(`/item/${i}`, entry(`item ${i}`), { ttlSeconds: 60, tags: ['items', `item:${i}`] });
    }
    const stats = cache.stats();
    assert.equal(stats.entries, 10);
    assert.equal(stats.tags, 11);
    assert.equal(stats.taggedKeys, 20);
  });

  it('evicts past maxBytes (counted in HTML length), and unlists what it evicts', async () => {
    const cache = store({ maxBytes: 10 });
    await cache.set('/a', entry('aaaa'), { ttlSeconds: 60, tags: ['a'] });
    await cache.set('/b', entry('bbbb'), { ttlSeconds: 60, tags: ['b'] });
    assert.deepEqual(cache.stats(), { entries: 2, bytes: 8, tags: 2, taggedKeys: 2 });
    await cache.set('/c', entry('cccc'), { ttlSeconds: 60, tags: ['c'] });
    assert.equal(await cache.get('/a'), undefined);
    assert.deepEqual(cache.stats(), { entries: 2, bytes: 8, tags: 2, taggedKeys: 2 });
  });

  it('does not keep an entry longer than maxBytes, and drops the one it would replace', async () => {
    const cache = store({ maxBytes: 10 });
    await cache.set('/big', entry('small'), { ttlSeconds: 60, tags: ['t'] });
    await cache.set('/big', entry('x'.repeat(11)), { ttlSeconds: 60, tags: ['t'] });
    assert.equal(await cache.get('/big'), undefined);
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, tags: 0, taggedKeys: 0 });
  });

  it('keeps an empty page', async () => {
    const cache = store();
    await cache.set('/empty', entry(''), hour);
    assert.equal((await cache.get('/empty'))?.html, '');
  });

  it('refuses bad options and arguments', async () => {
    assert.throws(() => createMemoryCacheStore({ maxEntries: 0 }), RangeError);
    assert.throws(() => createMemoryCacheStore({ maxBytes: 1.5 }), RangeError);
    const cache = store();
    const ok = entry('x');
    await assert.rejects(cache.set('/', ok, { ttlSeconds: 0, tags: [] }), RangeError);
    await assert.rejects(cache.set('/', ok, { ttlSeconds: 1.5, tags: [] }), RangeError);
    await assert.rejects(cache.set('/', ok, { ttlSeconds: Number.NaN, tags: [] }), RangeError);
    await assert.rejects(cache.set('/', ok, { ttlSeconds: 60, tags: [1 as unknown as string] }), TypeError);
    await assert.rejects(cache.set('/', ok, { ttlSeconds: 60, tags: 'a' as unknown as string[] }), TypeError);
    await assert.rejects(cache.set('/', { ...ok, html: undefined as unknown as string }, hour), TypeError);
    await assert.rejects(cache.set('/', { ...ok, storedAt: Number.POSITIVE_INFINITY }, hour), TypeError);
    await assert.rejects(cache.set(1 as unknown as string, ok, hour), TypeError);
    await assert.rejects(cache.get(undefined as unknown as string), TypeError);
    await assert.rejects(cache.invalidateTag(null as unknown as string), TypeError);
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, tags: 0, taggedKeys: 0 });
  });

  it('a ttl longer than a timer can wait still keeps the entry, with no timer overflowing', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const cache = store();
      await cache.set('/', entry('x'), { ttlSeconds: 365 * 24 * 3600, tags: [] });
      await sleep(20);
      assert.equal((await cache.get('/'))?.html, 'x');
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('is empty and unusable once closed', async () => {
    const cache = store();
    await cache.set('/', entry('x'), { ttlSeconds: 60, tags: ['t'] });
    await cache.close();
    await cache.close();
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, tags: 0, taggedKeys: 0 });
    await assert.rejects(cache.get('/'), /closed/);
    await assert.rejects(cache.set('/', entry('x'), hour), /closed/);
  });
});

describe('etagOf', () => {
  it('is a strong ETag of 22 base64url characters', () => {
    const etag = etagOf('<p>hello</p>');
    assert.equal(etag.length, 24);
    assert.ok(etag.startsWith('"') && etag.endsWith('"'));
    for (const char of etag.slice(1, -1)) {
      assert.ok('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.includes(char), char);
    }
  });

  it('is stable, and differs for different HTML', () => {
    assert.equal(etagOf('<p>hello</p>'), etagOf('<p>hello</p>'));
    assert.notEqual(etagOf('<p>hello</p>'), etagOf('<p>hello!</p>'));
    assert.notEqual(etagOf(''), etagOf(' '));
  });

  it('is the SHA-256 of the UTF-8 bytes', () => {
    // sha256("") is e3b0c442…; in base64url 47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU.
    assert.equal(etagOf(''), '"47DEQpj8HBSa-_TImW-5JC"');
    assert.notEqual(etagOf('é'), etagOf('e\u0301'));
  });

  it('refuses what is not a string', () => {
    assert.throws(() => etagOf(undefined as unknown as string), TypeError);
  });
});
