/**
 * @module
 * Browser-side writes to state (`weft-model` inputs). Types come from the server's
 * current state, never from the request: the value the browser sends is coerced to
 * the type the field already has, or refused (a `stateSchema` then checks the
 * result). This is the lesson of Livewire's CVE-2025-54068, where client-sent type
 * metadata chose what to build.
 */
import { WeftError } from './errors.js';

/** Keys that reach the prototype chain; refused even if a state somehow has them. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Index of the first non-digit at or after `i`. */
function skipDigits(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/**
 * True for decimal text: optional whitespace around an optional sign, digits with
 * an optional fraction (`12`, `1.5`, `2.`, `.5`) and an optional exponent (`1e3`).
 * One left-to-right pass, so the time grows with the text's length and no more.
 * The obvious regular expression for this shape backtracks quadratically on a long
 * run of digits followed by a letter: one request could hold the server for minutes.
 */
function isDecimal(value: string): boolean {
  // trim() removes exactly what Number() skips around a number (Unicode white space and line ends).
  const text = value.trim();
  let i = text.startsWith('+') || text.startsWith('-') ? 1 : 0;
  const integerEnd = skipDigits(text, i);
  let digits = integerEnd - i;
  i = integerEnd;
  if (text[i] === '.') {
    const fractionEnd = skipDigits(text, i + 1);
    digits += fractionEnd - (i + 1);
    i = fractionEnd;
  }
  // Digits on at least one side of the point: "", "+" and "." are not numbers.
  if (digits === 0) return false;
  if (text[i] === 'e' || text[i] === 'E') {
    i++;
    if (text[i] === '+' || text[i] === '-') i++;
    const exponentEnd = skipDigits(text, i);
    if (exponentEnd === i) return false;
    i = exponentEnd;
  }
  return i === text.length;
}

/** A finite number from a number or decimal text, else undefined. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  // Decimal text only, as an <input type=number> writes it: Number() would also
  // read "0x10", "0b1" and "0o7", which no user typed as sixteen, one or seven.
  if (typeof value === 'string' && isDecimal(value) && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function coerce(field: string, current: unknown, value: unknown): unknown {
  const expected = current === null ? 'null' : Array.isArray(current) ? 'array' : typeof current;
  if (expected === 'string') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  } else if (expected === 'number') {
    const number = toNumber(value);
    if (number !== undefined) return number;
  } else if (expected === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'on') return true;
    if (value === 'false' || value === '') return false;
  } else if (expected === 'array') {
    // A <select multiple>: a flat list whose items take the type of the field's
    // current items (strings while it is empty). Nothing nested, nothing mixed.
    const items = current as unknown[];
    const itemType = items.length === 0 ? 'string' : typeof items[0];
    if (Array.isArray(value) && (itemType === 'string' || itemType === 'number')) {
      const out = value.map((item) => (itemType === 'string' ? (typeof item === 'string' ? item : undefined) : toNumber(item)));
      if (out.every((item) => item !== undefined)) return out;
    }
  } else if (expected === 'null') {
    // A field that is null has no type yet; only scalars may be written into it.
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  }
  throw new WeftError(422, 'invalid_update', `state field "${field}" expects ${expected === 'array' || expected === 'object' ? 'an' : 'a'} ${expected}, got ${value === null ? 'null' : typeof value}`, {
    field,
  });
}

/**
 * Applies `updates` to `state` in place. Refuses locked fields (400), fields the
 * state does not have (400), fields the last render bound to no input (400) and
 * values that cannot take the field's type (422).
 */
export function applyUpdates(
  state: Record<string, unknown>,
  updates: Record<string, unknown>,
  locked: readonly string[],
  bound: readonly string[],
): void {
  for (const [field, value] of Object.entries(updates)) {
    if (locked.includes(field)) {
      throw new WeftError(400, 'locked_field', `state field "${field}" is locked and cannot be changed by the browser`, {
        field,
      });
    }
    if (FORBIDDEN.has(field) || !Object.hasOwn(state, field)) {
      throw new WeftError(400, 'unknown_field', `component state has no field "${field}"`, { field });
    }
    // Only what the page offered as an input: a handler-owned field stays the
    // handler's even when nobody thought to lock it.
    if (!bound.includes(field)) {
      throw new WeftError(400, 'unbound_field', `state field "${field}" is bound to no input in this component, so the browser cannot write it`, {
        field,
      });
    }
    state[field] = coerce(field, state[field], value);
  }
}
