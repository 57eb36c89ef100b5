/**
 * @module
 * Page events: components talking to each other on one page, with no page
 * script and in the round trip that is happening anyway (docs/composition.md,
 * "Page events"; docs/protocol.md, P3.12 and L10).
 *
 * A handler calls `this.emit('cart-add', { productId })`; a component whose
 * class says `static listeners = { 'cart-add': 'quickAdd' }` and whose root is
 * on the same page has `quickAdd` run with that payload, exactly as if its own
 * browser had sent it, and its new render goes back with the sender's.
 *
 * This file holds the sending side: names, recording emits, checking the
 * declarations, the root attributes. The listening side is listen.ts.
 */
import { type ComponentClass, isDeclaredEvent } from './component.js';
import { escapeHtml } from './html.js';
import { isPlainObject } from './json.js';
import { COMPONENT_NAME } from './registry.js';

/** Most characters of a page event name. */
export const MAX_PAGE_EVENT_NAME = 64;

/** Most page events one event request's handlers may emit. */
export const MAX_EMITS = 16;

/**
 * Most bytes of the `HX-Trigger` header that carries a request's emits to page
 * scripts (their names and payloads together). Proxies refuse responses whose
 * headers are bigger than a few KiB (nginx: 4 or 8 KiB in all), so page events
 * carry ids and small values, not documents.
 */
export const MAX_TRIGGER_BYTES = 4096;

/** Most listener roots one event request may name (`listeners`, docs/protocol.md P3.12). */
export const MAX_LISTENERS = 20;

/** Longest root id a listener entry may name (as long as a `children` id). */
export const MAX_ROOT_ID = 200;

/**
 * Event names htmx and Weft dispatch themselves: a page event of that name
 * would reach their own handlers (`htmx:abort` aborts requests).
 */
const RESERVED_PREFIXES = ['htmx:', 'weft:'];

/** One `emit()`: the page event's name, its payload, and who it is for. */
export interface PageEvent {
  name: string;
  /** The payload as the handler gave it, after a JSON round trip (what every listener gets). */
  payload: Record<string, unknown>;
  /** A component name, or `#<root id>`; absent: every listener of the name. */
  to?: string | undefined;
}

/** Options for {@link Component.emit}. */
export interface EmitOptions {
  /**
   * Only listeners of this component (`'cart'`), or only the root with this id
   * (`'#cart-x1'`). Default: every root on the page that listens to the event.
   */
  to?: string;
}

/** One listener root an event request names: what its root element holds. */
export interface ListenerEntry {
  /** The root element's id. */
  id: string;
  /** Its component name (`weft`). */
  name: string;
  /** Its signed state blob (`weft-state`). */
  state: string;
  /** The child roots it shows, child id → digest, as an event request's `children`. */
  children?: Readonly<Record<string, string>> | undefined;
}

/** `text` is 1–`max` characters, each a letter, a digit or one of `extra`. */
function isToken(text: unknown, max: number, extra: string): text is string {
  if (typeof text !== 'string' || text.length === 0 || text.length > max) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && !extra.includes(text[i] as string)) return false;
  }
  return true;
}

/**
 * A page event name: 1–64 letters, digits, `-`, `_`, `:` and `.` (`cart-add`,
 * `cart:add`), not one of htmx's or Weft's own (`htmx:…`, `weft:…`).
 */
export function isPageEventName(name: unknown): name is string {
  return isToken(name, MAX_PAGE_EVENT_NAME, '-_:.') && !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** A root element id as Weft writes them: letters, digits, `-` and `_`. */
export function isRootId(id: unknown): id is string {
  return isToken(id, MAX_ROOT_ID, '-_');
}

/** The page events an instance's handlers emitted and no transport has taken yet. */
const pending = new WeakMap<object, PageEvent[]>();

/** JSON whose every character is ASCII (`\uXXXX` for the rest), as a header value must be. */
export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value);
  let out = '';
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x7f) continue;
    out += `${json.slice(from, i)}\\u${c.toString(16).padStart(4, '0')}`;
    from = i + 1;
  }
  return from === 0 ? json : out + json.slice(from);
}

/**
 * The `HX-Trigger` value for some page events: `{"<name>": payload, …}`, in
 * ASCII. An event emitted twice appears once, with its last payload (htmx
 * dispatches one DOM event per name).
 */
export function triggerOf(events: readonly PageEvent[]): Record<string, Record<string, unknown>> {
  const trigger: Record<string, Record<string, unknown>> = {};
  for (const event of events) trigger[event.name] = event.payload;
  return trigger;
}

/**
 * Records a page event from `instance`'s handler (`Component.emit`). Throws for
 * a name the class does not declare in `static emits`, a malformed `to`, a
 * payload that is not a JSON object or that has a `target` key (htmx reads
 * `target` in `HX-Trigger` as the element to dispatch on), and past
 * {@link MAX_EMITS} or {@link MAX_TRIGGER_BYTES}: mistakes of the component, so
 * they fail its handler where it is written.
 */
export function recordEmit(instance: object, componentName: string, type: ComponentClass, name: string, payload: unknown, options: EmitOptions): void {
  const where = `emit(): component "${componentName}"`;
  if (!isPageEventName(name)) {
    throw new TypeError(`${where}: ${JSON.stringify(name)} is not a page event name (letters, digits, "-", "_", ":", "."; not "htmx:…" or "weft:…")`);
  }
  if (!(type.emits ?? []).includes(name)) {
    throw new Error(`${where} emits "${name}" but does not declare it: add it to static emits`);
  }
  if (!isPlainObject(payload)) throw new TypeError(`${where}: the payload of "${name}" must be a plain object`);
  if (Object.hasOwn(payload, 'target')) {
    throw new TypeError(`${where}: the payload of "${name}" may not have a "target" key (htmx would read it as the element to dispatch the event on)`);
  }
  const to = options.to;
  if (to !== undefined && !(typeof to === 'string' && (to.startsWith('#') ? isRootId(to.slice(1)) : COMPONENT_NAME.test(to)))) {
    throw new TypeError(`${where}: "to" must be a component name or "#<root id>", not ${JSON.stringify(to)}`);
  }
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw new TypeError(`${where}: the payload of "${name}" cannot be sent as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  // What every listener and page script gets is what JSON carries (a Date
  // becomes its text), as if it had crossed the network.
  const copy: unknown = JSON.parse(json);
  if (!isPlainObject(copy)) throw new TypeError(`${where}: the payload of "${name}" must be a plain object`);
  const list = pending.get(instance) ?? [];
  const event: PageEvent = { name, payload: copy, ...(to !== undefined && { to }) };
  if (list.length >= MAX_EMITS) throw new Error(`${where} emitted more than ${MAX_EMITS} page events in one request`);
  if (asciiJson(triggerOf([...list, event])).length > MAX_TRIGGER_BYTES) {
    throw new Error(
      `${where}: the page events of one request carry at most ${MAX_TRIGGER_BYTES} bytes of names and payloads; ` +
        'send ids and let listeners look the rest up',
    );
  }
  list.push(event);
  pending.set(instance, list);
}

/** The page events `instance` emitted since the last call, in order; forgets them. */
export function takeEmits(instance: object): PageEvent[] {
  const list = pending.get(instance) ?? [];
  pending.delete(instance);
  return list;
}

/**
 * Checks a class's `static emits` and `static listeners` when it is
 * registered: names are page event names, and each listener maps to one of
 * the class's declared events.
 */
export function checkPageEvents(componentName: string, type: ComponentClass): void {
  const { emits, listeners } = type;
  if (emits !== undefined) {
    if (!Array.isArray(emits)) throw new Error(`component "${componentName}": static emits must be an array of page event names`);
    for (const name of emits) {
      if (!isPageEventName(name)) {
        throw new Error(`component "${componentName}": static emits has ${JSON.stringify(name)}, which is not a page event name (letters, digits, "-", "_", ":", ".")`);
      }
    }
    if (emits.length > 0 && Object.keys(type.events ?? {}).length === 0) {
      throw new Error(`component "${componentName}" declares static emits but no events: only an event's handler can emit`);
    }
  }
  if (listeners !== undefined) {
    if (!isPlainObject(listeners)) {
      throw new Error(`component "${componentName}": static listeners must map page event names to declared events`);
    }
    for (const [name, handler] of Object.entries(listeners)) {
      if (!isPageEventName(name)) {
        throw new Error(`component "${componentName}": static listeners has ${JSON.stringify(name)}, which is not a page event name (letters, digits, "-", "_", ":", ".")`);
      }
      if (typeof handler !== 'string' || !isDeclaredEvent(type, handler)) {
        throw new Error(
          `component "${componentName}" listens to "${name}" with ${JSON.stringify(handler)}, which is not one of its declared events (static events)`,
        );
      }
    }
  }
}

/**
 * The attributes a root carries for page events: `weft-emits` and
 * `weft-listen`, space-separated names, so the browser knows which roots to
 * send along with an event (docs/protocol.md, P1.1). Empty for most classes.
 */
export function pageEventAttributes(type: ComponentClass): string {
  const emits = type.emits ?? [];
  const listens = Object.keys(type.listeners ?? {});
  return (
    (emits.length > 0 ? ` weft-emits="${escapeHtml(emits.join(' '))}"` : '') +
    (listens.length > 0 ? ` weft-listen="${escapeHtml(listens.join(' '))}"` : '')
  );
}
