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
import type { AssetSource } from './assets.js';
import { escapeHtml, SafeHtml } from './html.js';
import { DEFAULT_RENDER_LIMITS, type RenderLimits, type RenderRecord, renderRecord } from './render-record.js';
import {
  childTarget,
  type ComponentRef,
  type ComposableClass,
  hasSlot,
  makeRef,
  type ParamsOf,
  renderSlot,
  type SlotDeclarations,
  type SlotFills,
  templateSlots,
  type WithArgs,
} from './slots.js';
import { type StandardSchemaV1, validate } from './schema.js';
import type { CacheOption, CurrentUser, EventPolicy, Permission, RateLimitOption } from './policy.js';
import { type EmitOptions, recordEmit } from './emit.js';

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
 * The values your app puts in `context.locals`. Declare them once, anywhere in
 * your app, and every component sees them typed:
 *
 * @example
 * declare module 'weft' {
 *   interface Locals {
 *     db: Database;
 *     user?: User;
 *   }
 * }
 * // in a component: this.context.locals.user?.name, or this.local('db')
 */
// Empty on purpose: apps add members to it through module augmentation.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Locals {}

/**
 * The type of `context.locals`: {@link Locals} once the app declares it, else
 * any string key (as if nothing were declared, every value `unknown`).
 */
export type ContextLocals = [keyof Locals] extends [never] ? Record<string, unknown> : Locals;

/**
 * Per-request context. Unlike params it is never serialised: put the user, a
 * database handle or anything else request-scoped here.
 */
export interface ComponentContext {
  request?: RequestInfo | undefined;
  /**
   * Host-provided values (Express `res.locals`, Hono variables, your own), typed
   * by the app's {@link Locals}. Nothing checks at run time that a host really
   * passed them: read a required one with {@link Component.local}.
   */
  locals: ContextLocals;
  /**
   * Children the browser already shows, child id → `weft-child` digest, as the
   * client lists them with a parent's event. A child asked for again with
   * the same digest renders as an empty placeholder: the browser keeps its own.
   */
  kept?: Readonly<Record<string, string>> | undefined;
  /**
   * The user the app's `user` function found for this request (`undefined`:
   * anonymous). Components read it as `this.user`.
   */
  user?: CurrentUser | undefined;
}

/**
 * A whole context from the parts a caller gave: no locals means an empty
 * object (typed as the app's locals; {@link Component.local} reports what is missing).
 */
export function fullContext(context: Partial<ComponentContext>): ComponentContext {
  return { ...context, locals: context.locals ?? ({} as ContextLocals) };
}

/** A file-template engine. Weft ships one for LiquidJS (`weft/liquid`). */
export interface Renderer {
  render(template: string, context: TemplateContext): string | Promise<string>;
}

/** What a file template sees: `state`, `params`, `errors`, `slots`, `component_id`, `component_name`. */
export interface TemplateContext {
  state: unknown;
  params: unknown;
  errors: Record<string, string>;
  /**
   * Each declared slot's rendered fill, or `''` when it is empty, rendered
   * before the template runs (see `static slots`).
   */
  slots: Readonly<Record<string, SafeHtml | ''>>;
  component_id: string;
  component_name: string;
  component: Component<object, object>;
}

/** How Weft itself builds and renders children; implemented by the app. */
export interface ComponentRuntime {
  /** Mounts and renders `type` as a child of `parent` with the element id `id`, its slots filled with `slots`. */
  renderChild(parent: Component<object, object>, type: ComponentClass, params: object, id: string, slots?: SlotFills): Promise<SafeHtml>;
  /** The class registered under `name`, for `child('name', …)` and Liquid's `{% child %}`. */
  lookup?(name: string): ComponentClass | undefined;
  /** Delivers `event` to every live component in `group`, in every process sharing the backplane. */
  broadcast?(group: string, event: string, payload: Record<string, unknown>, options?: { except?: string }): Promise<void>;
  /** Caps on one render (`maxChildren`, `maxResponseBytes`); the defaults when absent. */
  readonly limits?: RenderLimits;
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
  /** Fills for the child's slots (see `static slots`); added to a reference's own. */
  slots?: SlotFills;
}

export { beginRender } from './render-record.js';

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

/**
 * What an event's spec gives its handler: a schema's output type, or any object
 * for `true`.
 */
export type SpecOutput<Spec> = Spec extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<Spec> : Record<string, unknown>;

/**
 * What a caller sends for an event with this spec: a schema's input type (the
 * schema parses and coerces it into the handler's payload), or any object for `true`.
 */
export type SpecInput<Spec> = Spec extends StandardSchemaV1 ? StandardSchemaV1.InferInput<Spec> : Record<string, unknown>;

/** The events a component class declares: the keys of its `static events`. */
export type DeclaredEvent<T extends { events: EventDeclarations }> = keyof T['events'] & string;

/** The payload a caller passes for `event` of class `T` (what goes on the wire). */
export type EventInput<T extends { events: EventDeclarations }, K extends DeclaredEvent<T>> = SpecInput<T['events'][K]>;

/** The payload `event`'s handler of class `T` receives, after its schema ran. */
export type EventOutput<T extends { events: EventDeclarations }, K extends DeclaredEvent<T>> = SpecOutput<T['events'][K]>;

/**
 * The declared events of class `T` whose handler is missing or cannot take what
 * the event's schema outputs (`never` when all are fine, or when the class's
 * events are not known to the type checker).
 */
export type MismatchedEvents<T extends { events: EventDeclarations; prototype: object }> = string extends keyof T['events']
  ? never
  : {
      [K in keyof T['events'] & string]: K extends keyof T['prototype']
        ? T['prototype'][K] extends (payload: SpecOutput<T['events'][K]>) => unknown
          ? never
          : K
        : K;
    }[keyof T['events'] & string];

/**
 * `unknown` for a class whose handlers fit their events; otherwise a type the
 * class lacks, so passing it to `registry.register()`, `@component()` or
 * `mountComponent()` fails to compile and names the events at fault.
 */
export type CheckedEvents<T extends { events: EventDeclarations; prototype: object }> = [MismatchedEvents<T>] extends [never]
  ? unknown
  : { readonly 'these events have no public handler that accepts their schema output': MismatchedEvents<T> };

/** Any JSON-like value; the `T[]` and index signature keep literals (and mutable arrays) in `on()` payloads. */
type PayloadValue = string | number | boolean | null | undefined | PayloadValue[] | { [key: string]: PayloadValue } | object;

/** What `on()` accepts as a payload. */
type PayloadLike = { [key: string]: PayloadValue } | object;

/** A member every component has: never an event. */
interface NotAnEvent {
  readonly 'is a member of Component, not an event handler': never;
}

/**
 * A public method named `K` (not one of Component's own) that takes `A`; with
 * `A` left out, any handler of that name. `on()` requires one for its event.
 */
export type HandlerFor<K extends string, A = never> = {
  [k in K]: k extends keyof Component<object, object> ? NotAnEvent : (payload: A) => unknown;
};

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
 * Component `T`'s handler for `K`; never for Component's own members, whose
 * types `on()` must not read (`this.on('render')` inside `render()` would make
 * render's return type depend on itself).
 */
type HandlerOf<T, K> = K extends keyof Component<object, object> ? never : K extends keyof T ? T[K] : never;

/**
 * What `on()` may give for a handler `F`: any of the keys its payload has, each
 * with its type. The rest may come from the form the element is in
 * (docs/protocol.md, P5.2): an `<input name="qty">` beside `on('setQty', { id })`.
 */
type GivenPayload<F> = F extends (payload: infer A, ...rest: never[]) => unknown ? PayloadLike & Partial<A> : never;

/**
 * The keys of payload `A` that handler `F` does not take, each typed `never`, so
 * a misspelt key fails to compile. Nothing is unknown to a handler that takes
 * no payload or any object (`Record<string, unknown>`, `object`).
 */
type UnknownKeys<A, F> = F extends (payload: infer P, ...rest: never[]) => unknown
  ? [keyof P] extends [never]
    ? unknown
    : { [k in Exclude<keyof A, keyof P>]: never }
  : unknown;

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
  /**
   * Connect this component's page over a WebSocket even when it joins no group,
   * so its events travel over the socket. Components that join groups are live
   * anyway.
   */
  static live = false;
  /**
   * Who may use this component, on every door that serves it (its view, its
   * events over HTTP or a WebSocket, its live pushes, its stream), e.g.
   * `[IsAuthenticated]`. All must allow. Default: anyone.
   */
  static permissions: readonly Permission[] = [];
  /**
   * Most events a client may send this component: `"30/minute"`, or
   * `{ rate, key }`. Counted per user, else per client address. Default: no limit.
   */
  static rateLimit: RateLimitOption | undefined = undefined;
  /**
   * Policies for single events, besides the component's own:
   * `{ checkout: { permissions: [IsStaff], rateLimit: '5/second' } }`. The
   * `@requires()` and `@rateLimit()` method decorators write the same.
   */
  static eventPolicies: Readonly<Record<string, EventPolicy>> = {};
  /**
   * Keeps this component's render when it is served as a view or a page,
   * `{ ttl: 300, key: ({ params }) => … }`; see {@link CacheOption}. Events
   * always run; requests with a user bypass it unless the key reads the user.
   */
  static cache: CacheOption | undefined = undefined;
  /**
   * Named places in this component's markup that whoever renders it fills:
   * `['reviews', 'recommendations']`, or `{ reviews: { required: true } }`.
   * `default` is the slot `slot()` uses when given no name. Place a fill with
   * `await this.slot(name)`, or `slots.<name>` in a file template.
   */
  static slots: SlotDeclarations = [];

  /**
   * A reference to this component with `params` (and slot fills), for a slot,
   * `compose()`, `weft.render()` or `child()`: `Reviews.with({ productId: 7 })`.
   * Renders nothing by itself.
   */
  static with<T extends ComposableClass>(this: T, ...args: WithArgs<T>): ComponentRef<ParamsOf<T>> {
    const [params, options] = args as [object | undefined, { slots?: SlotFills } | undefined];
    return makeRef(this as unknown as ComponentClass, params, options?.slots) as ComponentRef<ParamsOf<T>>;
  }

  /** The page events this component's handlers may `emit()` (`['cart-add']`). */
  static emits: readonly string[] = [];
  /**
   * Page events this component handles, each mapped to one of its declared
   * events: `{ 'cart-add': 'quickAdd' }`. The handler runs as if the browser
   * had sent that event (docs/composition.md, "Page events").
   */
  static listeners: Readonly<Record<string, string>> = {};
  /**
   * This component's CSS: source text, or a file next to it
   * (`new URL('./cart.css', import.meta.url)`), read once. Weft serves it at a
   * content-hashed URL and links it once in any page that renders the
   * component (docs/composition.md, "Assets").
   */
  static css: AssetSource | undefined = undefined;
  /**
   * This component's JS, as `css`. It runs once per page, however many
   * instances the page shows: attach behaviour by event delegation, or on
   * `htmx:load`, not per instance.
   */
  static js: AssetSource | undefined = undefined;

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

  /** The user of the request being served (`undefined`: anonymous); see `createWeft({ user })`. */
  get user(): CurrentUser | undefined {
    return this.context.user;
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
      slots: templateSlots(this as Component<object, object>),
    };
  }

  /**
   * htmx attributes that fire `event` with `payload` when the element triggers:
   * `hx-post` to this component's endpoint and `hx-vals` carrying the event.
   * Equivalent to writing `hx-post="…" hx-vals='{"event": "…", …}'` by hand.
   *
   * Type-checked against the component's handler methods: `event` must be a
   * public method of this class, and each key of `payload` must be one that
   * method takes, with its type. Keys may be left out, because the form the
   * element is in sends its fields too: `on('setQty', { id })` on an
   * `<input name="qty">` gives a handler of `{ id, qty }` both. The type checker
   * cannot see `static events` from inside the instance, so a public helper
   * method that is not declared still type-checks; keep helpers `private` (or
   * `#private`) and an undeclared event is a compile error too. At run time an
   * event the class does not declare throws here, at render time, so a typo
   * fails on the first render (in a test) rather than on a user's click, and the
   * event's schema checks the whole payload when it arrives.
   */
  on<E extends string, T, K extends keyof T & string, const A extends GivenPayload<HandlerOf<T, K>> = never>(
    // `T` is this component's type as the call sees it, so its handler
    // `HandlerOf<T, K>` can type the payload. `HandlerFor<E>` is checked
    // first: for a name the class lacks, the error names it.
    this: NoInfer<HandlerFor<E>> & Pick<T, K>,
    // `E` and `K` both take the name as written; `keyof this` only lists names
    // for editors to suggest.
    event: E | K | (keyof this & string),
    payload?: A & UnknownKeys<A, HandlerOf<T, K>>,
    options?: OnOptions,
  ): SafeHtml {
    // The `this` parameter above is only for the type checker (it ties `event`
    // and `payload` to a handler); the value is this component.
    const self = this as unknown as Component<object, object>;
    if (!isDeclaredEvent(self.constructor as ComponentClass, event)) {
      throw new Error(`on(): component "${self.name}" declares no event ${JSON.stringify(event)}`);
    }
    if (payload && Object.hasOwn(payload, 'event')) {
      // hx-vals' "event" key names the event, so a payload field of that name
      // would be silently replaced: refuse it where the template is written.
      throw new Error(`on(): payload key "event" is reserved for the event name (component "${self.name}")`);
    }
    const vals = JSON.stringify({ ...payload, event });
    let out = `hx-post="${escapeHtml(self.endpoint)}" hx-vals="${escapeHtml(vals)}"`;
    if (options?.trigger) out += ` hx-trigger="${escapeHtml(options.trigger)}"`;
    return new SafeHtml(out);
  }

  /**
   * A value the host must put in `context.locals` (see {@link Locals}), or a
   * clear error naming it when the request has none — instead of a later
   * "Cannot read properties of undefined".
   *
   * @example
   * async mount() {
   *   return { products: await this.local('db').products() };
   * }
   */
  local<K extends keyof ContextLocals & string>(name: K): NonNullable<ContextLocals[K]> {
    const value = (this.context.locals as unknown as Record<string, unknown>)[name];
    if (value === undefined || value === null) {
      throw new Error(
        `component "${this.name}" needs context.locals.${name}, but this request has none. ` +
          `Pass it from your host: serve(weft, { locals: (req) => ({ ${name}: … }) }), Express res.locals.${name}, ` +
          `or the fetch handler's { locals }; in tests, mountComponent(…, { locals: { ${name}: … } }) or ` +
          `createTestClient(weft, { locals: … }).`,
      );
    }
    return value as NonNullable<ContextLocals[K]>;
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
   * event from this component. This call is what makes the field writable from
   * the browser: the render notes it, and the fields a render bound are signed
   * into its state blob (docs/protocol.md, P3.6). A `weft-model` attribute written
   * by hand, or arriving through `raw()` or a child, makes nothing writable.
   * Locked fields cannot be bound.
   */
  bind(field: keyof S & string): SafeHtml {
    if (typeof field !== 'string') throw new TypeError(`bind(): the field of component "${this.name}" must be a string`);
    const type = this.constructor as ComponentClass;
    if (Object.keys(type.events).length === 0) {
      // Without events it has no root and no state to send back: inside another
      // component's root its input would go out with that component's events instead.
      throw new Error(`bind(): component "${this.name}" declares no events, so nothing would send field "${field}" back`);
    }
    if (type.locked.includes(field)) {
      // Every event would then fail with locked_field; say so at render time instead.
      throw new Error(`bind(): state field "${field}" of component "${this.name}" is locked`);
    }
    renderRecord(this).bind(field);
    const value = (this.state as Record<string, unknown>)[field];
    return new SafeHtml(
      `name="${escapeHtml(field)}" weft-model="${escapeHtml(field)}" value="${escapeHtml(value == null ? '' : String(value))}"`,
    );
  }

  /**
   * The groups this instance joins while its page is open, e.g. `cart-<user id>`.
   * Computed on the server at every render from params, state and the request
   * (never from what the browser asks) and signed into the state blob; a page
   * showing the component keeps a WebSocket open and receives what is broadcast
   * to these groups. Default: none.
   */
  groups(): readonly string[] {
    return [];
  }

  /**
   * Delivers `event` with `payload` to every other live component in `group` (in
   * this process and every process sharing the backplane). Each member handles it
   * as if its browser had sent it — declared events only, payload validated — and
   * its new render is pushed to its page. This instance is skipped, like
   * Phoenix's `broadcast_from`: it is answering its own event already, so a
   * handler that should change it too calls the handler itself:
   *
   * @example
   * async quickAdd(item: Item) {
   *   this.addItem(item);
   *   await this.broadcast(`cart-${this.state.user}`, 'addItem', item);
   * }
   */
  async broadcast(group: string, event: string, payload: Record<string, unknown> = {}): Promise<void> {
    if (!this.#runtime?.broadcast) throw new Error(`component "${this.name}" has no runtime to broadcast with`);
    await this.#runtime.broadcast(group, event, payload, { except: this.id });
  }

  /**
   * Tells the other components on this page that something happened: each root
   * whose class lists `name` in `static listeners` runs the event it maps it to,
   * with `payload`, as if its own browser had sent it, and its new render goes
   * back in this same round trip (over HTTP or the page's socket). Page scripts
   * get it too, as a DOM event of that name (`HX-Trigger`). `name` must be in
   * `static emits`; `to` limits it to one component (`'cart'`) or one root
   * (`'#cart-x1'`). Delivered once this event's handlers have all succeeded.
   *
   * @example
   * static emits = ['cart-add'];
   * addToCart() {
   *   this.emit('cart-add', { productId: this.state.id, size: this.state.size });
   * }
   */
  emit(name: string, payload: Record<string, unknown> = {}, options: EmitOptions = {}): void {
    recordEmit(this, this.name, this.constructor as ComponentClass, name, payload, options);
  }

  /**
   * Renders a child component (mounted with `params`, same request context). Its
   * id is this component's id plus its key, the same on every render, so when
   * this component re-renders the browser keeps a stateful child's element and
   * state as long as its params are unchanged (docs/protocol.md, P1.3).
   * `type` may also be a reference (`this.child(Reviews.with(params), undefined,
   * { key })`) or a registered component's name (as Liquid's `{% child %}` gives
   * it); `options.slots` fills the child's slots.
   */
  async child(type: ComponentClass | ComponentRef | string, params?: object, options: ChildOptions = {}): Promise<SafeHtml> {
    const target = childTarget(this.name, type, params, options.slots, this.#runtime?.lookup?.bind(this.#runtime));
    return this.#renderChild(target, (record, limits) => record.childKey(this.name, options.key, limits));
  }

  /**
   * The fill of slot `name` (default `default`): its HTML, or a component fill
   * rendered as this component's child with the key `slot-<name>` (kept by the
   * browser across this component's re-render like any child); else
   * `fallback` (escaped unless it is SafeHtml); else nothing. A name the class
   * does not declare in `static slots` is an Error.
   */
  slot(name = 'default', fallback?: SafeHtml | string): Promise<SafeHtml> {
    const self = this as Component<object, object>;
    return renderSlot(self, name, fallback, (ref) =>
      this.#renderChild({ type: ref.type, params: ref.params, slots: ref.slots }, (record, limits) => record.slotKey(this.name, name, limits)),
    );
  }

  /** Whether slot `name` (default `default`) is filled; an Error for a slot the class does not declare. */
  hasSlot(name = 'default'): boolean {
    return hasSlot(this as Component<object, object>, name);
  }

  async #renderChild(
    target: { type: ComponentClass; params: object; slots: SlotFills | undefined },
    claimKey: (record: RenderRecord, limits: RenderLimits) => string,
  ): Promise<SafeHtml> {
    const runtime = this.#runtime;
    if (!runtime) throw new Error(`component "${this.name}" has no runtime to render children with`);
    const limits = runtime.limits ?? DEFAULT_RENDER_LIMITS;
    const record = renderRecord(this);
    const key = claimKey(record, limits);
    const out = await runtime.renderChild(this as Component<object, object>, target.type, target.params, `${this.id}-${key}`, target.slots);
    record.addChild(this.name, out.value, limits);
    return out;
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
  live: boolean;
  permissions: readonly Permission[];
  rateLimit: RateLimitOption | undefined;
  eventPolicies: Readonly<Record<string, EventPolicy>>;
  cache: CacheOption | undefined;
  slots: SlotDeclarations;
  emits: readonly string[];
  listeners: Readonly<Record<string, string>>;
  css: AssetSource | undefined;
  js: AssetSource | undefined;
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
  'user',
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
