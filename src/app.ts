/**
 * @module
 * `createWeft()`: the app object that ties a registry, a signing secret and the
 * limits together. Host adapters (`weft/node`, `weft/express`, `weft/fetch`) wrap it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type Component, type ComponentClass, type ComponentContext, type ContextLocals, fullContext, type Renderer, type RequestInfo } from './core/component.js';
import { devSecret } from './core/dev-secret.js';
import { dispatch, type DispatchHost, type EventRequest, lookup } from './core/dispatch.js';
import { WeftError } from './core/errors.js';
import { SafeHtml } from './core/html.js';
import { childDigest, digestOf, isStateful, type LifecycleHost, mountNew, type Rendered, renderInstance, setDigest } from './core/lifecycle.js';
import { defaultRoots, redactError } from './core/redact-paths.js';
import { notRegistered, Registry, registry as defaultRegistry } from './core/registry.js';
import { DEFAULT_RENDER_LIMITS, renderRecord } from './core/render-record.js';
import { type AssetRef, componentAssets } from './core/assets.js';
import { assetTags, placePageAssets } from './core/asset-tags.js';
import { placeholderRoot } from './core/root.js';
import { StateCodec } from './core/state-codec.js';
import { checkGroup, checkStreamClass, encodeGroupMessage, groupTopic, sessionTopic, type StreamSpec } from './core/live.js';
import { Hub } from './backplane/hub.js';
import { MemoryBackplane } from './backplane/memory.js';
import type { Backplane } from './backplane/types.js';
import type { CurrentUser, PolicyStages, RateLimitOption } from './core/policy.js';
import { type ClientAddressOption, clientKey } from './policy/client-address.js';
import { checkComponentPolicies, createPolicyStages, parseRateLimit } from './policy/stages.js';
import { createMemoryRateLimitStore, type RateLimitStore } from './policy/rate-limit/store.js';
import { checkCacheOption, RenderCache } from './policy/cache/render-cache.js';
import { createMemoryCacheStore, type RenderCacheStore } from './policy/cache/store.js';
import { type ComponentRef, isComponentRef, resolveSlots, type SlotFills } from './core/slots.js';

/** What the app's `user` function is given: the request, and the locals the host found for it. */
export interface UserInput {
  request: RequestInfo;
  locals: ContextLocals;
}

/** How the app finds the user of a request (see {@link WeftOptions.user}). */
export type UserResolver = (input: UserInput) => CurrentUser | undefined | null | Promise<CurrentUser | undefined | null>;

/** What the `user` function sees for a render the app makes itself, without a request: no headers, no cookie. */
const NO_REQUEST: RequestInfo = Object.freeze({ method: 'GET', url: new URL('http://localhost/'), headers: Object.freeze({}), ip: '' });

/** Options of a view (`weft.view(path, Type, options)`). */
export interface ViewOptions {
  /** Most loads of this view per client: `"60/minute"` (see `static rateLimit`). */
  rateLimit?: RateLimitOption;
}

export interface WeftOptions {
  /**
   * HMAC secret(s) for state blobs, newest first (older ones still verify, for
   * rotation). Defaults to `WEFT_SECRET` (comma-separated). Required in production.
   * In development without one, a generated secret is kept in `.weft/secret` in the
   * working directory (git-ignored), so restarts keep open pages working.
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
  /**
   * Largest HTML one render may return, children included, in bytes; a bigger
   * one is refused with 413 `response_too_large`. Default 1 MiB.
   */
  maxResponseBytes?: number;
  /** Most children one component may render in one render (413 `too_many_children`). Default 500. */
  maxChildren?: number;
  /** Bad-signature requests tolerated per client before 429. Default 10 per 600 s. */
  signatureFailures?: { points: number; durationSeconds: number };
  /** Extra origins allowed to post events (besides the request's own origin). */
  allowedOrigins?: readonly string[];
  /**
   * Host names this app answers to; any other `Host` header gets 400 `bad_host`
   * (this stops DNS rebinding). Entries: `shop.example.com`, `.example.com` (it and
   * its subdomains), an IP address, or `*` (any: only when a proxy in front already
   * checks the host). Ports are not compared. Development default: `localhost`,
   * `*.localhost` and loopback addresses. Production has no default: serving
   * HTTP without it refuses to start.
   */
  allowedHosts?: readonly string[];
  /**
   * How the client address is found behind proxies (see {@link ClientAddressOption});
   * throttles are keyed by it and components see it as `context.request.ip`.
   * Default: the socket address, `X-Forwarded-For` ignored.
   */
  clientAddress?: ClientAddressOption;
  /** Where errors from user code are logged. Default `console`. */
  logger?: Pick<Console, 'error' | 'warn'>;
  /**
   * Carries group broadcasts and channel messages between processes. Default:
   * in memory (one process). For several processes use `createRedisBackplane()`
   * from `weft/redis`.
   */
  backplane?: Backplane;
  /** Where pages open their WebSocket. Default `/ws/components/`. */
  livePath?: string;
  /**
   * How to find the user of a request, on every door (HTTP events, views,
   * WebSocket, SSE): a function of the request and its locals, e.g.
   * `({ locals }) => locals.user` (Express' `req.user`, see `weft/express`), or
   * `session.user((data) => data.user)` with `createCookieSession()`. Components
   * see it as `this.user`; permissions and rate limits use it; and every state
   * blob is bound to it, so a blob issued to one user is refused for any other
   * and for an anonymous request. Default: every request is anonymous.
   */
  user?: UserResolver;
  /** The stable id of a user, for blob binding and rate-limit keys. Default: `String(user.id)`. */
  userId?: (user: CurrentUser) => string;
  /**
   * Where to send a request that needs a user and has none: an htmx request gets
   * `HX-Redirect` to it (with its 401), a browser loading a view a redirect.
   * `?next=<the page>` is added.
   */
  loginUrl?: string;
  /**
   * Where rate-limit counters live. Default: in this process's memory. Several
   * processes share limits with `createRedisRateLimitStore()` from `weft/redis`.
   */
  rateLimitStore?: RateLimitStore;
  /**
   * Where the render cache (`static cache`) keeps views and pages. Default: an
   * LRU in this process's memory (1000 entries, 32 MiB). With
   * `createRedisCacheStore()` from `weft/redis` every process shares one cache,
   * so an invalidation made in one empties it for all.
   */
  cacheStore?: RenderCacheStore;
}

/** A view: a component served at a URL path (`/contacts/:page`). */
export interface ViewRoute {
  pattern: string;
  matcher: RegExp;
  keys: string[];
  type: ComponentClass;
  name: string;
  /** Served as an event stream (`weft.stream()`), not as a page. */
  stream?: boolean;
  options: ViewOptions;
}

export interface ResolvedLimits {
  maxBodyBytes: number;
  maxDepth: number;
  maxEvents: number;
  maxResponseBytes: number;
  maxChildren: number;
  signatureFailures: { points: number; durationSeconds: number };
  allowedOrigins: readonly string[];
  allowedHosts: readonly string[] | undefined;
  clientAddress: ClientAddressOption | undefined;
}


const MIN_SECRET_LENGTH = 32;

function resolveSecrets(options: WeftOptions, production: boolean, logger: Pick<Console, 'warn'>): string[] {
  const given = options.secret ?? process.env.WEFT_SECRET?.split(',').map((s) => s.trim()).filter(Boolean);
  const secrets = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
  if (secrets.length === 0) {
    if (production) {
      throw new Error('Weft: no secret. Set WEFT_SECRET (or pass `secret`) — production refuses to start without one.');
    }
    try {
      const kept = devSecret();
      logger.warn(
        `Weft: no WEFT_SECRET set; ${kept.created ? 'created' : 'using'} the development secret in ${kept.path} ` +
          '(git-ignored; delete it to sign with a new one). Production needs WEFT_SECRET.',
      );
      return [kept.secret];
    } catch (err) {
      logger.warn(
        `Weft: no WEFT_SECRET set, and no development secret could be kept (${err instanceof Error ? err.message : String(err)}); ` +
          'using a random secret: open pages will be out of date after a restart.',
      );
      return [randomBytes(32).toString('base64url')];
    }
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
  return { matcher: new RegExp(`^${source}$`), keys };
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
  readonly backplane: Backplane;
  /** This process's subscriptions to the backplane, shared by every socket and stream. */
  readonly hub: Hub;
  readonly livePath: string;
  readonly policies: PolicyStages;
  readonly renderCache: RenderCache;
  readonly loginUrl: string | undefined;
  readonly #user: UserResolver | undefined;
  readonly #userId: ((user: CurrentUser) => string) | undefined;
  /** User id → key: every render and every blob check of a signed-in user asks, so the hash is kept for recent users. */
  readonly #userKeys = new LRUCache<string, string>({ max: 10_000 });

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
    this.backplane = options.backplane ?? new MemoryBackplane();
    this.hub = new Hub(this.backplane, (err) => this.logger.error('Weft: live update failed', err));
    this.livePath = options.livePath ?? '/ws/components/';
    this.limits = {
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      maxDepth: options.maxDepth ?? 32,
      maxEvents: options.maxEvents ?? 10,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_RENDER_LIMITS.maxResponseBytes,
      maxChildren: options.maxChildren ?? DEFAULT_RENDER_LIMITS.maxChildren,
      signatureFailures: options.signatureFailures ?? { points: 10, durationSeconds: 600 },
      allowedOrigins: options.allowedOrigins ?? [],
      allowedHosts: options.allowedHosts,
      clientAddress: options.clientAddress,
    };
    this.#user = options.user;
    this.#userId = options.userId;
    this.loginUrl = options.loginUrl;
    if (options.user !== undefined && typeof options.user !== 'function') throw new TypeError('Weft: the `user` option must be a function of the request');
    this.policies = createPolicyStages({
      store: options.rateLimitStore ?? createMemoryRateLimitStore(),
      userKey: (user) => this.userKey(user),
      clientKey,
      userError: (err, where) => this.userError(err, 'handler_error', where),
    });
    this.renderCache = new RenderCache(options.cacheStore ?? createMemoryCacheStore(), (user) => this.userKey(user));
    // A malformed permission, rate or cache option fails now, not on a user's request.
    for (const name of this.registry.names()) this.#checkPolicies(name, this.registry.get(name) as ComponentClass);
  }

  #checkPolicies(name: string, type: ComponentClass): void {
    checkComponentPolicies(name, type);
    checkCacheOption(type.cache, `${name}: static cache`, this.codec.maxAgeSeconds);
    // A missing CSS or JS file fails now, not on a user's request.
    componentAssets(type, name);
  }

  /** Whether the app finds users (its `user` option): then responses vary by cookie. */
  get identifiesUsers(): boolean {
    return this.#user !== undefined;
  }

  /** The user of a request, as the app's `user` option finds it (`undefined`: anonymous). */
  async findUser(request: RequestInfo, locals: ContextLocals): Promise<CurrentUser | undefined> {
    if (!this.#user) return undefined;
    let user;
    try {
      user = await this.#user({ request, locals });
    } catch (err) {
      throw this.userError(err, 'handler_error', 'the `user` option');
    }
    return user ?? undefined;
  }

  /**
   * The key a user's state blobs are bound to and rate limits count by: a hash
   * of the user's id (blobs are readable, ids need not be shown), `undefined`
   * for anonymous.
   */
  userKey(user: unknown): string | undefined {
    if (user === undefined || user === null) return undefined;
    let id: unknown;
    if (this.#userId) id = this.#userId(user as CurrentUser);
    else if (typeof user === 'object') id = (user as { id?: unknown }).id;
    else id = user;
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
      throw this.userError(new TypeError('the user has no `id` (a string or number); pass the `userId` option to say what identifies a user'), 'handler_error', 'userKey');
    }
    const text = String(id);
    let key = this.#userKeys.get(text);
    if (key === undefined) {
      key = createHash('sha256').update(`weft-user\0${text}`).digest('base64url').slice(0, 22);
      this.#userKeys.set(text, key);
    }
    return key;
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
    const { message, stack } = redactError(e, defaultRoots());
    return new WeftError(500, code, `${where} threw: ${message}`, { stack });
  }

  #nameOf(type: ComponentClass): string {
    const name = this.registry.nameOf(type);
    if (!name) throw notRegistered(type, this.registry, 'createWeft()');
    return name;
  }

  /**
   * Mounts and renders a component for a page (the first, server-side render).
   * Accepts a registered class or its name, or a reference with its params and
   * slot fills (`compose(Product, { params, slots })`, `Reviews.with(params)`),
   * then followed by the context: the whole tree renders in one call.
   */
  render(ref: ComponentRef, context?: Partial<ComponentContext>): Promise<Rendered>;
  render(type: ComponentClass | string, params?: object, context?: Partial<ComponentContext>, view?: ViewRoute): Promise<Rendered>;
  async render(
    target: ComponentClass | string | ComponentRef,
    paramsOrContext: object = {},
    givenContext: Partial<ComponentContext> = {},
    view?: ViewRoute,
  ): Promise<Rendered> {
    let type: ComponentClass | string, params: object, context: Partial<ComponentContext>, fills: SlotFills | undefined;
    if (isComponentRef(target)) {
      ({ type, params, slots: fills } = target);
      context = paramsOrContext as Partial<ComponentContext>;
    } else {
      [type, params, context] = [target, paramsOrContext, givenContext];
    }
    const cls = typeof type === 'string' ? lookup(this.registry, type) : type;
    const name = typeof type === 'string' ? type : this.#nameOf(type);
    // Checked before anything runs: a slot the class does not declare is the caller's mistake.
    const slots = resolveSlots(cls, name, fills, (t) => this.#nameOf(t));
    const full = fullContext(context);
    // Called from the app's own route, with no `user` given: find it the app's
    // way from what the call has (its locals, its request if given), so the
    // render is for the same user as the page's later events.
    if (!('user' in context) && this.#user) full.user = await this.findUser(context.request ?? NO_REQUEST, full.locals);
    const input = { door: 'view' as const, name, type: cls, context: full, view: view && { pattern: view.pattern, rateLimit: view.options.rateLimit } };
    await this.policies.request(input);
    let plan;
    try {
      // A cache key knows params, not fills: a render with fills is never cached.
      plan = slots ? undefined : this.renderCache.plan(name, cls, params, full);
    } catch (err) {
      throw this.userError(err, 'render_error', `${name}: static cache.key() or tags()`);
    }
    if (plan) {
      const hit = await this.renderCache.get(plan).catch((err: unknown) => void this.logger.error('Weft: render cache read failed', err));
      if (hit) return { html: hit.html, id: '', state: undefined, blob: undefined, groups: [], bound: [], etag: hit.etag, cached: 'hit', assets: hit.assets };
    }
    const instance = await mountNew(this, cls, name, params, full, undefined, slots);
    await this.policies.component({ ...input, instance });
    const rendered = await renderInstance(this, instance);
    // The tags go where page() left its marker, before the render is cached.
    rendered.html = placePageAssets(rendered.html, rendered.assets, this.assetsPath);
    if (plan) {
      // A cache that is down costs speed, never the page.
      const entry = await this.renderCache.set(plan, rendered.html, rendered.assets).catch((err: unknown) => void this.logger.error('Weft: render cache write failed', err));
      if (entry) return { ...rendered, etag: entry.etag, cached: 'stored' };
    }
    return rendered;
  }

  /** Empties every render-cache entry stored with `tag` (in every process, with a shared store). */
  invalidateTag(tag: string): Promise<void> {
    return this.renderCache.invalidateTag(tag);
  }

  /**
   * Empties the render-cache entry of component `type` whose key function
   * returned `key` — for a key that reads the user, pass the user whose entry it is.
   */
  invalidate(type: ComponentClass | string, key: string, user?: CurrentUser): Promise<void> {
    return this.renderCache.invalidateKey(typeof type === 'string' ? type : this.#nameOf(type), key, user);
  }

  /** Same as {@link render} but returns embeddable HTML. */
  renderHtml(ref: ComponentRef, context?: Partial<ComponentContext>): Promise<SafeHtml>;
  renderHtml(type: ComponentClass | string, params?: object, context?: Partial<ComponentContext>): Promise<SafeHtml>;
  async renderHtml(target: ComponentClass | string | ComponentRef, params: object = {}, context: Partial<ComponentContext> = {}): Promise<SafeHtml> {
    const rendered = isComponentRef(target) ? await this.render(target, params) : await this.render(target, params, context);
    return new SafeHtml(rendered.html);
  }

  /** The class registered under `name` (for `child('name')` and Liquid's `{% child %}`). */
  lookup(name: string): ComponentClass | undefined {
    return this.registry.get(name);
  }

  async renderChild(parent: Component<object, object>, type: ComponentClass, params: object, id: string, fills?: SlotFills): Promise<SafeHtml> {
    const name = this.#nameOf(type);
    const { context } = parent;
    const slots = resolveSlots(type, name, fills, (t) => this.#nameOf(t));
    const digest = childDigest(name, params, digestOf(parent), slots?.spec);
    // Only a stateful child has a root the browser can keep.
    if (isStateful(type) && context.kept?.[id] === digest) return new SafeHtml(placeholderRoot(type.tagName, name, id, digest));
    // A child is served by its parent's view: its permissions hold there too.
    const input = { door: 'view' as const, name, type, context };
    await this.policies.request(input);
    const instance = await mountNew(this, type, name, params, context, id, slots);
    await this.policies.component({ ...input, instance });
    // A stateless child has no root, but its own children chain from its digest.
    setDigest(instance, digest);
    const rendered = await renderInstance(this, instance);
    // The child rendered inside its parent's render: its assets are the parent's too.
    renderRecord(parent).addAssets(rendered.assets);
    return new SafeHtml(rendered.html);
  }

  /**
   * The `<link>` and `<script>` tags for the component CSS and JS a render
   * used, for a layout of your own (`page()` places them itself). Pass the
   * response's CSP nonce, if your policy uses one.
   *
   * @example
   * const rendered = await weft.render(Cart);
   * res.send(`<head>${weft.assetTags(rendered, { nonce })}</head><body>${rendered.html}</body>`);
   */
  assetTags(rendered: Pick<Rendered, 'assets'> | readonly AssetRef[], options: { nonce?: string } = {}): SafeHtml {
    const assets = Array.isArray(rendered) ? (rendered as readonly AssetRef[]) : (rendered as Pick<Rendered, 'assets'>).assets;
    return assetTags(assets, { assetsPath: this.assetsPath, nonce: options.nonce });
  }

  /**
   * Delivers `event` with `payload` to every live component in `group`, in every
   * process sharing the backplane: each handles it like an event from its own
   * browser and its new render is pushed to its page. Call it from a handler, a
   * route, a timer or a job. Resolves once the message is published.
   * `except` names a root (its id) to skip: the one that sent it, say.
   */
  async broadcast(group: string, event: string, payload: Record<string, unknown> = {}, options: { except?: string } = {}): Promise<void> {
    checkGroup(group, 'broadcast()');
    await this.backplane.publish(groupTopic(group), encodeGroupMessage({ event, payload, origin: options.except }));
  }

  /** Pushes a fresh render to every live component in `group`, without an event. */
  async refresh(group: string): Promise<void> {
    checkGroup(group, 'refresh()');
    await this.backplane.publish(groupTopic(group), encodeGroupMessage({}));
  }

  /**
   * Publishes raw text on a channel that streamed components listen to (SSE).
   * Another program can publish to the same channel through the backplane's
   * engine (a plain Redis `PUBLISH` with `weft/redis`).
   */
  async publish(channel: string, data: string): Promise<string> {
    return this.backplane.publish(channel, data);
  }

  /**
   * Tells every open socket of `user` (in every process sharing the backplane)
   * that the user signed out: each closes and its page reconnects with its new
   * cookies, so nothing more is pushed to the old user's components. Call it
   * where your app ends a session.
   */
  async signOut(user: CurrentUser): Promise<void> {
    const key = this.userKey(user);
    if (key !== undefined) await this.backplane.publish(sessionTopic(key), 'signed-out');
  }

  groupHead(group: string): Promise<string | undefined> {
    return this.backplane.head(groupTopic(group));
  }

  /** Runs an event request through the one dispatch path. */
  dispatch(request: EventRequest, context: Partial<ComponentContext> = {}): Promise<Rendered> {
    return dispatch(this, request, fullContext(context));
  }

  /**
   * Serves a registered component at a URL: a GET mounts it with the path
   * parameters and query string as params and returns its HTML. The path is
   * served as written; the same path with or without a trailing slash redirects
   * to it (308).
   */
  view(pattern: string, type: ComponentClass, options: ViewOptions = {}): this {
    if (!pattern.startsWith('/')) throw new TypeError(`view path must start with "/": ${pattern}`);
    const name = this.#nameOf(type);
    this.#checkPolicies(name, type);
    if (options.rateLimit !== undefined) parseRateLimit(options.rateLimit, `view ${pattern}: rateLimit`);
    this.views.push({ pattern, ...compileRoute(pattern), type, name, options });
    return this;
  }

  /**
   * Serves a component as a Server-Sent Events stream at a URL: each message
   * published on its `static stream.channel` goes to its `receive(data)`, and its
   * new render is sent as an SSE event named `static stream.event`. Works with
   * htmx's SSE extension (`sse-connect` + `sse-swap`) and any `EventSource`.
   *
   * @example
   * weft.stream('/notification/', Notification);
   */
  stream(pattern: string, type: ComponentClass): this {
    if (!pattern.startsWith('/')) throw new TypeError(`stream path must start with "/": ${pattern}`);
    const name = this.#nameOf(type);
    checkStreamClass(type as unknown as { stream?: StreamSpec; prototype: unknown }, name);
    this.#checkPolicies(name, type);
    this.views.push({ pattern, ...compileRoute(pattern), type, name, stream: true, options: {} });
    return this;
  }

  /**
   * Finds the view for a path, with its decoded path parameters. When only the
   * path's other form matches (with or without its trailing slash), `redirect`
   * is that form: the URL the view was registered with, to redirect to.
   */
  matchView(path: string): { route: ViewRoute; params: Record<string, string>; redirect?: string } | undefined {
    const exact = this.#match(path);
    if (exact || path === '/') return exact;
    const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    const found = this.#match(other);
    return found && { ...found, redirect: other };
  }

  #match(path: string): { route: ViewRoute; params: Record<string, string> } | undefined {
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
