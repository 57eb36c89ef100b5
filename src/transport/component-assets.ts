/**
 * @module
 * Serving components' CSS and JS at `<assetsPath>/c/<name>.<hash>.<css|js>`,
 * and reading the list of assets a page says it has. The hash in the URL is
 * the content's, so a URL always means the same bytes: responses are
 * `immutable` for a year, and a URL whose hash is not the current content's
 * (a deploy changed the file) is a 404 rather than other content under an old name.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { componentAssets, isAssetHash, type PreparedAsset } from '../core/assets.js';
import { WeftError } from '../core/errors.js';
import { COMPONENT_NAME, type Registry } from '../core/registry.js';
import type { HttpRequest, HttpResponse } from './http.js';
import { etagMatches } from './etag.js';

/** Where component assets live under the assets path. */
export const COMPONENT_ASSET_DIR = 'c/';

/** Most assets a page may list in a request; far more component types than any page shows. */
export const MAX_LISTED_ASSETS = 1000;

const TYPES = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' } as const;

/** The asset a file name `<name>.<hash>.<kind>` stands for, if it is one of a registered component's. */
export function findComponentAsset(registry: Registry, file: string): PreparedAsset | undefined {
  if (file.length > 100) return undefined;
  const extension = file.lastIndexOf('.');
  const kind = file.slice(extension + 1);
  if (extension === -1 || (kind !== 'css' && kind !== 'js')) return undefined;
  const dot = file.lastIndexOf('.', extension - 1);
  if (dot <= 0) return undefined;
  const name = file.slice(0, dot);
  const hash = file.slice(dot + 1, extension);
  if (!COMPONENT_NAME.test(name) || !isAssetHash(hash)) return undefined;
  const type = registry.get(name);
  return type && componentAssets(type, name).find((asset) => asset.kind === kind && asset.hash === hash);
}

/**
 * The content coding to answer with: `br` if the client takes it, else `gzip`,
 * else none. A coding counts when listed (or covered by `*`) with a q-value
 * above 0. Read with indexOf, so a long header costs one pass.
 */
export function chooseEncoding(header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  const q: Record<string, number> = {};
  for (let start = 0; start <= header.length; ) {
    let end = header.indexOf(',', start);
    if (end === -1) end = header.length;
    const item = header.slice(start, end);
    start = end + 1;
    const semi = item.indexOf(';');
    const coding = (semi === -1 ? item : item.slice(0, semi)).trim().toLowerCase();
    if (coding !== 'br' && coding !== 'gzip' && coding !== '*') continue;
    let weight = 1;
    if (semi !== -1) {
      const param = item.slice(semi + 1).trim().toLowerCase();
      if (param.startsWith('q=')) {
        weight = Number(param.slice(2));
        if (Number.isNaN(weight)) weight = 0;
      }
    }
    q[coding] = weight;
  }
  const br = q.br ?? q['*'] ?? 0;
  const gzip = q.gzip ?? q['*'] ?? 0;
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return undefined;
}

/** The asset compressed with `coding`, made once and kept; `null` when compressing does not make it smaller. */
function encoded(asset: PreparedAsset, coding: 'br' | 'gzip'): Buffer | null {
  let body = asset.encoded.get(coding);
  if (body === undefined) {
    const packed =
      coding === 'br'
        ? brotliCompressSync(asset.body, {
            params: {
              [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: asset.body.length,
            },
          })
        : gzipSync(asset.body, { level: 9 });
    body = packed.length < asset.body.length ? packed : null;
    asset.encoded.set(coding, body);
  }
  return body;
}

/** Answers a GET or HEAD for `file` under the component asset directory; 404 `not_found` for anything not current. */
export function serveComponentAsset(registry: Registry, req: HttpRequest, file: string): HttpResponse {
  const asset = findComponentAsset(registry, file);
  if (!asset) throw new WeftError(404, 'not_found', `no component asset ${JSON.stringify(file.slice(0, 100))}`);
  const coding = chooseEncoding(req.headers['accept-encoding']);
  const packed = coding === undefined ? null : encoded(asset, coding);
  const headers: Record<string, string> = {
    'content-type': TYPES[asset.kind],
    'cache-control': 'public, max-age=31536000, immutable',
    etag: packed ? `"${asset.hash}-${coding}"` : `"${asset.hash}"`,
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
  };
  if (packed) headers['content-encoding'] = coding as string;
  if (etagMatches(req.headers['if-none-match'], `"${asset.hash}"`, `"${asset.hash}-br"`, `"${asset.hash}-gzip"`)) return { status: 304, headers, body: '' };
  return { status: 200, headers, body: req.method === 'HEAD' ? '' : (packed ?? asset.body) };
}

/**
 * The `assets` of an event request or a join frame: the hashes of the
 * component assets the page has (its `data-weft-asset` elements). At most
 * {@link MAX_LISTED_ASSETS}, each a hash; otherwise 400 `bad_request`.
 */
export function parseAssetList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_LISTED_ASSETS) {
    throw new WeftError(400, 'bad_request', `"assets" must be a list of at most ${MAX_LISTED_ASSETS} asset hashes`);
  }
  for (const hash of value) {
    if (!isAssetHash(hash)) throw new WeftError(400, 'bad_request', '"assets" must list asset hashes (16 characters of base64url)');
  }
  return value as string[];
}
