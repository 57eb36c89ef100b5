import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSlotName, isSlotSpec } from './slot-spec.js';

describe('isSlotName', () => {
  it('takes identifiers of letters, digits and _ up to 64 characters', () => {
    for (const name of ['default', 'reviews', '_x', 'a1', 'A_b_2', 'x'.repeat(64)]) assert.equal(isSlotName(name), true, name);
  });

  it('refuses anything that could break an element id or an object', () => {
    for (const name of ['', '1st', 'not-ok', 'a b', 'é', 'x'.repeat(65), '__proto__', 'a.b', 42, undefined, null]) {
      assert.equal(isSlotName(name), false, String(name));
    }
  });
});

describe('isSlotSpec', () => {
  it('takes HTML fills and component fills, nested', () => {
    assert.equal(isSlotSpec({}), true);
    assert.equal(isSlotSpec({ a: { h: '<b>x</b>' }, b: { c: 'reviews' }, d: { c: 'card', p: { id: 1 }, l: { default: { h: '' } } } }), true);
  });

  it('refuses any other shape', () => {
    for (const spec of [
      null,
      [],
      'x',
      { a: 'x' },
      { 'a-b': { h: 'x' } },
      { a: { h: 1 } },
      { a: { h: 'x', c: 'y' } },
      { a: { c: 'y', p: [] } },
      { a: { c: 'y', p: 'z' } },
      { a: { c: 'y', x: 1 } },
      { a: { c: 'y', l: { b: { h: 2 } } } },
      { a: {} },
    ]) {
      assert.equal(isSlotSpec(spec), false, JSON.stringify(spec));
    }
  });
});
