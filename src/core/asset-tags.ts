/**
 * @module
 * The tags that link the component CSS and JS a render used: written once per
 * asset however many instances rendered, into the `<head>` of a page (where
 * `page()` left its marker) or after a fragment, which then brings only what
 * the browser's page does not have yet. No inline code: every tag points at a
 * file, so a strict Content-Security-Policy allows them.
 */
import type { AssetRef } from './assets.js';
import { escapeHtml, html, SafeHtml } from './html.js';

/** Options of {@link assetTags}. */
export interface AssetTagOptions {
  /** The app's `assetsPath`. Default `/weft`. */
  assetsPath?: string;
  /** The Content-Security-Policy nonce of this response, put on each tag (as `page()` does on its scripts). */
  nonce?: string | undefined;
}

/** What `page()` writes in `<head>`; a top-level render replaces it with the tags. */
const MARKER = '<!--weft-assets';
const MARKER_END = '-->';

/**
 * The marker `page()` writes where the asset tags go, carrying the page's nonce
 * (escaped, so it cannot end the comment) for the script tags.
 */
export function assetsMarker(nonce: string | undefined): SafeHtml {
  return nonce === undefined ? new SafeHtml(`${MARKER}${MARKER_END}`) : new SafeHtml(`${MARKER}:${escapeHtml(nonce)}${MARKER_END}`);
}

/**
 * A nonce is base64 or base64url text. Anything else in a marker was not
 * written by `page()` and is dropped rather than copied into an attribute.
 */
function isNonce(value: string): boolean {
  if (value.length === 0 || value.length > 256) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

/**
 * `<link rel="stylesheet">` for each CSS asset, then `<script defer>` for each
 * JS asset, each once and each marked `data-weft-asset="<hash>"` so the browser
 * client can tell what the page has.
 */
export function assetTags(assets: readonly AssetRef[] | undefined, options: AssetTagOptions = {}): SafeHtml {
  if (!assets || assets.length === 0) return html``;
  const base = `${options.assetsPath ?? '/weft'}/c/`;
  const nonce = options.nonce === undefined ? '' : html` nonce="${options.nonce}"`.value;
  const seen = new Set<string>();
  let links = '';
  let scripts = '';
  for (const asset of assets) {
    const key = `${asset.kind}:${asset.hash}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const url = escapeHtml(base + asset.file);
    const hash = escapeHtml(asset.hash);
    if (asset.kind === 'css') links += `<link rel="stylesheet" href="${url}" data-weft-asset="${hash}"${nonce}>\n`;
    else scripts += `<script defer src="${url}" data-weft-asset="${hash}"${nonce}></script>\n`;
  }
  return new SafeHtml(links + scripts);
}

/**
 * Puts the tags of `assets` where `page()` left its marker (the first one; a
 * page has one), with the nonce the marker carries. HTML without a marker is
 * returned as it is: the app places the tags itself ({@link assetTags}).
 */
export function placePageAssets(text: string, assets: readonly AssetRef[] | undefined, assetsPath: string): string {
  const start = text.indexOf(MARKER);
  if (start === -1) return text;
  const end = text.indexOf(MARKER_END, start + MARKER.length);
  if (end === -1) return text;
  const inner = text.slice(start + MARKER.length, end);
  const nonce = inner.startsWith(':') && isNonce(inner.slice(1)) ? inner.slice(1) : undefined;
  return text.slice(0, start) + assetTags(assets, { assetsPath, nonce }).value + text.slice(end + MARKER_END.length);
}

/**
 * A fragment (an event's response, a live push) followed by the tags of the
 * assets it needs that the page does not have (`has`: the hashes the page
 * lists). The browser client moves them into `<head>` and loads each once.
 */
export function fragmentWithAssets(text: string, assets: readonly AssetRef[] | undefined, has: ReadonlySet<string>, assetsPath: string): string {
  if (!assets || assets.length === 0) return text;
  const missing = assets.filter((a) => !has.has(a.hash));
  return missing.length === 0 ? text : text + assetTags(missing, { assetsPath }).value;
}
