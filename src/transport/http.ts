/**
 * @module
 * Weft over HTTP, written once against a minimal request/response shape so the
 * node:http, Express and fetch adapters behave identically (docs/protocol.md).
 *
 * Routes:
 * - `POST {basePath}/<name>/`   event request (JSON) → the component's new HTML
 * - `GET  {assetsPath}/<file>`  htmx, idiomorph, Weft's client
 * - `GET  {assetsPath}/c/<name>.<hash>.<css|js>`  a component's own CSS and JS
 * - `GET  <view path>`          a component served as a view
 */
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { Weft } from '../app.js';
import { type ComponentContext, type ContextLocals, fullContext, type RequestInfo } from '../core/component.js';
import type { EventCall, EventRequest } from '../core/dispatch.js';
import { WeftError } from '../core/errors.js';
import { html } from '../core/html.js';
import { isPlainObject, parseJson } from '../core/json.js';
import { COMPONENT_NAME } from '../core/registry.js';
import { hostCheck } from '../policy/allowed-hosts.js';
import { clientResolver } from '../policy/client-address.js';
import { checkCsrf } from '../policy/csrf.js';
import { SignatureThrottle } from '../policy/signature-throttle.js';
import { fragmentWithAssets } from '../core/asset-tags.js';
import { getAsset } from './assets.js';
import { etagMatches } from './etag.js';
import { COMPONENT_ASSET_DIR, parseAssetList, serveComponentAsset } from './component-assets.js';
import { type EventStream, openStream } from './sse.js';
import { deliverPageEvents, parseListeners } from './page-events.js';

/**
 * What an adapter hands to the handler. Header names are lower-case; `host` is
 * the Host header exactly as received (the Host check reads it), `ip` the
 * socket's address and `url` uses `https:` when the connection itself is TLS.
 */
export interface HttpRequest extends RequestInfo {
  /** Reads the body as UTF-8, throwing a 413 WeftError past `limit` bytes. */
  body(limit: number): Promise<string>;
  locals?: Record<string, unknown>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, or a stream the adapter writes as it comes (Server-Sent Events). */
  body: string | Uint8Array | EventStream;
}

/** Handles a request, or returns `undefined` when no Weft route matches it. */
export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse | undefined>;

/** State-blob failures that suggest forgery (and so count toward the throttle). */
const FORGERY = new Set(['state_signature', 'state_malformed', 'state_component']);

/**
 * On every response Weft writes: browsers must take the declared type and
 * never guess (sniff) another, which could turn a JSON error or a script into HTML.
 */
export const NOSNIFF = { 'x-content-type-options': 'nosniff' } as const;

export function jsonError(err: WeftError): HttpResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...NOSNIFF, ...err.headers },
    body: JSON.stringify(err.toJSON()),
  };
}

/**
 * Decodes a request body. Bytes that are not UTF-8 are refused rather than turned
 * into U+FFFD, which would silently change what the browser sent.
 */
export function decodeBody(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw new WeftError(400, 'bad_json', 'request body is not valid UTF-8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Refuses a compressed body: it would otherwise be parsed as if it were plain
 * JSON and fail with a misleading message. (Event bodies are small; browsers do
 * not compress requests.) Call it where the raw bytes are read.
 */
export function checkContentEncoding(value: string | undefined): void {
  if (value !== undefined && value.trim() !== '' && value.trim().toLowerCase() !== 'identity') {
    throw new WeftError(415, 'unsupported_media_type', `compressed request bodies are not accepted (Content-Encoding: ${value})`);
  }
}

/**
 * The error for a body stream that fails part-way: the client went away (or broke
 * the framing). It is the client's doing, so it must not be logged as a server fault.
 */
export function bodyReadError(err: unknown): WeftError {
  return new WeftError(400, 'bad_request', `request body could not be read: ${err instanceof Error ? err.message : String(err)}`);
}

function htmlResponse(body: string, status = 200): HttpResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...NOSNIFF }, body };
}

/**
 * Whether a request is a browser loading a page (it accepts HTML and is not an
 * htmx request), which should see an error as a page rather than as JSON.
 */
function wantsPage(req: HttpRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html') && req.headers['hx-request'] === undefined;
}

/** A refusal as a small HTML page: the same status, message and code as the JSON. */
function htmlError(err: WeftError): HttpResponse {
  const title = `${err.status} ${STATUS_CODES[err.status] ?? 'Error'}`;
  const stack = typeof err.details?.stack === 'string' ? err.details.stack : undefined;
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body>
<h1>${title}</h1>
<p>${err.message}</p>
<p><code>${err.code}</code></p>
${stack && html`<pre>${stack}</pre>`}
</body>
</html>
`;
  const response = htmlResponse(body.value, err.status);
  Object.assign(response.headers, err.headers);
  return response;
}

/**
 * The `Location` that sends `path` to its other form: without its trailing slash
 * if it has one, else with one. Relative to `path` (and so always on the same
 * site), so it stays right when the app is mounted under a prefix the handler
 * does not see (Express `app.use('/shop', …)`).
 */
function otherFormLocation(path: string): string {
  if (!path.endsWith('/')) return `./${path.slice(path.lastIndexOf('/') + 1)}/`;
  const to = path.slice(0, -1);
  return `../${to.slice(to.lastIndexOf('/') + 1)}`;
}

/** Turns a parsed JSON body into an {@link EventRequest}, naming the first problem found. */
export function parseEventBody(component: string, body: unknown, maxEvents: number): EventRequest {
  if (!isPlainObject(body)) throw new WeftError(400, 'bad_request', 'event request body must be a JSON object');
  const { state, event, payload, events, updates, children, listeners, assets } = body;
  let calls: EventCall[];
  if (events !== undefined) {
    if (event !== undefined) throw new WeftError(400, 'bad_request', 'send either "event" or "events", not both');
    if (!Array.isArray(events)) throw new WeftError(400, 'bad_request', '"events" must be an array');
    // Like a body without "event": an empty batch would re-render and re-sign the
    // state (applying any updates) without running a single handler.
    if (events.length === 0) throw new WeftError(400, 'bad_request', '"events" is empty; name at least one event');
    calls = events.map((call, i) => {
      if (!isPlainObject(call)) throw new WeftError(400, 'bad_request', `events[${i}] must be an object`);
      return toCall(call.event, call.payload, `events[${i}]`);
    });
  } else if (event !== undefined) {
    calls = [toCall(event, payload, '')];
  } else {
    throw new WeftError(400, 'bad_request', 'event request names no "event"');
  }
  if (calls.length > maxEvents) {
    throw new WeftError(400, 'too_many_events', `${calls.length} events in one request; the limit is ${maxEvents}`, {
      limit: maxEvents,
    });
  }
  if (updates !== undefined && !isPlainObject(updates)) {
    throw new WeftError(400, 'bad_request', '"updates" must be an object of field → value');
  }
  return {
    component,
    state,
    events: calls,
    updates: (updates as Record<string, unknown> | undefined) ?? {},
    ...(children !== undefined && { children: toChildren(children) }),
    ...(listeners !== undefined && { listeners: parseListeners(listeners, toChildren) }),
    ...(assets !== undefined && { assets: parseAssetList(assets) }),
  };
}

/** Enough for any page; more is not a list of children a browser shows. */
const MAX_CHILDREN = 1000;
const DIGEST = /^[A-Za-z0-9_-]{12}$/;

/** Checks the `children` map of an event request (or of one of its `listeners`): child id → 12-character digest (docs/protocol.md, P3.1). */
function toChildren(children: unknown, field = 'children'): Record<string, string> {
  if (!isPlainObject(children)) throw new WeftError(400, 'bad_request', `"${field}" must be an object of child id → digest`);
  const entries = Object.entries(children);
  if (entries.length > MAX_CHILDREN) {
    throw new WeftError(400, 'bad_request', `"${field}" lists ${entries.length} children; the limit is ${MAX_CHILDREN}`);
  }
  for (const [id, digest] of entries) {
    if (typeof digest !== 'string' || !DIGEST.test(digest) || id.length > 200) {
      throw new WeftError(400, 'bad_request', `"${field}" entry ${JSON.stringify(id.slice(0, 64))} is not an id → 12-character digest`);
    }
  }
  return children as Record<string, string>;
}

function toCall(event: unknown, payload: unknown, where: string): EventCall {
  const prefix = where ? `${where}.` : '';
  if (typeof event !== 'string') throw new WeftError(400, 'bad_request', `"${prefix}event" must be a string`);
  if (payload !== undefined && !isPlainObject(payload)) {
    throw new WeftError(400, 'bad_request', `"${prefix}payload" must be a JSON object`);
  }
  return { event, payload: (payload as Record<string, unknown> | undefined) ?? {} };
}

/** Request text repeated in an error: at most 64 characters of it, so a huge header or path gets a small answer. */
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/**
 * The media type and the first `charset` parameter (unquoted) of a Content-Type
 * header, lower-cased. One pass with indexOf and no regular expression, so a
 * header of a million `;` costs no more than reading it.
 */
export function parseContentType(value: string): { type: string; charset: string | undefined } {
  const lower = value.toLowerCase();
  const first = lower.indexOf(';');
  const type = (first === -1 ? lower : lower.slice(0, first)).trim();
  for (let start = first; start !== -1; ) {
    const end = lower.indexOf(';', start + 1);
    const parameter = lower.slice(start + 1, end === -1 ? undefined : end).trim();
    if (parameter.startsWith('charset=')) {
      const charset = parameter.slice('charset='.length);
      const quoted = charset.length >= 2 && charset.startsWith('"') && charset.endsWith('"');
      return { type, charset: quoted ? charset.slice(1, -1) : charset };
    }
    start = end;
  }
  return { type, charset: undefined };
}

/**
 * Builds the handler every adapter shares. Throws (so the server does not start)
 * in production without `allowedHosts`, or when an option is malformed.
 */
export function createHttpHandler(weft: Weft): HttpHandler {
  const { allowedHosts, clientAddress } = weft.limits;
  if (weft.production && allowedHosts === undefined) {
    throw new Error(
      'Weft: no allowedHosts. In production, list the host names this app answers to (allowedHosts: ["shop.example.com"]), ' +
        'or ["*"] when a proxy in front of it already refuses other hosts.',
    );
  }
  const checkHost = hostCheck(allowedHosts);
  const client = clientResolver(clientAddress);
  const throttle = new SignatureThrottle(weft.limits.signatureFailures);
  const eventPath = new RegExp(`^${weft.basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/?$`);
  const assetPrefix = `${weft.assetsPath}/`;

  /** What components see: the client's address, as the app's `clientAddress` finds it. */
  function requestInfo(req: HttpRequest): RequestInfo {
    const request: RequestInfo = { method: req.method, url: req.url, headers: req.headers, ip: req.ip };
    return { ...request, ip: client.address(request) };
  }

  /** The request's context for components, with its user found once, before anything else. */
  async function context(request: RequestInfo, req: HttpRequest): Promise<ComponentContext> {
    const locals = (req.locals ?? {}) as unknown as ContextLocals;
    return fullContext({ request, locals, user: await weft.findUser(request, locals) });
  }

  async function handleEvent(req: HttpRequest, name: string): Promise<HttpResponse> {
    if (req.method !== 'POST') {
      throw new WeftError(405, 'method_not_allowed', `events are sent with POST, not ${req.method}`, undefined, {
        allow: 'POST',
      });
    }
    if (!COMPONENT_NAME.test(name) || !weft.registry.get(name)) {
      throw new WeftError(404, 'unknown_component', `no component named ${JSON.stringify(clip(name))}`);
    }
    const request = requestInfo(req);
    checkCsrf(req.headers, { scheme: client.scheme(request), host: req.headers.host ?? req.url.host }, weft.limits);
    const { type, charset } = parseContentType(req.headers['content-type'] ?? '');
    if (type !== 'application/json') {
      throw new WeftError(415, 'unsupported_media_type', `event requests must be application/json, not ${clip(type) || 'empty'}`);
    }
    // JSON is UTF-8 (RFC 8259) and bodies are decoded as UTF-8: text declared in
    // another charset (latin1, say) would reach handlers and state garbled.
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new WeftError(415, 'unsupported_media_type', `event requests must be UTF-8, not charset ${JSON.stringify(clip(charset))}`);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > weft.limits.maxBodyBytes) {
      throw new WeftError(413, 'too_large', `request body is ${declared} bytes; the limit is ${weft.limits.maxBodyBytes}`, {
        limit: weft.limits.maxBodyBytes,
      });
    }
    const text = await req.body(weft.limits.maxBodyBytes);
    const event = parseEventBody(name, parseJson(text, weft.limits.maxDepth), weft.limits.maxEvents);
    try {
      const ctx = await context(request, req);
      // The sender first; then what it emitted, to the listeners the page named (P3.12).
      const answer = await deliverPageEvents(weft, await weft.dispatch(event, ctx), event.listeners, ctx);
      // A forged listener blob counts like the sender's own, but never fails the answer.
      if (answer.refused.some((code) => FORGERY.has(code))) await throttle.failed(request.ip).catch(() => undefined);
      // Followed by the CSS and JS of component types the page does not have yet.
      const response = htmlResponse(fragmentWithAssets(answer.html, answer.assets, new Set(event.assets), weft.assetsPath));
      Object.assign(response.headers, answer.headers);
      return response;
    } catch (err) {
      // The blob is verified before anything that needs it (P3.3; only the
      // request-stage policies come first), so here its fate is known: only a
      // request whose own blob failed counts, and only such a request is ever
      // throttled (429 replaces its 400 once the client is past its allowance).
      if (err instanceof WeftError && FORGERY.has(err.code)) await throttle.failed(request.ip);
      throw err;
    }
  }

  function handleAsset(req: HttpRequest, file: string): HttpResponse | undefined {
    if (file.startsWith(COMPONENT_ASSET_DIR)) return serveComponentAsset(weft.registry, req, file.slice(COMPONENT_ASSET_DIR.length));
    const asset = getAsset(file);
    if (!asset) return undefined;
    const headers = { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'public, max-age=3600', ...NOSNIFF };
    if (etagMatches(req.headers['if-none-match'], asset.etag)) return { status: 304, headers, body: '' };
    return { status: 200, headers, body: req.method === 'HEAD' ? '' : asset.body };
  }

  /**
   * A view's refusal is a page for a browser loading it, JSON for htmx and
   * scripts. A browser that must sign in first is sent to the login URL.
   */
  async function handleView(req: HttpRequest): Promise<HttpResponse | undefined> {
    try {
      return await serveView(req);
    } catch (err) {
      if (!wantsPage(req)) throw err;
      const refusal = err instanceof WeftError ? err : unexpected(err);
      if (refusal.status === 401 && weft.loginUrl !== undefined) {
        const location = loginLocation(weft.loginUrl, req.url.pathname + req.url.search);
        return { status: 302, headers: { location, 'cache-control': 'no-store', ...NOSNIFF }, body: '' };
      }
      return htmlError(refusal);
    }
  }

  /**
   * A refusal as JSON; a 401 to an htmx request also names the login URL in
   * `HX-Redirect`, so htmx takes the browser there (the page it was on is `next`).
   */
  function refusal(req: HttpRequest, err: WeftError): HttpResponse {
    const response = jsonError(err);
    if (err.status === 401 && weft.loginUrl !== undefined && req.headers['hx-request'] !== undefined) {
      response.headers['hx-redirect'] = loginLocation(weft.loginUrl, samePagePath(req));
    }
    return response;
  }

  async function serveView(req: HttpRequest): Promise<HttpResponse | undefined> {
    let match;
    try {
      match = weft.matchView(req.url.pathname);
    } catch {
      throw new WeftError(400, 'bad_request', 'malformed percent-encoding in URL path');
    }
    if (!match) return undefined;
    checkHost(req.headers.host);
    if (match.redirect !== undefined) {
      // One URL per view: the form it was registered with. 308 keeps the method.
      const location = otherFormLocation(req.url.pathname) + req.url.search;
      return { status: 308, headers: { location, 'cache-control': 'no-store', ...NOSNIFF }, body: '' };
    }
    // Query first so path parameters win: /contacts/2?page=9 is page 2.
    const params = { ...Object.fromEntries(req.url.searchParams), ...match.params };
    if (match.route.stream) {
      const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...NOSNIFF };
      if (req.method === 'HEAD') return { status: 200, headers, body: '' };
      delete (params as Record<string, unknown>).lastEventId;
      // EventSource sends Last-Event-ID when it reconnects; a client that opens a
      // new stream itself can pass the same as ?lastEventId=.
      const last = req.headers['last-event-id'] ?? req.url.searchParams.get('lastEventId') ?? undefined;
      const body = await openStream(weft, match.route.type, match.route.name, params, await context(requestInfo(req), req), last);
      return { status: 200, headers, body };
    }
    const rendered = await weft.render(match.route.type, params, await context(requestInfo(req), req), match.route);
    const http = match.route.type.cache?.http;
    if (!http || rendered.etag === undefined) return htmlResponse(rendered.html);
    // A render from the cache may be cached by browsers and CDNs too, as the component says.
    const headers: Record<string, string> = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': `${http.scope ?? 'private'}, max-age=${http.maxAge}`,
      etag: rendered.etag,
      ...NOSNIFF,
    };
    if (weft.identifiesUsers) headers.vary = 'Cookie';
    if (etagMatches(req.headers['if-none-match'], rendered.etag)) return { status: 304, headers, body: '' };
    return { status: 200, headers, body: rendered.html };
  }

  /** A fault in Weft or the host rather than a refusal: logged, and answered without details. */
  function unexpected(err: unknown): WeftError {
    weft.logger.error('Weft: unexpected error', err);
    return new WeftError(500, 'handler_error', 'internal error');
  }

  return async (req) => {
    try {
      const path = req.url.pathname;
      const event = eventPath.exec(path);
      if (event) {
        checkHost(req.headers.host);
        return await handleEvent(req, event[1] as string);
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (path.startsWith(assetPrefix)) {
          checkHost(req.headers.host);
          return handleAsset(req, path.slice(assetPrefix.length));
        }
        return await handleView(req);
      }
      return undefined;
    } catch (err) {
      return refusal(req, err instanceof WeftError ? err : unexpected(err));
    }
  };
}

/** `loginUrl` with `next` set to the page to come back to. */
export function loginLocation(loginUrl: string, next: string): string {
  return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(next)}`;
}

/**
 * The path of the page an htmx request came from (its `HX-Current-URL`), when
 * that page is on this site; else `/`. Never another site: `next` must not
 * become an open redirect.
 */
function samePagePath(req: HttpRequest): string {
  const current = req.headers['hx-current-url'];
  if (current === undefined) return '/';
  try {
    const url = new URL(current);
    return url.host === (req.headers.host ?? req.url.host) ? url.pathname + url.search : '/';
  } catch {
    return '/';
  }
}
