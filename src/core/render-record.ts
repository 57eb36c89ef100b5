/**
 * @module
 * What one render of one component instance did: the child keys it used, the
 * state fields it bound to inputs, and how much its children came to. A fresh
 * record starts before every render ({@link beginRender}), so positional child
 * keys restart at `_0`, and a field is writable by the browser only if this very
 * render bound it (docs/protocol.md, P3.6) — not a child's render, not markup
 * that merely contains `weft-model="…"`. The record also enforces the render
 * limits (docs/protocol.md, P4.2), so one request cannot make the server build an unbounded page.
 */
import { Buffer } from 'node:buffer';
import type { AssetRef } from './assets.js';
import { WeftError } from './errors.js';

/** Caps on what one render may produce (`maxResponseBytes`, `maxChildren` of `createWeft()`). */
export interface RenderLimits {
  /** Largest HTML one render may return, its children and root element included, in bytes. */
  readonly maxResponseBytes: number;
  /** Most `child()` calls one component may make in one render. */
  readonly maxChildren: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxResponseBytes: 1024 * 1024, maxChildren: 500 };

/**
 * No `-`, which joins keys into ids (so `a` + `b-c` and `a-b` + `c` cannot
 * meet), and no leading `_`, which marks positional keys.
 */
export const CHILD_KEY = /^[A-Za-z0-9][A-Za-z0-9_]{0,63}$/;

/** The first part of a slot fill's key, `slot-<name>`; never a `child()` key itself. */
export const SLOT_KEY = 'slot';

/** UTF-8 size of `html`, counted only when its length alone cannot decide against `limit`. */
function overLimit(html: string, limit: number): boolean {
  // Every UTF-16 unit is at least one byte and at most three.
  if (html.length > limit) return true;
  if (html.length * 3 <= limit) return false;
  return Buffer.byteLength(html, 'utf8') > limit;
}

function tooLarge(owner: string, limits: RenderLimits): WeftError {
  return new WeftError(
    413,
    'response_too_large',
    `the render of component "${owner}" is larger than ${limits.maxResponseBytes} bytes (maxResponseBytes)`,
    { limit: limits.maxResponseBytes },
  );
}

/** Refuses the HTML of a render (413 `response_too_large`) when it is over `maxResponseBytes`. */
export function checkRenderSize(owner: string, html: string, limits: RenderLimits): void {
  if (overLimit(html, limits.maxResponseBytes)) throw tooLarge(owner, limits);
}

export class RenderRecord {
  // Made on first use: most renders bind nothing and have no children, and a
  // live root keeps its last record for as long as its page stays connected.
  #keys: Set<string> | undefined;
  #unkeyed = 0;
  #bound: Set<string> | undefined;
  #childLength = 0;
  #assets: Map<string, AssetRef> | undefined;

  /**
   * Notes component assets this render used (its children's, then its own),
   * each once however many instances asked for it.
   */
  addAssets(assets: readonly AssetRef[] | undefined): void {
    if (!assets) return;
    for (const asset of assets) {
      const key = `${asset.kind}:${asset.hash}`;
      if (!this.#assets?.has(key)) (this.#assets ??= new Map()).set(key, asset);
    }
  }

  /** The component assets this render and its children used, in the order first used. */
  get assets(): AssetRef[] {
    return this.#assets ? [...this.#assets.values()] : [];
  }

  /** Notes that this render bound `field` to an input. */
  bind(field: string): void {
    (this.#bound ??= new Set()).add(field);
  }

  /** The fields this render bound, sorted: the `w` of its state blob. */
  get bound(): string[] {
    return this.#bound ? [...this.#bound].sort() : [];
  }

  /** How many children this render has asked for so far. */
  get children(): number {
    return this.#keys?.size ?? 0;
  }

  /**
   * Claims the key of the next child of `owner`: the given one, checked and
   * unique in this render, or the next positional `_<n>`. Past `maxChildren`
   * the render is refused before the child is mounted (413 `too_many_children`).
   */
  childKey(owner: string, key: string | number | undefined, limits: RenderLimits): string {
    let claimed: string;
    if (key === undefined) {
      claimed = `_${this.#unkeyed}`;
    } else {
      claimed = String(key);
      if (!CHILD_KEY.test(claimed)) {
        throw new TypeError(`child(): key ${JSON.stringify(claimed)} of a child of "${owner}" must match ${CHILD_KEY}`);
      }
      if (claimed === SLOT_KEY) throw new TypeError(`child(): key "${SLOT_KEY}" of a child of "${owner}" is reserved for slot fills`);
    }
    this.#claim(owner, claimed, limits);
    if (key === undefined) this.#unkeyed++;
    return claimed;
  }

  /**
   * Claims `slot-<name>`, the key of the component filling slot `name` (a slot
   * name is an identifier, so the one `-` in it and the reserved first part
   * keep its id apart from every `child()` key's).
   */
  slotKey(owner: string, name: string, limits: RenderLimits): string {
    const claimed = `${SLOT_KEY}-${name}`;
    this.#claim(owner, claimed, limits);
    return claimed;
  }

  #claim(owner: string, claimed: string, limits: RenderLimits): void {
    const keys = (this.#keys ??= new Set());
    if (keys.size >= limits.maxChildren) {
      throw new WeftError(
        413,
        'too_many_children',
        `component "${owner}" renders more than ${limits.maxChildren} children in one render (maxChildren)`,
        { limit: limits.maxChildren },
      );
    }
    if (keys.has(claimed)) throw new Error(`child(): "${owner}" renders two children with the key ${JSON.stringify(claimed)}`);
    keys.add(claimed);
  }

  /**
   * Counts a rendered child's HTML toward this render's size, so a render that
   * builds many large children stops as soon as they are over the cap, not
   * after all of them are built. Characters are counted here (a lower bound of
   * the bytes, and cheap); the whole render is measured exactly when it ends.
   */
  addChild(owner: string, html: string, limits: RenderLimits): void {
    this.#childLength += html.length;
    if (this.#childLength > limits.maxResponseBytes) throw tooLarge(owner, limits);
  }
}

const records = new WeakMap<object, RenderRecord>();

/** Called by the lifecycle before each render of `instance`; returns its fresh record. */
export function beginRender(instance: object): RenderRecord {
  const record = new RenderRecord();
  records.set(instance, record);
  return record;
}

/** The record of `instance`'s current (or last) render. */
export function renderRecord(instance: object): RenderRecord {
  let record = records.get(instance);
  if (!record) records.set(instance, (record = new RenderRecord()));
  return record;
}
