/** Page events over the live socket: the joined listeners of the page hear them, from the state the server holds. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { serve } from '../../adapters/node/index.js';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { type LiveFrame, LiveTestClient } from '../../testing/live.js';

/** A live product: `add` emits `added`, to `to` when given. */
class Shelf extends Component<{ adds: number }> {
  static override events = { add: z.object({ item: z.string(), to: z.string().optional() }), hush: true };
  static override emits = ['added'];
  static override live = true;
  mount() {
    return { adds: 0 };
  }
  add({ item, to }: { item: string; to?: string | undefined }) {
    this.state.adds++;
    this.emit('added', { item }, to === undefined ? {} : { to });
  }
  hush() {}
  override render() {
    return html`<p class="adds">${this.state.adds}</p>`;
  }
}

/** Listens to `added`; its `put` takes items of up to 8 characters. */
class Bag extends Component<{ items: string[] }> {
  static override events = { put: z.object({ item: z.string().max(8) }) };
  static override listeners = { added: 'put' };
  static override live = true;
  mount() {
    return { items: [] };
  }
  put({ item }: { item: string }) {
    this.state.items.push(item);
  }
  override render() {
    return html`<ul>${this.state.items.map((i) => html`<li>${i}</li>`)}</ul>`;
  }
}

/** The same listener, not live: the page's socket never holds it. */
class PlainBag extends Bag {
  static override live = false;
}

/** Live, but listens to nothing. */
class Deaf extends Component<{ n: number }> {
  static override events = { poke: true };
  static override live = true;
  mount() {
    return { n: 0 };
  }
  poke() {}
  override render() {
    return html`deaf`;
  }
}

const items = (h: string | undefined) => [...(h ?? '').matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);

describe('page events over the live socket', () => {
  let weft: Weft;
  let server: Server;
  const warnings: string[] = [];
  const clients: LiveTestClient[] = [];
  let ref = 1000;

  before(async () => {
    const registry = new Registry();
    registry.register('shelf', Shelf);
    registry.register('bag', Bag);
    registry.register('plain-bag', PlainBag);
    registry.register('deaf', Deaf);
    weft = createWeft({
      registry,
      secret: 'y'.repeat(32),
      user: ({ request }) => (request.headers['x-user'] ? { id: request.headers['x-user'] } : undefined),
      logger: { error() {}, warn: (m: string) => void warnings.push(m) },
    });
    server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await new Promise((r) => server.close(r));
  });

  /** A page: roots rendered for `user`, the live ones joined to a socket of that user. */
  async function page(user: string, ...names: string[]) {
    const roots = [];
    for (const name of names) roots.push(await weft.render(name, {}, { user: { id: user } }));
    const live = await LiveTestClient.connect(server, { headers: { 'x-user': user } });
    clients.push(live);
    await live.join(roots.filter((r) => / weft-live /.test(r.html)).map((r) => r.html).join(''));
    return { live, roots };
  }

  /** Sends an event frame with `listeners`, as the browser client does, and returns its answer. */
  async function send(live: LiveTestClient, id: string, payload: Record<string, unknown>, listeners: unknown[] = []): Promise<LiveFrame> {
    const key = ++ref;
    live.send({ t: 'event', id, ref: key, event: 'add', payload, updates: {}, ...(listeners.length > 0 && { listeners }) });
    return live.next((f) => f.ref === key);
  }

  it("delivers to the joined listeners on the same socket, from the state it holds, and puts the emits on the sender's render", async () => {
    const { live, roots } = await page('ann', 'shelf', 'bag', 'bag', 'deaf');
    const [shelf, b1, b2, deaf] = roots as [(typeof roots)[0], (typeof roots)[0], (typeof roots)[0], (typeof roots)[0]];
    const answer = await send(live, shelf.id, { item: 'hat' });
    assert.equal(answer.t, 'render');
    assert.deepEqual(answer.trigger, { added: { item: 'hat' } });
    assert.match(answer.html ?? '', /<p class="adds">1<\/p>/);
    const pushes = [await live.nextRender(), await live.nextRender()];
    assert.deepEqual(pushes.map((f) => f.id).sort(), [b1.id, b2.id].sort());
    for (const push of pushes) assert.deepEqual(items(push.html), ['hat']);
    assert.ok(await live.quiet(150, (f) => f.id === deaf.id), 'a root that does not listen hears nothing');

    // The socket's state, not the page's blob: a second add builds on the first,
    // even when the frame names the joined listener with its old blob.
    await send(live, shelf.id, { item: 'scarf' }, [{ id: b1.id, name: 'bag', state: b1.blob }]);
    const again = [await live.nextRender(), await live.nextRender()];
    for (const push of again) assert.deepEqual(items(push.html), ['hat', 'scarf']);
    assert.ok(await live.quiet(150, (f) => f.t === 'render'), 'each listener once');
  });

  it('sends no trigger and touches no listener when nothing was emitted, and follows `to`', async () => {
    const { live, roots } = await page('bo', 'shelf', 'bag', 'bag');
    const [shelf, b1, b2] = roots as [(typeof roots)[0], (typeof roots)[0], (typeof roots)[0]];
    const key = ++ref;
    live.send({ t: 'event', id: shelf.id, ref: key, event: 'hush' });
    const hushed = await live.next((f) => f.ref === key);
    assert.equal(hushed.t, 'render');
    assert.equal('trigger' in hushed, false);
    assert.ok(await live.quiet(150, (f) => f.t === 'render'));

    await send(live, shelf.id, { item: 'one', to: `#${b2.id}` });
    const only = await live.nextRender();
    assert.equal(only.id, b2.id);
    assert.ok(await live.quiet(150, (f) => f.id === b1.id));
    await send(live, shelf.id, { item: 'none', to: 'deaf' });
    assert.ok(await live.quiet(150, (f) => f.t === 'render'));
  });

  it('runs a listed root that has not joined from its blob, and pushes its render', async () => {
    const { live, roots } = await page('cy', 'shelf', 'plain-bag', 'plain-bag');
    const [shelf, listed, unlisted] = roots as [(typeof roots)[0], (typeof roots)[0], (typeof roots)[0]];
    assert.doesNotMatch(listed.html, / weft-live /);
    await send(live, shelf.id, { item: 'cap' }, [{ id: listed.id, name: 'plain-bag', state: listed.blob }]);
    const push = await live.nextRender();
    assert.equal(push.id, listed.id);
    assert.deepEqual(items(push.html), ['cap']);
    assert.ok(await live.quiet(150, (f) => f.id === unlisted.id), 'a root the page did not name is not touched');
  });

  it("skips a refused listener with an error frame for it, leaving its state; the sender's answer stands", async () => {
    const { live, roots } = await page('di', 'shelf', 'bag');
    const [shelf, bag] = roots as [(typeof roots)[0], (typeof roots)[0]];
    const theirs = await weft.render('plain-bag', {}, { user: { id: 'eve' } });
    const answer = await send(live, shelf.id, { item: 'much too long' }, [{ id: theirs.id, name: 'plain-bag', state: theirs.blob }]);
    assert.equal(answer.t, 'render');
    const errors = [await live.next((f) => f.t === 'error'), await live.next((f) => f.t === 'error')];
    assert.deepEqual(
      errors.map((f) => [f.id, f.status, f.code, f.ref, f.join]).sort(),
      [
        [bag.id, 422, 'invalid_payload', undefined, undefined],
        [theirs.id, 403, 'state_user', undefined, undefined],
      ].sort(),
    );
    assert.ok(warnings.some((w) => w.includes(`listener ${theirs.id} (plain-bag) skipped the page event: 403 state_user`)));
    assert.ok(warnings.some((w) => w.includes(`listener ${bag.id} (bag) skipped the page event: 422 invalid_payload`)));
    // The bag is still joined, with its state as it was.
    await send(live, shelf.id, { item: 'ok' });
    assert.deepEqual(items((await live.nextRender(bag.id)).html), ['ok']);
  });
});
