/**
 * @module
 * Cross-site request forgery check for event requests. Events must be JSON
 * (`Content-Type: application/json`), which a cross-site HTML form cannot send
 * without a CORS preflight; on top of that, browsers' `Sec-Fetch-Site` and
 * `Origin` headers must not name another origin. This needs no token in the page.
 *
 * An origin is scheme, host and port together: `https://shop.example` is not
 * `http://shop.example` (a page served over plain http can be rewritten by
 * anyone on the network, so it must not act on the https site), and
 * `http://shop.example:8080` is not `http://shop.example`.
 */
import { WeftError } from '../core/errors.js';

export interface CsrfOptions {
  /** Origins besides the request's own that may post events, e.g. `https://app.example.com`. */
  allowedOrigins: readonly string[];
}

/** How the browser reached this server: the scheme it used and the Host it sent. */
export interface OwnOrigin {
  scheme: 'http' | 'https';
  /** The Host header (`host[:port]`). */
  host: string;
}

/** `scheme://host[:port]` in one spelling (lower case, default port dropped), or undefined. */
function normalise(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') return undefined;
  return url.origin;
}

export function checkCsrf(headers: Readonly<Record<string, string | undefined>>, own: OwnOrigin, options: CsrfOptions): void {
  const site = headers['sec-fetch-site'];
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    const ownText = `${own.scheme}://${own.host}`;
    // The common same-origin case, spelt as browsers spell it, without parsing a URL.
    if (origin === ownText) return;
    const given = normalise(origin);
    if (given === undefined) {
      throw new WeftError(403, 'csrf', `cross-site request refused: malformed Origin ${JSON.stringify(origin.slice(0, 200))}`);
    }
    if (given === normalise(ownText)) return;
    if (options.allowedOrigins.some((allowed) => allowed === origin || normalise(allowed) === given)) return;
    throw new WeftError(403, 'csrf', `cross-site request refused: origin ${given} is not ${normalise(ownText) ?? ownText}`);
  }
  if (site === 'cross-site' || origin === 'null') {
    throw new WeftError(403, 'csrf', 'cross-site request refused');
  }
}
