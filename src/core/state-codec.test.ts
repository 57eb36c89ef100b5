import assert from 'node:assert/strict';
import { isWeftError } from '../testing/index.js';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { WeftError } from './errors.js';
import { keyId, StateCodec } from './state-codec.js';

const SECRET = 'test-secret-0123456789abcdefghijklmnop';
const OLD_SECRET = 'old-secret-0123456789abcdefghijklmnopq';
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);


/** Signs an arbitrary envelope text the way the codec does, to reach checks behind the signature. */
function signRaw(secret: string, envelope: string): string {
  const signed = `v1.${Buffer.from(envelope).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

function envelopeOf(blob: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(blob.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('StateCodec', () => {
  const codec = new StateCodec({ secrets: [SECRET] });

  describe('construction', () => {
    it('throws without any secret', () => {
      assert.throws(() => new StateCodec({ secrets: [] }), TypeError);
    });

    it('defaults to a 24 h max age and a 64 KiB state cap', () => {
      assert.equal(codec.maxAgeSeconds, 86_400);
      assert.equal(codec.maxStateBytes, 65_536);
    });

    it('takes explicit limits', () => {
      const c = new StateCodec({ secrets: [SECRET], maxAgeSeconds: 5, maxStateBytes: 10 });
      assert.equal(c.maxAgeSeconds, 5);
      assert.equal(c.maxStateBytes, 10);
    });
  });

  describe('key id', () => {
    it('is 8 base64url characters of the secret\'s SHA-256, different per secret', () => {
      assert.match(keyId(SECRET), /^[A-Za-z0-9_-]{8}$/);
      assert.notEqual(keyId(SECRET), keyId(OLD_SECRET));
      assert.equal(keyId(SECRET), keyId(SECRET));
    });
  });

  describe('round trip', () => {
    it('returns name, id, issue time, state and params', () => {
      const state = { count: 3, note: 'a "quoted" <b> & ünï', items: [{ qty: 1 }], flag: null };
      const blob = codec.encode('counter', 'counter-abc123', state, { start: 3 }, NOW);
      const env = codec.decode(blob, 'counter', NOW);
      assert.deepEqual(env, { name: 'counter', id: 'counter-abc123', issuedAt: NOW / 1000, state, params: { start: 3 }, child: undefined, bound: [], groups: [], seqs: {} });
    });

    it('carries groups and their message ids, signed', () => {
      const blob = codec.encode('cart', 'cart-1', { n: 1 }, undefined, NOW, { groups: ['cart-7'], seqs: { 'cart-7': '12-0' } });
      const env = codec.decode(blob, 'cart', NOW);
      assert.deepEqual(env.groups, ['cart-7']);
      assert.deepEqual(env.seqs, { 'cart-7': '12-0' });
    });

    it('carries a child digest as "c" and bound fields as "w" when given, and omits them otherwise', () => {
      const blob = codec.encode('row', 'shelf-x-r0', { n: 1 }, undefined, NOW, { child: 'AbCdEfGh_-12', bound: ['n'] });
      assert.equal(envelopeOf(blob).c, 'AbCdEfGh_-12');
      assert.deepEqual(envelopeOf(blob).w, ['n']);
      const env = codec.decode(blob, 'row', NOW);
      assert.equal(env.child, 'AbCdEfGh_-12');
      assert.deepEqual(env.bound, ['n']);
      const plain = envelopeOf(codec.encode('row', 'r', { n: 1 }, undefined, NOW, { bound: [] }));
      assert.equal('c' in plain || 'w' in plain, false);
    });

    it('has the v1.<envelope>.<43-char signature> format', () => {
      const blob = codec.encode('counter', 'counter-1', { count: 0 }, undefined, NOW);
      const parts = blob.split('.');
      assert.equal(parts.length, 3);
      assert.equal(parts[0], 'v1');
      assert.equal(parts[2]?.length, 43);
      assert.match(blob, /^[A-Za-z0-9_.-]+$/, 'only base64url characters and dots');
      assert.deepEqual(envelopeOf(blob), { n: 'counter', i: 'counter-1', t: NOW / 1000, k: keyId(SECRET), s: { count: 0 } });
    });

    it('floors the issue time to seconds', () => {
      const blob = codec.encode('c', 'c-1', {}, undefined, NOW + 999);
      assert.equal(codec.decode(blob, 'c', NOW + 999).issuedAt, NOW / 1000);
    });

    it('omits empty params and decodes them as {}', () => {
      for (const params of [undefined, {}]) {
        const blob = codec.encode('c', 'c-1', { a: 1 }, params, NOW);
        assert.equal('p' in envelopeOf(blob), false);
        assert.deepEqual(codec.decode(blob, 'c', NOW).params, {});
      }
    });

    it('escapes names and ids inside the envelope', () => {
      const blob = codec.encode('a"b', 'x","s":1,"y', { ok: true }, undefined, NOW);
      const env = codec.decode(blob, 'a"b', NOW);
      assert.equal(env.id, 'x","s":1,"y');
      assert.deepEqual(env.state, { ok: true });
    });

    it('refuses NaN and ±Infinity anywhere in the state, naming where, since JSON would turn them into null', () => {
      assert.throws(() => codec.encode('c', 'c-1', { a: NaN }, undefined, NOW), /state\.a is not a finite number/);
      assert.throws(() => codec.encode('c', 'c-1', { list: [1, { x: -Infinity }] }, undefined, NOW), /state\.list\[1\]\.x is not/);
      assert.throws(() => codec.encode('c', 'c-1', { a: null, b: Infinity }, undefined, NOW), TypeError);
      // null itself, and numbers that merely print as "null"-free JSON, are fine.
      assert.deepEqual(codec.decode(codec.encode('c', 'c-1', { a: null, b: [null, 1e308] }, undefined, NOW), 'c', NOW).state, {
        a: null,
        b: [null, 1e308],
      });
    });

    it('is deterministic for the same inputs', () => {
      assert.equal(codec.encode('c', 'c-1', { a: 1 }, { p: 1 }, NOW), codec.encode('c', 'c-1', { a: 1 }, { p: 1 }, NOW));
    });
  });

  describe('refusals', () => {
    const good = codec.encode('counter', 'counter-1', { count: 1 }, undefined, NOW);
    const [version, body, sig] = good.split('.') as [string, string, string];

    for (const [label, blob] of [
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', { state: good }],
      ['an empty string', ''],
    ] as const) {
      it(`refuses ${label} with 400 state_missing`, () => {
        assert.throws(() => codec.decode(blob, 'counter', NOW), isWeftError(400, 'state_missing'));
      });
    }

    it('refuses a tampered envelope with 400 state_signature', () => {
      const forged = Buffer.from(JSON.stringify({ n: 'counter', i: 'counter-1', t: NOW / 1000, s: { count: 1_000_000 } })).toString('base64url');
      assert.throws(() => codec.decode(`${version}.${forged}.${sig}`, 'counter', NOW), isWeftError(400, 'state_signature'));
    });

    it('refuses a tampered signature with 400 state_signature', () => {
      const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
      assert.throws(() => codec.decode(`${version}.${body}.${flipped}`, 'counter', NOW), isWeftError(400, 'state_signature'));
    });

    it('refuses a blob signed with a secret it does not have with 409 state_outdated, saying to reload', () => {
      const other = new StateCodec({ secrets: [OLD_SECRET] }).encode('counter', 'counter-1', { count: 1 }, undefined, NOW);
      assert.throws(() => codec.decode(other, 'counter', NOW), (err: unknown) => {
        isWeftError(409, 'state_outdated')(err);
        assert.match((err as Error).message, /out of date — reload/);
        return true;
      });
    });

    it('refuses an unknown key id without checking the signature, so such a blob can never pass', () => {
      const envelope = { n: 'counter', i: 'counter-1', t: NOW / 1000, k: 'AAAAAAAA', s: { count: 1_000_000 } };
      const forged = `${version}.${Buffer.from(JSON.stringify(envelope)).toString('base64url')}.${sig}`;
      assert.throws(() => codec.decode(forged, 'counter', NOW), isWeftError(409, 'state_outdated'));
    });

    it('refuses a blob from another secret that claims a current key id with 400 state_signature', () => {
      const other = new StateCodec({ secrets: [OLD_SECRET] }).encode('counter', 'counter-1', { count: 1 }, undefined, NOW);
      const [v, part, signature] = other.split('.') as [string, string, string];
      const claimed = Buffer.from(Buffer.from(part, 'base64url').toString('utf8').replace(keyId(OLD_SECRET), keyId(SECRET))).toString('base64url');
      assert.throws(() => codec.decode(`${v}.${claimed}.${signature}`, 'counter', NOW), isWeftError(400, 'state_signature'));
    });

    it('verifies a blob without a key id (issued before key ids) by its signature alone', () => {
      const envelope = JSON.stringify({ n: 'counter', i: 'counter-1', t: NOW / 1000, s: { count: 2 } });
      assert.deepEqual(codec.decode(signRaw(SECRET, envelope), 'counter', NOW).state, { count: 2 });
      assert.throws(() => codec.decode(signRaw(OLD_SECRET, envelope), 'counter', NOW), isWeftError(400, 'state_signature'));
    });

    it('reads the key id only where encode writes it, not from inside the state', () => {
      const envelope = JSON.stringify({ n: 'counter', i: 'counter-1', t: NOW / 1000, s: { k: 'AAAAAAAA' } });
      assert.deepEqual(codec.decode(signRaw(SECRET, envelope), 'counter', NOW).state, { k: 'AAAAAAAA' });
    });

    for (const [label, blob] of [
      ['a truncated blob', good.slice(0, -1)],
      ['a blob cut in half', good.slice(0, Math.floor(good.length / 2))],
      ['two parts', `${version}.${body}`],
      ['four parts', `${good}.x`],
      ['a wrong version', `v2.${body}.${sig}`],
      ['an uppercase version', `V1.${body}.${sig}`],
      ['an empty envelope', `${version}..${sig}`],
      ['an over-long signature', `${good}A`],
      ['a non-blob string', 'hello'],
    ] as const) {
      it(`refuses ${label} with 400 state_malformed`, () => {
        assert.throws(() => codec.decode(blob, 'counter', NOW), isWeftError(400, 'state_malformed'));
      });
    }

    it('refuses correctly signed non-JSON with 400 state_malformed', () => {
      assert.throws(() => codec.decode(signRaw(SECRET, '{not json'), 'counter', NOW), isWeftError(400, 'state_malformed'));
    });

    for (const envelope of [
      { i: 'x', t: 1, s: {} },
      { n: 'counter', t: 1, s: {} },
      { n: 'counter', i: 'x', s: {} },
      { n: 'counter', i: 'x', t: '1', s: {} },
      { n: 1, i: 'x', t: 1, s: {} },
      { n: 'counter', i: 'x', t: 1, s: {}, c: 7 },
      { n: 'counter', i: 'x', t: 1, s: {}, w: 'note' },
      { n: 'counter', i: 'x', t: 1, s: {}, w: ['note', 1] },
    ]) {
      it(`refuses the signed envelope ${JSON.stringify(envelope)} with 400 state_malformed`, () => {
        assert.throws(() => codec.decode(signRaw(SECRET, JSON.stringify(envelope)), 'counter', NOW), isWeftError(400, 'state_malformed'));
      });
    }

    // Signed JSON that is no envelope at all: `null` once crashed the decoder (a 500).
    for (const text of ['null', '42', '"counter"', '[]', 'true', '{"n":"counter","i":"x","t":1e999,"s":{}}']) {
      it(`refuses the signed JSON ${text} with 400 state_malformed`, () => {
        assert.throws(() => codec.decode(signRaw(SECRET, text), 'counter', NOW), isWeftError(400, 'state_malformed'));
      });
    }

    it('refuses a blob issued to another component with 400 state_component', () => {
      assert.throws(() => codec.decode(good, 'cart', NOW), (err: unknown) => {
        isWeftError(400, 'state_component')(err);
        assert.match((err as Error).message, /"counter".*"cart"/);
        return true;
      });
    });

    it('refuses an expired blob with 400 state_expired (using the injected clock)', () => {
      const short = new StateCodec({ secrets: [SECRET], maxAgeSeconds: 60 });
      const blob = short.encode('counter', 'counter-1', { count: 1 }, undefined, NOW);
      assert.equal(short.decode(blob, 'counter', NOW + 60_000).id, 'counter-1', 'exactly max age is still valid');
      assert.throws(() => short.decode(blob, 'counter', NOW + 61_000), (err: unknown) => {
        isWeftError(400, 'state_expired')(err);
        assert.deepEqual((err as WeftError).details, { maxAgeSeconds: 60 });
        return true;
      });
    });

    it('uses a 24 h max age by default', () => {
      assert.doesNotThrow(() => codec.decode(good, 'counter', NOW + 86_400_000));
      assert.throws(() => codec.decode(good, 'counter', NOW + 86_401_000), isWeftError(400, 'state_expired'));
    });

    it('checks the signature before the component and the age', () => {
      const forged = Buffer.from(JSON.stringify({ n: 'other', i: 'x', t: 0, s: {} })).toString('base64url');
      assert.throws(() => codec.decode(`${version}.${forged}.${sig}`, 'counter', NOW), isWeftError(400, 'state_signature'));
    });
  });

  describe('one spelling per blob (canonical base64url only)', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

    /** The other spellings of `text` that Node's lenient decoder reads as the same bytes, by changing the last character. */
    function lastCharVariants(text: string): string[] {
      const bytes = Buffer.from(text, 'base64url');
      return [...ALPHABET]
        .map((c) => text.slice(0, -1) + c)
        .filter((variant) => variant !== text && Buffer.from(variant, 'base64url').equals(bytes));
    }

    /** The signature the codec would put after `signed`, so a test can reach the checks behind it. */
    function signFor(signed: string): string {
      return createHmac('sha256', SECRET).update(signed).digest('base64url');
    }

    /** A blob whose parts match `want`, found by trying ids (encoding is deterministic). */
    function blobWhere(want: (body: string, sig: string) => boolean): { blob: string; body: string; sig: string } {
      for (let n = 0; n < 10_000; n++) {
        // "?" and ">" runs put "_" and "-" into the envelope's base64url at some alignment.
        const blob = codec.encode('counter', `counter-${n}`, { count: 1, note: '???>>>' }, undefined, NOW);
        const [, body, sig] = blob.split('.') as [string, string, string];
        if (want(body, sig)) return { blob, body, sig };
      }
      throw new Error('no such blob');
    }

    const refusedMalformed = (blob: string) => () =>
      assert.throws(() => codec.decode(blob, 'counter', NOW), isWeftError(400, 'state_malformed'), blob);

    it('accepts the blob it issued', () => {
      const { blob } = blobWhere(() => true);
      assert.equal(codec.decode<{ count: number }>(blob, 'counter', NOW).state.count, 1);
    });

    it("refuses the three other spellings of the signature's last character with 400 state_malformed", () => {
      const { blob, body, sig } = blobWhere(() => true);
      const variants = lastCharVariants(sig);
      // 32 bytes in 43 characters leave 2 unused bits: four spellings of one signature.
      assert.equal(variants.length, 3);
      for (const variant of variants) refusedMalformed(`v1.${body}.${variant}`)();
      assert.equal(codec.decode<{ count: number }>(blob, 'counter', NOW).state.count, 1, 'the issued spelling is still accepted');
    });

    it("refuses every other last character of the signature (forged or not canonical), never accepting one", () => {
      const { body, sig } = blobWhere(() => true);
      for (const c of ALPHABET) {
        if (c === sig.at(-1)) continue;
        assert.throws(() => codec.decode(`v1.${body}.${sig.slice(0, -1)}${c}`, 'counter', NOW), (err: unknown) => {
          assert.ok(err instanceof WeftError && (err.code === 'state_malformed' || err.code === 'state_signature'), String(err));
          return true;
        });
      }
    });

    for (const rest of [2, 3]) {
      it(`refuses other spellings of the envelope's last character (length ${rest} mod 4), even correctly signed`, () => {
        const { body } = blobWhere((b) => b.length % 4 === rest);
        const variants = lastCharVariants(body);
        // 1 spare byte in 2 characters leaves 4 unused bits, 2 bytes in 3 leave 2.
        assert.equal(variants.length, rest === 2 ? 15 : 3);
        for (const variant of variants) {
          refusedMalformed(`v1.${variant}.${signFor(`v1.${variant}`)}`)();
          refusedMalformed(`v1.${variant}.${signFor(`v1.${body}`)}`)();
        }
      });
    }

    it("refuses '+' and '/' for '-' and '_' in the signature", () => {
      const { body, sig } = blobWhere((_, s) => s.includes('-') && s.includes('_'));
      refusedMalformed(`v1.${body}.${sig.replaceAll('-', '+')}`)();
      refusedMalformed(`v1.${body}.${sig.replaceAll('_', '/')}`)();
      refusedMalformed(`v1.${body}.${sig.replaceAll('-', '+').replaceAll('_', '/')}`)();
    });

    it("refuses '+' and '/' for '-' and '_' in the envelope, even correctly signed", () => {
      const { body } = blobWhere((b) => b.includes('-') && b.includes('_'));
      for (const variant of [body.replaceAll('-', '+'), body.replaceAll('_', '/')]) {
        assert.ok(Buffer.from(variant, 'base64url').equals(Buffer.from(body, 'base64url')), 'same bytes to a lenient decoder');
        refusedMalformed(`v1.${variant}.${signFor(`v1.${variant}`)}`)();
      }
    });

    it("refuses '=' padding on the envelope (even correctly signed) and on the signature", () => {
      const { body, sig } = blobWhere((b) => b.length % 4 === 2);
      for (const padded of [`${body}=`, `${body}==`]) refusedMalformed(`v1.${padded}.${signFor(`v1.${padded}`)}`)();
      refusedMalformed(`v1.${body}.${sig}=`)();
    });

    it('refuses characters outside the alphabet, which a lenient decoder skips, even correctly signed', () => {
      const { body, sig } = blobWhere(() => true);
      for (const junk of [' ', '!', '\n', '%', '\u00e9']) {
        const spliced = `${body.slice(0, 4)}${junk}${body.slice(4)}`;
        refusedMalformed(`v1.${spliced}.${signFor(`v1.${spliced}`)}`)();
        refusedMalformed(`v1.${body}.${sig.slice(0, 10)}${junk}${sig.slice(11)}`)();
      }
    });

    it('refuses an envelope whose length is 1 mod 4 (a lone character is no byte), even correctly signed', () => {
      const { body } = blobWhere((b) => b.length % 4 === 0);
      const longer = `${body}A`;
      refusedMalformed(`v1.${longer}.${signFor(`v1.${longer}`)}`)();
    });
  });

  describe('size caps (the whole envelope: state, params and framing)', () => {
    // {"n":"c","i":"c-1","t":<seconds>,"k":<key id>,"s":…} — the bytes around the state.
    const framing = Buffer.byteLength(`{"n":"c","i":"c-1","t":${Math.floor(NOW / 1000)},"k":"${keyId(SECRET)}","s":}`);
    const small = new StateCodec({ secrets: [SECRET], maxStateBytes: framing + 20 });

    it('encodes an envelope exactly at the cap', () => {
      const state = { t: 'x'.repeat(12) }; // {"t":"xxxxxxxxxxxx"} = 20 bytes
      assert.equal(JSON.stringify(state).length, 20);
      const blob = small.encode('c', 'c-1', state, undefined, NOW);
      assert.deepEqual(small.decode(blob, 'c', NOW).state, state);
    });

    it('refuses to encode an envelope over the cap with 413 state_too_large', () => {
      assert.throws(() => small.encode('c', 'c-1', { t: 'x'.repeat(13) }, undefined, NOW), (err: unknown) => {
        isWeftError(413, 'state_too_large')(err);
        assert.deepEqual((err as WeftError).details, { size: framing + 21, limit: framing + 20 });
        return true;
      });
    });

    it('counts params towards the cap', () => {
      assert.throws(() => small.encode('c', 'c-1', { t: 'x' }, { q: 'y'.repeat(40) }, NOW), isWeftError(413, 'state_too_large'));
    });

    it('counts bytes, not characters', () => {
      // {"t":"éééééé"} is 14 characters but 20 bytes; one more é is 22 bytes.
      assert.doesNotThrow(() => small.encode('c', 'c-1', { t: 'é'.repeat(6) }, undefined, NOW));
      assert.throws(() => small.encode('c', 'c-1', { t: 'é'.repeat(7) }, undefined, NOW), isWeftError(413, 'state_too_large'));
    });

    it('refuses an oversize blob on decode with 413 before verifying it', () => {
      const huge = `v1.${'A'.repeat(5_000)}.${'B'.repeat(43)}`;
      assert.throws(() => small.decode(huge, 'c', NOW), (err: unknown) => {
        isWeftError(413, 'state_too_large')(err);
        assert.equal((err as WeftError).details?.limit, framing + 20);
        return true;
      });
    });

    it('refuses a validly signed blob over the cap even if it is barely over', () => {
      const roomy = new StateCodec({ secrets: [SECRET], maxStateBytes: 10_000 });
      const blob = roomy.encode('c', 'c-1', { t: 'x'.repeat(13) }, undefined, NOW);
      assert.throws(() => small.decode(blob, 'c', NOW), isWeftError(413, 'state_too_large'));
    });

    it('accepts every blob it issues, params included', () => {
      const c = new StateCodec({ secrets: [SECRET], maxStateBytes: 1000 });
      for (let n = 0; n < 1000; n += 7) {
        let blob: string;
        try {
          blob = c.encode('component-name', 'component-name-abcdefgh', { t: 'x'.repeat(n) }, { page: 1 }, NOW);
        } catch {
          continue; // over the cap: never issued
        }
        assert.equal((c.decode(blob, 'component-name', NOW).state as { t: string }).t.length, n);
      }
    });
  });

  describe('key rotation', () => {
    const oldCodec = new StateCodec({ secrets: [OLD_SECRET] });
    const rotated = new StateCodec({ secrets: [SECRET, OLD_SECRET] });
    const newOnly = new StateCodec({ secrets: [SECRET] });

    it('verifies a blob signed with the old secret while it is still listed second', () => {
      const blob = oldCodec.encode('counter', 'counter-1', { count: 7 }, undefined, NOW);
      assert.deepEqual(rotated.decode(blob, 'counter', NOW).state, { count: 7 });
    });

    it('signs with the first secret', () => {
      const blob = rotated.encode('counter', 'counter-1', { count: 7 }, undefined, NOW);
      assert.deepEqual(newOnly.decode(blob, 'counter', NOW).state, { count: 7 });
      assert.equal(envelopeOf(blob).k, keyId(SECRET));
      assert.throws(() => oldCodec.decode(blob, 'counter', NOW), isWeftError(409, 'state_outdated'));
    });

    it('refuses a blob signed with a secret that has been removed as out of date', () => {
      const blob = oldCodec.encode('counter', 'counter-1', { count: 7 }, undefined, NOW);
      assert.throws(() => newOnly.decode(blob, 'counter', NOW), isWeftError(409, 'state_outdated'));
    });
  });
});
