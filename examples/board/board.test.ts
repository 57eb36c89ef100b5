/** The board example driven with no server: its children, keys and locked fields. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'weft';
import { isWeftError, mountComponent } from 'weft/testing';
import { Counter } from '../counter/counter.js';
import { Board } from './board.js';

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

  it('refuses a removeCounter without a numeric key with 422', async () => {
    const board = await mountComponent(Board, { registry: registry() });
    await assert.rejects(board.fire('removeCounter', { key: 'x' } as never), isWeftError(422, 'invalid_payload'));
  });
});
