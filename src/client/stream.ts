/**
 * Weft's client for streamed components (`weft.stream(path, Type)`), an
 * alternative to htmx's SSE extension for pages that load this script:
 *
 *     <div weft-stream="/notification/" weft-event="notification"></div>
 *
 * Each message named `weft-event` (default `message`) replaces the element's
 * content, through htmx when the page has it. It fixes what plain EventSource
 * use gets wrong:
 * - a stream the browser gave up on (an error answer, a proxy that closed it)
 *   is opened again with jittered backoff, for ever, resuming from the last
 *   message id it saw (`?lastEventId=`), so nothing in the server's buffer is missed;
 * - a tab that comes back to the foreground checks its streams at once (a phone
 *   that slept may hold a dead one);
 * - an element removed from the page closes its stream.
 * The element has the class `weft-stream-open` while its stream is open, and
 * gets `weft:error` events for `weft:error` messages (a refused permission, say).
 */

declare const htmx: { swap(target: Element, content: string, spec: Record<string, unknown>): void } | undefined;

interface Stream {
  source: EventSource | null;
  last: string;
  attempt: number;
  timer: number;
}

const streams = new Map<Element, Stream>();
const MAX_BACKOFF_MS = 30_000;

function open(el: Element, stream: Stream): void {
  const url = new URL(el.getAttribute('weft-stream') as string, location.href);
  if (stream.last) url.searchParams.set('lastEventId', stream.last);
  const source = new EventSource(url);
  stream.source = source;
  const name = el.getAttribute('weft-event') || 'message';
  source.onopen = () => {
    stream.attempt = 0;
    el.classList.add('weft-stream-open');
  };
  source.addEventListener(name, (evt) => {
    const msg = evt as MessageEvent<string>;
    if (!el.isConnected) return close(el);
    if (msg.lastEventId) stream.last = msg.lastEventId;
    if (typeof htmx !== 'undefined') htmx.swap(el, msg.data, { swapStyle: 'innerHTML' });
    else el.innerHTML = msg.data;
  });
  source.addEventListener('weft:error', (evt) => {
    let detail: unknown;
    try {
      detail = JSON.parse((evt as MessageEvent<string>).data);
    } catch {
      detail = { error: 'stream error' };
    }
    el.dispatchEvent(new CustomEvent('weft:error', { bubbles: true, detail }));
  });
  source.onerror = () => {
    el.classList.remove('weft-stream-open');
    // CONNECTING: the browser retries by itself, with Last-Event-ID. CLOSED: it gave up; we do not.
    if (source.readyState === EventSource.CLOSED) retry(el, stream);
  };
}

function retry(el: Element, stream: Stream): void {
  stream.source?.close();
  stream.source = null;
  if (!el.isConnected) return close(el);
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** stream.attempt++);
  stream.timer = window.setTimeout(() => open(el, stream), base / 2 + Math.random() * base);
}

function close(el: Element): void {
  const stream = streams.get(el);
  if (!stream) return;
  streams.delete(el);
  clearTimeout(stream.timer);
  stream.source?.close();
}

function scan(): void {
  for (const el of document.querySelectorAll('[weft-stream]')) {
    if (streams.has(el)) continue;
    const stream: Stream = { source: null, last: '', attempt: 0, timer: 0 };
    streams.set(el, stream);
    open(el, stream);
  }
  for (const el of streams.keys()) if (!el.isConnected) close(el);
}

document.addEventListener('htmx:load', scan);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  for (const [el, stream] of streams) {
    if (stream.source === null || stream.source.readyState === EventSource.CLOSED) {
      clearTimeout(stream.timer);
      stream.attempt = 0;
      open(el, stream);
    }
  }
});
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
else scan();
