import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from './errors.js';

describe('WeftError', () => {
  it('is an Error named WeftError with status, code, details and headers', () => {
    const err = new WeftError(429, 'throttled', 'slow down', { retryAfter: 3 }, { 'retry-after': '3' });
    assert.ok(err instanceof Error);
    assert.ok(err instanceof WeftError);
    assert.equal(err.name, 'WeftError');
    assert.equal(err.message, 'slow down');
    assert.equal(err.status, 429);
    assert.equal(err.code, 'throttled');
    assert.deepEqual(err.details, { retryAfter: 3 });
    assert.deepEqual(err.headers, { 'retry-after': '3' });
    assert.equal(String(err), 'WeftError: slow down');
    assert.match(err.stack ?? '', /^WeftError: slow down\n/);
  });

  it('leaves details and headers undefined when not given', () => {
    const err = new WeftError(404, 'not_found', 'nope');
    assert.equal(err.details, undefined);
    assert.equal(err.headers, undefined);
  });

  it('serialises to { error, code, ...details }, without headers or status', () => {
    const err = new WeftError(413, 'too_large', 'too big', { limit: 10, nested: { a: [1] } }, { connection: 'close' });
    assert.deepEqual(err.toJSON(), { error: 'too big', code: 'too_large', limit: 10, nested: { a: [1] } });
    assert.deepEqual(Object.keys(err.toJSON()), ['error', 'code', 'limit', 'nested']);
    assert.equal(JSON.stringify(err), '{"error":"too big","code":"too_large","limit":10,"nested":{"a":[1]}}');
  });

  it('serialises to { error, code } without details', () => {
    assert.deepEqual(new WeftError(400, 'bad_json', 'bad').toJSON(), { error: 'bad', code: 'bad_json' });
  });
});
