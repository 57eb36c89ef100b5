/**
 * @module
 * The signed state blob that lets a component's state live in the browser between
 * events without the browser being able to change it.
 *
 * Format (docs/protocol.md, "State blob"):
 *
 *     v1.<base64url(JSON envelope)>.<base64url(HMAC-SHA256(secret, "v1." + base64url(JSON envelope)))>
 *
 * The envelope is `{"n": name, "i": id, "t": issued-at seconds, "k": key id, "s": state, "p"?: params, "c"?: child digest,
 * "w"?: bound fields, "g"?: groups, "q"?: group → last message id, "u"?: user key, "l"?: slot fills}`.
 * Because the component name sits inside the signed bytes, a blob issued to one
 * component cannot be replayed against another. The key id names the secret that
 * signed the blob, so a page from before a secret change is told it is out of date
 * instead of being treated as a forgery.
 */
import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { WeftError } from './errors.js';
import { findNonFinite } from './json.js';
import { isSlotSpec, type SlotSpec } from './slot-spec.js';

export interface StateCodecOptions {
  /** Signing secrets, newest first. The first signs; all verify (key rotation). */
  secrets: readonly string[];
  /** Blobs older than this are refused with `state_expired`. Default 24 hours. */
  maxAgeSeconds?: number;
  /**
   * Largest envelope (state, params and a few bytes of framing, as JSON) accepted
   * or produced, in bytes. Default 64 KiB. Encode and decode measure the same bytes,
   * so the server never issues a blob it would then refuse.
   */
  maxStateBytes?: number;
}

/** What a verified blob carries. */
export interface Envelope<S = unknown, P = unknown> {
  name: string;
  id: string;
  issuedAt: number;
  state: S;
  params: P;
  /** The digest the parent gave this component, if it was rendered as a child (`weft-child`). */
  child?: string | undefined;
  /** The state fields the render that issued the blob bound to inputs: the only ones `updates` may write. */
  bound: readonly string[];
  /** The groups the component joins, decided by the server at render time (never by the browser). */
  groups: readonly string[];
  /** For each group, the id of the last group message the state reflects: a rejoin replays what came after. */
  seqs: Readonly<Record<string, string>>;
  /** The key of the user it was issued to (absent: anonymous, or an app that names no users). */
  user?: string | undefined;
  /** The component's slot fills (slot-spec.ts), so its re-render after an event has them. */
  slots?: SlotSpec | undefined;
}

/** What a blob may carry besides name, id, state and params. */
export interface EnvelopeExtras {
  child?: string | undefined;
  bound?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
  seqs?: Readonly<Record<string, string>> | undefined;
  user?: string | undefined;
  slots?: SlotSpec | undefined;
}

const VERSION = 'v1';

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
/** base64url of a 32-byte HMAC-SHA256 digest is always 43 characters. */
const SIG_LENGTH = 43;

/**
 * The bytes of `text` if it is the one base64url spelling of them (the alphabet
 * `A-Z a-z 0-9 - _`, no padding, unused low bits of the last character zero),
 * else undefined. Encoding is canonical, so a round trip that gives the text back
 * proves it; anything else the decoder tolerates comes back different.
 */
function fromCanonicalBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * A secret's key id: the first 8 base64url characters of its SHA-256. It tells
 * secrets apart without saying anything useful about them.
 */
export function keyId(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url').slice(0, 8);
}

/**
 * The key id of a blob's envelope, read without verifying it, from the fixed
 * prefix `encode` writes (`{"n":…,"i":…,"t":…,"k":"…"`). Only ever used to refuse.
 * Anchored, and each character of a quoted string matches one way only, so the
 * scan is linear; it reads at most the first 3 KiB of the envelope.
 */
const KEY_ID = /^\{"n":"(?:[^"\\]|\\.)*","i":"(?:[^"\\]|\\.)*","t":-?\d+,"k":"([A-Za-z0-9_-]{8})"/;
function unverifiedKeyId(envelope: Buffer): string | undefined {
  return KEY_ID.exec(envelope.subarray(0, 3072).toString('utf8'))?.[1];
}

export class StateCodec {
  readonly maxAgeSeconds: number;
  readonly maxStateBytes: number;
  /** Imported once: an HMAC keyed by a KeyObject skips re-importing a string key per call. */
  readonly #keys: readonly KeyObject[];
  /** {@link keyId} of each secret, in the same order. */
  readonly #keyIds: readonly string[];

  constructor(options: StateCodecOptions) {
    if (options.secrets.length === 0) throw new TypeError('StateCodec needs at least one secret');
    this.#keys = options.secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
    this.#keyIds = options.secrets.map(keyId);
    this.maxAgeSeconds = options.maxAgeSeconds ?? 24 * 60 * 60;
    this.maxStateBytes = options.maxStateBytes ?? 64 * 1024;
  }

  #sign(key: KeyObject, signedPart: string): Buffer {
    return createHmac('sha256', key).update(signedPart).digest();
  }

  /**
   * Serialises and signs. Throws 413 `state_too_large` when the state is over the
   * cap, and a TypeError when it holds NaN or ±Infinity (a bug in the component).
   */
  encode(name: string, id: string, state: unknown, params?: unknown, now = Date.now(), extras: EnvelopeExtras = {}): string {
    const { child, bound, groups, seqs, user, slots } = extras;
    const hasParams = params !== undefined && !(typeof params === 'object' && params !== null && Object.keys(params).length === 0);
    const stateJson = JSON.stringify(state);
    // NaN and Infinity serialise as null: only a state whose JSON has a null can hold one.
    const nonFinite = stateJson.includes('null') ? findNonFinite(state, 'state') : undefined;
    if (nonFinite) throw new TypeError(`${nonFinite} is not a finite number; state must survive JSON unchanged`);
    const envelope =
      `{"n":${JSON.stringify(name)},"i":${JSON.stringify(id)},"t":${Math.floor(now / 1000)},"k":"${this.#keyIds[0]}","s":${stateJson}` +
      (hasParams ? `,"p":${JSON.stringify(params)}` : '') +
      (child === undefined ? '' : `,"c":${JSON.stringify(child)}`) +
      (bound === undefined || bound.length === 0 ? '' : `,"w":${JSON.stringify(bound)}`) +
      (groups === undefined || groups.length === 0 ? '' : `,"g":${JSON.stringify(groups)},"q":${JSON.stringify(seqs ?? {})}`) +
      (user === undefined ? '' : `,"u":${JSON.stringify(user)}`) +
      (slots === undefined ? '' : `,"l":${JSON.stringify(slots)}`) +
      '}';
    const bytes = Buffer.from(envelope);
    this.#checkSize(bytes.length, 'component state');
    const signedPart = `${VERSION}.${bytes.toString('base64url')}`;
    return `${signedPart}.${this.#sign(this.#keys[0] as KeyObject, signedPart).toString('base64url')}`;
  }

  #checkSize(size: number, what: string): void {
    if (size > this.maxStateBytes) {
      throw new WeftError(413, 'state_too_large', `${what} is ${size} bytes, over the ${this.maxStateBytes}-byte cap`, {
        size,
        limit: this.maxStateBytes,
      });
    }
  }

  /**
   * Verifies and opens a blob issued for component `expectedName`.
   * Every refusal is a `WeftError` whose message says which check failed.
   */
  decode<S = unknown, P = unknown>(blob: unknown, expectedName: string, now = Date.now()): Envelope<S, P> {
    if (typeof blob !== 'string' || blob.length === 0) {
      throw new WeftError(400, 'state_missing', 'request carries no component state');
    }
    // base64 inflates by 4/3: a blob longer than the cap allows is refused before any work.
    if (blob.length > Math.ceil((this.maxStateBytes * 4) / 3) + VERSION.length + SIG_LENGTH + 2) {
      this.#checkSize(Math.floor(((blob.length - VERSION.length - SIG_LENGTH - 2) * 3) / 4), 'state in request');
    }
    // At most 4 pieces: enough to see there are more than 3, without one string per dot.
    const parts = blob.split('.', 4);
    if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || parts[2]?.length !== SIG_LENGTH) {
      throw new WeftError(400, 'state_malformed', 'state blob is truncated or malformed');
    }
    // One spelling per blob: Node's decoder also takes `+/`, padding and any value of
    // the last character's unused bits, which would give one state several blobs.
    const given = fromCanonicalBase64url(parts[2]);
    const bytes = fromCanonicalBase64url(parts[1]);
    if (!given || !bytes) {
      throw new WeftError(400, 'state_malformed', 'state blob is not canonical base64url (RFC 4648 §5, unpadded)');
    }
    // Signed with a secret this server no longer has (a restart with a new one, or
    // a rotation that dropped it): the page is out of date, not forged. Refused
    // without checking the signature, so such a blob can never be accepted.
    const blobKey = unverifiedKeyId(bytes);
    if (blobKey !== undefined && !this.#keyIds.includes(blobKey)) {
      throw new WeftError(409, 'state_outdated', 'this page is out of date — reload (its state was signed with a secret this server no longer has)');
    }
    const signedPart = `${parts[0]}.${parts[1]}`;
    const valid = this.#keys.some((key) => {
      const expected = this.#sign(key, signedPart);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) {
      throw new WeftError(400, 'state_signature', 'state signature is invalid (tampered, or signed with another secret)');
    }
    this.#checkSize(bytes.length, 'state in request');
    let raw: { n?: unknown; i?: unknown; t?: unknown; s?: unknown; p?: unknown; c?: unknown; w?: unknown; g?: unknown; q?: unknown; u?: unknown; l?: unknown } | null;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      // Only reachable if a secret signed garbage, but never let it become a 500.
      throw new WeftError(400, 'state_malformed', 'state blob does not contain valid JSON');
    }
    // Same for signed JSON that is not an envelope: `null` has no fields to read,
    // and an issue time of 1e999 parses as Infinity, which would never expire.
    if (
      typeof raw !== 'object' ||
      raw === null ||
      typeof raw.n !== 'string' ||
      typeof raw.i !== 'string' ||
      typeof raw.t !== 'number' ||
      !Number.isFinite(raw.t) ||
      (raw.c !== undefined && typeof raw.c !== 'string') ||
      (raw.w !== undefined && !(Array.isArray(raw.w) && raw.w.every((f) => typeof f === 'string'))) ||
      (raw.g !== undefined && !(Array.isArray(raw.g) && raw.g.every((f) => typeof f === 'string'))) ||
      (raw.q !== undefined && !isStringMap(raw.q)) ||
      (raw.u !== undefined && typeof raw.u !== 'string') ||
      (raw.l !== undefined && !isSlotSpec(raw.l))
    ) {
      throw new WeftError(400, 'state_malformed', 'state envelope is missing name, id or issue time');
    }
    if (raw.n !== expectedName) {
      throw new WeftError(400, 'state_component', `state was issued to component "${raw.n}", not "${expectedName}"`);
    }
    const age = Math.floor(now / 1000) - raw.t;
    if (age > this.maxAgeSeconds) {
      throw new WeftError(400, 'state_expired', `state expired: issued ${age}s ago, max age is ${this.maxAgeSeconds}s`, {
        maxAgeSeconds: this.maxAgeSeconds,
      });
    }
    return {
      name: raw.n,
      id: raw.i,
      issuedAt: raw.t,
      state: raw.s as S,
      params: (raw.p ?? {}) as P,
      child: raw.c,
      bound: (raw.w as string[] | undefined) ?? [],
      groups: (raw.g as string[] | undefined) ?? [],
      seqs: (raw.q as Record<string, string> | undefined) ?? {},
      ...(raw.u !== undefined && { user: raw.u as string }),
      ...(raw.l !== undefined && { slots: raw.l as SlotSpec }),
    };
  }
}
