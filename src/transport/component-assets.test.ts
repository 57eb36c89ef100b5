import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createWeft, type Weft } from '../app.js';
import { componentAssets } from '../core/assets.js';
import { Component } from '../core/component.js';
import { page } from '../core/document.js';
import { html } from '../core/html.js';
import { childDigest } from '../core/lifecycle.js';
import { Registry } from '../core/registry.js';
import { chooseEncoding, MAX_LISTED_ASSETS, parseAssetList } from './component-assets.js';
import { createHttpHandler, type HttpRequest, type HttpResponse, parseEventBody } from './http.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-component-assets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): URL {
  const path = join(dir, name);
  writeFileSync(path, text);
  return pathToFileURL(path);
}

/** Long enough that br and gzip make it smaller. */
const TILE_CSS = Array.from({ length: 40 }, (_, i) => `.tile-${i} { color: rgb(${i}, 0, 0); padding: ${i}px; }`).join('\n');
const TILE_JS = "document.addEventListener('click', (e) => { /* tiles */ });\n".repeat(10);

class Tile extends Component<Record<string, never>, { n?: number }> {
  static override css = TILE_CSS;
  static override js = file('tile.js', TILE_JS);
  mount() {
    return {};
  }
  override render() {
    return html`<span class="tile">${this.params.n ?? 0}</span>`;
  }
}

/** Tiny: compressing it would not make it smaller. */
class Dot extends Component<Record<string, never>> {
  static override css = '.d{}';
  mount() {
    return {};
  }
  override render() {
    return html`<i class="dot"></i>`;
  }
}

/** Stateful, so a parent's event can keep the one the page shows. */
class Chip extends Component<{ on: boolean }> {
  static override events = { toggle: true };
  static override css = '.chip { border: 1px solid; border-radius: 1em; }';
  mount() {
    return { on: false };
  }
  toggle() {
    this.state.on = !this.state.on;
  }
  override render() {
    return html`<b class="chip">${this.state.on ? 'on' : 'off'}</b>`;
  }
}

/** Has a Dot inside: a grandchild's assets reach the page too. */
class Frame extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override async render() {
    return html`<div class="frame">${await this.child(Dot)}</div>`;
  }
}

class Plain extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override render() {
    return html`<p>plain</p>`;
  }
}

/** A whole page of `n` tiles (and a frame), with the request's nonce. */
class TilesPage extends Component<Record<string, never>, { n?: string }> {
  mount() {
    return {};
  }
  override async render() {
    const tiles = [];
    for (let i = 0; i < Number(this.params.n ?? 1); i++) tiles.push(await this.child(Tile, { n: i }));
    const nonce = this.context.locals.nonce as string | undefined;
    return page({ title: 'tiles', body: html`${tiles}${await this.child(Frame)}`, ...(nonce !== undefined && { nonce }) });
  }
}

class PlainPage extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override async render() {
    return page({ title: 'plain', body: html`${await this.child(Plain)}` });
  }
}

/** Stateful: its events bring tiles, then a dot, into the page. */
class Shelf extends Component<{ tiles: number; dot: boolean; chip: boolean }> {
  static override events = { addTile: true, addDot: true, addChip: true };
  mount() {
    return { tiles: 0, dot: false, chip: false };
  }
  addChip() {
    this.state.chip = true;
  }
  addTile() {
    this.state.tiles++;
  }
  addDot() {
    this.state.dot = true;
  }
  override async render() {
    const tiles = [];
    for (let i = 0; i < this.state.tiles; i++) tiles.push(await this.child(Tile));
    return html`${tiles}${this.state.dot ? await this.child(Dot) : ''}${this.state.chip ? await this.child(Chip, {}, { key: 'chip' }) : ''}`;
  }
}

const registry = new Registry();
registry.register('tile', Tile);
registry.register('dot', Dot);
registry.register('frame', Frame);
registry.register('plain', Plain);
registry.register('tiles-page', TilesPage);
registry.register('plain-page', PlainPage);
registry.register('shelf', Shelf);
registry.register('chip', Chip);

function makeApp(): Weft {
  const weft = createWeft({ registry, secret: 'component-assets-secret-0123456789abcdef', mode: 'development', allowedHosts: ['app.test'], logger: { error() {}, warn() {} } });
  weft.view('/tiles', TilesPage).view('/plain', PlainPage);
  return weft;
}

const weft = makeApp();
const handle = createHttpHandler(weft);
const [tileCss, tileJs] = componentAssets(Tile, 'tile');
const [dotCss] = componentAssets(Dot, 'dot');
const [chipCss] = componentAssets(Chip, 'chip');
assert.ok(tileCss && tileJs && dotCss && chipCss);

function request(method: string, path: string, headers: Record<string, string> = {}, body = '', locals: Record<string, unknown> = {}): HttpRequest {
  return { method, url: new URL(path, 'http://app.test'), headers: { host: 'app.test', ...headers }, ip: '203.0.113.9', locals, body: async () => body };
}

async function get(path: string, headers: Record<string, string> = {}, locals: Record<string, unknown> = {}): Promise<HttpResponse> {
  const res = await handle(request('GET', path, headers, '', locals));
  assert.ok(res, `no response for ${path}`);
  return res;
}

async function fire(state: string | undefined, event: string, assets?: unknown): Promise<HttpResponse> {
  const body = JSON.stringify({ event, state, ...(assets !== undefined && { assets }) });
  const res = await handle(request('POST', '/components/shelf/', { 'content-type': 'application/json', origin: 'http://app.test' }, body));
  assert.ok(res);
  return res;
}

const count = (text: string, part: string) => text.split(part).length - 1;
const bytes = (body: HttpResponse['body']) => Buffer.from(body as Uint8Array);

describe('serving component assets', () => {
  it('serves CSS and JS at <assetsPath>/c/<name>.<hash>.<kind>: immutable, ETag, content type, nosniff, Vary', async () => {
    for (const [asset, type, text] of [
      [tileCss, 'text/css; charset=utf-8', TILE_CSS],
      [tileJs, 'text/javascript; charset=utf-8', TILE_JS],
    ] as const) {
      const res = await get(`/weft/c/tile.${asset.hash}.${asset.kind}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.headers, {
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
        etag: `"${asset.hash}"`,
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
      });
      assert.equal(bytes(res.body).toString(), text);
    }
  });

  it('compresses per Accept-Encoding, br before gzip, once: the same bytes every time', async () => {
    const path = `/weft/c/tile.${tileCss.hash}.css`;
    const br = await get(path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.etag, `"${tileCss.hash}-br"`);
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.ok(bytes(br.body).length < TILE_CSS.length);
    assert.equal(brotliDecompressSync(bytes(br.body)).toString(), TILE_CSS);
    const gzip = await get(path, { 'accept-encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gzip.headers.etag, `"${tileCss.hash}-gzip"`);
    assert.equal(gunzipSync(bytes(gzip.body)).toString(), TILE_CSS);
    // Kept: the second answer is the very buffer of the first.
    assert.equal((await get(path, { 'accept-encoding': 'br' })).body, br.body);
    assert.equal((await get(path, { 'accept-encoding': 'gzip' })).body, gzip.body);
    // Not accepted at all: the plain bytes.
    const plain = await get(path, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(bytes(plain.body).toString(), TILE_CSS);
  });

  it('sends a file compressing would not shrink as it is', async () => {
    const res = await get(`/weft/c/dot.${dotCss.hash}.css`, { 'accept-encoding': 'br, gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.etag, `"${dotCss.hash}"`);
    assert.equal(bytes(res.body).toString(), '.d{}');
  });

  it('answers 304 to If-None-Match naming it (any coding, weak or in a list), 200 to another tag', async () => {
    const path = `/weft/c/tile.${tileJs.hash}.js`;
    for (const tag of [`"${tileJs.hash}"`, `W/"${tileJs.hash}-br"`, `"other", "${tileJs.hash}-gzip"`, '*']) {
      const res = await get(path, { 'if-none-match': tag, 'accept-encoding': 'br' });
      assert.equal(res.status, 304, tag);
      assert.equal(res.body, '');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
    assert.equal((await get(path, { 'if-none-match': `"${tileCss.hash}"` })).status, 200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await handle(request('HEAD', `/weft/c/tile.${tileCss.hash}.css`));
    assert.equal(res?.status, 200);
    assert.equal(res?.body, '');
    assert.equal(res?.headers['content-type'], 'text/css; charset=utf-8');
  });

  it('answers 404 not_found for a stale or unknown hash, an unknown component, another kind, or a malformed name', async () => {
    for (const path of [
      `/weft/c/tile.AAAAAAAAAAAAAAAA.css`,
      `/weft/c/tile.${tileCss.hash}.js`,
      `/weft/c/dot.${tileCss.hash}.css`,
      `/weft/c/nope.${tileCss.hash}.css`,
      `/weft/c/plain.${tileCss.hash}.css`,
      `/weft/c/tile.${tileCss.hash}.txt`,
      `/weft/c/tile.${tileCss.hash}`,
      `/weft/c/${tileCss.hash}.css`,
      `/weft/c/.${tileCss.hash}.css`,
      `/weft/c/Tile.${tileCss.hash}.css`,
      `/weft/c/tile.${tileCss.hash.slice(1)}.css`,
      `/weft/c/${'x'.repeat(5000)}.css`,
      '/weft/c/',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.equal(JSON.parse(res.body as string).code, 'not_found', path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('chooses br, then gzip, by q-value; * covers both; unlisted or q=0 is refused', () => {
    assert.equal(chooseEncoding(undefined), undefined);
    assert.equal(chooseEncoding(''), undefined);
    assert.equal(chooseEncoding('identity'), undefined);
    assert.equal(chooseEncoding('deflate, zstd'), undefined);
    assert.equal(chooseEncoding('gzip'), 'gzip');
    assert.equal(chooseEncoding('BR'), 'br');
    assert.equal(chooseEncoding('gzip, br'), 'br');
    assert.equal(chooseEncoding('br;q=0.5, gzip'), 'gzip');
    assert.equal(chooseEncoding('br;q=0, gzip;q=0.1'), 'gzip');
    assert.equal(chooseEncoding('*'), 'br');
    assert.equal(chooseEncoding('*;q=0'), undefined);
    assert.equal(chooseEncoding('br;q=nonsense'), undefined);
    // One pass, whatever the length.
    const started = performance.now();
    assert.equal(chooseEncoding(`${'x;q=1,'.repeat(200_000)}gzip`), 'gzip');
    assert.ok(performance.now() - started < 1000);
  });

  it('refuses at start-up a component whose file is missing', () => {
    class Broken extends Component<Record<string, never>> {
      static override js = new URL('./missing-file.js', pathToFileURL(join(dir, 'x.ts')));
      mount() {
        return {};
      }
      override render() {
        return html``;
      }
    }
    const own = new Registry();
    own.register('broken', Broken);
    assert.throws(() => createWeft({ registry: own, secret: 'x'.repeat(32), logger: { error() {}, warn() {} } }), /component "broken": static js file .*missing-file\.js cannot be read/);
  });
});

describe('collecting the assets a render used', () => {
  it('links each asset once in the page, however many instances rendered (100 tiles → one link, one script)', async () => {
    const res = await get('/tiles?n=100');
    assert.equal(res.status, 200);
    const text = res.body as string;
    assert.equal(count(text, 'class="tile"'), 100);
    assert.equal(count(text, `data-weft-asset="${tileCss.hash}"`), 1);
    assert.equal(count(text, `data-weft-asset="${tileJs.hash}"`), 1);
    // A grandchild's too (Frame → Dot).
    assert.equal(count(text, `data-weft-asset="${dotCss.hash}"`), 1);
    const head = text.slice(0, text.indexOf('</head>'));
    assert.match(head, new RegExp(`<link rel="stylesheet" href="/weft/c/tile\\.${tileCss.hash}\\.css" data-weft-asset="${tileCss.hash}">`));
    assert.match(head, new RegExp(`<script defer src="/weft/c/tile\\.${tileJs.hash}\\.js" data-weft-asset="${tileJs.hash}"></script>`));
    assert.ok(head.indexOf(`/weft/c/dot.`) < head.indexOf('<script defer src="/weft/c/'), 'stylesheets come before scripts');
    assert.ok(!text.includes('weft-assets'), 'the marker is gone');
  });

  it('puts the page\'s nonce on its asset tags', async () => {
    const text = (await get('/tiles?n=2', {}, { nonce: 'Zm9vYmFy' })).body as string;
    assert.match(text, new RegExp(`data-weft-asset="${tileJs.hash}" nonce="Zm9vYmFy"></script>`));
    assert.match(text, new RegExp(`data-weft-asset="${tileCss.hash}" nonce="Zm9vYmFy">`));
  });

  it('writes no tags for a page whose components have no assets', async () => {
    const text = (await get('/plain')).body as string;
    assert.match(text, /<p>plain<\/p>/);
    assert.ok(!text.includes('data-weft-asset') && !text.includes('weft-assets'), text);
  });

  it('gives a render its assets, for a layout of the app\'s own (weft.assetTags)', async () => {
    const rendered = await weft.render(Shelf);
    assert.deepEqual(rendered.assets, []);
    const framed = await weft.render(Frame);
    assert.deepEqual(framed.assets?.map((a) => a.file), [`dot.${dotCss.hash}.css`]);
    assert.equal(
      weft.assetTags(framed, { nonce: 'n0nce' }).value,
      `<link rel="stylesheet" href="/weft/c/dot.${dotCss.hash}.css" data-weft-asset="${dotCss.hash}" nonce="n0nce">\n`,
    );
    assert.equal(weft.assetTags(framed.assets ?? []).value, `<link rel="stylesheet" href="/weft/c/dot.${dotCss.hash}.css" data-weft-asset="${dotCss.hash}">\n`);
    assert.ok(!framed.html.includes('<link'), 'a render without page() gets no tags itself');
  });
});

describe('event responses bring the assets the page lacks', () => {
  it('appends the tags of new component types, and only those the request does not list', async () => {
    const start = await weft.render(Shelf);
    const first = await fire(start.blob, 'addTile', []);
    assert.equal(first.status, 200, first.body as string);
    const text = first.body as string;
    const tags = text.slice(text.lastIndexOf('</div>') + '</div>'.length);
    assert.equal(
      tags,
      `<link rel="stylesheet" href="/weft/c/tile.${tileCss.hash}.css" data-weft-asset="${tileCss.hash}">\n` +
        `<script defer src="/weft/c/tile.${tileJs.hash}.js" data-weft-asset="${tileJs.hash}"></script>\n`,
    );
    // The page has the tile's assets now: the next response brings only the dot's.
    const state = /weft-state="([^"]+)"/.exec(text)?.[1];
    const second = (await fire(state, 'addDot', [tileCss.hash, tileJs.hash])).body as string;
    assert.equal(count(second, 'class="tile"'), 1);
    assert.ok(!second.includes(`data-weft-asset="${tileCss.hash}"`) && !second.includes(`data-weft-asset="${tileJs.hash}"`), second);
    assert.equal(count(second, `data-weft-asset="${dotCss.hash}"`), 1);
    assert.ok(second.endsWith(`data-weft-asset="${dotCss.hash}">\n`));
    // A page that has them all gets the bare root (P3.2); one that lists none gets all.
    const third = (await fire(state, 'addDot', [tileCss.hash, tileJs.hash, dotCss.hash])).body as string;
    assert.ok(third.endsWith('</div>') && !third.includes('data-weft-asset'), third);
    assert.equal(count((await fire(state, 'addDot')).body as string, 'data-weft-asset'), 3);
  });

  it('a kept child brings nothing: the page shows it, so it has its assets', async () => {
    const start = await weft.render(Shelf);
    const grown = (await fire(start.blob, 'addChip', [])).body as string;
    assert.equal(count(grown, `data-weft-asset="${chipCss.hash}"`), 1);
    const state = /weft-state="([^"]+)"/.exec(grown)?.[1];
    const body = JSON.stringify({ event: 'addDot', state, children: { [`${start.id}-chip`]: childDigest('chip', {}) }, assets: [] });
    const res = await handle(request('POST', '/components/shelf/', { 'content-type': 'application/json', origin: 'http://app.test' }, body));
    const text = res?.body as string;
    assert.ok(!text.includes('class="chip"'), 'the chip was not kept');
    assert.ok(!text.includes(chipCss.hash) && text.includes(dotCss.hash), text);
  });

  it('refuses an "assets" that is not a list of hashes, or is too long (400 bad_request)', async () => {
    const start = await weft.render(Shelf);
    for (const assets of ['AAAAAAAAAAAAAAAA', ['short'], [1], [{}], Array.from({ length: MAX_LISTED_ASSETS + 1 }, () => 'AAAAAAAAAAAAAAAA')]) {
      const res = await fire(start.blob, 'addTile', assets);
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body as string).code, 'bad_request');
    }
    assert.deepEqual(parseEventBody('shelf', { event: 'addTile', state: 's', assets: [tileCss.hash] }, 10).assets, [tileCss.hash]);
    assert.equal(parseEventBody('shelf', { event: 'addTile', state: 's' }, 10).assets, undefined);
    assert.deepEqual(parseAssetList(Array.from({ length: MAX_LISTED_ASSETS }, () => tileCss.hash)).length, MAX_LISTED_ASSETS);
  });
});
