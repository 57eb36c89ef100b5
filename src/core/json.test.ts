import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from './errors.js';
import { checkDepth, isPlainObject, parseJson } from './json.js';

function weftError(status: number, code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('checkDepth', () => {
  it('accepts nesting up to the cap', () => {
    assert.doesNotThrow(() => checkDepth('[[1]]', 2));
    assert.doesNotThrow(() => checkDepth('{"a":{"b":[1]}}', 3));
    assert.doesNotThrow(() => checkDepth('1', 0));
    assert.doesNotThrow(() => checkDepth('"text"', 0));
  });

  it('refuses nesting past the cap with 400 too_deep and the limit', () => {
    assert.throws(() => checkDepth('[[1]]', 1), (err: unknown) => {
      weftError(400, 'too_deep')(err);
      assert.deepEqual((err as WeftError).details, { maxDepth: 1 });
      return true;
    });
    assert.throws(() => checkDepth('{"a":{"b":[1]}}', 2), weftError(400, 'too_deep'));
    assert.throws(() => checkDepth('{}', 0), weftError(400, 'too_deep'));
  });

  it('counts depth, not the number of containers', () => {
    assert.doesNotThrow(() => checkDepth('[[1],[2],{"a":3},[4]]', 2));
    assert.doesNotThrow(() => checkDepth(JSON.stringify(Array.from({ length: 1000 }, () => ({ a: [1] }))), 3));
  });

  it('does not count brackets inside strings', () => {
    assert.doesNotThrow(() => checkDepth('{"a":"[[[[{{{{"}', 1));
    assert.doesNotThrow(() => checkDepth('{"[[[[":"]]]]{{"}', 1));
  });

  it('handles escaped quotes inside strings', () => {
    // {"a":"\"[[[["} : the escaped quote does not end the string.
    assert.doesNotThrow(() => checkDepth(String.raw`{"a":"\"[[[["}`, 1));
    assert.doesNotThrow(() => checkDepth(String.raw`["\"", "\"[", "[\""]`, 1));
  });

  it('handles an escaped backslash before a closing quote', () => {
    // ["\\",[[[1]]]] : the string is one backslash; the brackets after it count.
    const text = String.raw`["\\",[[[1]]]]`;
    assert.deepEqual(JSON.parse(text), ['\\', [[[1]]]]);
    assert.doesNotThrow(() => checkDepth(text, 4));
    assert.throws(() => checkDepth(text, 3), weftError(400, 'too_deep'));
  });

  it('refuses a deep array before any parsing (even if unterminated)', () => {
    assert.throws(() => checkDepth('['.repeat(100_000), 32), weftError(400, 'too_deep'));
  });
});

describe('parseJson', () => {
  it('parses valid JSON', () => {
    assert.deepEqual(parseJson('{"event":"add","payload":{"by":2},"list":[1,"x",null,true]}', 32), {
      event: 'add',
      payload: { by: 2 },
      list: [1, 'x', null, true],
    });
    assert.equal(parseJson('3', 32), 3);
  });

  it('parses \\u escapes that do not spell __proto__', () => {
    assert.deepEqual(parseJson(String.raw`{"name":"caf\u00e9","n":"\u005f"}`, 32), { name: 'café', n: '_' });
  });

  it('applies the depth cap (400 too_deep) before parsing', () => {
    assert.throws(() => parseJson('[[[1]]]', 2), weftError(400, 'too_deep'));
    assert.throws(() => parseJson('[[[', 2), weftError(400, 'too_deep'));
    assert.deepEqual(parseJson('[[[1]]]', 3), [[[1]]]);
  });

  for (const [label, text] of [
    ['a top-level __proto__ key', '{"__proto__":{"isAdmin":true}}'],
    ['a nested __proto__ key', '{"payload":{"a":[{"__proto__":{"x":1}}]}}'],
    ['a __proto__ key spelled with \\u escapes', String.raw`{"\u005f\u005fproto\u005f\u005f":{"isAdmin":true}}`],
    ['a partly escaped __proto__ key', String.raw`{"__pro\u0074o__":1}`],
  ] as const) {
    it(`refuses ${label} with 400 bad_json`, () => {
      assert.throws(() => parseJson(text, 32), weftError(400, 'bad_json', /__proto__/));
      assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    });
  }

  it('allows "__proto__" as a string value', () => {
    assert.deepEqual(parseJson('{"field":"__proto__"}', 32), { field: '__proto__' });
  });

  it('allows keys that merely contain __proto__', () => {
    assert.deepEqual(parseJson('{"__proto__x":1}', 32), { __proto__x: 1 });
  });

  for (const text of ['', '{', '{"a":}', "{'a':1}", '{"a":1,}', 'undefined', '{"a":1} x', 'NaN']) {
    it(`refuses the malformed text ${JSON.stringify(text)} with 400 bad_json and the parser's message`, () => {
      assert.throws(() => parseJson(text, 32), weftError(400, 'bad_json', /^body is not valid JSON: .+/));
    });
  }

  it('refuses malformed text on the reviver path too', () => {
    assert.throws(() => parseJson(String.raw`{"\u0061":}`, 32), weftError(400, 'bad_json', /^body is not valid JSON: /));
  });
});

describe('isPlainObject', () => {
  it('is true only for non-null, non-array objects', () => {
    assert.equal(isPlainObject({}), true);
    assert.equal(isPlainObject({ a: 1 }), true);
    assert.equal(isPlainObject([]), false);
    assert.equal(isPlainObject(null), false);
    assert.equal(isPlainObject(undefined), false);
    assert.equal(isPlainObject('x'), false);
    assert.equal(isPlainObject(1), false);
  });
});
