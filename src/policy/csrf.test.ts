import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from '../core/errors.js';
import { checkCsrf, type CsrfOptions } from './csrf.js';

const URL_ = new URL('http://shop.example:8080/components/cart/');
const NONE: CsrfOptions = { allowedOrigins: [] };

function check(headers: Record<string, string | undefined>, options: CsrfOptions = NONE, url = URL_): void {
  checkCsrf({ host: 'shop.example:8080', ...headers }, url, options);
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

    it('a same-origin request on another scheme (host comparison)', () => {
      assert.doesNotThrow(() => check({ origin: 'https://shop.example:8080' }));
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

    it('uses the URL host when there is no Host header', () => {
      assert.doesNotThrow(() => checkCsrf({ origin: 'http://shop.example:8080' }, URL_, NONE));
      assert.throws(() => checkCsrf({ origin: 'http://evil.example' }, URL_, NONE), csrf());
    });
  });

  describe('refuses with 403 csrf', () => {
    it('a cross-origin Origin', () => {
      assert.throws(() => check({ origin: 'https://evil.example' }), csrf(/origin https:\/\/evil\.example is not shop\.example:8080/));
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
