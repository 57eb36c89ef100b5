import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestInfo } from '../core/component.js';
import { clientKey, clientResolver, parseForwardedAddress } from './client-address.js';

function request(ip: string, headers: Record<string, string> = {}, url = 'http://app.test/components/x/'): RequestInfo {
  return { method: 'POST', url: new URL(url), headers, ip };
}

describe('clientResolver', () => {
  describe('by default (no proxies trusted)', () => {
    const client = clientResolver(undefined);

    it('uses the socket address and ignores X-Forwarded-For, so a client cannot pick its own', () => {
      assert.equal(client.address(request('203.0.113.9', { 'x-forwarded-for': '1.1.1.1' })), '203.0.113.9');
    });

    it('takes the scheme from the connection and ignores X-Forwarded-Proto', () => {
      assert.equal(client.scheme(request('203.0.113.9', { 'x-forwarded-proto': 'https' })), 'http');
      assert.equal(client.scheme(request('203.0.113.9', {}, 'https://app.test/')), 'https');
    });

    it('is the same with trustedProxies: 0', () => {
      const zero = clientResolver({ trustedProxies: 0 });
      assert.equal(zero.address(request('203.0.113.9', { 'x-forwarded-for': '1.1.1.1' })), '203.0.113.9');
      assert.equal(zero.scheme(request('203.0.113.9', { 'x-forwarded-proto': 'https' })), 'http');
    });
  });

  describe('{ trustedProxies: n }', () => {
    it('reads X-Forwarded-For n entries from the right', () => {
      const headers = { 'x-forwarded-for': 'spoofed, 198.51.100.1, 10.0.0.2' };
      assert.equal(clientResolver({ trustedProxies: 1 }).address(request('10.0.0.3', headers)), '10.0.0.2');
      assert.equal(clientResolver({ trustedProxies: 2 }).address(request('10.0.0.3', headers)), '198.51.100.1');
    });

    it('does not let a client prepend its way past the trusted hops', () => {
      const client = clientResolver({ trustedProxies: 1 });
      assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': '6.6.6.6,  203.0.113.5' })), '203.0.113.5');
    });

    it('takes the leftmost entry when there are fewer than n, and the socket without the header', () => {
      const client = clientResolver({ trustedProxies: 3 });
      assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.5, 10.0.0.9' })), '203.0.113.5');
      assert.equal(client.address(request('10.0.0.1')), '10.0.0.1');
      assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': ' , ' })), '10.0.0.1');
    });

    it('strips ports and brackets, and falls back to the socket for an entry that is not an address', () => {
      const client = clientResolver({ trustedProxies: 1 });
      assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.5:4711' })), '203.0.113.5');
      assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': '[2001:db8::7]:443' })), '2001:db8::7');
      assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': '2001:db8::7' })), '2001:db8::7');
      for (const junk of ['unknown', '_hidden', 'x'.repeat(5000), '1.2.3', '[2001:db8::7', '999.1.1.1']) {
        assert.equal(client.address(request('10.0.0.1', { 'x-forwarded-for': junk })), '10.0.0.1', junk.slice(0, 20));
      }
    });

    it('reads X-Forwarded-Proto the same way', () => {
      const client = clientResolver({ trustedProxies: 1 });
      assert.equal(client.scheme(request('10.0.0.1', { 'x-forwarded-proto': 'https' })), 'https');
      assert.equal(client.scheme(request('10.0.0.1', { 'x-forwarded-proto': 'HTTPS' })), 'https');
      assert.equal(client.scheme(request('10.0.0.1', { 'x-forwarded-proto': 'http, https' })), 'https');
      assert.equal(client.scheme(request('10.0.0.1', { 'x-forwarded-proto': 'gopher' })), 'http');
      assert.equal(client.scheme(request('10.0.0.1')), 'http');
      assert.equal(clientResolver({ trustedProxies: 2 }).scheme(request('10.0.0.1', { 'x-forwarded-proto': 'https, http' })), 'https');
    });

    it('refuses a trustedProxies that is not a whole number', () => {
      for (const n of [-1, 1.5, Number.NaN, '1' as unknown as number]) {
        assert.throws(() => clientResolver({ trustedProxies: n }), TypeError);
      }
    });
  });

  describe('a function', () => {
    it('is asked with the socket address as ip', () => {
      const seen: string[] = [];
      const client = clientResolver((req) => {
        seen.push(req.ip);
        return req.headers['fly-client-ip'] ?? req.ip;
      });
      assert.equal(client.address(request('10.0.0.1', { 'fly-client-ip': '203.0.113.5' })), '203.0.113.5');
      assert.equal(client.address(request('10.0.0.1')), '10.0.0.1');
      assert.deepEqual(seen, ['10.0.0.1', '10.0.0.1']);
    });

    it('falls back to the socket when it returns nothing', () => {
      assert.equal(clientResolver(() => '').address(request('10.0.0.1')), '10.0.0.1');
      assert.equal(clientResolver(() => undefined as unknown as string).address(request('10.0.0.1')), '10.0.0.1');
    });

    it('trusts the last X-Forwarded-Proto entry', () => {
      const client = clientResolver((req) => req.ip);
      assert.equal(client.scheme(request('10.0.0.1', { 'x-forwarded-proto': 'https' })), 'https');
      assert.equal(client.scheme(request('10.0.0.1', { 'x-forwarded-proto': 'https, http' })), 'http');
      assert.equal(client.scheme(request('10.0.0.1')), 'http');
    });
  });
});

describe('parseForwardedAddress', () => {
  it('accepts plain and bracketed addresses with or without a port', () => {
    assert.equal(parseForwardedAddress('198.51.100.1'), '198.51.100.1');
    assert.equal(parseForwardedAddress('198.51.100.1:80'), '198.51.100.1');
    assert.equal(parseForwardedAddress('[::1]'), '::1');
    assert.equal(parseForwardedAddress('fe80::1'), 'fe80::1');
    assert.equal(parseForwardedAddress('host.example'), undefined);
  });
});

describe('clientKey', () => {
  it('keeps an IPv4 address', () => {
    assert.equal(clientKey('203.0.113.5'), '203.0.113.5');
  });

  it('groups IPv6 addresses by /64, whatever their spelling', () => {
    const key = clientKey('2001:db8:1:2::1');
    assert.equal(key, '2001:db8:1:2::/64');
    for (const address of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0000:0000:0000:0009', '2001:db8:1:2:a:b:c:d']) {
      assert.equal(clientKey(address), key, address);
    }
    assert.notEqual(clientKey('2001:db8:1:3::1'), key);
    assert.equal(clientKey('::1'), '::/64');
  });

  it('counts an IPv4-mapped IPv6 address as IPv4', () => {
    assert.equal(clientKey('::ffff:203.0.113.5'), '203.0.113.5');
    assert.equal(clientKey('::ffff:cb00:7105'), '203.0.113.5');
  });

  it('leaves anything else as it is (an unknown client is its own key)', () => {
    assert.equal(clientKey(''), '');
    assert.equal(clientKey('not an address'), 'not an address');
  });
});
