import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { attachLive } from '../../adapters/node/index.js';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { groupTopic } from '../../core/live.js';
import { Registry } from '../../core/registry.js';
import { LiveTestClient } from '../../testing/live.js';
import type { LiveServer } from './index.js';
import { PER_TURN } from './turns.js';

class Room extends Component<{ room: string; n: number }, { room: string }> {
  static override events = { bump: true };
  mount() {
    return { room: this.params.room, n: 0 };
  }
  override groups() {
    return [`room-${this.state.room}`];
  }
  bump() {
    this.state.n++;
  }
  override render() {
    roomRenders++;
    return html`<b>${this.state.n}</b>`;
  }
}

/** Renders of Room so far, in this process. */
let roomRenders = 0;

/** Shows how many Room renders had happened when its event ran. */
class Probe extends Component<{ seen: number }> {
  static override events = { look: true };
  static override live = true;
  mount() {
    return { seen: 0 };
  }
  look() {
    this.state.seen = roomRenders;
  }
  override render() {
    return html`<i>${this.state.seen}</i>`;
  }
}

const until = async (check: () => boolean, what: string, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('live sockets: bookkeeping', () => {
  let weft: Weft;
  let server: Server;
  let live: LiveServer;
  let url: string;

  before(async () => {
    const registry = new Registry();
    registry.register('room', Room);
    registry.register('probe', Probe);
    weft = createWeft({ registry, secret: 'x'.repeat(32), logger: { error() {}, warn() {} } });
    server = createServer((_req, res) => res.end());
    // Short enough for the dead-socket test to be quick, long enough that a busy
    // machine running the whole suite still answers a ping within one interval.
    live = attachLive(server, weft, { heartbeatMs: 250, maxRoots: 500, messagesPerSecond: 10_000 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/components/`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
  });

  it('forgets a socket that closes, and its roots leave their groups', async () => {
    const before = live.size;
    const client = await LiveTestClient.connect(server);
    await client.join((await weft.render(Room, { room: 'gone' })).html);
    assert.equal(live.size, before + 1);
    assert.equal(weft.hub.size(groupTopic('room-gone')), 1);
    await client.close();
    await until(() => live.size === before, 'the socket is forgotten');
    assert.equal(weft.hub.size(groupTopic('room-gone')), 0, 'no member left behind in the group');
  });

  it('handles each socket with its own connection when many share the listeners', async () => {
    const [a, b] = [await LiveTestClient.connect(server), await LiveTestClient.connect(server)];
    const pageA = await weft.render(Room, { room: 'a' });
    const pageB = await weft.render(Room, { room: 'b' });
    await a.join(pageA.html);
    await b.join(pageB.html);
    assert.match((await a.event(pageA.id, 'bump')).html!, /<b>1<\/b>/);
    // b's root is not joined on a's socket: each socket answers from its own roots.
    assert.equal((await a.event(pageB.id, 'bump')).code, 'not_joined');
    assert.match((await b.event(pageB.id, 'bump')).html!, /<b>1<\/b>/);
    await Promise.all([a.close(), b.close()]);
  });

  it('closes a socket that sends a binary frame with 1003', async () => {
    const client = await LiveTestClient.connect(server);
    const code = new Promise<number>((r) => client.socket.once('close', (c) => r(c)));
    client.socket.send(Buffer.from('{"t":"ping"}'), { binary: true });
    assert.equal(await code, 1003);
  });

  it('keeps a socket that answers pings and drops one that does not', async () => {
    const answering = await LiveTestClient.connect(server);
    const silent = new WebSocket(url, { autoPong: false, headers: { origin: url.replace(/^ws/, 'http').replace(/\/ws\/.*$/, '') } });
    await new Promise((r, j) => silent.once('open', r).once('error', j));
    const dropped = new Promise<void>((r) => silent.once('close', () => r()));
    await dropped; // two missed heartbeats (250 ms each) and the server terminates it
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(answering.socket.readyState, WebSocket.OPEN, 'pongs keep a socket alive');
    await answering.close();
  });

  it('spreads a message to a large group over turns: every root gets each push in order, and other sockets are served meanwhile', async () => {
    const roots = PER_TURN * 2 + 20;
    const pages = await Promise.all(Array.from({ length: roots }, () => weft.render(Room, { room: 'big' })));
    const crowd = await LiveTestClient.connect(server);
    for (const page of pages) await crowd.join(page.html);
    const other = await LiveTestClient.connect(server);
    const probe = await weft.render(Probe);
    await other.join(probe.html);
    const before = roomRenders;
    // The probe's event is already waiting on its socket when the broadcast starts.
    other.send({ t: 'event', id: probe.id, ref: 1, event: 'look', payload: {} });
    await weft.broadcast('room-big', 'bump');
    await weft.broadcast('room-big', 'bump');
    const answer = await other.next((f) => f.ref === 1);
    const seen = Number(/<i>(\d+)<\/i>/.exec(answer.html!)![1]) - before;
    // All in one turn, the probe's event would be read only after every root had rendered.
    assert.ok(seen < roots, `the other socket's event ran after ${seen} of ${roots} renders`);
    await until(() => crowd.frames.filter((f) => f.t === 'render').length === roots * 2, 'every root has both pushes', 10_000);
    const pushes = new Map<string, string[]>();
    for (const frame of crowd.frames.filter((f) => f.t === 'render')) {
      pushes.set(frame.id!, [...(pushes.get(frame.id!) ?? []), /<b>(\d+)<\/b>/.exec(frame.html!)![1]!]);
    }
    assert.equal(pushes.size, roots);
    for (const seq of pushes.values()) assert.deepEqual(seq, ['1', '2']);
    await Promise.all([crowd.close(), other.close()]);
  });
});
