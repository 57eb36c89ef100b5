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
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createWeft, type Weft } from '../core/app.js';
import { WeftError } from '../core/errors.js';
import type { Component, ComponentClass, ComponentContext, EventName, EventPayload, Renderer, TemplateContext } from '../core/component.js';
import { restore, runEvent } from '../core/dispatch.js';
import { boundFields, digestOf, mountNew, renderInstance } from '../core/lifecycle.js';
import { Registry } from '../core/registry.js';
import { serve } from '../adapters/node/index.js';

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

export interface MountOptions<P> {
  params?: P;
  context?: Partial<ComponentContext>;
  /** Name to register the class under in the harness's private registry. Default: class name in kebab-case. */
  name?: string;
  /**
   * Renderer for the mounted component's `static template` (e.g. a {@link MockRenderer}).
   * It wins over a `static renderer` the class sets, so a template-based component
   * can be tested without its engine; children keep their own.
   */
  renderer?: Renderer;
  /** Registry with the children this component renders. `type` is added to it if missing. */
  registry?: Registry;
}

type InstanceOf<T> = T extends new (...args: never[]) => infer C ? C : never;
type StateOf<C> = C extends Component<infer S, object> ? S : never;
type ParamsOf<C> = C extends Component<object, infer P> ? P : never;

/** A mounted component with no server around it. */
export class ComponentHarness<C extends Component<object, object>> {
  /** The HTML of the last render, root element included. */
  html: string;
  #instance: C;
  readonly #weft: Weft;
  readonly #context: ComponentContext;

  constructor(weft: Weft, instance: C, html: string) {
    this.#weft = weft;
    this.#instance = instance;
    this.#context = instance.context;
    this.html = html;
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
   */
  async fire<K extends EventName<C>>(
    event: K,
    payload?: EventPayload<C, K>,
    options: { updates?: Record<string, unknown> } = {},
  ): Promise<string> {
    const current = this.#instance;
    // The fields the last render bound, as the browser would have them.
    const blob = this.#weft.codec.encode(current.name, current.id, current.state, current.params, Date.now(), {
      child: digestOf(current),
      bound: boundFields(this.html),
    });
    const next = await restore(this.#weft, current.name, blob, options.updates ?? {}, this.#context);
    await runEvent(this.#weft, next, { event, payload: (payload ?? {}) as Record<string, unknown> });
    this.#instance = next as C;
    return this.render();
  }

  /** Renders again (state and signing included) and returns the HTML. */
  async render(): Promise<string> {
    this.html = (await renderInstance(this.#weft, this.#instance)).html;
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

/** A copy of `registry` in which `name` maps to `type`. */
function replaced(registry: Registry, name: string, type: ComponentClass): Registry {
  const copy = new Registry();
  for (const each of registry.names()) copy.register(each, each === name ? type : (registry.get(each) as ComponentClass));
  return copy;
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9_-]/g, '') || 'component';
}

/** Mounts and renders `type` with `params`, with no HTTP server. */
export async function mountComponent<T extends ComponentClass>(
  type: T,
  options: MountOptions<ParamsOf<InstanceOf<T>>> = {},
): Promise<ComponentHarness<InstanceOf<T>>> {
  let registry = options.registry ?? new Registry();
  let name = registry.nameOf(type);
  if (name === undefined) {
    name = options.name ?? kebab(type.name);
    registry.register(name, type);
  }
  if (options.renderer && type.renderer) {
    // A class's own renderer wins over the app's, so the test's one is put on a
    // subclass registered under the same name, in a copy of the registry.
    registry = replaced(registry, name, withRenderer(type, options.renderer));
  }
  const target = registry.get(name) as ComponentClass;
  const weft = createWeft({
    registry,
    secret: randomBytes(32).toString('base64url'),
    mode: 'development',
    renderer: options.renderer,
  });
  const instance = await mountNew(weft, target, name, (options.params ?? {}) as object, { locals: {}, ...options.context });
  const rendered = await renderInstance(weft, instance);
  return new ComponentHarness(weft, instance as InstanceOf<T>, rendered.html);
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

/** Sends real HTTP requests to a Weft app listening at `baseUrl`. */
export class TestClient {
  readonly baseUrl: string;
  readonly #close: () => Promise<void>;

  constructor(baseUrl: string, close: () => Promise<void> = async () => {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#close = close;
  }

  async request(path: string, init: RequestInit = {}): Promise<TestResponse> {
    const res = await fetch(this.baseUrl + path, init);
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

  /** Fires `event` at a component whose current state blob is `state`. */
  fire(
    component: string,
    state: string | undefined,
    event: string,
    payload: Record<string, unknown> = {},
    updates: Record<string, unknown> = {},
  ): Promise<TestResponse> {
    return this.post(component, { event, payload, state, updates });
  }

  close(): Promise<void> {
    return this.#close();
  }
}

/** Starts `weft` on a random local port with the node:http adapter. */
export async function createTestClient(weft: Weft): Promise<TestClient> {
  const server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  return new TestClient(`http://127.0.0.1:${port}`, () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
}
