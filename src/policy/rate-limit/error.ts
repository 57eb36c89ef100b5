/**
 * @module
 * The refusal sent to a client past its rate limit: 429 `rate_limited`, with
 * the wait both in the body (`retryAfter`) and in a `Retry-After` header.
 */
import { WeftError } from '../../core/errors.js';

/**
 * @param retryAfterSeconds Whole seconds until the client may retry (rounded up, at least 1).
 * @param what What was limited (`'Cart.checkout'`), named in the message.
 */
export function rateLimitedError(retryAfterSeconds: number, what?: string): WeftError {
  // Retry-After takes whole seconds; 0 would invite an immediate retry.
  const seconds = Number.isFinite(retryAfterSeconds) ? Math.max(1, Math.ceil(retryAfterSeconds)) : 1;
  const subject = what ? ` to ${what}` : '';
  return new WeftError(
    429,
    'rate_limited',
    `too many requests${subject}; retry in ${seconds} s`,
    { retryAfter: seconds },
    { 'retry-after': String(seconds) },
  );
}
