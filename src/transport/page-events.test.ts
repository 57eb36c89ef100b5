/** Page events over HTTP: who hears them, what the answer holds, and listeners that are refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createWeft, type Weft, type WeftOptions } from '../app.js';
import { Component } from '../core/component.js';
import { html } from '../core/html.js';
import { Registry } from '../core/registry.js';
import { IsAuthenticated } from '../policy/permissions.js';
import { createHttpHandler, type HttpResponse, parseEventBody } from './http.js';
import { outOfBand } from './page-events.js';

/** Emits `added` (to `to`, when given) and, with `twice`, `saved` too. */
class Product extends Component<{ adds: number }> {
  static override events = { add: z.object({ id: z.number(), to: z.string().optional(), twice: z.boolean().optional() }) };
  static override emits = ['added', 'saved'];
  mount() {
    return { adds: 0 };
  }
  add({ id, to, twice }: { id: number; to?: string | undefined; twice?: boolean | undefined }) {
    this.state.adds++;
    this.emit('added', { id }, to === undefined ? {} : { to });
    if (twice) {
      this.emit('saved', { id });
      this.emit('added', { id: id + 1 });
    }
  }
  override render() {
    return html`<p class="adds">${this.state.adds}</p>`;
  }
}

class Basket extends Component<{ ids: number[] }> {
  static override events = { put: z.object({ id: z.number().max(100) }), explode: true };
  static override listeners = { added: 'put' };
  mount() {
    return { ids: [] };
  }
  put({ id }: { id: number }) {
    if (id === 66) throw new Error('the basket broke');
    this.state.ids.push(id);
  }
  explode() {}
  override render() {
    return html`<p class="ids">${this.state.ids.join(',')}</p>`;
  }
}

/** Emits `added` and listens to it: it hears only the others. */
class Echo extends Component<{ heard: number }> {
  static override events = { say: true, hear: true };
  static override emits = ['added'];
  static override listeners = { added: 'hear' };
  mount() {
    return { heard: 0 };
  }
  say() {
    this.emit('added', { id: 0 });
  }
  hear() {
    this.state.heard++;
  }
  override render() {
    return html`<p class="heard">${this.state.heard}</p>`;
  }
}

/** Listens to `added` and `saved`, but its event needs a signed-in user and is limited to 3 a minute. */
class Ledger extends Component<{ n: number }> {
  static override events = { note: true };
  static override listeners = { added: 'note', saved: 'note' };
  static override eventPolicies = { note: { permissions: [IsAuthenticated], rateLimit: '3/minute' } };
  mount() {
    return { n: 0 };
  }
  note() {
    this.state.n++;
  }
  override render() {
    return html`<p class="n">${this.state.n}</p>`;
  }
}

interface App {
  weft: Weft;
  warnings: string[];
  errors: unknown[];
  post(body: unknown, user?: string): Promise<HttpResponse>;
}

function makeApp(options: WeftOptions = {}): App {
  const registry = new Registry();
  registry.register('product', Product);
  registry.register('basket', Basket);
  registry.register('ledger', Ledger);
  registry.register('echo', Echo);
  const warnings: string[] = [];
  const errors: unknown[] = [];
  const weft = createWeft({
    registry,
    secret: 'page-events-secret-0123456789abcdefghij',
    mode: 'development',
    allowedHosts: ['app.test'],
    user: ({ request }) => (request.headers['x-user'] ? { id: request.headers['x-user'] } : undefined),
    logger: { warn: (message: string) => void warnings.push(message), error: (...args: unknown[]) => void errors.push(args) },
    ...options,
  });
  const handler = createHttpHandler(weft);
  return {
    weft,
    warnings,
    errors,
    async post(body, user) {
      const res = await handler({
        method: 'POST',
        url: new URL('http://app.test/components/product/'),
        headers: { host: 'app.test', 'content-type': 'application/json', ...(user && { 'x-user': user }) },
        ip: '203.0.113.9',
        body: async () => JSON.stringify(body),
      });
      assert.ok(res);
      return res;
    },
  };
}

type Root = { id: string; blob: string | undefined };
const entry = (r: Root, name = 'basket') => ({ id: r.id, name, state: r.blob });
/** The out-of-band roots of an answer: id → the text of its first element. */
function outOfBandRoots(res: HttpResponse): Record<string, string> {
  return Object.fromEntries(
    [...String(res.body).matchAll(/<div hx-swap-oob="morph" id="([^"]+)"[^>]*><p class="[a-z]+">([^<]*)<\/p><\/div>/g)].map((m) => [m[1], m[2]]),
  );
}

describe('page events over HTTP', () => {
  it('run each listener named in the request that listens, once, and answer its new root out of band after the sender', async () => {
    const app = makeApp();
    const product = await app.weft.render('product');
    const [b1, b2] = [await app.weft.render('basket'), await app.weft.render('basket')];
    // Listed, but not listening to anything the product emits.
    const ledger = await app.weft.render('ledger');
    const res = await app.post({ event: 'add', payload: { id: 7 }, state: product.blob, listeners: [entry(b1), entry(b2)] });
    assert.equal(res.status, 200, String(res.body));
    const body = String(res.body);
    assert.ok(body.startsWith(`<div id="${product.id}" weft="product"`));
    assert.deepEqual(outOfBandRoots(res), { [b1.id]: '7', [b2.id]: '7' });
    assert.ok(body.indexOf(b1.id) < body.indexOf(b2.id), 'in the order the request named them');
    assert.ok(!body.includes(ledger.id), 'a root not named is not touched');
    assert.equal(res.headers['hx-trigger'], '{"added":{"id":7}}');
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['weft-skipped'], undefined);
  });

  it('merge several emits into one HX-Trigger and run every mapped event, one render per listener', async () => {
    const app = makeApp();
    const ann = { user: { id: 'ann' } };
    const ledger = await app.weft.render('ledger', {}, ann);
    const basket = await app.weft.render('basket', {}, ann);
    const product = await app.weft.render('product', {}, ann);
    const res = await app.post({ event: 'add', payload: { id: 1, twice: true }, state: product.blob, listeners: [entry(ledger, 'ledger'), entry(basket)] }, 'ann');
    assert.equal(res.status, 200, String(res.body));
    assert.equal(res.headers['hx-trigger'], '{"added":{"id":2},"saved":{"id":1}}');
    // The ledger heard added, saved and added: three runs of note, one render.
    assert.deepEqual(outOfBandRoots(res), { [ledger.id]: '3', [basket.id]: '1,2' });
    assert.equal((String(res.body).match(/weft-state=/g) ?? []).length, 3, 'the sender and two listeners, each once');
  });

  it('never run the sender as its own listener', async () => {
    const app = makeApp();
    const [me, other] = [await app.weft.render('echo'), await app.weft.render('echo')];
    const handler = createHttpHandler(app.weft);
    const res = await handler({
      method: 'POST',
      url: new URL('http://app.test/components/echo/'),
      headers: { host: 'app.test', 'content-type': 'application/json' },
      ip: '203.0.113.9',
      body: async () => JSON.stringify({ event: 'say', state: me.blob, listeners: [entry(me, 'echo'), entry(other, 'echo')] }),
    });
    assert.equal(res?.status, 200);
    assert.deepEqual(outOfBandRoots(res as HttpResponse), { [other.id]: '1' });
    assert.match(String(res?.body), new RegExp(`^<div id="${me.id}"[^>]*><p class="heard">0</p>`));
  });

  it("skip a listener with another user's blob, an anonymous one, a refused policy or payload; the sender's answer stands", async () => {
    const app = makeApp();
    const mine = await app.weft.render('product', {}, { user: { id: 'ann' } });
    const theirs = await app.weft.render('basket', {}, { user: { id: 'bob' } });
    const anonymous = await app.weft.render('ledger');
    const fine = await app.weft.render('basket', {}, { user: { id: 'ann' } });
    const res = await app.post({ event: 'add', payload: { id: 7 }, state: mine.blob, listeners: [entry(theirs), entry(fine)] }, 'ann');
    assert.equal(res.status, 200);
    assert.match(String(res.body), /<p class="adds">1<\/p>/);
    assert.deepEqual(outOfBandRoots(res), { [fine.id]: '7' });
    assert.equal(res.headers['weft-skipped'], `${theirs.id} 403 state_user`);
    assert.match(app.warnings.join('\n'), new RegExp(`listener ${theirs.id} \\(basket\\) skipped the page event: 403 state_user`));

    // Without a user: the ledger's event needs one, and bob's blob needs bob.
    const anon = await app.weft.render('product');
    const refused = await app.post({ event: 'add', payload: { id: 7 }, state: anon.blob, listeners: [entry(anonymous, 'ledger'), entry(theirs)] });
    assert.equal(refused.status, 200);
    assert.equal(refused.headers['weft-skipped'], `${anonymous.id} 401 unauthenticated, ${theirs.id} 401 unauthenticated`);
    assert.equal(refused.headers['hx-redirect'], undefined, 'a refused listener sends no one to the login page');
    assert.deepEqual(outOfBandRoots(refused), {});

    // A payload its schema refuses, and a handler that throws (logged as an error).
    const basket = await app.weft.render('basket');
    const big = await app.post({ event: 'add', payload: { id: 101 }, state: anon.blob, listeners: [entry(basket)] });
    assert.equal(big.headers['weft-skipped'], `${basket.id} 422 invalid_payload`);
    const broke = await app.post({ event: 'add', payload: { id: 66 }, state: anon.blob, listeners: [entry(basket)] });
    assert.equal(broke.status, 200);
    assert.equal(broke.headers['weft-skipped'], `${basket.id} 500 handler_error`);
    assert.equal(app.errors.length, 1, 'the thrown error is logged');
  });

  it("count a listener's events against its own rate limit", async () => {
    const app = makeApp();
    const ledger = await app.weft.render('ledger', {}, { user: { id: 'ann' } });
    const product = await app.weft.render('product', {}, { user: { id: 'ann' } });
    const send = () => app.post({ event: 'add', payload: { id: 1 }, state: product.blob, listeners: [entry(ledger, 'ledger')] }, 'ann');
    for (let i = 0; i < 3; i++) assert.equal((await send()).headers['weft-skipped'], undefined);
    const limited = await send();
    assert.equal(limited.status, 200);
    assert.equal(limited.headers['weft-skipped'], `${ledger.id} 429 rate_limited`);
  });

  it("count a forged listener blob against the client, without ever failing the sender's answer", async () => {
    const app = makeApp({ signatureFailures: { points: 1, durationSeconds: 600 } });
    const product = await app.weft.render('product');
    const basket = await app.weft.render('basket');
    const [v, body, sig] = (basket.blob as string).split('.') as [string, string, string];
    const forged = { ...entry(basket), state: `${v}.${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}.${sig}` };
    for (let i = 0; i < 3; i++) {
      const res = await app.post({ event: 'add', payload: { id: 1 }, state: product.blob, listeners: [forged] });
      assert.equal(res.status, 200);
      assert.equal(res.headers['weft-skipped'], `${basket.id} 400 state_signature`);
    }
    // The client is past its allowance: its own forged blob now gets 429.
    const res = await app.post({ event: 'add', payload: { id: 1 }, state: forged.state });
    assert.equal(res.status, 429);
  });

  it('touch no listener an emit is not for, and check listeners even then', async () => {
    const app = makeApp();
    const product = await app.weft.render('product');
    const res = await app.post({ event: 'add', payload: { id: 1, to: '#nobody-1' }, state: product.blob, listeners: [entry(await app.weft.render('basket'))] });
    assert.deepEqual(outOfBandRoots(res), {});
    assert.equal(res.headers['hx-trigger'], '{"added":{"id":1}}');
    const bad = await app.post({ event: 'add', payload: { id: 1 }, state: product.blob, listeners: [{ id: 'x-1', name: 'basket', state: 'v1', children: [] }] });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body), /"listeners\[0\]\.children\\" must be an object/);
  });
});

describe('parseEventBody', () => {
  it('keeps the listeners of an event request, checked', () => {
    const listeners = [{ id: 'basket-a1', name: 'basket', state: 'v1.x.y', children: { 'basket-a1-k': 'AbCdEfGh_-12' } }, { id: 'basket-b2', name: 'basket', state: 'v1.x.y' }];
    assert.deepEqual(parseEventBody('product', { event: 'add', state: 's', listeners }, 10).listeners, listeners);
    assert.equal(parseEventBody('product', { event: 'add', state: 's' }, 10).listeners, undefined);
    assert.deepEqual(parseEventBody('product', { event: 'add', state: 's', listeners: [] }, 10).listeners, []);
  });
});

describe('outOfBand', () => {
  it('marks a root for htmx to morph out of band', () => {
    assert.equal(outOfBand('<li id="a-1" weft="a">x</li>'), '<li hx-swap-oob="morph" id="a-1" weft="a">x</li>');
    assert.throws(() => outOfBand('text'), /not a root element/);
  });
});
