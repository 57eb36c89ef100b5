/**
 * @module
 * Cross-site request forgery check for event requests. Events must be JSON
 * (`Content-Type: application/json`), which a cross-site HTML form cannot send
 * without a CORS preflight; on top of that, browsers' `Sec-Fetch-Site` and
 * `Origin` headers must not name another site. This is the same check
 * as Hono's `csrf()` middleware, and needs no token in the page.
 */
import { WeftError } from '../core/errors.js';

export interface CsrfOptions {
  /** Origins besides the request's own that may post events, e.g. `https://app.example.com`. */
  allowedOrigins: readonly string[];
}

export function checkCsrf(
  headers: Readonly<Record<string, string | undefined>>,
  url: URL,
  options: CsrfOptions,
): void {
  const site = headers['sec-fetch-site'];
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    const host = headers.host ?? url.host;
    // The common same-origin case without parsing a URL.
    if (origin === `https://${host}` || origin === `http://${host}`) return;
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new WeftError(403, 'csrf', `cross-site request refused: malformed Origin ${JSON.stringify(origin)}`);
    }
    if (originHost === host || options.allowedOrigins.includes(origin)) return;
    throw new WeftError(403, 'csrf', `cross-site request refused: origin ${origin} is not ${host}`);
  }
  if (site === 'cross-site' || origin === 'null') {
    throw new WeftError(403, 'csrf', 'cross-site request refused');
  }
}
