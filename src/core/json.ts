/**
 * @module
 * Parsing JSON from the network with the limits a public endpoint needs: a nesting
 * depth cap (checked before `JSON.parse` builds anything) and no `__proto__` keys,
 * which would otherwise turn a later `Object.assign` into prototype pollution.
 */
import { WeftError } from './errors.js';

/** True when `text` has more than `limit` `{` and `[` together (native indexOf, no per-char loop). */
function moreOpenersThan(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return true;
  return false;
}

/** Throws `too_deep` if arrays/objects nest deeper than `maxDepth`. Strings are skipped. */
export function checkDepth(text: string, maxDepth: number): void {
  // Nesting deeper than maxDepth needs more than maxDepth openers. Typical event
  // bodies have a handful (the state blob is base64url), so most skip the scan.
  if (!moreOpenersThan(text, maxDepth)) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) {
        throw new WeftError(400, 'too_deep', `JSON nests deeper than ${maxDepth} levels`, { maxDepth });
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
}

function refuseProto(key: string, value: unknown): unknown {
  if (key === '__proto__') {
    throw new WeftError(400, 'bad_json', 'JSON key "__proto__" is not allowed');
  }
  return value;
}

/** Parses untrusted JSON text; every failure is a 400 `WeftError` naming the problem. */
export function parseJson(text: string, maxDepth: number): unknown {
  checkDepth(text, maxDepth);
  // A reviver makes JSON.parse several times slower, so only texts that could spell
  // the key (literally, or with \u escapes) pay for it.
  const suspicious = text.includes('__proto__') || text.includes('\\u');
  try {
    return suspicious ? JSON.parse(text, refuseProto) : JSON.parse(text);
  } catch (err) {
    if (err instanceof WeftError) throw err;
    throw new WeftError(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The path of the first NaN or ±Infinity in `value`, or undefined. JSON.stringify
 * writes those as `null`, so state holding one would silently lose its value and,
 * with it, the type that `updates` are coerced to.
 */
export function findNonFinite(value: unknown, path: string, seen = 0): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (typeof value !== 'object' || value === null || seen > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonFinite(value[i], `${path}[${i}]`, seen + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = findNonFinite((value as Record<string, unknown>)[key], `${path}.${key}`, seen + 1);
    if (found) return found;
  }
  return undefined;
}
