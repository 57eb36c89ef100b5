/**
 * @module
 * The render cache as a stage of views and pages: whether a render may be
 * served from the cache (and under which key), and keeping it. Only whole
 * renders for a view or a page are cached; events never read it.
 *
 * The safe default is automatic: a request with a user bypasses the cache
 * unless the component's key function read the user (so the key can tell
 * users apart), and a component whose permissions need its state is never
 * cached (they could not be checked without rendering it).
 */
import type { ComponentClass, ComponentContext } from '../../core/component.js';
import { canonicalJson } from '../../core/lifecycle.js';
import type { CacheKeyInput, CacheOption } from '../../core/policy.js';
import { etagOf } from './etag.js';
import type { CacheEntry, RenderCacheStore } from './store.js';
import type { AssetRef } from '../../core/assets.js';

/** Where one render is kept: found before rendering, used after. */
export interface CachePlan {
  key: string;
  ttl: number;
  tags: readonly string[];
}

/** Checks a component's `static cache` at start-up. */
export function checkCacheOption(option: unknown, where: string, maxAgeSeconds: number): void {
  if (option === undefined) return;
  const o = option as Partial<CacheOption>;
  if (typeof option !== 'object' || option === null || typeof o.ttl !== 'number' || !Number.isInteger(o.ttl) || o.ttl < 1) {
    throw new TypeError(`${where} must be { ttl: <whole seconds ≥ 1>, key?, tags?, http? }`);
  }
  // A cached render carries a signed state blob: it must not outlive the blob.
  if (o.ttl > maxAgeSeconds) throw new TypeError(`${where}.ttl (${o.ttl} s) is longer than the app's stateMaxAge (${maxAgeSeconds} s)`);
  if (o.key !== undefined && typeof o.key !== 'function') throw new TypeError(`${where}.key must be a function`);
  if (o.tags !== undefined && typeof o.tags !== 'function') throw new TypeError(`${where}.tags must be a function`);
  if (o.http !== undefined) {
    const { maxAge, scope } = o.http;
    if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || (scope !== undefined && scope !== 'public' && scope !== 'private')) {
      throw new TypeError(`${where}.http must be { maxAge: <whole seconds>, scope?: 'public' | 'private' }`);
    }
  }
}

export class RenderCache {
  readonly store: RenderCacheStore;
  readonly #userKey: (user: unknown) => string | undefined;

  /** `userKey` is the app's: the key a user's blobs are bound to. */
  constructor(store: RenderCacheStore, userKey: (user: unknown) => string | undefined = () => undefined) {
    this.store = store;
    this.#userKey = userKey;
  }

  /**
   * The plan for rendering `type` with `params` for this request, or
   * `undefined` when this render must not come from (or go to) the cache.
   */
  plan(name: string, type: ComponentClass, params: object, context: ComponentContext): CachePlan | undefined {
    const option = type.cache;
    if (!option) return undefined;
    if ((type.permissions ?? []).some((p) => p.stage === 'component')) return undefined;
    let readUser = false;
    const input: CacheKeyInput = {
      name,
      params: params as Record<string, unknown>,
      get user() {
        readUser = true;
        return context.user;
      },
    };
    const key = option.key ? option.key(input) : canonicalJson(params);
    if (typeof key !== 'string') throw new TypeError(`${name}: static cache.key must return a string`);
    if (context.user !== undefined && !readUser) return undefined;
    const tags = option.tags?.({ name, params: params as Record<string, unknown> }) ?? [];
    // A key that read the user is kept per user even if it forgot to include
    // them: the HTML carries a state blob bound to its user, and must never
    // reach another (invalidate() by key drops one user's entry only).
    const user = readUser ? this.#userKey(context.user) : undefined;
    return { key: entryKey(name, user === undefined ? key : `${key}\u0000u:${user}`), ttl: option.ttl, tags };
  }

  get(plan: CachePlan): Promise<CacheEntry | undefined> {
    return this.store.get(plan.key);
  }

  async set(plan: CachePlan, html: string, assets?: readonly AssetRef[]): Promise<CacheEntry> {
    const entry: CacheEntry = { html, etag: etagOf(html), storedAt: Date.now(), ...(assets && assets.length > 0 && { assets }) };
    await this.store.set(plan.key, entry, { ttlSeconds: plan.ttl, tags: plan.tags });
    return entry;
  }

  /**
   * Drops the entry `key` (as the component's key function returned it) of
   * component `name`; for a key that read the user, that user's entry.
   */
  invalidateKey(name: string, key: string, user?: unknown): Promise<void> {
    const who = user === undefined ? undefined : this.#userKey(user);
    return this.store.delete(entryKey(name, who === undefined ? key : `${key}\u0000u:${who}`));
  }

  invalidateTag(tag: string): Promise<void> {
    return this.store.invalidateTag(tag);
  }
}

/** Keys of different components never meet. */
function entryKey(name: string, key: string): string {
  return `${name}:${key}`;
}
