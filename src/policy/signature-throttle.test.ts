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

describe('SignatureThrottle', () => {
  it('lets a client with no failures through', async () => {
    const throttle = new SignatureThrottle({ points: 3, durationSeconds: 60 });
    await assert.doesNotReject(throttle.check('1.2.3.4'));
  });

  it('lets a client through until it reaches the limit', async () => {
    const throttle = new SignatureThrottle({ points: 3, durationSeconds: 60 });
    for (let i = 0; i < 2; i++) {
      await throttle.fail('1.2.3.4');
      await assert.doesNotReject(throttle.check('1.2.3.4'), `after ${i + 1} failures`);
    }
  });

  it('refuses with 429, Retry-After and retryAfter after N failures', async () => {
    const throttle = new SignatureThrottle({ points: 3, durationSeconds: 60 });
    for (let i = 0; i < 3; i++) await throttle.fail('1.2.3.4');
    await assert.rejects(throttle.check('1.2.3.4'), throttled(60));
  });

  it('keeps refusing on further checks and failures', async () => {
    const throttle = new SignatureThrottle({ points: 2, durationSeconds: 600 });
    for (let i = 0; i < 5; i++) await throttle.fail('1.2.3.4');
    await assert.rejects(throttle.check('1.2.3.4'), throttled(600));
    await assert.rejects(throttle.check('1.2.3.4'), throttled(600));
  });

  it('never throws from fail() itself', async () => {
    const throttle = new SignatureThrottle({ points: 1, durationSeconds: 60 });
    for (let i = 0; i < 5; i++) await assert.doesNotReject(throttle.fail('1.2.3.4'));
  });

  it('does not affect other clients', async () => {
    const throttle = new SignatureThrottle({ points: 2, durationSeconds: 60 });
    await throttle.fail('1.2.3.4');
    await throttle.fail('1.2.3.4');
    await assert.rejects(throttle.check('1.2.3.4'), throttled(60));
    await assert.doesNotReject(throttle.check('5.6.7.8'));
    await throttle.fail('5.6.7.8');
    await assert.doesNotReject(throttle.check('5.6.7.8'));
  });

  it('keeps separate counts per throttle instance', async () => {
    const a = new SignatureThrottle({ points: 1, durationSeconds: 60 });
    const b = new SignatureThrottle({ points: 1, durationSeconds: 60 });
    await a.fail('1.2.3.4');
    await assert.rejects(a.check('1.2.3.4'), throttled(60));
    await assert.doesNotReject(b.check('1.2.3.4'));
  });
});
