/**
 * @module
 * The browser files Weft serves itself, so a page needs no CDN: htmx and
 * idiomorph from node_modules, Weft's own client from `dist/client`, and the
 * small icon `page()` links to.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

const require = createRequire(import.meta.url);

/** File name under the assets path → where it comes from. */
const SOURCES: Record<string, () => string> = {
  'htmx.min.js': () => require.resolve('htmx.org/dist/htmx.min.js'),
  'idiomorph.min.js': () => require.resolve('idiomorph/dist/idiomorph.min.js'),
  // htmx's own SSE extension, for pages that use its sse-connect / sse-swap markup.
  'htmx-ext-sse.min.js': () => require.resolve('htmx-ext-sse/dist/sse.min.js'),
  // Built by `npm run build` (esbuild) into dist/client/. Run from dist/transport/ or src/transport/.
  'weft.min.js': () => built('weft.min.js'),
  'weft-live.min.js': () => built('weft-live.min.js'),
  // Weft's own client for streamed components (`weft-stream`), for pages that use it.
  'weft-stream.min.js': () => built('weft-stream.min.js'),
};

function built(file: string): string {
  for (const rel of [`../client/${file}`, `../../dist/client/${file}`]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('Weft client not built: run `npm run build`');
}

/**
 * The icon `page()` links to, so a browser's favicon request is not a 404 on
 * every page load. Served from the assets path (not a `data:` URL) so an
 * `img-src 'self'` policy allows it.
 */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2563eb"/>' +
  '<path d="M3 5.5h10M3 8h10M3 10.5h10" stroke="#fff" stroke-width="1.2"/></svg>';

/** Files Weft writes itself: name → body and content type. */
const INLINE: Record<string, { body: string; type: string }> = {
  'favicon.svg': { body: FAVICON, type: 'image/svg+xml' },
};

const cache = new Map<string, Asset>();

/** Returns the named asset, read once and kept in memory, or undefined if unknown. */
export function getAsset(file: string): Asset | undefined {
  const hit = cache.get(file);
  if (hit) return hit;
  const inline = Object.hasOwn(INLINE, file) ? INLINE[file] : undefined;
  if (!inline && !Object.hasOwn(SOURCES, file)) return undefined;
  const body = inline ? Buffer.from(inline.body) : readFileSync((SOURCES[file] as () => string)());
  const asset = {
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
    type: inline?.type ?? 'text/javascript; charset=utf-8',
  };
  cache.set(file, asset);
  return asset;
}

/** The icon `page()` links to, under the assets path. */
export const FAVICON_FILE = 'favicon.svg';

/** The script tags a page needs, in load order. */
export const SCRIPT_FILES = ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js', 'weft-live.min.js'] as const;
