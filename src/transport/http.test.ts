import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft, type Weft, type WeftOptions } from '../app.js';
import { Component } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import { html } from '../core/html.js';
import { Registry } from '../core/registry.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import { isWeftError } from '../testing/index.js';
import { getAsset } from './assets.js';
import { createHttpHandler, type HttpRequest, type HttpResponse, jsonError, parseContentType, parseEventBody } from './http.js';

const SECRET = 'http-test-secret-0123456789abcdefghijk';
const OTHER_SECRET = 'http-test-other-secret-0123456789abcdef';

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

class Hello extends Component<{ page: string; q: string; who: string }, Record<string, string>> {
  mount() {
    const who = `${String(this.context.locals.user ?? '')}@${this.context.request?.ip ?? ''}`;
    return { page: this.params.page ?? '', q: this.params.q ?? '', who };
  }
  override render() {
    return html`<p>page=${this.state.page} q=${this.state.q} who=${this.state.who}</p>`;
  }
}

/** A params schema that fails in an unexpected way (not a validation issue). */
const explodingSchema: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate() {
      throw new Error('schema exploded: secret detail');
    },
  },
};

class Exploding extends Component<Record<string, never>> {
  static override paramsSchema = explodingSchema;
  mount() {
    return {};
  }
  override render() {
    return html`never`;
  }
}

const registry = new Registry();
registry.register('counter', Counter);
registry.register('hello', Hello);
registry.register('exploding', Exploding);

interface Logged {
  errors: unknown[][];
}

function makeApp(options: Partial<WeftOptions> = {}): Weft & { logged: Logged } {
  const logged: Logged = { errors: [] };
  const weft = createWeft({
    registry,
    secret: SECRET,
    mode: 'development',
    allowedHosts: ['app.test'],
    logger: { error: (...args: unknown[]) => void logged.errors.push(args), warn() {} },
    ...options,
  });
  weft.view('/hello/:page', Hello).view('/explode', Exploding);
  return Object.assign(weft, { logged });
}

/** A hand-built request that counts how often its body is read. */
interface FakeRequest extends HttpRequest {
  bodyCalls: number[];
}

interface FakeOptions {
  headers?: Record<string, string | undefined>;
  /** The body text, or what `body()` throws. */
  body?: string | Error;
  ip?: string;
  locals?: Record<string, unknown>;
}

function request(method: string, path: string, options: FakeOptions = {}): FakeRequest {
  const req: FakeRequest = {
    method,
    url: new URL(path, 'http://app.test'),
    headers: { host: 'app.test', ...options.headers },
    ip: options.ip ?? '203.0.113.7',
    locals: options.locals,
    bodyCalls: [],
    async body(limit: number): Promise<string> {
      req.bodyCalls.push(limit);
      if (options.body instanceof Error) throw options.body;
      return options.body ?? '';
    },
  };
  return req;
}

function post(name: string, body: unknown, options: FakeOptions = {}): FakeRequest {
  return request('POST', `/components/${name}/`, {
    ...options,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function defined(res: HttpResponse | undefined): HttpResponse {
  assert.ok(res, 'handler returned undefined');
  return res;
}

/** Asserts a JSON refusal and returns its parsed body. */
function refusal(res: HttpResponse | undefined, status: number, code: string): Record<string, unknown> {
  const r = defined(res);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(typeof r.body, 'string');
  const body = JSON.parse(r.body as string) as Record<string, unknown>;
  assert.equal(r.status, status, `status (${String(body.code)}: ${String(body.error)})`);
  assert.equal(body.code, code);
  assert.equal(typeof body.error, 'string');
  return body;
}

function textOf(res: HttpResponse | undefined): string {
  const r = defined(res);
  assert.equal(typeof r.body, 'string');
  return r.body as string;
}

async function blobOf(weft: Weft): Promise<string> {
  const { blob } = await weft.render('counter');
  assert.ok(blob);
  return blob;
}

describe('parseEventBody', () => {
  it('turns a single event into one call with empty payload and updates by default', () => {
    assert.deepEqual(parseEventBody('counter', { state: 's', event: 'increment' }, 10), {
      component: 'counter',
      state: 's',
      events: [{ event: 'increment', payload: {} }],
      updates: {},
    });
  });

  it('keeps the children the browser lists (P3.1), id → 12-character digest', () => {
    const children = { 'board-x-0-1': 'AbCdEfGh_-12', 'board-x-0-2': 'zzzzzzzzzzzz' };
    assert.deepEqual(parseEventBody('board', { state: 's', event: 'add', children }, 10).children, children);
  });

  for (const [what, children] of [
    ['not an object', ['a']],
    ['a digest that is not a string', { a: 1 }],
    ['a digest of the wrong length', { a: 'short' }],
    ['a digest with other characters', { a: 'abc!efghijkl' }],
    ['an over-long id', { ['i'.repeat(201)]: 'AbCdEfGh_-12' }],
    ['over 1000 children', Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`c${i}`, 'AbCdEfGh_-12']))],
  ] as const) {
    it(`refuses "children" that is ${what} with 400 bad_request`, () => {
      assert.throws(() => parseEventBody('board', { state: 's', event: 'add', children }, 10), isWeftError(400, 'bad_request'));
    });
  }

  it('keeps payload and updates', () => {
    const req = parseEventBody('counter', { state: 's', event: 'add', payload: { by: 2 }, updates: { note: 'x' } }, 10);
    assert.deepEqual(req.events, [{ event: 'add', payload: { by: 2 } }]);
    assert.deepEqual(req.updates, { note: 'x' });
  });

  it('accepts a batch of events, in order', () => {
    const req = parseEventBody('counter', { events: [{ event: 'a' }, { event: 'b', payload: { n: 1 } }] }, 10);
    assert.deepEqual(req.events, [
      { event: 'a', payload: {} },
      { event: 'b', payload: { n: 1 } },
    ]);
    assert.equal(req.state, undefined);
  });

  it('refuses a body that is not a JSON object', () => {
    for (const body of [null, [], 'increment', 42]) {
      assert.throws(() => parseEventBody('counter', body, 10), isWeftError(400, 'bad_request'));
    }
  });

  it('refuses "event" and "events" together', () => {
    assert.throws(
      () => parseEventBody('counter', { event: 'a', events: [] }, 10),
      (err: unknown) => isWeftError(400, 'bad_request')(err) && /either "event" or "events"/.test((err as Error).message),
    );
  });

  it('refuses "events" that is not an array, and entries that are not objects', () => {
    assert.throws(() => parseEventBody('counter', { events: { event: 'a' } }, 10), /"events" must be an array/);
    assert.throws(() => parseEventBody('counter', { events: [{ event: 'a' }, 'b'] }, 10), /events\[1\] must be an object/);
  });

  it('refuses a body naming no event', () => {
    assert.throws(() => parseEventBody('counter', { state: 's' }, 10), isWeftError(400, 'bad_request'));
    assert.throws(() => parseEventBody('counter', {}, 10), /names no "event"/);
  });

  it('refuses an empty "events" array, which names no event either', () => {
    assert.throws(
      () => parseEventBody('counter', { state: 's', events: [] }, 10),
      (err: unknown) => isWeftError(400, 'bad_request')(err) && /"events" is empty/.test((err as Error).message),
    );
  });

  it('refuses a non-string event and a non-object payload, naming where', () => {
    assert.throws(() => parseEventBody('counter', { event: 1 }, 10), { name: 'WeftError', message: '"event" must be a string' });
    assert.throws(() => parseEventBody('counter', { event: 'a', payload: [1] }, 10), /"payload" must be a JSON object/);
    assert.throws(() => parseEventBody('counter', { event: 'a', payload: null }, 10), isWeftError(400, 'bad_request'));
    assert.throws(() => parseEventBody('counter', { events: [{ event: 'a' }, { event: 2 }] }, 10), /"events\[1\]\.event" must be a string/);
    assert.throws(
      () => parseEventBody('counter', { events: [{ event: 'a', payload: 'x' }] }, 10),
      /"events\[0\]\.payload" must be a JSON object/,
    );
  });

  it('refuses more events than the limit, with the limit in the details', () => {
    const events = [{ event: 'a' }, { event: 'b' }, { event: 'c' }];
    assert.doesNotThrow(() => parseEventBody('counter', { events }, 3));
    assert.throws(
      () => parseEventBody('counter', { events }, 2),
      (err: unknown) => isWeftError(400, 'too_many_events')(err) && (err as WeftError).details?.limit === 2,
    );
  });

  it('refuses updates that are not an object', () => {
    for (const updates of [null, [], 'x']) {
      assert.throws(() => parseEventBody('counter', { event: 'a', updates }, 10), /"updates" must be an object/);
    }
  });
});

describe('jsonError', () => {
  it('renders status, JSON body with details, no-store and the error\'s headers', () => {
    const res = jsonError(new WeftError(429, 'throttled', 'slow down', { retryAfter: 5 }, { 'retry-after': '5' }));
    assert.equal(res.status, 429);
    assert.deepEqual(res.headers, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'retry-after': '5',
    });
    assert.deepEqual(JSON.parse(res.body as string), { error: 'slow down', code: 'throttled', retryAfter: 5 });
  });

  it('works without details or headers', () => {
    const res = jsonError(new WeftError(404, 'not_found', 'nope'));
    assert.equal(res.status, 404);
    assert.equal(Object.keys(res.headers).length, 3);
    assert.equal(res.body, '{"error":"nope","code":"not_found"}');
  });
});

describe('createHttpHandler', () => {
  describe('routing', () => {
    it('dispatches an event posted to the event URL and returns the new HTML', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      const req = post('counter', { state: await blobOf(weft), event: 'increment' }, { locals: { user: 'ada' } });
      const res = defined(await handle(req));
      assert.equal(res.status, 200, textOf(res));
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.match(textOf(res), /weft="counter"/);
      assert.match(textOf(res), /<p class="count">1<\/p>/);
      assert.match(textOf(res), /<p class="who">ada@203\.0\.113\.7<\/p>/);
      assert.deepEqual(req.bodyCalls, [weft.limits.maxBodyBytes]);
    });

    it('accepts the event URL without its trailing slash and a JSON charset', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      const req = post('counter', { state: await blobOf(weft), event: 'increment' }, {
        headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      });
      req.url = new URL('http://app.test/components/counter');
      assert.equal(defined(await handle(req)).status, 200);
    });

    it('escapes the base path, so regex characters in it match only themselves', async () => {
      const weft = makeApp({ basePath: '/api.v1/' });
      const handle = createHttpHandler(weft);
      const good = post('counter', { state: await blobOf(weft), event: 'increment' });
      good.url = new URL('http://app.test/api.v1/counter/');
      assert.equal(defined(await handle(good)).status, 200);
      const bad = post('counter', { state: await blobOf(weft), event: 'increment' });
      bad.url = new URL('http://app.test/apiXv1/counter/');
      assert.equal(await handle(bad), undefined);
      assert.deepEqual(bad.bodyCalls, []);
    });

    it('serves the assets under the assets path', async () => {
      const handle = createHttpHandler(makeApp());
      for (const file of ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js']) {
        const asset = getAsset(file);
        assert.ok(asset);
        const res = defined(await handle(request('GET', `/weft/${file}`)));
        assert.equal(res.status, 200);
        assert.equal(res.body, asset.body);
        assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
        assert.equal(res.headers.etag, asset.etag);
        assert.equal(res.headers['cache-control'], 'public, max-age=3600');
      }
    });

    it('serves assets from a custom assets path', async () => {
      const handle = createHttpHandler(makeApp({ assetsPath: '/static/weft/' }));
      assert.equal(defined(await handle(request('GET', '/static/weft/htmx.min.js'))).status, 200);
      assert.equal(await handle(request('GET', '/weft/htmx.min.js')), undefined);
    });

    it('renders a view, with path parameters winning over the query string', async () => {
      const handle = createHttpHandler(makeApp());
      const res = defined(await handle(request('GET', '/hello/2?page=9&q=a%20b', { locals: { user: 'bob' }, ip: '10.0.0.1' })));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(textOf(res), '<p>page=2 q=a b who=bob@10.0.0.1</p>');
    });

    it('decodes path parameters and refuses malformed percent-encoding with 400', async () => {
      const handle = createHttpHandler(makeApp());
      assert.match(textOf(await handle(request('GET', '/hello/a%2Fb'))), /page=a\/b /);
      const body = refusal(await handle(request('GET', '/hello/%E0%A4%A')), 400, 'bad_request');
      assert.match(String(body.error), /percent-encoding/);
    });

    it('returns undefined when no route matches', async () => {
      const handle = createHttpHandler(makeApp());
      assert.equal(await handle(request('GET', '/nowhere')), undefined);
      assert.equal(await handle(request('HEAD', '/nowhere')), undefined);
      assert.equal(await handle(request('GET', '/weft/nope.js')), undefined);
      assert.equal(await handle(request('GET', '/weft/../package.json')), undefined);
      assert.equal(await handle(request('GET', '/components/counter/extra/')), undefined);
      // Only GET and HEAD reach assets and views.
      assert.equal(await handle(request('POST', '/weft/htmx.min.js')), undefined);
      assert.equal(await handle(request('POST', '/hello/1')), undefined);
      assert.equal(await handle(request('DELETE', '/nowhere')), undefined);
    });
  });

  describe('event refusals', () => {
    it('refuses other methods with 405 and an Allow header', async () => {
      const handle = createHttpHandler(makeApp());
      for (const method of ['GET', 'PUT', 'HEAD']) {
        const req = request(method, '/components/counter/');
        const res = await handle(req);
        const body = refusal(res, 405, 'method_not_allowed');
        assert.equal(defined(res).headers.allow, 'POST');
        assert.match(String(body.error), new RegExp(`not ${method}`));
        assert.deepEqual(req.bodyCalls, []);
      }
    });

    it('refuses an unknown or ill-named component with 404', async () => {
      const handle = createHttpHandler(makeApp());
      refusal(await handle(post('nope', { event: 'x' })), 404, 'unknown_component');
      refusal(await handle(post('Counter', { event: 'x' })), 404, 'unknown_component');
    });

    it('refuses a content type other than application/json with 415', async () => {
      const handle = createHttpHandler(makeApp());
      const plain = post('counter', { event: 'increment' }, { headers: { 'content-type': 'text/plain' } });
      const body = refusal(await handle(plain), 415, 'unsupported_media_type');
      assert.match(String(body.error), /not text\/plain/);
      assert.deepEqual(plain.bodyCalls, []);
      const none = post('counter', { event: 'increment' }, { headers: { 'content-type': undefined } });
      assert.match(String(refusal(await handle(none), 415, 'unsupported_media_type').error), /not empty/);
    });

    it('accepts a UTF-8 charset in any spelling and refuses any other charset with 415', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      for (const contentType of ['application/json;charset=UTF-8', 'application/json; charset="utf-8"', 'application/json; charset=utf8; x=y']) {
        const ok = post('counter', { state: await blobOf(weft), event: 'increment' }, { headers: { 'content-type': contentType } });
        assert.equal(defined(await handle(ok)).status, 200, contentType);
      }
      // Read as UTF-8, "café" in latin1 would reach the state as "caf\uFFFD".
      for (const charset of ['iso-8859-1', 'utf-16', '"windows-1252"']) {
        const req = post('counter', { event: 'increment' }, { headers: { 'content-type': `application/json; charset=${charset}` } });
        const body = refusal(await handle(req), 415, 'unsupported_media_type');
        assert.match(String(body.error), /must be UTF-8/);
        assert.deepEqual(req.bodyCalls, []);
      }
    });

    it('refuses a cross-site request with 403 before reading the body', async () => {
      const handle = createHttpHandler(makeApp());
      const req = post('counter', { event: 'increment' }, { headers: { origin: 'https://evil.example' } });
      refusal(await handle(req), 403, 'csrf');
      assert.deepEqual(req.bodyCalls, []);
    });

    it('refuses a declared Content-Length over the limit with 413 without reading the body', async () => {
      const weft = makeApp({ maxBodyBytes: 100 });
      const handle = createHttpHandler(weft);
      const req = post('counter', { event: 'increment' }, { headers: { 'content-length': '101' } });
      const body = refusal(await handle(req), 413, 'too_large');
      assert.equal(body.limit, 100);
      assert.deepEqual(req.bodyCalls, [], 'body() was called');
      // At the limit, the body is read.
      const ok = post('counter', { state: await blobOf(weft), event: 'increment' }, { headers: { 'content-length': '100' } });
      assert.equal(defined(await handle(ok)).status, 200);
      assert.deepEqual(ok.bodyCalls, [100]);
    });

    it('passes on a 413 thrown by body() mid-read', async () => {
      const handle = createHttpHandler(makeApp({ maxBodyBytes: 100 }));
      const tooLarge = new WeftError(413, 'too_large', 'request body is over the 100-byte limit', { limit: 100 });
      const fake = request('POST', '/components/counter/', { headers: { 'content-type': 'application/json' }, body: tooLarge });
      const res = await handle(fake);
      assert.deepEqual(refusal(res, 413, 'too_large'), { error: 'request body is over the 100-byte limit', code: 'too_large', limit: 100 });
      assert.deepEqual(fake.bodyCalls, [100]);
    });

    it('refuses invalid and too deeply nested JSON with 400', async () => {
      const handle = createHttpHandler(makeApp({ maxDepth: 3 }));
      refusal(await handle(post('counter', '{"event":')), 400, 'bad_json');
      refusal(await handle(post('counter', '{"event":"x","__proto__":{"a":1}}')), 400, 'bad_json');
      refusal(await handle(post('counter', { event: 'x', payload: { a: { b: { c: 1 } } } })), 400, 'too_deep');
    });

    it('refuses a malformed event request with 400 before dispatching', async () => {
      const handle = createHttpHandler(makeApp());
      refusal(await handle(post('counter', [])), 400, 'bad_request');
      refusal(await handle(post('counter', { event: 'increment', payload: 3 })), 400, 'bad_request');
    });

    it('returns a WeftError from dispatch as JSON without logging it', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      refusal(await handle(post('counter', { event: 'increment' })), 400, 'state_missing');
      refusal(await handle(post('counter', { state: await blobOf(weft), event: 'nope' })), 400, 'unknown_event');
      assert.deepEqual(weft.logged.errors, []);
    });
  });

  describe('signature throttle', () => {
    /** A blob from another app (another secret). */
    async function foreign(): Promise<string> {
      const other = createWeft({ registry, secret: OTHER_SECRET, mode: 'development' });
      const { blob } = await other.render('counter');
      assert.ok(blob);
      return blob;
    }

    /** A blob of this app's whose envelope was changed after signing. */
    async function forged(): Promise<string> {
      const [version, part, signature] = (await blobOf(makeApp())).split('.') as [string, string, string];
      const changed = Buffer.from(Buffer.from(part, 'base64url').toString('utf8').replace('"count":0', '"count":99')).toString('base64url');
      assert.notEqual(changed, part);
      return `${version}.${changed}.${signature}`;
    }

    it('answers a blob signed with a secret the app no longer has with 409 state_outdated, and does not count it', async () => {
      const weft = makeApp({ signatureFailures: { points: 1, durationSeconds: 60 } });
      const handle = createHttpHandler(weft);
      const ip = '198.51.100.5';
      const old = await foreign();
      for (let i = 0; i < 3; i++) {
        const body = refusal(await handle(post('counter', { state: old, event: 'increment' }, { ip })), 409, 'state_outdated');
        assert.match(String(body.error), /out of date — reload/);
      }
      assert.equal(defined(await handle(post('counter', { state: await blobOf(weft), event: 'increment' }, { ip }))).status, 200);
    });

    /** Posts a forged blob from `ip` (with `headers`) and returns the response. */
    async function forge(handle: ReturnType<typeof createHttpHandler>, ip: string, headers: Record<string, string> = {}) {
      return handle(post('counter', { state: await forged(), event: 'increment' }, { ip, headers }));
    }

    it('refuses bad blobs from a client past its limit with 429 and Retry-After', async () => {
      const weft = makeApp({ signatureFailures: { points: 2, durationSeconds: 60 } });
      const handle = createHttpHandler(weft);
      refusal(await forge(handle, '198.51.100.1'), 400, 'state_signature');
      refusal(await handle(post('counter', { state: 'v1.garbage', event: 'increment' }, { ip: '198.51.100.1' })), 400, 'state_malformed');

      const res = await forge(handle, '198.51.100.1');
      const body = refusal(res, 429, 'throttled');
      assert.equal(typeof body.retryAfter, 'number');
      assert.ok((body.retryAfter as number) >= 1 && (body.retryAfter as number) <= 60);
      assert.equal(defined(res).headers['retry-after'], String(body.retryAfter));
      refusal(await handle(post('counter', { state: 'v1.garbage', event: 'increment' }, { ip: '198.51.100.1' })), 429, 'throttled');

      // Another client is unaffected.
      refusal(await forge(handle, '198.51.100.2'), 400, 'state_signature');
    });

    it('still serves a valid request from a throttled address (others there must not be locked out)', async () => {
      const weft = makeApp({ signatureFailures: { points: 2, durationSeconds: 60 } });
      const handle = createHttpHandler(weft);
      for (let i = 0; i < 5; i++) await forge(handle, '198.51.100.5');
      refusal(await forge(handle, '198.51.100.5'), 429, 'throttled');
      for (let i = 0; i < 3; i++) {
        const res = defined(await handle(post('counter', { state: await blobOf(weft), event: 'increment' }, { ip: '198.51.100.5' })));
        assert.equal(res.status, 200, textOf(res));
      }
      // Valid requests do not wipe the count either.
      refusal(await forge(handle, '198.51.100.5'), 429, 'throttled');
    });

    it('throttles an attacker rotating through its IPv6 /64', async () => {
      const weft = makeApp({ signatureFailures: { points: 3, durationSeconds: 60 } });
      const handle = createHttpHandler(weft);
      for (let i = 1; i <= 3; i++) refusal(await forge(handle, `2001:db8:7:7::${i.toString(16)}`), 400, 'state_signature');
      for (let i = 4; i <= 8; i++) refusal(await forge(handle, `2001:db8:7:7:${i}:${i}:${i}:${i}`), 429, 'throttled');
      // Its neighbour /64 is another subscriber.
      refusal(await forge(handle, '2001:db8:7:8::1'), 400, 'state_signature');
    });

    it('ignores X-Forwarded-For unless proxies are trusted, so spoofing it cannot dodge the throttle', async () => {
      const weft = makeApp({ signatureFailures: { points: 2, durationSeconds: 60 } });
      const handle = createHttpHandler(weft);
      for (let i = 0; i < 2; i++) refusal(await forge(handle, '198.51.100.6', { 'x-forwarded-for': `192.0.2.${i}` }), 400, 'state_signature');
      for (let i = 2; i < 6; i++) refusal(await forge(handle, '198.51.100.6', { 'x-forwarded-for': `192.0.2.${i}` }), 429, 'throttled');
    });

    it('behind a trusted proxy, throttles each client by X-Forwarded-For, not the proxy', async () => {
      const weft = makeApp({ signatureFailures: { points: 2, durationSeconds: 60 }, clientAddress: { trustedProxies: 1 } });
      const handle = createHttpHandler(weft);
      const proxy = '10.0.0.1';
      const mallory = { 'x-forwarded-for': '203.0.113.66' };
      for (let i = 0; i < 2; i++) refusal(await forge(handle, proxy, mallory), 400, 'state_signature');
      refusal(await forge(handle, proxy, mallory), 429, 'throttled');
      // A client prepending an address of its own choice is still itself.
      refusal(await forge(handle, proxy, { 'x-forwarded-for': '192.0.2.1, 203.0.113.66' }), 429, 'throttled');
      // Alice comes through the same proxy: her bad blobs count on her own.
      refusal(await forge(handle, proxy, { 'x-forwarded-for': '203.0.113.77' }), 400, 'state_signature');
      // And components see the client, not the proxy.
      const res = await handle(post('counter', { state: await blobOf(weft), event: 'increment' }, { ip: proxy, headers: { 'x-forwarded-for': '203.0.113.77' } }));
      assert.match(textOf(res), /<p class="who">@203\.0\.113\.77<\/p>/);
    });

    it('keys by a clientAddress function', async () => {
      const weft = makeApp({
        signatureFailures: { points: 1, durationSeconds: 60 },
        clientAddress: (request) => request.headers['fly-client-ip'] ?? request.ip,
      });
      const handle = createHttpHandler(weft);
      refusal(await forge(handle, '10.0.0.1', { 'fly-client-ip': '203.0.113.1' }), 400, 'state_signature');
      refusal(await forge(handle, '10.0.0.2', { 'fly-client-ip': '203.0.113.1' }), 429, 'throttled');
      refusal(await forge(handle, '10.0.0.1', { 'fly-client-ip': '203.0.113.2' }), 400, 'state_signature');
      const view = await handle(request('GET', '/hello/1', { ip: '10.0.0.1', headers: { 'fly-client-ip': '203.0.113.9' } }));
      assert.match(textOf(view), /who=@203\.0\.113\.9/);
    });

    it('counts only forgery-like failures, not other refusals', async () => {
      const weft = makeApp({ signatureFailures: { points: 1, durationSeconds: 60 } });
      const handle = createHttpHandler(weft);
      const ip = '198.51.100.3';
      for (let i = 0; i < 3; i++) {
        refusal(await handle(post('counter', { event: 'increment' }, { ip })), 400, 'state_missing');
        refusal(await handle(post('counter', { state: await blobOf(weft), event: 'nope' }, { ip })), 400, 'unknown_event');
      }
      refusal(await forge(handle, ip), 400, 'state_signature');
      refusal(await forge(handle, ip), 429, 'throttled');
    });

    it('keeps a separate throttle per handler', async () => {
      const weft = makeApp({ signatureFailures: { points: 1, durationSeconds: 60 } });
      const first = createHttpHandler(weft);
      const ip = '198.51.100.4';
      refusal(await forge(first, ip), 400, 'state_signature');
      refusal(await forge(first, ip), 429, 'throttled');
      const second = createHttpHandler(weft);
      refusal(await forge(second, ip), 400, 'state_signature');
    });
  });

  describe('one URL per view', () => {
    it('redirects the other trailing-slash form with a relative Location that resolves to the registered path', async () => {
      const weft = makeApp();
      weft.view('/', Hello).view('/shop/:page/', Hello).view('/x', Hello);
      const handle = createHttpHandler(weft);
      for (const [path, target] of [
        ['/hello/2/', '/hello/2'],
        ['/shop/7', '/shop/7/'],
        ['/x/', '/x'],
        ['//', '/'],
        ['/shop/a%2Fb', '/shop/a%2Fb/'],
      ] as const) {
        const req = request('GET', '/');
        req.url = new URL(`http://app.test${path}?q=1`);
        const res = defined(await handle(req));
        assert.equal(res.status, 308, path);
        const location = res.headers.location ?? '';
        assert.match(location, /^\.\.?\//, 'a relative path, never another site');
        const resolved = new URL(location, `http://app.test${path}?q=1`);
        assert.equal(resolved.pathname + resolved.search, `${target}?q=1`, path);
      }
      // Paths a view has as written are served, not redirected.
      assert.equal(defined(await handle(request('GET', '/shop/7/'))).status, 200);
      assert.equal(defined(await handle(request('GET', '/'))).status, 200);
    });
  });

  describe('unexpected errors', () => {
    it('turns a non-WeftError thrown from a view into 500 "internal error" and logs it', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      const body = refusal(await handle(request('GET', '/explode')), 500, 'handler_error');
      assert.deepEqual(body, { error: 'internal error', code: 'handler_error' });
      assert.equal(weft.logged.errors.length, 1);
      const [message, err] = weft.logged.errors[0] as [string, Error];
      assert.equal(message, 'Weft: unexpected error');
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'schema exploded: secret detail');
    });

    it('turns a non-WeftError from body() into 500 and logs it', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      const reset = new Error('socket hang up');
      const req = request('POST', '/components/counter/', { headers: { 'content-type': 'application/json' }, body: reset });
      assert.deepEqual(refusal(await handle(req), 500, 'handler_error'), { error: 'internal error', code: 'handler_error' });
      assert.deepEqual(weft.logged.errors, [['Weft: unexpected error', reset]]);
    });
  });

  describe('assets', () => {
    it('answers HEAD with the headers and an empty body', async () => {
      const handle = createHttpHandler(makeApp());
      const asset = getAsset('htmx.min.js');
      assert.ok(asset);
      const res = defined(await handle(request('HEAD', '/weft/htmx.min.js')));
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
      assert.equal(res.headers.etag, asset.etag);
      assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    });

    it('answers a matching If-None-Match with 304 and no body', async () => {
      const handle = createHttpHandler(makeApp());
      const asset = getAsset('weft.min.js');
      assert.ok(asset);
      const res = defined(await handle(request('GET', '/weft/weft.min.js', { headers: { 'if-none-match': asset.etag } })));
      assert.equal(res.status, 304);
      assert.equal(res.body, '');
      assert.equal(res.headers.etag, asset.etag);
      const stale = defined(await handle(request('GET', '/weft/weft.min.js', { headers: { 'if-none-match': '"stale"' } })));
      assert.equal(stale.status, 200);
      assert.equal(stale.body, asset.body);
    });
  });

  describe('Host check', () => {
    /** One request of each kind Weft serves: an event, a view, an asset. */
    async function everyRoute(weft: Weft, headers: Record<string, string | undefined>): Promise<FakeRequest[]> {
      return [
        post('counter', { state: await blobOf(weft), event: 'increment' }, { headers }),
        request('GET', '/hello/1', { headers }),
        request('GET', '/weft/htmx.min.js', { headers }),
      ];
    }

    it('refuses a DNS-rebinding request (Host and Origin both the attacker\'s name) with 400 bad_host', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      for (const req of await everyRoute(weft, { host: 'evil.example', origin: 'http://evil.example' })) {
        const body = refusal(await handle(req), 400, 'bad_host');
        assert.match(body.error as string, /Host "evil\.example"/);
        assert.deepEqual(req.bodyCalls, [], 'body() was read');
      }
    });

    it('refuses a missing or malformed Host', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      for (const host of [undefined, '', 'app.test/admin', 'app.test@evil.example', 'app.test:99x']) {
        for (const req of await everyRoute(weft, { host })) refusal(await handle(req), 400, 'bad_host');
      }
    });

    it('serves the allowed hosts on any port, in any case', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      for (const host of ['app.test', 'APP.test:8443']) {
        for (const req of await everyRoute(weft, { host })) assert.equal(defined(await handle(req)).status, 200, host);
      }
    });

    it('in development, allows localhost names and loopback addresses by default, and nothing else', async () => {
      const weft = makeApp({ allowedHosts: undefined });
      const handle = createHttpHandler(weft);
      for (const host of ['localhost:3000', 'app.localhost', '127.0.0.1:8080', '[::1]:3000']) {
        for (const req of await everyRoute(weft, { host })) assert.equal(defined(await handle(req)).status, 200, host);
      }
      for (const host of ['evil.example', 'app.test', '192.168.1.20:3000']) {
        for (const req of await everyRoute(weft, { host })) refusal(await handle(req), 400, 'bad_host');
      }
    });

    it('leaves requests Weft does not serve to the host', async () => {
      const handle = createHttpHandler(makeApp());
      assert.equal(await handle(request('GET', '/elsewhere', { headers: { host: 'evil.example' } })), undefined);
    });

    it('in production, refuses to start without allowedHosts', () => {
      const weft = makeApp({ mode: 'production', allowedHosts: undefined });
      assert.throws(() => createHttpHandler(weft), /no allowedHosts/);
      assert.doesNotThrow(() => createHttpHandler(makeApp({ mode: 'production', allowedHosts: ['shop.example'] })));
    });

    it('refuses a malformed allowedHosts entry when the handler is built', () => {
      assert.throws(() => createHttpHandler(makeApp({ allowedHosts: ['https://shop.example'] })), /allowedHosts/);
    });
  });

  describe('CSRF and the request\'s own scheme', () => {
    async function fromOrigin(options: Partial<WeftOptions>, origin: string, headers: Record<string, string> = {}, url = 'http://app.test/components/counter/') {
      const weft = makeApp(options);
      const req = post('counter', { state: await blobOf(weft), event: 'increment' }, { headers: { origin, ...headers } });
      req.url = new URL(url);
      return defined(await createHttpHandler(weft)(req));
    }

    it('refuses an https Origin on an http server: scheme, host and port all count', async () => {
      refusal(await fromOrigin({}, 'https://app.test'), 403, 'csrf');
      refusal(await fromOrigin({}, 'http://app.test:8080'), 403, 'csrf');
      assert.equal((await fromOrigin({}, 'http://app.test')).status, 200);
      assert.equal((await fromOrigin({}, 'http://APP.test:80')).status, 200);
    });

    it('knows the scheme of a TLS connection from the adapter', async () => {
      assert.equal((await fromOrigin({}, 'https://app.test', {}, 'https://app.test/components/counter/')).status, 200);
      refusal(await fromOrigin({}, 'http://app.test', {}, 'https://app.test/components/counter/'), 403, 'csrf');
    });

    it('reads X-Forwarded-Proto only from trusted proxies', async () => {
      const https = { 'x-forwarded-proto': 'https' };
      refusal(await fromOrigin({}, 'https://app.test', https), 403, 'csrf');
      assert.equal((await fromOrigin({ clientAddress: { trustedProxies: 1 } }, 'https://app.test', https)).status, 200);
      refusal(await fromOrigin({ clientAddress: { trustedProxies: 1 } }, 'http://app.test', https), 403, 'csrf');
      assert.equal((await fromOrigin({ clientAddress: (r) => r.ip }, 'https://app.test', https)).status, 200);
    });
  });

  describe('X-Content-Type-Options', () => {
    it('is nosniff on every response: HTML, JSON errors, assets, 304s, views', async () => {
      const weft = makeApp();
      const handle = createHttpHandler(weft);
      const etag = getAsset('htmx.min.js')?.etag ?? '';
      const responses = [
        await handle(post('counter', { state: await blobOf(weft), event: 'increment' })),
        await handle(post('counter', { event: 'increment' })),
        await handle(post('counter', '{', {})),
        await handle(request('GET', '/components/counter/')),
        await handle(request('GET', '/hello/1')),
        await handle(request('GET', '/explode')),
        await handle(request('GET', '/weft/htmx.min.js')),
        await handle(request('GET', '/weft/htmx.min.js', { headers: { 'if-none-match': etag } })),
        await handle(request('GET', '/hello/1', { headers: { host: 'evil.example' } })),
      ];
      for (const res of responses) assert.equal(defined(res).headers['x-content-type-options'], 'nosniff', `${defined(res).status}`);
    });
  });
});

describe('parseContentType', () => {
  for (const [header, type, charset] of [
    ['application/json', 'application/json', undefined],
    ['', '', undefined],
    ['  Application/JSON  ', 'application/json', undefined],
    ['application/json;charset=UTF-8', 'application/json', 'utf-8'],
    ['application/json; charset="utf-8"', 'application/json', 'utf-8'],
    ['application/json; x=y;  CHARSET=Latin1 ; charset=utf-8', 'application/json', 'latin1'],
    ['application/json; charset="', 'application/json', '"'],
    ['application/json; charset=""', 'application/json', ''],
    ['application/json; charset = utf-8', 'application/json', undefined],
    ['application/json;;;', 'application/json', undefined],
  ] as const) {
    it(`reads ${JSON.stringify(header)} as ${type || '(empty)'} with charset ${String(charset)}`, () => {
      assert.deepEqual(parseContentType(header), { type, charset });
    });
  }
});
