/**
 * @module
 * Which URLs would run code if a browser followed them. Used by `html` and `attrs()`
 * for values placed in URL attributes (`href`, `src`, `action`, …).
 *
 * The check reads the URL the way a browser's URL parser does, not the way it looks:
 * leading spaces and control characters (U+0000–U+0020) are skipped, tabs and line
 * breaks anywhere are dropped, and the scheme is case-insensitive. So `  JaVa\tScRiPt:`
 * is `javascript:`. Everything is done with plain loops, in one pass, so a long
 * hostile value costs time in proportion to its length.
 */

/** What an unsafe URL is replaced with: a URL that goes nowhere and names who blanked it. */
export const INVALID_URL = 'about:invalid#weft';

/** Image types a `data:` URL may carry. SVG is left out: it is a document that can hold script. */
const RASTER_IMAGES = new Set([
  'image/apng',
  'image/avif',
  'image/bmp',
  'image/gif',
  'image/jpeg',
  'image/jpg',
  'image/png',
  'image/webp',
  'image/x-icon',
  'image/vnd.microsoft.icon',
]);

function isTabOrNewline(c: number): boolean {
  return c === 9 || c === 10 || c === 13;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The longest scheme that matters here (`javascript`); a longer one is some other, harmless scheme. */
const LONGEST = 10;

/**
 * The scheme of `url` in lower case (`"javascript"`), and where the rest starts;
 * `undefined` when the URL has none (a relative URL: `/path`, `?q`, `#frag`, `x.png`).
 * A scheme longer than any we look for comes back as `""`.
 */
function schemeOf(url: string, from: number, to: number): { scheme: string; rest: number } | undefined {
  // No colon, no scheme: most whole values end here, after one fast search. (Not for
  // a piece of a list: searching past its end for each piece would be quadratic.)
  if (to === url.length && url.indexOf(':', from) === -1) return undefined;
  let i = from;
  while (i < to && url.charCodeAt(i) <= 0x20) i++;
  let scheme = '';
  let length = 0;
  for (; i < to; i++) {
    const c = url.charCodeAt(i);
    if (isTabOrNewline(c)) continue;
    if (c === 58 /* : */) return length === 0 ? undefined : { scheme: length > LONGEST ? '' : scheme.toLowerCase(), rest: i + 1 };
    const allowed = isAlpha(c) || (length > 0 && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46));
    if (!allowed) return undefined;
    if (++length <= LONGEST) scheme += url[i];
  }
  return undefined;
}

/** The media type of a `data:` URL body (`image/png` of `image/png;base64,…`), lower case. */
function dataMediaType(url: string, from: number, to: number): string {
  let type = '';
  for (let i = from; i < to; i++) {
    const c = url.charCodeAt(i);
    if (c === 59 /* ; */ || c === 44 /* , */) break;
    if (c > 0x20) type += url[i];
  }
  return type.toLowerCase();
}

/**
 * True when a browser would run code from this URL: a `javascript:` or `vbscript:`
 * scheme, or `data:` with anything but a raster image.
 */
export function isUnsafeUrl(url: string, from = 0, to = url.length): boolean {
  const found = schemeOf(url, from, to);
  if (found === undefined) return false;
  if (found.scheme === 'javascript' || found.scheme === 'vbscript') return true;
  if (found.scheme !== 'data') return false;
  return !RASTER_IMAGES.has(dataMediaType(url, found.rest, to));
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
}

/**
 * True when any URL of a `srcset` (`a.png 1x, b.png 2x`) is unsafe. Candidates are
 * split as the browser does: a URL runs to the next whitespace, its descriptors to
 * the next comma.
 */
export function isUnsafeSrcset(list: string): boolean {
  let i = 0;
  const n = list.length;
  while (i < n) {
    while (i < n && (list.charCodeAt(i) <= 0x20 || list.charCodeAt(i) === 44)) i++;
    const start = i;
    while (i < n && !isSpace(list.charCodeAt(i))) i++;
    if (start < i && isUnsafeUrl(list, start, i)) return true;
    while (i < n && list.charCodeAt(i) !== 44) i++;
  }
  return false;
}

/** True when any of the whitespace-separated URLs (`ping="a b"`) is unsafe. */
export function isUnsafeUrlList(list: string): boolean {
  let i = 0;
  const n = list.length;
  while (i < n) {
    while (i < n && isSpace(list.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isSpace(list.charCodeAt(i))) i++;
    if (start < i && isUnsafeUrl(list, start, i)) return true;
  }
  return false;
}

/**
 * True when htmx would evaluate this `hx-vals` / `hx-headers` / `hx-request` value as
 * JavaScript: it does so when the trimmed value starts with `js:` or `javascript:`.
 */
export function isScriptedHtmxValue(value: string): boolean {
  const text = value.trimStart().slice(0, 11).toLowerCase();
  return text.startsWith('js:') || text.startsWith('javascript:');
}
