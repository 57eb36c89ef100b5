/**
 * A group message is handled once per distinct component in a process: the
 * roots that hold the same component (one page open in many browsers) share
 * the handler's run and the render, and each keeps its own state afterwards.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { serve } from '../../adapters/node/index.js';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { LiveTestClient, rootsIn } from '../../testing/live.js';
import { inFlightCount } from './shared-work.js';

class Score extends Component<{ points: number; note: string }, { match: string }> {
  static handled = 0;
  static renders = 0;
  static override events = { score: true, fail: true, note: true };
  mount() {
    return { points: 0, note: '' };
  }
  override groups() {
    return [`match-${this.params.match}`];
  }
  score({ by }: Record<string, unknown>) {
    Score.handled++;
    this.state.points += Number(by ?? 1);
  }
  fail() {
    Score.handled++;
    this.state.points = -1;
    throw new Error('no score today');
  }
  note({ text }: Record<string, unknown>) {
    this.state.note = String(text);
  }
  override render() {
    Score.renders++;
    return html`<b>${this.state.points}</b><i>${this.state.note}</i>`;
  }
}

describe('group messages shared by the roots that hold the same component', () => {
  let weft: Weft;
  let server: Server;
  const clients: LiveTestClient[] = [];

  before(async () => {
    const registry = new Registry();
    registry.register('score', Score);
    weft = createWeft({
      registry,
      secret: 'shared-work-secret-0123456789abcdefghij',
      mode: 'development',
      logger: { error() {}, warn() {} },
      user: ({ request }) => {
        const id = request.headers['x-user'];
        return id === undefined ? undefined : { id };
      },
    });
    server = await serve(weft, { port: 0, hostname: '127.0.0.1', live: { messagesPerSecond: 10_000 } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    Score.handled = 0;
    Score.renders = 0;
  });

  /** `count` sockets that each joined the same root (one page, open in `count` browsers). */
  async function samePageIn(match: string, count: number, user?: string): Promise<{ id: string; sockets: LiveTestClient[] }> {
    const page = await weft.render(Score, { match }, user === undefined ? {} : { user: { id: user } });
    const sockets: LiveTestClient[] = [];
    for (let i = 0; i < count; i++) {
      const socket = await LiveTestClient.connect(server, user === undefined ? {} : { headers: { 'x-user': user } });
      clients.push(socket);
      await socket.join(page.html);
      sockets.push(socket);
    }
    return { id: rootsIn(page.html)[0]!.id, sockets };
  }

  it('runs the handler and the render once for all of them, and each gets the same render', async () => {
    const { id, sockets } = await samePageIn('a', 5);
    Score.handled = 0;
    Score.renders = 0;
    await weft.broadcast('match-a', 'score', { by: 3 });
    const frames = await Promise.all(sockets.map((s) => s.nextRender(id)));
    assert.equal(Score.handled, 1, 'the handler ran once');
    assert.equal(Score.renders, 1, 'the render ran once');
    for (const frame of frames) {
      assert.match(frame.html!, /<b>3<\/b>/);
      assert.equal(frame.html, frames[0]!.html, 'the same root element, blob included');
    }
    // Once every root is done, the outcome goes (the backplane keeps the message for replay, not its renders).
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(inFlightCount(), 0);
  });

  it('keeps each root its own state: an event on one changes only that one, and the next message runs once per distinct state', async () => {
    const { id, sockets } = await samePageIn('b', 3);
    const [a, b, c] = sockets as [LiveTestClient, LiveTestClient, LiveTestClient];
    const answer = await a.event(id, 'note', { text: 'mine' });
    assert.match(answer.html!, /<i>mine<\/i>/);
    Score.handled = 0;
    await weft.broadcast('match-b', 'score', { by: 1 });
    const [fa, fb, fc] = await Promise.all([a.nextRender(id), b.nextRender(id), c.nextRender(id)]);
    assert.equal(Score.handled, 2, 'a holds another state than b and c');
    assert.match(fa.html!, /<b>1<\/b><i>mine<\/i>/);
    assert.match(fb.html!, /<b>1<\/b><i><\/i>/);
    assert.equal(fb.html, fc.html);
    // b's state is its own object: an event on b does not reach c.
    assert.match((await b.event(id, 'note', { text: 'b' })).html!, /<i>b<\/i>/);
    assert.match((await c.event(id, 'score', { by: 10 })).html!, /<b>11<\/b><i><\/i>/);
  });

  it('does not share between users: the same page of two users runs twice', async () => {
    const ada = await samePageIn('c', 1, 'ada');
    const bob = await samePageIn('c', 1, 'bob');
    Score.handled = 0;
    await weft.broadcast('match-c', 'score', { by: 2 });
    await Promise.all([ada.sockets[0]!.nextRender(ada.id), bob.sockets[0]!.nextRender(bob.id)]);
    assert.equal(Score.handled, 2);
  });

  it('a handler that fails fails for each root, once, and leaves every state as it was', async () => {
    const { id, sockets } = await samePageIn('d', 3);
    Score.handled = 0;
    await weft.broadcast('match-d', 'fail');
    const errors = await Promise.all(sockets.map((s) => s.next((f) => f.t === 'error' && f.id === id)));
    assert.equal(Score.handled, 1);
    for (const e of errors) assert.equal(e.code, 'handler_error');
    for (const s of sockets) assert.match((await s.event(id, 'score', { by: 1 })).html!, /<b>1<\/b>/, 'the failed handler changed nothing');
  });
});

