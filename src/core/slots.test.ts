import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createWeft, type Weft } from '../app.js';
import { mountComponent, MockRenderer } from '../testing/index.js';
import { Component } from './component.js';
import { WeftError } from './errors.js';
import { html, raw } from './html.js';
import { childDigest } from './lifecycle.js';
import { Registry } from './registry.js';
import { compose, isComponentRef } from './slots.js';
import { StateCodec } from './state-codec.js';

const SECRET = 'slots-test-secret-0123456789abcdefghij';

/** How many times each class's render() and mount() ran. */
const calls = { productRenders: 0, reviewsMounts: 0, shelfRenders: 0 };

class Reviews extends Component<{ likes: number }, { productId: number }> {
  static override events = { like: true };
  mount() {
    calls.reviewsMounts++;
    return { likes: 0 };
  }
  like(): void {
    this.state.likes++;
  }
  override render() {
    return html`<p class="reviews">Reviews of ${this.params.productId}: ${this.state.likes}</p>`;
  }
}

class Product extends Component<{ title: string }, { id: number }> {
  static override events = { rename: true };
  static override slots = ['reviews', 'recommendations'] as const;
  mount() {
    return { title: `Product ${this.params.id}` };
  }
  rename(): void {
    this.state.title = 'Renamed';
  }
  override async render() {
    calls.productRenders++;
    return html`<h1>${this.state.title}</h1>${await this.slot('reviews', 'No <reviews> yet')}<aside>${await this.slot(
      'recommendations',
      html`<i>none</i>`,
    )}</aside><span class="has">${String(this.hasSlot('reviews'))}</span>`;
  }
}

/** A slot it requires, and a default slot. */
class Strict extends Component<Record<string, never>> {
  static override slots = { body: { required: true }, default: {} };
  mount() {
    return {};
  }
  override async render() {
    return html`<main>${await this.slot('body')}</main><footer>${await this.slot()}</footer>`;
  }
}

/** Stateless, with a default slot only: a layout around anything. */
class Layout extends Component<Record<string, never>> {
  static override slots = ['default'];
  mount() {
    return {};
  }
  override async render() {
    return html`<div class="layout">${await this.slot()}</div>`;
  }
}

/** Places the same slot twice: the component fill renders (and claims its key) once. */
class Twice extends Component<Record<string, never>> {
  static override slots = ['reviews'];
  mount() {
    return {};
  }
  override async render() {
    const a = await this.slot('reviews');
    const b = await this.slot('reviews');
    return html`${a}${b}`;
  }
}

class Typo extends Component<Record<string, never>> {
  static override slots = ['reviews'];
  mount() {
    return {};
  }
  override async render() {
    return html`${await this.slot('review')}`;
  }
}

/** A stateful parent rendering products as children, with fills, three ways. */
class Shelf extends Component<{ note: string }> {
  static override events = { touch: true };
  mount() {
    return { note: '' };
  }
  touch(): void {
    this.state.note = 'touched';
  }
  override async render() {
    calls.shelfRenders++;
    const a = await this.child(Product.with({ id: 1 }, { slots: { reviews: Reviews.with({ productId: 1 }) } }), undefined, { key: 'a' });
    const b = await this.child(Product, { id: 2 }, { key: 'b', slots: { recommendations: 'b <recs>' } });
    const c = await this.child('reviews', { productId: 3 }, { key: 'c' });
    return html`${a}${b}${c}`;
  }
}

class Reserved extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override async render() {
    return html`${await this.child(Reviews, { productId: 1 }, { key: 'slot' })}`;
  }
}

class Templated extends Component<{ n: number }> {
  static override slots = ['reviews', 'recommendations'];
  static override template = 'product.tpl';
  mount() {
    return { n: 1 };
  }
}

function registry(): Registry {
  const reg = new Registry();
  reg.register('reviews', Reviews);
  reg.register('product', Product);
  reg.register('strict', Strict);
  reg.register('layout', Layout);
  reg.register('twice', Twice);
  reg.register('typo', Typo);
  reg.register('shelf', Shelf);
  reg.register('reserved', Reserved);
  reg.register('templated', Templated);
  return reg;
}

function app(mode: 'development' | 'production' = 'development', errors: unknown[] = [], renderer?: MockRenderer): Weft {
  return createWeft({ registry: registry(), secret: SECRET, mode, renderer, logger: { error: (...a: unknown[]) => void errors.push(a), warn: () => {} } });
}

/** The root element with id `id`: its name, blob and digest. */
function rootById(markup: string, id: string): { name: string; state: string | undefined; child: string | undefined } | undefined {
  const start = markup.indexOf(` id="${id}"`);
  if (start === -1) return undefined;
  const tag = markup.slice(start, markup.indexOf('>', start));
  const attr = (name: string) => {
    const at = tag.indexOf(` ${name}="`);
    return at === -1 ? undefined : tag.slice(at + name.length + 3, tag.indexOf('"', at + name.length + 3));
  };
  return { name: attr('weft') as string, state: attr('weft-state'), child: attr('weft-child') };
}

/** The envelope JSON of a blob (not verified: for measuring and reading). */
function envelopeOf(blob: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(blob.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('slots', () => {
  const weft = app();

  it('fills a slot with HTML, with escaped text, and leaves the other to its fallback', async () => {
    const out = await weft.render(compose(Product, { params: { id: 7 }, slots: { reviews: html`<b>5 stars</b>`, recommendations: '<script>x</script>' } }));
    assert.match(out.html, /<h1>Product 7<\/h1><b>5 stars<\/b><aside>&lt;script&gt;x&lt;\/script&gt;<\/aside><span class="has">true<\/span>/);
    const empty = await weft.render(compose(Product, { params: { id: 7 } }));
    assert.match(empty.html, /<h1>Product 7<\/h1>No &lt;reviews&gt; yet<aside><i>none<\/i><\/aside><span class="has">false<\/span>/, 'string fallback escaped, SafeHtml fallback as is');
  });

  it('treats an empty fill (or undefined) as no fill', async () => {
    const out = await weft.render(compose(Product, { params: { id: 1 }, slots: { reviews: '', recommendations: undefined } }));
    assert.match(out.html, /No &lt;reviews&gt; yet<aside><i>none<\/i><\/aside><span class="has">false/);
    assert.equal(envelopeOf(out.blob as string).l, undefined, 'nothing to carry');
  });

  it('renders a component fill as a child keyed slot-<name>, with its own root, state and digest', async () => {
    const out = await weft.render(compose(Product, { params: { id: 7 }, slots: { reviews: Reviews.with({ productId: 7 }) } }));
    const id = `${out.id}-slot-reviews`;
    const root = rootById(out.html, id);
    assert.equal(root?.name, 'reviews');
    assert.equal(root?.child, childDigest('reviews', { productId: 7 }), 'the same digest a child() of a top-level root gets');
    assert.match(out.html, /<p class="reviews">Reviews of 7: 0<\/p>/);
    assert.deepEqual(envelopeOf(out.blob as string).l, { reviews: { c: 'reviews', p: { productId: 7 } } });
  });

  it('renders a whole composed tree in one call, nested refs keeping their own fills', async () => {
    const tree = compose(Layout, {
      slots: { default: Product.with({ id: 3 }, { slots: { reviews: Reviews.with({ productId: 3 }), recommendations: html`<a>more</a>` } }) },
    });
    assert.ok(isComponentRef(tree));
    const out = await weft.renderHtml(tree);
    // Layout is stateless, so its id is only in its children's ids.
    const product = /<div id="(layout-[^"]+-slot-default)" weft="product"/.exec(out.value)?.[1];
    assert.ok(product, out.value);
    assert.ok(rootById(out.value, `${product}-slot-reviews`), 'the grandchild fill is rendered with a chained id');
    assert.match(out.value, /^<div class="layout"><div id=.*<h1>Product 3<\/h1>.*Reviews of 3: 0.*<aside><a>more<\/a><\/aside>/);
    const productBlob = rootById(out.value, product)?.state as string;
    assert.deepEqual(envelopeOf(productBlob).l, { reviews: { c: 'reviews', p: { productId: 3 } }, recommendations: { h: '<a>more</a>' } });
  });

  it('keeps the existing render() signatures working', async () => {
    const byName = await weft.render('product', { id: 2 });
    const byClass = await weft.renderHtml(Product, { id: 2 }, {});
    assert.match(byName.html, /Product 2/);
    assert.match(byClass.value, /Product 2/);
    const viaWith = await weft.render(Reviews.with({ productId: 9 }), { locals: {} });
    assert.match(viaWith.html, /Reviews of 9/);
  });

  it('renders a component placed twice once, under one key', async () => {
    const out = await weft.render(compose(Twice, { slots: { reviews: Reviews.with({ productId: 1 }) } }));
    assert.equal(out.html.split('class="reviews"').length, 3, 'the same render, placed twice');
  });

  it('gives a template its fills as `slots`, rendered before it runs, empty ones as ""', async () => {
    const mock = new MockRenderer();
    const templated = app('development', [], mock);
    await templated.render(compose(Templated, { slots: { reviews: Reviews.with({ productId: 4 }) } }));
    const { slots } = mock.last.context;
    assert.deepEqual(Object.keys(slots), ['reviews', 'recommendations']);
    assert.equal(slots.recommendations, '');
    assert.match(String(slots.reviews), /^<div id="templated-[^"]+-slot-reviews" weft="reviews".*Reviews of 4: 0/);
  });
});

describe('slot errors', () => {
  it('refuses a fill for a slot the class does not declare, naming component and slot, where it is written', () => {
    assert.throws(() => compose(Product, { params: { id: 1 }, slots: { review: 'x' } as never }), /component "Product" declares no slot "review" \(its slots: reviews, recommendations\)/);
    assert.throws(() => Layout.with({}, { slots: { body: 'x' } as never }), /component "Layout" declares no slot "body"/);
    assert.throws(() => compose(Reviews, { params: { productId: 1 }, slots: { x: 'y' } }), /component "Reviews" declares no slot "x" \(it declares none/);
    assert.throws(() => compose(Layout, { slots: { default: 42 as never } }), /slot "default" of component "Layout" takes html, a string or Type\.with\(params\), not number/);
  });

  it('refuses a hand-made reference with an undeclared slot at render, by its registered name', async () => {
    const weft = app();
    await assert.rejects(weft.render({ type: Product, params: { id: 1 }, slots: { nope: 'x' } }), /component "product" declares no slot "nope"/);
    // Nested: the inner reference is checked too.
    await assert.rejects(
      weft.render({ type: Layout, params: {}, slots: { default: { type: Product, params: { id: 1 }, slots: { nope: 'x' } } } }),
      /component "product" declares no slot "nope"/,
    );
  });

  it('makes this.slot() of an undeclared name a render error naming component and slot', async () => {
    const weft = app();
    await assert.rejects(weft.render(compose(Typo)), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.equal(err.code, 'render_error');
      assert.match(err.message, /typo\.render\(\) threw: slot\(\): component "typo" declares no slot "review" \(its slots: reviews\)/);
      return true;
    });
  });

  it('makes a required slot left empty a render error: the message in development, a plain 500 in production', async () => {
    const dev = app();
    await assert.rejects(dev.render(compose(Strict)), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.equal(err.status, 500);
      assert.match(err.message, /component "strict" requires slot "body", but it was rendered without a fill for it/);
      return true;
    });
    const logged: unknown[] = [];
    const prod = app('production', logged);
    await assert.rejects(prod.render(compose(Strict, { slots: { default: 'only the default' } })), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.deepEqual([err.status, err.code, err.message], [500, 'render_error', 'internal error in strict.render()']);
      return true;
    });
    assert.match(String((logged[0] as unknown[])[1]), /requires slot "body"/, 'the log has the whole error');
    const ok = await dev.render(compose(Strict, { slots: { body: 'b' } }));
    assert.match(ok.html, /<main>b<\/main><footer><\/footer>/);
  });

  it('refuses bad declarations at registration', () => {
    const reg = new Registry();
    const declare = (slots: unknown) =>
      class extends Layout {
        static override slots = slots as string[];
      };
    assert.throws(() => reg.register('a', declare(['ok', 'not-ok'])), /component "a": slot name "not-ok" must be an identifier/);
    assert.throws(() => reg.register('b', declare(['1st'])), /slot name "1st" must be an identifier/);
    assert.throws(() => reg.register('c', declare(['twice', 'twice'])), /component "c" declares slot "twice" twice/);
    assert.throws(() => reg.register('d', declare({ x: { required: 'yes' } })), /component "d": slot "x" must map to \{ required\?: boolean \}/);
    assert.throws(() => reg.register('e', declare({ x: { optional: true } })), /slot "x" must map to/);
    assert.throws(() => reg.register('f', declare('reviews')), /static slots must be an array of slot names or an object/);
    assert.throws(() => reg.register('g', declare([42])), /slot name 42 must be an identifier/);
    assert.doesNotThrow(() => reg.register('h', declare({ _ok: {}, ok2: { required: false } })));
  });

  it('reserves the child key "slot", so no child id can meet a slot fill\'s', async () => {
    const weft = app();
    await assert.rejects(weft.render(compose(Reserved)), /key "slot" of a child of "reserved" is reserved for slot fills/);
  });

  it('names an unknown component given to child() by name', async () => {
    class ByName extends Layout {
      override async render() {
        return html`${await this.child('no-such', {})}`;
      }
    }
    const reg = registry();
    reg.register('by-name', ByName);
    const weft = createWeft({ registry: reg, secret: SECRET, mode: 'development', logger: { error() {}, warn() {} } });
    await assert.rejects(weft.render('by-name'), /child\(\): component "by-name" renders a child named "no-such", but no component has that name/);
  });
});

describe('slot fills between requests', () => {
  it('a stateful component in a slot keeps its id, state and events across the host\'s re-render', async () => {
    const weft = app();
    const first = await weft.render(compose(Product, { params: { id: 7 }, slots: { reviews: Reviews.with({ productId: 7 }) } }));
    const childId = `${first.id}-slot-reviews`;
    const shown = rootById(first.html, childId);
    assert.ok(shown?.state && shown.child);

    // The slot child's own event: its state changes, its host does not render.
    const rendersBefore = calls.productRenders;
    const liked = await weft.dispatch({ component: 'reviews', state: shown.state, events: [{ event: 'like', payload: {} }], updates: {} });
    assert.equal(liked.id, childId);
    assert.deepEqual(liked.state, { likes: 1 });
    assert.equal(rootById(liked.html, childId)?.child, shown.child, 'its response carries the digest its host gave it');
    assert.equal(calls.productRenders, rendersBefore, "the child's event did not re-render its host");

    // The host's event, with the browser listing the child it shows: a placeholder, no mount.
    const mounts = calls.reviewsMounts;
    const renamed = await weft.dispatch({
      component: 'product',
      state: first.blob,
      events: [{ event: 'rename', payload: {} }],
      updates: {},
      children: { [childId]: shown.child },
    });
    assert.match(renamed.html, /<h1>Renamed<\/h1>/);
    assert.ok(renamed.html.includes(`<div id="${childId}" weft="reviews" weft-child="${shown.child}"></div>`), renamed.html);
    assert.equal(calls.reviewsMounts, mounts, 'the kept child was not mounted');
    assert.deepEqual(envelopeOf(renamed.blob as string).l, { reviews: { c: 'reviews', p: { productId: 7 } } }, 'the fills ride on');

    // The browser still has the child's state from its own event: it goes on from there.
    const again = await weft.dispatch({ component: 'reviews', state: liked.blob, events: [{ event: 'like', payload: {} }], updates: {} });
    assert.deepEqual(again.state, { likes: 2 });

    // Not listed (a browser that lost it): rendered afresh, same id and digest.
    const fresh = await weft.dispatch({ component: 'product', state: renamed.blob, events: [{ event: 'rename', payload: {} }], updates: {} });
    assert.deepEqual(rootById(fresh.html, childId) && { ...rootById(fresh.html, childId), state: undefined }, { name: 'reviews', state: undefined, child: shown.child });
    assert.equal(calls.reviewsMounts, mounts + 1);
  });

  it('keeps HTML fills through the host\'s events', async () => {
    const weft = app();
    const first = await weft.render(compose(Product, { params: { id: 1 }, slots: { reviews: '<3 & co', recommendations: html`<em>x</em>` } }));
    const next = await weft.dispatch({ component: 'product', state: first.blob, events: [{ event: 'rename', payload: {} }], updates: {} });
    assert.match(next.html, /<h1>Renamed<\/h1>&lt;3 &amp; co<aside><em>x<\/em><\/aside>/);
  });

  it("a child's event does not re-render its parent; children get fills through child() three ways", async () => {
    const weft = app();
    const first = await weft.render('shelf');
    assert.equal(calls.shelfRenders > 0, true);
    const a = rootById(first.html, `${first.id}-a-slot-reviews`);
    assert.equal(a?.name, 'reviews', 'child(Type.with(params, { slots }), undefined, { key })');
    assert.match(first.html, /<aside>b &lt;recs&gt;<\/aside>/, 'child(Type, params, { key, slots })');
    assert.equal(rootById(first.html, `${first.id}-c`)?.name, 'reviews', "child('name', params, { key })");
    const shelfRenders = calls.shelfRenders;
    const productRenders = calls.productRenders;
    const child = rootById(first.html, `${first.id}-b`);
    await weft.dispatch({ component: 'product', state: child?.state, events: [{ event: 'rename', payload: {} }], updates: {} });
    await weft.dispatch({ component: 'reviews', state: a?.state, events: [{ event: 'like', payload: {} }], updates: {} });
    assert.equal(calls.shelfRenders, shelfRenders, 'the parent rendered no more');
    assert.equal(calls.productRenders, productRenders + 1, 'only the product that had the event');
  });

  it('gives a child another digest when its fills change, so the browser replaces it', async () => {
    const spec = (html: string) => ({ recommendations: { h: html } });
    assert.notEqual(childDigest('product', { id: 1 }, '', spec('a')), childDigest('product', { id: 1 }, '', spec('b')));
    assert.notEqual(childDigest('product', { id: 1 }, '', spec('a')), childDigest('product', { id: 1 }));
    assert.equal(childDigest('product', { id: 1 }, '', undefined), childDigest('product', { id: 1 }), 'no fills: the digest children always had');
  });

  it('refuses a blob whose fills are malformed (400) or name a component this server lacks (409)', async () => {
    const weft = app();
    const codec = new StateCodec({ secrets: [SECRET] });
    const bad = codec.encode('product', 'product-x', { title: 't' }, { id: 1 }, Date.now(), { slots: { 'not-a-name': { h: 'x' } } });
    await assert.rejects(weft.dispatch({ component: 'product', state: bad, events: [], updates: {} }), { code: 'state_malformed' });
    const mixed = codec.encode('product', 'product-x', { title: 't' }, { id: 1 }, Date.now(), { slots: { reviews: { h: 'x', c: 'reviews' } as never } });
    await assert.rejects(weft.dispatch({ component: 'product', state: mixed, events: [], updates: {} }), { code: 'state_malformed' });
    const gone = codec.encode('product', 'product-x', { title: 't' }, { id: 1 }, Date.now(), { slots: { reviews: { c: 'old-reviews' } } });
    await assert.rejects(weft.dispatch({ component: 'product', state: gone, events: [], updates: {} }), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.deepEqual([err.status, err.code], [409, 'state_outdated']);
      assert.match(err.message, /slot "reviews" holds component "old-reviews"/);
      return true;
    });
  });

  it('measures what fills add to the host blob', async (t: TestContext) => {
    const weft = app();
    const size = async (slots?: Record<string, unknown>) => {
      const out = await weft.render(compose(Product, { params: { id: 7 }, slots: slots as never }));
      return { envelope: JSON.stringify(envelopeOf(out.blob as string)).length, blob: (out.blob as string).length };
    };
    const none = await size();
    const component = await size({ reviews: Reviews.with({ productId: 7 }) });
    // 1 KiB of typical markup, quotes included (JSON escapes them).
    const kb = `<ul>${'<li class="x">item</li>'.repeat(50)}</ul>`.slice(0, 1024);
    assert.equal(kb.length, 1024);
    const htmlFill = await size({ recommendations: raw(kb) });
    const added = { component: component.blob - none.blob, html1k: htmlFill.blob - none.blob };
    t.diagnostic(`blob bytes: no fills ${none.blob}; + component fill ${added.component} (${component.envelope - none.envelope} in the envelope); + 1 KiB HTML fill ${added.html1k} (${htmlFill.envelope - none.envelope} in the envelope)`);
    // `,"l":{"reviews":{"c":"reviews","p":{"productId":7}}}` is 50 bytes, ~67 in base64url.
    assert.ok(added.component >= 60 && added.component <= 72, `component fill adds ${added.component}`);
    // 1024 bytes plus JSON escaping of its quotes, times 4/3.
    assert.ok(added.html1k >= 1400 && added.html1k <= 1600, `1 KiB HTML fill adds ${added.html1k}`);
  });
});

describe('mountComponent with slots', () => {
  it('fills slots, keeps them through fire(), and refuses undeclared ones', async () => {
    const reg = registry();
    const product = await mountComponent(Product, { registry: reg, params: { id: 5 }, slots: { reviews: Reviews.with({ productId: 5 }), recommendations: 'r&r' } });
    assert.match(product.html, /Reviews of 5: 0.*<aside>r&amp;r<\/aside>/);
    const next = await product.fire('rename');
    assert.match(next, /<h1>Renamed<\/h1>.*Reviews of 5: 0.*<aside>r&amp;r<\/aside>/);
    await assert.rejects(mountComponent(Product, { registry: reg, params: { id: 5 }, slots: { nope: 'x' } as never }), /component "product" declares no slot "nope"/);
  });
});

describe('slot types', () => {
  it('types params and slot names from the class (checked by tsc; the calls run too)', () => {
    // @ts-expect-error productId is required
    assert.throws(() => compose(Reviews, { slots: { x: 'y' } }));
    // @ts-expect-error Product declares `reviews`, not `review`
    assert.throws(() => compose(Product, { params: { id: 1 }, slots: { review: 'x' } }));
    // @ts-expect-error the wrong params type
    Reviews.with({ productId: 'seven' });
    // Without literal slot names (no `as const`), any name type-checks and the run-time check decides.
    assert.throws(() => Layout.with({}, { slots: { other: 'x' } }), /declares no slot "other"/);
    const ref = Product.with({ id: 1 }, { slots: { reviews: Reviews.with({ productId: 1 }) } });
    const id: number = ref.params.id;
    assert.equal(id, 1);
    assert.deepEqual(Object.keys(ref.slots ?? {}), ['reviews']);
    assert.ok(Object.isFrozen(ref));
  });
});
