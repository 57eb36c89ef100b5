/**
 * @module
 * Testing helpers: drive a component with no server ({@link mountComponent}),
 * record template renders ({@link MockRenderer}), or send real HTTP requests to a
 * running app ({@link TestClient}).
 *
 * @example
 * const cart = await mountComponent(Cart);
 * await cart.fire('addItem', { productId: 42, size: 'M' });
 * assert.equal(cart.state.items.length, 1);
 */
import type { CurrentUser } from '../core/policy.js';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWeft, type Weft } from '../app.js';
import { WeftError } from '../core/errors.js';
import type {
  CheckedEvents,
  Component,
  ComponentClass,
  ComponentContext,
  ContextLocals,
  EventInput,
  Renderer,
  TemplateContext,
} from '../core/component.js';
import { restore, runEvent } from '../core/dispatch.js';
import { type PageEvent, takeEmits } from '../core/emit.js';
import { digestOf, mountNew, renderInstance } from '../core/lifecycle.js';
import { registry as defaultRegistry, notRegistered, Registry, suggestedName } from '../core/registry.js';
import { resolveSlots, type SlotFills, type SlotFillsOf, slotSpecOf } from '../core/slots.js';
import { type NodeHandlerOptions, serve } from '../adapters/node/index.js';

/**
 * A Renderer that renders nothing real and remembers every call, to test a
 * template component's state and events without a template engine.
 */
export class MockRenderer implements Renderer {
  readonly calls: { template: string; context: TemplateContext }[] = [];

  render(template: string, context: TemplateContext): string {
    this.calls.push({ template, context });
    return `<!-- ${template.replace(/--/g, '')} -->`;
  }

  /** The context of the last render (throws if nothing rendered yet). */
  get last(): { template: string; context: TemplateContext } {
    const call = this.calls.at(-1);
    if (!call) throw new Error('MockRenderer has not rendered anything');
    return call;
  }
}

export interface MountOptions<P, T = unknown> {
  params?: P;
  /**
   * Fills for the component's slots, as `compose()` takes them: html, a string
   * (escaped) or `Type.with(params)`, whose class is found in `registry`.
   */
  slots?: SlotFillsOf<T>;
  /** The request context; `locals` here and the `locals` option are merged. */
  context?: Partial<ComponentContext>;
  /** `context.locals` for the component and its children, as a host adapter would pass them. */
  locals?: Partial<ContextLocals>;
  /** The signed-in user the component sees as `this.user` (default: anonymous). */
  user?: CurrentUser;
  /** Name for the class if `registry` does not have it. Default: class name in kebab-case. */
  name?: string;
  /**
   * Renderer for the mounted component's `static template` (e.g. a {@link MockRenderer}).
   * It wins over a `static renderer` the class sets, so a template-based component
   * can be tested without its engine; children keep their own.
   */
  renderer?: Renderer;
  /**
   * The registry the app uses, where the component's children are found (as
   * `createWeft({ registry })`). Default: the default registry, as for an app
   * created without one. It is not changed: the harness works on a copy.
   */
  registry?: Registry;
  /**
   * Secret(s) the harness signs state with. Default: a random one. Pass the app's
   * to post the harness's state blobs to a running app.
   */
  secret?: string | readonly string[];
}

/** Options for {@link ComponentHarness.fire}. */
export interface FireOptions {
  /** Values of bound inputs, sent as the browser sends `weft-model` fields. */
  updates?: Record<string, unknown>;
}

/**
 * `[payload, options]` for an event whose payload has input type `I`: the
 * payload may be left out (it is then `{}`) only when an empty object is a valid one.
 */
type FireArgs<I, O> = Record<string, never> extends I ? [payload?: I, options?: O] : [payload: I, options?: O];

type InstanceOf<T> = T extends new (...args: never[]) => infer C ? C : never;
type StateOf<C> = C extends Component<infer S, object> ? S : never;
type ParamsOf<C> = C extends Component<object, infer P> ? P : never;

/**
 * A mounted component with no server around it. `T` is its class, whose
 * `static events` type {@link fire}.
 */
export class ComponentHarness<C extends Component<object, object>, T extends ComponentClass = ComponentClass> {
  /** The HTML of the last render, root element included. */
  html: string;
  /** The page events the last {@link fire} emitted (`this.emit()`), in order: what the page's listeners would get. */
  emitted: PageEvent[] = [];
  #instance: C;
  /** The fields the last render bound with `bind()`: the only ones `updates` may write. */
  #bound: readonly string[];
  readonly #weft: Weft;
  readonly #context: ComponentContext;

  constructor(weft: Weft, instance: C, html: string, bound: readonly string[] = []) {
    this.#weft = weft;
    this.#instance = instance;
    this.#context = instance.context;
    this.html = html;
    this.#bound = bound;
  }

  /** The live instance: read it, or call its methods directly. */
  get instance(): C {
    return this.#instance;
  }

  get state(): StateOf<C> {
    return this.#instance.state as StateOf<C>;
  }

  get errors(): Record<string, string> {
    return this.#instance.errors;
  }

  /**
   * Fires an event the way a browser would, through the same path as the server:
   * the state is signed and restored (so it must survive JSON), `updates` are
   * applied, `hydrate()` runs, only declared events are accepted and the payload
   * is validated by the event's schema. Re-renders and returns the new HTML.
   *
   * `event` must be a key of the class's `static events`, and `payload` what
   * its schema accepts as input (any object for `true`) — checked by the type
   * checker, as the server checks them at run time.
   */
  async fire<K extends keyof T['events'] & string>(event: K, ...args: FireArgs<EventInput<T, K>, FireOptions>): Promise<string> {
    const [payload, options = {}] = args as [Record<string, unknown> | undefined, FireOptions | undefined];
    const current = this.#instance;
    // The fields the last render bound, as the browser would have them.
    const blob = this.#weft.codec.encode(current.name, current.id, current.state, current.params, Date.now(), {
      child: digestOf(current),
      bound: this.#bound,
      user: this.#weft.userKey(this.#context.user),
      slots: slotSpecOf(current),
    });
    const next = await restore(this.#weft, current.name, blob, options.updates ?? {}, this.#context);
    this.emitted = [];
    await runEvent(this.#weft, next, { event, payload: (payload ?? {}) as Record<string, unknown> });
    this.emitted = takeEmits(next);
    this.#instance = next as C;
    return this.render();
  }

  /** Renders again (state and signing included) and returns the HTML. */
  async render(): Promise<string> {
    const rendered = await renderInstance(this.#weft, this.#instance);
    this.html = rendered.html;
    this.#bound = rendered.bound;
    return this.html;
  }
}

/** `type` with `renderer` as its own: same name, same declarations, same methods. */
function withRenderer(type: ComponentClass, renderer: Renderer): ComponentClass {
  const Tested = class extends (type as unknown as new (init: never) => object) {
    static renderer = renderer;
  };
  Object.defineProperty(Tested, 'name', { value: type.name });
  return Tested as unknown as ComponentClass;
}

/**
 * A copy of `registry` (same description, so errors name the registry the test
 * passed), in which `name` maps to `type`.
 */
function copyWith(registry: Registry, name: string, type: ComponentClass): Registry {
  const copy = new Registry({ description: registry.description ?? 'the registry passed to mountComponent()' });
  // names() keeps registration order, so each class's first name stays its first.
  for (const each of registry.names()) copy.register(each, each === name ? type : (registry.get(each) as ComponentClass));
  if (!copy.get(name)) copy.register(name, type);
  return copy;
}

/** `name`, or `name-2`, `name-3`… if another class already has it (it may be a child). */
function freeName(registry: Registry, name: string): string {
  let free = name;
  for (let n = 2; registry.get(free); n++) free = `${name}-${n}`;
  return free;
}

/**
 * Mounts and renders `type` with `params`, with no HTTP server. Its children
 * are found in `options.registry`, or in the default registry as in an app
 * created without one.
 */
export async function mountComponent<T extends ComponentClass>(
  type: T & CheckedEvents<T>,
  options: MountOptions<ParamsOf<InstanceOf<T>>, T> = {},
): Promise<ComponentHarness<InstanceOf<T>, T>> {
  const source = options.registry ?? defaultRegistry;
  const name = source.nameOf(type) ?? options.name ?? freeName(source, suggestedName(type));
  const taken = source.nameOf(type) === undefined ? source.get(name) : undefined;
  if (taken) throw new Error(`mountComponent(): the name "${name}" is already registered (by class ${taken.name})`);
  // A class's own renderer wins over the app's, so the test's one is put on a
  // subclass registered under the same name.
  const target = options.renderer && type.renderer ? withRenderer(type, options.renderer) : type;
  const registry = copyWith(source, name, target);
  const weft = createWeft({
    registry,
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    mode: 'development',
    renderer: options.renderer,
  });
  const context = {
    ...options.context,
    locals: { ...options.context?.locals, ...options.locals } as ContextLocals,
    ...(options.user !== undefined && { user: options.user }),
  };
  const slots = resolveSlots(target, name, options.slots as SlotFills | undefined, (t) => {
    const found = registry.nameOf(t);
    if (found === undefined) throw notRegistered(t, source, 'mountComponent()');
    return found;
  });
  const instance = await mountNew(weft, target, name, (options.params ?? {}) as object, context, undefined, slots);
  const rendered = await renderInstance(weft, instance);
  return new ComponentHarness(weft, instance as InstanceOf<T>, rendered.html, rendered.bound);
}

/** The result of one request made by a {@link TestClient}. */
export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body when the response is JSON. */
  json: Record<string, unknown> | undefined;
  /** The state blob in the returned HTML, if any. */
  state: string | undefined;
}

/**
 * A predicate for `assert.throws` / `assert.rejects`: the error is a WeftError
 * with this status and code.
 *
 * @example await assert.rejects(cart.fire('setQty', { qty: 'x' }), isWeftError(422, 'invalid_payload'));
 */
export function isWeftError(status: number, code: string): (err: unknown) => boolean {
  return (err: unknown): boolean => {
    if (!(err instanceof WeftError)) throw new Error(`expected a WeftError, got ${String(err)}`);
    if (err.status !== status || err.code !== code) {
      throw new Error(`expected WeftError ${status} ${code}, got ${err.status} ${err.code}: ${err.message}`);
    }
    return true;
  };
}

/** Pulls the signed state out of a component's HTML. */
export function stateOf(html: string): string | undefined {
  return /\sweft-state="([^"]*)"/.exec(html)?.[1];
}

/** Options for a {@link TestClient} made by hand. */
export interface TestClientOptions {
  /** Where `fire(Class, …)` looks up component names. Default: the default registry. */
  registry?: Registry;
  /** Headers sent with every request (a signed-in user's `cookie`, say); a request's own win. */
  headers?: Record<string, string>;
}

/** Sends real HTTP requests to a Weft app listening at `baseUrl`. */
export class TestClient {
  readonly baseUrl: string;
  readonly #close: () => Promise<void>;
  readonly #registry: Registry;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, close: () => Promise<void> = async () => {}, options: TestClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#close = close;
    this.#registry = options.registry ?? defaultRegistry;
    this.#headers = options.headers ?? {};
  }

  async request(path: string, init: RequestInit = {}): Promise<TestResponse> {
    const headers = new Headers(this.#headers);
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    const res = await fetch(this.baseUrl + path, { ...init, headers });
    const text = await res.text();
    const isJson = res.headers.get('content-type')?.startsWith('application/json');
    return {
      status: res.status,
      headers: res.headers,
      text,
      json: isJson && text !== '' ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      state: stateOf(text),
    };
  }

  get(path: string): Promise<TestResponse> {
    return this.request(path);
  }

  /** Posts a raw JSON body (object or pre-serialised string) to a component's endpoint. */
  post(component: string, body: unknown, headers: Record<string, string> = {}, basePath = '/components'): Promise<TestResponse> {
    return this.request(`${basePath}/${component}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /**
   * Fires `event` at a component whose current state blob is `state`. Given the
   * component's class, `event` and `payload` are type-checked against its
   * `static events` (the name comes from the app's registry); given a name,
   * anything is sent as it is, to test how the server refuses it.
   */
  fire<T extends ComponentClass, K extends keyof T['events'] & string>(
    component: T,
    state: string | undefined,
    event: K,
    ...args: FireArgs<EventInput<T, K>, Record<string, unknown>>
  ): Promise<TestResponse>;
  fire(
    component: string,
    state: string | undefined,
    event: string,
    payload?: Record<string, unknown>,
    updates?: Record<string, unknown>,
  ): Promise<TestResponse>;
  async fire(
    component: string | ComponentClass,
    state: string | undefined,
    event: string,
    payload: unknown = {},
    updates: Record<string, unknown> = {},
  ): Promise<TestResponse> {
    let name: string | undefined;
    if (typeof component === 'string') name = component;
    else if ((name = this.#registry.nameOf(component)) === undefined) throw notRegistered(component, this.#registry, 'createWeft()');
    return this.post(name, { event, payload, state, updates });
  }

  close(): Promise<void> {
    return this.#close();
  }
}

/** Options for {@link createTestClient}: those of `serve()` from `weft/node`. */
export interface CreateTestClientOptions extends Omit<NodeHandlerOptions, 'locals'> {
  /**
   * `context.locals` for every request, as the app's host adapter passes them:
   * an object, or a function of the request (e.g. `(req) => ({ user: userFrom(req) })`).
   */
  locals?: Partial<ContextLocals> | ((req: IncomingMessage) => Partial<ContextLocals> | Promise<Partial<ContextLocals>>);
  /** Headers the client sends with every request (see {@link TestClientOptions.headers}). */
  headers?: Record<string, string>;
}

/** Starts `weft` on a random local port with the node:http adapter. */
export async function createTestClient(weft: Weft, options: CreateTestClientOptions = {}): Promise<TestClient> {
  const { locals } = options;
  const server = await serve(weft, {
    ...options,
    locals: locals === undefined ? undefined : typeof locals === 'function' ? locals : () => locals,
    port: 0,
    hostname: '127.0.0.1',
  });
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return new TestClient(`http://127.0.0.1:${port}`, close, { registry: weft.registry, ...(options.headers && { headers: options.headers }) });
}

export { LiveTestClient, rootsIn, type LiveConnectOptions, type LiveFrame } from './live.js';
export { StreamTestClient, type StreamEvent } from './stream.js';
