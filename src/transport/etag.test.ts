import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagMatches } from './etag.js';

describe('etagMatches', () => {
  it('matches one tag, one of a list, a weak one, or *', () => {
    assert.ok(etagMatches('"abc"', '"abc"'));
    assert.ok(etagMatches('"x", "abc" ,"y"', '"abc"'));
    assert.ok(etagMatches('W/"abc"', '"abc"'));
    assert.ok(etagMatches('*', '"abc"'));
    assert.ok(etagMatches('"abc-br"', '"abc"', '"abc-br"'));
  });

  it('does not match another tag, an unquoted one, or no header', () => {
    assert.ok(!etagMatches('"abd"', '"abc"'));
    assert.ok(!etagMatches('abc', '"abc"'));
    assert.ok(!etagMatches('', '"abc"'));
    assert.ok(!etagMatches(undefined, '"abc"'));
  });

  it('reads a huge header in linear time', () => {
    const started = process.hrtime.bigint();
    assert.ok(!etagMatches(','.repeat(1_000_000) + ' W/'.repeat(100_000), '"abc"'));
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000);
  });
});
