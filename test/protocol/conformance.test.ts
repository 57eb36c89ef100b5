/**
 * Wire-protocol conformance: one test per numbered rule of docs/protocol.md,
 * named by its rule id, run against every host adapter. The last tests keep
 * the document and the code from drifting apart.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runInThisContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { Component, createWeft, html, page, Registry, StateCodec, type Weft } from 'weft';
import { stateOf, type TestClient, type TestResponse } from 'weft/testing';
import {
  COUNTER_EVENTS,
  type CounterState,
  freshBlob,
  idOf,
  makeApp,
  OLD_SECRET,
  SECRET,
  SECRET_MESSAGE,
  textOf,
  traceLog,
} from '../integration/fixtures.js';
import { type AnyResponse, assertRefusal, header, hosts, rawRequest } from '../integration/servers.js';

const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const errorsSource = readFileSync(new URL('../../src/core/errors.ts', import.meta.url), 'utf8');
const thisFile = readFileSync(new URL(import.meta.url), 'utf8');

const SIG = /^[A-Za-z0-9_-]{43}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
const HOUR_MS = 3600_000;

/** Only the throttle is moved out of the way; every other limit is the default. */
const DEFAULTS_BUT_THROTTLE = { signatureFailures: { points: 100_000, durationSeconds: 600 } };

interface RawEnvelope {
  n: string;
  i: string;
  t: number;
  k?: string;
  s: unknown;
  p?: unknown;
  c?: string;
  w?: string[];
}

function envelopeOf(blob: string): RawEnvelope {
  return JSON.parse(Buffer.from(blob.split('.')[1] as string, 'base64url').toString('utf8')) as RawEnvelope;
}

/** Builds a blob from the documented format alone, with our own HMAC. */
function mintBlob(secret: string, envelope: RawEnvelope): string {
  const signed = `v1.${Buffer.from(JSON.stringify(envelope)).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/** The key id of a secret (P2.1), computed from the documented rule alone. */
function keyIdOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 8);
}

function tamper(blob: string): string {
  const [version, , signature] = blob.split('.') as [string, string, string];
  const envelope = envelopeOf(blob);
  (envelope.s as CounterState).count = 1_000_000;
  return `${version}.${Buffer.from(JSON.stringify(envelope)).toString('base64url')}.${signature}`;
}

/** The last base64url character of a 43-character signature with its two unused bits set: same bytes, another spelling. */
function otherSpelling(last: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(last) | 3] as string;
}

function counterState(overrides: Partial<CounterState> = {}): CounterState {
  return { count: 0, owner: 'alice', note: '', flag: false, big: '', tags: [], ...overrides };
}

/** The opening tag of a component root, its attributes and its element name. */
function rootTag(html: string): { tag: string; name: string } {
  const m = /^<([a-z][a-z0-9-]*)\s[^>]*>/.exec(html);
  assert.ok(m, `no root element: ${html.slice(0, 120)}`);
  return { tag: m[0], name: m[1] as string };
}

/** A fake element with the attributes of a rendered root's opening tag. */
function rootElement(html: string): FakeElement {
  const attributes: Record<string, string> = {};
  for (const m of rootTag(html).tag.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)) attributes[m[1] as string] = unescapeAttr(m[2] ?? '');
  return new FakeElement(attributes);
}

/** Decodes the HTML escaping Weft applies to attribute values. */
function unescapeAttr(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// ---------------------------------------------------------------------------------
// A minimal htmx and DOM, enough to run the served browser client in Node (P5.2–P5.6).

interface ClientExtension {
  onEvent(name: string, evt: { detail: Record<string, unknown> }): void;
  encodeParameters(xhr: unknown, params: FormData, elt: unknown): string | null;
  isInlineSwap(style: string): boolean;
  handleSwap(style: string, target: unknown, fragment: { children: unknown }): unknown;
}

class FakeElement extends EventTarget {
  readonly attributes: Record<string, string>;
  readonly parent: FakeElement | null;
  readonly descendants: FakeElement[] = [];
  type = 'text';
  value = '';
  checked = false;

  constructor(attributes: Record<string, string>, parent: FakeElement | null = null) {
    super();
    this.attributes = attributes;
    this.parent = parent;
    for (let p = parent; p; p = p.parent) p.descendants.push(this);
  }

  getAttribute(name: string): string | null {
    return this.attributes[name] ?? null;
  }

  hasAttribute(name: string): boolean {
    return name in this.attributes;
  }

  setAttribute(name: string, value: string): void {
    this.attributes[name] = value;
  }

  get id(): string {
    return this.attributes.id ?? '';
  }

  get valueAsNumber(): number {
    return Number(this.value);
  }

  readonly isConnected = true;

  /** Only `[weft-state]`, `form` (by a `tag` attribute) and `hx-sync` are needed. */
  closest(selector: string): FakeElement | null {
    const matches =
      selector === '[weft-state]'
        ? 'weft-state' in this.attributes
        : selector === 'form'
          ? this.attributes.tag === 'form'
          : selector === '[hx-sync],[data-hx-sync]'
            ? 'hx-sync' in this.attributes
            : undefined;
    assert.notEqual(matches, undefined, `client used an unexpected selector ${selector}`);
    if (matches) return this;
    return this.parent ? this.parent.closest(selector) : null;
  }

  get parentElement(): FakeElement | null {
    return this.parent;
  }

  querySelectorAll(selector: string): FakeElement[] {
    const attribute = /^\[(weft-model|weft-child|name)\]$/.exec(selector)?.[1];
    assert.ok(attribute, `client used an unexpected selector ${selector}`);
    return this.descendants.filter((e) => attribute in e.attributes);
  }
}

/** An `<input>` for the client's `instanceof HTMLInputElement` checks. */
class FakeInput extends FakeElement {}

/** An XMLHttpRequest that records what is sent; `end()` plays its `loadend`. */
class FakeXhr extends EventTarget {
  body: string | undefined;
  send(body: string): void {
    this.body = body;
  }
  abort(): void {}
  end(): void {
    this.dispatchEvent(new Event('loadend'));
  }
}

/**
 * Encodes an event as htmx does: `encodeParameters`, then `xhr.send` with what it
 * returned. Returns the request; its `body` is set once the client sends it.
 */
function encodeEvent(ext: ClientExtension, form: FormData, elt: FakeElement): FakeXhr {
  const xhr = new FakeXhr();
  const placeholder = ext.encodeParameters(xhr, form, elt);
  assert.equal(typeof placeholder, 'string', 'the client encodes requests from inside a root');
  xhr.send(placeholder as string);
  return xhr;
}

interface LoadedClient {
  ext: ClientExtension;
  morphs: { target: unknown; content: unknown; config: Record<string, unknown> }[];
  /** Sets `document.activeElement` as the client sees it. */
  setActive(element: FakeElement | null): void;
  /** Sets the roots the page holds, for `document.querySelectorAll` and `getElementById` (P5.7). */
  setRoots(roots: FakeElement[]): void;
  /** Sets the `data-weft-asset` elements the page has (P5.8). */
  setAssets(elements: FakeElement[]): void;
}

/** Runs the client script exactly as the host serves it, against a fake htmx. */
async function loadClient(client: TestClient): Promise<LoadedClient> {
  const res = await client.get('/weft/weft.min.js');
  assert.equal(res.status, 200);
  let ext: ClientExtension | undefined;
  const morphs: LoadedClient['morphs'] = [];
  const fakeHtmx = {
    defineExtension(name: string, definition: ClientExtension) {
      assert.equal(name, 'weft');
      ext = definition;
    },
  };
  const fakeIdiomorph = {
    morph(target: unknown, content: unknown, config: Record<string, unknown>) {
      morphs.push({ target, content, config });
      return [];
    },
  };
  let roots: FakeElement[] = [];
  let assets: FakeElement[] = [];
  const fakeDocument = {
    activeElement: null as FakeElement | null,
    querySelectorAll(selector: string): FakeElement[] {
      if (selector === '[data-weft-asset]') return assets;
      assert.equal(selector, '[weft-listen][weft-state]', `client used an unexpected selector ${selector}`);
      return roots.filter((e) => e.hasAttribute('weft-listen') && e.hasAttribute('weft-state'));
    },
    getElementById(id: string): FakeElement | null {
      return roots.find((e) => e.id === id) ?? null;
    },
    addEventListener() {},
  };
  const run = runInThisContext(
    `(function (htmx, Idiomorph, document, Element, HTMLInputElement, HTMLTextAreaElement, HTMLSelectElement) {\n${res.text}\n})`,
  ) as (...globals: unknown[]) => void;
  run(fakeHtmx, fakeIdiomorph, fakeDocument, FakeElement, FakeInput, class {}, class {});
  assert.ok(ext, 'the client did not define the "weft" htmx extension');
  return { ext, morphs, setActive: (el) => (fakeDocument.activeElement = el), setRoots: (list) => (roots = list), setAssets: (elements) => (assets = elements) };
}

// Components with their own CSS and JS (P5.8), in an app of their own.

const CARD_CSS = Array.from({ length: 30 }, (_, i) => `.card-${i} { margin: ${i}px; color: rgb(${i}, ${i}, 0); }`).join('\n');
const CARD_JS = "document.addEventListener('click', function (e) { /* cards */ });\n".repeat(8);
const STAR_CSS = '.star { color: gold; }';

/** The hash P5.8 documents: base64url SHA-256 of the content, 16 characters. */
function assetHash(content: string): string {
  return createHash('sha256').update(content).digest('base64url').slice(0, 16);
}

class Card extends Component<Record<string, never>> {
  static override css = CARD_CSS;
  static override js = CARD_JS;
  mount() {
    return {};
  }
  override render() {
    return html`<span class="card"></span>`;
  }
}

class Star extends Component<Record<string, never>> {
  static override css = STAR_CSS;
  mount() {
    return {};
  }
  override render() {
    return html`<i class="star"></i>`;
  }
}

class CardShelf extends Component<{ star: boolean }> {
  static override events = { addStar: true };
  mount() {
    return { star: false };
  }
  addStar() {
    this.state.star = true;
  }
  override async render() {
    return html`${await this.child(Card)}${await this.child(Card)}${this.state.star ? await this.child(Star) : ''}`;
  }
}

class CardsPage extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override async render() {
    return page({ title: 'cards', body: html`${await this.child(Card)}${await this.child(Card)}${await this.child(CardShelf)}` });
  }
}

function assetsApp(): Weft {
  const registry = new Registry();
  registry.register('card', Card);
  registry.register('star', Star);
  registry.register('card-shelf', CardShelf);
  registry.register('cards-page', CardsPage);
  return createWeft({ registry, secret: SECRET, mode: 'production', allowedHosts: ['127.0.0.1', 'localhost'], logger: { error() {}, warn() {} } }).view('/cards', CardsPage);
}

// ---------------------------------------------------------------------------------

for (const host of hosts) {
  describe(host.name, () => {
    let weft: Weft;
    let client: TestClient;
    const extra: TestClient[] = [];

    before(async () => {
      weft = makeApp(DEFAULTS_BUT_THROTTLE);
      client = await host.start(weft);
    });
    after(async () => {
      await client.close();
      await Promise.all(extra.map((c) => c.close()));
    });

    /** Starts another app on this host (closed after the suite). */
    async function start(app: Weft): Promise<TestClient> {
      const c = await host.start(app);
      extra.push(c);
      return c;
    }

    async function stillServes(c: TestClient = client, app: Weft = weft): Promise<void> {
      const res = await c.fire('counter', await freshBlob(app), 'increment');
      assert.equal(res.status, 200, `server stopped serving: ${res.text.slice(0, 200)}`);
    }

    test('P1.1 stateful root: <div> with id, weft, weft-state, hx-target, hx-swap, hx-ext; id kept', async () => {
      const page = await client.get('/items/1');
      assert.equal(page.status, 200, page.text);
      for (const html of [page.text, (await client.fire('item', page.state, 'refresh')).text]) {
        const { tag, name } = rootTag(html);
        assert.equal(name, 'div');
        assert.match(tag, /\sid="item-[A-Za-z0-9_-]{8}"/);
        assert.match(tag, /\sweft="item"/);
        assert.match(tag, /\sweft-state="v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}"/);
        assert.match(tag, /\shx-target="this"/);
        assert.match(tag, /\shx-swap="morph"/);
        assert.match(tag, /\shx-ext="weft"/);
        assert.match(html, /<\/div>$/);
        assert.equal(idOf(html), idOf(page.text), 'id changed between renders');
        assert.equal(envelopeOf(stateOf(html) as string).i, idOf(page.text), 'id does not travel in the signed state');
      }
      // `static tagName` changes the element.
      const row = await weft.render('row');
      assert.equal(rootTag(row.html).name, 'li');
      assert.match(row.html, /<\/li>$/);
      const next = await client.fire('row', row.blob, 'touch');
      assert.equal(next.status, 200, next.text);
      assert.equal(rootTag(next.text).name, 'li');
      assert.equal(idOf(next.text), row.id);
    });

    test('P1.2 a component without events renders bare, with no root and no state', async () => {
      const res = await client.get('/badge?label=bare');
      assert.equal(res.status, 200);
      assert.equal(res.text, '<span class="badge">bare</span>');
      assert.doesNotMatch(res.text, /weft-state|hx-ext|weft=/);
      const rendered = await weft.render('badge');
      assert.equal(rendered.blob, undefined);
      assert.equal(rendered.html, '<span class="badge">plain</span>');
    });

    test('P1.3 a child: id <parent id>-<key>, weft-child digest of name and params, same on every parent render, placeholder when listed', async () => {
      const page = await client.get('/shelf');
      assert.equal(page.status, 200, page.text);
      const rowsOf = (html: string) =>
        [...html.matchAll(/<li id="([^"]+)" weft="row" weft-state="[^"]+" weft-child="([A-Za-z0-9_-]{12})" hx-target="this"/g)].map((m) => ({
          id: m[1],
          digest: m[2],
        }));
      const parentId = idOf(page.text);
      assert.doesNotMatch(rootTag(page.text).tag, /weft-child/, 'the top-level root is nobody\'s child');
      const rows = rowsOf(page.text);
      assert.deepEqual(rows.map((r) => r.id), [`${parentId}-r0`, `${parentId}-r1`]);
      assert.equal(rows[0]?.digest, rows[1]?.digest, 'same name and params, same digest');
      // The parent's next render asks for the same children again, plus the new one.
      const grown = await client.fire('shelf', page.state, 'grow');
      assert.equal(grown.status, 200, grown.text);
      assert.deepEqual(rowsOf(grown.text), [...rows, { id: `${parentId}-r2`, digest: rows[0]?.digest }]);
      // Other params, other digest (same ids).
      const relabelled = await client.fire('shelf', grown.state, 'relabel');
      const changed = rowsOf(relabelled.text);
      assert.deepEqual(changed.map((r) => r.id), [`${parentId}-r0`, `${parentId}-r1`, `${parentId}-r2`]);
      assert.notEqual(changed[0]?.digest, rows[0]?.digest);
      // A child's own response keeps its id and the digest its parent gave it (it travels in the blob).
      const rowBlob = /id="[^"]+-r0" weft="row" weft-state="([^"]+)"/.exec(page.text)?.[1];
      const own = await client.fire('row', rowBlob, 'touch');
      assert.equal(own.status, 200, own.text);
      assert.equal(idOf(own.text), `${parentId}-r0`);
      assert.match(rootTag(own.text).tag, new RegExp(` weft-child="${rows[0]?.digest}"`));
      assert.equal(envelopeOf(own.state as string).c, rows[0]?.digest);

      // Children the request lists with their current digest come back as placeholders;
      // one listed with an old digest, or not listed, renders in full.
      const listed = await client.post('shelf', {
        event: 'grow',
        state: page.state,
        children: { [`${parentId}-r0`]: rows[0]?.digest, [`${parentId}-r1`]: 'AAAAAAAAAAAA' },
      });
      assert.equal(listed.status, 200, listed.text);
      assert.ok(listed.text.includes(`<li id="${parentId}-r0" weft="row" weft-child="${rows[0]?.digest}"></li>`), listed.text);
      assert.deepEqual(rowsOf(listed.text).map((r) => r.id), [`${parentId}-r1`, `${parentId}-r2`]);
      assertRefusal(await client.post('shelf', { event: 'grow', state: page.state, children: { x: 'short' } }), 400, 'bad_request');
    });

    test('P2.1 blob has three parts and a 43-char signature: v1.<envelope>.<HMAC-SHA256>', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await client.fire('counter', await freshBlob(weft), 'add', { by: 4 });
      const blob = res.state as string;
      const parts = blob.split('.');
      assert.equal(parts.length, 3);
      const [version, body, signature] = parts as [string, string, string];
      assert.equal(version, 'v1');
      assert.match(body, B64URL);
      assert.match(signature, SIG);
      // The signature is HMAC-SHA256(secret, "v1." + part 2), base64url.
      assert.equal(createHmac('sha256', SECRET).update(`v1.${body}`).digest('base64url'), signature);
      const envelope = envelopeOf(blob);
      assert.deepEqual(Object.keys(envelope).sort(), ['i', 'k', 'n', 's', 't', 'w'], '`p` and `c` must be omitted (empty params, not a child)');
      assert.equal(envelope.k, keyIdOf(SECRET), '`k` is the first 8 base64url characters of SHA-256(secret)');
      assert.deepEqual(envelope.w, ['count', 'flag', 'note', 'tags'], '`w` lists the fields the render bound, sorted');
      assert.equal(envelope.n, 'counter');
      assert.equal(envelope.i, idOf(res.text));
      assert.ok(Number.isInteger(envelope.t) && envelope.t >= before - 1 && envelope.t <= Math.floor(Date.now() / 1000) + 1);
      assert.deepEqual(envelope.s, counterState({ count: 4 }));
      // With params, `p` carries them (as validated).
      const view = await client.get('/items/4?tab=specs');
      assert.deepEqual(envelopeOf(view.state as string).p, { id: 4, tab: 'specs' });
      // The documented format is the real one: a blob built from it alone is accepted.
      const minted = mintBlob(SECRET, { n: 'counter', i: 'counter-Mint3d00', t: Math.floor(Date.now() / 1000), s: counterState({ count: 41 }), w: ['note'] });
      const accepted = await client.fire('counter', minted, 'increment');
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(textOf(accepted.text, 'count'), '42');
      assert.equal(idOf(accepted.text), 'counter-Mint3d00');
    });

    test('P2.2 signs with the first secret and accepts any of them (rotation)', async () => {
      const oldApp = makeApp({ ...DEFAULTS_BUT_THROTTLE, secret: OLD_SECRET });
      const rotated = makeApp({ ...DEFAULTS_BUT_THROTTLE, secret: [SECRET, OLD_SECRET] });
      const retired = makeApp({ ...DEFAULTS_BUT_THROTTLE, secret: [SECRET] });
      const rotatedClient = await start(rotated);
      const retiredClient = await start(retired);
      const oldBlob = await freshBlob(oldApp);
      const res = await rotatedClient.fire('counter', oldBlob, 'increment');
      assert.equal(res.status, 200, res.text);
      const [version, body, signature] = (res.state as string).split('.') as [string, string, string];
      assert.equal(createHmac('sha256', SECRET).update(`${version}.${body}`).digest('base64url'), signature, 'not signed with the first secret');
      assertRefusal(await retiredClient.fire('counter', oldBlob, 'increment'), 409, 'state_outdated');
      assert.equal((await retiredClient.fire('counter', res.state, 'increment')).status, 200);
    });

    test('P2.3 bad blobs → 400 state_missing / state_malformed / state_signature / state_component / state_expired', async () => {
      const blob = await freshBlob(weft);
      const [, body, signature] = blob.split('.') as [string, string, string];
      const cases: [unknown, string][] = [
        [undefined, 'state_missing'],
        ['', 'state_missing'],
        [12, 'state_missing'],
        [{ blob }, 'state_missing'],
        [`v1.${body}`, 'state_malformed'],
        [`${blob}.extra`, 'state_malformed'],
        [`v2.${body}.${signature}`, 'state_malformed'],
        [blob.slice(0, -1), 'state_malformed'],
        [`v1..${signature}`, 'state_malformed'],
        // The same signature bytes spelled another way (unused low bits of the last character set).
        [`v1.${body}.${signature.slice(0, -1)}${otherSpelling(signature.at(-1) as string)}`, 'state_malformed'],
        [`v1.${body}=.${signature}`, 'state_malformed'],
        [tamper(blob), 'state_signature'],
        [`v1.${body}.${'A'.repeat(43)}`, 'state_signature'],
        [mintBlob(OLD_SECRET, envelopeOf(blob)), 'state_signature'],
        [await freshBlob(weft, 'other'), 'state_component'],
        [weft.codec.encode('counter', 'counter-AAAAAAAA', counterState(), {}, Date.now() - 25 * HOUR_MS), 'state_expired'],
      ];
      for (const [state, code] of cases) {
        const res = await client.post('counter', { event: 'increment', state });
        assertRefusal(res, 400, code);
      }
      // Inside the default 24 h max age.
      const recent = weft.codec.encode('counter', 'counter-AAAAAAAA', counterState(), {}, Date.now() - 23 * HOUR_MS);
      assert.equal((await client.fire('counter', recent, 'increment')).status, 200);
      await stillServes();
    });

    test('P2.4 state over 64 KiB → 413 state_too_large, brought by a request or grown by a handler', async () => {
      const blob = await freshBlob(weft);
      assert.equal((await client.fire('counter', blob, 'grow', { bytes: 60_000 })).status, 200, 'under the cap is fine');
      const grown = await client.fire('counter', blob, 'grow', { bytes: 70_000 });
      assertRefusal(grown, 413, 'state_too_large');
      const roomy = new StateCodec({ secrets: [SECRET], maxStateBytes: 10_000_000 });
      for (const bytes of [66_000, 200_000]) {
        const big = roomy.encode('counter', 'counter-AAAAAAAA', counterState({ big: 'x'.repeat(bytes) }));
        assertRefusal(await client.fire('counter', big, 'increment'), 413, 'state_too_large');
      }
      // Just over the cap, in a validly signed blob: refused even if the handler would shrink it.
      const justOver = roomy.encode('counter', 'counter-AAAAAAAA', counterState({ big: 'x'.repeat(64 * 1024) }));
      assertRefusal(await client.fire('counter', justOver, 'grow', { bytes: 0 }), 413, 'state_too_large');
      // The previous, valid state keeps working.
      assert.equal((await client.fire('counter', blob, 'increment')).status, 200);
    });

    test('P2.5 after 10 forged blobs from one client in 600 s, its forged blobs get 429 throttled with Retry-After; valid ones are served', async () => {
      const app = makeApp();
      assert.deepEqual(app.limits.signatureFailures, { points: 10, durationSeconds: 600 });
      const c = await start(app);
      const good = await freshBlob(app);
      const forged = [tamper(good), good.slice(0, -2), await freshBlob(app, 'other')];
      const codes = ['state_signature', 'state_malformed', 'state_component'];
      // Other refusals do not count.
      for (let i = 0; i < 12; i++) assertRefusal(await c.fire('counter', good, 'explode'), 400, 'unknown_event');
      // X-Forwarded-For is not read unless proxies are trusted: a new one each time dodges nothing.
      const spoofing = (i: number) => ({ 'x-forwarded-for': `192.0.2.${i}` });
      for (let i = 0; i < 10; i++) {
        assertRefusal(await c.post('counter', { event: 'increment', state: forged[i % 3] }, spoofing(i)), 400, codes[i % 3] as string);
      }
      const res = await c.post('counter', { event: 'increment', state: forged[0] }, spoofing(10));
      const body = assertRefusal(res, 429, 'throttled');
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 590 && retryAfter <= 600, `Retry-After: ${res.headers.get('retry-after')}`);
      assert.equal(body.retryAfter, retryAfter);
      for (const state of forged) assertRefusal(await c.fire('counter', state, 'increment'), 429, 'throttled');
      // A request whose blob verifies is never refused for other requests' bad blobs
      // (many users can share one address).
      for (let i = 0; i < 3; i++) assert.equal((await c.fire('counter', good, 'increment')).status, 200, 'a valid blob was throttled');
      // A request that never got as far as a blob is answered as usual.
      assertRefusal(await c.post('counter', '{"not json'), 400, 'bad_json');
      // Another client is not affected.
      const other = await rawRequest(c.baseUrl, {
        path: '/components/counter/',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'increment', state: forged[0] }),
        localAddress: '127.0.0.3',
      });
      assertRefusal(other, 400, 'state_signature');
    });

    test('P2.5 behind trusted proxies the client is found in X-Forwarded-For; IPv6 clients count by /64', async () => {
      const app = makeApp({ clientAddress: { trustedProxies: 1 } });
      const c = await start(app);
      const bad = tamper(await freshBlob(app));
      const from = (address: string) => ({ 'x-forwarded-for': address });
      for (let i = 0; i < 10; i++) assertRefusal(await c.post('counter', { event: 'increment', state: bad }, from('203.0.113.10')), 400, 'state_signature');
      assertRefusal(await c.post('counter', { event: 'increment', state: bad }, from('203.0.113.10')), 429, 'throttled');
      // Another client behind the same proxy (the same socket address) is not.
      assertRefusal(await c.post('counter', { event: 'increment', state: bad }, from('203.0.113.11')), 400, 'state_signature');
      // An attacker rotating through its IPv6 /64 is one client.
      for (let i = 1; i <= 10; i++) {
        assertRefusal(await c.post('counter', { event: 'increment', state: bad }, from(`2001:db8:5:5::${i.toString(16)}`)), 400, 'state_signature');
      }
      assertRefusal(await c.post('counter', { event: 'increment', state: bad }, from('2001:db8:5:5:1234:5678:9abc:def0')), 429, 'throttled');
      assertRefusal(await c.post('counter', { event: 'increment', state: bad }, from('2001:db8:5:6::1')), 400, 'state_signature');
    });

    test('P2.6 a blob whose key id is none of the secrets\' → 409 state_outdated, never verified, never throttled', async () => {
      const app = makeApp({ signatureFailures: { points: 2, durationSeconds: 600 } });
      const c = await start(app);
      const good = await freshBlob(app);
      const oldApp = makeApp({ secret: OLD_SECRET });
      const old = await freshBlob(oldApp);
      assert.equal(envelopeOf(old).k, keyIdOf(OLD_SECRET));
      // A key id no secret has, and a signature nobody made: refused as out of date all the same.
      const unknown = mintBlob(SECRET, { ...envelopeOf(good), k: 'AAAAAAAA' }).replace(/\.[^.]+$/, `.${'A'.repeat(43)}`);
      for (let i = 0; i < 3; i++) {
        for (const blob of [old, unknown]) {
          const body = assertRefusal(await c.fire('counter', blob, 'increment'), 409, 'state_outdated');
          assert.match(body.error as string, /out of date — reload/);
        }
      }
      // Not counted as forgery: the client is still served.
      assert.equal((await c.fire('counter', good, 'increment')).status, 200);
      // A blob from another secret that claims a current key id is a forgery (P2.3).
      assertRefusal(await c.fire('counter', mintBlob(OLD_SECRET, envelopeOf(good)), 'increment'), 400, 'state_signature');
    });

    test('P3.1 POST /components/<name>/ with {event, payload, state, updates} or an "events" array', async () => {
      const state = await freshBlob(weft);
      const full = await client.post('counter', { event: 'add', payload: { by: 2 }, state, updates: { note: 'hello' } });
      assert.equal(full.status, 200, full.text);
      assert.equal(textOf(full.text, 'count'), '2');
      assert.equal(textOf(full.text, 'note'), 'hello');
      // payload defaults to {} (the schema's default applies), updates are optional.
      const minimal = await client.post('counter', { event: 'scale', state: full.state });
      assert.equal(minimal.status, 200, minimal.text);
      assert.equal(textOf(minimal.text, 'count'), '4');
      const batch = await client.post('counter', {
        state,
        events: [{ event: 'increment' }, { event: 'add', payload: { by: 10 } }, { event: 'scale', payload: { factor: 2 } }],
        updates: { note: 'batch' },
      });
      assert.equal(batch.status, 200, batch.text);
      assert.equal(textOf(batch.text, 'count'), '22');
      assert.equal((batch.text.match(/weft-state=/g) ?? []).length, 1, 'one render');
      const ten = await client.post('counter', { state, events: Array.from({ length: 10 }, () => ({ event: 'increment' })) });
      assert.equal(textOf(ten.text, 'count'), '10');
      const eleven = await client.post('counter', { state, events: Array.from({ length: 11 }, () => ({ event: 'increment' })) });
      assertRefusal(eleven, 400, 'too_many_events');
      assertRefusal(await client.post('counter', { state, events: [] }), 400, 'bad_request');
    });

    test('P3.2 success: 200 text/html, no-store, the new root with the same id and a new weft-state', async () => {
      const first = await weft.render('counter');
      const res = await client.fire('counter', first.blob, 'increment');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(rootTag(res.text).name, 'div');
      assert.match(rootTag(res.text).tag, /\sweft="counter"/);
      assert.equal(idOf(res.text), first.id);
      assert.ok(res.state && res.state !== first.blob);
      assert.equal((envelopeOf(res.state).s as CounterState).count, 1);
    });

    test('P3.3 order: verify blob → updates → state schema → hydrate → events → render → sign', async () => {
      const counterBlob = await freshBlob(weft);
      // The blob is verified before updates and events are looked at.
      assertRefusal(await client.fire('counter', tamper(counterBlob), 'explode', {}, { owner: 'x' }), 400, 'state_signature');
      // Updates are applied before any event is looked up.
      assertRefusal(await client.fire('counter', counterBlob, 'explode', {}, { owner: 'x' }), 400, 'locked_field');
      const traced = await freshBlob(weft, 'traced');
      // The state schema runs on the updated state before hydrate() (which would throw).
      assertRefusal(await client.fire('traced', traced, 'a', {}, { note: 'toolong' }), 422, 'invalid_update');
      // hydrate() sees the updates, events run in order, render() comes last.
      const res = await client.post('traced', { state: traced, updates: { note: 'hi' }, events: [{ event: 'a' }, { event: 'b', payload: { ok: true } }] });
      assert.equal(res.status, 200, res.text);
      assert.equal(textOf(res.text, 'trace'), 'hydrate(note=hi) &gt; a &gt; b &gt; render');
      // Signed after the handlers ran.
      assert.deepEqual(envelopeOf(res.state as string).s, { note: 'hi', n: 1 });
      // Each payload is validated just before its own handler.
      traceLog.length = 0;
      const bad = await client.post('traced', { state: traced, events: [{ event: 'a' }, { event: 'b', payload: { ok: false } }] });
      assertRefusal(bad, 422, 'invalid_payload');
      assert.deepEqual(traceLog, ['hydrate(note=)', 'a']);
    });

    test('P3.4 only declared events: reserved and non-identifier names → 400 unknown_event with allowed', async () => {
      const state = await freshBlob(weft);
      const names = ['explode', 'constructor', '__proto__', 'toString', 'mount', 'hydrate', 'render', 'on', 'bind', 'child', 'templateContext',
        'hasOwnProperty', 'isPrototypeOf', 'valueOf', '__defineGetter__', 'state', 'params', 'then', 'add.by', 'add()', '1add', 'a-b', ' add', ''];
      for (const event of names) {
        const body = assertRefusal(await client.fire('counter', state, event), 400, 'unknown_event');
        assert.deepEqual(body.allowed, COUNTER_EVENTS, event);
      }
      const batch = await client.post('counter', { state, events: [{ event: 'increment' }, { event: 'constructor' }] });
      assert.deepEqual(assertRefusal(batch, 400, 'unknown_event').allowed, COUNTER_EVENTS);
      await stillServes();
    });

    test('P3.5 payloads are validated and coerced by the Standard Schema; failure → 422 invalid_payload with issues', async () => {
      const state = await freshBlob(weft);
      const body = assertRefusal(await client.fire('counter', state, 'add', { by: 'two' }), 422, 'invalid_payload');
      const issues = body.issues as { path: string; message: string }[];
      assert.ok(Array.isArray(issues) && issues.length === 1, JSON.stringify(issues));
      assert.equal(issues[0]?.path, 'by');
      assert.equal(typeof issues[0]?.message, 'string');
      assert.ok((issues[0]?.message ?? '').length > 0);
      assertRefusal(await client.fire('counter', state, 'add', { by: 0.5 }), 422, 'invalid_payload');
      const coerced = await client.fire('counter', (await client.fire('counter', state, 'add', { by: 3 })).state, 'scale', { factor: '5' });
      assert.equal(coerced.status, 200, coerced.text);
      assert.equal(textOf(coerced.text, 'count'), '15');
    });

    test('P3.6 updates: locked → 400 locked_field, unknown → 400 unknown_field, unbound → 400 unbound_field, wrong type → 422 invalid_update', async () => {
      const state = await freshBlob(weft);
      assert.equal(assertRefusal(await client.fire('counter', state, 'increment', {}, { owner: 'mallory' }), 400, 'locked_field').field, 'owner');
      for (const field of ['nope', 'constructor', 'prototype']) {
        assertRefusal(await client.fire('counter', state, 'increment', {}, { [field]: 'x' }), 400, 'unknown_field');
      }
      // A literal __proto__ key never gets past the JSON parser (P3.8)…
      assertRefusal(await client.post('counter', `{"event":"increment","state":"${state}","updates":{"__proto__":"x"}}`), 400, 'bad_json');
      // …and dispatch refuses it as a field even when it arrives as an own key.
      await assert.rejects(
        weft.dispatch({ component: 'counter', state, events: [{ event: 'increment', payload: {} }], updates: JSON.parse('{"__proto__":"x"}') }),
        (err: { status?: number; code?: string }) => err.status === 400 && err.code === 'unknown_field',
      );
      // A field no input of the last render was bound to: the browser may not write it, locked or not.
      assert.equal(assertRefusal(await client.fire('counter', state, 'increment', {}, { big: 'x' }), 400, 'unbound_field').field, 'big');
      // Bound means bound by this component's own render with bind(): a child's field of the
      // same name, or weft-model markup that came through raw(), makes nothing writable.
      const account = await weft.render('account');
      assert.equal(account.html.match(/weft-model="role"/g)?.length, 2, 'the page does hold two role inputs');
      assert.deepEqual(envelopeOf(account.blob as string).w, ['note']);
      assert.equal(assertRefusal(await client.fire('account', account.blob, 'save', {}, { role: 'admin' }), 400, 'unbound_field').field, 'role');
      const saved = await client.fire('account', account.blob, 'save', {}, { note: 'hi' });
      assert.equal(saved.status, 200, saved.text);
      assert.equal(textOf(saved.text, 'role'), 'user');
      for (const [field, value] of [['count', 'seven'], ['count', true], ['flag', 'maybe'], ['note', ['a']], ['count', null]] as const) {
        assertRefusal(await client.fire('counter', state, 'increment', {}, { [field]: value }), 422, 'invalid_update');
      }
      // The server decides the type: strings that parse are coerced.
      const ok = await client.fire('counter', state, 'increment', {}, { count: '41', flag: 'true', note: 'n' });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(envelopeOf(ok.state as string).s, counterState({ count: 42, flag: true, note: 'n' }));
      const off = await client.fire('counter', ok.state, 'increment', {}, { flag: 'false' });
      assert.equal((envelopeOf(off.state as string).s as CounterState).flag, false);
      // A list field takes a flat list of its items' type (strings while empty).
      const tagged = await client.fire('counter', off.state, 'increment', {}, { tags: ['a', 'b'] });
      assert.deepEqual((envelopeOf(tagged.state as string).s as CounterState).tags, ['a', 'b']);
      for (const tags of [[1], [['a']], 'a']) {
        assertRefusal(await client.fire('counter', tagged.state, 'increment', {}, { tags }), 422, 'invalid_update');
      }
    });

    test('P3.7 throwing user code → 500 handler_error / render_error; generic in production, stack in development; logged', async () => {
      const logged: unknown[] = [];
      const logger = { error: (...args: unknown[]) => logged.push(...args), warn() {} };
      const prod = makeApp({ ...DEFAULTS_BUT_THROTTLE, logger });
      const prodClient = await start(prod);
      const hydrateFails = prod.codec.encode('traced', 'traced-AAAAAAAA', { note: '', n: -1 });
      const cases: [Promise<TestResponse>, string][] = [
        [prodClient.fire('counter', await freshBlob(prod), 'fail'), 'handler_error'],
        [prodClient.fire('fragile', await freshBlob(prod, 'fragile'), 'arm'), 'render_error'],
        [prodClient.fire('traced', hydrateFails, 'a'), 'handler_error'],
        [prodClient.get('/broken-mount'), 'handler_error'],
      ];
      for (const [pending, code] of cases) {
        const res = await pending;
        const body = assertRefusal(res, 500, code);
        assert.equal(body.stack, undefined, 'stack sent in production');
        assert.ok(!res.text.includes('hunter2'), 'message sent in production');
      }
      assert.equal(logged.filter((e) => e instanceof Error && e.message.startsWith(SECRET_MESSAGE.slice(0, 8))).length, 3);
      assert.ok(logged.some((e) => e instanceof Error && /hydrate/.test(e.message)));
      // A WeftError chooses its own status and code.
      const own = assertRefusal(await prodClient.fire('counter', await freshBlob(prod), 'refuse'), 403, 'bad_request');
      assert.equal(own.error, 'nope');

      logged.length = 0;
      const dev = makeApp({ ...DEFAULTS_BUT_THROTTLE, mode: 'development', logger });
      const devClient = await start(dev);
      const res = await devClient.fire('counter', await freshBlob(dev), 'fail');
      const body = assertRefusal(res, 500, 'handler_error');
      assert.match(body.error as string, /hunter2/);
      assert.match(String(body.stack), /^Error: database password is hunter2\n\s+at /);
      assert.equal(logged.length > 0, true, 'not logged in development');
      await stillServes(prodClient, prod);
      await stillServes(devClient, dev);
    });

    test('P3.8 request limits: too_large, too_deep, bad_json, bad_request, 415, 404, 405', async () => {
      const state = await freshBlob(weft);
      const path = '/components/counter/';
      const json = { 'content-type': 'application/json' };
      // Over 1 MiB, declared in Content-Length: refused from the headers alone.
      const declared = await rawRequest(client.baseUrl, { path, headers: { ...json, 'content-length': String(1024 * 1024 + 1) }, body: '{', keepOpen: true });
      assert.equal(assertRefusal(declared, 413, 'too_large').limit, 1024 * 1024);
      // Over 1 MiB, counted while reading a chunked body.
      const big = JSON.stringify({ event: 'increment', state, pad: 'x'.repeat(1024 * 1024) });
      const chunks = Array.from({ length: Math.ceil(big.length / 65_536) }, (_, i) => big.slice(i * 65_536, (i + 1) * 65_536));
      assertRefusal(await rawRequest(client.baseUrl, { path, headers: json, chunks }), 413, 'too_large');
      // Exactly 1 MiB is allowed.
      const pad = 1024 * 1024 - JSON.stringify({ event: 'increment', state, pad: '' }).length;
      assert.equal((await client.post('counter', { event: 'increment', state, pad: 'x'.repeat(pad) })).status, 200);
      // Nesting: 32 levels pass, 33 do not.
      const nested = (levels: number) => `{"event":"increment","state":"${state}","payload":${'{"a":'.repeat(levels - 2)}{}${'}'.repeat(levels - 2)}}`;
      assert.equal((await client.post('counter', nested(32))).status, 200, 'depth 32 refused');
      assertRefusal(await client.post('counter', nested(33)), 400, 'too_deep');
      assertRefusal(await client.post('counter', `[${'['.repeat(40)}${']'.repeat(40)}]`), 400, 'too_deep');
      for (const text of ['{"event":', 'nope', '', `{"__proto__":{},"event":"increment","state":"${state}"}`, `{"event":"add","state":"${state}","payload":{"x":[{"__proto__":1}]}}`]) {
        assertRefusal(await client.post('counter', text), 400, 'bad_json');
      }
      for (const body of [[], 'event', 3, null, { state, event: 1 }, { state, event: 'add', payload: 'by=2' }, { state, event: 'add', payload: [2] }, { state, event: 'increment', updates: 'note' }, { state, events: [1] }]) {
        assertRefusal(await client.post('counter', JSON.stringify(body)), 400, 'bad_request');
      }
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json']) {
        assertRefusal(await client.post('counter', JSON.stringify({ event: 'increment', state }), { 'content-type': type }), 415, 'unsupported_media_type');
      }
      // JSON is UTF-8: another declared charset is refused, and so are bytes that are not UTF-8.
      for (const type of ['application/json; charset=iso-8859-1', 'application/json; charset=utf-16']) {
        assertRefusal(await client.post('counter', JSON.stringify({ event: 'increment', state }), { 'content-type': type }), 415, 'unsupported_media_type');
      }
      const latin1 = Buffer.from(JSON.stringify({ event: 'increment', state, updates: { note: 'café' } }), 'latin1');
      assertRefusal(await client.request(path, { method: 'POST', headers: json, body: latin1 }), 400, 'bad_json');
      // Compressed bodies are refused, not parsed as if they were plain.
      const gzipped = { ...json, 'content-encoding': 'gzip' };
      assertRefusal(await client.request(path, { method: 'POST', headers: gzipped, body: gzipSync(JSON.stringify({ event: 'increment', state })) }), 415, 'unsupported_media_type');
      assertRefusal(await client.fire('nope', state, 'increment'), 404, 'unknown_component');
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const res = await client.request(path, { method });
        assertRefusal(res, 405, 'method_not_allowed');
        assert.equal(res.headers.get('allow'), 'POST', method);
      }
      await stillServes();
    });

    test('P3.9 CSRF: foreign, null or cross-site Origin → 403 csrf; same origin (scheme, host, port) and allowedOrigins pass', async () => {
      const state = await freshBlob(weft);
      const body = { event: 'increment', state };
      const { host: own, hostname, port } = new URL(client.baseUrl);
      const refused: Record<string, string>[] = [
        { origin: 'http://evil.example' },
        { origin: `https://${own}.evil.example` },
        // Same host and port, another scheme: this server is plain http.
        { origin: `https://${own}` },
        { origin: `http://${hostname}:${Number(port) + 1}` },
        { origin: `http://${hostname}` },
        { origin: 'null' },
        { origin: 'not a url' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of refused) {
        assertRefusal(await client.post('counter', body, headers), 403, 'csrf');
      }
      const allowed: Record<string, string>[] = [
        { origin: `http://${own}` },
        { origin: `HTTP://${own.toUpperCase()}` },
        { 'sec-fetch-site': 'same-origin' },
        { 'sec-fetch-site': 'same-site' },
        {},
      ];
      for (const headers of allowed) {
        const res = await client.post('counter', body, headers);
        assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.text}`);
      }
      const allowing = await start(makeApp({ ...DEFAULTS_BUT_THROTTLE, allowedOrigins: ['https://app.example.com'] }));
      assert.equal((await allowing.post('counter', body, { origin: 'https://app.example.com' })).status, 200);
      assertRefusal(await allowing.post('counter', body, { origin: 'https://other.example.com' }), 403, 'csrf');
      // Behind a trusted proxy that ends TLS, X-Forwarded-Proto gives the scheme; otherwise it is ignored.
      const https = { origin: `https://${own}`, 'x-forwarded-proto': 'https' };
      assertRefusal(await client.post('counter', body, https), 403, 'csrf');
      const proxied = await start(makeApp({ ...DEFAULTS_BUT_THROTTLE, clientAddress: { trustedProxies: 1 } }));
      const { host: proxiedHost } = new URL(proxied.baseUrl);
      const viaProxy = await proxied.post('counter', { event: 'increment', state: await freshBlob(weft) }, { origin: `https://${proxiedHost}`, 'x-forwarded-proto': 'https' });
      assert.equal(viaProxy.status, 200, viaProxy.text);
    });

    test('P3.10 Host not in allowedHosts (a DNS-rebinding request) → 400 bad_host on every Weft route', async () => {
      const state = await freshBlob(weft);
      const rebinding = { host: 'evil.example', origin: 'http://evil.example' };
      const send = (c: TestClient, path: string, headers: Record<string, string>, method = 'GET', body?: string) =>
        rawRequest(c.baseUrl, { method, path, headers, ...(body !== undefined && { body }) });
      const event = JSON.stringify({ event: 'increment', state });
      assertRefusal(await send(client, '/components/counter/', { ...rebinding, 'content-type': 'application/json' }, 'POST', event), 400, 'bad_host');
      assertRefusal(await send(client, '/items/1', rebinding), 400, 'bad_host');
      assertRefusal(await send(client, '/weft/htmx.min.js', rebinding), 400, 'bad_host');
      // The listed hosts are served, on any port.
      assert.equal((await send(client, '/items/1', { host: 'localhost:1' })).status, 200);
      // Development allows localhost names and loopback addresses by default, and nothing else.
      const dev = await start(makeApp({ ...DEFAULTS_BUT_THROTTLE, mode: 'development', allowedHosts: undefined }));
      for (const host of ['localhost:3000', 'app.localhost', '127.0.0.1', '[::1]:8080']) {
        assert.equal((await send(dev, '/items/1', { host })).status, 200, host);
      }
      for (const host of ['evil.example', '192.168.0.10']) assertRefusal(await send(dev, '/items/1', { host }), 400, 'bad_host');
      // Production has no default: the app must say which hosts are its own.
      await assert.rejects(async () => host.start(makeApp({ allowedHosts: undefined })), /no allowedHosts/);
      await stillServes();
    });

    test('P3.11 every response carries X-Content-Type-Options: nosniff', async () => {
      const state = await freshBlob(weft);
      const responses: AnyResponse[] = [
        await client.fire('counter', state, 'increment'),
        await client.fire('counter', state, 'explode'),
        await client.post('counter', '{'),
        await client.get('/items/1'),
        await client.get('/items/zero'),
        await client.get('/weft/htmx.min.js'),
        await client.get('/components/counter/'),
      ];
      for (const res of responses) assert.equal(header(res, 'x-content-type-options'), 'nosniff', `${res.status} ${res.text.slice(0, 80)}`);
    });

    test('P3.12 page events: listeners named in the request run their mapped event and come back out of band; HX-Trigger; Weft-Skipped', async () => {
      const speaker = await weft.render('speaker');
      const [h1, h2, other] = [await weft.render('hearer'), await weft.render('hearer'), await weft.render('other')];
      const entry = (r: { id: string; blob: string | undefined }, name = 'hearer') => ({ id: r.id, name, state: r.blob });
      const listeners = [entry(h1), entry(h2), entry(other, 'other')];
      /** The out-of-band roots of an answer, by id, with what each heard. */
      const outOfBand = (text: string) =>
        [...text.matchAll(/<div hx-swap-oob="morph" id="([^"]+)" weft="hearer"[^>]*><p class="heard">([^<]*)<\/p><\/div>/g)].map((m) => [m[1], m[2]]);

      const res = await client.post('speaker', { event: 'shout', payload: { word: 'hi' }, state: speaker.blob, listeners });
      assert.equal(res.status, 200, res.text);
      assert.equal(idOf(res.text), speaker.id, 'the sender\'s root comes first');
      assert.equal(textOf(res.text, 'said'), '1');
      assert.match(res.text, /^<div id="[^"]+" weft="speaker" weft-state="[^"]+" weft-emits="said" hx-target="this"/);
      assert.deepEqual(outOfBand(res.text), [[h1.id, 'hi'], [h2.id, 'hi']]);
      assert.ok(!res.text.includes(other.id), 'a listed root that does not listen is not touched');
      assert.equal(res.headers.get('hx-trigger'), '{"said":{"word":"hi"}}');
      assert.equal(res.headers.get('weft-skipped'), null);
      // A listener's new root carries its new state and its weft-listen.
      const h1Root = /<div hx-swap-oob="morph" id="[^"]+" weft="hearer" weft-state="([^"]+)" weft-listen="said" /.exec(res.text);
      assert.ok(h1Root, res.text);

      // `to`: one root by id, or one component.
      const one = await client.post('speaker', { event: 'whisper', payload: { word: 'psst', to: `#${h2.id}` }, state: speaker.blob, listeners });
      assert.deepEqual(outOfBand(one.text), [[h2.id, 'psst']]);
      const byName = await client.post('speaker', { event: 'whisper', payload: { word: 'all', to: 'hearer' }, state: speaker.blob, listeners });
      assert.deepEqual(outOfBand(byName.text), [[h1.id, 'all'], [h2.id, 'all']]);
      const nobody = await client.post('speaker', { event: 'whisper', payload: { word: 'x', to: 'other' }, state: speaker.blob, listeners });
      assert.deepEqual(outOfBand(nobody.text), []);
      assert.equal(nobody.headers.get('hx-trigger'), '{"said":{"word":"x"}}', 'page scripts hear it all the same');

      // Non-ASCII payloads travel in the header as \u escapes.
      const accent = await client.post('speaker', { event: 'shout', payload: { word: 'café ✓' }, state: speaker.blob, listeners: [entry(h1)] });
      assert.equal(accent.headers.get('hx-trigger'), '{"said":{"word":"caf\\u00e9 \\u2713"}}');
      assert.deepEqual(outOfBand(accent.text), [[h1.id, 'café ✓']]);

      // Nothing emitted: no header, no listener touched.
      const quiet = await client.post('speaker', { event: 'quiet', state: speaker.blob, listeners });
      assert.equal(quiet.status, 200);
      assert.equal(quiet.headers.get('hx-trigger'), null);
      assert.deepEqual(outOfBand(quiet.text), []);

      // A refused listener is skipped and named; the sender's answer and the others stand.
      const skipped = await client.post('speaker', {
        event: 'shout',
        payload: { word: 'far too long a word' },
        state: speaker.blob,
        listeners: [entry(h1), { ...entry(h2), state: tamper(h2.blob as string) }],
      });
      assert.equal(skipped.status, 200, skipped.text);
      assert.equal(textOf(skipped.text, 'said'), '1');
      assert.deepEqual(outOfBand(skipped.text), []);
      assert.equal(skipped.headers.get('weft-skipped'), `${h1.id} 422 invalid_payload, ${h2.id} 400 state_signature`);

      // Listener entries are checked like the rest of the body.
      const many = Array.from({ length: 21 }, (_, i) => ({ ...entry(h1), id: `hearer-${i}` }));
      assertRefusal(await client.post('speaker', { event: 'shout', payload: { word: 'a' }, state: speaker.blob, listeners: many }), 400, 'too_many_listeners');
      for (const bad of [{}, [{ ...entry(h1), id: 'a b' }], [{ ...entry(h1), name: 'Hearer' }], [{ ...entry(h1), state: 1 }],
        [entry(h1), entry(h1)], [{ ...entry(h1), updates: {} }], [{ ...entry(h1), children: { x: 'short' } }]]) {
        assertRefusal(await client.post('speaker', { event: 'shout', payload: { word: 'a' }, state: speaker.blob, listeners: bad }), 400, 'bad_request');
      }
    });

    test('P4.1 every refusal is JSON {error, code, …}, never HTML, and the server keeps serving', async () => {
      const state = await freshBlob(weft);
      const refusals: Promise<AnyResponse>[] = [
        client.post('counter', { event: 'increment' }),
        client.fire('counter', tamper(state), 'increment'),
        client.fire('counter', state, 'explode'),
        client.fire('counter', state, 'add', { by: 'x' }),
        client.fire('counter', state, 'increment', {}, { owner: 'x' }),
        client.fire('counter', state, 'fail'),
        client.post('counter', '{'),
        client.post('counter', '{}', { 'content-type': 'text/plain' }),
        client.post('counter', '{}', { origin: 'http://evil.example' }),
        client.fire('nope', state, 'increment'),
        client.get('/components/counter/'),
        client.get('/items/zero'),
        client.get('/broken-mount'),
      ];
      for (const res of await Promise.all(refusals)) {
        assert.ok(res.status >= 400, `not a refusal: ${res.status}`);
        assert.match(header(res, 'content-type') ?? '', /^application\/json/);
        assert.doesNotMatch(res.text, /<html|<!DOCTYPE/i);
        assert.equal(typeof res.json?.error, 'string');
        assert.match(String(res.json?.code), /^[a-z_]+$/);
      }
      const example = assertRefusal(await client.fire('counter', state, 'explode'), 400, 'unknown_event');
      assert.equal(example.error, `component "counter" has no event "explode"; allowed: ${COUNTER_EVENTS.join(', ')}`);
      await stillServes();
    });

    test('P4.2 render limits: HTML over 1 MiB → 413 response_too_large, over 500 children → 413 too_many_children; events and views', async () => {
      const state = await freshBlob(weft, 'flood');
      const fits = await client.fire('flood', state, 'set', { bytes: 1_000_000, children: 500 });
      assert.equal(fits.status, 200, fits.text.slice(0, 200));
      assert.equal(fits.text.match(/class="badge"/g)?.length, 500);
      const large = assertRefusal(await client.fire('flood', state, 'set', { bytes: 1024 * 1024 }), 413, 'response_too_large');
      assert.deepEqual(large, {
        error: 'the render of component "flood" is larger than 1048576 bytes (maxResponseBytes)',
        code: 'response_too_large',
        limit: 1048576,
      });
      const many = assertRefusal(await client.fire('flood', state, 'set', { children: 501 }), 413, 'too_many_children');
      assert.deepEqual(many, {
        error: 'component "flood" renders more than 500 children in one render (maxChildren)',
        code: 'too_many_children',
        limit: 500,
      });
      assertRefusal(await client.get('/flood?bytes=1048577'), 413, 'response_too_large');
      assertRefusal(await client.get('/flood?children=501'), 413, 'too_many_children');
      // The state the browser still holds keeps working.
      assert.equal((await client.fire('flood', state, 'set', { bytes: 10 })).status, 200);
      // Both limits are options of the app.
      const tight = await start(makeApp({ ...DEFAULTS_BUT_THROTTLE, maxResponseBytes: 2000, maxChildren: 2 }));
      const tightState = await freshBlob(weft, 'flood');
      assert.equal((await tight.fire('flood', tightState, 'set', { bytes: 1000, children: 2 })).status, 200);
      assertRefusal(await tight.fire('flood', tightState, 'set', { bytes: 2000 }), 413, 'response_too_large');
      assertRefusal(await tight.fire('flood', tightState, 'set', { children: 3 }), 413, 'too_many_children');
      await stillServes();
    });

    test('P4.3 a refused view GET from a browser loading a page is an HTML page with the same status and code', async () => {
      const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
      for (const [path, status, code] of [['/items/zero', 400, 'invalid_params'], ['/broken-mount', 500, 'handler_error']] as const) {
        const res = await client.request(path, { headers: browser });
        assert.equal(res.status, status, path);
        assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.match(res.text, /^<!doctype html>/);
        assert.ok(res.text.includes(`<code>${code}</code>`), res.text);
        // htmx asks with HX-Request, scripts without text/html: both get JSON (P4.1).
        assertRefusal(await client.request(path, { headers: { ...browser, 'hx-request': 'true' } }), status, code);
        assertRefusal(await client.get(path), status, code);
      }
      // Event requests are never pages.
      assertRefusal(await client.post('counter', { event: 'increment' }, browser), 400, 'state_missing');
    });

    test('P5.1 /weft/htmx.min.js, idiomorph.min.js and weft.min.js are served with ETag and 304', async () => {
      const icon = await client.get('/weft/favicon.svg');
      assert.equal(icon.status, 200);
      assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
      for (const file of ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js']) {
        const res = await client.get(`/weft/${file}`);
        assert.equal(res.status, 200, file);
        assert.match(res.headers.get('content-type') ?? '', /javascript/);
        const etag = res.headers.get('etag');
        assert.ok(etag, `${file}: no ETag`);
        const again = await client.request(`/weft/${file}`, { headers: { 'if-none-match': etag } });
        assert.equal(again.status, 304, file);
        assert.equal(again.text, '');
        const stale = await client.request(`/weft/${file}`, { headers: { 'if-none-match': '"stale"' } });
        assert.equal(stale.status, 200);
        assert.equal(stale.text, res.text);
      }
      assert.match((await client.get('/weft/htmx.min.js')).text, /htmx/);
      assert.match((await client.get('/weft/idiomorph.min.js')).text, /Idiomorph/);
    });

    test('P5.2 the served client sends {event, payload, state, updates, children} built from hx-vals, form values, weft-model and child roots', async () => {
      const { ext } = await loadClient(client);
      const rendered = await weft.render('counter');
      // What on("add", {by: 2}) wrote into the page.
      const button = /<button[^>]*hx-post="([^"]+)"[^>]*hx-vals="([^"]+)"[^>]*>\+2</.exec(rendered.html);
      assert.ok(button, 'no hx-post/hx-vals on the +2 button');
      assert.equal(button[1], '/components/counter/');
      const vals = JSON.parse(unescapeAttr(button[2] as string)) as Record<string, unknown>;
      assert.deepEqual(vals, { by: 2, event: 'add' });
      assert.match(rendered.html, /<input[^>]*\sweft-model="note"/);

      const root = new FakeElement({ 'weft-state': rendered.blob as string });
      const note = new FakeElement({ 'weft-model': 'note', name: 'note' }, root);
      note.value = 'typed';
      const nested = new FakeElement({ 'weft-state': 'v1.nested.x', id: 'child-1', 'weft-child': 'AbCdEfGh_-12' }, root);
      new FakeElement({ 'weft-model': 'count' }, nested).value = '99';
      // A grandchild belongs to the nested root, not to this one.
      new FakeElement({ 'weft-state': 'v1.grand.x', id: 'grandchild', 'weft-child': 'zzzzzzzzzzzz' }, nested);
      // The +2 button as rendered, and a form field of the root.
      const target = new FakeElement({ 'hx-vals': unescapeAttr(button[2] as string) }, root);
      new FakeElement({ name: 'extra' }, root);
      // A number input sends a number (the typed payload rule of P5.2).
      new FakeElement({ name: 'qty' }, root).type = 'number';
      // What htmx hands over: form data, hx-vals as strings (their JSON types come back from the attribute).
      const form = new FormData();
      form.append('note', 'typed');
      form.append('extra', 'x');
      form.append('qty', '3');
      form.append('by', '2');
      form.append('event', 'add');
      const text = encodeEvent(ext, form, target).body;
      assert.ok(text);
      assert.deepEqual(JSON.parse(text), {
        event: 'add',
        payload: { by: 2, extra: 'x', qty: 3 },
        state: rendered.blob,
        updates: { note: 'typed' },
        children: { 'child-1': 'AbCdEfGh_-12' },
      });
      const configured = { verb: 'post', elt: target, headers: {} as Record<string, string> };
      ext.onEvent('htmx:configRequest', { detail: configured });
      assert.equal(configured.headers['Content-Type'], 'application/json');
      // Outside any root the client leaves htmx alone.
      assert.equal(ext.encodeParameters({}, new FormData(), new FakeElement({})), null);
      // And the server accepts exactly that body.
      const headers = Object.fromEntries(Object.entries(configured.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const res = await client.post('counter', text, headers);
      assert.equal(res.status, 200, res.text);
      assert.equal(textOf(res.text, 'count'), '2');
      assert.equal(textOf(res.text, 'note'), 'typed');
    });

    test('P5.3 roots swap with hx-swap="morph", morphed by idiomorph keeping the value typed since the request was sent and focus', async () => {
      const rendered = await weft.render('counter');
      assert.match(rootTag(rendered.html).tag, /\shx-swap="morph"/);
      const { ext, morphs, setActive } = await loadClient(client);
      assert.equal(ext.isInlineSwap('morph'), true);
      assert.equal(ext.isInlineSwap('morph:outerHTML'), true);
      assert.equal(ext.isInlineSwap('innerHTML'), false);
      const target = new FakeElement({ 'weft-state': rendered.blob as string });
      const typingIn = new FakeInput({ 'weft-model': 'note' }, target);
      const clicked = new FakeInput({}, target);
      clicked.type = 'button';
      const fragment = { children: ['new root'] };
      // The active value is kept only while the user types in the focused element.
      for (const [active, keepsValue] of [[typingIn, true], [clicked, false], [null, false]] as const) {
        setActive(active);
        for (const [style, morphStyle] of [['morph', 'outerHTML'], ['morph:outerHTML', 'outerHTML'], ['morph:innerHTML', 'innerHTML']]) {
          ext.handleSwap(style as string, target, fragment);
          const last = morphs.at(-1);
          assert.equal(last?.target, target);
          assert.equal(last?.content, fragment.children);
          const { callbacks, ...config } = last?.config ?? {};
          assert.deepEqual(config, { morphStyle, ignoreActiveValue: keepsValue, restoreFocus: true });
          assert.equal(typeof (callbacks as Record<string, unknown>).beforeNodeMorphed, 'function');
        }
      }
      assert.equal(ext.handleSwap('outerHTML', target, fragment), false);
      assert.equal(morphs.length, 9);

      // The field that had focus when the event was sent takes the server's value,
      // unless the user changed it since.
      setActive(typingIn);
      typingIn.value = 'walk dog';
      const sent = encodeEvent(ext, new FormData(), clicked);
      ext.handleSwap('morph', target, fragment);
      assert.equal(morphs.at(-1)?.config.ignoreActiveValue, false, 'unchanged since sent: the server wins');
      sent.end();
      const next = encodeEvent(ext, new FormData(), clicked);
      typingIn.value = 'walk dog and cat';
      ext.handleSwap('morph', target, fragment);
      assert.equal(morphs.at(-1)?.config.ignoreActiveValue, true, 'typed while it was out: kept');
      next.end();
    });

    test('P5.6 the served client sends one root\'s events one at a time, each with the state the previous response left', async () => {
      const { ext } = await loadClient(client);
      const first = await weft.render('counter');
      const root = new FakeElement({ 'weft-state': first.blob as string });
      const plus = new FakeElement({ 'hx-vals': '{"event":"add","by":2}' }, root);
      const nested = new FakeElement({ 'weft-state': 'v1.nested.x', id: 'child-1', 'weft-child': 'AbCdEfGh_-12' }, root);
      const inNested = new FakeElement({ 'hx-vals': '{"event":"go"}' }, nested);
      const bodyOf = (xhr: FakeXhr) => JSON.parse(xhr.body as string) as { payload: unknown; state: string };

      const a = encodeEvent(ext, new FormData(), plus);
      assert.ok(a.body, 'the first event goes out at once');
      const b = encodeEvent(ext, new FormData(), plus);
      // What the event asks for is fixed when it fires, even if the element changes before it is sent.
      plus.setAttribute('hx-vals', '{"event":"add","by":5}');
      assert.equal(b.body, undefined, 'the second waits for the first');
      assert.ok(encodeEvent(ext, new FormData(), inNested).body, 'a nested root has its own order');

      // The first response comes back and is swapped in: the second carries its state.
      const resA = await client.post('counter', a.body as string, { 'content-type': 'application/json' });
      assert.equal(resA.status, 200, resA.text);
      const afterA = resA.state as string;
      root.setAttribute('weft-state', afterA);
      a.end();
      assert.ok(b.body, 'the second goes out when the first has ended');
      assert.deepEqual(bodyOf(b).payload, { by: 2 });
      assert.equal(bodyOf(b).state, afterA);
      const resB = await client.post('counter', b.body as string, { 'content-type': 'application/json' });
      assert.equal(textOf(resB.text, 'count'), '4', 'both events counted');

      // A request that fails ends too (loadend comes after any outcome), and lets the next go.
      const c = encodeEvent(ext, new FormData(), plus);
      assert.equal(c.body, undefined);
      b.end();
      assert.ok(c.body);
      c.end();
    });

    test('P5.5 a child with the same id and weft-child is kept while its parent morphs; a changed one is morphed', async () => {
      const { ext, morphs } = await loadClient(client);
      const page = await client.get('/shelf');
      const [, firstRow] = [...page.text.matchAll(/<li id="([^"]+)" weft="row" weft-state="[^"]+" weft-child="([^"]+)"/g)];
      assert.ok(firstRow, page.text);
      const [, rowId, digest] = firstRow as unknown as [string, string, string];
      const parent = new FakeElement({ id: 'shelf-x', 'weft-state': 'v1.a.b' });
      const child = new FakeElement({ id: rowId, 'weft-state': 'v1.c.d', 'weft-child': digest }, parent);
      ext.handleSwap('morph', parent, { children: [] } as never);
      const keep = (morphs.at(-1)?.config.callbacks as { beforeNodeMorphed(old: unknown, fresh: unknown): boolean }).beforeNodeMorphed;
      const fresh = (attributes: Record<string, string>) => new FakeElement(attributes);
      assert.equal(keep(child, fresh({ id: rowId, 'weft-child': digest })), false, 'same id and digest: kept');
      assert.equal(keep(child, fresh({ id: rowId, 'weft-child': 'other-digest' })), true, 'params changed: morphed');
      assert.equal(keep(child, fresh({ id: `${rowId}x`, 'weft-child': digest })), true, 'another child: morphed');
      assert.equal(keep(parent, fresh({ id: 'shelf-x' })), true, 'the swapped root itself is always morphed');
      assert.equal(keep(new FakeElement({ id: rowId }), fresh({ id: rowId })), true, 'not a child: morphed');
      assert.equal(keep('text', 'text'), true, 'text nodes are morphed');

      // A child's own response carries its digest; one whose digest is no longer the
      // element's (the parent replaced the child meanwhile) is stale and not swapped.
      const rowBlob = /id="[^"]+-r0" weft="row" weft-state="([^"]+)"/.exec(page.text)?.[1];
      const own = await client.fire('row', rowBlob, 'touch');
      const beforeSwap = (target: FakeElement, serverResponse: string) => {
        const detail = { target, serverResponse, shouldSwap: true };
        ext.onEvent('htmx:beforeSwap', { detail });
        return detail.shouldSwap;
      };
      assert.equal(beforeSwap(child, own.text), true, 'current digest: swapped');
      const replaced = new FakeElement({ id: rowId, 'weft-state': 'v1.g.h', 'weft-child': 'NEWDIGEST123' }, parent);
      assert.equal(beforeSwap(replaced, own.text), false, 'stale digest: not swapped');
      assert.equal(beforeSwap(replaced, '<div id="x" weft="counter" weft-state="v1.a.b">'), true, 'a response without a digest is swapped');
      assert.equal(beforeSwap(parent, own.text), true, 'a target that is not a child is swapped');

      // morph:innerHTML of a response that is the root itself morphs the root's outer HTML.
      const response = new FakeElement({ id: rowId });
      ext.handleSwap('morph:innerHTML', child, { children: [response], firstElementChild: response } as never);
      assert.equal(morphs.at(-1)?.config.morphStyle, 'outerHTML');
      const fragmentOnly = new FakeElement({ id: 'part' });
      ext.handleSwap('morph:innerHTML', child, { children: [fragmentOnly], firstElementChild: fragmentOnly } as never);
      assert.equal(morphs.at(-1)?.config.morphStyle, 'innerHTML');
    });

    test('P5.4 an error response dispatches a bubbling weft:error on the root with {status, error, code, …}', async () => {
      const { ext } = await loadClient(client);
      const state = await freshBlob(weft);
      const res = await client.fire('counter', state, 'explode');
      assertRefusal(res, 400, 'unknown_event');
      const root = new FakeElement({ 'weft-state': state });
      const button = new FakeElement({}, root);
      const seen: CustomEvent[] = [];
      root.addEventListener('weft:error', (e) => seen.push(e as CustomEvent));
      ext.onEvent('htmx:responseError', { detail: { elt: button, xhr: { status: res.status, responseText: res.text, statusText: 'Bad Request' } } });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.bubbles, true);
      assert.deepEqual(seen[0]?.detail, { status: 400, ...res.json });
      assert.equal(root.getAttribute('weft-error'), 'unknown_event', 'the root is marked with the code');
      // A body that is not JSON still produces {status, error}.
      ext.onEvent('htmx:responseError', { detail: { elt: button, xhr: { status: 502, responseText: '<h1>Bad gateway</h1>', statusText: 'Bad Gateway' } } });
      assert.deepEqual(seen[1]?.detail, { status: 502, error: 'Bad Gateway' });
      assert.equal(root.getAttribute('weft-error'), 'error', 'no code: marked "error"');
      // A request that never reached the server.
      ext.onEvent('htmx:sendError', { detail: { elt: button } });
      assert.deepEqual(seen[2]?.detail, { status: 0, error: 'the server could not be reached', code: 'network' });
      assert.equal(root.getAttribute('weft-error'), 'network');
      assert.equal(seen.length, 3);
    });

    test('P5.7 page events: an event of a root with weft-emits carries the roots listening to those names; Weft-Skipped → weft:error', async () => {
      const { ext, setRoots } = await loadClient(client);
      const speaker = rootElement((await weft.render('speaker')).html);
      const [h1, h2] = [rootElement((await weft.render('hearer')).html), rootElement((await weft.render('hearer')).html)];
      assert.equal(speaker.getAttribute('weft-emits'), 'said');
      assert.equal(h1.getAttribute('weft-listen'), 'said');
      const kept = new FakeElement({ 'weft-state': 'v1.kid.x', id: `${h1.id}-k`, 'weft-child': 'AbCdEfGh_-12' }, h1);
      const other = rootElement((await weft.render('other')).html);
      const unrelated = new FakeElement({ id: 'x-1', weft: 'x', 'weft-state': 'v1.x.x', 'weft-listen': 'elsewhere' });
      setRoots([speaker, h1, kept, other, h2, unrelated]);
      const button = new FakeElement({ 'hx-vals': '{"event":"shout","word":"hi"}' }, speaker);
      const form = new FormData();
      form.append('event', 'shout');
      form.append('word', 'hi');
      /** Sends an event as htmx would and ends it, so the root's next one goes. */
      const sent = (elt: FakeElement, data: FormData) => {
        const xhr = encodeEvent(ext, data, elt);
        xhr.end();
        return xhr.body as string;
      };
      const text = sent(button, form);
      const body = JSON.parse(text) as { listeners: unknown };
      assert.deepEqual(body.listeners, [
        { id: h1.id, name: 'hearer', state: h1.getAttribute('weft-state'), children: { [kept.id]: 'AbCdEfGh_-12' } },
        { id: h2.id, name: 'hearer', state: h2.getAttribute('weft-state') },
      ]);
      // The server takes exactly that body.
      const res = await client.post('speaker', text);
      assert.equal(res.status, 200, res.text);
      assert.equal((res.text.match(/ hx-swap-oob="morph"/g) ?? []).length, 2);

      // At most 20 listeners go out (the server refuses more).
      const many = Array.from({ length: 25 }, (_, i) => new FakeElement({ id: `hearer-${i}`, weft: 'hearer', 'weft-state': 'v1.h.x', 'weft-listen': 'said' }));
      setRoots([speaker, ...many]);
      assert.equal((JSON.parse(sent(button, form)) as { listeners: unknown[] }).listeners.length, 20);
      // A root that emits nothing sends no listeners.
      const plain = new FakeElement({ 'hx-vals': '{"event":"ping"}' }, other);
      assert.ok(!('listeners' in (JSON.parse(sent(plain, new FormData())) as object)));

      // A listener the server skipped is told, as an error response tells its root.
      setRoots([speaker, h1, h2]);
      const seen: CustomEvent[] = [];
      h2.addEventListener('weft:error', (e) => seen.push(e as CustomEvent));
      const xhr = { getResponseHeader: (name: string) => (name.toLowerCase() === 'weft-skipped' ? `${h2.id} 403 state_user, gone-1 400 state_signature` : null) };
      ext.onEvent('htmx:afterRequest', { detail: { elt: button, xhr } });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.bubbles, true);
      assert.equal(seen[0]?.detail.status, 403);
      assert.equal(seen[0]?.detail.code, 'state_user');
      assert.equal(h2.getAttribute('weft-error'), 'state_user');
      assert.equal(h1.getAttribute('weft-error'), null);

      // A listener's out-of-band root rendered for another parent render than the page shows is stale (P5.5).
      const child = new FakeElement({ id: 'shelf-1-r0', 'weft-child': 'AAAAAAAAAAAA', 'weft-state': 'v1.r.x' });
      const oob = (digest: string) => ({ target: child, shouldSwap: true, fragment: { firstElementChild: { outerHTML: `<li id="shelf-1-r0" weft="row" weft-child="${digest}">` } } });
      const stale = oob('BBBBBBBBBBBB');
      ext.onEvent('htmx:oobBeforeSwap', { detail: stale });
      assert.equal(stale.shouldSwap, false);
      const fresh = oob('AAAAAAAAAAAA');
      ext.onEvent('htmx:oobBeforeSwap', { detail: fresh });
      assert.equal(fresh.shouldSwap, true);
    });

    test('P5.8 component CSS and JS: hashed immutable URLs, linked once per page, only new ones after a fragment; the client lists what the page has', async () => {
      const app = await start(assetsApp());
      const css = assetHash(CARD_CSS);
      const js = assetHash(CARD_JS);
      const star = assetHash(STAR_CSS);
      const cssPath = `/weft/c/card.${css}.css`;
      const res = await app.request(cssPath, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(res.status, 200);
      assert.equal(res.text, CARD_CSS);
      assert.equal(res.headers.get('content-type'), 'text/css; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(res.headers.get('etag'), `"${css}"`);
      assert.equal(res.headers.get('vary'), 'Accept-Encoding');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal((await app.get(`/weft/c/card.${js}.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
      for (const coding of ['br', 'gzip']) {
        const packed = await app.request(cssPath, { headers: { 'accept-encoding': coding } });
        assert.equal(packed.headers.get('content-encoding'), coding);
        assert.equal(packed.headers.get('etag'), `"${css}-${coding}"`);
        assert.equal(packed.text, CARD_CSS, `${coding} body decodes to the file`);
      }
      const again = await app.request(cssPath, { headers: { 'if-none-match': `"${css}"` } });
      assert.equal(again.status, 304);
      assert.equal(again.text, '');
      for (const path of [`/weft/c/card.${star}.css`, `/weft/c/card.${css}.js`, `/weft/c/nope.${css}.css`]) {
        assertRefusal(await app.get(path), 404, 'not_found');
      }

      // The page links each asset once, in its head, however many cards it shows.
      const view = await app.get('/cards');
      assert.equal(view.status, 200);
      assert.equal(view.text.split('class="card"').length - 1, 4);
      const head = view.text.slice(0, view.text.indexOf('</head>'));
      assert.equal(head.split(`<link rel="stylesheet" href="${cssPath}" data-weft-asset="${css}">`).length - 1, 1);
      assert.equal(head.split(`<script defer src="/weft/c/card.${js}.js" data-weft-asset="${js}"></script>`).length - 1, 1);
      assert.equal(view.text.split('data-weft-asset').length - 1, 2);

      // An event response brings only the assets the request does not list.
      const shelf = /<div id="[^"]+" weft="card-shelf" weft-state="([^"]+)"/.exec(view.text)?.[1];
      assert.ok(shelf);
      const grown = await app.post('card-shelf', { event: 'addStar', state: shelf.replace(/&amp;/g, '&'), assets: [css, js] });
      assert.equal(grown.status, 200, grown.text);
      assert.ok(grown.text.endsWith(`</div><link rel="stylesheet" href="/weft/c/star.${star}.css" data-weft-asset="${star}">\n`), grown.text);
      assertRefusal(await app.post('card-shelf', { event: 'addStar', state: shelf, assets: ['nope'] }), 400, 'bad_request');

      // The served client lists the distinct data-weft-asset values of the document.
      const { ext, setAssets } = await loadClient(client);
      setAssets([new FakeElement({ 'data-weft-asset': css }), new FakeElement({ 'data-weft-asset': js }), new FakeElement({ 'data-weft-asset': css })]);
      const root = new FakeElement({ 'weft-state': 'v1.x.y' });
      const form = new FormData();
      form.append('event', 'addStar');
      const body = JSON.parse(encodeEvent(ext, form, new FakeElement({ 'hx-vals': '{"event":"addStar"}' }, root)).body as string) as Record<string, unknown>;
      assert.deepEqual(body.assets, [css, js]);
    });

    test('P6.1 weft.view serves GET path with :params over the query, validated by paramsSchema (400 invalid_params)', async () => {
      const res = await client.get('/items/12?tab=reviews&id=99');
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(textOf(res.text, 'item'), 'Item 12');
      assert.equal(textOf(res.text, 'tab'), 'reviews');
      assert.equal(textOf((await client.get('/items/12')).text, 'tab'), 'overview');
      for (const path of ['/items/twelve', '/items/0', '/items/1e400']) {
        const body = assertRefusal(await client.get(path), 400, 'invalid_params');
        const issues = body.issues as { path: string; message: string }[];
        assert.equal(issues[0]?.path, 'id', path);
        assert.equal(typeof issues[0]?.message, 'string');
      }
      assert.equal((await client.get('/items')).status, 404, 'a view path needs its parameter');
      assert.equal((await client.get('/items/1/2')).status, 404);
    });

    test('P6.2 the other trailing-slash form of a view path → 308 to the registered one, query kept', async () => {
      const res = await client.request('/items/12/?tab=reviews', { redirect: 'manual' });
      assert.equal(res.status, 308);
      assert.equal(res.headers.get('location'), '../12?tab=reviews');
      const head = await client.request('/items/12/', { method: 'HEAD', redirect: 'manual' });
      assert.equal(head.status, 308);
      assert.equal(head.headers.get('location'), '../12');
      const followed = await client.get('/items/12/?tab=reviews');
      assert.equal(followed.status, 200);
      assert.equal(textOf(followed.text, 'tab'), 'reviews');
    });
  });
}

describe('docs/protocol.md and the code agree', () => {
  /** Error codes the document names: `code` table columns and codes given with a status. */
  function documentedCodes(): Set<string> {
    const codes = new Set<string>();
    const lines = protocolDoc.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const cells = (lines[i] as string).split('|').map((c) => c.trim());
      const column = cells.indexOf('`code`');
      if (column < 0) continue;
      for (let j = i + 2; j < lines.length && (lines[j] as string).startsWith('|'); j++) {
        const cell = (lines[j] as string).split('|').map((c) => c.trim())[column] ?? '';
        for (const m of cell.matchAll(/`([a-z_]+)`/g)) codes.add(m[1] as string);
      }
    }
    for (const m of protocolDoc.matchAll(/\*\*[1-5]\d\d\*\*\s+`([a-z_]+)`((?:\s*\/\s*`[a-z_]+`)*)/g)) {
      codes.add(m[1] as string);
      for (const more of (m[2] ?? '').matchAll(/`([a-z_]+)`/g)) codes.add(more[1] as string);
    }
    for (const m of protocolDoc.matchAll(/\(`([a-z_]+)`,\s*[1-5]\d\d\)/g)) codes.add(m[1] as string);
    for (const m of protocolDoc.matchAll(/"code":\s*"([a-z_]+)"/g)) codes.add(m[1] as string);
    return codes;
  }

  test('every documented error code is in the ErrorCode union of src/core/errors.ts', () => {
    const union = /export type ErrorCode =([\s\S]*?);/.exec(errorsSource)?.[1];
    assert.ok(union, 'ErrorCode union not found');
    const declared = new Set([...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1] as string));
    const documented = documentedCodes();
    for (const code of ['state_missing', 'state_expired', 'state_too_large', 'throttled', 'too_many_events', 'unknown_event',
      'invalid_payload', 'locked_field', 'handler_error', 'render_error', 'too_deep', 'method_not_allowed', 'csrf', 'invalid_params']) {
      assert.ok(documented.has(code), `the doc parser missed ${code}`);
    }
    const missing = [...documented].filter((code) => !declared.has(code));
    assert.deepEqual(missing, [], `documented but not in ErrorCode: ${missing.join(', ')}`);
  });

  test('every numbered rule in docs/protocol.md has a test here', () => {
    const rules = [...protocolDoc.matchAll(/\*\*(P\d+\.\d+)\*\*/g)].map((m) => m[1] as string);
    assert.ok(rules.length >= 20, `found only ${rules.length} rules`);
    const missing = rules.filter((rule) => !thisFile.includes(`test('${rule} `));
    assert.deepEqual(missing, [], `rules without a test: ${missing.join(', ')}`);
  });
});
