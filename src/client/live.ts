/**
 * Weft's live client: one WebSocket per page for every root marked
 * `weft-live` (docs/protocol.md, "Live connection").
 *
 * - Joins each live root with its signed state; rejoins after every reconnect,
 *   and whenever a root's state changed without the socket (a parent re-render).
 * - Morphs server pushes into the page exactly like an event response (the
 *   component CSS and JS a push brings are loaded by weft.min.js, on `weft:push`).
 * - Lists the component assets the page has in each join, so pushes bring only new ones.
 * - Sends a live root's events over the socket while it is open: the htmx
 *   request is answered from the socket, so indicators, ordering, swaps and
 *   `weft:error` work as for HTTP. A request the socket could not answer
 *   (it closed) goes out over HTTP instead.
 * - Reconnects on every close, with jittered exponential backoff, and never
 *   gives up; checks the connection when the tab becomes visible again; pings
 *   so a dead connection is noticed. The state is a class on `<html>`
 *   (`weft-connecting`, `weft-connected`, `weft-disconnected`) and the
 *   `weft:connected` / `weft:disconnected` events on `document`.
 */

declare const htmx: {
  swap(target: Element, content: string, spec: Record<string, unknown>, options?: Record<string, unknown>): void;
};

interface Frame {
  t: string;
  id?: string;
  ref?: number;
  html?: string;
  status?: number;
  code?: string;
  join?: boolean;
  login?: string;
  /** Page events the root's handlers emitted (name → payload), for page scripts. */
  trigger?: Record<string, unknown>;
}

const LIVE = '[weft-live][weft-state]';
const PING_MS = 25_000;
const PONG_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

let ws: WebSocket | null = null;
let attempt = 0;
let retryTimer = 0;
let pongTimer = 0;
let ref = 0;
/** Root id → the state blob the server holds for it (what it joined with, or last pushed). */
const joined = new Map<string, string>();
/** Requests answered over the socket, by ref: their XHR and the body to resend over HTTP if the socket drops. */
/** Root id → the state a join was refused for (expired, say). */
const refused = new Map<string, string>();
const pending = new Map<number, { xhr: XMLHttpRequest; body: string }>();

function setState(state: 'connecting' | 'connected' | 'disconnected'): void {
  const cls = document.documentElement.classList;
  cls.remove('weft-connecting', 'weft-connected', 'weft-disconnected');
  cls.add(`weft-${state}`);
}

function path(): string {
  const meta = document.querySelector('meta[name="weft-live-path"]');
  const p = (meta && meta.getAttribute('content')) || '/ws/components/';
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${p}`;
}

function send(frame: Record<string, unknown>): void {
  if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
}

/** Joins roots that are new or whose state changed without the socket; leaves roots gone from the page. */
function sync(): void {
  if (!ws || ws.readyState !== 1) return;
  const seen = new Set<string>();
  let assets: (string | null)[] | undefined;
  for (const root of document.querySelectorAll(LIVE)) {
    const state = root.getAttribute('weft-state') as string;
    seen.add(root.id);
    if (joined.get(root.id) !== state && refused.get(root.id) !== state) {
      joined.set(root.id, state);
      // The component assets the page has (P5.8): the socket sends only others.
      assets ??= [...new Set(Array.from(document.querySelectorAll('[data-weft-asset]'), (el) => el.getAttribute('data-weft-asset')))];
      send({ t: 'join', id: root.id, name: root.getAttribute('weft'), state, ...(assets.length > 0 && { assets }) });
    }
  }
  for (const id of [...joined.keys()]) {
    if (!seen.has(id)) {
      joined.delete(id);
      send({ t: 'leave', id });
    }
  }
}

function connect(): void {
  clearTimeout(retryTimer);
  if (ws || !document.querySelector(LIVE)) return;
  setState('connecting');
  const socket = new WebSocket(path());
  ws = socket;
  socket.onopen = () => {
    attempt = 0;
    joined.clear();
    refused.clear();
    setState('connected');
    document.dispatchEvent(new CustomEvent('weft:connected'));
    sync();
  };
  socket.onmessage = (msg) => onFrame(JSON.parse(msg.data as string) as Frame);
  socket.onclose = (evt) => {
    if (ws !== socket) return;
    ws = null;
    clearTimeout(pongTimer);
    joined.clear();
    setState('disconnected');
    document.dispatchEvent(new CustomEvent('weft:disconnected', { detail: { code: evt.code } }));
    // What the socket did not answer goes over HTTP, with the state the page has.
    for (const [key, { xhr, body }] of pending) {
      pending.delete(key);
      XMLHttpRequest.prototype.send.call(xhr, body);
    }
    // Every close but the page's own is retried; a server going away (deploy)
    // spreads its clients over a few seconds so they do not all return at once.
    // The server may say how long to wait (`retry=<ms>` in the close reason): it spreads its pages itself.
    const asked = evt.code === 1001 && evt.reason.startsWith('retry=') ? Number(evt.reason.slice(6)) : NaN;
    const base = evt.code === 1001 ? 5000 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++);
    retryTimer = window.setTimeout(connect, asked >= 0 && asked <= 60_000 ? asked : base / 2 + Math.random() * base);
  };
}

function respond(xhr: XMLHttpRequest, status: number, body: string, login?: string, trigger?: Record<string, unknown>): void {
  const headers: Record<string, string> = { 'content-type': status === 200 ? 'text/html' : 'application/json' };
  // Page events reach page scripts as over HTTP: htmx dispatches each as a DOM event.
  if (trigger) headers['hx-trigger'] = JSON.stringify(trigger);
  // A 401 the app answers with its login page: htmx follows HX-Redirect, as over HTTP.
  if (login) headers['hx-redirect'] = `${login}${login.includes('?') ? '&' : '?'}next=${encodeURIComponent(location.pathname + location.search)}`;
  const fake = (name: string, value: unknown) => Object.defineProperty(xhr, name, { value, configurable: true });
  fake('readyState', 4);
  fake('status', status);
  fake('statusText', status === 200 ? 'OK' : 'Error');
  fake('responseText', body);
  fake('response', body);
  fake('responseURL', '');
  xhr.getResponseHeader = (name: string) => headers[name.toLowerCase()] ?? null;
  xhr.getAllResponseHeaders = () => Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  // As a real request ends: 'load' runs htmx's onload, 'loadend' lets whoever
  // waits for the end (the client's per-root order) go on.
  xhr.dispatchEvent(new ProgressEvent('load'));
  xhr.dispatchEvent(new ProgressEvent('loadend'));
}

function onFrame(frame: Frame): void {
  if (frame.t === 'pong') {
    clearTimeout(pongTimer);
    return;
  }
  const waiting = frame.ref === undefined ? undefined : pending.get(frame.ref);
  if (waiting) {
    pending.delete(frame.ref as number);
    if (frame.code === 'not_joined') {
      // The socket does not hold this root (its join was refused): HTTP can still answer.
      XMLHttpRequest.prototype.send.call(waiting.xhr, waiting.body);
    } else if (frame.t === 'render') {
      joined.set(frame.id as string, stateIn(frame.html as string));
      respond(waiting.xhr, 200, frame.html as string, undefined, frame.trigger);
    } else {
      const { t: _t, id: _id, ref: _ref, ...body } = frame;
      respond(waiting.xhr, frame.status ?? 500, JSON.stringify(body), frame.login);
    }
    return;
  }
  const root = frame.id ? document.getElementById(frame.id) : null;
  if (!root) return;
  if (frame.t === 'render') {
    // A root that has not joined (one that is not live, answering a page event) stays unjoined.
    if (joined.has(root.id)) joined.set(root.id, stateIn(frame.html as string));
    // weft.min.js takes the asset tags out of the HTML (and loads them) here.
    const push = { html: frame.html as string };
    document.dispatchEvent(new CustomEvent('weft:push', { detail: push }));
    htmx.swap(root, push.html, { swapStyle: 'morph' }, { contextElement: root });
  } else if (frame.t === 'error') {
    // Not joined again until a new render gives it a new state; meanwhile its events go over HTTP.
    if (frame.join) {
      refused.set(root.id, joined.get(root.id) as string);
      joined.delete(root.id);
    }
    root.setAttribute('weft-error', frame.code || 'error');
    root.dispatchEvent(new CustomEvent('weft:error', { bubbles: true, detail: frame }));
  }
}

function stateIn(html: string): string {
  const m = /^\s*<[^>]*?\sweft-state="([^"]*)"/.exec(html);
  return m ? (m[1] as string).replace(/&amp;/g, '&') : '';
}

function ping(): void {
  if (!ws || ws.readyState !== 1) return;
  send({ t: 'ping' });
  clearTimeout(pongTimer);
  const socket = ws;
  // No answer: the connection is dead even if the browser has not noticed
  // (a phone that slept, a NAT that forgot us). Close it and reconnect.
  pongTimer = window.setTimeout(() => socket.close(), PONG_MS);
}

document.addEventListener('htmx:beforeSend', (evt) => {
  const detail = (evt as CustomEvent).detail;
  const root = (evt.target as Element).closest(LIVE);
  const xhr: XMLHttpRequest = detail.xhr;
  if (!root || !ws || ws.readyState !== 1 || !joined.has(root.id) || detail.requestConfig.verb !== 'post') return;
  const id = root.id;
  xhr.send = (body?: Document | XMLHttpRequestBodyInit | null) => {
    const text = String(body);
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      XMLHttpRequest.prototype.send.call(xhr, text);
      return;
    }
    delete frame.state;
    const key = ++ref;
    pending.set(key, { xhr, body: text });
    send({ ...frame, t: 'event', id, ref: key });
  };
});

document.addEventListener('htmx:afterSettle', () => sync());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  if (ws) ping();
  else connect();
});
window.setInterval(ping, PING_MS);

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', connect);
else connect();
