/**
 * The hosts both suites run against: the same Weft app behind node:http,
 * Express and Hono (fetch). Each `start()` listens on 127.0.0.1, port 0, and
 * resolves to a {@link TestClient} whose `close()` stops the server.
 *
 * Every host answers `GET /hello` from outside Weft (a fallback, `next()` or a
 * Hono route reached through the fetch handler's fallback), to prove that
 * requests Weft does not serve reach the host.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as serveHono, type HttpBindings } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import type { Weft } from 'weft';
import { weft as weftMiddleware, weftErrors } from 'weft/express';
import { createFetchHandler } from 'weft/fetch';
import { serve } from 'weft/node';
import { TestClient, type TestResponse } from 'weft/testing';

export interface Host {
  name: string;
  start(weft: Weft, locals?: Record<string, unknown>): Promise<TestClient>;
}

/** What the non-Weft route answers, per host. */
export const HELLO = 'hello from the host';

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

function listening(server: Server): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ready = () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve(new TestClient(`http://127.0.0.1:${port}`, closer(server)));
    };
    server.once('error', reject);
    if (server.listening) ready();
    else server.once('listening', ready);
  });
}

export const nodeHost: Host = {
  name: 'node',
  async start(weft, locals = {}) {
    const server = await serve(weft, {
      port: 0,
      hostname: '127.0.0.1',
      locals: () => locals,
      fallback: (req, res) => {
        if (req.method === 'GET' && req.url === '/hello') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(HELLO);
        } else {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found","code":"not_found"}');
        }
      },
    });
    return listening(server);
  },
};

function expressApp(weft: Weft, locals: Record<string, unknown>, jsonParserFirst: boolean): express.Express {
  const app = express();
  if (jsonParserFirst) app.use(express.json());
  app.use(weftMiddleware(weft, { locals: () => locals }));
  if (jsonParserFirst) app.use(weftErrors(weft));
  app.get('/hello', (_req, res) => {
    res.type('text/plain').send(HELLO);
  });
  return app;
}

export const expressHost: Host = {
  name: 'express',
  start(weft, locals = {}) {
    return listening(expressApp(weft, locals, false).listen(0, '127.0.0.1'));
  },
};

/** Express with `express.json()` mounted before Weft: the adapter re-serialises the parsed body. */
export const expressJsonHost: Host = {
  name: 'express+json',
  start(weft, locals = {}) {
    return listening(expressApp(weft, locals, true).listen(0, '127.0.0.1'));
  },
};

export const honoHost: Host = {
  name: 'hono',
  start(weft, locals = {}) {
    const hello = new Hono();
    hello.get('/hello', (c) => c.text(HELLO));
    const handler = createFetchHandler(weft, { fallback: (request) => hello.fetch(request) });
    const app = new Hono<{ Bindings: HttpBindings }>();
    app.all('*', (c) => handler(c.req.raw, { ip: c.env.incoming.socket.remoteAddress ?? '', locals }));
    const server = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    return listening(server);
  },
};

/** The three adapters Weft ships. */
export const hosts: readonly Host[] = [nodeHost, expressHost, honoHost];

/** Other ways of mounting the same adapters. */
export const hostVariants: readonly Host[] = [expressJsonHost];

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown> | undefined;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Written in one piece (with a Content-Length unless `headers` set one). */
  body?: string;
  /** Written one by one with chunked transfer encoding (no Content-Length). */
  chunks?: readonly string[];
  /** Leave the request body unfinished: the server must answer from the headers alone. */
  keepOpen?: boolean;
  /** Local address to connect from, to look like another client (e.g. 127.0.0.2). */
  localAddress?: string;
}

/**
 * One request over a fresh connection with `node:http`, for what `fetch` cannot
 * do: pick the client address, stream a chunked body, or lie in Content-Length.
 * Errors on the request side after the response arrived (the server closed the
 * connection on an unread body) are ignored.
 */
export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  const named = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  if (options.body !== undefined && !named('content-length')) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'POST',
        headers,
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
          let json: Record<string, unknown> | undefined;
          try {
            json = isJson && text !== '' ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch (err) {
            reject(err);
            return;
          }
          req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    void (async () => {
      if (options.chunks) {
        // Stop sending once the server has answered (it may refuse half-way).
        for (const chunk of options.chunks) {
          if (answered || req.destroyed) return;
          if (!req.write(chunk)) {
            await new Promise((resolve) => {
              req.once('drain', resolve);
              req.once('close', resolve);
            });
          }
        }
      } else if (options.body !== undefined) {
        req.write(options.body);
      }
      if (options.keepOpen) req.flushHeaders();
      else if (!answered && !req.destroyed) req.end();
    })();
  });
}

export type AnyResponse = TestResponse | RawResponse;

export function header(res: AnyResponse, name: string): string | undefined {
  if (res.headers instanceof Headers) return res.headers.get(name) ?? undefined;
  const value = (res.headers as IncomingHttpHeaders)[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** P4.1: a refusal is JSON with a sentence in `error` and a stable `code`. Returns the body. */
export function assertRefusal(res: AnyResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(header(res, 'content-type') ?? '', /^application\/json\b/, `not JSON: ${res.text.slice(0, 200)}`);
  const body = res.json;
  assert.ok(body, 'error body is not JSON');
  assert.equal(body.code, code, `wrong code in ${res.text}`);
  assert.equal(typeof body.error, 'string');
  assert.ok((body.error as string).length > 0, `error is empty: ${JSON.stringify(body.error)}`);
  return body;
}
