/**
 * @module
 * Slots and composition. A component declares named holes in its markup
 * (`static slots`); whoever renders it fills them — with `compose()`,
 * `Type.with(params, { slots })` or `child(Type, params, { slots })` — with
 * HTML, text (escaped) or another component; the component places each fill
 * with `await this.slot(name)`, or in a file template as `slots.<name>`.
 *
 * A component fill is rendered as a child of the component it fills, under the
 * key `slot-<name>`, so its id is `<host id>-slot-<name>` on every render and
 * the browser keeps it (and the state its own events gave it) across the host's
 * re-render exactly as it keeps any child (docs/protocol.md, P1.3). The fills
 * are signed into the host's blob (slot-spec.ts): the blob is all a component
 * has between requests, and the host's re-render after an event needs them.
 */
import type { Component, ComponentClass, ComponentInit } from './component.js';
import { WeftError } from './errors.js';
import { escapeHtml, SafeHtml } from './html.js';
import { isPlainObject } from './json.js';
import { type RenderRecord, renderRecord } from './render-record.js';
import { isSlotName, type SlotFillSpec, type SlotSpec } from './slot-spec.js';

/** Options of one declared slot. */
export interface SlotOptions {
  /** Rendering the component with this slot empty is a render error. Default `false`. */
  readonly required?: boolean;
}

/**
 * The slots a component declares: names (`['reviews', 'recommendations']`),
 * or name → options (`{ reviews: { required: true } }`). `default` is the
 * slot `this.slot()` and `{% slot %}` use when given no name.
 */
export type SlotDeclarations = readonly string[] | Readonly<Record<string, SlotOptions>>;

/**
 * A component and the params (and slot fills) to render it with, made by
 * `Type.with(params)` or {@link compose}. Rendering it is what `weft.render()`,
 * `child()` and a slot do with it; making one renders nothing.
 */
export interface ComponentRef<P extends object = object> {
  readonly type: ComponentClass;
  readonly params: P;
  readonly slots?: SlotFills | undefined;
}

/**
 * What fills a slot: trusted HTML (`html`…, `raw()`, a framework render), a
 * plain string (escaped), or a component ({@link ComponentRef}).
 */
export type SlotFill = SafeHtml | string | ComponentRef;

/** Slot name → fill. An `undefined` fill leaves the slot empty. */
export type SlotFills = Readonly<Record<string, SlotFill | undefined>>;

/** The params type of component class `T` (`object` when it cannot be read). */
export type ParamsOf<T> = T extends abstract new (init: never) => { params: infer P extends object } ? P : object;

/** The slot names class `T` declares, when its `static slots` has literal names; else `string`. */
export type SlotNameOf<T> = T extends { slots: infer D }
  ? D extends readonly (infer N)[]
    ? N & string
    : keyof D & string
  : string;

/** Fills for the slots of class `T`: only its declared names, when the type checker knows them. */
export type SlotFillsOf<T> = string extends SlotNameOf<T> ? SlotFills : { readonly [K in SlotNameOf<T>]?: SlotFill | undefined };

/** The second argument of `Type.with(params, options)`. */
export interface WithOptions<T> {
  slots?: SlotFillsOf<T>;
}

/** `Type.with()`'s arguments: params may be left out only when `{}` is valid params. */
export type WithArgs<T> = Record<string, never> extends ParamsOf<T>
  ? [params?: ParamsOf<T>, options?: WithOptions<T>]
  : [params: ParamsOf<T>, options?: WithOptions<T>];

/** What {@link compose} takes besides the class. */
export interface ComposeOptions<T> {
  params?: ParamsOf<T>;
  slots?: SlotFillsOf<T>;
}

/** `compose()`'s options: required (with `params`) when the class's params are. */
export type ComposeArgs<T> = Record<string, never> extends ParamsOf<T>
  ? [options?: ComposeOptions<T>]
  : [options: ComposeOptions<T> & { params: ParamsOf<T> }];

/** A component class as `with()` and `compose()` accept it (abstract ones included, for typing). */
export type ComposableClass = abstract new (init: ComponentInit<never>) => Component<object, object>;

// ---------------------------------------------------------------------------
// Declarations

const declarations = new WeakMap<object, ReadonlyMap<string, boolean>>();

function describeName(name: unknown): string {
  return typeof name === 'string' ? JSON.stringify(name) : String(name);
}

/**
 * The slots `declared` lists, name → required, or an Error naming `owner` and
 * what is wrong: a name that is not an identifier, a name given twice, options
 * that are not `{ required?: boolean }`. Run at registration.
 */
export function checkSlotDeclarations(owner: string, declared: unknown): ReadonlyMap<string, boolean> {
  const out = new Map<string, boolean>();
  const add = (name: unknown, required: boolean): void => {
    if (!isSlotName(name)) {
      throw new Error(
        `component "${owner}": slot name ${describeName(name)} must be an identifier (letters, digits and _, not starting with a digit, at most 64 characters)`,
      );
    }
    if (out.has(name)) throw new Error(`component "${owner}" declares slot "${name}" twice`);
    out.set(name, required);
  };
  if (declared === undefined) return out;
  if (Array.isArray(declared)) {
    for (const name of declared as unknown[]) add(name, false);
  } else if (isPlainObject(declared)) {
    for (const [name, options] of Object.entries(declared)) {
      if (
        !isPlainObject(options) ||
        Object.keys(options).some((k) => k !== 'required') ||
        (options.required !== undefined && typeof options.required !== 'boolean')
      ) {
        throw new Error(`component "${owner}": slot ${describeName(name)} must map to { required?: boolean }`);
      }
      add(name, options.required === true);
    }
  } else {
    throw new Error(`component "${owner}": static slots must be an array of slot names or an object of name → { required?: boolean }`);
  }
  return out;
}

/** The slots class `type` declares, name → required (checked once per class). */
export function declaredSlots(type: { slots?: unknown; name: string }, owner: string = type.name): ReadonlyMap<string, boolean> {
  let found = declarations.get(type);
  if (!found) declarations.set(type, (found = checkSlotDeclarations(owner, type.slots)));
  return found;
}

function undeclared(owner: string, slot: string, declared: ReadonlyMap<string, boolean>): Error {
  const list = [...declared.keys()];
  return new Error(
    `component "${owner}" declares no slot ${describeName(slot)}` +
      (list.length === 0 ? ' (it declares none: add `static slots = [...]`)' : ` (its slots: ${list.join(', ')})`),
  );
}

// ---------------------------------------------------------------------------
// References

/** True for a {@link ComponentRef}: an object whose `type` is a component class. */
export function isComponentRef(value: unknown): value is ComponentRef {
  if (typeof value !== 'object' || value === null || value instanceof SafeHtml) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'function' && typeof (type as { prototype?: { mount?: unknown } }).prototype?.mount === 'function';
}

/** Checks that `fills` only names slots `type` declares, and that each fill is one a slot takes. */
function checkFills(type: ComponentClass, owner: string, fills: unknown): void {
  if (fills === undefined) return;
  if (!isPlainObject(fills)) throw new TypeError(`the slots of component "${owner}" must be an object of slot name → fill`);
  const declared = declaredSlots(type);
  for (const [slot, fill] of Object.entries(fills)) {
    if (!declared.has(slot)) throw undeclared(owner, slot, declared);
    if (fill !== undefined && typeof fill !== 'string' && !(fill instanceof SafeHtml) && !isComponentRef(fill)) {
      throw new TypeError(`slot "${slot}" of component "${owner}" takes html, a string or Type.with(params), not ${typeof fill}`);
    }
  }
}

/** The reference `Type.with(params, { slots })` and {@link compose} return; checks the slot names now. */
export function makeRef(type: ComponentClass, params: object | undefined, slots: SlotFills | undefined): ComponentRef {
  if (typeof type !== 'function') throw new TypeError('compose(): the first argument must be a component class');
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    throw new TypeError(`the params of component ${type.name} must be an object`);
  }
  checkFills(type, type.name, slots);
  return Object.freeze({ type, params: params ?? {}, ...(slots !== undefined && { slots }) });
}

/**
 * A component with its params and slot fills, ready for `weft.render(ref)`,
 * `weft.renderHtml(ref)`, `this.child(ref)` or another slot. Slot names the
 * class does not declare are refused here, where they are written.
 *
 * @example
 * const page = compose(Product, {
 *   params: { id: 7 },
 *   slots: { reviews: Reviews.with({ productId: 7 }), recommendations: html`<p>More soon</p>` },
 * });
 * const { html } = await weft.render(page, { locals });
 */
export function compose<T extends ComposableClass>(type: T, ...args: ComposeArgs<T>): ComponentRef<ParamsOf<T>> {
  const [options] = args as [{ params?: object; slots?: SlotFills } | undefined];
  return makeRef(type as unknown as ComponentClass, options?.params, options?.slots) as ComponentRef<ParamsOf<T>>;
}

/**
 * What `child(type, params, { slots })` renders: the class, its params and
 * fills, from a class, a reference or a registered name.
 */
export function childTarget(
  owner: string,
  type: ComponentClass | ComponentRef | string,
  params: object | undefined,
  slots: SlotFills | undefined,
  lookup: ((name: string) => ComponentClass | undefined) | undefined,
): { type: ComponentClass; params: object; slots: SlotFills | undefined } {
  if (typeof type === 'string') {
    const found = lookup?.(type);
    if (!found) throw new Error(`child(): component "${owner}" renders a child named ${JSON.stringify(type)}, but no component has that name`);
    return { type: found, params: params ?? {}, slots };
  }
  if (isComponentRef(type)) {
    if (params !== undefined) throw new TypeError(`child(): component "${owner}" passes params beside a reference; put them in Type.with(params)`);
    return { type: type.type, params: type.params ?? {}, slots: type.slots && slots ? { ...type.slots, ...slots } : (slots ?? type.slots) };
  }
  return { type, params: params ?? {}, slots };
}

// ---------------------------------------------------------------------------
// Fills of one instance

/** A component's fills, checked, and as its blob carries them. */
export interface ResolvedSlots {
  /** Slot name → fill; empty fills are left out. */
  readonly fills: ReadonlyMap<string, SafeHtml | ComponentRef>;
  readonly spec: SlotSpec;
}

/**
 * Checks `fills` for component `type` (registered as `owner`) and its nested
 * references, escapes text, and builds the blob's form of them; `undefined`
 * when nothing is filled. `nameOf` gives a fill class's registered name.
 */
export function resolveSlots(
  type: ComponentClass,
  owner: string,
  fills: SlotFills | undefined,
  nameOf: (type: ComponentClass) => string,
): ResolvedSlots | undefined {
  if (fills === undefined) return undefined;
  checkFills(type, owner, fills);
  const map = new Map<string, SafeHtml | ComponentRef>();
  const spec: Record<string, SlotFillSpec> = {};
  for (const slot of Object.keys(fills)) {
    const fill = fills[slot];
    if (fill === undefined) continue;
    if (isComponentRef(fill)) {
      const name = nameOf(fill.type);
      const nested = resolveSlots(fill.type, name, fill.slots, nameOf);
      const params = fill.params ?? {};
      map.set(slot, fill);
      spec[slot] = { c: name, ...(Object.keys(params).length > 0 && { p: params }), ...(nested && { l: nested.spec }) };
    } else {
      const html = typeof fill === 'string' ? escapeHtml(fill) : (fill as SafeHtml).value;
      // An empty fill is no fill: the slot's fallback shows, `hasSlot()` is false.
      if (html === '') continue;
      map.set(slot, new SafeHtml(html));
      spec[slot] = { h: html };
    }
  }
  return map.size === 0 ? undefined : { fills: map, spec };
}

/** The fills a blob carried, back as references (component names looked up with `lookup`). */
export function slotsFromSpec(spec: SlotSpec | undefined, lookup: (name: string) => ComponentClass | undefined): ResolvedSlots | undefined {
  if (spec === undefined) return undefined;
  const map = new Map<string, SafeHtml | ComponentRef>();
  for (const [slot, fill] of Object.entries(spec)) {
    if ('h' in fill) {
      map.set(slot, new SafeHtml(fill.h));
      continue;
    }
    const type = lookup(fill.c);
    if (!type) {
      throw new WeftError(409, 'state_outdated', `this page is out of date — reload (its slot "${slot}" holds component "${fill.c}", which this server does not have)`);
    }
    const nested = slotsFromSpec(fill.l, lookup);
    map.set(slot, { type, params: fill.p ?? {}, ...(nested && { slots: Object.fromEntries(nested.fills) }) });
  }
  return map.size === 0 ? undefined : { fills: map, spec };
}

const filled = new WeakMap<object, ResolvedSlots>();

/** Gives `instance` its fills (before its first render, or when it is rebuilt from its blob). */
export function setSlots(instance: object, slots: ResolvedSlots | undefined): void {
  if (slots === undefined) filled.delete(instance);
  else filled.set(instance, slots);
}

/** The blob's form of `instance`'s fills (the envelope's `l`), or `undefined` when it has none. */
export function slotSpecOf(instance: object): SlotSpec | undefined {
  return filled.get(instance)?.spec;
}

type AnyComponent = Component<object, object>;

/** The fill of declared slot `name` of `instance` (`undefined`: empty); an Error for an undeclared name. */
function fillOf(instance: AnyComponent, name: string, call: string): SafeHtml | ComponentRef | undefined {
  const declared = declaredSlots(instance.constructor as ComponentClass, instance.name);
  if (typeof name !== 'string' || !declared.has(name)) {
    const err = undeclared(instance.name, name, declared);
    err.message = `${call}: ${err.message}`;
    throw err;
  }
  return filled.get(instance)?.fills.get(name);
}

/** Whether slot `name` of `instance` has a fill (an Error for a slot it does not declare). */
export function hasSlot(instance: AnyComponent, name: string): boolean {
  return fillOf(instance, name, 'hasSlot()') !== undefined;
}

// ---------------------------------------------------------------------------
// Rendering

/** The component fills one render has rendered, so a slot placed twice renders (and claims its key) once. */
interface SlotRenders {
  readonly pending: Map<string, Promise<SafeHtml>>;
  readonly done: Map<string, SafeHtml>;
}

const renders = new WeakMap<RenderRecord, SlotRenders>();

function rendersOf(record: RenderRecord): SlotRenders {
  let found = renders.get(record);
  if (!found) renders.set(record, (found = { pending: new Map(), done: new Map() }));
  return found;
}

/**
 * What `this.slot(name, fallback)` gives: the fill (a component fill rendered
 * with `renderChild`, once per render), else `fallback` (escaped unless it is
 * SafeHtml), else nothing.
 */
export function renderSlot(
  instance: AnyComponent,
  name: string,
  fallback: SafeHtml | string | undefined,
  renderChild: (ref: ComponentRef) => Promise<SafeHtml>,
): Promise<SafeHtml> {
  const fill = fillOf(instance, name, 'slot()');
  if (fill === undefined) {
    if (fallback === undefined || fallback === null) return Promise.resolve(new SafeHtml(''));
    return Promise.resolve(fallback instanceof SafeHtml ? fallback : new SafeHtml(escapeHtml(String(fallback))));
  }
  if (fill instanceof SafeHtml) return Promise.resolve(fill);
  const memo = rendersOf(renderRecord(instance));
  let out = memo.pending.get(name);
  if (!out) {
    out = renderChild(fill).then((html) => {
      memo.done.set(name, html);
      return html;
    });
    memo.pending.set(name, out);
  }
  return out;
}

/**
 * Runs before each render of `instance`: a required slot left empty is an
 * Error naming the component and the slot; for a file template, every filled
 * slot is rendered now, so `slots.<name>` holds its HTML when the template runs.
 */
export function prepareSlots(instance: AnyComponent): Promise<void> | undefined {
  const type = instance.constructor as ComponentClass;
  // Most components declare no slot: no promise, so their render waits on nothing.
  if (declaredSlots(type, instance.name).size === 0) return undefined;
  return prepareDeclaredSlots(instance, type);
}

async function prepareDeclaredSlots(instance: AnyComponent, type: ComponentClass): Promise<void> {
  const declared = declaredSlots(type, instance.name);
  const fills = filled.get(instance)?.fills;
  for (const [name, required] of declared) {
    if (required && !fills?.has(name)) throw new Error(`component "${instance.name}" requires slot "${name}", but it was rendered without a fill for it`);
  }
  if (type.template === undefined || !fills) return;
  for (const name of declared.keys()) if (fills.has(name)) await instance.slot(name);
}

/**
 * `slots` of a file template's context: every declared slot → its rendered
 * fill, or `''` when it is empty (so `{% if slots.reviews %}` and
 * `{{#if slots.reviews}}` skip an empty one).
 */
export function templateSlots(instance: AnyComponent): Readonly<Record<string, SafeHtml | ''>> {
  const declared = declaredSlots(instance.constructor as ComponentClass, instance.name);
  // Slot names are identifiers other than `__proto__`, so a plain object is safe.
  const out: Record<string, SafeHtml | ''> = {};
  if (declared.size === 0) return out;
  const fills = filled.get(instance)?.fills;
  const done = renders.get(renderRecord(instance))?.done;
  for (const name of declared.keys()) {
    const fill = fills?.get(name);
    if (fill === undefined) out[name] = '';
    else if (fill instanceof SafeHtml) out[name] = fill;
    else {
      const html = done?.get(name);
      if (!html) throw new Error(`component "${instance.name}": slot "${name}" holds a component that this render has not rendered yet; await this.slot("${name}") before templateContext()`);
      out[name] = html;
    }
  }
  return out;
}
