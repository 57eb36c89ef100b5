import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { serve } from '../../adapters/node/index.js';
import { createWeft, type Weft } from '../../app.js';
import { componentAssets } from '../../core/assets.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { Registry } from '../../core/registry.js';
import { LiveTestClient, rootsIn } from '../../testing/live.js';

class Tile extends Component<Record<string, never>> {
  static override css = '.tile { display: inline-block; width: 2em; height: 2em; background: teal; }';
  static override js = "document.addEventListener('click', () => {});";
  mount() {
    return {};
  }
  override render() {
    return html`<span class="tile"></span>`;
  }
}

class Badge extends Component<Record<string, never>> {
  static override css = '.badge { border-radius: 1em; padding: 0 .5em; background: gold; }';
  mount() {
    return {};
  }
  override render() {
    return html`<em class="badge">new</em>`;
  }
}

/** Live: group messages and its own events add tiles and a badge. */
class Wall extends Component<{ tiles: number; badge: boolean }, { wall: string }> {
  static override events = { addTile: true, addBadge: true };
  mount() {
    return { tiles: 0, badge: false };
  }
  override groups() {
    return [`wall-${this.params.wall}`];
  }
  addTile() {
    this.state.tiles++;
  }
  addBadge() {
    this.state.badge = true;
  }
  override async render() {
    const tiles = [];
    for (let i = 0; i < this.state.tiles; i++) tiles.push(await this.child(Tile));
    return html`${tiles}${this.state.badge ? await this.child(Badge) : ''}`;
  }
}

const [tileCss, tileJs] = componentAssets(Tile, 'tile');
const [badgeCss] = componentAssets(Badge, 'badge');
const hashesIn = (text: string | undefined) => [...(text ?? '').matchAll(/data-weft-asset="([^"]+)"/g)].map((m) => m[1]);

describe('live pushes bring the assets the page lacks', () => {
  let weft: Weft;
  let server: Server;
  const clients: LiveTestClient[] = [];

  before(async () => {
    const registry = new Registry();
    registry.register('tile', Tile);
    registry.register('badge', Badge);
    registry.register('wall', Wall);
    weft = createWeft({ registry, secret: 'y'.repeat(32), logger: { error() {}, warn() {} } });
    server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await new Promise((r) => server.close(r));
  });

  /** A socket that joined the wall's root, listing `assets` as the page's. */
  async function joined(wall: string, assets?: unknown): Promise<{ live: LiveTestClient; id: string }> {
    const page = await weft.render(Wall, { wall });
    const [root] = rootsIn(page.html);
    assert.ok(root);
    const live = await LiveTestClient.connect(server);
    clients.push(live);
    live.send({ t: 'join', ...root, ...(assets !== undefined && { assets }) });
    const answer = await live.next((f) => f.id === root.id);
    assert.equal(answer.t, 'joined', JSON.stringify(answer));
    return { live, id: root.id };
  }

  it('a push that brings a new component type carries its tags once; later pushes do not repeat them', async () => {
    const { live, id } = await joined('a', []);
    await weft.broadcast('wall-a', 'addTile');
    const first = await live.nextRender(id);
    assert.deepEqual(hashesIn(first.html), [tileCss?.hash, tileJs?.hash]);
    assert.ok(first.html?.startsWith(`<div id="${id}"`));
    await weft.broadcast('wall-a', 'addTile');
    const second = await live.nextRender(id);
    assert.equal((second.html?.match(/class="tile"/g) ?? []).length, 2);
    assert.deepEqual(hashesIn(second.html), [], 'the socket sent them already');
    await weft.broadcast('wall-a', 'addBadge');
    assert.deepEqual(hashesIn((await live.nextRender(id)).html), [badgeCss?.hash]);
  });

  it('a join lists what the page has: pushes bring only the rest', async () => {
    const { live, id } = await joined('b', [tileCss?.hash]);
    await weft.broadcast('wall-b', 'addTile');
    assert.deepEqual(hashesIn((await live.nextRender(id)).html), [tileJs?.hash]);
  });

  it('answers to events over the socket do the same, and an event\'s own list counts too', async () => {
    const { live, id } = await joined('c');
    live.send({ t: 'event', id, ref: 1, event: 'addBadge', payload: {}, assets: [] });
    const answer = await live.next((f) => f.ref === 1);
    assert.equal(answer.t, 'render');
    assert.deepEqual(hashesIn(answer.html), [badgeCss?.hash]);
    live.send({ t: 'event', id, ref: 2, event: 'addTile', payload: {}, assets: [badgeCss?.hash, tileCss?.hash, tileJs?.hash] });
    assert.deepEqual(hashesIn((await live.next((f) => f.ref === 2)).html), []);
  });

  it('refuses a join whose assets are not a list of hashes', async () => {
    const page = await weft.render(Wall, { wall: 'd' });
    const [root] = rootsIn(page.html);
    const live = await LiveTestClient.connect(server);
    clients.push(live);
    for (const assets of ['x', ['not a hash'], Array.from({ length: 1001 }, () => tileCss?.hash)]) {
      live.send({ t: 'join', ...root, assets });
      const error = await live.next((f) => f.t === 'error');
      assert.equal(error.code, 'bad_request', JSON.stringify(error));
    }
    // Any other key is still refused: groups come from the blob only.
    live.send({ t: 'join', ...root, groups: ['wall-x'] });
    assert.match(String((await live.next((f) => f.t === 'error')).error), /carries only id, name, state and assets/);
  });
});
