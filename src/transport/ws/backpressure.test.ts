/**
 * A reader that stops reading must not slow the others: each socket has its own
 * bounded buffer, and pushes to a socket that is not keeping up are coalesced
 * (the latest render per root) instead of piling up.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { serve } from '../../adapters/node/index.js';
import { createWeft, type Weft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { rootsIn } from '../../testing/live.js';

const MEMBERS = 1000;
/** The stuck reader's renders are big, so its kernel buffers fill within a few pushes. */
const PADDING = 'x'.repeat(200_000);

class Ticker extends Component<{ n: number }, { big?: boolean }> {
  static override events = { tick: true };
  mount() {
    return { n: 0 };
  }
  override groups() {
    return ['ticker'];
  }
  tick() {
    this.state.n++;
  }
  override render() {
    return html`<b>${this.state.n}</b>${this.params.big && html`<i hidden>${PADDING}</i>`}`;
  }
}

interface Member {
  ws: WebSocket;
  renders: number;
  last: number;
}

describe('WebSocket backpressure', () => {
  let weft: Weft;
  let server: Server;
  let url: string;
  const members: Member[] = [];

  async function join(big = false): Promise<Member> {
    const page = await weft.render(Ticker, big ? { big } : {});
    const root = rootsIn(page.html)[0]!;
    const ws = new WebSocket(url, { headers: { origin: url.replace('ws', 'http').replace('/ws/components/', '') } });
    const member: Member = { ws, renders: 0, last: 0 };
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const joined = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { t: string; html?: string };
        if (frame.t === 'joined') resolve();
        if (frame.t === 'render') {
          member.renders++;
          member.last = Number(/<b>(\d+)<\/b>/.exec(frame.html ?? '')?.[1]);
        }
      });
    });
    ws.send(JSON.stringify({ t: 'join', ...root }));
    await joined;
    return member;
  }

  /** Broadcasts one tick and resolves with the ms until every member in `watch` has it. */
  async function tick(watch: Member[], expected: number): Promise<number> {
    const start = performance.now();
    await weft.broadcast('ticker', 'tick');
    while (!watch.every((m) => m.last >= expected)) {
      if (performance.now() - start > 20_000) throw new Error('broadcast did not arrive');
      await new Promise((r) => setImmediate(r));
    }
    return performance.now() - start;
  }

  before(async () => {
    const registry = new Registry();
    registry.register('ticker', Ticker);
    weft = createWeft({ registry, secret: 'x'.repeat(32), logger: { error() {}, warn() {} } });
    server = await serve(weft, { port: 0, hostname: '127.0.0.1', live: { maxBufferedBytes: 64 * 1024, messagesPerSecond: 1000 } });
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/components/`;
    for (let i = 0; i < MEMBERS; i++) members.push(await join());
  });

  after(async () => {
    for (const m of members) m.ws.terminate();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it(`a stuck reader does not slow a broadcast to ${MEMBERS} others, and its backlog stays bounded`, async () => {
    let n = 0;
    const baseline: number[] = [];
    for (let i = 0; i < 3; i++) baseline.push(await tick(members, ++n));

    const stuck = await join(true);
    // Stop reading: the server's writes pile up in the kernel, then in its own buffer.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const withStuck: number[] = [];
    for (let i = 0; i < 30; i++) withStuck.push(await tick(members, ++n));

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const ratio = median(withStuck) / median(baseline);
    assert.ok(
      median(withStuck) < median(baseline) * 2 + 50,
      `median broadcast to ${MEMBERS}: ${median(baseline).toFixed(1)} ms without, ${median(withStuck).toFixed(1)} ms with a stuck reader (×${ratio.toFixed(2)})`,
    );

    // Reading again, the stuck client gets the latest state without every intermediate render.
    (stuck.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const deadline = Date.now() + 10_000;
    while (stuck.last < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(stuck.last, 30, `it catches up with the latest render (got ${stuck.last} after ${stuck.renders} renders)`);
    assert.ok(stuck.renders < 30, `intermediate renders were dropped (${stuck.renders} of 30 delivered)`);
    members.push(stuck);
  });
});
