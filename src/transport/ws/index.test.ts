import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { serve } from '../../adapters/node/index.js';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { MemoryBackplane } from '../../backplane/memory.js';
import { LiveTestClient, rootsIn } from '../../testing/live.js';

class Cart extends Component<{ user: string; items: string[] }, { user: string }> {
  static override events = { add: z.object({ item: z.string().max(20) }), share: z.object({ item: z.string().max(20) }), fail: true };
  mount() {
    return { user: this.params.user, items: [] };
  }
  override groups() {
    return [`cart-${this.state.user}`];
  }
  add({ item }: { item: string }) {
    this.state.items.push(item);
  }
  /** Adds here, and tells the user's other carts. */
  async share({ item }: { item: string }) {
    this.add({ item });
    await this.broadcast(`cart-${this.state.user}`, 'add', { item });
  }
  fail() {
    this.state.items.push('half-done');
    throw new Error('boom');
  }
  override render() {
    return html`<ul>${this.state.items.map((i) => html`<li>${i}</li>`)}</ul>`;
  }
}

class Plain extends Component<{ n: number }> {
  static override events = { inc: true };
  static override live = true;
  mount() {
    return { n: 0 };
  }
  inc() {
    this.state.n++;
  }
  override render() {
    return html`<b>${this.state.n}</b>`;
  }
}

const items = (h: string | undefined) => [...(h ?? '').matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);

describe('WebSocket transport', () => {
  let weft: Weft;
  let server: Server;
  const clients: LiveTestClient[] = [];
  const connect = async (options?: Parameters<typeof LiveTestClient.connect>[1]) => {
    const c = await LiveTestClient.connect(server, options);
    clients.push(c);
    return c;
  };

  before(async () => {
    const registry = new Registry();
    registry.register('cart', Cart);
    registry.register('plain', Plain);
    weft = createWeft({ registry, secret: 'x'.repeat(32), logger: { error() {}, warn() {} } });
    server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await new Promise((r) => server.close(r));
  });

  it('marks live roots and signs their groups', async () => {
    const page = await weft.render(Cart, { user: 'a' });
    assert.match(page.html, /^<div id="cart-[^"]+" weft="cart" weft-state="[^"]+" weft-live /);
    assert.deepEqual(page.groups, ['cart-a']);
    assert.match((await weft.render(Plain)).html, / weft-live /);
  });

  it('runs events sent over the socket, with the state the server holds', async () => {
    const page = await weft.render(Plain);
    const live = await connect();
    await live.join(page.html);
    const [root] = rootsIn(page.html);
    for (let i = 1; i <= 3; i++) {
      const answer = await live.event(root!.id, 'inc');
      assert.equal(answer.t, 'render');
      assert.match(answer.html!, new RegExp(`<b>${i}</b>`));
    }
  });

  it('answers a bad event with the same error codes as HTTP, and keeps the state', async () => {
    const page = await weft.render(Cart, { user: 'e' });
    const live = await connect();
    await live.join(page.html);
    const { id } = rootsIn(page.html)[0]!;
    const unknown = await live.event(id, 'toString');
    assert.deepEqual([unknown.t, unknown.status, unknown.code], ['error', 400, 'unknown_event']);
    const invalid = await live.event(id, 'add', { item: 42 });
    assert.deepEqual([invalid.status, invalid.code], [422, 'invalid_payload']);
    const failed = await live.event(id, 'fail');
    assert.deepEqual([failed.status, failed.code], [500, 'handler_error']);
    const ok = await live.event(id, 'add', { item: 'hat' });
    assert.deepEqual(items(ok.html), ['hat'], 'the failed handler changed nothing');
  });

  it('refuses events for a root that has not joined, and malformed frames', async () => {
    const live = await connect();
    const answer = await live.event('cart-nope', 'add', { item: 'x' });
    assert.deepEqual([answer.status, answer.code], [409, 'not_joined']);
    live.send('{not json');
    assert.equal((await live.next((f) => f.t === 'error')).code, 'bad_json');
    live.send({ t: 'dance' });
    assert.equal((await live.next((f) => f.t === 'error')).code, 'bad_request');
  });

  it('pushes a broadcast to every member of the group and nobody else', async () => {
    const a1 = await weft.render(Cart, { user: 'alice' });
    const a2 = await weft.render(Cart, { user: 'alice' });
    const b = await weft.render(Cart, { user: 'bob' });
    const [t1, t2, t3] = [await connect(), await connect(), await connect()];
    await t1.join(a1.html);
    await t2.join(a2.html);
    await t3.join(b.html);
    await weft.broadcast('cart-alice', 'add', { item: 'socks' });
    assert.deepEqual(items((await t1.nextRender()).html), ['socks']);
    assert.deepEqual(items((await t2.nextRender()).html), ['socks']);
    assert.ok(await t3.quiet(200), "bob's cart got nothing");
  });

  it("skips the sender of a component's own broadcast: it changes once, the others once", async () => {
    const [a1, a2] = [await weft.render(Cart, { user: 'echo' }), await weft.render(Cart, { user: 'echo' })];
    const [t1, t2] = [await connect(), await connect()];
    await t1.join(a1.html);
    await t2.join(a2.html);
    const answer = await t1.event(rootsIn(a1.html)[0]!.id, 'share', { item: 'hat' });
    assert.deepEqual(items(answer.html), ['hat']);
    assert.deepEqual(items((await t2.nextRender()).html), ['hat']);
    assert.ok(await t1.quiet(200, (f) => f.t === 'render'), 'no echo to the sender');
  });

  it('validates a broadcast payload like a browser event', async () => {
    const page = await weft.render(Cart, { user: 'val' });
    const live = await connect();
    await live.join(page.html);
    await weft.broadcast('cart-val', 'add', { item: 7 });
    const err = await live.next((f) => f.t === 'error');
    assert.equal(err.code, 'invalid_payload');
    await weft.broadcast('cart-val', 'mount', {});
    assert.equal((await live.next((f) => f.t === 'error')).code, 'unknown_event');
  });

  it('refuses a hand-crafted join that names groups', async () => {
    const page = await weft.render(Cart, { user: 'mallory' });
    const live = await connect();
    const root = rootsIn(page.html)[0]!;
    live.send({ t: 'join', ...root, groups: ['cart-alice'] });
    const err = await live.next((f) => f.t === 'error');
    assert.equal(err.code, 'bad_request');
    assert.match(err.error!, /groups are decided by the server/);
    await weft.broadcast('cart-alice', 'add', { item: 'secret' });
    assert.ok(await live.quiet(200, (f) => f.t === 'render'));
  });

  it('refuses a join whose blob belongs to another root or is tampered with', async () => {
    const page = await weft.render(Cart, { user: 'z' });
    const live = await connect();
    const root = rootsIn(page.html)[0]!;
    live.send({ t: 'join', ...root, id: 'cart-other' });
    assert.equal((await live.next((f) => f.t === 'error')).code, 'state_component');
    live.send({ t: 'join', ...root, state: `${root.state.slice(0, -2)}AA` });
    assert.equal((await live.next((f) => f.t === 'error')).code, 'state_signature');
  });

  it('does not lose a broadcast made between the render and the join', async () => {
    const page = await weft.render(Cart, { user: 'gap' });
    await weft.broadcast('cart-gap', 'add', { item: 'early' });
    const live = await connect();
    await live.join(page.html);
    assert.deepEqual(items((await live.nextRender()).html), ['early']);
  });

  it('replays exactly what a dropped connection missed, in order', async () => {
    const page = await weft.render(Cart, { user: 'drop' });
    const first = await connect();
    await first.join(page.html);
    await weft.broadcast('cart-drop', 'add', { item: 'one' });
    const pushed = await first.nextRender();
    await first.close();
    for (const item of ['two', 'three', 'four']) await weft.broadcast('cart-drop', 'add', { item });
    const second = await connect();
    await second.join(pushed.html!);
    assert.deepEqual(items((await second.nextRender()).html), ['one', 'two', 'three', 'four']);
    assert.ok(await second.quiet(150, (f) => f.t === 'render'), 'nothing twice');
  });

  it('renders from the state it holds when what it missed is past the buffer', async () => {
    const registry = new Registry();
    registry.register('cart', Cart);
    const small = createWeft({ registry, secret: 'x'.repeat(32), backplane: new MemoryBackplane({ bufferSize: 2 }), logger: { error() {}, warn() {} } });
    const s2 = await serve(small, { port: 0, hostname: '127.0.0.1' });
    try {
      const page = await small.render(Cart, { user: 'far' });
      for (const item of ['a', 'b', 'c', 'd', 'e']) await small.broadcast('cart-far', 'add', { item });
      const live = await LiveTestClient.connect(s2);
      await live.join(page.html);
      const resync = await live.nextRender();
      assert.deepEqual(items(resync.html), [], 'what it held, not a half replay');
      await small.broadcast('cart-far', 'add', { item: 'f' });
      assert.deepEqual(items((await live.nextRender()).html), ['f'], 'and it follows from there');
      await live.close();
    } finally {
      s2.closeAllConnections();
      await new Promise((r) => s2.close(r));
    }
  });

  it('keeps the frames a page sends while async locals() are being found', async () => {
    const registry = new Registry();
    registry.register('cart', Cart);
    const slow = createWeft({ registry, secret: 'x'.repeat(32), logger: { error() {}, warn() {} } });
    const s2 = await serve(slow, {
      port: 0,
      hostname: '127.0.0.1',
      locals: () => new Promise((resolve) => setTimeout(() => resolve({ who: 'late' }), 100)),
    });
    try {
      const page = await slow.render(Cart, { user: 'slow' });
      const live = await LiveTestClient.connect(s2);
      await live.join(page.html);
      const answer = await live.event(rootsIn(page.html)[0]!.id, 'add', { item: 'tea' });
      assert.deepEqual(items(answer.html), ['tea']);
      await live.close();
    } finally {
      s2.closeAllConnections();
      await new Promise((r) => s2.close(r));
    }
  });

  it('refuses a cross-origin upgrade', async () => {
    await assert.rejects(connect({ origin: 'http://evil.example' }), /upgrade refused: 403/);
  });

  it('closes every socket with 1001 when the server shuts down, asking each to wait a different time', async () => {
    const s2 = await serve(weft, { port: 0, hostname: '127.0.0.1', live: { reconnectSpreadMs: 4000 } });
    const sockets = await Promise.all(Array.from({ length: 8 }, () => LiveTestClient.connect(s2)));
    const closes = sockets.map((live) => new Promise<[number, string]>((r) => live.socket.once('close', (c, reason) => r([c, reason.toString()]))));
    s2.close();
    const waits: number[] = [];
    for (const [code, reason] of await Promise.all(closes)) {
      assert.equal(code, 1001);
      assert.match(reason, /^retry=\d+$/);
      waits.push(Number(reason.slice('retry='.length)));
    }
    assert.ok(waits.every((ms) => ms >= 500 && ms < 4500), `waits within the spread: ${waits.join(', ')}`);
    assert.ok(new Set(waits).size > 1, `spread, not all the same: ${waits.join(', ')}`);
  });
});
