import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { isWeftError } from '../../testing/index.js';
import { createNodeHandler, type NodeHandlerOptions, readNodeBody, SERVE_DEFAULTS, serve, toHttpRequest } from './index.js';

const SECRET = 'node-adapter-test-secret-0123456789abcdef';

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

class Whoami extends Component<{ user: string }> {
  mount() {
    return { user: String(this.context.locals.user ?? 'nobody') };
  }
  override render() {
    return html`<p>user=${this.state.user}</p>`;
  }
}

const registry = new Registry();
registry.register('counter', Counter);
registry.register('whoami', Whoami);

function makeApp(errors: unknown[][] = []): Weft {
  return createWeft({
    registry,
    secret: SECRET,
    mode: 'development',
    maxBodyBytes: 512,
    logger: { error: (...args: unknown[]) => void errors.push(args), warn() {} },
  }).view('/whoami', Whoami);
}

/** A request body stream standing in for an IncomingMessage. */
function bodyOf(chunks: readonly Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

function fakeRequest(props: { method?: string; url?: string; headers?: Record<string, string | string[] | undefined> }): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from('{"x":1}')]), { headers: {}, ...props }) as unknown as IncomingMessage;
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

describe('readNodeBody', () => {
  it('concatenates the chunks as UTF-8', async () => {
    assert.equal(await readNodeBody(bodyOf([Buffer.from('{"a":'), Buffer.from('1}')]), 100), '{"a":1}');
  });

  it('decodes a character split across chunks', async () => {
    const bytes = Buffer.from('"é€"');
    const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5)];
    assert.equal(await readNodeBody(bodyOf(chunks), 100), '"é€"');
  });

  it('settles for a body that was already read to its end', async () => {
    const req = bodyOf([Buffer.from('{}')]);
    for await (const _chunk of req) {
      // drained by someone else
    }
    const timer = new AbortController();
    const outcome = await Promise.race([
      readNodeBody(req, 100),
      delay(200, 'still pending', { signal: timer.signal }).catch(() => 'aborted'),
    ]);
    timer.abort();
    assert.equal(outcome, '');
  });

  it('reads an empty body as the empty string', async () => {
    assert.equal(await readNodeBody(bodyOf([]), 100), '');
  });

  it('accepts a body of exactly the limit, counted in bytes', async () => {
    assert.equal(await readNodeBody(bodyOf([Buffer.from('ab'), Buffer.from('é')]), 4), 'abé');
  });

  it('throws a 413 WeftError once the body passes the limit', async () => {
    await assert.rejects(readNodeBody(bodyOf([Buffer.from('abc'), Buffer.from('é')]), 4), (err: unknown) => {
      isWeftError(413, 'too_large')(err);
      assert.deepEqual((err as { details?: unknown }).details, { limit: 4 });
      return true;
    });
    await assert.rejects(readNodeBody(bodyOf([Buffer.alloc(11)]), 10), isWeftError(413, 'too_large'));
  });

  it('refuses bytes that are not UTF-8 with 400 bad_json instead of replacing them', async () => {
    // "caf\xe9" is latin1; decoded leniently it would become "caf\uFFFD" in state.
    const chunks = [Buffer.from('{"note":"caf'), Buffer.from([0xe9]), Buffer.from('"}')];
    await assert.rejects(readNodeBody(bodyOf(chunks), 100), isWeftError(400, 'bad_json'));
    await assert.rejects(readNodeBody(bodyOf([Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]), 100), /not valid UTF-8/);
  });

  it('refuses a compressed body with 415 unsupported_media_type; identity and no header are plain', async () => {
    await assert.rejects(
      readNodeBody(bodyOf([Buffer.from('{}')], { 'content-encoding': 'gzip' }), 100),
      (err: unknown) => isWeftError(415, 'unsupported_media_type')(err) && /Content-Encoding: gzip/.test((err as Error).message),
    );
    assert.equal(await readNodeBody(bodyOf([Buffer.from('{}')], { 'content-encoding': 'Identity' }), 100), '{}');
    assert.equal(await readNodeBody(bodyOf([Buffer.from('{}')]), 100), '{}');
  });

  it('turns a body stream that fails (the client went away) into a 400 WeftError, not an unexpected error', async () => {
    const stream = new Readable({
      read() {
        this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      },
    });
    const req = Object.assign(stream, { headers: {} }) as unknown as IncomingMessage;
    await assert.rejects(readNodeBody(req, 100), (err: unknown) => isWeftError(400, 'bad_request')(err) && /aborted/.test((err as Error).message));
  });
});

describe('readNodeBody when the connection closes', () => {
  it('settles with 400 when the stream closes before its end (no error, no end)', async () => {
    const stream = new Readable({ read() {} });
    const req = Object.assign(stream, { headers: {} }) as unknown as IncomingMessage;
    const read = readNodeBody(req, 100);
    stream.push(Buffer.from('{"a"'));
    stream.emit('close');
    await assert.rejects(read, (err: unknown) => isWeftError(400, 'bad_request')(err) && /closed before the body ended/.test((err as Error).message));
  });
});

describe('toHttpRequest', () => {
  it('carries method, URL, headers, ip and locals', () => {
    const locals = { user: 'ada' };
    const req = toHttpRequest(
      fakeRequest({ method: 'POST', url: '/components/counter/?a=1', headers: { host: 'example.com:8080', 'content-type': 'application/json' } }),
      '192.0.2.1',
      locals,
    );
    assert.equal(req.method, 'POST');
    assert.equal(req.url.href, 'http://example.com:8080/components/counter/?a=1');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.ip, '192.0.2.1');
    assert.equal(req.locals, locals);
  });

  it('joins array headers with ", "', () => {
    const req = toHttpRequest(fakeRequest({ url: '/', headers: { host: 'a.test', 'x-forwarded-for': ['1.1.1.1', '2.2.2.2'] } }), '', {});
    assert.equal(req.headers['x-forwarded-for'], '1.1.1.1, 2.2.2.2');
    assert.equal(req.headers.host, 'a.test');
  });

  it('falls back to localhost when the Host header is missing or not a valid host', () => {
    for (const host of [undefined, 'bad host', 'a.test:99999', '[::1']) {
      const req = toHttpRequest(fakeRequest({ url: '/weft/htmx.min.js?v=1', headers: { host } }), '', {});
      assert.equal(req.url.host, 'localhost', `host ${String(host)}`);
      assert.equal(req.url.pathname, '/weft/htmx.min.js');
      assert.equal(req.url.search, '?v=1');
    }
  });

  it('uses https: in the URL when the connection itself is TLS', () => {
    const tls = Object.assign(fakeRequest({ url: '/x', headers: { host: 'a.test' } }), { socket: { encrypted: true } });
    assert.equal(toHttpRequest(tls, '', {}).url.href, 'https://a.test/x');
    const plain = Object.assign(fakeRequest({ url: '/x', headers: { host: 'a.test' } }), { socket: {} });
    assert.equal(toHttpRequest(plain, '', {}).url.href, 'http://a.test/x');
  });

  it('defaults the method to GET and the URL to /', () => {
    const req = toHttpRequest(fakeRequest({ method: undefined, url: undefined, headers: { host: 'a.test' } }), '', {});
    assert.equal(req.method, 'GET');
    assert.equal(req.url.pathname, '/');
  });

  it('treats a request target starting with // as a path, not as another host', () => {
    const req = toHttpRequest(fakeRequest({ url: '//evil.example/components/counter/', headers: { host: 'a.test' } }), '', {});
    assert.equal(req.url.host, 'a.test');
    assert.equal(req.url.pathname, '//evil.example/components/counter/');
  });

  it('reads the body from the request by default, and from readBody when given', async () => {
    const req = toHttpRequest(fakeRequest({ url: '/', headers: { host: 'a.test' } }), '', {});
    assert.equal(await req.body(100), '{"x":1}');
    await assert.rejects(
      toHttpRequest(fakeRequest({ url: '/', headers: {} }), '', {}).body(3),
      isWeftError(413, 'too_large'),
    );
    const limits: number[] = [];
    const custom = toHttpRequest(fakeRequest({ url: '/', headers: {} }), '', {}, async (limit) => {
      limits.push(limit);
      return 'parsed';
    });
    assert.equal(await custom.body(7), 'parsed');
    assert.deepEqual(limits, [7]);
  });
});

describe('createNodeHandler', () => {
  let server: Server;
  let base: string;
  let weft: Weft;
  const errors: unknown[][] = [];
  let fallbacks: string[] = [];
  let options: NodeHandlerOptions = {};

  before(async () => {
    weft = makeApp(errors);
    // Options are read per request so each test can choose its own.
    server = createServer((req, res) => {
      void createNodeHandler(weft, options)(req, res);
    });
    base = await listen(server);
  });
  after(() => close(server));

  function use(next: NodeHandlerOptions): void {
    options = next;
    fallbacks = [];
    errors.length = 0;
  }

  it('serves Weft routes', async () => {
    use({});
    const res = await fetch(`${base}/weft/htmx.min.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.ok((await res.arrayBuffer()).byteLength > 0);
  });

  it('calls the fallback for requests no Weft route matches', async () => {
    use({
      fallback: (req, res) => {
        fallbacks.push(`${req.method} ${req.url}`);
        res.writeHead(418, { 'content-type': 'text/plain' });
        res.end('teapot');
      },
    });
    const res = await fetch(`${base}/elsewhere?x=1`);
    assert.equal(res.status, 418);
    assert.equal(await res.text(), 'teapot');
    assert.deepEqual(fallbacks, ['GET /elsewhere?x=1']);
    // Weft's own routes do not reach it.
    assert.equal((await fetch(`${base}/whoami`)).status, 200);
    assert.deepEqual(fallbacks, ['GET /elsewhere?x=1']);
  });

  it('answers unmatched routes with 404 JSON without a fallback', async () => {
    use({});
    const res = await fetch(`${base}/elsewhere`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { error: 'no route for DELETE /elsewhere', code: 'not_found' });
  });

  it('passes the locals function\'s result to views', async () => {
    use({ locals: async (req) => ({ user: req.headers['x-user'] }) });
    const res = await fetch(`${base}/whoami`, { headers: { 'x-user': 'grace' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<p>user=grace</p>');
  });

  it('passes the locals function\'s result to event handlers', async () => {
    use({ locals: (req) => ({ user: req.headers['x-user'] }) });
    const { blob } = await weft.render('counter');
    const res = await fetch(`${base}/components/counter/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'linus' },
      body: JSON.stringify({ state: blob, event: 'increment' }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /<p class="count">1<\/p><p class="user">linus<\/p>/);
  });

  it('refuses a body over the limit with 413 and closes the connection', async () => {
    use({});
    const res = await fetch(`${base}/components/counter/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'increment', payload: { pad: 'x'.repeat(1000) } }),
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('connection'), 'close');
    assert.equal(((await res.json()) as { code: string }).code, 'too_large');
  });

  it('refuses a body beyond maxPendingBodies still arriving with 503 busy, and serves again once they end', async () => {
    // One handler for every request: it keeps the count.
    const own = createServer(createNodeHandler(weft, { maxPendingBodies: 2 }));
    const base = await listen(own);
    const { port } = own.address() as AddressInfo;
    const { blob } = await weft.render('counter');
    const body = JSON.stringify({ state: blob, event: 'increment' });
    // Two clients that send their headers and then stall in the middle of the body.
    const stalled = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    for (const socket of stalled) {
      socket.on('error', () => {});
      socket.write(`POST /components/counter/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    }
    try {
      await delay(200);
      const res = await fetch(`${base}/components/counter/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(res.headers.get('connection'), 'close');
      assert.equal(((await res.json()) as { code: string }).code, 'busy');
      // Pages do not read a body and are not held up.
      assert.equal((await fetch(`${base}/whoami`)).status, 200);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
    await delay(200);
    try {
      const again = await fetch(`${base}/components/counter/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(again.status, 200, await again.text());
    } finally {
      await close(own);
    }
  });

  it('answers 500 JSON and logs when the locals function throws', async () => {
    const boom = new Error('locals failed');
    use({
      locals: () => {
        throw boom;
      },
    });
    const res = await fetch(`${base}/whoami`);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: 'internal error', code: 'handler_error' });
    assert.deepEqual(errors, [['Weft: unexpected error', boom]]);
  });
});

describe('serve', () => {
  it('resolves with a server that is listening and serving Weft', async () => {
    const server = await serve(makeApp(), { port: 0, hostname: '127.0.0.1' });
    try {
      assert.equal(server.listening, true);
      const { port } = server.address() as AddressInfo;
      assert.ok(port > 0);
      const res = await fetch(`http://127.0.0.1:${port}/whoami`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '<p>user=nobody</p>');
    } finally {
      await close(server);
    }
  });

  it('sets tight timeouts by default, and takes others', async () => {
    assert.deepEqual(SERVE_DEFAULTS, { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, maxPendingBodies: 100 });
    const server = await serve(makeApp(), { port: 0, hostname: '127.0.0.1' });
    try {
      assert.equal(server.headersTimeout, 10_000);
      assert.equal(server.requestTimeout, 30_000);
      assert.equal(server.keepAliveTimeout, 5_000);
    } finally {
      await close(server);
    }
    const custom = await serve(makeApp(), { port: 0, hostname: '127.0.0.1', headersTimeout: 2000, requestTimeout: 4000, keepAliveTimeout: 65_000 });
    try {
      assert.equal(custom.headersTimeout, 2000);
      assert.equal(custom.requestTimeout, 4000);
      assert.equal(custom.keepAliveTimeout, 65_000);
    } finally {
      await close(custom);
    }
  });

  it('drops a client that trickles its headers, once headersTimeout has passed', async () => {
    const server = await serve(makeApp(), { port: 0, hostname: '127.0.0.1', headersTimeout: 300, requestTimeout: 600 });
    try {
      const { port } = server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      const started = Date.now();
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /whoami HTTP/1.1\r\nHost: localhost\r\n');
      // Keep sending a header line now and then, never the blank line that ends them.
      const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
      try {
        await Promise.race([closed, delay(5000)]);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 3000, `the connection stayed open ${elapsed} ms`);
      assert.match(answer, /^HTTP\/1\.1 408/);
    } finally {
      await close(server);
    }
  });

  it('rejects when the port is already in use', async () => {
    const first = await serve(makeApp(), { port: 0, hostname: '127.0.0.1' });
    try {
      const { port } = first.address() as AddressInfo;
      // Raced against a timer so a serve() that never settles fails here and still closes `first`.
      const outcome = await Promise.race([
        serve(makeApp(), { port, hostname: '127.0.0.1' }).then(
          async (second) => {
            await close(second);
            return 'resolved';
          },
          (err: unknown) => err,
        ),
        delay(1000, 'still pending', { ref: false }),
      ]);
      assert.equal((outcome as { code?: unknown }).code, 'EADDRINUSE', String(outcome));
    } finally {
      await close(first);
    }
  });
});

describe('request URL from a hostile Host header', () => {
  it('ignores a Host that would move the path', () => {
    for (const host of ['evil.example/admin', 'a@b', 'x?y', 'x#y']) {
      const req = Object.assign(Readable.from([]), { method: 'GET', url: '/weft/htmx.min.js', headers: { host } }) as unknown as IncomingMessage;
      const url = toHttpRequest(req, '127.0.0.1', {}).url;
      assert.equal(url.pathname, '/weft/htmx.min.js', host);
      assert.equal(url.host, 'localhost', host);
    }
  });
});
