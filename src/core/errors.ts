/**
 * @module
 * The one error type Weft throws for a request it refuses. Transports turn it into
 * a response: `status`, a JSON body `{"error": message, "code": code, ...details}`
 * and any extra headers (for example `Retry-After` on a 429).
 */

/** Weft's own machine-readable reasons, listed in docs/protocol.md. */
export type ErrorCode =
  | 'bad_request'
  | 'bad_json'
  | 'too_deep'
  | 'too_large'
  | 'too_many_events'
  | 'too_many_listeners'
  | 'unsupported_media_type'
  | 'csrf'
  | 'bad_host'
  | 'state_missing'
  | 'state_malformed'
  | 'state_signature'
  | 'state_expired'
  | 'state_outdated'
  | 'state_component'
  | 'state_too_large'
  | 'locked_field'
  | 'unknown_field'
  | 'unbound_field'
  | 'invalid_update'
  | 'unknown_component'
  | 'unknown_event'
  | 'invalid_payload'
  | 'invalid_params'
  | 'method_not_allowed'
  | 'not_found'
  | 'throttled'
  | 'rate_limited'
  | 'response_too_large'
  | 'too_many_children'
  | 'busy'
  | 'handler_error'
  | 'render_error'
  | 'not_joined'
  | 'too_many_roots'
  | 'unauthenticated'
  | 'forbidden'
  | 'state_user';

/**
 * A `code` for a {@link WeftError}: one of Weft's, or your app's own
 * (`'sold_out'`, `'unauthorized'`). Editors still suggest Weft's.
 */
// `string & {}` keeps the literal members visible to autocompletion; a plain
// `string` would swallow them.
export type WeftErrorCode = ErrorCode | (string & {});

/**
 * A refusal: thrown from a handler (or anywhere in a request), it becomes a JSON
 * response with this status and code instead of a 500.
 *
 * @example
 * if (!product.inStock) throw new WeftError(409, 'sold_out', `${product.name} is sold out`);
 */
export class WeftError extends Error {
  readonly status: number;
  readonly code: WeftErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    code: WeftErrorCode,
    message: string,
    details?: Record<string, unknown>,
    headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'WeftError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  /** The JSON body sent to the browser. */
  toJSON(): Record<string, unknown> {
    return { error: this.message, code: this.code, ...this.details };
  }
}
