import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from '../core/errors.js';
import { SignatureThrottle } from './signature-throttle.js';

function throttled(maxSeconds: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'throttled');
    const retryAfter = err.details?.retryAfter;
    assert.equal(typeof retryAfter, 'number');
    assert.ok((retryAfter as number) >= 1 && (retryAfter as number) <= maxSeconds, `retryAfter ${String(retryAfter)}`);
    assert.deepEqual(err.headers, { 'retry-after': String(retryAfter) });
    assert.equal(err.toJSON().retryAfter, retryAfter);
    assert.match(err.message, new RegExp(`retry in ${String(retryAfter)}s`));
    return true;
  };
}

async function failTimes(throttle: SignatureThrottle, address: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await assert.doesNotReject(throttle.failed(address), `failure ${i + 1} from ${address}`);
}

describe('SignatureThrottle', () => {
  it('lets the first N failures through (the caller refuses them as usual)', async () => {
    const throttle = new SignatureThrottle({ points: 3, durationSeconds: 60 });
    await failTimes(throttle, '1.2.3.4', 3);
  });

  it('refuses the next failure with 429, Retry-After and retryAfter', async () => {
    const throttle = new SignatureThrottle({ points: 3, durationSeconds: 60 });
    await failTimes(throttle, '1.2.3.4', 3);
    await assert.rejects(throttle.failed('1.2.3.4'), throttled(60));
  });

  it('keeps refusing further failures until the window ends', async () => {
    const throttle = new SignatureThrottle({ points: 2, durationSeconds: 600 });
    await failTimes(throttle, '1.2.3.4', 2);
    for (let i = 0; i < 5; i++) await assert.rejects(throttle.failed('1.2.3.4'), throttled(600));
  });

  it('does not affect other clients', async () => {
    const throttle = new SignatureThrottle({ points: 2, durationSeconds: 60 });
    await failTimes(throttle, '1.2.3.4', 2);
    await assert.rejects(throttle.failed('1.2.3.4'), throttled(60));
    await failTimes(throttle, '5.6.7.8', 2);
  });

  it('counts an IPv6 client by its /64: rotating through it does not reset the count', async () => {
    const throttle = new SignatureThrottle({ points: 3, durationSeconds: 60 });
    await failTimes(throttle, '2001:db8:1:2::1', 1);
    await failTimes(throttle, '2001:db8:1:2:ffff:ffff:ffff:fffe', 1);
    await failTimes(throttle, '2001:0db8:0001:0002:0:0:0:abcd', 1);
    await assert.rejects(throttle.failed('2001:db8:1:2:dead:beef::9'), throttled(60));
    // The next /64 is someone else.
    await failTimes(throttle, '2001:db8:1:3::1', 3);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    const throttle = new SignatureThrottle({ points: 2, durationSeconds: 60 });
    await failTimes(throttle, '::ffff:198.51.100.7', 1);
    await failTimes(throttle, '198.51.100.7', 1);
    await assert.rejects(throttle.failed('::ffff:198.51.100.7'), throttled(60));
    await assert.rejects(throttle.failed('198.51.100.7'), throttled(60));
  });

  it('keeps separate counts per throttle instance', async () => {
    const a = new SignatureThrottle({ points: 1, durationSeconds: 60 });
    const b = new SignatureThrottle({ points: 1, durationSeconds: 60 });
    await failTimes(a, '1.2.3.4', 1);
    await assert.rejects(a.failed('1.2.3.4'), throttled(60));
    await failTimes(b, '1.2.3.4', 1);
  });
});
