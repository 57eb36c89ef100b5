/** The counter example driven with no server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from 'weft';
import { mountComponent, isWeftError } from 'weft/testing';
import { Counter } from './counter.js';


describe('Counter', () => {
  it('mounts at 0 with an empty note', async () => {
    const counter = await mountComponent(Counter);
    assert.deepEqual(counter.state, { count: 0, note: '' });
    assert.match(counter.html, /<output class="count">0<\/output>/);
    assert.match(counter.html, /Saved note: \(empty\)/);
  });

  it('mounts at the start param', async () => {
    const counter = await mountComponent(Counter, { params: { start: 5 } });
    assert.equal(counter.state.count, 5);
  });

  it('increments and decrements', async () => {
    const counter = await mountComponent(Counter);
    await counter.fire('increment');
    await counter.fire('increment');
    assert.match(await counter.fire('decrement'), /<output class="count">1<\/output>/);
    assert.equal(counter.state.count, 1);
    await counter.fire('decrement');
    await counter.fire('decrement');
    assert.equal(counter.state.count, -1);
  });

  it('adds a validated amount', async () => {
    const counter = await mountComponent(Counter);
    await counter.fire('add', { by: 10 });
    await counter.fire('add', { by: -100 });
    await counter.fire('add', { by: 100 });
    assert.equal(counter.state.count, 10);
  });

  for (const [label, payload] of [
    ['by: 1000', { by: 1000 }],
    ['by: -101', { by: -101 }],
    ['by: 1.5', { by: 1.5 }],
    ['by: "10"', { by: '10' }],
    ['no by', {}],
  ] as const) {
    it(`rejects add with ${label} (422 invalid_payload)`, async () => {
      const counter = await mountComponent(Counter);
      await assert.rejects(counter.fire('add', payload as unknown as { by: number }), isWeftError(422, 'invalid_payload'));
      assert.equal(counter.state.count, 0);
    });
  }

  it('reports the failing field', async () => {
    const counter = await mountComponent(Counter);
    await assert.rejects(counter.fire('add', { by: 1000 }), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.deepEqual((err.details?.issues as { path: string }[]).map((i) => i.path), ['by']);
      return true;
    });
  });

  it('refuses undeclared events', async () => {
    const counter = await mountComponent(Counter);
    await assert.rejects(counter.fire('mount' as 'increment'), isWeftError(400, 'unknown_event'));
    await assert.rejects(counter.fire('render' as 'increment'), isWeftError(400, 'unknown_event'));
  });

  it('renders buttons wired to its events and an input bound to the note', async () => {
    const counter = await mountComponent(Counter);
    const c = counter.instance;
    assert.ok(counter.html.includes(`class="inc" ${c.on('increment').value}`));
    assert.ok(counter.html.includes(`class="dec" ${c.on('decrement').value}`));
    assert.ok(counter.html.includes(`class="add10" ${c.on('add', { by: 10 }).value}`));
    assert.ok(counter.html.includes(c.bind('note').value));
  });

  it('escapes the note', async () => {
    const counter = await mountComponent(Counter);
    counter.state.note = '<script>"x"</script>';
    const out = await counter.render();
    assert.match(out, /Saved note: &lt;script&gt;&quot;x&quot;&lt;\/script&gt;/);
    assert.match(out, /value="&lt;script&gt;&quot;x&quot;&lt;\/script&gt;"/);
  });
});
