/**
 * @module
 * The element that wraps a stateful component. It carries everything the browser
 * needs for the next event, so templates need no wiring (docs/protocol.md, "Root element"):
 *
 *     <div id="counter-x1" weft="counter" weft-state="v1.…" hx-target="this" hx-swap="morph" hx-ext="weft">…</div>
 *
 * `hx-target="this"` and `hx-swap` are inherited by every `hx-post` inside, so a
 * response (the new root) replaces this element, morphed in place. A child's root
 * also carries `weft-child`, and a child the browser keeps is sent as an empty
 * placeholder root instead (docs/protocol.md, P1.3).
 */
import { escapeHtml } from './html.js';

/**
 * What a parent renders for a child the browser already shows with the same
 * digest: the root's identity and nothing else. The browser keeps its own
 * element in its place, so no state, no inner HTML and no mount are needed
 * (docs/protocol.md, P1.3 and P5.5).
 */
export function placeholderRoot(tagName: string, name: string, id: string, child: string): string {
  return `<${tagName} id="${escapeHtml(id)}" weft="${escapeHtml(name)}" weft-child="${escapeHtml(child)}"></${tagName}>`;
}

/**
 * `child` is the child digest when a parent rendered this root (`weft-child`);
 * `extra` is more attributes, already escaped, each with its leading space
 * (`weft-emits`, `weft-listen`).
 */
export function wrapRoot(tagName: string, name: string, id: string, blob: string, inner: string, child?: string, live = false, extra = ''): string {
  return (
    `<${tagName} id="${escapeHtml(id)}" weft="${escapeHtml(name)}" weft-state="${escapeHtml(blob)}"` +
    (child === undefined ? '' : ` weft-child="${escapeHtml(child)}"`) +
    (live ? ' weft-live' : '') +
    extra +
    ` hx-target="this" hx-swap="morph" hx-ext="weft">${inner}</${tagName}>`
  );
}
