import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createWeft } from '../../app.js';
import { Component } from '../../core/component.js';
import { html } from '../../core/html.js';
import { childDigest } from '../../core/lifecycle.js';
import { Registry } from '../../core/registry.js';
import { compose } from '../../core/slots.js';
import { liquidRenderer } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'weft-liquid-slots-'));
after(() => rmSync(root, { recursive: true, force: true }));

const templates: Record<string, string> = {
  // As written in docs/composition.md: no `| raw` needed.
  'product.liquid':
    '<h1>{{ state.title }}</h1>' +
    '{% if slots.reviews %}<section class="reviews">{{ slots.reviews }}</section>{% endif %}' +
    '{% if slots.recommendations %}<section class="recs">{{ slots.recommendations | raw }}</section>{% endif %}' +
    '<footer>{% slot "reviews" %}<p>No reviews yet</p>{% endslot %}</footer>',
  'layout.liquid': '<div class="layout">{% slot %}<p>{{ "<empty>" }}</p>{% endslot %}</div>',
  'listing.liquid': '{% child "reviews" productId: state.id, key: "r" %}{% child "reviews", productId: 2 %}',
  'listing-ts.liquid': '{{ slots.x }}',
  'child-no-name.liquid': '{% child %}',
  'slot-open.liquid': '{% slot "reviews" %}never closed',
  'slot-filtered.liquid': '{{ slots.reviews | upcase }}',
};
for (const [file, text] of Object.entries(templates)) writeFileSync(join(root, file), text);

const renderer = liquidRenderer({ root });

class Reviews extends Component<{ likes: number }, { productId: number }> {
  static override events = { like: true };
  mount() {
    return { likes: 0 };
  }
  like(): void {
    this.state.likes++;
  }
  override render() {
    return html`<p class="count">Reviews of ${this.params.productId}: ${this.state.likes}</p>`;
  }
}

class Product extends Component<{ title: string }> {
  static override events = { rename: true };
  static override slots = ['reviews', 'recommendations'] as const;
  static override template = 'product.liquid';
  static override renderer = renderer;
  mount() {
    return { title: 'Lamp <1>' };
  }
  rename(): void {
    this.state.title = 'Desk lamp';
  }
}

class Layout extends Component<Record<string, never>> {
  static override slots = ['default'];
  static override template = 'layout.liquid';
  static override renderer = renderer;
  mount() {
    return {};
  }
}

class Listing extends Component<{ id: number }> {
  static override events = { noop: true };
  static override template = 'listing.liquid';
  static override renderer = renderer;
  mount() {
    return { id: 1 };
  }
  noop(): void {}
}

/** The same children as Listing's template, through `child()`. */
class ListingTs extends Listing {
  override async render() {
    return html`${await this.child(Reviews, { productId: this.state.id }, { key: 'r' })}${await this.child(Reviews, { productId: 2 })}`;
  }
}

class Broken extends Component<Record<string, never>> {
  static override template = 'child-no-name.liquid';
  static override renderer = renderer;
  mount() {
    return {};
  }
}

class Filtered extends Product {
  static override template = 'slot-filtered.liquid';
}

function app() {
  const registry = new Registry();
  registry.register('reviews', Reviews);
  registry.register('product', Product);
  registry.register('layout', Layout);
  registry.register('listing', Listing);
  registry.register('listing-ts', ListingTs);
  registry.register('broken', Broken);
  registry.register('filtered', Filtered);
  return createWeft({ registry, secret: 'liquid-slots-secret-0123456789abcdefgh', mode: 'development', logger: { error() {}, warn() {} } });
}

/** `[id, weft-child]` of every root (placeholders included) in `markup`, in order. */
function children(markup: string): [string, string][] {
  return [...markup.matchAll(/<div id="([^"]+)" weft="reviews"[^>]*? weft-child="([^"]+)"/g)].map((m) => [m[1] as string, m[2] as string]);
}

describe('Liquid slots', () => {
  const weft = app();

  it('{% if slots.reviews %}…{{ slots.reviews }} writes a component fill once, unescaped, and skips an empty slot', async () => {
    const out = await weft.render(compose(Product, { slots: { reviews: Reviews.with({ productId: 7 }) } }));
    const id = `${out.id}-slot-reviews`;
    assert.match(out.html, /<h1>Lamp &lt;1&gt;<\/h1><section class="reviews"><div id="[^"]+-slot-reviews" weft="reviews" weft-state="[^"]+" weft-child="[^"]+"[^>]*><p class="count">Reviews of 7: 0<\/p><\/div><\/section>/);
    assert.ok(!out.html.includes('class="recs"'), 'an empty slot is false to {% if %}');
    // {% slot %} writes the same render of the fill (one render, one key).
    assert.equal(out.html.split(`id="${id}"`).length, 3);
    assert.match(out.html, /<footer><div id="[^"]+-slot-reviews"/);
  });

  it('writes HTML and text fills as HTML and escaped text, with or without | raw', async () => {
    const out = await weft.render(compose(Product, { slots: { reviews: '<b>"great"</b>', recommendations: html`<a href="/x">X</a>` } }));
    assert.match(out.html, /<section class="reviews">&lt;b&gt;&quot;great&quot;&lt;\/b&gt;<\/section><section class="recs"><a href="\/x">X<\/a><\/section>/);
  });

  it('escapes a fill again once a filter has made it a plain string', async () => {
    const out = await weft.render(compose(Filtered, { slots: { reviews: html`<i>x</i>` } }));
    assert.match(out.html, /&lt;I&gt;X&lt;\/I&gt;/);
  });

  it('{% slot %} renders its own content when the slot is empty, the fill otherwise (default slot when unnamed)', async () => {
    const empty = await weft.renderHtml(compose(Product));
    assert.match(empty.value, /<footer><p>No reviews yet<\/p><\/footer>/);
    const layout = await weft.renderHtml(compose(Layout));
    assert.equal(layout.value, '<div class="layout"><p>&lt;empty&gt;</p></div>');
    const filled = await weft.renderHtml(compose(Layout, { slots: { default: html`<main>hi</main>` } }));
    assert.equal(filled.value, '<div class="layout"><main>hi</main></div>');
  });

  it('keeps a slot child across the host\'s event: a placeholder when the browser lists it', async () => {
    const first = await weft.render(compose(Product, { slots: { reviews: Reviews.with({ productId: 7 }) } }));
    const [[id, digest] = ['', '']] = children(first.html);
    const next = await weft.dispatch({ component: 'product', state: first.blob, events: [{ event: 'rename', payload: {} }], updates: {}, children: { [id]: digest } });
    assert.match(next.html, /<h1>Desk lamp<\/h1>/);
    assert.ok(next.html.includes(`<section class="reviews"><div id="${id}" weft="reviews" weft-child="${digest}"></div></section>`), next.html);
  });

  it('{% child %} gives the ids and digests child() gives', async () => {
    const liquid = await weft.render('listing');
    const ts = await weft.render('listing-ts');
    const rel = (out: { id: string; html: string }) => children(out.html).map(([id, digest]) => [id.slice(out.id.length), digest]);
    assert.deepEqual(rel(liquid), [
      ['-r', childDigest('reviews', { productId: 1 })],
      ['-_0', childDigest('reviews', { productId: 2 })],
    ]);
    assert.deepEqual(rel(liquid), rel(ts));
    assert.match(liquid.html, /Reviews of 1: 0.*Reviews of 2: 0/);
  });

  it('refuses {% child %} without a name and an unclosed {% slot %}', async () => {
    await assert.rejects(weft.render('broken'), /\{% child %\} needs a component name/);
    await assert.rejects(renderer.engine.renderFile('slot-open.liquid', {}), /not closed: add \{% endslot %\}/);
  });
});
