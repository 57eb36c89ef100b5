/** The board example driven with no server: its children, keys and locked fields. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'weft';
import { createTestClient, isWeftError, mountComponent } from 'weft/testing';
import { createExampleApp } from '../app.js';
import { Counter } from '../counter/counter.js';
import { Board, MAX_COUNTERS } from './board.js';

/** The board's children render through the registry, so it must know the counter. */
function registry(): Registry {
  const reg = new Registry();
  reg.register('counter', Counter);
  return reg;
}

/** Ids of the counter roots in `html`, in order. */
function counterIds(html: string): string[] {
  return [...html.matchAll(/id="([^"]+)" weft="counter"/g)].map((m) => m[1] as string);
}

describe('Board', () => {
  it('mounts with one counter, whose id is the board id plus its key', async () => {
    const board = await mountComponent(Board, { registry: registry() });
    assert.deepEqual(board.state, { title: 'My counters', counters: [1], nextKey: 2 });
    assert.deepEqual(counterIds(board.html), [`${board.instance.id}-1`]);
    assert.match(board.html, /weft-child="[A-Za-z0-9_-]{12}"/);
  });

  it('adds counters with fresh keys and removes them by key, keeping the others\' ids', async () => {
    const board = await mountComponent(Board, { registry: registry() });
    const id = board.instance.id;
    await board.fire('addCounter');
    await board.fire('addCounter');
    assert.deepEqual(counterIds(board.html), [`${id}-1`, `${id}-2`, `${id}-3`]);
    await board.fire('removeCounter', { key: 1 });
    assert.deepEqual(counterIds(board.html), [`${id}-2`, `${id}-3`]);
    await board.fire('addCounter');
    assert.deepEqual(counterIds(board.html), [`${id}-2`, `${id}-3`, `${id}-4`], 'a removed key never comes back');
  });

  it('takes a new title from the browser but never the counter list', async () => {
    const board = await mountComponent(Board, { registry: registry() });
    await board.fire('addCounter', {}, { updates: { title: 'Renamed' } });
    assert.match(board.html, /<h2 class="title">Renamed<\/h2>/);
    await assert.rejects(board.fire('addCounter', {}, { updates: { counters: [1, 1] } }), isWeftError(400, 'locked_field'));
  });

  it(`holds at most ${MAX_COUNTERS} counters, saying so instead of adding more`, async () => {
    const board = await mountComponent(Board, { registry: registry() });
    while (board.state.counters.length < MAX_COUNTERS) await board.fire('addCounter');
    assert.equal(counterIds(board.html).length, MAX_COUNTERS);
    assert.match(board.html, /<button type="button" class="add" [^>]* disabled>Add a counter<\/button>/);
    assert.match(board.html, new RegExp(`${MAX_COUNTERS} of ${MAX_COUNTERS}`));
    // A request that adds anyway (a stale page, or crafted) is refused with a message.
    await board.fire('addCounter');
    assert.equal(board.state.counters.length, MAX_COUNTERS);
    assert.equal(board.errors.counters, `A board holds at most ${MAX_COUNTERS} counters. Remove one to add another.`);
    assert.match(board.html, /<p class="error">A board holds at most \d+ counters\. Remove one to add another\.<\/p>/);
    await board.fire('removeCounter', { key: 1 });
    await board.fire('addCounter');
    assert.equal(board.state.counters.length, MAX_COUNTERS);
    assert.equal(board.errors.counters, undefined);
    assert.doesNotMatch(board.html, /class="error"/);
  });

  it('stays capped over HTTP, however many addCounter events a request carries', async () => {
    const { weft } = createExampleApp({ secret: 'board-test-secret-0123456789abcdefghij', mode: 'production', allowedHosts: ['127.0.0.1', 'localhost'] });
    const client = await createTestClient(weft);
    try {
      const page = await client.get('/board');
      let state = /weft="board" weft-state="([^"]+)"/.exec(page.text)?.[1];
      const tenAdds = Array.from({ length: 10 }, () => ({ event: 'addCounter', payload: {} }));
      let last = page;
      for (let i = 0; i < 4; i++) {
        last = await client.post('board', { events: tenAdds, state });
        assert.equal(last.status, 200, last.text.slice(0, 200));
        state = last.state;
      }
      assert.equal(counterIds(last.text).length, MAX_COUNTERS);
      assert.match(last.text, /<p class="error">A board holds at most/);
      assert.ok(last.text.length < 64 * 1024, `${last.text.length} bytes for a full board`);
    } finally {
      await client.close();
    }
  });

  it('refuses a removeCounter without a numeric key with 422', async () => {
    const board = await mountComponent(Board, { registry: registry() });
    await assert.rejects(board.fire('removeCounter', { key: 'x' } as never), isWeftError(422, 'invalid_payload'));
  });
});
