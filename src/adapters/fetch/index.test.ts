import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { getAsset } from '../../transport/assets.js';
import { createFetchHandler, createFetchMiddleware } from './index.js';

const SECRET = 'fetch-adapter-test-secret-0123456789abcd';

class Counter extends Component<{ count: number }> {
  static override events = { increment: true };
  mount() {
    return { count: 0 };
  }
  increment(): void {
    this.state.count++;
  }
  override render() {
    const who = `${String(this.context.locals.user ?? '')}@${this.context.request?.ip ?? ''}`;
    return html`<p class="count">${this.state.count}</p><p class="who">${who}</p>`;
  }
}

class Whoami extends Component<{ who: string }> {
  mount() {
    return { who: `${String(this.context.locals.user ?? '')}@${this.context.request?.ip ?? ''}` };
  }
  override render() {
    return html`<p>${this.state.who}</p>`;
  }
}

const registry = new Registry();
registry.register('counter', Counter);
registry.register('whoami', Whoami);

/** Warnings the app logged (the tests below mostly call the handler without an ip). */
const warnings: string[] = [];
const logger = { warn: (message: string) => warnings.push(message), error: console.error };

function makeApp(): Weft {
  return createWeft({ registry, secret: SECRET, mode: 'development', maxBodyBytes: 256, allowedHosts: ['app.test'], logger }).view('/whoami', Whoami);
}

const ORIGIN = 'http://app.test';

function postEvent(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request(`${ORIGIN}/components/counter/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

/** A body stream of `chunks` chunks of `size` bytes that records whether it was cancelled. */
function chunkedBody(chunks: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

describe('createFetchHandler', () => {
  it('dispatches an event and returns the HTML', async () => {
    const weft = makeApp();
    const handler = createFetchHandler(weft);
    const { blob } = await weft.render('counter');
    const res = await handler(postEvent(JSON.stringify({ state: blob, event: 'increment' })));
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(text, /<p class="count">1<\/p>/);
  });

  it('passes env.ip and env.locals to event handlers', async () => {
    const weft = makeApp();
    const handler = createFetchHandler(weft);
    const { blob } = await weft.render('counter');
    const res = await handler(postEvent(JSON.stringify({ state: blob, event: 'increment' })), {
      ip: '192.0.2.9',
      locals: { user: 'ada' },
    });
    assert.match(await res.text(), /<p class="who">ada@192\.0\.2\.9<\/p>/);
  });

  it('passes env.ip and env.locals to views, defaulting to no ip and no locals', async () => {
    const handler = createFetchHandler(makeApp());
    const res = await handler(new Request(`${ORIGIN}/whoami`), { ip: '198.51.100.5', locals: { user: 'grace' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<p>grace@198.51.100.5</p>');
    assert.equal(await (await handler(new Request(`${ORIGIN}/whoami`))).text(), '<p>@</p>');
  });

  it('warns once per handler when called without env.ip, never when given one', async () => {
    const withIp = createFetchHandler(makeApp());
    warnings.length = 0;
    await withIp(new Request(`${ORIGIN}/whoami`), { ip: '192.0.2.1' });
    assert.deepEqual(warnings, []);
    const without = createFetchHandler(makeApp());
    await without(new Request(`${ORIGIN}/whoami`));
    await without(new Request(`${ORIGIN}/whoami`));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /without env\.ip; all clients share one bad-signature throttle/);
  });

  it('does not warn without env.ip when the app says how to find the client', async () => {
    const weft = createWeft({ registry, secret: SECRET, mode: 'development', allowedHosts: ['app.test'], logger, clientAddress: { trustedProxies: 1 } });
    weft.view('/whoami', Whoami);
    warnings.length = 0;
    const res = await createFetchHandler(weft)(new Request(`${ORIGIN}/whoami`, { headers: { 'x-forwarded-for': '203.0.113.8' } }));
    assert.equal(await res.text(), '<p>@203.0.113.8</p>');
    assert.deepEqual(warnings, []);
  });

  it('checks the Host header, or the URL\'s host when the runtime keeps it only there', async () => {
    const handler = createFetchHandler(makeApp());
    assert.equal((await handler(new Request(`${ORIGIN}/whoami`))).status, 200);
    const rebinding = await handler(new Request('http://evil.example/whoami', { headers: { origin: 'http://evil.example' } }));
    assert.equal(rebinding.status, 400);
    assert.equal(((await rebinding.json()) as { code: string }).code, 'bad_host');
    const { blob } = await makeApp().render('counter');
    const event = new Request('http://evil.example/components/counter/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ state: blob, event: 'increment' }),
    });
    const refused = await handler(event);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(((await refused.json()) as { code: string }).code, 'bad_host');
  });

  it('refuses a streamed body over the limit with 413 and stops reading it', async () => {
    const handler = createFetchHandler(makeApp());
    const body = chunkedBody(100, 100);
    const res = await handler(postEvent(body.stream));
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), { error: 'request body is over the 256-byte limit', code: 'too_large', limit: 256 });
    assert.ok(body.pulled() < 100, `read ${body.pulled()} of 100 chunks`);
    assert.equal(body.cancelled(), true, 'body stream was not cancelled');
  });

  it('refuses a declared Content-Length over the limit with 413 without reading the body', async () => {
    const handler = createFetchHandler(makeApp());
    const body = chunkedBody(1, 10);
    const res = await handler(postEvent(body.stream, { 'content-length': '1000' }));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'too_large');
    assert.equal(body.pulled(), 0);
  });

  it('refuses a body that is not UTF-8 with 400 bad_json instead of replacing the bytes', async () => {
    const weft = makeApp();
    const handler = createFetchHandler(weft);
    const { blob } = await weft.render('counter');
    const bytes = Buffer.concat([Buffer.from(`{"state":"${blob}","event":"increment","payload":{"n":"caf`), Buffer.from([0xe9]), Buffer.from('"}}')]);
    const res = await handler(postEvent(bytes));
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'request body is not valid UTF-8', code: 'bad_json' });
  });

  it('refuses a compressed body with 415 before reading it; identity is plain', async () => {
    const weft = makeApp();
    const handler = createFetchHandler(weft);
    const body = chunkedBody(1, 10);
    const res = await handler(postEvent(body.stream, { 'content-encoding': 'gzip' }));
    assert.equal(res.status, 415);
    assert.deepEqual(await res.json(), {
      error: 'compressed request bodies are not accepted (Content-Encoding: gzip)',
      code: 'unsupported_media_type',
    });
    assert.equal(body.pulled(), 0);
    const { blob } = await weft.render('counter');
    const plain = await handler(postEvent(JSON.stringify({ state: blob, event: 'increment' }), { 'content-encoding': 'identity' }), { ip: '' });
    assert.equal(plain.status, 200);
  });

  it('answers a body stream that fails part-way with 400 JSON, without logging a server error', async () => {
    const errors: unknown[] = [];
    const weft = createWeft({
      registry,
      secret: SECRET,
      mode: 'production',
      allowedHosts: ['app.test'],
      logger: { error: (...a: unknown[]) => void errors.push(a), warn() {} },
    });
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('aborted'));
      },
    });
    const res = await createFetchHandler(weft)(postEvent(stream));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; error: string };
    assert.equal(body.code, 'bad_request');
    assert.match(body.error, /could not be read: aborted/);
    assert.deepEqual(errors, []);
  });

  it('reads a body at the limit', async () => {
    const weft = makeApp();
    const handler = createFetchHandler(weft);
    const { blob } = await weft.render('counter');
    const json = JSON.stringify({ state: blob, event: 'increment' });
    const padded = json + ' '.repeat(256 - Buffer.byteLength(json));
    assert.equal(Buffer.byteLength(padded), 256);
    assert.equal((await handler(postEvent(padded))).status, 200);
  });

  it('answers a matching If-None-Match with a 304 that has a null body', async () => {
    const handler = createFetchHandler(makeApp());
    const asset = getAsset('htmx.min.js');
    assert.ok(asset);
    const res = await handler(new Request(`${ORIGIN}/weft/htmx.min.js`, { headers: { 'if-none-match': asset.etag } }));
    assert.equal(res.status, 304);
    assert.equal(res.body, null);
    assert.equal(res.headers.get('etag'), asset.etag);
  });

  it('serves an asset, with its bytes on GET and a null body on HEAD', async () => {
    const handler = createFetchHandler(makeApp());
    const asset = getAsset('idiomorph.min.js');
    assert.ok(asset);
    const get = await handler(new Request(`${ORIGIN}/weft/idiomorph.min.js`));
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), asset.body);
    const head = await handler(new Request(`${ORIGIN}/weft/idiomorph.min.js`, { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
    assert.equal(head.headers.get('etag'), asset.etag);
  });

  it('returns Weft refusals as JSON responses with their headers', async () => {
    const handler = createFetchHandler(makeApp());
    const res = await handler(new Request(`${ORIGIN}/components/counter/`));
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal(((await res.json()) as { code: string }).code, 'method_not_allowed');
  });

  it('calls the fallback for requests no Weft route matches', async () => {
    const seen: string[] = [];
    const handler = createFetchHandler(makeApp(), {
      fallback: async (request) => {
        seen.push(`${request.method} ${new URL(request.url).pathname}`);
        return new Response('from the host', { status: 418 });
      },
    });
    const res = await handler(new Request(`${ORIGIN}/elsewhere`, { method: 'POST', body: 'x' }));
    assert.equal(res.status, 418);
    assert.equal(await res.text(), 'from the host');
    assert.deepEqual(seen, ['POST /elsewhere']);
    assert.equal((await handler(new Request(`${ORIGIN}/whoami`))).status, 200);
    assert.deepEqual(seen, ['POST /elsewhere']);
  });

  it('answers unmatched requests with 404 JSON not_found by default', async () => {
    const handler = createFetchHandler(makeApp());
    const res = await handler(new Request(`${ORIGIN}/elsewhere?x=1`));
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { error: 'no route for GET /elsewhere', code: 'not_found' });
  });
});

describe('createFetchMiddleware', () => {
  it('answers Weft\'s routes and returns undefined for others, leaving their body unread', async () => {
    const routes = createFetchMiddleware(makeApp());
    const other = new Request(`${ORIGIN}/elsewhere`, { method: 'POST', body: 'for the host' });
    assert.equal(await routes(other, { ip: '192.0.2.1' }), undefined);
    assert.equal(await other.text(), 'for the host');
    const view = await routes(new Request(`${ORIGIN}/whoami`), { ip: '192.0.2.1', locals: { user: 'ada' } });
    assert.equal(view?.status, 200);
    assert.match(await view!.text(), /<p>ada@192\.0\.2\.1<\/p>/);
  });
});
