/**
 * @module
 * `If-None-Match` as browsers and CDNs send it (RFC 9110, 13.1.2): a list of
 * entity tags, weak ones marked `W/`, or `*`. A GET compares them weakly, so
 * `W/"abc"` matches `"abc"`. Read with `split`, no regular expression.
 */

/** Whether `header` names any of `etags` (each written with its quotes, `"…"`). */
export function etagMatches(header: string | undefined, ...etags: readonly string[]): boolean {
  if (header === undefined) return false;
  for (const item of header.split(',')) {
    let tag = item.trim();
    if (tag === '*') return true;
    if (tag.startsWith('W/')) tag = tag.slice(2);
    if (etags.includes(tag)) return true;
  }
  return false;
}
