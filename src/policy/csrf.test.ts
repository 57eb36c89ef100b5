import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from '../core/errors.js';
import { checkCsrf, type CsrfOptions, type OwnOrigin } from './csrf.js';

const OWN: OwnOrigin = { scheme: 'http', host: 'shop.example:8080' };
const NONE: CsrfOptions = { allowedOrigins: [] };

function check(headers: Record<string, string | undefined>, options: CsrfOptions = NONE, own = OWN): void {
  checkCsrf(headers, own, options);
}

function csrf(message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'csrf');
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('checkCsrf', () => {
  describe('passes', () => {
    it('a same-origin request', () => {
      assert.doesNotThrow(() => check({ origin: 'http://shop.example:8080', 'sec-fetch-site': 'same-origin' }));
    });

    it('the same origin spelt another way: case and default ports are normalised', () => {
      assert.doesNotThrow(() => check({ origin: 'HTTP://Shop.Example:8080' }));
      assert.doesNotThrow(() => check({ origin: 'http://shop.example' }, NONE, { scheme: 'http', host: 'Shop.Example:80' }));
      assert.doesNotThrow(() => check({ origin: 'http://shop.example:80' }, NONE, { scheme: 'http', host: 'shop.example' }));
      assert.doesNotThrow(() => check({ origin: 'https://shop.example' }, NONE, { scheme: 'https', host: 'shop.example:443' }));
      assert.doesNotThrow(() => check({ origin: 'https://shop.example:443' }, NONE, { scheme: 'https', host: 'SHOP.example' }));
      assert.doesNotThrow(() => check({ origin: 'http://[::1]:3000' }, NONE, { scheme: 'http', host: '[0:0:0:0:0:0:0:1]:3000' }));
    });

    it('an https Origin when the request arrived over https', () => {
      assert.doesNotThrow(() => check({ origin: 'https://shop.example:8080' }, NONE, { scheme: 'https', host: 'shop.example:8080' }));
    });

    it('a request with neither Origin nor Sec-Fetch-Site (non-browser client)', () => {
      assert.doesNotThrow(() => check({}));
    });

    it('a request without Origin from the same site or typed by the user', () => {
      for (const site of ['same-origin', 'same-site', 'none']) {
        assert.doesNotThrow(() => check({ 'sec-fetch-site': site }), site);
      }
    });

    it('an allowed cross-origin request', () => {
      const options = { allowedOrigins: ['https://app.example.com'] };
      assert.doesNotThrow(() => check({ origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' }, options));
    });

    it('an allowed origin spelt another way', () => {
      const options = { allowedOrigins: ['https://App.Example.com:443'] };
      assert.doesNotThrow(() => check({ origin: 'https://app.example.com' }, options));
    });
  });

  describe('refuses with 403 csrf', () => {
    it('a cross-origin Origin', () => {
      assert.throws(() => check({ origin: 'https://evil.example' }), csrf(/origin https:\/\/evil\.example is not http:\/\/shop\.example:8080/));
    });

    it('an Origin on the same host and port but another scheme', () => {
      assert.throws(() => check({ origin: 'https://shop.example:8080' }), csrf(/is not http:\/\/shop\.example:8080/));
      assert.throws(() => check({ origin: 'http://shop.example:8080' }, NONE, { scheme: 'https', host: 'shop.example:8080' }), csrf());
      // Default ports differ by scheme: https://host is port 443, http://host is port 80.
      assert.throws(() => check({ origin: 'https://shop.example' }, NONE, { scheme: 'http', host: 'shop.example' }), csrf());
      assert.throws(() => check({ origin: 'http://shop.example' }, NONE, { scheme: 'https', host: 'shop.example' }), csrf());
      assert.throws(() => check({ origin: 'ws://shop.example:8080' }), csrf(/malformed Origin/));
    });

    it('an Origin on the same host but another port', () => {
      assert.throws(() => check({ origin: 'http://shop.example:9090' }), csrf());
      assert.throws(() => check({ origin: 'http://shop.example' }), csrf());
    });

    it('a subdomain or look-alike of the host', () => {
      assert.throws(() => check({ origin: 'http://evil.shop.example:8080' }), csrf());
      assert.throws(() => check({ origin: 'http://shop.example:8080.evil.example' }), csrf());
    });

    it('an origin that is not exactly in allowedOrigins', () => {
      const options = { allowedOrigins: ['https://app.example.com'] };
      assert.throws(() => check({ origin: 'http://app.example.com' }, options), csrf());
      assert.throws(() => check({ origin: 'https://app.example.com.evil.example' }, options), csrf());
      assert.throws(() => check({ origin: 'https://evil.example' }, options), csrf());
    });

    it('Sec-Fetch-Site: cross-site without an Origin', () => {
      assert.throws(() => check({ 'sec-fetch-site': 'cross-site' }), csrf());
    });

    it('Sec-Fetch-Site: cross-site with a cross-site Origin', () => {
      assert.throws(() => check({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }), csrf());
    });

    it('Origin "null" (sandboxed iframe, data: URL)', () => {
      assert.throws(() => check({ origin: 'null' }), csrf());
      assert.throws(() => check({ origin: 'null', 'sec-fetch-site': 'same-origin' }), csrf());
      assert.throws(() => check({ origin: 'null' }, { allowedOrigins: ['null'] }), csrf());
    });

    for (const origin of ['not a url', '', '://', 'http://']) {
      it(`a malformed Origin ${JSON.stringify(origin)}`, () => {
        assert.throws(() => check({ origin }), csrf(/malformed Origin/));
      });
    }
  });
});
