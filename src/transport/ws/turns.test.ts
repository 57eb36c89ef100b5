import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnQueue } from './turns.js';

describe('TurnQueue', () => {
  it('starts up to its slice at once and the rest on later turns, in arrival order', async () => {
    const queue = new TurnQueue(3);
    const started: number[] = [];
    for (let i = 0; i < 8; i++) queue.start(() => started.push(i));
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(queue.size, 5);
    await nextTurn();
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
    await nextTurn();
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(queue.size, 0);
  });

  it('never lets a newcomer overtake starts that are waiting', async () => {
    const queue = new TurnQueue(2);
    const started: string[] = [];
    for (const name of ['a', 'b', 'c']) queue.start(() => started.push(name));
    await nextTurn(); // c runs; one start of this turn's slice is left
    queue.start(() => started.push('d'));
    queue.start(() => started.push('e'));
    assert.deepEqual(started, ['a', 'b', 'c', 'd'], 'd fits in the slice; e waits');
    queue.start(() => started.push('f'));
    await nextTurn();
    assert.deepEqual(started, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('starts at once again after a quiet turn', async () => {
    const queue = new TurnQueue(1);
    const started: number[] = [];
    queue.start(() => started.push(1));
    queue.start(() => started.push(2));
    await nextTurn();
    await nextTurn();
    queue.start(() => started.push(3));
    assert.deepEqual(started, [1, 2, 3]);
  });
});
