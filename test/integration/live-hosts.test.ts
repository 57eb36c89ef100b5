/**
 * The WebSocket door on every Node host: `serve()` from weft/node has it built
 * in; an Express app and a Hono app on @hono/node-server hand their server to
 * `attachLive()`. Same joins, events and broadcasts on each.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { serve as honoServe } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { Component, createWeft, html, Registry, type Weft } from 'weft';
import { weft as weftExpress, attachLive as attachLiveExpress } from 'weft/express';
import { createFetchHandler } from 'weft/fetch';
import { attachLive, serve } from 'weft/node';
import { LiveTestClient, rootsIn } from 'weft/testing';

class Room extends Component<{ n: number }> {
  static override events = { bump: true };
  mount() {
    return { n: 0 };
  }
  override groups() {
    return ['room'];
  }
  bump() {
    this.state.n++;
  }
  override render() {
    return html`<b>${this.state.n}</b>`;
  }
}

function app(): Weft {
  const registry = new Registry();
  registry.register('room', Room);
  return createWeft({ registry, secret: 'live-hosts-secret-0123456789abcdef', logger: { error() {}, warn() {} } });
}

const hosts: [string, (weft: Weft) => Promise<Server>][] = [
  ['node (serve)', (weft) => serve(weft, { port: 0, hostname: '127.0.0.1' })],
  [
    'Express (attachLive)',
    (weft) =>
      new Promise((resolve) => {
        const ex = express();
        ex.use(weftExpress(weft));
        const server = ex.listen(0, '127.0.0.1', () => resolve(server));
        attachLiveExpress(server, weft);
      }),
  ],
  [
    'Hono on Node (attachLive)',
    (weft) =>
      new Promise((resolve) => {
        const hono = new Hono();
        const handle = createFetchHandler(weft);
        hono.all('*', (c) => handle(c.req.raw));
        const server = honoServe({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server as Server)) as Server;
        attachLive(server, weft);
      }),
  ],
];

for (const [name, start] of hosts) {
  describe(`live components on ${name}`, () => {
    const servers: Server[] = [];
    after(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('joins, answers an event over the socket and pushes a broadcast', async () => {
      const weft = app();
      const server = await start(weft);
      servers.push(server);
      const page = await weft.render(Room);
      const live = await LiveTestClient.connect(server);
      try {
        await live.join(page.html);
        const answer = await live.event(rootsIn(page.html)[0]!.id, 'bump');
        assert.match(answer.html ?? '', /<b>1<\/b>/);
        await weft.broadcast('room', 'bump');
        assert.match((await live.nextRender()).html ?? '', /<b>2<\/b>/);
      } finally {
        await live.close();
      }
    });

    it('refuses a cross-origin upgrade', async () => {
      const weft = app();
      const server = await start(weft);
      servers.push(server);
      await assert.rejects(LiveTestClient.connect(server, { origin: 'http://evil.example' }), /upgrade refused: 403/);
    });
  });
}
