/**
 * @module
 * `createWeft()`: the app object that ties a registry, a signing secret and the
 * limits together. Host adapters (`weft/node`, `weft/express`, `weft/fetch`) wrap it.
 */
import { randomBytes } from 'node:crypto';
import type { Component, ComponentClass, ComponentContext, Renderer } from './component.js';
import { dispatch, type DispatchHost, type EventRequest, lookup } from './dispatch.js';
import { WeftError } from './errors.js';
import { SafeHtml } from './html.js';
import { childDigest, digestOf, isStateful, type LifecycleHost, mountNew, type Rendered, renderInstance, setDigest } from './lifecycle.js';
import { Registry, registry as defaultRegistry } from './registry.js';
import { defaultRoots, redactMessage, redactStack } from './redact-paths.js';
import { placeholderRoot } from './root.js';
import { StateCodec } from './state-codec.js';

export interface WeftOptions {
  /**
   * HMAC secret(s) for state blobs, newest first (older ones still verify, for
   * rotation). Defaults to `WEFT_SECRET` (comma-separated). Required in production;
   * in development a random secret is generated with a warning.
   */
  secret?: string | readonly string[];
  /** Defaults to `production` when `NODE_ENV=production`, else `development`. */
  mode?: 'production' | 'development';
  /** Components to serve. Defaults to the global registry used by `@component()`. */
  registry?: Registry;
  /** Where event requests are posted: `${basePath}/<name>/`. Default `/components`. */
  basePath?: string;
  /** Where htmx, idiomorph and Weft's client are served from. Default `/weft`. */
  assetsPath?: string;
  /** Renderer for components that set `static template` but no renderer. */
  renderer?: Renderer;
  /** State blob max age in seconds. Default 86 400 (24 h). */
  stateMaxAge?: number;
  /** Largest state in bytes. Default 65 536. */
  maxStateBytes?: number;
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Deepest JSON nesting accepted in a request. Default 32. */
  maxDepth?: number;
  /** Most events in one request. Default 10. */
  maxEvents?: number;
  /** Bad-signature requests tolerated per client before 429. Default 10 per 600 s. */
  signatureFailures?: { points: number; durationSeconds: number };
  /** Extra origins allowed to post events (besides the request's own host). */
  allowedOrigins?: readonly string[];
  /** Where errors from user code are logged. Default `console`. */
  logger?: Pick<Console, 'error' | 'warn'>;
}

/** A view: a component served at a URL path (`/contacts/:page`). */
export interface ViewRoute {
  pattern: string;
  matcher: RegExp;
  keys: string[];
  type: ComponentClass;
  name: string;
}

export interface ResolvedLimits {
  maxBodyBytes: number;
  maxDepth: number;
  maxEvents: number;
  signatureFailures: { points: number; durationSeconds: number };
  allowedOrigins: readonly string[];
}

const MIN_SECRET_LENGTH = 32;

function resolveSecrets(options: WeftOptions, production: boolean, logger: Pick<Console, 'warn'>): string[] {
  const given = options.secret ?? process.env.WEFT_SECRET?.split(',').map((s) => s.trim()).filter(Boolean);
  const secrets = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
  if (secrets.length === 0) {
    if (production) {
      throw new Error('Weft: no secret. Set WEFT_SECRET (or pass `secret`) — production refuses to start without one.');
    }
    logger.warn('Weft: no WEFT_SECRET set; using a random secret. State blobs will not survive a restart.');
    return [randomBytes(32).toString('base64url')];
  }
  const short = secrets.find((s) => s.length < MIN_SECRET_LENGTH);
  if (short !== undefined) {
    const message = `Weft: every secret must be at least ${MIN_SECRET_LENGTH} characters`;
    if (production) throw new Error(message);
    logger.warn(`${message} (allowed in development only)`);
  }
  return secrets;
}

/** A thrown value that is not an Error, as text; `String()` itself may throw (`{ toString: 1 }`). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a thrown ${typeof value}`;
  }
}

function compileRoute(pattern: string): { matcher: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { matcher: new RegExp(`^${source}/?$`), keys };
}

export class Weft implements DispatchHost, LifecycleHost {
  readonly registry: Registry;
  readonly codec: StateCodec;
  readonly renderer: Renderer | undefined;
  readonly production: boolean;
  readonly basePath: string;
  readonly assetsPath: string;
  readonly limits: ResolvedLimits;
  readonly logger: Pick<Console, 'error' | 'warn'>;
  readonly views: ViewRoute[] = [];

  constructor(options: WeftOptions = {}) {
    this.logger = options.logger ?? console;
    this.production = (options.mode ?? (process.env.NODE_ENV === 'production' ? 'production' : 'development')) === 'production';
    this.registry = options.registry ?? defaultRegistry;
    this.renderer = options.renderer;
    this.basePath = (options.basePath ?? '/components').replace(/\/+$/, '');
    this.assetsPath = (options.assetsPath ?? '/weft').replace(/\/+$/, '');
    this.codec = new StateCodec({
      secrets: resolveSecrets(options, this.production, this.logger),
      maxAgeSeconds: options.stateMaxAge,
      maxStateBytes: options.maxStateBytes,
    });
    this.limits = {
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      maxDepth: options.maxDepth ?? 32,
      maxEvents: options.maxEvents ?? 10,
      signatureFailures: options.signatureFailures ?? { points: 10, durationSeconds: 600 },
      allowedOrigins: options.allowedOrigins ?? [],
    };
  }

  endpointFor(name: string): string {
    return `${this.basePath}/${name}/`;
  }

  userError(err: unknown, code: 'handler_error' | 'render_error', where: string): WeftError {
    if (err instanceof WeftError) return err;
    // The log gets the whole error; the browser, in development, a copy without the machine's paths.
    this.logger.error(`Weft: ${where} threw`, err);
    if (this.production) return new WeftError(500, code, `internal error in ${where}`);
    const e = err instanceof Error ? err : new Error(describe(err));
    const roots = defaultRoots();
    return new WeftError(500, code, `${where} threw: ${redactMessage(e.message, roots)}`, {
      stack: e.stack === undefined ? undefined : redactStack(redactMessage(e.stack, roots), roots),
    });
  }

  #nameOf(type: ComponentClass): string {
    const name = this.registry.nameOf(type);
    if (!name) throw new Error(`Weft: component class ${type.name} is not registered; call registry.register(name, ${type.name})`);
    return name;
  }

  /**
   * Mounts and renders a component for a page (the first, server-side render).
   * Accepts a registered class or its name.
   */
  async render(type: ComponentClass | string, params: object = {}, context: Partial<ComponentContext> = {}): Promise<Rendered> {
    const cls = typeof type === 'string' ? lookup(this.registry, type) : type;
    const name = typeof type === 'string' ? type : this.#nameOf(type);
    const instance = await mountNew(this, cls, name, params, { locals: {}, ...context });
    return renderInstance(this, instance);
  }

  /** Same as {@link render} but returns embeddable HTML. */
  async renderHtml(type: ComponentClass | string, params: object = {}, context: Partial<ComponentContext> = {}): Promise<SafeHtml> {
    return new SafeHtml((await this.render(type, params, context)).html);
  }

  async renderChild(parent: Component<object, object>, type: ComponentClass, params: object, id: string): Promise<SafeHtml> {
    const name = this.#nameOf(type);
    const { context } = parent;
    const digest = childDigest(name, params, digestOf(parent));
    // Only a stateful child has a root the browser can keep.
    if (isStateful(type) && context.kept?.[id] === digest) return new SafeHtml(placeholderRoot(type.tagName, name, id, digest));
    const instance = await mountNew(this, type, name, params, context, id);
    // A stateless child has no root, but its own children chain from its digest.
    setDigest(instance, digest);
    return new SafeHtml((await renderInstance(this, instance)).html);
  }

  /** Runs an event request through the one dispatch path. */
  dispatch(request: EventRequest, context: Partial<ComponentContext> = {}): Promise<Rendered> {
    return dispatch(this, request, { locals: {}, ...context });
  }

  /**
   * Serves a registered component at a URL (the seed's `as_view()`): a GET mounts
   * it with the path parameters and query string as params and returns its HTML.
   */
  view(pattern: string, type: ComponentClass): this {
    if (!pattern.startsWith('/')) throw new TypeError(`view path must start with "/": ${pattern}`);
    const name = this.#nameOf(type);
    this.views.push({ pattern, ...compileRoute(pattern), type, name });
    return this;
  }

  /** Finds the view for a path, with its decoded path parameters. */
  matchView(path: string): { route: ViewRoute; params: Record<string, string> } | undefined {
    for (const route of this.views) {
      const m = route.matcher.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] as string);
      });
      return { route, params };
    }
    return undefined;
  }
}

/** Creates a Weft app. See {@link WeftOptions}. */
export function createWeft(options: WeftOptions = {}): Weft {
  return new Weft(options);
}
