import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRate } from './rate.js';

describe('parseRate', () => {
  it('reads every unit, singular, plural and short', () => {
    const cases: [string, number, number][] = [
      ['30/minute', 30, 60],
      ['30/minutes', 30, 60],
      ['30/min', 30, 60],
      ['5/second', 5, 1],
      ['5/seconds', 5, 1],
      ['5/sec', 5, 1],
      ['1000/hour', 1000, 3600],
      ['1000/hours', 1000, 3600],
      ['10/day', 10, 86_400],
      ['10/days', 10, 86_400],
      ['1/second', 1, 1],
      ['1000000000/day', 1e9, 86_400],
    ];
    for (const [text, points, durationSeconds] of cases) {
      assert.deepEqual(parseRate(text), { points, durationSeconds, text }, text);
    }
  });

  it('ignores case and surrounding spaces, and keeps the trimmed text', () => {
    assert.deepEqual(parseRate('  30/MINUTE \n'), { points: 30, durationSeconds: 60, text: '30/MINUTE' });
    assert.deepEqual(parseRate('\t5/Sec'), { points: 5, durationSeconds: 1, text: '5/Sec' });
    assert.deepEqual(parseRate('2 / hour'), { points: 2, durationSeconds: 3600, text: '2 / hour' });
  });

  it('refuses malformed rates', () => {
    const bad = [
      '',
      '   ',
      '30',
      '/minute',
      '30/',
      '30/minuets',
      '30/m',
      '30/s',
      '30/week',
      '30/month',
      '30/year',
      '30/ms',
      '30 per minute',
      '30/1 minute',
      '30/minute/hour',
      '30//minute',
      '0/minute',
      '00/minute',
      '-5/minute',
      '+5/minute',
      '1.5/second',
      '5./second',
      '.5/second',
      '1e3/hour',
      '0x10/hour',
      '1_000/hour',
      '3 0/minute',
      '1000000001/day',
      '99999999999/day',
      '9'.repeat(400) + '/day',
      'Infinity/second',
      'NaN/second',
      'five/minute',
      '３０/minute',
      'minute/30',
      '30\\minute',
      '30/minute;drop',
    ];
    for (const text of bad) assert.throws(() => parseRate(text), Error, JSON.stringify(text));
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 30, { points: 30 }]) {
      assert.throws(() => parseRate(value as unknown as string), /malformed rate limit/);
    }
  });

  it('throws a plain Error, not a request refusal', () => {
    try {
      parseRate('nope');
      assert.fail('did not throw');
    } catch (error) {
      assert.equal(Object.getPrototypeOf(error), Error.prototype);
    }
  });

  it('names the bad string, where it was and the accepted form with an example', () => {
    assert.throws(
      () => parseRate('30/fortnight', 'Cart.rateLimit'),
      (error: Error) => {
        assert.match(error.message, /"30\/fortnight"/);
        assert.match(error.message, /Cart\.rateLimit/);
        assert.match(error.message, /<count>\/<unit>/);
        assert.match(error.message, /second, minute, hour or day/);
        assert.match(error.message, /"30\/minute"/);
        return true;
      },
    );
    assert.doesNotMatch(captured(() => parseRate('x')), / in /);
  });

  it('clips a long bad string to 64 characters in the message', () => {
    const long = 'a'.repeat(64) + 'TAIL'.repeat(1000);
    const message = captured(() => parseRate(long, 'Search.rateLimit'));
    assert.ok(message.includes(`"${'a'.repeat(64)}…"`), message);
    assert.ok(!message.includes('TAIL'), 'the tail past 64 characters was shown');
    assert.ok(message.length < 300, `message is ${message.length} characters long`);
    assert.match(message, /Search\.rateLimit/);
  });
});

function captured(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('did not throw');
}
