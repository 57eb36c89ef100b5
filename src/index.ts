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
export { createWeft, Weft, type WeftOptions, type ViewRoute } from './app.js';
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
export { page, scripts, type PageOptions, type ScriptOptions } from './core/document.js';
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
