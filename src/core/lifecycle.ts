/**
 * @module
 * Building, mounting and rendering one component instance, and the child digests
 * (docs/protocol.md, P1.3) that let a browser keep a child it already shows. Pages,
 * views, children, events (dispatch.ts) and `weft/testing` all go through these
 * functions, so mount and render mean the same wherever they run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AssetRef, assetRefs } from './assets.js';
import { Component, type ComponentClass, type ComponentContext, type ComponentRuntime, type Renderer } from './component.js';
import { WeftError } from './errors.js';
import { renderToString, SafeHtml } from './html.js';
import { beginRender, checkRenderSize, type RenderLimits } from './render-record.js';
import { wrapRoot } from './root.js';
import { validate } from './schema.js';
import type { StateCodec } from './state-codec.js';
import { checkGroups, getSeqs, setSeqs } from './live.js';
import { prepareSlots, type ResolvedSlots, setSlots, slotSpecOf } from './slots.js';
import { type PageEvent, pageEventAttributes } from './emit.js';

/** The message id a group has before anything was published to it. */
export const NO_MESSAGE = '0-0';

/** What the lifecycle needs from the app. */
export interface LifecycleHost extends ComponentRuntime {
  readonly codec: StateCodec;
  readonly renderer: Renderer | undefined;
  readonly limits: RenderLimits;
  endpointFor(name: string): string;
  /** Logs and converts an unexpected error from user code into a WeftError. */
  userError(err: unknown, code: 'handler_error' | 'render_error', where: string): WeftError;
  /** The id of the last message published to `group`, so a render can record what it reflects. */
  groupHead?(group: string): Promise<string | undefined>;
  /**
   * The key a user's blobs are bound to (`undefined`: anonymous). A blob issued
   * to one user is refused for any other (dispatch.ts, `openBlob`).
   */
  userKey?(user: unknown): string | undefined;
}

export type AnyComponent = Component<object, object>;

/** The outcome of a render: the HTML to send and the state it carries. */
export interface Rendered {
  /** The component's HTML (wrapped in its root element when it is stateful). */
  html: string;
  id: string;
  state: unknown;
  /** The signed blob, or `undefined` for a component without events. */
  blob: string | undefined;
  /** The groups the component joins (empty unless it is live). */
  groups: readonly string[];
  /** The state fields this render bound to inputs with `bind()`, sorted: the only ones the browser may write. */
  bound: readonly string[];
  /**
   * The component CSS and JS this render used, its children's included, each
   * once: what `page()`'s marker is replaced with, or `weft.assetTags()` writes.
   * Absent for a render served from the render cache.
   */
  assets?: readonly AssetRef[] | undefined;
  /** For a view or page the render cache kept: its ETag, and whether it came from the cache. */
  etag?: string | undefined;
  cached?: 'hit' | 'stored' | undefined;
  /** For an event's render: the page events its handlers emitted, for the transport to deliver. */
  emits?: readonly PageEvent[] | undefined;
}

export function newId(name: string): string {
  return `${name}-${randomBytes(6).toString('base64url')}`;
}

/** A component with no events has nothing to send back, so it renders bare. */
export function isStateful(type: ComponentClass): boolean {
  return Object.keys(type.events).length > 0;
}

export function instantiate(
  host: LifecycleHost,
  type: ComponentClass,
  name: string,
  id: string,
  params: object,
  context: ComponentContext,
): AnyComponent {
  return new type({ name, id, params: params as never, context, endpoint: host.endpointFor(name), runtime: host });
}

/** Validates params against the class's `paramsSchema` (400 `invalid_params`). */
export async function checkParams(type: ComponentClass, name: string, params: object): Promise<object> {
  if (!type.paramsSchema) return params;
  const result = await validate(type.paramsSchema, params);
  if (!result.ok) {
    throw new WeftError(400, 'invalid_params', `invalid params for component "${name}"`, { issues: result.issues });
  }
  return result.value as object;
}

/** Creates and mounts a fresh instance, its slots filled with `slots` (so `mount()` sees them). */
export async function mountNew(
  host: LifecycleHost,
  type: ComponentClass,
  name: string,
  params: object,
  context: ComponentContext,
  id: string = newId(name),
  slots?: ResolvedSlots,
): Promise<AnyComponent> {
  const checked = await checkParams(type, name, params);
  const instance = instantiate(host, type, name, id, checked, context);
  setSlots(instance, slots);
  try {
    instance.state = await instance.mount();
  } catch (err) {
    throw host.userError(err, 'handler_error', `${name}.mount()`);
  }
  if (typeof instance.state !== 'object' || instance.state === null) {
    throw host.userError(new TypeError(`${name}.mount() must return the state object`), 'handler_error', `${name}.mount()`);
  }
  return instance;
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same params. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * What a parent's render says about a child: the parent's own digest (if it is a
 * child too), the child's name, and the params the parent passed (before the
 * child's paramsSchema, so it is known without mounting). Equal digests mean the
 * same child was asked for again, so the browser may keep the one it has;
 * chaining the parent's digest means a replaced parent never keeps old
 * grandchildren. A child given slot fills has them in its digest too (their
 * blob form, `slots`), so other fills replace it. Not a secret; it only has to
 * change when any of these change.
 */
export function childDigest(name: string, params: unknown, parent = '', slots?: unknown): string {
  // JSON never holds a raw NUL, so the separator keeps params and fills apart.
  const fills = slots === undefined ? '' : `\0${canonicalJson(slots)}`;
  return createHash('sha256').update(`${parent}\0${name}\0${canonicalJson(params)}${fills}`).digest('base64url').slice(0, 12);
}

/** The digest each instance that is a child was given, from its parent's render or its blob. */
const digests = new WeakMap<object, string>();

export function digestOf(instance: object): string | undefined {
  return digests.get(instance);
}

export function setDigest(instance: object, digest: string | undefined): void {
  if (digest !== undefined) digests.set(instance, digest);
}

/**
 * Renders an instance and, if it is stateful, signs its state into the root
 * element. A child's root and blob carry the digest its parent gave it,
 * also on its own events, so every response says which parent render it fits.
 * The blob lists the fields this render bound with `bind()`, and the HTML is
 * refused past `maxResponseBytes`.
 */
export async function renderInstance(host: LifecycleHost, instance: AnyComponent): Promise<Rendered> {
  const type = instance.constructor as ComponentClass;
  let inner: unknown;
  const record = beginRender(instance);
  try {
    // Required slots are checked, and a template's fills rendered, before it runs.
    const slots = prepareSlots(instance);
    if (slots) await slots;
    if (!type.renderer && host.renderer && type.template && instance.render === Component.prototype.render) {
      // The engine escapes its own output, so what it returns is trusted markup.
      inner = new SafeHtml(await host.renderer.render(type.template, instance.templateContext()));
    } else {
      inner = await instance.render();
    }
  } catch (err) {
    throw host.userError(err, 'render_error', `${instance.name}.render()`);
  }
  // Anything but SafeHtml (a plain template literal, say) is escaped, never trusted.
  const body = renderToString(inner);
  checkRenderSize(instance.name, body, host.limits);
  const bound = record.bound;
  // After its children's (they rendered inside this render), so an outer component's CSS comes later and wins.
  try {
    record.addAssets(assetRefs(type, instance.name));
  } catch (err) {
    throw host.userError(err, 'render_error', `${instance.name} static css/js`);
  }
  const assets = record.assets;
  if (!isStateful(type)) return { html: body, id: instance.id, state: instance.state, blob: undefined, groups: [], bound, assets };
  let groups: string[];
  try {
    groups = checkGroups(instance.groups(), instance.name);
  } catch (err) {
    throw host.userError(err, 'render_error', `${instance.name}.groups()`);
  }
  const seqs: Record<string, string> = {};
  if (groups.length > 0) {
    const known = getSeqs(instance);
    for (const group of groups) seqs[group] = known[group] ?? (await host.groupHead?.(group)) ?? NO_MESSAGE;
    setSeqs(instance, seqs);
  }
  let blob: string;
  try {
    blob = host.codec.encode(instance.name, instance.id, instance.state, instance.params, Date.now(), {
      child: digestOf(instance),
      bound,
      groups,
      seqs,
      user: host.userKey?.(instance.context.user),
      slots: slotSpecOf(instance),
    });
  } catch (err) {
    // Over the cap is a WeftError (413) and passes through; state that cannot be
    // serialised faithfully is the component's bug, reported like a render error.
    throw host.userError(err, 'render_error', `${instance.name} state`);
  }
  const live = groups.length > 0 || type.live === true;
  const html = wrapRoot(type.tagName, instance.name, instance.id, blob, body, digestOf(instance), live, pageEventAttributes(type));
  checkRenderSize(instance.name, html, host.limits);
  return { html, id: instance.id, state: instance.state, blob, groups, bound, assets };
}
