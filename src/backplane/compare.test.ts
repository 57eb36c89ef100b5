import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSeq, isSeq } from './compare.js';

describe('compareSeq', () => {
  it('orders by milliseconds, then by the counter, numerically', () => {
    assert.ok(compareSeq('1-0', '2-0') < 0);
    assert.ok(compareSeq('2-0', '1-0') > 0);
    assert.equal(compareSeq('5-3', '5-3'), 0);
    assert.ok(compareSeq('5-3', '5-10') < 0, '10 is more than 3 although "10" < "3" as text');
    assert.ok(compareSeq('999-99', '1000-0') < 0, 'a longer millisecond count is later');
    assert.ok(compareSeq('0-0', '1800000000000-0') < 0);
  });

  it('handles ids beyond 2^53 exactly, as Redis may issue them', () => {
    assert.ok(compareSeq('18446744073709551615-0', '18446744073709551614-0') > 0);
    assert.ok(compareSeq('9007199254740993-0', '9007199254740992-0') > 0, 'would be equal as JS numbers');
    assert.ok(compareSeq('1-18446744073709551615', '2-0') < 0);
  });

  it('sorts a list the way Redis orders a stream', () => {
    const ids = ['10-1', '9-0', '10-0', '100-0', '10-10', '10-2'];
    assert.deepEqual(ids.sort(compareSeq), ['9-0', '10-0', '10-1', '10-2', '10-10', '100-0']);
  });

  it('throws a TypeError for a malformed id', () => {
    assert.throws(() => compareSeq('1-0', 'x'), TypeError);
    assert.throws(() => compareSeq('01-0', '1-0'), /not a sequence id/);
  });
});

describe('isSeq', () => {
  it('accepts <ms>-<n> and nothing else', () => {
    for (const ok of ['0-0', '1-0', '1800000000000-12', '18446744073709551615-18446744073709551615']) {
      assert.equal(isSeq(ok), true, ok);
    }
    for (const bad of [
      '',
      '1',
      '-1-0',
      '1--0',
      '1-0-0',
      '01-0',
      '1-00',
      ' 1-0',
      '1-0\n',
      '1.0-0',
      '1e3-0',
      '123456789012345678901-0',
      1,
      null,
      undefined,
      {},
    ]) {
      assert.equal(isSeq(bad), false, JSON.stringify(bad));
    }
  });
});
