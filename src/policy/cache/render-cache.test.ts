import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Component, type ComponentClass, fullContext } from '../../core/component.js';
import type { CacheKeyInput, CacheOption, CurrentUser, Permission } from '../../core/policy.js';
import { all, IsAuthenticated, permission } from '../permissions.js';
import { checkCacheOption, RenderCache } from './render-cache.js';
import { createMemoryCacheStore } from './store.js';
import { etagOf } from './etag.js';

class Page extends Component<object, { id?: string }> {
  mount() {
    return {};
  }
}

function typeWith(cache: CacheOption | undefined, permissions: readonly Permission[] = []): ComponentClass {
  return class extends Page {
    static override cache = cache;
    static override permissions = permissions;
  } as unknown as ComponentClass;
}

const anonymous = fullContext({});
const ada = fullContext({ user: { id: 'ada' } as CurrentUser });
const bob = fullContext({ user: { id: 'bob' } as CurrentUser });

const cache = (): RenderCache => new RenderCache(createMemoryCacheStore());

describe('RenderCache.plan()', () => {
  it('has no plan for a component without static cache', () => {
    assert.equal(cache().plan('page', typeWith(undefined), { id: '1' }, anonymous), undefined);
    assert.equal(cache().plan('page', typeWith(undefined), { id: '1' }, ada), undefined);
  });

  it('keys an anonymous request by the component and its params (in any order), with the ttl and tags', () => {
    const type = typeWith({ ttl: 60, tags: ({ params }) => [`page:${String(params.id)}`] });
    const plan = cache().plan('page', type, { id: '7', sort: 'name' }, anonymous);
    assert.deepEqual(plan, { key: 'page:{"id":"7","sort":"name"}', ttl: 60, tags: ['page:7'] });
    assert.equal(cache().plan('page', type, { sort: 'name', id: '7' }, anonymous)?.key, plan?.key);
    assert.notEqual(cache().plan('other', type, { id: '7', sort: 'name' }, anonymous)?.key, plan?.key, 'two components never share a key');
  });

  it('uses the component’s key function for anonymous requests', () => {
    const type = typeWith({ ttl: 5, key: ({ params }) => `p${String(params.id)}` });
    assert.deepEqual(cache().plan('page', type, { id: '3' }, anonymous), { key: 'page:p3', ttl: 5, tags: [] });
  });

  it('bypasses the cache for a request with a user when the key does not read the user', () => {
    assert.equal(cache().plan('page', typeWith({ ttl: 60 }), { id: '1' }, ada), undefined, 'default key: params only');
    const keyed = typeWith({ ttl: 60, key: ({ params }) => String(params.id) });
    assert.equal(cache().plan('page', keyed, { id: '1' }, ada), undefined);
    assert.ok(cache().plan('page', keyed, { id: '1' }, anonymous), 'the same component is cached for anonymous requests');
  });

  it('keeps users apart even when a key reads the user but leaves them out of the key', () => {
    const perUser = new RenderCache(createMemoryCacheStore(), (user) => (user as { id: string } | undefined)?.id);
    const type = typeWith({ ttl: 60, key: ({ user }) => (user ? 'same' : 'anon') });
    const forAda = perUser.plan('page', type, {}, ada);
    const forBob = perUser.plan('page', type, {}, bob);
    assert.ok(forAda && forBob);
    assert.notEqual(forAda.key, forBob.key, 'the HTML (and its user-bound blob) of one user never reaches another');
  });

  it('keeps one entry per user when the key reads the user', () => {
    const seen: (CurrentUser | undefined)[] = [];
    const type = typeWith({
      ttl: 60,
      key: (input: CacheKeyInput) => {
        seen.push(input.user);
        return `${String(input.params.id)}:${String((input.user as { id?: string } | undefined)?.id ?? 'anon')}`;
      },
    });
    const a = cache().plan('page', type, { id: '1' }, ada);
    const b = cache().plan('page', type, { id: '1' }, bob);
    const anon = cache().plan('page', type, { id: '1' }, anonymous);
    assert.deepEqual([a?.key, b?.key, anon?.key], ['page:1:ada', 'page:1:bob', 'page:1:anon']);
    assert.deepEqual(seen, [ada.user, bob.user, undefined]);
  });

  it('does not give the tags function the user', () => {
    let given: object | undefined;
    const type = typeWith({ ttl: 60, tags: (input) => ((given = input), []) });
    cache().plan('page', type, { id: '1' }, anonymous);
    assert.deepEqual(given, { name: 'page', params: { id: '1' } });
  });

  it('never caches a component whose permissions need its state', () => {
    const owns = permission('Owns', () => true);
    const key = ({ user }: CacheKeyInput): string => String((user as { id?: string } | undefined)?.id);
    assert.equal(cache().plan('page', typeWith({ ttl: 60 }, [owns]), {}, anonymous), undefined);
    assert.equal(cache().plan('page', typeWith({ ttl: 60, key }, [IsAuthenticated, owns]), {}, ada), undefined);
    assert.equal(cache().plan('page', typeWith({ ttl: 60 }, [all(IsAuthenticated, owns)]), {}, anonymous), undefined, 'nor inside all()');
    assert.ok(cache().plan('page', typeWith({ ttl: 60, key }, [IsAuthenticated]), {}, ada), 'request-stage permissions run before the cache');
  });

  it('refuses a key function that returns something other than a string', () => {
    const type = typeWith({ ttl: 60, key: (() => 42) as never });
    assert.throws(() => cache().plan('page', type, {}, anonymous), /page: static cache\.key must return a string/);
  });
});

describe('RenderCache entries', () => {
  it('keeps a render with its ETag, and drops it by key or by tag', async () => {
    const renderCache = cache();
    const type = typeWith({ ttl: 60, key: ({ params }) => String(params.id), tags: ({ params }) => [`product:${String(params.id)}`] });
    const one = renderCache.plan('page', type, { id: '1' }, anonymous)!;
    const two = renderCache.plan('page', type, { id: '2' }, anonymous)!;
    const entry = await renderCache.set(one, '<p>one</p>');
    assert.equal(entry.etag, etagOf('<p>one</p>'));
    await renderCache.set(two, '<p>two</p>');
    assert.equal((await renderCache.get(one))?.html, '<p>one</p>');
    await renderCache.invalidateKey('page', '1');
    assert.equal(await renderCache.get(one), undefined);
    assert.equal((await renderCache.get(two))?.html, '<p>two</p>');
    await renderCache.invalidateTag('product:2');
    assert.equal(await renderCache.get(two), undefined);
  });
});

describe('checkCacheOption()', () => {
  const where = 'page: static cache';

  it('accepts no option and well-formed ones', () => {
    checkCacheOption(undefined, where, 3600);
    checkCacheOption({ ttl: 1 }, where, 3600);
    checkCacheOption({ ttl: 3600, key: () => 'k', tags: () => [], http: { maxAge: 0, scope: 'public' } }, where, 3600);
  });

  it('refuses a missing, fractional, zero or non-number ttl', () => {
    for (const option of [{}, { ttl: 0 }, { ttl: 1.5 }, { ttl: '60' }, { ttl: -1 }, 60, null]) {
      assert.throws(() => checkCacheOption(option, where, 3600), /page: static cache must be \{ ttl: <whole seconds ≥ 1>/, JSON.stringify(option));
    }
  });

  it('refuses a ttl longer than the app’s stateMaxAge (the cached blob would expire first)', () => {
    assert.throws(() => checkCacheOption({ ttl: 3601 }, where, 3600), /page: static cache\.ttl \(3601 s\) is longer than the app's stateMaxAge \(3600 s\)/);
  });

  it('refuses a key or tags that is not a function', () => {
    assert.throws(() => checkCacheOption({ ttl: 60, key: 'id' }, where, 3600), /page: static cache\.key must be a function/);
    assert.throws(() => checkCacheOption({ ttl: 60, tags: ['a'] }, where, 3600), /page: static cache\.tags must be a function/);
  });

  it('refuses a malformed http option', () => {
    for (const http of [{}, { maxAge: -1 }, { maxAge: 1.5 }, { maxAge: '30' }, { maxAge: 30, scope: 'shared' }]) {
      assert.throws(() => checkCacheOption({ ttl: 60, http }, where, 3600), /page: static cache\.http must be \{ maxAge/, JSON.stringify(http));
    }
  });
});

describe('a cached view keeps what its render needs', () => {
  it('a render served from the cache lists the component assets the first render used', async () => {
    const { createWeft } = await import('../../app.js');
    const { Registry } = await import('../../core/registry.js');
    const { html } = await import('../../core/html.js');
    class Card extends Component<Record<string, never>> {
      static override css = '.card { color: teal }';
      static override cache = { ttl: 60 };
      mount() {
        return {};
      }
      override render() {
        return html`<p class="card">card</p>`;
      }
    }
    const registry = new Registry();
    registry.register('card', Card);
    const weft = createWeft({ registry, secret: 'render-cache-assets-secret-0123456789', mode: 'development' });
    const first = await weft.render(Card);
    const second = await weft.render(Card);
    assert.equal(first.cached, 'stored');
    assert.equal(second.cached, 'hit');
    assert.equal(second.assets?.length, 1);
    assert.deepEqual(second.assets, first.assets);
  });
});
