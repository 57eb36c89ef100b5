/**
 * @module
 * Weft: server-driven live components. State lives on the server, the browser
 * sends events (htmx) and gets rendered HTML back, carrying signed state.
 *
 * Entry points: `weft` (this), `weft/node`, `weft/express`, `weft/fetch`,
 * `weft/liquid`, `weft/testing`, `weft/client` (the browser script).
 */
// First, so an unsupported Node.js fails here with a clear message.
import './core/node-version.js';
export { createWeft, Weft, type UserInput, type UserResolver, type ViewOptions, type ViewRoute, type WeftOptions } from './app.js';
export {
  type CacheKeyInput,
  type CacheOption,
  type CurrentUser,
  type Door,
  type EventPolicy,
  type Permission,
  type PolicyContext,
  type RateLimitOption,
  type Register,
} from './core/policy.js';
export { AllowAny, all, any, hasRole, IsAuthenticated, IsStaff, permission } from './policy/permissions.js';
export { type HandlerDecorator, rateLimit, requires } from './policy/decorators.js';
export { userFromLocals } from './policy/user.js';
export { createCookieSession, type CookieSession, type CookieSessionOptions } from './policy/session/index.js';
export { createMemoryRateLimitStore, parseRate, type Rate, type RateDecision, type RateLimitStore } from './policy/rate-limit/index.js';
export { createMemoryCacheStore, type CacheEntry, type MemoryCacheStore, type RenderCacheStore } from './policy/cache/index.js';
export { type ClientAddressOption } from './policy/client-address.js';
export {
  Component,
  type CheckedEvents,
  type ChildOptions,
  type ComponentClass,
  type ComponentContext,
  type ComponentInit,
  type ContextLocals,
  type DeclaredEvent,
  type EventDeclarations,
  type EventInput,
  type EventName,
  type EventOutput,
  type EventPayload,
  type EventSpec,
  type HandlerFor,
  type Locals,
  type MismatchedEvents,
  type OnOptions,
  type Renderer,
  type RenderResult,
  type RequestInfo,
  type TemplateContext,
} from './core/component.js';
export { type EventCall, type EventRequest } from './core/dispatch.js';
export {
  compose,
  type ComponentRef,
  type ComposeOptions,
  type ParamsOf,
  type SlotDeclarations,
  type SlotFill,
  type SlotFills,
  type SlotFillsOf,
  type SlotNameOf,
  type SlotOptions,
  type WithOptions,
} from './core/slots.js';
export { type EmitOptions, type ListenerEntry, type PageEvent } from './core/emit.js';
export { page, scripts, type PageOptions, type ScriptOptions } from './core/document.js';
export { type AssetRef, type AssetSource } from './core/assets.js';
export { assetTags, type AssetTagOptions } from './core/asset-tags.js';
export { type ErrorCode, WeftError, type WeftErrorCode } from './core/errors.js';
export { attrs, escapeHtml, html, type Interpolation, raw, SafeHtml } from './core/html.js';
export { type Rendered } from './core/lifecycle.js';
export { component, Registry, registry, type RegistryOptions } from './core/registry.js';
export { type FieldIssue, type StandardSchemaV1 } from './core/schema.js';
export { type Envelope, StateCodec, type StateCodecOptions } from './core/state-codec.js';
export { createHttpHandler, type HttpRequest, type HttpResponse } from './transport/http.js';
export { type Backplane, type BackplaneMessage, type Replay, type Seq } from './backplane/types.js';
export { MemoryBackplane } from './backplane/memory.js';
export { GROUP_NAME, type StreamSpec } from './core/live.js';
export { createLiveServer, type LiveServer, type LiveServerOptions } from './transport/ws/index.js';
