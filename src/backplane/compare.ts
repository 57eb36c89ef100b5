/**
 * @module
 * Sequence ids are Redis Stream ids, `<ms>-<n>`: the publishing clock in
 * milliseconds and a counter within that millisecond, both decimal. Every
 * engine writes them in this one format, so an id a browser holds can be
 * compared and sent back whichever engine issued it.
 */
import type { Seq } from './types.js';

// Redis Stream ids are two unsigned 64-bit numbers: at most 20 digits each,
// no leading zeros (Redis never writes them, so two spellings of one id
// cannot compare differently).
const SEQ = /^(?:0|[1-9]\d{0,19})-(?:0|[1-9]\d{0,19})$/;

/** Whether `value` is a well-formed sequence id (`<ms>-<n>`). Use it on ids that come from a browser. */
export function isSeq(value: unknown): value is Seq {
  return typeof value === 'string' && SEQ.test(value);
}

/**
 * Orders two sequence ids: negative if `a` comes before `b`, 0 if equal,
 * positive if after. Throws a TypeError for a malformed id (check untrusted
 * ids with {@link isSeq} first).
 */
export function compareSeq(a: Seq, b: Seq): number {
  if (!isSeq(a)) throw new TypeError(`not a sequence id: ${JSON.stringify(a)}`);
  if (!isSeq(b)) throw new TypeError(`not a sequence id: ${JSON.stringify(b)}`);
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  return compareDigits(a.slice(0, dashA), b.slice(0, dashB)) || compareDigits(a.slice(dashA + 1), b.slice(dashB + 1));
}

// Compares unsigned decimals of any size without converting them: with no
// leading zeros the longer one is larger, and equal lengths compare as text.
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
