/**
 * Weft over real HTTP: the same suite against every host (node:http, Express,
 * Express behind `express.json()`, Hono). Every refusal must be JSON with `error`
 * and `code`, and the server must keep serving after it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StateCodec, type Weft } from 'weft';
import type { TestClient } from 'weft/testing';
import {
  COUNTER_EVENTS,
  type CounterState,
  freshBlob,
  idOf,
  makeApp,
  SECRET,
  SECRET_MESSAGE,
  SMALL_LIMITS,
  textOf,
} from './fixtures.js';
import { type AnyResponse, assertRefusal, HELLO, hosts, hostVariants, rawRequest } from './servers.js';

/** Replaces the state inside a blob's envelope without re-signing it. */
function tamper(blob: string, change: (envelope: Record<string, unknown>) => void): string {
  const [version, part, signature] = blob.split('.') as [string, string, string];
  const envelope = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(envelope);
  return `${version}.${Buffer.from(JSON.stringify(envelope)).toString('base64url')}.${signature}`;
}

function initialState(overrides: Partial<CounterState> = {}): CounterState {
  return { count: 0, owner: 'alice', note: '', flag: false, big: '', tags: [], ...overrides };
}

for (const host of [...hosts, ...hostVariants]) {
  describe(host.name, () => {
    let weft: Weft;
    let client: TestClient;

    before(async () => {
      weft = makeApp(SMALL_LIMITS);
      client = await host.start(weft, { user: 'ada' });
    });
    after(() => client.close());

    /** A good event on a fresh counter still succeeds. */
    async function stillServes(): Promise<void> {
      const res = await client.fire('counter', await freshBlob(weft), 'increment');
      assert.equal(res.status, 200, `server stopped serving: ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(textOf(res.text, 'count'), '1');
    }

    /** {@link assertRefusal}, then proves the server keeps serving. */
    async function refused(res: AnyResponse, status: number, code: string): Promise<Record<string, unknown>> {
      const body = assertRefusal(res, status, code);
      await stillServes();
      return body;
    }

    describe('events', () => {
      it('round-trips three events from a fresh render: state grows, id stays, blob changes', async () => {
        const first = await weft.render('counter');
        assert.ok(first.blob);
        let blob = first.blob;
        const blobs = new Set([blob]);
        for (const expected of ['1', '2', '3']) {
          const res = await client.fire('counter', blob, 'increment');
          assert.equal(res.status, 200, res.text);
          assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
          assert.equal(res.headers.get('cache-control'), 'no-store');
          assert.equal(textOf(res.text, 'count'), expected);
          assert.equal(idOf(res.text), first.id);
          assert.ok(res.state, 'response carries no weft-state');
          assert.ok(!blobs.has(res.state), 'weft-state did not change');
          blobs.add(res.state);
          blob = res.state;
        }
      });

      it('starts from a view GET and round-trips its events with the params kept', async () => {
        const page = await client.get('/items/7');
        assert.equal(page.status, 200, page.text);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(idOf(page.text) ?? '', /^item-[A-Za-z0-9_-]{8}$/);
        assert.equal(textOf(page.text, 'item'), 'Item 7');
        const res = await client.fire('item', page.state, 'refresh');
        assert.equal(res.status, 200, res.text);
        assert.equal(textOf(res.text, 'refreshed'), '1');
        assert.equal(textOf(res.text, 'item'), 'Item 7');
        assert.equal(idOf(res.text), idOf(page.text));
      });

      it('validates and coerces payloads', async () => {
        let res = await client.fire('counter', await freshBlob(weft), 'add', { by: 5 });
        assert.equal(res.status, 200, res.text);
        assert.equal(textOf(res.text, 'count'), '5');
        res = await client.fire('counter', res.state, 'scale', { factor: '3' });
        assert.equal(textOf(res.text, 'count'), '15');
        res = await client.fire('counter', res.state, 'scale');
        assert.equal(textOf(res.text, 'count'), '30');
      });

      it('applies bound-field updates, coerced to the field type', async () => {
        const res = await client.fire('counter', await freshBlob(weft), 'increment', {}, { note: 'hello', count: '7', flag: 'true' });
        assert.equal(res.status, 200, res.text);
        assert.equal(textOf(res.text, 'note'), 'hello');
        assert.equal(textOf(res.text, 'count'), '8');
        assert.equal(textOf(res.text, 'flag'), 'true');
      });

      it('runs an "events" array in order, with one render', async () => {
        const state = await freshBlob(weft);
        const addThenScale = await client.post('counter', {
          state,
          events: [
            { event: 'add', payload: { by: 2 } },
            { event: 'scale', payload: { factor: 3 } },
          ],
        });
        assert.equal(addThenScale.status, 200, addThenScale.text);
        assert.equal(textOf(addThenScale.text, 'count'), '6');
        const scaleThenAdd = await client.post('counter', {
          state,
          events: [
            { event: 'scale', payload: { factor: 3 } },
            { event: 'add', payload: { by: 2 } },
          ],
        });
        assert.equal(textOf(scaleThenAdd.text, 'count'), '2');
        assert.equal((scaleThenAdd.text.match(/weft-state=/g) ?? []).length, 1);
      });

      it('accepts 10 events and refuses 11 with too_many_events', async () => {
        const state = await freshBlob(weft);
        const ten = await client.post('counter', { state, events: Array.from({ length: 10 }, () => ({ event: 'increment' })) });
        assert.equal(ten.status, 200, ten.text);
        assert.equal(textOf(ten.text, 'count'), '10');
        const eleven = await client.post('counter', { state, events: Array.from({ length: 11 }, () => ({ event: 'increment' })) });
        const body = await refused(eleven, 400, 'too_many_events');
        assert.equal(body.limit, 10);
      });

      it('stops an "events" array at an unknown event', async () => {
        const res = await client.post('counter', {
          state: await freshBlob(weft),
          events: [{ event: 'increment' }, { event: 'explode' }],
        });
        await refused(res, 400, 'unknown_event');
      });
    });

    describe('state blob refusals', () => {
      it('refuses a tampered blob: 400 state_signature', async () => {
        const blob = tamper(await freshBlob(weft), (env) => {
          (env.s as CounterState).count = 999;
        });
        const body = await refused(await client.fire('counter', blob, 'increment'), 400, 'state_signature');
        assert.match(body.error as string, /signature/);
      });

      it('refuses a truncated blob: 400 state_malformed', async () => {
        const blob = await freshBlob(weft);
        const body = await refused(await client.fire('counter', blob.slice(0, -1), 'increment'), 400, 'state_malformed');
        assert.match(body.error as string, /truncated|malformed/);
        await refused(await client.fire('counter', blob.split('.').slice(0, 2).join('.'), 'increment'), 400, 'state_malformed');
        await refused(await client.fire('counter', blob.slice(0, blob.length / 2), 'increment'), 400, 'state_malformed');
      });

      it('refuses an expired blob: 400 state_expired', async () => {
        const old = weft.codec.encode('counter', 'counter-AAAAAAAA', initialState(), {}, Date.now() - 10_000_000);
        const body = await refused(await client.fire('counter', old, 'increment'), 400, 'state_expired');
        assert.match(body.error as string, /expired/);
      });

      it("refuses another component's blob: 400 state_component", async () => {
        const body = await refused(await client.fire('counter', await freshBlob(weft, 'other'), 'increment'), 400, 'state_component');
        assert.match(body.error as string, /"other"/);
      });

      it('refuses a missing or non-string blob: 400 state_missing', async () => {
        await refused(await client.post('counter', { event: 'increment' }), 400, 'state_missing');
        await refused(await client.post('counter', { event: 'increment', state: '' }), 400, 'state_missing');
        await refused(await client.post('counter', { event: 'increment', state: 42 }), 400, 'state_missing');
      });

      it('refuses state over the cap with 413 state_too_large, on the way in and out', async () => {
        const roomy = new StateCodec({ secrets: [SECRET], maxStateBytes: 1_000_000 });
        // Far over the cap: refused from the blob's size alone.
        const huge = roomy.encode('counter', 'counter-AAAAAAAA', initialState({ big: 'x'.repeat(2000) }));
        await refused(await client.fire('counter', huge, 'increment'), 413, 'state_too_large');
        // Just over the cap: verifies, but cannot be sent back.
        const over = roomy.encode('counter', 'counter-AAAAAAAA', initialState({ big: 'x'.repeat(1100) }));
        await refused(await client.fire('counter', over, 'increment'), 413, 'state_too_large');
        // A handler that grows the state past the cap.
        const blob = await freshBlob(weft);
        await refused(await client.fire('counter', blob, 'grow', { bytes: 2000 }), 413, 'state_too_large');
        const again = await client.fire('counter', blob, 'increment');
        assert.equal(again.status, 200, 'the previous blob stays valid');
      });

      it('refuses state brought over the cap even when the handler shrinks it: 413 state_too_large', async () => {
        const roomy = new StateCodec({ secrets: [SECRET], maxStateBytes: 1_000_000 });
        const over = roomy.encode('counter', 'counter-AAAAAAAA', initialState({ big: 'x'.repeat(1100) }));
        await refused(await client.fire('counter', over, 'grow', { bytes: 0 }), 413, 'state_too_large');
      });
    });

    describe('updates', () => {
      it('refuses a locked field: 400 locked_field', async () => {
        const res = await client.fire('counter', await freshBlob(weft), 'increment', {}, { owner: 'mallory' });
        const body = await refused(res, 400, 'locked_field');
        assert.equal(body.field, 'owner');
      });

      it('refuses unknown fields and badly typed values', async () => {
        const blob = await freshBlob(weft);
        for (const field of ['missing', 'constructor', 'prototype', 'toString']) {
          await refused(await client.fire('counter', blob, 'increment', {}, { [field]: 1 }), 400, 'unknown_field');
        }
        await refused(await client.fire('counter', blob, 'increment', {}, { count: 'many' }), 422, 'invalid_update');
        await refused(await client.fire('counter', blob, 'increment', {}, { note: { html: '<b>' } }), 422, 'invalid_update');
      });
    });

    describe('event names and payloads', () => {
      const names = [
        'explode',
        '__proto__',
        'constructor',
        'toString',
        'valueOf',
        'hasOwnProperty',
        'mount',
        'hydrate',
        'render',
        'on',
        'bind',
        'child',
        'state',
        'then',
        'not an identifier',
        '',
      ];
      for (const name of names) {
        it(`refuses ${JSON.stringify(name)} as an event: 400 unknown_event with allowed`, async () => {
          const body = await refused(await client.fire('counter', await freshBlob(weft), name), 400, 'unknown_event');
          assert.deepEqual(body.allowed, COUNTER_EVENTS);
        });
      }

      it('refuses an invalid payload: 422 invalid_payload with issues', async () => {
        const blob = await freshBlob(weft);
        for (const payload of [{ by: 1.5 }, { by: 'two' }, {}]) {
          const body = await refused(await client.fire('counter', blob, 'add', payload), 422, 'invalid_payload');
          const issues = body.issues as { path: string; message: string }[];
          assert.ok(Array.isArray(issues) && issues.length > 0, 'no issues');
          assert.equal(issues[0]?.path, 'by');
          assert.equal(typeof issues[0]?.message, 'string');
        }
      });
    });

    describe('request framing', () => {
      it('refuses a body over maxBodyBytes: 413 too_large (Content-Length and counted)', async () => {
        const body = JSON.stringify({ event: 'increment', state: await freshBlob(weft), pad: 'x'.repeat(5000) });
        const declared = await client.post('counter', body);
        assert.equal((await refused(declared, 413, 'too_large')).limit, 4096);
        const counted = await rawRequest(client.baseUrl, {
          path: '/components/counter/',
          headers: { 'content-type': 'application/json' },
          chunks: [body.slice(0, 2000), body.slice(2000)],
        });
        await refused(counted, 413, 'too_large');
      });

      it('refuses JSON nested too deep: 400 too_deep', async () => {
        const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
        const body = `{"event":"increment","state":${JSON.stringify(await freshBlob(weft))},"payload":${deep}}`;
        await refused(await client.post('counter', body), 400, 'too_deep');
      });

      it('refuses invalid JSON: 400 bad_json', async () => {
        await refused(await client.post('counter', '{"event":'), 400, 'bad_json');
        await refused(await client.post('counter', `{"event":"increment","state":${JSON.stringify(await freshBlob(weft))},}`), 400, 'bad_json');
      });

      it('refuses __proto__ keys: 400 bad_json', async () => {
        const state = JSON.stringify(await freshBlob(weft));
        await refused(await client.post('counter', `{"event":"increment","state":${state},"payload":{"__proto__":{"admin":true}}}`), 400, 'bad_json');
        await refused(await client.post('counter', `{"event":"increment","state":${state},"updates":{"\\u005f_proto__":{"admin":true}}}`), 400, 'bad_json');
        assert.equal(({} as Record<string, unknown>).admin, undefined, 'Object.prototype was polluted');
      });

      it('refuses malformed event requests: 400 bad_request', async () => {
        const state = await freshBlob(weft);
        await refused(await client.post('counter', [1, 2]), 400, 'bad_request');
        await refused(await client.post('counter', { state }), 400, 'bad_request');
        await refused(await client.post('counter', { state, event: 7 }), 400, 'bad_request');
        await refused(await client.post('counter', { state, event: 'add', payload: [2] }), 400, 'bad_request');
        await refused(await client.post('counter', { state, event: 'increment', updates: ['note'] }), 400, 'bad_request');
        await refused(await client.post('counter', { state, event: 'increment', events: [] }), 400, 'bad_request');
        await refused(await client.post('counter', { state, events: 'increment' }), 400, 'bad_request');
      });

      it('refuses a non-JSON content type: 415 unsupported_media_type', async () => {
        const body = JSON.stringify({ event: 'increment', state: await freshBlob(weft) });
        await refused(await client.post('counter', body, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
        await refused(
          await client.post('counter', 'event=increment', { 'content-type': 'application/x-www-form-urlencoded' }),
          415,
          'unsupported_media_type',
        );
        const bare = await rawRequest(client.baseUrl, { path: '/components/counter/', body });
        await refused(bare, 415, 'unsupported_media_type');
        const withCharset = await client.post('counter', body, { 'content-type': 'application/json; charset=utf-8' });
        assert.equal(withCharset.status, 200, withCharset.text);
      });

      it('refuses cross-origin requests: 403 csrf', async () => {
        const state = await freshBlob(weft);
        const body = { event: 'increment', state };
        await refused(await client.post('counter', body, { origin: 'http://evil.example' }), 403, 'csrf');
        await refused(await client.post('counter', body, { origin: 'null' }), 403, 'csrf');
        await refused(await client.post('counter', body, { 'sec-fetch-site': 'cross-site' }), 403, 'csrf');
        const same = await client.post('counter', body, { origin: client.baseUrl, 'sec-fetch-site': 'same-origin' });
        assert.equal(same.status, 200, same.text);
      });

      it('answers other methods on an event URL with 405 and Allow: POST', async () => {
        for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
          const res = await client.request('/components/counter/', { method });
          const body = await refused(res, 405, 'method_not_allowed');
          assert.equal(res.headers.get('allow'), 'POST');
          assert.match(body.error as string, new RegExp(method));
        }
      });

      it('refuses an unknown component: 404 unknown_component', async () => {
        await refused(await client.fire('nope', await freshBlob(weft), 'increment'), 404, 'unknown_component');
        await refused(await client.fire('Not%20Valid', await freshBlob(weft), 'increment'), 404, 'unknown_component');
      });
    });

    describe('handler errors', () => {
      it('answers a throwing handler with 500 handler_error, no stack or message in production', async () => {
        const res = await client.fire('counter', await freshBlob(weft), 'fail');
        const body = await refused(res, 500, 'handler_error');
        assert.equal(body.stack, undefined);
        assert.ok(!res.text.includes('hunter2'), 'production leaked the error message');
        assert.ok(!res.text.includes('at '), 'production leaked a stack frame');
      });

      it('answers a throwing render() with 500 render_error', async () => {
        const blob = await freshBlob(weft, 'fragile');
        const res = await client.fire('fragile', blob, 'arm');
        const body = await refused(res, 500, 'render_error');
        assert.equal(body.stack, undefined);
        assert.ok(!res.text.includes('hunter2'));
      });

      it('answers a throwing mount() in a view with 500 JSON', async () => {
        const res = await client.get('/broken-mount');
        await refused(res, 500, 'handler_error');
        assert.ok(!res.text.includes('hunter2'));
      });

      it("uses a WeftError's own status and code", async () => {
        const body = await refused(await client.fire('counter', await freshBlob(weft), 'refuse'), 403, 'bad_request');
        assert.equal(body.error, 'nope');
      });

      it('includes the message and stack in development', async () => {
        const logged: unknown[][] = [];
        const dev = makeApp({ ...SMALL_LIMITS, mode: 'development', logger: { error: (...a: unknown[]) => logged.push(a), warn() {} } });
        const devClient = await host.start(dev);
        try {
          const res = await devClient.fire('counter', await freshBlob(dev), 'fail');
          const body = assertRefusal(res, 500, 'handler_error');
          assert.match(body.error as string, /hunter2/);
          assert.equal(typeof body.stack, 'string');
          assert.match(body.stack as string, /Error: database password/);
          // The frames are there, but no path of the server's machine.
          assert.match(body.stack as string, /\(test\/integration\/[\w.]+:\d+:\d+\)/);
          assert.ok(!res.text.includes(process.cwd()), 'the project path was sent to the browser');
          assert.doesNotMatch(res.text, /(^|[\s('"])\/[\w.-]+\//, 'an absolute path was sent to the browser');
          assert.ok(logged.some((args) => args.some((a) => a instanceof Error && a.message === SECRET_MESSAGE)), 'not logged');
          const ok = await devClient.fire('counter', await freshBlob(dev), 'increment');
          assert.equal(ok.status, 200);
        } finally {
          await devClient.close();
        }
      });
    });

    describe('assets', () => {
      for (const file of ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js']) {
        it(`serves /weft/${file} with an ETag and 304 on If-None-Match`, async () => {
          const res = await client.get(`/weft/${file}`);
          assert.equal(res.status, 200);
          assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
          assert.ok(res.text.length > 500, 'asset is empty');
          const etag = res.headers.get('etag');
          assert.ok(etag, 'no ETag');
          const cached = await client.request(`/weft/${file}`, { headers: { 'if-none-match': etag } });
          assert.equal(cached.status, 304);
          assert.equal(cached.text, '');
          assert.equal(cached.headers.get('etag'), etag);
        });
      }

      it('does not serve unknown files under /weft/', async () => {
        assert.equal((await client.get('/weft/secret.js')).status, 404);
        assert.equal((await client.get('/weft/../package.json')).status, 404);
      });
    });

    describe('throttle', () => {
      it('answers 429 with Retry-After to bad signatures past N, for that client only; its valid requests are served', async () => {
        const app = makeApp({ signatureFailures: { points: 3, durationSeconds: 60 } });
        const throttled = await host.start(app);
        try {
          const good = await freshBlob(app);
          const bad = tamper(good, (env) => {
            (env.s as CounterState).count = 1;
          });
          for (let i = 0; i < 3; i++) assertRefusal(await throttled.fire('counter', bad, 'increment'), 400, 'state_signature');
          const res = await throttled.fire('counter', bad, 'increment');
          const body = assertRefusal(res, 429, 'throttled');
          const retryAfter = Number(res.headers.get('retry-after'));
          assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
          assert.equal(body.retryAfter, retryAfter);
          // The same address with a blob that verifies: served.
          assert.equal((await throttled.fire('counter', good, 'increment')).status, 200);
          // Another client address is served as usual.
          const other = await rawRequest(throttled.baseUrl, {
            path: '/components/counter/',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ event: 'increment', state: bad }),
            localAddress: '127.0.0.2',
          });
          assertRefusal(other, 400, 'state_signature');
        } finally {
          await throttled.close();
        }
      });

      it('behind a trusted proxy, throttles clients with different X-Forwarded-For separately', async () => {
        const app = makeApp({ signatureFailures: { points: 2, durationSeconds: 60 }, clientAddress: { trustedProxies: 1 } });
        const throttled = await host.start(app);
        try {
          const bad = tamper(await freshBlob(app), (env) => {
            (env.s as CounterState).count = 1;
          });
          const send = (address: string) => throttled.post('counter', { event: 'increment', state: bad }, { 'x-forwarded-for': address });
          for (let i = 0; i < 2; i++) assertRefusal(await send('198.51.100.20'), 400, 'state_signature');
          assertRefusal(await send('198.51.100.20'), 429, 'throttled');
          assertRefusal(await send('198.51.100.21'), 400, 'state_signature');
        } finally {
          await throttled.close();
        }
      });

      it('does not count refusals that are not forgery', async () => {
        const app = makeApp({ signatureFailures: { points: 3, durationSeconds: 60 } });
        const throttled = await host.start(app);
        try {
          const good = await freshBlob(app);
          const old = app.codec.encode('counter', 'counter-AAAAAAAA', initialState(), {}, Date.now() - 200_000_000);
          for (let i = 0; i < 3; i++) {
            assertRefusal(await throttled.fire('counter', good, 'explode'), 400, 'unknown_event');
            assertRefusal(await throttled.fire('counter', old, 'increment'), 400, 'state_expired');
          }
          assert.equal((await throttled.fire('counter', good, 'increment')).status, 200);
        } finally {
          await throttled.close();
        }
      });
    });

    describe('views and routing', () => {
      it('serves a view with valid params; path parameters win over the query', async () => {
        const page = await client.get('/items/5?tab=specs');
        assert.equal(page.status, 200, page.text);
        assert.equal(textOf(page.text, 'item'), 'Item 5');
        assert.equal(textOf(page.text, 'tab'), 'specs');
        const shadowed = await client.get('/items/2?id=9');
        assert.equal(textOf(shadowed.text, 'item'), 'Item 2');
        assert.equal(textOf((await client.get('/items/3/')).text, 'item'), 'Item 3');
      });

      it('accepts events for a view rendered with long params, up to the cap', async () => {
        const page = await client.get(`/items/8?tab=${'t'.repeat(700)}`);
        assert.equal(page.status, 200, page.text);
        const res = await client.fire('item', page.state, 'refresh');
        assert.equal(res.status, 200, `a blob the server issued was refused: ${res.text.slice(0, 200)}`);
        assert.equal(textOf(res.text, 'refreshed'), '1');
      });

      it('refuses to issue a blob whose params push it over the cap: 413 (P2.4)', async () => {
        await refused(await client.get(`/items/8?tab=${'t'.repeat(1500)}`), 413, 'state_too_large');
      });

      it('refuses invalid view params: 400 invalid_params with issues', async () => {
        for (const path of ['/items/abc', '/items/0', '/items/-4', '/items/1.5']) {
          const body = await refused(await client.get(path), 400, 'invalid_params');
          const issues = body.issues as { path: string }[];
          assert.equal(issues[0]?.path, 'id', path);
        }
      });

      it('refuses a malformed percent-encoding in a view path: 400', async () => {
        await refused(await client.get('/items/%E0%A4%A'), 400, 'bad_request');
      });

      it('renders a component without events bare', async () => {
        const res = await client.get('/badge?label=hi');
        assert.equal(res.status, 200);
        assert.equal(res.text, '<span class="badge">hi</span>');
        assert.equal(res.state, undefined);
      });

      it('hands locals and the client address to components', async () => {
        const res = await client.get('/whoami');
        assert.equal(res.status, 200);
        assert.equal(textOf(res.text, 'user'), 'ada');
        assert.match(textOf(res.text, 'ip') ?? '', /^(::ffff:)?127\.0\.0\.1$/);
      });

      it('passes requests Weft does not serve to the host', async () => {
        const res = await client.get('/hello');
        assert.equal(res.status, 200);
        assert.equal(res.text, HELLO);
        assert.equal((await client.get('/nowhere')).status, 404);
      });
    });
  });
}
