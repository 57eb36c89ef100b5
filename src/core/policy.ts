/**
 * @module
 * What the core knows about policies: the shapes of a permission, a rate limit
 * and the stage the event path calls before and after it reads a component's
 * state. The policies themselves (permissions, rate limits, the render cache)
 * live in `src/policy/`; the app wires them in as {@link PolicyStages}, so the
 * core never depends on them.
 *
 * Stages run in this order on every door (docs/policies.md):
 *
 * 1. **request** — before the state blob is read: the user is known, the
 *    component is not. Permissions that need only the user (`IsAuthenticated`,
 *    roles) and rate limits run here, so an anonymous request is told 401 before
 *    anything about its state, and a flood costs no HMAC checks.
 * 2. **component** — after the instance is rebuilt (or mounted), before any
 *    handler: permissions that need params, state or the event.
 */
import type { ComponentClass, ComponentContext, RequestInfo } from './component.js';

/**
 * The way a request reached a component:
 * - `event`: a browser event, over HTTP or a WebSocket;
 * - `view`: a component served at a URL (GET);
 * - `join`: a page's WebSocket joining a live root;
 * - `stream`: a Server-Sent Events stream opening, and each message it renders;
 * - `broadcast`: a group message delivered to a live root.
 */
export type Door = 'event' | 'view' | 'join' | 'stream' | 'broadcast';

/**
 * The user type components see as `this.user`. Declare yours once:
 *
 * @example
 * declare module 'weft' {
 *   interface Register {
 *     user: { id: string; name: string; roles: string[] };
 *   }
 * }
 */
// Empty on purpose: apps add `user` to it through module augmentation.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The app's user type ({@link Register}), or a minimal one until it declares its own. */
export type CurrentUser = Register extends { user: infer U } ? U : { id: string | number; [key: string]: unknown };

/** What a permission or a rate-limit key function is told about a request. */
export interface PolicyContext {
  door: Door;
  /** The component's registered name. */
  name: string;
  type: ComponentClass;
  /** The user the app's `user` function found; `undefined` when anonymous. */
  user: CurrentUser | undefined;
  /** The HTTP request (for a WebSocket: its upgrade request); absent for a server-side render. */
  request: RequestInfo | undefined;
  context: ComponentContext;
  /** The event being handled (`event` and `broadcast` doors). */
  event?: string | undefined;
  payload?: Readonly<Record<string, unknown>> | undefined;
  /** The component's params and state: only in the component stage. */
  params?: Readonly<Record<string, unknown>> | undefined;
  state?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A permission: `check` says whether the request may go on. `stage: 'request'`
 * means it needs only the user, so it runs before the state is read; a
 * `'component'` permission also gets `params` and `state`.
 *
 * Refusal: with no user, 401 `unauthenticated` ("Authentication required");
 * with one, 403 `forbidden`. A check may also throw its own `WeftError`.
 */
export interface Permission {
  readonly name: string;
  readonly stage: 'request' | 'component';
  check(context: PolicyContext): boolean | Promise<boolean>;
}

/**
 * A rate: `"30/minute"`, `"5/second"`, `"1000/hour"`, `"10/day"`; or the rate
 * with the key requests are counted by (default: the user's id, else the
 * client address). A key function returning `undefined` exempts the request.
 */
export type RateLimitOption = string | { rate: string; key?: (context: PolicyContext) => string | undefined };

/** Policies for one event, beside the component's own (`static eventPolicies`, or the decorators). */
export interface EventPolicy {
  permissions?: readonly Permission[];
  rateLimit?: RateLimitOption;
}

/** Where the decorators keep an event handler's own policies. */
export const EVENT_POLICY: unique symbol = Symbol.for('weft.eventPolicy');

/** One pass through the stages. */
export interface StageInput {
  door: Door;
  name: string;
  type: ComponentClass;
  context: ComponentContext;
  /** The events this request runs (an event request may carry several). */
  events?: readonly { event: string; payload: Readonly<Record<string, unknown>> }[] | undefined;
  /** The view's own policies, for the `view` door. */
  view?: { pattern: string; rateLimit?: RateLimitOption | undefined } | undefined;
}

/** The policy stages, as the app wires them into the event path. */
export interface PolicyStages {
  /** Before the state is read. Throws a `WeftError` to refuse. */
  request(input: StageInput): Promise<void>;
  /** After the instance is built, before any handler. Throws a `WeftError` to refuse. */
  component(input: StageInput & { instance: { params: object; state: object } }): Promise<void>;
  /**
   * True when no policy applies to this pass at all (nothing declared for the
   * class, its events or this door), so a caller may skip both stages: a
   * broadcast to ten thousand roots then costs them no stage.
   */
  idle?(input: StageInput): boolean;
}

/** What a render-cache key or tag function is given. */
export interface CacheKeyInput {
  name: string;
  params: Readonly<Record<string, unknown>>;
  /**
   * The request's user. Reading it says the HTML depends on the user: then the
   * entry is kept per key (make the key include the user). A key function that
   * never reads it is not used for requests with a user at all: they bypass the
   * cache, so two users can never see each other's HTML.
   */
  readonly user: CurrentUser | undefined;
}

/**
 * Caching a component's whole render when it is served as a view or a page
 * (`static cache`). Events never read the cache: they always run.
 */
export interface CacheOption {
  /** Seconds an entry is kept. */
  ttl: number;
  /** The entry's key. Default: the component's params. */
  key?: (input: CacheKeyInput) => string;
  /** Tags to invalidate the entry by (`weft.invalidateTag('product:7')`). */
  tags?: (input: Omit<CacheKeyInput, 'user'>) => readonly string[];
  /**
   * Lets browsers and CDNs cache the view too: `Cache-Control` with this
   * `maxAge` (seconds) and `scope`, an `ETag` (a matching `If-None-Match` gets
   * 304), and `Vary: Cookie` when the app finds users. Without it views are `no-store`.
   */
  http?: { maxAge: number; scope?: 'public' | 'private' };
}
