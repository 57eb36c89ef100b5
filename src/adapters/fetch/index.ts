/**
 * @module
 * Weft as a Web-standard `fetch(Request) → Response` handler, for Hono, Bun,
 * Deno, Cloudflare-style runtimes and anything else built on the Fetch API.
 *
 * @example Hono
 * import { getConnInfo } from '@hono/node-server/conninfo'; // or 'hono/bun', 'hono/deno'
 * const weftRoutes = createFetchMiddleware(weft);
 * // Weft's routes, then the app's own (and its notFound) for everything else.
 * app.use(async (c, next) => (await weftRoutes(c.req.raw, { ip: getConnInfo(c).remote.address, locals: { user: c.get('user') } })) ?? next());
 */
import type { Weft } from '../../app.js';
import { WeftError } from '../../core/errors.js';
import { isEventStream } from '../../transport/sse.js';
import { bodyReadError, checkContentEncoding, createHttpHandler, decodeBody, type HttpResponse, jsonError } from '../../transport/http.js';

export interface FetchEnv {
  /**
   * The socket's address (the Fetch API has none; your host knows it, e.g. Hono's
   * `getConnInfo(c).remote.address`). The app's `clientAddress` option then finds
   * the client from it. Without either, every client shares one bad-signature
   * throttle bucket, so the handler warns once.
   */
  ip?: string;
  locals?: Record<string, unknown>;
}

export interface FetchOptions {
  /** Called for requests no Weft route matches. Default: 404 JSON. */
  fallback?: (request: Request) => Response | Promise<Response>;
}

async function readBody(request: Request, limit: number): Promise<string> {
  checkContentEncoding(request.headers.get('content-encoding') ?? undefined);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw bodyReadError(err);
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new WeftError(413, 'too_large', `request body is over the ${limit}-byte limit`, { limit });
    }
    chunks.push(value);
  }
  return decodeBody(Buffer.concat(chunks));
}

function toResponse(response: HttpResponse): Response {
  if (isEventStream(response.body)) {
    const events = response.body;
    const encoder = new TextEncoder();
    let stop: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        stop = events.start(
          (chunk) => controller.enqueue(encoder.encode(chunk)),
          () => controller.close(),
        );
      },
      // The client went away: end the subscription.
      cancel() {
        stop?.();
      },
    });
    return new Response(stream, { status: response.status, headers: response.headers });
  }
  const body = response.status === 304 || response.body === '' ? null : response.body;
  return new Response(body as BodyInit | null, { status: response.status, headers: response.headers });
}

/**
 * Weft as middleware for a Fetch-API framework: a `Response` for the requests Weft
 * serves (events, assets, views, streams), `undefined` for every other, so the
 * framework's own routes and not-found handler answer those.
 *
 * @example Hono
 * const weftRoutes = createFetchMiddleware(weft);
 * app.use(async (c, next) => (await weftRoutes(c.req.raw, { ip: getConnInfo(c).remote.address })) ?? next());
 */
export function createFetchMiddleware(weft: Weft) {
  const handle = createHttpHandler(weft);
  let warnedNoIp = false;
  return async (request: Request, env: FetchEnv = {}): Promise<Response | undefined> => {
    if (env.ip === undefined && weft.limits.clientAddress === undefined && !warnedNoIp) {
      warnedNoIp = true;
      weft.logger.warn(
        'Weft: the fetch handler was called without env.ip; all clients share one bad-signature throttle. Pass the client address.',
      );
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const url = new URL(request.url);
    // Some runtimes keep the Host only in the URL they build from it.
    headers.host ??= url.host;
    const response = await handle({
      method: request.method,
      url,
      headers,
      ip: env.ip ?? '',
      locals: env.locals ?? {},
      body: (limit) => readBody(request, limit),
    });
    return response && toResponse(response);
  };
}

/** Weft as a whole `fetch(Request) → Response` handler; `fallback` answers what Weft does not serve. */
export function createFetchHandler(weft: Weft, options: FetchOptions = {}) {
  const routes = createFetchMiddleware(weft);
  return async (request: Request, env: FetchEnv = {}): Promise<Response> => {
    const response = await routes(request, env);
    if (response) return response;
    if (options.fallback) return options.fallback(request);
    return toResponse(jsonError(new WeftError(404, 'not_found', `no route for ${request.method} ${new URL(request.url).pathname}`)));
  };
}
