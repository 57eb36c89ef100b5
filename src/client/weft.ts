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
 */

interface HtmxApi {
  getExpressionVars(elt: Element, event?: Event): Record<string, unknown>;
}
interface HtmxGlobal {
  defineExtension(name: string, ext: Record<string, unknown>): void;
}
declare const htmx: HtmxGlobal;
declare const Idiomorph: {
  morph(target: Element, content: unknown, config: Record<string, unknown>): Node[];
};

const ROOT = '[weft-state]';
const CHILD = 'weft-child';
let api: HtmxApi;

function rootOf(elt: Element | null): Element | null {
  return elt && elt.closest(ROOT);
}

function announce(elt: Element, detail: Record<string, unknown>): void {
  const root = rootOf(elt) ?? elt;
  // For CSS (`[weft-error] { … }`); the next successful response has no such
  // attribute, so the morph clears it.
  root.setAttribute('weft-error', typeof detail.code === 'string' ? detail.code : 'error');
  root.dispatchEvent(new CustomEvent('weft:error', { bubbles: true, detail }));
}

/** A bound input's value with the type the input implies (the server still coerces). */
function modelValue(input: HTMLInputElement): unknown {
  if (input.type === 'checkbox') return input.checked;
  if (input.type === 'number' || input.type === 'range') return input.value === '' ? null : input.valueAsNumber;
  return input.value;
}

const NOT_TYPED = /^(button|submit|reset|image|checkbox|radio|file|range|color)$/;

function isTyping(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLInputElement) return !NOT_TYPED.test(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable;
}

htmx.defineExtension('weft', {
  init(internal: HtmxApi) {
    api = internal;
  },

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
    }
  },

  encodeParameters(_xhr: XMLHttpRequest, params: FormData, elt: Element) {
    const root = rootOf(elt);
    if (!root) return null;
    const updates: Record<string, unknown> = {};
    for (const input of root.querySelectorAll<HTMLInputElement>('[weft-model]')) {
      // A radio group binds one field: only its checked radio speaks for it.
      if (rootOf(input) !== root || (input.type === 'radio' && !input.checked)) continue;
      updates[input.getAttribute('weft-model') as string] = modelValue(input);
    }
    const payload: Record<string, unknown> = {};
    params.forEach((value, key) => {
      if (key in updates) return;
      const prev = payload[key];
      payload[key] = prev === undefined ? value : ([] as unknown[]).concat(prev, value);
    });
    // hx-vals again, because FormData turned its numbers and booleans into strings.
    Object.assign(payload, api.getExpressionVars(elt));
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
    // A child's own response does not know the digest its parent gave it: keep it (P1.3).
    const child = target.getAttribute(CHILD);
    const next = fragment.firstElementChild;
    if (child !== null && next && next.id === target.id && !next.hasAttribute(CHILD)) next.setAttribute(CHILD, child);
    return Idiomorph.morph(target, fragment.children, {
      morphStyle: style === 'morph:innerHTML' ? 'innerHTML' : 'outerHTML',
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
