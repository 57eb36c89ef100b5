/**
 * @module
 * A small signed-cookie session for apps that have no session of their own, so
 * components can know who is logged in.
 *
 * The cookie value is
 *
 *     base64url(JSON {"d": data, "e": expires-at seconds}) "." base64url(HMAC-SHA256(secret, payload))
 *
 * It is signed, not encrypted: **the browser (and anyone who sees the cookie) can
 * read the data**. Put ids there (a user id, a role), never secrets. The signature
 * only stops the data from being changed or made up.
 *
 * The expiry sits inside the signed payload and is checked here, so a cookie kept
 * past its `Max-Age` (a client that ignores it, or a copied value) is still
 * refused. Logging out with {@link CookieSession.clear} only deletes the cookie in
 * that browser: a copy taken earlier stays valid until it expires. Two sessions
 * that share a secret accept each other's cookies, so give each its own.
 *
 * @example
 * const session = createCookieSession<{ userId: string }>({ secret: process.env.SESSION_SECRET ?? '' });
 * // after checking a password: res.setHeader('Set-Cookie', session.serialize({ userId: user.id }));
 * // on logout:                  res.setHeader('Set-Cookie', session.clear());
 * // for the app's `user` option, so components see the logged-in user:
 * const user = session.user((data) => users.get(data.userId));
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { parse, serialize, type SerializeOptions } from 'cookie';

export interface CookieSessionOptions {
  /** HMAC secret(s), newest first; older ones still verify (rotation). Each ≥ 32 chars. */
  secret: string | readonly string[];
  /** The cookie's name. Default `weft_session`. */
  name?: string;
  /** How long a session lasts after it is written, in whole seconds. Default 14 days. */
  maxAgeSeconds?: number;
  /** Send the cookie over https only. Default true when `NODE_ENV=production`. */
  secure?: boolean;
  /** Default `Lax`, which still sends the cookie when a link from another site is followed. */
  sameSite?: 'Lax' | 'Strict';
  /** Default `/`. */
  path?: string;
}

export interface CookieSession<D extends object> {
  readonly name: string;
  /** The session data from a Cookie header (or a headers object with a `cookie` member), or undefined when absent, tampered, malformed or expired. Never throws. */
  read(cookie: string | { cookie?: string | undefined } | undefined): D | undefined;
  /** A Set-Cookie header value holding `data` (HttpOnly, SameSite, Path, Max-Age, Secure when set). Throws when the cookie would exceed 4096 bytes. */
  serialize(data: D): string;
  /** A Set-Cookie header value that deletes the cookie. */
  clear(): string;
  /** A `user` function for the app: reads the session from the request's Cookie header and returns `pick(data)`. */
  user<U>(pick: (data: D) => U | undefined): (input: { request: { headers: Readonly<Record<string, string | undefined>> } }) => U | undefined;
}

const MIN_SECRET_LENGTH = 32;
const DEFAULT_MAX_AGE = 14 * 24 * 60 * 60;
/**
 * What browsers promise to keep for one cookie (RFC 6265 §6.1). A larger one may
 * be dropped without a word, and the user would seem logged out at random, so
 * serialize refuses it. Measured over the whole Set-Cookie value, attributes too.
 */
const MAX_COOKIE_BYTES = 4096;
/** HMAC-SHA256 digests are 32 bytes. */
const SIGNATURE_BYTES = 32;

/** RFC 7230 `tchar`s besides letters and digits: what a cookie name may be made of. */
const NAME_SYMBOLS = "!#$%&'*+-.^_`|~";

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (const char of text) {
    const alphanumeric = (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9');
    if (!alphanumeric && !NAME_SYMBOLS.includes(char)) return false;
  }
  return true;
}

/** A path attribute value: starts with `/`, printable ASCII, no `;` (which would start another attribute). */
function isCookiePath(text: string): boolean {
  if (!text.startsWith('/')) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x3b) return false;
  }
  return true;
}

/**
 * The bytes of `text` if it is the one base64url spelling of them (no padding, no
 * stray characters, unused low bits zero), else undefined. Node's decoder skips
 * what it does not understand, so only a round trip that gives the text back
 * proves the text was canonical.
 */
function fromCanonicalBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The secrets as a non-empty list, each long enough; throws with what is wrong (never the secret itself). */
function checkSecrets(secret: unknown): readonly string[] {
  const secrets: readonly unknown[] = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? secret : [];
  if (secrets.length === 0) {
    throw new Error('createCookieSession: `secret` must be a string or a non-empty array of strings');
  }
  secrets.forEach((one, index) => {
    const which = secrets.length === 1 ? 'secret' : `secret[${index}]`;
    if (typeof one !== 'string') throw new Error(`createCookieSession: ${which} must be a string`);
    if (one.length < MIN_SECRET_LENGTH) {
      throw new Error(
        `createCookieSession: ${which} is ${one.length} characters; it must be at least ${MIN_SECRET_LENGTH} ` +
          "(a random one: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\")",
      );
    }
  });
  return secrets as readonly string[];
}

/** The cookie name, checked, including the rules browsers apply to the `__Host-` and `__Secure-` prefixes. */
function checkName(name: unknown, secure: boolean, path: string): string {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new Error(`createCookieSession: invalid cookie name ${JSON.stringify(name)}: use letters, digits and !#$%&'*+-.^_\`|~`);
  }
  // Browsers drop these cookies silently when the rules are not met; fail loudly here instead.
  const lower = name.toLowerCase();
  if ((lower.startsWith('__host-') || lower.startsWith('__secure-')) && !secure) {
    throw new Error(`createCookieSession: a cookie named ${name} needs secure: true`);
  }
  if (lower.startsWith('__host-') && path !== '/') {
    throw new Error(`createCookieSession: a cookie named ${name} needs path '/'`);
  }
  return name;
}

export function createCookieSession<D extends object = Record<string, unknown>>(options: CookieSessionOptions): CookieSession<D> {
  if (!isObject(options)) throw new Error('createCookieSession: options must be an object');
  const secrets = checkSecrets(options.secret);
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE;
  if (!Number.isSafeInteger(maxAge) || maxAge < 1) {
    throw new Error(`createCookieSession: maxAgeSeconds must be a whole number of seconds ≥ 1, got ${String(maxAge)}`);
  }
  const secure = options.secure ?? process.env.NODE_ENV === 'production';
  if (typeof secure !== 'boolean') throw new Error('createCookieSession: secure must be true or false');
  const sameSite = options.sameSite ?? 'Lax';
  if (sameSite !== 'Lax' && sameSite !== 'Strict') {
    throw new Error(`createCookieSession: sameSite must be 'Lax' or 'Strict', got ${JSON.stringify(sameSite)}`);
  }
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !isCookiePath(path)) {
    throw new Error(`createCookieSession: path must start with '/' and hold printable ASCII without ';', got ${JSON.stringify(path)}`);
  }
  const name = checkName(options.name ?? 'weft_session', secure, path);

  // Imported once: an HMAC keyed by a KeyObject does not re-import a string key per call.
  const keys: readonly KeyObject[] = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  const sign = (key: KeyObject, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();

  const attributes: SerializeOptions = {
    httpOnly: true,
    sameSite: sameSite === 'Lax' ? 'lax' : 'strict',
    path,
    secure,
  };
  // Built now, so anything the cookie package would refuse shows up at creation, not at logout.
  const clearHeader = serialize(name, '', { ...attributes, maxAge: 0, expires: new Date(0) });

  /** The data in a cookie value when it is well formed, signed by one of the secrets and not expired. */
  function verify(value: string, nowSeconds: number): D | undefined {
    if (value.length > MAX_COOKIE_BYTES) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0 || value.indexOf('.', dot + 1) !== -1) return undefined;
    const payload = value.slice(0, dot);
    const signature = fromCanonicalBase64url(value.slice(dot + 1));
    if (signature === undefined || signature.length !== SIGNATURE_BYTES) return undefined;
    const bytes = fromCanonicalBase64url(payload);
    if (bytes === undefined) return undefined;
    // Both buffers are SIGNATURE_BYTES long, as timingSafeEqual requires.
    if (!keys.some((key) => timingSafeEqual(sign(key, payload), signature))) return undefined;
    const envelope: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isObject(envelope) || !isObject(envelope.d)) return undefined;
    const expires = envelope.e;
    if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires <= nowSeconds) return undefined;
    return envelope.d as D;
  }

  function read(cookie: string | { cookie?: string | undefined } | undefined): D | undefined {
    try {
      const header = typeof cookie === 'string' ? cookie : isObject(cookie) ? cookie.cookie : undefined;
      if (typeof header !== 'string') return undefined;
      // No percent-decoding: a value we wrote is plain base64url, and a second
      // spelling of it would only be a way around the canonical check.
      const value = parse(header, { decode: (text) => text })[name];
      return value === undefined ? undefined : verify(value, Math.floor(Date.now() / 1000));
    } catch {
      // Whatever the header holds, an unreadable session is no session.
      return undefined;
    }
  }

  return {
    name,
    read,
    serialize(data: D): string {
      if (!isObject(data)) throw new TypeError('CookieSession.serialize: session data must be an object');
      const expires = Math.floor(Date.now() / 1000) + maxAge;
      const payload = Buffer.from(JSON.stringify({ d: data, e: expires }), 'utf8').toString('base64url');
      const value = `${payload}.${sign(keys[0] as KeyObject, payload).toString('base64url')}`;
      const header = serialize(name, value, { ...attributes, maxAge });
      const size = Buffer.byteLength(header, 'utf8');
      if (size > MAX_COOKIE_BYTES) {
        throw new Error(
          `CookieSession.serialize: the ${name} cookie would be ${size} bytes, over the ${MAX_COOKIE_BYTES} browsers keep; ` +
            'store an id in the session and keep the rest on the server',
        );
      }
      return header;
    },
    clear: () => clearHeader,
    user<U>(pick: (data: D) => U | undefined) {
      return (input: { request: { headers: Readonly<Record<string, string | undefined>> } }): U | undefined => {
        const data = read(input.request.headers);
        return data === undefined ? undefined : pick(data);
      };
    },
  };
}
