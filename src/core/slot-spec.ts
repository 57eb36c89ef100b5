/**
 * @module
 * How a component's slot fills travel in its state blob (the envelope's `l`,
 * docs/protocol.md P2.1): per slot either `{ "h": html }` or
 * `{ "c": component name, "p"?: params, "l"?: that component's own fills }`.
 * The blob is the only memory a component has between requests, so its fills
 * ride in it like its params do: the host's re-render after an event renders
 * the same fills. Kept apart from the slot runtime (slots.ts) so the codec
 * checks the shape without knowing about components.
 */
import { isPlainObject } from './json.js';

/** One slot's fill as the blob carries it. */
export type SlotFillSpec = { readonly h: string } | { readonly c: string; readonly p?: object; readonly l?: SlotSpec };

/** Slot name → fill, as the blob carries it. */
export type SlotSpec = Readonly<Record<string, SlotFillSpec>>;

/** Longest slot name: a slot's name goes into its child's element id. */
const MAX_SLOT_NAME = 64;

/**
 * True for an identifier of at most 64 characters: a letter or `_`, then
 * letters, digits and `_` — no `-`, which joins keys into element ids — and
 * not `__proto__`, which an object literal or `JSON.parse` treats specially.
 * A character scan, so no regular expression meets the name.
 */
export function isSlotName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_SLOT_NAME || name === '__proto__') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** True when `value` is a well-formed {@link SlotSpec} (checked when a blob is opened). */
export function isSlotSpec(value: unknown): value is SlotSpec {
  if (!isPlainObject(value)) return false;
  for (const [name, fill] of Object.entries(value)) {
    if (!isSlotName(name) || !isPlainObject(fill)) return false;
    const keys = Object.keys(fill);
    if (typeof fill.h === 'string') {
      if (keys.length !== 1) return false;
    } else if (typeof fill.c === 'string') {
      if (keys.some((k) => k !== 'c' && k !== 'p' && k !== 'l')) return false;
      if (fill.p !== undefined && !isPlainObject(fill.p)) return false;
      if (fill.l !== undefined && !isSlotSpec(fill.l)) return false;
    } else {
      return false;
    }
  }
  return true;
}
