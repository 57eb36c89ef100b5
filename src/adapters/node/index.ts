/**
 * @module
 * Weft on plain `node:http` — the default host, used by `npm start`.
 *
 * @example
 * import { createWeft } from 'weft';
 * import { serve } from 'weft/node';
 * const weft = createWeft();
 * await serve(weft, { port: 3000 });
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createLiveServer, type LiveServer, type LiveServerOptions } from '../../transport/ws/index.js';
import { isEventStream } from '../../transport/sse.js';
import type { Weft } from '../../app.js';
import { WeftError } from '../../core/errors.js';
import { bodyReadError, checkContentEncoding, createHttpHandler, decodeBody, type HttpRequest, type HttpResponse, jsonError } from '../../transport/http.js';

export interface NodeHandlerOptions {
  /** Called for requests no Weft route matches. Default: 404 JSON. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  /** Values passed to components as `context.locals` (e.g. the logged-in user). */
  locals?: (req: IncomingMessage) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Most event requests whose body is still arriving at one time; more get 503
   * `busy` (with `Retry-After`) and their connection closed. Each one holds a
   * socket and up to `maxBodyBytes` of memory, so this bounds what clients that
   * send their bodies slowly can take. Default 100.
   */
  maxPendingBodies?: number;
}

export interface ServeOptions extends NodeHandlerOptions {
  port?: number;
  hostname?: string;
  /** Milliseconds a client has to send the request headers. Default 10 000 (Node's own: 60 000). */
  headersTimeout?: number;
  /**
   * Milliseconds a client has to send the whole request, headers and body.
   * Default 30 000 (Node's own: 300 000): an event body is at most `maxBodyBytes`.
   */
  requestTimeout?: number;
  /**
   * Milliseconds an idle keep-alive connection is kept open. Default 5 000. Behind
   * a load balancer, make it longer than the balancer's own idle timeout (60 s on
   * many), or it may reuse a connection the server is closing.
   */
  keepAliveTimeout?: number;
  /** The WebSocket for live components (on by default, at the app's `livePath`); `false` turns it off. */
  live?: Omit<LiveServerOptions, 'locals'> | false;
}

/**
 * Serves live components' WebSocket on an existing Node server (Express'
 * `app.listen()`, Hono's `serve()`, your own `http.createServer()`): upgrade
 * requests for the app's `livePath` are taken over, others are left alone. The
 * sockets close with 1001 when the server closes.
 *
 * @example
 * const server = app.listen(3000);
 * attachLive(server, weft, { locals: (req) => ({ user: userOf(req) }) });
 */
export function attachLive(server: Server, weft: Weft, options: LiveServerOptions = {}): LiveServer {
  const live = createLiveServer(weft, options);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!live.handleUpgrade(req, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy();
  });
  // 'close' fires only after every connection has ended, and an open socket
  // never ends by itself: closing the server must say goodbye to sockets first.
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    void live.close();
    return close(callback);
  }) as Server['close'];
  return live;
}

/** Timeouts for a server whose requests are small JSON events and page loads. */
export const SERVE_DEFAULTS = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, maxPendingBodies: 100 } as const;

/** Reads a Node request body as UTF-8, refusing more than `limit` bytes with 413. */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<string> {
  // Plain 'data'/'end' listeners: a for-await over the stream costs several times more.
  return new Promise((resolve, reject) => {
    // Already read to its end (by earlier middleware): 'end' will not fire again.
    if (req.readableEnded) return resolve('');
    try {
      checkContentEncoding(req.headers['content-encoding']);
    } catch (err) {
      return reject(err);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // A connection closed before the end: without this the read would never
    // settle, and the body would count as still arriving for ever.
    const onClose = (): void => reject(bodyReadError(new Error('the connection closed before the body ended')));
    req.once('close', onClose);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        reject(new WeftError(413, 'too_large', `request body is over the ${limit}-byte limit`, { limit }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      req.off('close', onClose);
      try {
        resolve(decodeBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', (err) => reject(bodyReadError(err)));
  });
}

function headerMap(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function requestUrl(req: IncomingMessage): URL {
  // https when this server itself holds the TLS connection (https.createServer);
  // behind a proxy that ends TLS, the app's `clientAddress` option says so.
  const scheme = (req.socket as Partial<TLSSocket> | undefined)?.encrypted === true ? 'https' : 'http';
  const target = req.url ?? '/';
  // Build from a string, never `new URL(target, base)`: that would read a target
  // like "//evil.example/x" as another host.
  const path = target.startsWith('/') ? target : `/${target}`;
  // A Host with '/', '@', '?' or '#' in it would move the path; only a plain host[:port] is used.
  const host = req.headers.host;
  try {
    return new URL(`${scheme}://${host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : 'localhost'}${path}`);
  } catch {
    return new URL(`${scheme}://localhost${path}`);
  }
}

/** Adapts a Node request; `readBody` lets Express hand over an already-parsed body. */
export function toHttpRequest(
  req: IncomingMessage,
  ip: string,
  locals: Record<string, unknown>,
  readBody: (limit: number) => Promise<string> = (limit) => readNodeBody(req, limit),
): HttpRequest {
  return { method: req.method ?? 'GET', url: requestUrl(req), headers: headerMap(req), ip, locals, body: readBody };
}

export function writeResponse(res: ServerResponse, response: HttpResponse): void {
  // A 413 or 503 may leave an unread body on the socket; closing is cheaper than draining it.
  if (response.status === 413 || response.status === 503) res.setHeader('connection', 'close');
  res.writeHead(response.status, response.headers);
  if (isEventStream(response.body)) {
    res.flushHeaders();
    const stop = response.body.start(
      (chunk) => res.write(chunk),
      () => res.end(),
    );
    // The client went away: end the subscription, or it would leak.
    res.once('close', stop);
    return;
  }
  res.end(response.body);
}

/** A `(req, res)` listener for `http.createServer`. */
export function createNodeHandler(weft: Weft, options: NodeHandlerOptions = {}) {
  const handle = createHttpHandler(weft);
  const maxPending = options.maxPendingBodies ?? SERVE_DEFAULTS.maxPendingBodies;
  let pending = 0;
  const readBody = (req: IncomingMessage) => async (limit: number): Promise<string> => {
    if (pending >= maxPending) {
      throw new WeftError(503, 'busy', `the server is already reading ${pending} request bodies; retry shortly`, undefined, { 'retry-after': '1' });
    }
    pending++;
    try {
      return await readNodeBody(req, limit);
    } finally {
      pending--;
    }
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const locals = (await options.locals?.(req)) ?? {};
      const response = await handle(toHttpRequest(req, req.socket.remoteAddress ?? '', locals, readBody(req)));
      if (response) return writeResponse(res, response);
      if (options.fallback) return await options.fallback(req, res);
      writeResponse(res, jsonError(new WeftError(404, 'not_found', `no route for ${req.method} ${requestUrl(req).pathname}`)));
    } catch (err) {
      weft.logger.error('Weft: unexpected error', err);
      if (!res.headersSent) writeResponse(res, jsonError(new WeftError(500, 'handler_error', 'internal error')));
      else res.destroy();
    }
  };
}

/**
 * Starts an HTTP server; resolves once it is listening. Its timeouts are tight
 * (see {@link ServeOptions}): a client that trickles its headers or body holds a
 * connection for seconds, not minutes.
 */
export function serve(weft: Weft, options: ServeOptions = {}): Promise<Server> {
  const headersTimeout = options.headersTimeout ?? SERVE_DEFAULTS.headersTimeout;
  const requestTimeout = options.requestTimeout ?? SERVE_DEFAULTS.requestTimeout;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: options.keepAliveTimeout ?? SERVE_DEFAULTS.keepAliveTimeout,
      // Node checks for expired requests this often (its default is 30 s, which
      // would stretch a 10 s limit to 40 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeout, requestTimeout || 1000)),
    },
    createNodeHandler(weft, options),
  );
  if (options.live !== false) attachLive(server, weft, { ...options.live, ...(options.locals && { locals: options.locals }) });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.hostname, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
