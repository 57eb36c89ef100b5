import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, describe, it, mock } from 'node:test';
import { parseSetCookie } from 'cookie';
import { createCookieSession, type CookieSessionOptions } from './index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const OLD_SECRET = 'an-older-secret-that-is-also-long-enough-9876';

interface Data {
  userId: string;
  role?: string;
}

function session(options: Partial<CookieSessionOptions> = {}) {
  return createCookieSession<Data>({ secret: SECRET, secure: false, ...options });
}

/** The `name=value` pair of a Set-Cookie header value, as a browser would send it back. */
function cookieOf(setCookie: string): string {
  return setCookie.slice(0, setCookie.indexOf(';'));
}

/** The cookie value (after `name=`) of a Set-Cookie header value. */
function valueOf(setCookie: string): string {
  return cookieOf(setCookie).slice(cookieOf(setCookie).indexOf('=') + 1);
}

/** A cookie value for `envelope`, signed the way the module signs, so tests can build what it would not. */
function forge(envelope: unknown, secret = SECRET): string {
  const payload = Buffer.from(JSON.stringify(envelope)).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

afterEach(() => mock.timers.reset());

describe('createCookieSession', () => {
  describe('round trip', () => {
    it('reads back what it wrote, from a Cookie header or a headers object', () => {
      const s = session();
      const header = s.serialize({ userId: 'u1', role: 'admin' });
      assert.deepEqual(s.read(cookieOf(header)), { userId: 'u1', role: 'admin' });
      assert.deepEqual(s.read({ cookie: `theme=dark; ${cookieOf(header)}; other=1` }), { userId: 'u1', role: 'admin' });
    });

    it('keeps non-ASCII data intact', () => {
      const s = session();
      assert.deepEqual(s.read(cookieOf(s.serialize({ userId: 'Zoë ✓ 用户' }))), { userId: 'Zoë ✓ 用户' });
    });

    it('writes the default name weft_session, or the one given', () => {
      assert.equal(session().name, 'weft_session');
      assert.ok(session().serialize({ userId: 'u1' }).startsWith('weft_session='));
      const named = session({ name: 'sid' });
      assert.equal(named.name, 'sid');
      assert.ok(named.serialize({ userId: 'u1' }).startsWith('sid='));
      // A cookie under another name is not this session.
      assert.equal(named.read(cookieOf(session().serialize({ userId: 'u1' }))), undefined);
    });

    it('puts readable JSON with the data and an expiry in the payload (signed, not encrypted)', () => {
      mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
      const value = valueOf(session({ maxAgeSeconds: 60 }).serialize({ userId: 'u1' }));
      const [payload, signature] = value.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(payload as string, 'base64url').toString()), { d: { userId: 'u1' }, e: 1_700_000_060 });
      assert.equal(Buffer.from(signature as string, 'base64url').length, 32);
    });
  });

  describe('read gives undefined, without throwing, for', () => {
    const s = session();
    const good = valueOf(s.serialize({ userId: 'u1' }));
    const [payload, signature] = good.split('.') as [string, string];

    it('a missing cookie or header', () => {
      assert.equal(s.read(undefined), undefined);
      assert.equal(s.read(''), undefined);
      assert.equal(s.read('other=1; theme=dark'), undefined);
      assert.equal(s.read({}), undefined);
      assert.equal(s.read({ cookie: undefined }), undefined);
      // What JavaScript callers might pass despite the types.
      assert.equal(s.read(null as never), undefined);
      assert.equal(s.read({ cookie: ['weft_session=x'] } as never), undefined);
      assert.equal(s.read(42 as never), undefined);
    });

    it('a tampered payload', () => {
      const changed = Buffer.from(JSON.stringify({ d: { userId: 'admin' }, e: nowSeconds() + 3600 })).toString('base64url');
      assert.equal(s.read(`weft_session=${changed}.${signature}`), undefined);
      // One character changed in place.
      const flipped = (payload[5] === 'A' ? 'B' : 'A');
      assert.equal(s.read(`weft_session=${payload.slice(0, 5)}${flipped}${payload.slice(6)}.${signature}`), undefined);
    });

    it('a tampered signature', () => {
      const flipped = signature[0] === 'A' ? 'B' : 'A';
      assert.equal(s.read(`weft_session=${payload}.${flipped}${signature.slice(1)}`), undefined);
      assert.equal(s.read(`weft_session=${payload}.${signature.slice(0, -1)}`), undefined);
      assert.equal(s.read(`weft_session=${payload}.`), undefined);
      assert.equal(s.read(`weft_session=${payload}`), undefined);
    });

    it('a cookie signed with another secret', () => {
      const other = createCookieSession<Data>({ secret: OLD_SECRET, secure: false });
      assert.equal(s.read(cookieOf(other.serialize({ userId: 'u1' }))), undefined);
      assert.equal(s.read(`weft_session=${forge({ d: { userId: 'u1' }, e: nowSeconds() + 60 }, OLD_SECRET)}`), undefined);
    });

    it('an expired cookie, checked on the server whatever the browser kept', () => {
      mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
      const short = session({ maxAgeSeconds: 60 });
      const header = cookieOf(short.serialize({ userId: 'u1' }));
      mock.timers.tick(59_000);
      assert.deepEqual(short.read(header), { userId: 'u1' });
      mock.timers.tick(1_000);
      assert.equal(short.read(header), undefined);
      // Correctly signed but past its expiry.
      assert.equal(s.read(`weft_session=${forge({ d: { userId: 'u1' }, e: nowSeconds() - 1 })}`), undefined);
    });

    it('a validly signed payload that is not a session envelope', () => {
      const future = nowSeconds() + 3600;
      assert.deepEqual(s.read(`weft_session=${forge({ d: { userId: 'u1' }, e: future })}`), { userId: 'u1' }, 'the forge helper signs as the module does');
      for (const envelope of [
        { d: { userId: 'u1' } },
        { d: { userId: 'u1' }, e: String(future) },
        { d: { userId: 'u1' }, e: future + 0.5 },
        { d: 'u1', e: future },
        { d: null, e: future },
        { e: future },
        [{ userId: 'u1' }, future],
        'text',
        null,
      ]) {
        assert.equal(s.read(`weft_session=${forge(envelope)}`), undefined, JSON.stringify(envelope));
      }
      const notJson = Buffer.from('{"d":').toString('base64url');
      assert.equal(s.read(`weft_session=${notJson}.${createHmac('sha256', SECRET).update(notJson).digest('base64url')}`), undefined);
    });

    it('a non-canonical spelling of a good cookie', () => {
      const padded = (text: string): string => text + '='.repeat((4 - (text.length % 4)) % 4);
      const standard = (text: string): string => Buffer.from(text, 'base64url').toString('base64');
      assert.notEqual(padded(signature), signature, 'a 32-byte signature needs padding in base64');
      assert.equal(s.read(`weft_session=${payload}.${padded(signature)}`), undefined);
      assert.equal(s.read(`weft_session=${padded(payload)}x.${signature}`), undefined);
      assert.equal(s.read(`weft_session=${payload}.${signature}.`), undefined);
      assert.equal(s.read(`weft_session=${payload}.${signature}.${signature}`), undefined);
      // Stray characters Node's decoder would skip.
      assert.equal(s.read(`weft_session=${payload}.${signature.slice(0, 10)}!${signature.slice(10)}`), undefined);
      assert.equal(s.read(`weft_session=${payload}!.${signature}`), undefined);
      // Unused low bits set in the signature's last character: it decodes to the same bytes.
      const last = signature.at(-1) as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sameBytes = alphabet[alphabet.indexOf(last) + 1] as string;
      assert.deepEqual(Buffer.from(signature.slice(0, -1) + sameBytes, 'base64url'), Buffer.from(signature, 'base64url'));
      assert.equal(s.read(`weft_session=${payload}.${signature.slice(0, -1)}${sameBytes}`), undefined);
      // Percent-encoded: a browser sends back exactly what it was given, and this is not it.
      assert.equal(s.read(`weft_session=${payload}%2E${signature}`), undefined);
      if (standard(payload) !== payload) assert.equal(s.read(`weft_session=${standard(payload)}.${signature}`), undefined);
    });

    it('garbage', () => {
      for (const header of [
        'weft_session=',
        'weft_session=.',
        'weft_session=..',
        'weft_session=garbage',
        'weft_session=%E0%A4%A',
        'weft_session="quoted.value"',
        '=====',
        ';;;;',
        'weft_session',
        `weft_session=${'A'.repeat(5000)}.${signature}`,
        `weft_session=${'a.'.repeat(3000)}`,
        '\u0000\uffff\ud800',
      ]) {
        assert.equal(s.read(header), undefined, header.slice(0, 40));
      }
    });
  });

  describe('secret rotation', () => {
    it('reads a cookie signed with an older secret and signs new ones with the newest', () => {
      const before = createCookieSession<Data>({ secret: OLD_SECRET, secure: false });
      const oldCookie = cookieOf(before.serialize({ userId: 'u1' }));
      const after = createCookieSession<Data>({ secret: [SECRET, OLD_SECRET], secure: false });
      assert.deepEqual(after.read(oldCookie), { userId: 'u1' });

      const newCookie = cookieOf(after.serialize({ userId: 'u2' }));
      assert.deepEqual(session().read(newCookie), { userId: 'u2' }, 'signed with the first secret');
      assert.equal(before.read(newCookie), undefined);
    });

    it('stops reading a cookie once its secret is dropped', () => {
      const oldCookie = cookieOf(createCookieSession<Data>({ secret: OLD_SECRET, secure: false }).serialize({ userId: 'u1' }));
      assert.equal(createCookieSession<Data>({ secret: [SECRET], secure: false }).read(oldCookie), undefined);
    });
  });

  describe('Set-Cookie', () => {
    it('is HttpOnly, SameSite=Lax, Path=/ and lasts 14 days by default', () => {
      const header = session().serialize({ userId: 'u1' });
      const attributes = header.split('; ').slice(1);
      assert.ok(attributes.includes('HttpOnly'), header);
      assert.ok(attributes.includes('SameSite=Lax'), header);
      assert.ok(attributes.includes('Path=/'), header);
      assert.ok(attributes.includes(`Max-Age=${14 * 24 * 60 * 60}`), header);
      assert.ok(!attributes.includes('Secure'), header);
    });

    it('follows the options', () => {
      const header = session({ secure: true, sameSite: 'Strict', path: '/app', maxAgeSeconds: 3600 }).serialize({ userId: 'u1' });
      const parsed = parseSetCookie(header);
      assert.equal(parsed.secure, true);
      assert.equal(parsed.sameSite, 'strict');
      assert.equal(parsed.path, '/app');
      assert.equal(parsed.maxAge, 3600);
      assert.equal(parsed.httpOnly, true);
    });

    it('is Secure by default in production only', () => {
      const saved = process.env.NODE_ENV;
      try {
        process.env.NODE_ENV = 'production';
        assert.match(createCookieSession({ secret: SECRET }).serialize({}), /; Secure(;|$)/);
        assert.doesNotMatch(createCookieSession({ secret: SECRET, secure: false }).serialize({}), /Secure/);
        process.env.NODE_ENV = 'development';
        assert.doesNotMatch(createCookieSession({ secret: SECRET }).serialize({}), /Secure/);
      } finally {
        if (saved === undefined) delete process.env.NODE_ENV;
        else process.env.NODE_ENV = saved;
      }
    });

    it('clear() deletes the cookie: empty value, Max-Age=0, Expires in the past, same Path and flags', () => {
      const header = session({ secure: true, path: '/app' }).clear();
      const parsed = parseSetCookie(header);
      assert.equal(parsed.name, 'weft_session');
      assert.equal(parsed.value, '');
      assert.equal(parsed.maxAge, 0);
      assert.ok(parsed.expires !== undefined && parsed.expires.getTime() < Date.now(), header);
      assert.equal(parsed.path, '/app');
      assert.equal(parsed.httpOnly, true);
      assert.equal(parsed.secure, true);
      assert.equal(session().read(cookieOf(header)), undefined);
    });

    it('throws when the cookie would be over 4096 bytes, and not a byte sooner', () => {
      const s = session();
      let largest = '';
      let size = 2800;
      for (; size < 3200; size++) {
        try {
          largest = s.serialize({ userId: 'x'.repeat(size) });
        } catch (err) {
          assert.match((err as Error).message, /weft_session cookie would be (\d+) bytes, over the 4096 .*store an id/);
          assert.ok(Number((err as Error).message.match(/would be (\d+) bytes/)?.[1]) > 4096);
          break;
        }
      }
      assert.ok(size > 2800 && size < 3200, `the first size refused was ${size}`);
      // Base64 grows four characters at a time, so the largest accepted is within 4 bytes of the limit.
      assert.ok(Buffer.byteLength(largest) <= 4096 && Buffer.byteLength(largest) > 4092, String(Buffer.byteLength(largest)));
      assert.throws(() => s.serialize({ userId: 'x'.repeat(10_000) }), /weft_session cookie would be \d+ bytes/);
    });

    it('refuses data that is not an object', () => {
      assert.throws(() => session().serialize('u1' as never), TypeError);
      assert.throws(() => session().serialize(null as never), TypeError);
    });
  });

  describe('user(pick)', () => {
    const s = session();
    const users = new Map([['u1', { id: 'u1', name: 'Ada' }]]);
    const user = s.user((data) => users.get(data.userId));
    const request = (headers: Record<string, string | undefined>) => ({ request: { headers } });

    it('returns the picked user from the request headers', () => {
      const cookie = cookieOf(s.serialize({ userId: 'u1' }));
      assert.deepEqual(user(request({ cookie: `a=1; ${cookie}`, host: 'app.test' })), { id: 'u1', name: 'Ada' });
    });

    it('returns what pick returns, including undefined for an unknown id', () => {
      assert.equal(user(request({ cookie: cookieOf(s.serialize({ userId: 'gone' })) })), undefined);
    });

    it('returns undefined without calling pick when there is no valid cookie', () => {
      const pick = mock.fn((data: Data) => data.userId);
      const picker = s.user(pick);
      assert.equal(picker(request({})), undefined);
      assert.equal(picker(request({ cookie: 'other=1' })), undefined);
      assert.equal(picker(request({ cookie: 'weft_session=forged.value' })), undefined);
      assert.equal(pick.mock.callCount(), 0);
    });
  });

  describe('options are checked at creation', () => {
    it('refuses a short or missing secret, without echoing it', () => {
      assert.throws(() => createCookieSession({ secret: 'short-secret' }), (err: Error) => {
        assert.match(err.message, /secret is 12 characters; it must be at least 32/);
        assert.doesNotMatch(err.message, /short-secret/);
        return true;
      });
      assert.throws(() => createCookieSession({ secret: [SECRET, 'x'.repeat(31)] }), /secret\[1\] is 31 characters/);
      assert.throws(() => createCookieSession({ secret: [] }), /non-empty array/);
      assert.throws(() => createCookieSession({ secret: undefined as never }), /non-empty array/);
      assert.throws(() => createCookieSession({ secret: [42 as never] }), /secret must be a string/);
      assert.doesNotThrow(() => createCookieSession({ secret: 'x'.repeat(32) }));
    });

    it('refuses a bad cookie name', () => {
      for (const name of ['', 'a b', 'a;b', 'a=b', 'sess,ion', 'séance', 'a\nb', '(x)']) {
        assert.throws(() => session({ name }), /invalid cookie name/, JSON.stringify(name));
      }
      assert.throws(() => session({ name: 42 as never }), /invalid cookie name/);
      assert.doesNotThrow(() => session({ name: "my-app.sess_1!#$%&'*+^`|~" }));
    });

    it('holds the __Host- and __Secure- prefixes to the rules browsers enforce', () => {
      assert.throws(() => session({ name: '__Host-sid', secure: false }), /needs secure: true/);
      assert.throws(() => session({ name: '__secure-sid', secure: false }), /needs secure: true/);
      assert.throws(() => session({ name: '__Host-sid', secure: true, path: '/app' }), /needs path '\/'/);
      assert.doesNotThrow(() => session({ name: '__Host-sid', secure: true }));
      assert.doesNotThrow(() => session({ name: '__Secure-sid', secure: true, path: '/app' }));
    });

    it('refuses bad maxAgeSeconds, sameSite, path and secure values', () => {
      for (const maxAgeSeconds of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60' as never]) {
        assert.throws(() => session({ maxAgeSeconds }), /maxAgeSeconds must be a whole number/, String(maxAgeSeconds));
      }
      assert.throws(() => session({ sameSite: 'None' as never }), /sameSite must be 'Lax' or 'Strict'/);
      assert.throws(() => session({ sameSite: 'lax' as never }), /sameSite must be 'Lax' or 'Strict'/);
      for (const path of ['', 'app', '/a;b', '/a\nb', '/é']) {
        assert.throws(() => session({ path }), /path must start with '\/'/, JSON.stringify(path));
      }
      assert.throws(() => session({ secure: 'yes' as never }), /secure must be true or false/);
      assert.throws(() => createCookieSession(undefined as never), /options must be an object/);
    });
  });
});
