/**
 * @module
 * A component's own CSS and JS (`static css`, `static js`): what a class may
 * declare, the content read once and hashed, and the references a render
 * collects. A reference names a file under `<assetsPath>/c/` whose name
 * carries the hash of its content, so a URL is never reused for other content
 * and browsers may keep it for ever (served by src/transport/component-assets.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Where a component's CSS or JS comes from: the source text itself, or a
 * `file:` URL of a file next to the component
 * (`new URL('./cart.css', import.meta.url)`), read once.
 */
export type AssetSource = string | URL;

export type AssetKind = 'css' | 'js';

/** One asset a render used: what a page needs to link it. */
export interface AssetRef {
  readonly kind: AssetKind;
  /** base64url SHA-256 prefix of the content: the `data-weft-asset` value, and part of the URL. */
  readonly hash: string;
  /** The file name under `<assetsPath>/c/`: `<component name>.<hash>.<kind>`. */
  readonly file: string;
}

/** An asset's content, read once, with its compressed forms made when first asked for. */
export interface PreparedAsset {
  readonly kind: AssetKind;
  readonly hash: string;
  readonly body: Buffer;
  /** Content coding → compressed body (`null`: compressing did not make it smaller). */
  readonly encoded: Map<string, Buffer | null>;
}

/** Length of an asset hash: 96 bits of SHA-256, in base64url. */
export const ASSET_HASH_LENGTH = 16;

export const ASSET_KINDS: readonly AssetKind[] = ['css', 'js'];

/** The statics a class declares its assets with. */
interface WithAssets {
  css?: AssetSource | undefined;
  js?: AssetSource | undefined;
}

/**
 * Checks `static css` and `static js` when a class is registered: each is
 * absent, source text, or a `file:` URL. Another URL (a CDN's) is refused: a
 * page links that itself, and Weft serves only what it can hash.
 */
export function checkAssetSources(name: string, type: object): void {
  for (const kind of ASSET_KINDS) {
    const source = (type as WithAssets)[kind];
    if (source === undefined || typeof source === 'string') continue;
    if (!(source instanceof URL)) {
      throw new TypeError(`component "${name}": static ${kind} must be source text or a file URL (new URL('./file.${kind}', import.meta.url))`);
    }
    if (source.protocol !== 'file:') {
      throw new TypeError(
        `component "${name}": static ${kind} is ${source.protocol} URL; only file: URLs are served (link other ${kind === 'css' ? 'stylesheets' : 'scripts'} in your page's head)`,
      );
    }
  }
}

/** Asset content is a pure function of the source, so each file is read once per process. */
const files = new Map<string, Buffer>();
const prepared = new WeakMap<object, readonly PreparedAsset[]>();
const refs = new WeakMap<object, Map<string, readonly AssetRef[]>>();

function read(name: string, kind: AssetKind, source: AssetSource): Buffer {
  if (typeof source === 'string') return Buffer.from(source, 'utf8');
  let body = files.get(source.href);
  if (!body) {
    try {
      body = readFileSync(source);
    } catch (err) {
      throw new Error(`component "${name}": static ${kind} file ${source.href} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    files.set(source.href, body);
  }
  return body;
}

export function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, ASSET_HASH_LENGTH);
}

/**
 * The CSS and JS of class `type` (registered as `name`, for messages), read and
 * hashed on first use and kept. Empty content is no asset. Throws when a file
 * cannot be read.
 */
export function componentAssets(type: object, name: string): readonly PreparedAsset[] {
  let list = prepared.get(type);
  if (list) return list;
  const made: PreparedAsset[] = [];
  for (const kind of ASSET_KINDS) {
    const source = (type as WithAssets)[kind];
    if (source === undefined) continue;
    const body = read(name, kind, source);
    if (body.length > 0) made.push({ kind, hash: hashOf(body), body, encoded: new Map() });
  }
  list = made;
  prepared.set(type, list);
  return list;
}

/** The references to class `type`'s assets under the name it was rendered as. Kept, as a render asks on every instance. */
export function assetRefs(type: object, name: string): readonly AssetRef[] {
  let byName = refs.get(type);
  const known = byName?.get(name);
  if (known) return known;
  const list = componentAssets(type, name).map((a) => ({ kind: a.kind, hash: a.hash, file: `${name}.${a.hash}.${a.kind}` }));
  if (!byName) refs.set(type, (byName = new Map()));
  byName.set(name, list);
  return list;
}

/** Whether `value` has the shape of an asset hash (base64url, {@link ASSET_HASH_LENGTH} characters), without a regex. */
export function isAssetHash(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== ASSET_HASH_LENGTH) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}
