/**
 * @module
 * The component model. A component is a class: `mount()` builds the initial state
 * from params, `hydrate()` re-attaches what a state blob cannot carry, the methods
 * named in `static events` are the only things a browser can call, and `render()`
 * turns state into HTML.
 *
 * @example
 * class Counter extends Component<{ count: number }> {
 *   static events = { increment: true, add: z.object({ by: z.number() }) };
 *   mount() { return { count: 0 }; }
 *   increment() { this.state.count++; }
 *   add({ by }: { by: number }) { this.state.count += by; }
 *   render() { return html`<button ${this.on('increment')}>${this.state.count}</button>`; }
 * }
 */
import { escapeHtml, SafeHtml } from './html.js';
import { type StandardSchemaV1, validate } from './schema.js';

/**
 * `true` accepts any JSON object as payload; a schema validates and coerces it.
 * Typed `boolean` so `{ increment: true }` needs no `as const`; `false` is refused
 * at registration.
 */
export type EventSpec = StandardSchemaV1 | boolean;

/** The events a component declares: event name → payload spec. */
export type EventDeclarations = Record<string, EventSpec>;

/** The request a component is serving, as far as a component needs to know it. */
export interface RequestInfo {
  method: string;
  url: URL;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  ip: string;
}

/**
 * Per-request context. Unlike params it is never serialised: put the user, a
 * database handle or anything else request-scoped here.
 */
export interface ComponentContext {
  request?: RequestInfo | undefined;
  /** Host-provided values (Express `res.locals`, Hono variables, your own). */
  locals: Record<string, unknown>;
  /**
   * Children the browser already shows, child id → `weft-child` digest, as the
   * client lists them with a parent's event. A child asked for again with
   * the same digest renders as an empty placeholder: the browser keeps its own.
   */
  kept?: Readonly<Record<string, string>> | undefined;
}

/** A file-template engine. Weft ships one for LiquidJS (`weft/liquid`). */
export interface Renderer {
  render(template: string, context: TemplateContext): string | Promise<string>;
}

/** What a file template sees: `state`, `params`, `errors`, `component_id`, `component_name`. */
export interface TemplateContext {
  state: unknown;
  params: unknown;
  errors: Record<string, string>;
  component_id: string;
  component_name: string;
  component: Component<object, object>;
}

/** How Weft itself builds and renders children; implemented by the app. */
export interface ComponentRuntime {
  /** Mounts and renders `type` as a child of `parent` with the element id `id`. */
  renderChild(parent: Component<object, object>, type: ComponentClass, params: object, id: string): Promise<SafeHtml>;
}

/** Options for {@link Component.child}. */
export interface ChildOptions {
  /**
   * Identifies the child among its parent's children, like a list item's key:
   * letters, digits and `_`, not starting with `_` (a non-negative integer is
   * fine). Default: `_<n>`, its position among this render's unkeyed `child()`
   * calls. Give one when children are added, removed or reordered, so each
   * keeps its state.
   */
  key?: string | number;
}

/**
 * No `-`, which joins keys into ids (so `a` + `b-c` and `a-b` + `c` cannot
 * meet), and no leading `_`, which marks positional keys.
 */
const CHILD_KEY = /^[A-Za-z0-9][A-Za-z0-9_]{0,63}$/;

/** The keys used so far in each instance's current render; reset by {@link beginRender}. */
const childKeys = new WeakMap<object, { used: Set<string>; unkeyed: number }>();

/** Called by the lifecycle before each render, so positional child keys restart at 0. */
export function beginRender(instance: object): void {
  childKeys.delete(instance);
}

export interface ComponentInit<P extends object = object> {
  name: string;
  id: string;
  params: P;
  context: ComponentContext;
  /** URL that event requests for this component are posted to. */
  endpoint: string;
  runtime?: ComponentRuntime | undefined;
}

/** Options for {@link Component.on}. */
export interface OnOptions {
  /** An `hx-trigger` value, e.g. `"keyup changed delay:300ms"`. Default: htmx's. */
  trigger?: string;
}

type MethodKeys<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/** Names of the handler methods a component class adds (base-class methods excluded). */
export type EventName<T> = Exclude<MethodKeys<T>, keyof Component<object, object>> & string;

/** The payload type a handler method takes (its first parameter). */
export type EventPayload<T, K extends keyof T> = T[K] extends (payload: infer A, ...rest: never[]) => unknown
  ? A
  : never;

/**
 * What `render()` returns: `html` output, or `raw()` for trusted markup. A plain
 * string is not accepted by the type and is escaped if it arrives anyway, so a
 * template literal without `html` can never inject markup.
 */
export type RenderResult = SafeHtml;

export abstract class Component<S extends object = Record<string, unknown>, P extends object = Record<string, unknown>> {
  /** Events the browser may fire. Anything not listed here is refused with 400. */
  static events: EventDeclarations = {};
  /** State fields the browser may never write (see `bind()` / `weft-model`). */
  static locked: readonly string[] = [];
  /** Validates and coerces params (for views: the URL's path and query). */
  static paramsSchema: StandardSchemaV1 | undefined = undefined;
  /** Validates the whole state after browser-side updates are applied. */
  static stateSchema: StandardSchemaV1 | undefined = undefined;
  /** A template file name, rendered by `renderer` (or the app's) instead of `render()`. */
  static template: string | undefined = undefined;
  /** Engine for `template`; set per class or for all classes through the app. */
  static renderer: Renderer | undefined = undefined;
  /** The element that wraps a stateful component. Use `tbody`, `li`… where `div` is invalid. */
  static tagName = 'div';

  readonly name: string;
  readonly id: string;
  readonly context: ComponentContext;
  readonly endpoint: string;
  params: P;
  /** Set from `mount()`'s result or from the state blob before `hydrate()`. */
  state!: S;
  /** Field → message, for the template to show beside the field (`this.errors.size = 'Pick a size'`). */
  errors: Record<string, string> = {};
  readonly #runtime: ComponentRuntime | undefined;

  constructor(init: ComponentInit<P>) {
    this.name = init.name;
    this.id = init.id;
    this.params = init.params;
    this.context = init.context;
    this.endpoint = init.endpoint;
    this.#runtime = init.runtime;
  }

  /** Builds the initial state from `this.params`. May be async (query a database). */
  abstract mount(): S | Promise<S>;

  /** Runs after an instance is rebuilt from a state blob, before the event handler. */
  hydrate(): void | Promise<void> {}

  /**
   * Produces the component's inner HTML. The default renders `static template`
   * with the class's (or app's) renderer; override it to use `html` directly.
   */
  render(): RenderResult | Promise<RenderResult> {
    const type = this.constructor as ComponentClass;
    if (!type.template || !type.renderer) {
      throw new Error(`component "${this.name}" must override render() or set static template and a renderer`);
    }
    // The engine escapes its own output, so what it returns is trusted markup.
    return Promise.resolve(type.renderer.render(type.template, this.templateContext())).then((out) => new SafeHtml(out));
  }

  /** The context a file template is rendered with. */
  templateContext(): TemplateContext {
    return {
      state: this.state,
      params: this.params,
      errors: this.errors,
      component_id: this.id,
      component_name: this.name,
      component: this as Component<object, object>,
    };
  }

  /**
   * htmx attributes that fire `event` with `payload` when the element triggers:
   * `hx-post` to this component's endpoint and `hx-vals` carrying the event.
   * Equivalent to writing `hx-post="…" hx-vals='{"event": "…", …}'` by hand.
   * An event the class does not declare throws here, at render time, so a typo
   * fails on the first render (in a test) rather than on a user's click.
   */
  on(event: string, payload?: Record<string, unknown>, options?: OnOptions): SafeHtml {
    if (!isDeclaredEvent(this.constructor as ComponentClass, event)) {
      throw new Error(`on(): component "${this.name}" declares no event ${JSON.stringify(event)}`);
    }
    if (payload && Object.hasOwn(payload, 'event')) {
      // hx-vals' "event" key names the event, so a payload field of that name
      // would be silently replaced: refuse it where the template is written.
      throw new Error(`on(): payload key "event" is reserved for the event name (component "${this.name}")`);
    }
    const vals = JSON.stringify({ ...payload, event });
    let out = `hx-post="${escapeHtml(this.endpoint)}" hx-vals="${escapeHtml(vals)}"`;
    if (options?.trigger) out += ` hx-trigger="${escapeHtml(options.trigger)}"`;
    return new SafeHtml(out);
  }

  /**
   * Validates `value` with a Standard Schema inside a handler, the way a form is
   * checked: on success returns the parsed value; on failure puts one message per
   * field in `this.errors` (keyed by dotted path, `""` for the whole value) and
   * returns `undefined`, so the handler can return and the template shows them.
   * (A payload schema in `static events` answers 422 instead, before the handler.)
   *
   * @example
   * async save(payload: Record<string, unknown>) {
   *   const form = await this.validated(ContactForm, payload);
   *   if (!form) return;
   * }
   */
  async validated<T extends StandardSchemaV1>(schema: T, value: unknown): Promise<StandardSchemaV1.InferOutput<T> | undefined> {
    const result = await validate(schema, value);
    if (result.ok) return result.value;
    for (const issue of result.issues) this.errors[issue.path] ??= issue.message;
    return undefined;
  }

  /**
   * Binds an input to a state field: its value is sent as an update with every
   * event from this component. Locked fields cannot be bound.
   */
  bind(field: keyof S & string): SafeHtml {
    if ((this.constructor as ComponentClass).locked.includes(field)) {
      // Every event would then fail with locked_field; say so at render time instead.
      throw new Error(`bind(): state field "${field}" of component "${this.name}" is locked`);
    }
    const value = (this.state as Record<string, unknown>)[field];
    return new SafeHtml(
      `name="${escapeHtml(field)}" weft-model="${escapeHtml(field)}" value="${escapeHtml(value == null ? '' : String(value))}"`,
    );
  }

  /**
   * Renders a child component (mounted with `params`, same request context). Its
   * id is this component's id plus its key, the same on every render, so when
   * this component re-renders the browser keeps a stateful child's element and
   * state as long as its params are unchanged (docs/protocol.md, P1.3).
   */
  async child(type: ComponentClass, params: object = {}, options: ChildOptions = {}): Promise<SafeHtml> {
    if (!this.#runtime) throw new Error(`component "${this.name}" has no runtime to render children with`);
    let keys = childKeys.get(this);
    if (!keys) childKeys.set(this, (keys = { used: new Set(), unkeyed: 0 }));
    let key: string;
    if (options.key === undefined) {
      key = `_${keys.unkeyed++}`;
    } else {
      key = String(options.key);
      if (!CHILD_KEY.test(key)) {
        throw new TypeError(`child(): key ${JSON.stringify(key)} of a child of "${this.name}" must match ${CHILD_KEY}`);
      }
    }
    if (keys.used.has(key)) throw new Error(`child(): "${this.name}" renders two children with the key ${JSON.stringify(key)}`);
    keys.used.add(key);
    return this.#runtime.renderChild(this as Component<object, object>, type, params, `${this.id}-${key}`);
  }
}

/** The constructor side of a component class. */
export interface ComponentClass<C extends Component<object, object> = Component<object, object>> {
  new (init: ComponentInit<never>): C;
  prototype: C;
  events: EventDeclarations;
  locked: readonly string[];
  paramsSchema: StandardSchemaV1 | undefined;
  stateSchema: StandardSchemaV1 | undefined;
  template: string | undefined;
  renderer: Renderer | undefined;
  tagName: string;
}

/**
 * Names that can never be events: everything on Component and Object prototypes and
 * the instance fields. Checked at registration and again on every request.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Component.prototype),
  ...Object.getOwnPropertyNames(Object.prototype),
  // Abstract, so not on the prototype above, but never callable from a browser.
  'mount',
  'name',
  'id',
  'params',
  'state',
  'errors',
  'context',
  'endpoint',
  'prototype',
  'then',
]);

/** Event names look like identifiers; anything else is refused before lookup. */
export const EVENT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/** True only for an event the class declares and implements, and that is not reserved. */
export function isDeclaredEvent(type: ComponentClass, event: string): boolean {
  return (
    EVENT_NAME.test(event) &&
    !RESERVED_NAMES.has(event) &&
    Object.hasOwn(type.events, event) &&
    typeof (type.prototype as unknown as Record<string, unknown>)[event] === 'function'
  );
}
