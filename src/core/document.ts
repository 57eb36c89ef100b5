/**
 * @module
 * A minimal full HTML document with the scripts Weft needs, for pages and views
 * that are not embedded in another framework's layout.
 *
 * Both work under a strict Content-Security-Policy: they write no inline script
 * or style, and htmx's own inline indicator `<style>` is turned off (it would
 * need `style-src 'unsafe-inline'`). If you use htmx's `htmx-indicator` class,
 * put its two rules in your stylesheet:
 *
 *     .htmx-indicator { opacity: 0 }
 *     .htmx-request .htmx-indicator, .htmx-request.htmx-indicator { opacity: 1; transition: opacity 200ms ease-in }
 */
import { assetsMarker } from './asset-tags.js';
import { html, type SafeHtml } from './html.js';

export interface ScriptOptions {
  /** Must match the app's `assetsPath`. Default `/weft`. */
  assetsPath?: string;
  /**
   * The nonce of your Content-Security-Policy (`script-src 'nonce-…'`, with or
   * without `'strict-dynamic'`), put on each script tag. Make a fresh random one
   * for every response, and send the same value in that response's header.
   */
  nonce?: string;
  /**
   * htmx settings, written as `<meta name="htmx-config">` over Weft's default
   * `{ includeIndicatorStyles: false }`. htmx reads only the first such meta, so
   * put yours here rather than in a second one.
   */
  htmxConfig?: Record<string, unknown>;
  /**
   * Also load Weft's client for streamed components, for pages that show one
   * with `<div weft-stream="/path/" weft-event="name">` (see `weft.stream()`).
   */
  stream?: boolean;
}

export interface PageOptions extends ScriptOptions {
  title: string;
  body: SafeHtml;
  /**
   * Extra trusted markup for `<head>` (stylesheets, meta). It comes after Weft's small
   * default icon (`<assetsPath>/favicon.svg`), so a `<link rel="icon">` here is the one browsers use,
   * and after the components' own CSS and JS (`static css`, `static js`), so your
   * stylesheet's rules win over theirs.
   */
  head?: SafeHtml;
  lang?: string;
}

/** Weft's htmx settings: nothing that needs `unsafe-inline` under a CSP. */
const HTMX_CONFIG = { includeIndicatorStyles: false };

/**
 * The htmx config meta and the `<script>` tags for htmx, idiomorph and Weft's
 * client. Put them in `<head>` (they are `defer`). Takes the options, or the
 * assets path alone.
 */
export function scripts(options: ScriptOptions | string = {}): SafeHtml {
  const { assetsPath = '/weft', nonce, htmxConfig, stream } = typeof options === 'string' ? { assetsPath: options } : options;
  const config = JSON.stringify({ ...HTMX_CONFIG, ...htmxConfig });
  const n = nonce === undefined ? '' : html` nonce="${nonce}"`;
  return html`<meta name="htmx-config" content="${config}">
<script defer src="${assetsPath}/htmx.min.js"${n}></script>
<script defer src="${assetsPath}/idiomorph.min.js"${n}></script>
<script defer src="${assetsPath}/weft.min.js"${n}></script>
<script defer src="${assetsPath}/weft-live.min.js"${n}></script>${stream ? html`
<script defer src="${assetsPath}/weft-stream.min.js"${n}></script>` : ''}`;
}

/**
 * A whole document around `body`. Its `<head>` gets Weft's scripts and, when
 * the page is served by `weft.render()` or a view, a `<link>` / `<script>` for
 * the CSS and JS of each component type the render used (once each; see
 * docs/composition.md, "Assets").
 */
export function page(options: PageOptions): SafeHtml {
  return html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<link rel="icon" href="${options.assetsPath ?? '/weft'}/favicon.svg" type="image/svg+xml">
${scripts(options)}
${assetsMarker(options.nonce)}${options.head}
</head>
<body>
${options.body}
</body>
</html>`;
}
