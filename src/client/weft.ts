/**
 * Weft's browser client: an htmx extension named `weft`, enabled by the
 * `hx-ext="weft"` that every component root carries (docs/protocol.md).
 *
 * - Event requests from inside a component are sent as JSON:
 *   `{event, payload, state, updates, children?}`; `event` and typed payload values come from
 *   `hx-vals`, form fields join the payload, `weft-model` inputs become `updates`.
 * - `hx-swap="morph"` morphs the response into the page with idiomorph, keeping
 *   focus, caret and the value of the input being typed in.
 * - Error responses (JSON) and network failures are announced as a `weft:error`
 *   event on the root, which also gets a `weft-error="<code>"` attribute until
 *   its next successful response.
 * - Child roots (`weft-child`) whose id and digest are unchanged are kept as they
 *   are while their parent morphs, and a child's response meant for a parent render
 *   the page no longer shows is not swapped (P5.5).
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

/**
 * A bound input's value with the type the input implies (the server still
 * coerces), or undefined when it has none to send: an empty or unparsable number
 * field leaves the state as it is rather than failing every event.
 */
function modelValue(input: HTMLInputElement): unknown {
  if (input.type === 'checkbox') return input.checked;
  if (input.type === 'select-multiple') return Array.from((input as unknown as HTMLSelectElement).selectedOptions, (o) => o.value);
  if (input.type === 'number' || input.type === 'range') return Number.isNaN(input.valueAsNumber) ? undefined : input.valueAsNumber;
  return input.value;
}

/** Parsed JSON `hx-vals` of `el`, or nothing (a `js:` expression is htmx's business). */
function valsOf(el: Element): Record<string, unknown> {
  try {
    return JSON.parse(el.getAttribute('hx-vals') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * Names the request must not take from htmx's form data: controls of nested
 * roots, controls of a form around the root, and hx-vals above the root. They
 * belong to other components (P5.2).
 */
function foreignNames(root: Element): Set<string> {
  const mine = new Set<string>();
  const foreign = new Set<string>();
  const outerForm = root.parentElement && root.parentElement.closest('form');
  for (const scope of outerForm ? [root, outerForm] : [root]) {
    for (const ctl of scope.querySelectorAll('[name]')) {
      (rootOf(ctl) === root ? mine : foreign).add(ctl.getAttribute('name') as string);
    }
  }
  for (let el = root.parentElement; el; el = el.parentElement) for (const key in valsOf(el)) foreign.add(key);
  for (const name of mine) foreign.delete(name);
  return foreign;
}

const NOT_TYPED = /^(button|submit|reset|image|checkbox|radio|file|range|color)$/;

function isTyping(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLInputElement) return !NOT_TYPED.test(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable;
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
      const now = detail.target.getAttribute(CHILD);
      const sent = /^\s*<[^>]*?\sweft-child="([^"]*)"/.exec(String(detail.serverResponse))?.[1];
      if (now !== null && sent !== undefined && sent !== now) detail.shouldSwap = false;
    }
  },

  encodeParameters(_xhr: XMLHttpRequest, params: FormData, elt: Element) {
    const root = rootOf(elt);
    if (!root) return null;
    // Null-prototype maps: a field named "toString" is just a field.
    const updates: Record<string, unknown> = Object.create(null);
    for (const input of root.querySelectorAll<HTMLInputElement>('[weft-model]')) {
      // A radio group binds one field: only its checked radio speaks for it.
      // Disabled controls are left out, as a form leaves them out.
      if (rootOf(input) !== root || input.disabled || (input.type === 'radio' && !input.checked)) continue;
      const value = modelValue(input);
      if (value !== undefined) updates[input.getAttribute('weft-model') as string] = value;
    }
    const payload: Record<string, unknown> = Object.create(null);
    const foreign = foreignNames(root);
    params.forEach((value, key) => {
      if (key in updates || foreign.has(key)) return;
      payload[key] = key in payload ? ([] as unknown[]).concat(payload[key], value) : value;
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
    // The children this root shows, so the server can send placeholders for the
    // ones it would render unchanged (P1.3).
    const children: Record<string, string> = {};
    let any = false;
    for (const child of root.querySelectorAll(`[${CHILD}]`)) {
      if (rootOf(child.parentElement) === root) {
        children[child.id] = child.getAttribute(CHILD) as string;
        any = true;
      }
    }
    return JSON.stringify({ event, payload, state: root.getAttribute('weft-state'), updates, ...(any && { children }) });
  },

  isInlineSwap(style: string) {
    return style === 'morph' || style === 'morph:outerHTML';
  },

  handleSwap(style: string, target: Element, fragment: DocumentFragment) {
    if (style !== 'morph' && style !== 'morph:outerHTML' && style !== 'morph:innerHTML') return false;
    // An event response is the root itself (P3.2): morphing it *into* the root
    // would nest the root in itself, so it always replaces the root's outer HTML.
    const isRoot = fragment.firstElementChild?.id === target.id && target.id !== '';
    return Idiomorph.morph(target, fragment.children, {
      morphStyle: style === 'morph:innerHTML' && !isRoot ? 'innerHTML' : 'outerHTML',
      // Idiomorph's ignoreActiveValue also skips the active element's children, so
      // a just-clicked (focused) button would keep its old label: only keep the
      // value of an element the user is typing into.
      ignoreActiveValue: isTyping(document.activeElement),
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
