import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from './errors.js';
import { beginRender, checkRenderSize, DEFAULT_RENDER_LIMITS, RenderRecord, renderRecord } from './render-record.js';

function weftError(status: number, code: string): (err: unknown) => boolean {
  return (err) => err instanceof WeftError && err.status === status && err.code === code;
}

const small = { maxResponseBytes: 10, maxChildren: 2 };

describe('RenderRecord', () => {
  it('lists the bound fields sorted, once each', () => {
    const record = new RenderRecord();
    for (const field of ['note', 'size', 'note']) record.bind(field);
    assert.deepEqual(record.bound, ['note', 'size']);
    assert.deepEqual(new RenderRecord().bound, []);
  });

  it('starts afresh on every beginRender: nothing a past render bound or keyed carries over', () => {
    const instance = {};
    renderRecord(instance).bind('role');
    renderRecord(instance).childKey('x', undefined, small);
    const fresh = beginRender(instance);
    assert.equal(renderRecord(instance), fresh);
    assert.deepEqual(fresh.bound, []);
    assert.equal(fresh.childKey('x', undefined, small), '_0');
  });

  it('refuses the child past maxChildren with 413 too_many_children, before it is rendered', () => {
    const record = new RenderRecord();
    record.childKey('board', undefined, small);
    record.childKey('board', 'k', small);
    assert.equal(record.children, 2);
    assert.throws(() => record.childKey('board', undefined, small), (err) => {
      assert.ok(weftError(413, 'too_many_children')(err));
      assert.match((err as Error).message, /"board" renders more than 2 children/);
      assert.deepEqual((err as WeftError).toJSON().limit, 2);
      return true;
    });
  });

  it('claims slot keys slot-<name> beside child keys, counted and unique alike; "slot" is no child key', () => {
    const record = new RenderRecord();
    assert.equal(record.slotKey('product', 'reviews', small), 'slot-reviews');
    assert.throws(() => record.slotKey('product', 'reviews', small), /"product" renders two children with the key "slot-reviews"/);
    assert.throws(() => record.childKey('product', 'slot', small), /key "slot" of a child of "product" is reserved for slot fills/);
    assert.equal(record.childKey('product', undefined, small), '_0', 'a refused key takes no position');
    assert.throws(() => record.slotKey('product', 'other', small), weftError(413, 'too_many_children'));
  });

  it('refuses children whose HTML together passes maxResponseBytes as soon as it does', () => {
    const record = new RenderRecord();
    record.addChild('board', 'x'.repeat(6), small);
    assert.throws(() => record.addChild('board', 'x'.repeat(5), small), weftError(413, 'response_too_large'));
  });
});

describe('checkRenderSize', () => {
  it('measures UTF-8 bytes, not characters', () => {
    checkRenderSize('c', 'x'.repeat(10), small);
    assert.throws(() => checkRenderSize('c', 'x'.repeat(11), small), weftError(413, 'response_too_large'));
    checkRenderSize('c', 'é'.repeat(5), small);
    // Six characters, twelve bytes.
    assert.throws(() => checkRenderSize('c', 'é'.repeat(6), small), weftError(413, 'response_too_large'));
    assert.throws(() => checkRenderSize('c', '😀'.repeat(3), small), weftError(413, 'response_too_large'));
  });

  it('defaults to 1 MiB of HTML and 500 children', () => {
    assert.deepEqual(DEFAULT_RENDER_LIMITS, { maxResponseBytes: 1024 * 1024, maxChildren: 500 });
    checkRenderSize('c', 'x'.repeat(1024 * 1024), DEFAULT_RENDER_LIMITS);
    assert.throws(() => checkRenderSize('c', 'x'.repeat(1024 * 1024 + 1), DEFAULT_RENDER_LIMITS), /larger than 1048576 bytes/);
  });
});
