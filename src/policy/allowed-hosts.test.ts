import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from '../core/errors.js';
import { hostCheck, hostName, isLoopbackName } from './allowed-hosts.js';

function badHost(err: unknown): boolean {
  assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'bad_host');
  return true;
}

describe('hostName', () => {
  it('drops the port and normalises case, a trailing dot and IPv6 spelling', () => {
    assert.equal(hostName('Shop.Example.com:8080'), 'shop.example.com');
    assert.equal(hostName('shop.example.com.'), 'shop.example.com');
    assert.equal(hostName('[0:0:0:0:0:0:0:1]:3000'), '[::1]');
    assert.equal(hostName('127.0.0.1'), '127.0.0.1');
  });

  it('is undefined for anything that is not host[:port]', () => {
    for (const value of ['', 'evil.example/admin', 'a@b', 'x y', 'host:port', 'host:123456', '[::1', 'host:80:80', 'é.example', 'a'.repeat(400)]) {
      assert.equal(hostName(value), undefined, value.slice(0, 30));
    }
  });
});

describe('isLoopbackName', () => {
  it('knows localhost names and loopback addresses', () => {
    for (const name of ['localhost', 'app.localhost', '127.0.0.1', '127.8.9.10', '[::1]', '[::ffff:127.0.0.1]']) {
      assert.equal(isLoopbackName(name), true, name);
    }
    for (const name of ['localhost.evil.example', 'evillocalhost', '10.0.0.1', '[::2]', '[2001:db8::1]', '0.0.0.0', '127.0.0.1.evil.example']) {
      assert.equal(isLoopbackName(name), false, name);
    }
  });
});

describe('hostCheck', () => {
  it('by default (development) allows localhost names and loopback addresses on any port', () => {
    const check = hostCheck(undefined);
    for (const host of ['localhost', 'localhost:3000', 'LOCALHOST:3000', 'app.localhost:5173', '127.0.0.1:8080', '[::1]:3000']) {
      assert.doesNotThrow(() => check(host), host);
    }
  });

  it('by default refuses other hosts: a DNS-rebinding name, a LAN address, no Host at all', () => {
    const check = hostCheck(undefined);
    for (const host of ['evil.example', 'evil.example:3000', 'localhost.evil.example', '192.168.1.10:3000', 'evil.example/x', '']) {
      assert.throws(() => check(host), badHost, host);
    }
    assert.throws(() => check(undefined), badHost);
  });

  it('allows exactly the listed names, any port', () => {
    const check = hostCheck(['shop.example.com', '203.0.113.5', '::1']);
    for (const host of ['shop.example.com', 'Shop.Example.com:8443', '203.0.113.5:80', '[::1]:3000']) {
      assert.doesNotThrow(() => check(host), host);
    }
    for (const host of ['www.shop.example.com', 'example.com', 'localhost', '127.0.0.1', 'shop.example.com.evil.example']) {
      assert.throws(() => check(host), badHost, host);
    }
  });

  it('a leading dot allows the domain and its subdomains', () => {
    const check = hostCheck(['.example.com']);
    for (const host of ['example.com', 'www.example.com', 'a.b.example.com:443']) assert.doesNotThrow(() => check(host), host);
    for (const host of ['badexample.com', 'example.com.evil.example']) assert.throws(() => check(host), badHost, host);
  });

  it('"*" allows any well-formed host, but still not a malformed one', () => {
    const check = hostCheck(['*']);
    assert.doesNotThrow(() => check('anything.example:1'));
    assert.throws(() => check('evil.example/admin'), badHost);
  });

  it('an empty list allows nothing', () => {
    assert.throws(() => hostCheck([])('localhost'), badHost);
  });

  it('names the Host in the error, and how to allow it', () => {
    assert.throws(() => hostCheck(['shop.example.com'])('evil.example'), (err: unknown) => {
      badHost(err);
      assert.match((err as Error).message, /Host "evil\.example" is not one of this app's hosts; if it is, add it to allowedHosts/);
      return true;
    });
  });

  it('refuses entries that are not host names, when the app starts', () => {
    for (const entry of ['https://shop.example.com', 'shop.example.com:8080', 'shop.example.com/', '', '.', '.[::1]']) {
      assert.throws(() => hostCheck([entry]), /allowedHosts/, entry);
    }
  });
});
