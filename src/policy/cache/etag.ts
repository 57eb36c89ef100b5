/**
 * @module
 * Strong ETags for rendered HTML. The tag is a digest of the exact bytes sent,
 * so two renders give the same tag only when they are byte for byte the same
 * (which is what a strong validator promises), on any process or machine, with
 * no counter to share.
 */
import { createHash } from 'node:crypto';

/**
 * The strong ETag of `html`: `"…"` around the first 22 characters of the
 * base64url SHA-256 of its UTF-8 bytes. 22 characters carry 132 bits, far
 * more than enough that two different pages never share a tag, while keeping
 * the header short.
 */
export function etagOf(html: string): string {
  if (typeof html !== 'string') throw new TypeError('html must be a string');
  return `"${createHash('sha256').update(html, 'utf8').digest('base64url').slice(0, 22)}"`;
}
