/**
 * @module
 * Parses a rate limit written as text, `"30/minute"`, into a count and a window.
 * Rates come from an app's configuration, so a malformed one is a start-up
 * error (a plain `Error`), never a refusal of a request.
 */

/** A parsed rate: `points` requests allowed per `durationSeconds`. */
export interface Rate {
  points: number;
  durationSeconds: number;
  /** The rate as written (trimmed), for messages. */
  text: string;
}

/** Past this, a count is more likely a typo than a limit. */
const MAX_POINTS = 1e9;
/** How much of a bad string goes into the message, so a huge one cannot flood a log. */
const CLIP = 64;

const UNITS: ReadonlyMap<string, number> = new Map([
  ['sec', 1],
  ['second', 1],
  ['seconds', 1],
  ['min', 60],
  ['minute', 60],
  ['minutes', 60],
  ['hour', 3600],
  ['hours', 3600],
  ['day', 86_400],
  ['days', 86_400],
]);

/**
 * Parses `"<count>/<unit>"`: a positive whole count (at most 10⁹) and one of
 * second(s), sec, minute(s), min, hour(s), day(s), in any case.
 *
 * @param where What the rate configures (`'Cart.rateLimit'`), named in the error.
 * @throws Error naming the bad text, `where` and the accepted form.
 *
 * @example
 * parseRate('30/minute'); // { points: 30, durationSeconds: 60, text: '30/minute' }
 */
export function parseRate(text: string, where?: string): Rate {
  if (typeof text !== 'string') throw malformed(String(text), where);
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0 || trimmed.indexOf('/', slash + 1) >= 0) throw malformed(text, where);
  const points = parseCount(trimmed.slice(0, slash).trim());
  const durationSeconds = UNITS.get(trimmed.slice(slash + 1).trim().toLowerCase());
  if (points === undefined || durationSeconds === undefined) throw malformed(text, where);
  return { points, durationSeconds, text: trimmed };
}

/** Digits only: no sign, point, exponent or hex, which `Number()` would all accept. */
function parseCount(digits: string): number | undefined {
  if (digits.length === 0 || digits.length > 10) return undefined;
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
  }
  const count = Number(digits);
  return count >= 1 && count <= MAX_POINTS ? count : undefined;
}

function malformed(text: string, where: string | undefined): Error {
  const shown = text.length > CLIP ? `${text.slice(0, CLIP)}…` : text;
  const place = where ? ` in ${where}` : '';
  return new Error(
    `malformed rate limit ${JSON.stringify(shown)}${place}: expected "<count>/<unit>", a whole count from 1 to ` +
      `1000000000 and a unit of second, minute, hour or day, for example "30/minute"`,
  );
}
