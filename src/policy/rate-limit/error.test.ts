import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from '../../core/errors.js';
import { rateLimitedError } from './error.js';

describe('rateLimitedError', () => {
  it('is a 429 rate_limited with the wait in the body and in Retry-After', () => {
    const error = rateLimitedError(7);
    assert.ok(error instanceof WeftError);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.message, 'too many requests; retry in 7 s');
    assert.deepEqual(error.details, { retryAfter: 7 });
    assert.deepEqual(error.headers, { 'retry-after': '7' });
    assert.deepEqual(error.toJSON(), { error: 'too many requests; retry in 7 s', code: 'rate_limited', retryAfter: 7 });
  });

  it('names what was limited', () => {
    assert.equal(rateLimitedError(3, 'Cart.checkout').message, 'too many requests to Cart.checkout; retry in 3 s');
  });

  it('sends whole seconds of at least 1', () => {
    for (const [given, sent] of [
      [0, 1],
      [-4, 1],
      [0.2, 1],
      [2.1, 3],
      [Number.NaN, 1],
      [Number.POSITIVE_INFINITY, 1],
    ] as const) {
      const error = rateLimitedError(given);
      assert.equal(error.headers?.['retry-after'], String(sent), String(given));
      assert.equal(error.details?.['retryAfter'], sent, String(given));
    }
  });
});
