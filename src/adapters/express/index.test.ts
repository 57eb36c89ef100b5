import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { weft as weftMiddleware, weftErrors } from './index.js';
import { userFromLocals } from '../../policy/user.js';

const SECRET = 'express-adapter-test-secret-0123456789ab';

class Counter extends Component<{ count: number }> {
  static override events = { increment: true };
  mount() {
    return { count: 0 };
  }
  increment(): void {
    this.state.count++;
  }
  override render() {
    return html`<p class="count">${this.state.count}</p><p class="user">${String(this.context.locals.user ?? '')}</p>`;
  }
}

/** Shows the client address Weft found. */
class Where extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override render() {
    return html`<p>${this.context.request?.ip ?? ''}</p>`;
  }
}

const registry = new Registry();
registry.register('counter', Counter);
registry.register('where', Where);

/** What the apps below logged with `logger.warn`. */
const warnings: string[] = [];
const logger = { error() {}, warn: (message: string) => void warnings.push(message) };

function makeApp(): Weft {
  return createWeft({ registry, secret: SECRET, mode: 'development', logger });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((err) => (err ? reject(err) : resolve()));
  });
}

/** Errors that reached the app's last error handler. */
let passed: unknown[] = [];

const lastHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  passed.push(err);
  res.status(500).type('text/plain').send('passed on');
};

function postJson(base: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('express adapter behind express.json()', () => {
  let server: Server;
  let base: string;
  let weft: Weft;

  before(async () => {
    weft = makeApp();
    const app = express();
    app.use((req, _res, next) => (req.headers['x-boom'] ? next(new Error('boom')) : next()));
    app.use((req, _res, next) =>
      req.headers['x-deny'] ? next(Object.assign(new Error('who are you?'), { status: 401, expose: true })) : next(),
    );
    app.use(express.json({ limit: 200 }));
    app.use((req, res, next) => {
      res.locals.user = req.headers['x-user'];
      next();
    });
    app.use(weftMiddleware(weft));
    app.get('/other', (_req, res) => {
      res.type('text/plain').send('other get');
    });
    app.post('/other', (req, res) => {
      res.json({ echoed: req.body as unknown });
    });
    app.use(weftErrors(weft));
    app.use(lastHandler);
    server = createServer(app);
    base = await listen(server);
  });
  after(() => close(server));
  beforeEach(() => {
    passed = [];
  });

  async function blob(): Promise<string> {
    const { blob } = await weft.render('counter');
    assert.ok(blob);
    return blob;
  }

  it('serves an event from the re-serialised parsed body, with res.locals as locals', async () => {
    const res = await postJson(base, '/components/counter/', JSON.stringify({ state: await blob(), event: 'increment' }), {
      'x-user': 'ada',
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(text, /<p class="count">1<\/p><p class="user">ada<\/p>/);
  });

  it('warns once, not per event, that the body parser\'s size limit applies to events instead of Weft\'s', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await postJson(base, '/components/counter/', JSON.stringify({ state: await blob(), event: 'increment' }));
      assert.equal(res.status, 200);
    }
    const about = warnings.filter((w) => w.includes('body parser mounted before Weft'));
    assert.equal(about.length, 1, warnings.join('\n'));
    assert.match(about[0] as string, /maxBodyBytes \(1048576 bytes\)/);
    assert.match(about[0] as string, /Mount Weft's middleware before the body parser/);
    assert.match(about[0] as string, /express\.json\(\{ limit: '1mb' \}\)/);
  });

  it('serves assets', async () => {
    const res = await fetch(`${base}/weft/weft.min.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    await res.arrayBuffer();
  });

  it('calls next() for routes Weft does not serve', async () => {
    const get = await fetch(`${base}/other`);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), 'other get');
    const post = await postJson(base, '/other', '{"a":1}');
    assert.deepEqual(await post.json(), { echoed: { a: 1 } });
    // An unknown asset falls through to Express's own 404.
    const missing = await fetch(`${base}/weft/nope.js`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /Cannot GET \/weft\/nope\.js/);
    assert.deepEqual(passed, []);
  });

  it('maps a body-parser parse failure on an event URL to 400 bad_json', async () => {
    const res = await postJson(base, '/components/counter/', '{"event":');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { error: 'body is not valid JSON', code: 'bad_json' });
    assert.deepEqual(passed, []);
  });

  it('maps a body-parser size failure on an event URL to 413 too_large', async () => {
    const body = JSON.stringify({ event: 'increment', payload: { pad: 'x'.repeat(300) } });
    const res = await postJson(base, '/components/counter/', body);
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(((await res.json()) as { code: string }).code, 'too_large');
    assert.deepEqual(passed, []);
  });

  it('maps an unsupported charset on an event URL to 415 unsupported_media_type', async () => {
    const res = await postJson(base, '/components/counter/', '{"event":"increment"}', {
      'content-type': 'application/json; charset=latin1',
    });
    const text = await res.text();
    assert.deepEqual(passed.map((err) => (err as { type?: string }).type), [], 'the parser error was passed on');
    assert.equal(res.status, 415);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal((JSON.parse(text) as { code: string }).code, 'unsupported_media_type');
  });

  it('maps an undecodable (corrupt gzip) body on an event URL to 400 bad_request', async () => {
    const res = await postJson(base, '/components/counter/', 'not gzip at all', { 'content-encoding': 'gzip' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as { code: string; error: string };
    assert.equal(body.code, 'bad_request');
    assert.match(body.error, /^request body could not be read: /);
    assert.deepEqual(passed, []);
  });

  it('passes an exposable 401 from another middleware on an event URL to the next error handler', async () => {
    const res = await postJson(base, '/components/counter/', '{"event":"increment"}', { 'x-deny': '1' });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'passed on');
    assert.equal((passed[0] as { status?: number }).status, 401);
  });

  it('passes body-parser errors on other URLs to the next error handler', async () => {
    const bad = await postJson(base, '/other', '{"a":');
    assert.equal(bad.status, 500);
    assert.equal(await bad.text(), 'passed on');
    const big = await postJson(base, '/other', JSON.stringify({ pad: 'x'.repeat(300) }));
    assert.equal(big.status, 500);
    await big.text();
    assert.deepEqual(
      passed.map((err) => (err as { type?: string }).type),
      ['entity.parse.failed', 'entity.too.large'],
    );
  });

  it('passes other errors on event URLs to the next error handler', async () => {
    const res = await postJson(base, '/components/counter/', '{"event":"increment"}', { 'x-boom': '1' });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'passed on');
    assert.equal(passed.length, 1);
    assert.equal((passed[0] as Error).message, 'boom');
  });
});

describe('express adapter with no body parser', () => {
  let server: Server;
  let base: string;
  let weft: Weft;

  before(async () => {
    weft = createWeft({ registry, secret: SECRET, mode: 'development', maxBodyBytes: 300, logger });
    const app = express();
    app.use(weftMiddleware(weft, { locals: (req) => ({ user: req.get('x-user') }) }));
    app.use((_req, res) => {
      res.status(404).type('text/plain').send('host 404');
    });
    server = createServer(app);
    base = await listen(server);
  });
  after(() => close(server));

  it('reads the raw body itself and uses the locals option', async () => {
    const { blob } = await weft.render('counter');
    const res = await postJson(base, '/components/counter/', JSON.stringify({ state: blob, event: 'increment' }), {
      'x-user': 'grace',
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /<p class="count">1<\/p><p class="user">grace<\/p>/);
  });

  it('refuses a raw body over the limit with 413 JSON', async () => {
    const res = await postJson(base, '/components/counter/', JSON.stringify({ event: 'increment', pad: 'x'.repeat(400) }));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'too_large');
  });

  it('calls next() for unmatched routes', async () => {
    const res = await fetch(`${base}/nowhere`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'host 404');
  });

  it('does not warn about a body parser when it reads the body itself', async () => {
    const before = warnings.length;
    const { blob } = await weft.render('counter');
    const res = await postJson(base, '/components/counter/', JSON.stringify({ state: blob, event: 'increment' }));
    assert.equal(res.status, 200);
    assert.deepEqual(warnings.slice(before), []);
  });
});

describe('express adapter and the client address', () => {
  async function whereWith(options: Parameters<typeof createWeft>[0]): Promise<string> {
    const weft = createWeft({ registry, secret: SECRET, mode: 'development', ...options }).view('/where', Where);
    const app = express();
    // Express's own proxy setting: Weft does not take it, so there is one place to say it.
    app.set('trust proxy', true);
    app.use(weftMiddleware(weft));
    const server = createServer(app);
    const base = await listen(server);
    try {
      const res = await fetch(`${base}/where`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      return await res.text();
    } finally {
      await close(server);
    }
  }

  it('is the socket address unless the app trusts proxies (Express\'s trust proxy is not consulted)', async () => {
    assert.match(await whereWith({}), /^<p>(::ffff:)?127\.0\.0\.1<\/p>$/);
  });

  it('follows the app\'s clientAddress option', async () => {
    assert.equal(await whereWith({ clientAddress: { trustedProxies: 1 } }), '<p>203.0.113.5</p>');
  });
});

describe('Express req.user', () => {
  class Me extends Component<{ me: string }> {
    static override events = { poke: true };
    mount() {
      return { me: String(this.user?.id ?? 'nobody') };
    }
    poke(): void {}
    override render() {
      return html`<p class="me">${this.state.me}</p>`;
    }
  }
  const users = new Registry();
  users.register('me', Me);
  const app = createWeft({ registry: users, secret: SECRET, mode: 'development', logger, user: userFromLocals });
  let server: Server;
  let base = '';
  before(async () => {
    const ex = express();
    // Passport and the like put the signed-in user on the request.
    ex.use((req, _res, next) => {
      const id = req.headers['x-user'];
      if (typeof id === 'string') (req as unknown as { user: unknown }).user = { id };
      next();
    });
    ex.use(weftMiddleware(app));
    app.view('/me', Me);
    server = createServer(ex);
    base = await listen(server);
  });
  after(() => close(server));

  it('is the user components see, and the one blobs are bound to', async () => {
    const page = await (await fetch(`${base}/me`, { headers: { 'x-user': 'ada' } })).text();
    assert.match(page, /<p class="me">ada<\/p>/);
    const state = /weft-state="([^"]+)"/.exec(page)?.[1];
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/components/me/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ event: 'poke', state }) });
    assert.equal((await post({ 'x-user': 'ada' })).status, 200);
    assert.equal((await post({ 'x-user': 'bob' })).status, 403);
    assert.equal((await post({})).status, 401);
  });
});
