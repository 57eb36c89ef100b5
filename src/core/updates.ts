/**
 * @module
 * Browser-side writes to state (`weft-model` inputs). Types come from the server's
 * current state (or its schema), never from the request: the value the browser sends
 * is coerced to the type the field already has, or refused. This is the lesson of
 * Livewire's CVE-2025-54068, where client-sent type metadata chose what to build.
 */
import { WeftError } from './errors.js';

/** Keys that reach the prototype chain; refused even if a state somehow has them. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

function coerce(field: string, current: unknown, value: unknown): unknown {
  const expected = current === null ? 'null' : Array.isArray(current) ? 'array' : typeof current;
  if (expected === 'string') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  } else if (expected === 'number') {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    // Decimal text only, as an <input type=number> writes it: Number() would also
    // read "0x10", "0b1" and "0o7", which no user typed as sixteen, one or seven.
    if (typeof value === 'string' && DECIMAL.test(value) && Number.isFinite(Number(value))) return Number(value);
  } else if (expected === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'on') return true;
    if (value === 'false' || value === '') return false;
  } else if (expected === 'null') {
    // A field that is null has no type yet; only scalars may be written into it.
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  }
  throw new WeftError(422, 'invalid_update', `state field "${field}" expects a ${expected}, got ${value === null ? 'null' : typeof value}`, {
    field,
  });
}

/**
 * Applies `updates` to `state` in place. Refuses locked fields (400), fields the
 * state does not have (400) and values that cannot take the field's type (422).
 */
export function applyUpdates(
  state: Record<string, unknown>,
  updates: Record<string, unknown>,
  locked: readonly string[],
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
    state[field] = coerce(field, state[field], value);
  }
}
