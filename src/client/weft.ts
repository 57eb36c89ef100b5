/**
 * Weft's browser client: an htmx extension named `weft`, enabled by the
 * `hx-ext="weft"` that every component root carries (docs/protocol.md).
 *
 * - Event requests from inside a component are sent as JSON:
 *   `{event, payload, state, updates, children?}`; `event` and typed payload values come from
 *   `hx-vals`, form fields join the payload (typed by their control), `weft-model` inputs
 *   become `updates`.
 * - The requests of one root go out one at a time: each carries the state the
 *   previous response produced, so two quick events cannot overwrite each other.
 * - `hx-swap="morph"` morphs the response into the page with idiomorph, keeping
 *   focus, caret and what the user typed while the request was out.
 * - Error responses (JSON) and network failures are announced as a `weft:error`
 *   event on the root, which also gets a `weft-error="<code>"` attribute until
 *   its next successful response.
 * - Child roots (`weft-child`) whose id and digest are unchanged are kept as they
 *   are while their parent morphs, and a child's response meant for a parent render
 *   the page no longer shows is not swapped (P5.5).
 * - Page events (P3.12): an event of a root that may emit (`weft-emits`) carries
 *   the other roots that listen to those names (`weft-listen`) as `listeners`;
 *   their new renders come back out of band and are morphed in place, and a
 *   listener the server skipped (`Weft-Skipped`) gets `weft:error`.
 * - Component CSS and JS (`data-weft-asset` tags) that a response brings are
 *   moved into `<head>` and loaded once per page; each request lists the ones
 *   the page has as `assets`, so the server sends only new ones (P5.8).
 */

interface HtmxGlobal {
  defineExtension(name: string, ext: Record<string, unknown>): void;
}
declare const htmx: HtmxGlobal;
declare const Idiomorph: {
  morph(target: Element, content: unknown, config: Record<string, unknown>): Node[];
};

const ROOT = '[weft-state]';
const CHILD = 'weft-child';
/** Most listener roots one event request carries (the server refuses more). */
const MAX_LISTENERS = 20;

const ASSET = 'data-weft-asset';

/** The hashes of the component assets this page has (its `data-weft-asset` tags). */
function pageAssets(): string[] {
  return Array.from(new Set(Array.from(document.querySelectorAll(`[${ASSET}]`), (el) => el.getAttribute(ASSET) as string)));
}

/**
 * Loads one asset tag a response brought, unless the page has that asset: a new
 * `<link>` or `<script src>` in `<head>` (a script made here runs; one parsed
 * from a response would not), with the nonce the page's scripts carry. Only a
 * file of this site whose name carries the tag's hash is loaded.
 */
function load(tag: Element): void {
  const kind = tag.localName;
  const hash = tag.getAttribute(ASSET) as string;
  const href = tag.getAttribute(kind === 'link' ? 'href' : 'src');
  const url = href && new URL(href, location.href);
  if (!url || url.origin !== location.origin || !url.pathname.endsWith(`.${hash}.${kind === 'link' ? 'css' : 'js'}`)) return;
  if (document.querySelector(`${kind}[${ASSET}="${CSS.escape(hash)}"]`)) return;
  const el = document.createElement(kind) as HTMLScriptElement & HTMLLinkElement;
  if (kind === 'link') {
    el.rel = 'stylesheet';
    el.href = url.href;
  } else {
    el.src = url.href;
    // In the order they came, like the deferred scripts of a page.
    el.async = false;
  }
  const nonce = (document.querySelector('script[nonce]') as HTMLScriptElement | null)?.nonce;
  if (nonce) el.nonce = nonce;
  el.setAttribute(ASSET, hash);
  document.head.append(el);
}

/** A response's HTML without its asset tags, each loaded once (P5.8). */
function takeAssets(text: string): string {
  if (text.indexOf(ASSET) < 0) return text;
  const t = document.createElement('template');
  t.innerHTML = text;
  const tags = t.content.querySelectorAll(`link[${ASSET}],script[${ASSET}]`);
  if (tags.length === 0) return text;
  tags.forEach((tag) => {
    tag.remove();
    load(tag);
  });
  return t.innerHTML;
}

// A live push (weft-live.min.js) is swapped by htmx.swap, which fires no beforeSwap.
document.addEventListener('weft:push', (evt) => {
  const detail = (evt as CustomEvent<{ html: string }>).detail;
  detail.html = takeAssets(detail.html);
});

function rootOf(elt: Element | null): Element | null {
  return elt && elt.closest(ROOT);
}

function announce(elt: Element, detail: Record<string, unknown>): void {
  const root = rootOf(elt) ?? elt;
  // For CSS (`[weft-error] { … }`); the next successful response has no such
  // attribute, so the morph clears it.
  root.setAttribute('weft-error', typeof detail.code === 'string' ? detail.code : 'error');
  root.dispatchEvent(new CustomEvent('weft:error', { bubbles: true, detail }));
  if (detail.code === 'state_outdated') outdated(root, detail);
}

/**
 * The page was rendered with a secret the server no longer has (it restarted
 * with another one): no event can succeed until it is reloaded, so say so. A page
 * that wants its own notice handles `weft:outdated` and calls preventDefault().
 */
function outdated(root: Element, detail: Record<string, unknown>): void {
  const own = !root.dispatchEvent(new CustomEvent('weft:outdated', { bubbles: true, cancelable: true, detail }));
  if (own || document.querySelector('.weft-outdated')) return;
  const bar = document.createElement('div');
  bar.className = 'weft-outdated';
  bar.setAttribute('role', 'alert');
  const link = document.createElement('a');
  link.href = location.pathname + location.search;
  link.textContent = 'reload';
  bar.append('This page is out of date — ', link);
  // Set through the CSSOM, which a Content-Security-Policy without
  // 'unsafe-inline' allows (a style attribute it would refuse).
  bar.style.cssText = 'position:fixed;top:0;left:0;right:0;z-index:2147483647;padding:.5em;background:#fff3cd;color:#000;text-align:center';
  document.body.prepend(bar);
}

const NUMERIC = /^(number|range)$/;

/**
 * A bound input's value with the type the input implies (the server still
 * coerces), or undefined when it has none to send: an empty or unparsable number
 * field leaves the state as it is rather than failing every event.
 */
function modelValue(input: HTMLInputElement): unknown {
  if (input.type === 'checkbox') return input.checked;
  if (input.type === 'select-multiple') return Array.from((input as unknown as HTMLSelectElement).selectedOptions, (o) => o.value);
  if (NUMERIC.test(input.type)) return Number.isNaN(input.valueAsNumber) ? undefined : input.valueAsNumber;
  return input.value;
}

/** Every enabled `weft-model` input of `root` (not of a nested root), by field. */
function updatesOf(root: Element): Record<string, unknown> {
  // Null-prototype maps: a field named "toString" is just a field.
  const updates: Record<string, unknown> = Object.create(null);
  for (const input of root.querySelectorAll<HTMLInputElement>('[weft-model]')) {
    // A radio group binds one field: only its checked radio speaks for it.
    // Disabled controls are left out, as a form leaves them out.
    if (rootOf(input) !== root || input.disabled || (input.type === 'radio' && !input.checked)) continue;
    const value = modelValue(input);
    if (value !== undefined) updates[input.getAttribute('weft-model') as string] = value;
  }
  return updates;
}

/** Parsed JSON `hx-vals` of `el`, or nothing (a `js:` expression is htmx's business). */
function valsOf(el: Element): Record<string, unknown> {
  try {
    return JSON.parse(el.getAttribute('hx-vals') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** How a form field joins the payload (see `kindsOf`). */
const enum Kind {
  Text,
  Number,
  List,
  Bound,
  Foreign,
}

/**
 * How each named field of htmx's form data joins the payload. Bound inputs are
 * updates, not payload. Names of controls of nested roots, of a form around the
 * root, and of hx-vals above the root belong to other components and are left
 * out (P5.2). The root's own number and range inputs send numbers and a
 * `<select multiple>` a list, so a payload schema gets the type the control
 * shows; a name shared by controls of different kinds stays text.
 */
function kindsOf(root: Element): Record<string, Kind> {
  const kinds: Record<string, Kind> = Object.create(null);
  for (let el = root.parentElement; el; el = el.parentElement) for (const key in valsOf(el)) kinds[key] = Kind.Foreign;
  // A form around the root holds the root's controls too.
  const scope = (root.parentElement && root.parentElement.closest('form')) || root;
  for (const ctl of scope.querySelectorAll<HTMLInputElement>('[name]')) {
    const name = ctl.getAttribute('name') as string;
    const seen = kinds[name];
    if (rootOf(ctl) !== root) {
      if (seen === undefined) kinds[name] = Kind.Foreign;
      continue;
    }
    const kind = ctl.hasAttribute('weft-model') ? Kind.Bound : NUMERIC.test(ctl.type) ? Kind.Number : ctl.type === 'select-multiple' ? Kind.List : Kind.Text;
    kinds[name] = seen === undefined || seen === Kind.Foreign || seen === kind ? kind : seen === Kind.Bound ? seen : Kind.Text;
  }
  return kinds;
}

const NOT_TYPED = /^(button|submit|reset|image|checkbox|radio|file|range|color)$/;

function isTyping(el: Element | null): el is HTMLInputElement {
  if (!el) return false;
  if (el instanceof HTMLInputElement) return !NOT_TYPED.test(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable;
}

/** What the user sees in a control they type into. */
function shownValue(el: HTMLInputElement): string {
  return el.value ?? el.textContent;
}

/**
 * One root's event requests, sent one at a time (P5.6). `sent` is the control the
 * user was typing in when the current request was sent, and its value then.
 */
interface Line {
  busy?: boolean;
  jobs: (() => void)[];
  sent?: [HTMLInputElement, string] | undefined;
}
const lines = new WeakMap<Element, Line>();

/** The child roots directly inside `root` (not grandchildren), id → digest, or nothing when it has none. */
function childrenOf(root: Element): Record<string, string> | undefined {
  const children: Record<string, string> = {};
  let any = false;
  for (const child of root.querySelectorAll(`[${CHILD}]`)) {
    if (rootOf(child.parentElement) === root) {
      children[child.id] = child.getAttribute(CHILD) as string;
      any = true;
    }
  }
  return any ? children : undefined;
}

function names(attr: string | null): string[] {
  return attr ? attr.split(' ').filter(Boolean) : [];
}

/**
 * The other roots of the page that listen to a page event `root` may emit,
 * as the server needs them to run their handlers: id, name, state, children.
 * Which of them an emit is for (`to`) only the server knows, after the handler.
 */
function listenersOf(root: Element): Record<string, unknown>[] {
  const emits = names(root.getAttribute('weft-emits'));
  const out: Record<string, unknown>[] = [];
  if (emits.length === 0) return out;
  for (const el of document.querySelectorAll('[weft-listen][weft-state]')) {
    if (el === root || !names(el.getAttribute('weft-listen')).some((name) => emits.includes(name))) continue;
    const children = childrenOf(el);
    out.push({ id: el.id, name: el.getAttribute('weft'), state: el.getAttribute('weft-state'), ...(children && { children }) });
    if (out.length === MAX_LISTENERS) break;
  }
  return out;
}

/** `Weft-Skipped: <id> <status> <code>, …`: listeners the server left as they were; each gets `weft:error`. */
function announceSkipped(header: string | null): void {
  for (const item of header ? header.split(',') : []) {
    const [id, status, code] = names(item.trim());
    const root = id ? document.getElementById(id) : null;
    if (root) announce(root, { status: Number(status), code, error: 'this component could not take the page event' });
  }
}

/** A child root's answer rendered for a parent render the page no longer shows (P5.5). */
function isStale(target: Element, html: string): boolean {
  const now = target.getAttribute(CHILD);
  const sent = /^\s*<[^>]*?\sweft-child="([^"]*)"/.exec(html)?.[1];
  return now !== null && sent !== undefined && sent !== now;
}

function next(line: Line): void {
  const job = line.jobs.shift();
  line.busy = !!job;
  line.sent = undefined;
  if (job) job();
}

htmx.defineExtension('weft', {
  onEvent(name: string, evt: CustomEvent) {
    const detail = evt.detail;
    if (name === 'htmx:configRequest' && detail.verb !== 'get' && rootOf(detail.elt)) {
      detail.headers['Content-Type'] = 'application/json';
    } else if (name === 'htmx:responseError') {
      const xhr: XMLHttpRequest = detail.xhr;
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { error: xhr.statusText };
      }
      announce(detail.elt, { status: xhr.status, ...(body as object) });
    } else if (name === 'htmx:sendError') {
      announce(detail.elt, { status: 0, error: 'the server could not be reached', code: 'network' });
    } else if (name === 'htmx:beforeSwap' && detail.target instanceof Element) {
      // A child's response rendered for another parent render than the one the
      // page now shows (its parent replaced it while the request was in flight)
      // is stale: swapping it in would bring back the old child (P5.5).
      if (isStale(detail.target, String(detail.serverResponse))) detail.shouldSwap = false;
      // Loaded even when not swapped: a live socket counts them as the page's once sent.
      if (typeof detail.serverResponse === 'string') detail.serverResponse = takeAssets(detail.serverResponse);
    } else if (name === 'htmx:oobBeforeSwap' && detail.target instanceof Element) {
      // The same for a listener's new root that came with another root's answer.
      const fresh = (detail.fragment as DocumentFragment).firstElementChild;
      if (fresh && isStale(detail.target, fresh.outerHTML)) detail.shouldSwap = false;
    } else if (name === 'htmx:afterRequest' && detail.xhr) {
      announceSkipped((detail.xhr as XMLHttpRequest).getResponseHeader('weft-skipped'));
    }
  },

  encodeParameters(xhr: XMLHttpRequest, params: FormData, elt: Element) {
    const root = rootOf(elt);
    if (!root) return null;
    // What the user asked for is read now, when the event fires: the element's
    // hx-vals and form fields. The state, the bound inputs and the children are
    // read when the request is sent, after the previous response was swapped in.
    const payload: Record<string, unknown> = Object.create(null);
    const kinds = kindsOf(root);
    params.forEach((value: unknown, key) => {
      const kind = kinds[key];
      if (kind === Kind.Bound || kind === Kind.Foreign) return;
      if (kind === Kind.Number) {
        // An empty number field sends nothing, as an unchecked checkbox does.
        if (value === '') return;
        value = Number(value);
      }
      payload[key] = key in payload ? ([] as unknown[]).concat(payload[key], value) : kind === Kind.List ? [value] : value;
    });
    // hx-vals again, with their JSON types (FormData made them strings), from the
    // element up to its root only: the nearest wins, ancestors above are others'.
    const typed: Record<string, unknown> = Object.create(null);
    for (let el: Element | null = elt; el; el = el === root ? null : el.parentElement) {
      const vals = valsOf(el);
      for (const key in vals) if (!(key in typed)) typed[key] = vals[key];
    }
    Object.assign(payload, typed);
    const event = payload.event;
    delete payload.event;

    // htmx calls xhr.send right after this returns; the send waits in the root's
    // line until the requests before it are done (any outcome: loadend).
    let line = lines.get(root);
    if (!line) lines.set(root, (line = { jobs: [] }));
    const { send, abort } = xhr;
    let waiting = false;
    // Ends the request as an aborted one does, so htmx clears its indicators.
    const aborted = () => xhr.dispatchEvent(new ProgressEvent('abort'));
    const job = () => {
      waiting = false;
      // The component left the page (its parent dropped it): nothing to send to.
      if (!root.isConnected) {
        aborted();
        return next(line);
      }
      const active = document.activeElement;
      line.sent = isTyping(active) && rootOf(active) === root ? [active, shownValue(active)] : undefined;
      xhr.addEventListener('loadend', () => next(line));
      // The children this root shows, so the server can send placeholders for the
      // ones it would render unchanged (P1.3).
      const children = childrenOf(root);
      const listeners = listenersOf(root);
      try {
        const assets = pageAssets();
        send.call(
          xhr,
          JSON.stringify({
            event,
            payload,
            state: root.getAttribute('weft-state'),
            updates: updatesOf(root),
            ...(children && { children }),
            ...(listeners.length > 0 && { listeners }),
            ...(assets.length > 0 && { assets }),
          }),
        );
      } catch {
        // Never sent, so no loadend will come: let the next request go.
        aborted();
        next(line);
      }
    };
    xhr.send = () => {
      waiting = true;
      line.jobs.push(job);
      if (!line.busy) next(line);
      // htmx records one request per element (in its internal data) and keeps
      // only the last trigger that arrives meanwhile. The line already keeps them
      // in order, so clear that record and every click counts. An hx-sync the
      // page sets itself still applies.
      const data = (elt as unknown as Record<string, { xhr?: XMLHttpRequest }>)['htmx-internal-data'];
      if (data && data.xhr === xhr && !elt.closest('[hx-sync],[data-hx-sync]')) data.xhr = undefined;
    };
    // A request aborted while it waits (hx-sync, htmx:abort) leaves the line;
    // XMLHttpRequest itself would ignore the abort of a request not yet sent.
    xhr.abort = () => {
      if (!waiting) return abort.call(xhr);
      waiting = false;
      line.jobs.splice(line.jobs.indexOf(job), 1);
      aborted();
    };
    return '';
  },

  isInlineSwap(style: string) {
    return style === 'morph' || style === 'morph:outerHTML';
  },

  handleSwap(style: string, target: Element, fragment: DocumentFragment) {
    if (style !== 'morph' && style !== 'morph:outerHTML' && style !== 'morph:innerHTML') return false;
    // An event response is the root itself (P3.2): morphing it *into* the root
    // would nest the root in itself, so it always replaces the root's outer HTML.
    const isRoot = fragment.firstElementChild?.id === target.id && target.id !== '';
    // The control being typed in keeps what the user typed after the request
    // went out; if they typed nothing since, the server's value wins (a field the
    // handler cleared is cleared) (P5.3).
    const active = document.activeElement;
    const sent = lines.get(rootOf(target) as Element)?.sent;
    const keep = isTyping(active) && !(sent && sent[0] === active && sent[1] === shownValue(active));
    return Idiomorph.morph(target, fragment.children, {
      morphStyle: style === 'morph:innerHTML' && !isRoot ? 'innerHTML' : 'outerHTML',
      // Idiomorph's ignoreActiveValue also skips the active element's children, so
      // a just-clicked (focused) button would keep its old label: only keep the
      // value of an element the user is typing into.
      ignoreActiveValue: keep,
      restoreFocus: true,
      callbacks: {
        // A parent re-rendering a child with the same id, name and params keeps
        // the child the page has, with the state its own events gave it (P1.3).
        beforeNodeMorphed(old: Node, fresh: Node) {
          return !(
            old !== target &&
            old instanceof Element &&
            fresh instanceof Element &&
            old.hasAttribute(CHILD) &&
            old.id === fresh.id &&
            old.getAttribute(CHILD) === fresh.getAttribute(CHILD)
          );
        },
      },
    });
  },
});
