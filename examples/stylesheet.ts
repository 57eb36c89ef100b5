/**
 * The examples' stylesheet, served as a file (`/examples.css`) rather than
 * inlined in each page, so the pages work under a Content-Security-Policy with
 * `style-src 'self'`. The examples' server passes {@link stylesheetFallback} to
 * `serve()` as its fallback: requests Weft does not serve end up here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const STYLESHEET_PATH = '/examples.css';

const css = readFileSync(new URL('./styles.css', import.meta.url));
const etag = `"${createHash('sha256').update(css).digest('base64url').slice(0, 16)}"`;

/** Serves the stylesheet; anything else is a 404 in Weft's JSON shape. */
export function stylesheetFallback(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === STYLESHEET_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
    const headers = { 'content-type': 'text/css; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : css);
    return;
  }
  res
    .writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' })
    .end(JSON.stringify({ error: `no route for ${req.method ?? 'GET'} ${path}`, code: 'not_found' }));
}
