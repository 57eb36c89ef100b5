import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '../adapters/node/index.js';
import { MemoryBackplane } from '../backplane/memory.js';
import { createWeft, type Weft } from '../app.js';
import { Component } from '../core/component.js';
import { html } from '../core/html.js';
import { Registry } from '../core/registry.js';
import { StreamTestClient } from '../testing/stream.js';

interface Note {
  title: string;
  color: string;
}

class Notification extends Component<Note> {
  static stream = { channel: 'notes', event: 'notification' };
  mount() {
    return { title: '', color: 'black' };
  }
  receive(data: string) {
    const parsed = JSON.parse(data) as Partial<Note>;
    if (typeof parsed.title !== 'string') return false;
    this.state = { title: parsed.title, color: String(parsed.color ?? 'black') };
    return true;
  }
  override render() {
    return html`<div class="note ${this.state.color}" role="alert">${this.state.title}</div>`;
  }
}

describe('SSE door', () => {
  let weft: Weft;
  let server: Server;
  let base: string;
  let backplane: MemoryBackplane;

  before(async () => {
    const registry = new Registry();
    registry.register('notification', Notification);
    backplane = new MemoryBackplane();
    weft = createWeft({ registry, secret: 'x'.repeat(32), backplane, logger: { error() {}, warn() {} } });
    weft.stream('/notification/', Notification);
    server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });

  it('refuses to stream a class without static stream and receive()', () => {
    class Plain extends Component<object> {
      mount() {
        return {};
      }
    }
    const registry = new Registry();
    registry.register('plain', Plain);
    assert.throws(() => createWeft({ registry, secret: 'x'.repeat(32) }).stream('/p/', Plain), /static stream/);
  });

  it('renders each channel message as an event with an id', async () => {
    const reader = await StreamTestClient.open(`${base}/notification/`);
    assert.equal(reader.response.status, 200);
    assert.match(reader.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    await new Promise((r) => setTimeout(r, 50));
    await weft.publish('notes', JSON.stringify({ title: 'Hello <b>', color: 'red' }));
    await weft.publish('notes', 'not json');
    await weft.publish('notes', JSON.stringify({ nope: 1 }));
    await weft.publish('notes', JSON.stringify({ title: 'Second' }));
    await reader.waitFor(3);
    reader.close();
    assert.equal(reader.events[0]!.event, 'notification');
    assert.equal(reader.events[0]!.data, '<div class="note red" role="alert">Hello &lt;b&gt;</div>');
    assert.match(reader.events[0]!.id!, /^\d+-\d+$/);
    assert.equal(reader.events[1]!.event, 'weft:error', 'a message receive() cannot read is reported, not fatal');
    assert.equal(reader.events[2]!.data, '<div class="note black" role="alert">Second</div>');
  });

  it('replays what a reconnecting client missed, from Last-Event-ID, once and in order', async () => {
    const first = await StreamTestClient.open(`${base}/notification/`);
    await new Promise((r) => setTimeout(r, 50));
    await weft.publish('notes', JSON.stringify({ title: 'one' }));
    await first.waitFor(1);
    first.close();
    const lastId = first.events[0]!.id!;
    for (const title of ['two', 'three', 'four']) await weft.publish('notes', JSON.stringify({ title }));
    const second = await StreamTestClient.open(`${base}/notification/`, { 'last-event-id': lastId });
    await second.waitFor(3);
    await weft.publish('notes', JSON.stringify({ title: 'five' }));
    await second.waitFor(4);
    await new Promise((r) => setTimeout(r, 100));
    second.close();
    assert.deepEqual(
      second.events.map((e) => /alert">([^<]*)</.exec(e.data)?.[1]),
      ['two', 'three', 'four', 'five'],
    );
  });

  it('ends the subscription when the client goes away', async () => {
    const subscribed = async (n: number) => {
      const deadline = Date.now() + 2000;
      while (backplane.stats().subscribedTopics !== n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return backplane.stats().subscribedTopics;
    };
    assert.equal(await subscribed(0), 0, 'the earlier tests\' streams are gone');
    const reader = await StreamTestClient.open(`${base}/notification/`);
    try {
      assert.equal(await subscribed(1), 1);
    } finally {
      reader.close();
    }
    assert.equal(await subscribed(0), 0);
  });
});
