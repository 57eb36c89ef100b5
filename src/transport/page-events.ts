/**
 * @module
 * Page events over HTTP (docs/protocol.md, P3.12): the `listeners` an event
 * request names, and the answer that carries their new renders beside the
 * sender's, in the same response.
 *
 * The body is the sender's root followed by each listener's new root marked
 * `hx-swap-oob="morph"`: htmx swaps those out of band, into the elements of
 * the same id, and Weft's extension morphs them as it morphs any root (kept
 * children stay). The emits also go to page scripts as `HX-Trigger`. A
 * listener that is refused (its policies, its blob, its payload) is left as it
 * is and named in `Weft-Skipped`; the sender's answer stands.
 */
import type { Weft } from '../app.js';
import type { ComponentContext } from '../core/component.js';
import { asciiJson, isRootId, type ListenerEntry, MAX_LISTENERS, triggerOf } from '../core/emit.js';
import { runListener } from '../core/listen.js';
import { WeftError } from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import type { Rendered } from '../core/lifecycle.js';
import { COMPONENT_NAME } from '../core/registry.js';
import type { AssetRef } from '../core/assets.js';

/** What a listener entry may carry: what its root element holds, nothing a handler would take. */
const LISTENER_KEYS = new Set(['id', 'name', 'state', 'children']);

function bad(message: string): WeftError {
  return new WeftError(400, 'bad_request', message);
}

/**
 * Checks the `listeners` of an event request: at most {@link MAX_LISTENERS}
 * entries (else 400 `too_many_listeners`), each `{id, name, state, children?}`
 * with a root id, a component name, a blob string and a `children` map checked
 * as the request's own (`checkChildren`), ids not repeated.
 */
export function parseListeners(value: unknown, checkChildren: (children: unknown, field: string) => Record<string, string>): ListenerEntry[] {
  if (!Array.isArray(value)) throw bad('"listeners" must be an array of {id, name, state, children?}');
  if (value.length > MAX_LISTENERS) {
    throw new WeftError(400, 'too_many_listeners', `${value.length} listeners in one request; the limit is ${MAX_LISTENERS}`, {
      limit: MAX_LISTENERS,
    });
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    const at = `listeners[${i}]`;
    if (!isPlainObject(entry)) throw bad(`${at} must be an object`);
    const extra = Object.keys(entry).find((key) => !LISTENER_KEYS.has(key));
    if (extra !== undefined) throw bad(`${at} carries only id, name, state and children, not ${JSON.stringify(extra.slice(0, 64))}`);
    const { id, name, state, children } = entry;
    if (!isRootId(id)) throw bad(`"${at}.id" must be a root element id`);
    if (seen.has(id)) throw bad(`"${at}.id" names root ${JSON.stringify(id)} a second time`);
    seen.add(id);
    if (typeof name !== 'string' || !COMPONENT_NAME.test(name)) throw bad(`"${at}.name" must be a component name`);
    if (typeof state !== 'string') throw bad(`"${at}.state" must be the root's state blob`);
    return { id, name, state, ...(children !== undefined && { children: checkChildren(children, `${at}.children`) }) };
  });
}

/** A root's HTML marked for htmx's out-of-band swap, morphed by Weft's extension. */
export function outOfBand(html: string): string {
  // A root starts `<tag id=…`: the attribute goes right after the tag name.
  const at = html.indexOf(' ');
  if (!html.startsWith('<') || at === -1) throw new Error('a listener render is not a root element');
  return `${html.slice(0, at)} hx-swap-oob="morph"${html.slice(at)}`;
}

/** The answer to an event request, page events included. */
export interface PageEventAnswer {
  /** The sender's root, then each listener's, out of band. */
  html: string;
  /** `hx-trigger` and, when a listener was refused, `weft-skipped`. */
  headers: Record<string, string>;
  /** The codes of the listeners' refusals, so a forged blob among them counts against the client (docs/protocol.md, P2.5). */
  refused: string[];
  /** The component assets of every render in the answer (sender and listeners), each once. */
  assets: AssetRef[];
}

/**
 * Delivers what the sender's handlers emitted to the listener roots the
 * request named, one after the other in the order given, and builds the
 * answer. A listener that throws is skipped (logged, named in `Weft-Skipped`):
 * it never fails the sender's answer.
 */
export async function deliverPageEvents(
  weft: Weft,
  rendered: Rendered,
  listeners: readonly ListenerEntry[] | undefined,
  context: ComponentContext,
): Promise<PageEventAnswer> {
  const emits = rendered.emits ?? [];
  const assets = new Map((rendered.assets ?? []).map((a) => [a.hash, a]));
  if (emits.length === 0) return { html: rendered.html, headers: {}, refused: [], assets: [...assets.values()] };
  let html = rendered.html;
  const skipped: string[] = [];
  const refused: string[] = [];
  for (const entry of listeners ?? []) {
    // The sender hears its own events only through its own handlers.
    if (entry.id === rendered.id) continue;
    try {
      const out = await runListener(weft, entry, emits, context);
      if (out) {
        html += outOfBand(out.html);
        for (const a of out.assets ?? []) assets.set(a.hash, a);
      }
    } catch (err) {
      const refusal = err instanceof WeftError ? err : unexpected(weft, err);
      refused.push(refusal.code);
      skipped.push(`${entry.id} ${refusal.status} ${refusal.code}`);
      weft.logger.warn(`Weft: listener ${entry.id} (${entry.name}) skipped the page event: ${refusal.status} ${refusal.code}: ${refusal.message}`);
    }
  }
  const headers: Record<string, string> = { 'hx-trigger': asciiJson(triggerOf(emits)) };
  if (skipped.length > 0) headers['weft-skipped'] = skipped.join(', ');
  return { html, headers, refused, assets: [...assets.values()] };
}

function unexpected(weft: Weft, err: unknown): WeftError {
  weft.logger.error('Weft: unexpected error in a page event listener', err);
  return new WeftError(500, 'handler_error', 'internal error');
}
