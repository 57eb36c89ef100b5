/**
 * @module
 * A minimal full HTML document with the scripts Weft needs, for pages and views
 * that are not embedded in another framework's layout.
 */
import { html, type SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /**
   * Extra trusted markup for `<head>` (styles, meta). It comes after Weft's small
   * default icon (`<assetsPath>/favicon.svg`), so a `<link rel="icon">` here is the one browsers use.
   */
  head?: SafeHtml;
  /** Must match the app's `assetsPath`. Default `/weft`. */
  assetsPath?: string;
  lang?: string;
}

/** The `<script>` tags for htmx, idiomorph and Weft's client. Put them in `<head>` with `defer`. */
export function scripts(assetsPath = '/weft'): SafeHtml {
  return html`<script defer src="${assetsPath}/htmx.min.js"></script>
<script defer src="${assetsPath}/idiomorph.min.js"></script>
<script defer src="${assetsPath}/weft.min.js"></script>`;
}

export function page(options: PageOptions): SafeHtml {
  return html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<link rel="icon" href="${options.assetsPath ?? '/weft'}/favicon.svg" type="image/svg+xml">
${scripts(options.assetsPath)}
${options.head}
</head>
<body>
${options.body}
</body>
</html>`;
}
