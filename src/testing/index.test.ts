import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createWeft } from '../app.js';
import { Component, type TemplateContext } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import { html } from '../core/html.js';
import { registry as defaultRegistry, Registry } from '../core/registry.js';
import { StateCodec } from '../core/state-codec.js';
import { createTestClient, MockRenderer, mountComponent, stateOf, TestClient, isWeftError } from './index.js';

const SECRET = 'testing-test-secret-0123456789abcdefg';

interface CartState {
  items: string[];
  note: string;
}

class ShoppingCart extends Component<CartState, { owner?: string }> {
  static override events = {
    add: z.object({ item: z.string().min(1) }),
    clear: true,
    complain: true,
  };
  mount(): CartState {
    return { items: this.params.owner ? [`${this.params.owner}'s bag`] : [], note: String(this.context.locals.greeting ?? '') };
  }
  add({ item }: { item: string }): void {
    this.state.items.push(item);
  }
  clear(): void {
    this.state.items = [];
  }
  complain(): void {
    this.errors.items = 'Something is wrong';
  }
  /** Public, but not an event. */
  reset(): void {
    this.state.items = ['reset'];
  }
  override render() {
    return html`<ul>${this.state.items.map((i) => html`<li>${i}</li>`)}</ul>${this.errors.items && html`<p class="error">${this.errors.items}</p>`}<p>${this.state.note}</p><input ${this.bind('note')}>`;
  }
}

class Templated extends Component<{ title: string }> {
  static override events = { retitle: z.object({ title: z.string() }) };
  static override template = 'cards/title.liquid';
  mount() {
    return { title: 'first' };
  }
  retitle({ title }: { title: string }): void {
    this.state.title = title;
  }
}

/** A template component with its own engine, as a Liquid-backed class would have. */
class OwnEngine extends Templated {
  static override renderer = {
    render(): string {
      throw new Error('the real engine must not run when a test passes a renderer');
    },
  };
}

class Paged extends Component<{ page: number }, { page: number }> {
  static override paramsSchema = z.object({ page: z.coerce.number().int().min(1) });
  mount() {
    return { page: this.params.page };
  }
  override render() {
    return html`<p>page ${this.state.page}</p>`;
  }
}

/** A child found only through the default registry, as an app that uses `registry.register()` has it. */
class Reviews extends Component<{ stars: number }> {
  static override events = { like: true };
  mount() {
    return { stars: 4 };
  }
  like(): void {
    this.state.stars++;
  }
  override render() {
    return html`<p class="stars">${this.state.stars} stars</p>`;
  }
}
defaultRegistry.register('testing-reviews', Reviews);

class ProductPage extends Component<{ title: string }> {
  static override events = { rename: true };
  mount() {
    return { title: 'Boots' };
  }
  rename(): void {
    this.state.title = 'Shoes';
  }
  override async render() {
    return html`<h1>${this.state.title}</h1>${await this.child(Reviews)}`;
  }
}

interface Viewer {
  name: string;
}

/** Reads a local it cannot work without. */
class Greeting extends Component<{ text: string }> {
  static override events = { refresh: true };
  mount() {
    return { text: `Hello, ${this.local('viewer') as Viewer['name']}` };
  }
  refresh(): void {
    this.state.text = `Hello again, ${this.local('viewer') as Viewer['name']}`;
  }
  override render() {
    return html`<p>${this.state.text}</p>`;
  }
}

function context(state: unknown): TemplateContext {
  return { state, params: {}, errors: {}, slots: {}, component_id: 'x-1', component_name: 'x', component: {} as TemplateContext['component'] };
}

describe('MockRenderer', () => {
  it('records every call and renders a comment naming the template', () => {
    const mock = new MockRenderer();
    assert.equal(mock.render('a.liquid', context(1)), '<!-- a.liquid -->');
    assert.equal(mock.render('b.liquid', context(2)), '<!-- b.liquid -->');
    assert.deepEqual(mock.calls.map((c) => [c.template, c.context.state]), [['a.liquid', 1], ['b.liquid', 2]]);
  });

  it('returns the last call from `last`', () => {
    const mock = new MockRenderer();
    mock.render('a.liquid', context(1));
    mock.render('b.liquid', context(2));
    assert.equal(mock.last.template, 'b.liquid');
    assert.equal(mock.last.context.state, 2);
  });

  it('throws from `last` before anything rendered', () => {
    assert.throws(() => new MockRenderer().last, /has not rendered anything/);
  });

  it('cannot break out of its HTML comment', () => {
    const mock = new MockRenderer();
    const out = mock.render('x-->--><script>', context(null));
    assert.equal(out.indexOf('-->'), out.length - 3, out);
  });
});

describe('mountComponent', () => {
  it('mounts and renders with a root element named after the class', async () => {
    const cart = await mountComponent(ShoppingCart);
    assert.deepEqual(cart.state, { items: [], note: '' });
    assert.ok(cart.instance instanceof ShoppingCart);
    assert.equal(cart.instance.name, 'shopping-cart');
    assert.match(cart.html, /^<div id="shopping-cart-[^"]+" weft="shopping-cart" weft-state="v1\.[^"]+" hx-target="this" hx-swap="morph" hx-ext="weft"><ul><\/ul>/);
    assert.equal(stateOf(cart.html)?.split('.').length, 3);
  });

  it('takes a name, params and context', async () => {
    const cart = await mountComponent(ShoppingCart, { name: 'cart', params: { owner: 'Ada' }, context: { locals: { greeting: 'hi <you>' } } });
    assert.equal(cart.instance.name, 'cart');
    assert.deepEqual(cart.state, { items: ["Ada's bag"], note: 'hi <you>' });
    assert.match(cart.html, /weft="cart"/);
    assert.match(cart.html, /<li>Ada&#39;s bag<\/li>/);
    assert.match(cart.html, /<p>hi &lt;you&gt;<\/p>/);
  });

  it('takes locals, merged over those in context', async () => {
    const cart = await mountComponent(ShoppingCart, { locals: { greeting: 'from locals' } });
    assert.equal(cart.state.note, 'from locals');
    const both = await mountComponent(ShoppingCart, { context: { locals: { greeting: 'a', other: 1 } }, locals: { greeting: 'b' } });
    assert.equal(both.state.note, 'b');
    assert.deepEqual(both.instance.context.locals, { greeting: 'b', other: 1 });
  });

  it('finds children in the default registry when given no registry, as an app does', async () => {
    const page = await mountComponent(ProductPage);
    assert.match(page.html, /<h1>Boots<\/h1><div id="product-page-[^"]+-_0" weft="testing-reviews"/);
    assert.match(page.html, /<p class="stars">4 stars<\/p>/);
    await page.fire('rename');
    assert.match(page.html, /<h1>Shoes<\/h1>/);
    assert.equal(defaultRegistry.nameOf(ProductPage), undefined, 'the default registry is not changed');
  });

  it('finds children in the registry it is given, and leaves that registry unchanged', async () => {
    const registry = new Registry();
    registry.register('reviews', Reviews);
    const page = await mountComponent(ProductPage, { registry });
    assert.match(page.html, /weft="reviews"/);
    assert.equal(page.instance.name, 'product-page');
    assert.equal(registry.nameOf(ProductPage), undefined, "the caller's registry is not changed");
    assert.deepEqual(registry.names(), ['reviews']);
  });

  it('names the registry it searched for a missing child, and where the child is instead', async () => {
    await assert.rejects(
      mountComponent(ProductPage, { registry: new Registry() }),
      (err: Error) => {
        assert.match(err.message, /component class Reviews is not registered in the registry passed to mountComponent\(\)/);
        assert.match(err.message, /It is registered in the default registry \(as "testing-reviews"\)/);
        return true;
      },
    );
    class Lonely extends Component<{ n: number }> {
      mount() {
        return { n: 0 };
      }
      override async render() {
        return html`${await this.child(Paged, { page: 1 })}`;
      }
    }
    await assert.rejects(
      mountComponent(Lonely),
      (err: Error) => {
        assert.match(err.message, /component class Paged is not registered in the default registry; call registry\.register\('paged', Paged\)/);
        assert.doesNotMatch(err.message, /It is registered/);
        return true;
      },
    );
  });

  it('does not take a name another class has, unless asked for it', async () => {
    class TestingReviews extends Reviews {}
    // "testing-reviews" is the child's name in the default registry: the harness picks another.
    const harness = await mountComponent(TestingReviews);
    assert.equal(harness.instance.name, 'testing-reviews-2');
    await assert.rejects(mountComponent(TestingReviews, { name: 'testing-reviews' }), /"testing-reviews" is already registered \(by class Reviews\)/);
  });

  it('signs with the secret it is given, so an app with that secret accepts its blobs', async () => {
    const registry = new Registry();
    registry.register('cart', ShoppingCart);
    const cart = await mountComponent(ShoppingCart, { registry, secret: SECRET });
    const decoded = new StateCodec({ secrets: [SECRET] }).decode(stateOf(cart.html), 'cart');
    assert.deepEqual(decoded.state, { items: [], note: '' });
    const weft = createWeft({ registry, secret: SECRET, mode: 'development' });
    const client = await createTestClient(weft);
    try {
      const res = await client.fire(ShoppingCart, stateOf(cart.html), 'add', { item: 'scarf' });
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /<li>scarf<\/li>/);
    } finally {
      await client.close();
    }
  });

  it('this.local() names a missing local and how to pass it', async () => {
    const ok = await mountComponent(Greeting, { locals: { viewer: 'Ada' } });
    assert.equal(ok.state.text, 'Hello, Ada');
    await assert.rejects(mountComponent(Greeting), (err: WeftError) => {
      assert.equal(err.status, 500);
      assert.match(err.message, /component "greeting" needs context\.locals\.viewer, but this request has none/);
      assert.match(err.message, /mountComponent\(…, \{ locals: \{ viewer: … \} \}\)/);
      return true;
    });
    await assert.rejects(mountComponent(Greeting, { locals: { viewer: null } }), /needs context\.locals\.viewer/);
  });

  it('validates params like a view does', async () => {
    const paged = await mountComponent(Paged, { params: { page: '2' as unknown as number } });
    assert.equal(paged.state.page, 2);
    assert.equal(paged.html, '<p>page 2</p>', 'no events: rendered bare');
    await assert.rejects(mountComponent(Paged, { params: { page: 0 } }), isWeftError(400, 'invalid_params'));
  });

  it('refuses a class with bad declarations like the registry does', async () => {
    class Bad extends ShoppingCart {
      static override events = { ...ShoppingCart.events, missing: true };
    }
    // @ts-expect-error the type checker sees the missing handler too
    await assert.rejects(mountComponent(Bad), /no method/);
  });

  describe('fire()', () => {
    it('runs the event, re-renders and returns the new HTML', async () => {
      const cart = await mountComponent(ShoppingCart);
      const before = cart.html;
      const out = await cart.fire('add', { item: 'scarf' });
      assert.deepEqual(cart.state.items, ['scarf']);
      assert.equal(out, cart.html);
      assert.match(out, /<li>scarf<\/li>/);
      assert.notEqual(stateOf(out), stateOf(before), 'signed state was re-issued');
      assert.equal(cart.instance.id, /id="([^"]+)"/.exec(out)?.[1], 'same id');
    });

    it('signs the state it renders', async () => {
      const cart = await mountComponent(ShoppingCart);
      await cart.fire('add', { item: 'scarf' });
      const blob = stateOf(cart.html);
      assert.ok(blob);
      const [, body] = blob.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(body as string, 'base64url').toString()).s, { items: ['scarf'], note: '' });
    });

    it('fires events without a payload', async () => {
      const cart = await mountComponent(ShoppingCart, { params: { owner: 'x' } });
      await cart.fire('clear');
      assert.deepEqual(cart.state.items, []);
    });

    it('rejects an undeclared event like the server does', async () => {
      const cart = await mountComponent(ShoppingCart);
      // @ts-expect-error reset() is a public method, but not a declared event
      await assert.rejects(cart.fire('reset'), isWeftError(400, 'unknown_event'));
      await assert.rejects(cart.fire('constructor' as 'clear'), isWeftError(400, 'unknown_event'));
      await assert.rejects(cart.fire('mount' as 'clear'), isWeftError(400, 'unknown_event'));
      assert.deepEqual(cart.state.items, []);
    });

    it('enforces the event schema', async () => {
      const cart = await mountComponent(ShoppingCart);
      await assert.rejects(cart.fire('add', { item: '' }), isWeftError(422, 'invalid_payload'));
      await assert.rejects(cart.fire('add', { item: 3 } as unknown as { item: string }), isWeftError(422, 'invalid_payload'));
      // @ts-expect-error the schema needs a payload
      await assert.rejects(cart.fire('add'), isWeftError(422, 'invalid_payload'));
      assert.deepEqual(cart.state.items, []);
    });

    it("takes updates only for the fields the last render bound with bind(), like the server", async () => {
      class Signed extends Component<{ items: string[]; note: string; role: string; open: boolean }> {
        static override events = { save: true, close: true };
        mount() {
          return { items: [], note: '', role: 'user', open: true };
        }
        save(): void {}
        close(): void {
          this.state.open = false;
        }
        override render() {
          // Hand-written weft-model is markup, not a binding.
          return html`<input weft-model="role">${this.state.open ? html`<input ${this.bind('note')}>` : ''}`;
        }
      }
      const form = await mountComponent(Signed);
      await assert.rejects(form.fire('save', {}, { updates: { role: 'admin' } }), isWeftError(400, 'unbound_field'));
      await form.fire('close', {}, { updates: { note: 'last' } });
      assert.equal(form.state.note, 'last');
      await assert.rejects(form.fire('save', {}, { updates: { note: 'again' } }), isWeftError(400, 'unbound_field'), 'the last render bound nothing');
    });

    it('exposes errors and clears them on the next event', async () => {
      const cart = await mountComponent(ShoppingCart);
      const out = await cart.fire('complain');
      assert.deepEqual(cart.errors, { items: 'Something is wrong' });
      assert.match(out, /<p class="error">Something is wrong<\/p>/);
      const next = await cart.fire('clear');
      assert.deepEqual(cart.errors, {});
      assert.doesNotMatch(next, /class="error"/);
    });
  });

  it('render() re-renders after direct state changes', async () => {
    const cart = await mountComponent(ShoppingCart);
    cart.state.items.push('direct');
    assert.match(await cart.render(), /<li>direct<\/li>/);
    assert.match(cart.html, /<li>direct<\/li>/);
  });

  it('renders template components with a MockRenderer', async () => {
    const mock = new MockRenderer();
    const card = await mountComponent(Templated, { renderer: mock });
    assert.equal(mock.calls.length, 1);
    assert.equal(mock.last.template, 'cards/title.liquid');
    assert.deepEqual(mock.last.context.state, { title: 'first' });
    assert.equal(mock.last.context.component, card.instance);
    assert.match(card.html, /<!-- cards\/title\.liquid --><\/div>$/);
    await card.fire('retitle', { title: 'second' });
    assert.equal(mock.calls.length, 2);
    assert.deepEqual(mock.last.context.state, { title: 'second' });
  });

  it("a test's renderer wins over the class's own static renderer", async () => {
    const mock = new MockRenderer();
    const card = await mountComponent(OwnEngine, { renderer: mock });
    assert.equal(mock.last.template, 'cards/title.liquid');
    assert.ok(card.instance instanceof OwnEngine);
    assert.equal(card.instance.name, 'own-engine');
    await card.fire('retitle', { title: 'second' });
    assert.equal(mock.calls.length, 2);
    assert.deepEqual(card.state, { title: 'second' });
    // The class itself is untouched, and without a test renderer its own engine runs.
    assert.notEqual(OwnEngine.renderer, mock);
    await assert.rejects(mountComponent(OwnEngine), /the real engine must not run/);
  });

  it('keeps the rest of a given registry when it swaps in the renderer', async () => {
    const registry = new Registry();
    registry.register('card', OwnEngine);
    registry.register('other', Templated);
    const mock = new MockRenderer();
    const card = await mountComponent(OwnEngine, { renderer: mock, registry });
    assert.equal(card.instance.name, 'card');
    assert.equal(registry.get('card'), OwnEngine, "the caller's registry is not changed");
  });
});

describe('stateOf', () => {
  it('extracts the blob from a root element, or undefined', () => {
    assert.equal(stateOf('<div id="a" weft="a" weft-state="v1.abc.def" hx-target="this">x</div>'), 'v1.abc.def');
    assert.equal(stateOf('<p>no state</p>'), undefined);
    assert.equal(stateOf('<div data-weft-state="v1.x.y">'), undefined);
  });
});

describe('createTestClient', () => {
  function app() {
    const registry = new Registry();
    registry.register('cart', ShoppingCart);
    registry.register('paged', Paged);
    const weft = createWeft({ registry, secret: SECRET, mode: 'development', logger: { error() {}, warn() {} } });
    weft.view('/cart', ShoppingCart).view('/paged/:page', Paged);
    return weft;
  }

  it('serves views, fires events over HTTP and closes', async () => {
    const client = await createTestClient(app());
    try {
      assert.match(client.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);

      const page = await client.get('/cart?owner=Ada');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.json, undefined);
      assert.ok(page.state);
      assert.equal(page.state, stateOf(page.text));
      assert.match(page.text, /<li>Ada&#39;s bag<\/li>/);

      const added = await client.fire('cart', page.state, 'add', { item: 'scarf' });
      assert.equal(added.status, 200, added.text);
      assert.match(added.text, /<li>Ada&#39;s bag<\/li><li>scarf<\/li>/);
      assert.ok(added.state);
      assert.notEqual(added.state, page.state);
      assert.deepEqual(new StateCodec({ secrets: [SECRET] }).decode(added.state, 'cart').state, { items: ["Ada's bag", 'scarf'], note: '' });

      const bare = await client.get('/paged/3');
      assert.equal(bare.text, '<p>page 3</p>');
      assert.equal(bare.state, undefined);
    } finally {
      await client.close();
    }
    await assert.rejects(fetch(`${client.baseUrl}/cart`), 'the server no longer accepts connections');
  });

  it('returns JSON errors with their parsed body', async () => {
    const client = await createTestClient(app());
    try {
      const unknown = await client.fire('cart', undefined, 'add', { item: 'x' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json?.code, 'state_missing');

      const page = await client.get('/cart');
      const bad = await client.fire('cart', page.state, 'reset');
      assert.equal(bad.status, 400);
      assert.equal(bad.json?.code, 'unknown_event');
      assert.deepEqual(bad.json?.allowed, ['add', 'clear', 'complain']);

      const invalid = await client.fire('cart', page.state, 'add', { item: '' });
      assert.equal(invalid.status, 422);
      assert.equal(invalid.json?.code, 'invalid_payload');

      const params = await client.get('/paged/0');
      assert.equal(params.status, 400);
      assert.equal(params.json?.code, 'invalid_params');

      const raw = await client.post('cart', '{not json');
      assert.equal(raw.status, 400);
      assert.equal(raw.json?.code, 'bad_json');

      const missing = await client.get('/nowhere');
      assert.equal(missing.status, 404);
    } finally {
      await client.close();
    }
  });

  it('refuses updates to a field the render did not bind, like the server does', async () => {
    const client = await createTestClient(app());
    try {
      const page = await client.get('/cart');
      const res = await client.fire('cart', page.state, 'clear', {}, { items: ['free'] });
      assert.equal(res.status, 400);
      assert.equal(res.json?.code, 'unbound_field');
    } finally {
      await client.close();
    }
  });

  it('sends updates with fire()', async () => {
    const client = await createTestClient(app());
    try {
      const page = await client.get('/cart');
      const res = await client.fire('cart', page.state, 'clear', {}, { note: 'bound' });
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /<p>bound<\/p>/);
    } finally {
      await client.close();
    }
  });
});

describe('createTestClient options', () => {
  function app(registry = new Registry()) {
    registry.register('greeting', Greeting);
    const weft = createWeft({ registry, secret: SECRET, mode: 'development', logger: { error() {}, warn() {} } });
    weft.view('/hello', Greeting);
    return weft;
  }

  it('passes locals from a function of the request to every component', async () => {
    const client = await createTestClient(app(), { locals: (req) => ({ viewer: req.headers['x-viewer'] }) });
    try {
      const page = await client.request('/hello', { headers: { 'x-viewer': 'Ada' } });
      assert.equal(page.status, 200, page.text);
      assert.match(page.text, /<p>Hello, Ada<\/p>/);
      const res = await client.post('greeting', { event: 'refresh', state: page.state }, { 'x-viewer': 'Grace' });
      assert.match(res.text, /<p>Hello again, Grace<\/p>/);
    } finally {
      await client.close();
    }
  });

  it('passes a plain locals object', async () => {
    const client = await createTestClient(app(), { locals: { viewer: 'Ada' } });
    try {
      const page = await client.get('/hello');
      assert.match(page.text, /<p>Hello, Ada<\/p>/);
      const res = await client.fire(Greeting, page.state, 'refresh');
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /<p>Hello again, Ada<\/p>/);
    } finally {
      await client.close();
    }
  });

  it('answers a missing local with a 500 that names it (in development)', async () => {
    const client = await createTestClient(app());
    try {
      const page = await client.get('/hello');
      assert.equal(page.status, 500);
      assert.equal(page.json?.code, 'handler_error');
      assert.match(String(page.json?.error), /needs context\.locals\.viewer/);
    } finally {
      await client.close();
    }
  });

  it('fire(Class) finds the name in the app\'s registry, or says which registry lacks the class', async () => {
    const registry = new Registry();
    const client = await createTestClient(app(registry), { locals: { viewer: 'Ada' } });
    try {
      const page = await client.get('/hello');
      assert.equal((await client.fire(Greeting, page.state, 'refresh')).status, 200);
      await assert.rejects(
        client.fire(ProductPage, page.state, 'rename'),
        /ProductPage is not registered in the registry passed to createWeft\(\)/,
      );
    } finally {
      await client.close();
    }
  });
});

describe('TestClient', () => {
  it('strips a trailing slash from the base URL and calls its close function', async () => {
    let closed = 0;
    const client = new TestClient('http://localhost:1/', async () => {
      closed++;
    });
    assert.equal(client.baseUrl, 'http://localhost:1');
    await client.close();
    assert.equal(closed, 1);
  });
});

describe('isWeftError', () => {
  it('accepts a WeftError with the given status and code', () => {
    assert.equal(isWeftError(400, 'bad_json')(new WeftError(400, 'bad_json', 'x')), true);
  });

  it('throws, naming what it got, for another status, another code or another error', () => {
    assert.throws(() => isWeftError(400, 'bad_json')(new WeftError(413, 'too_large', 'big')), /got 413 too_large: big/);
    assert.throws(() => isWeftError(400, 'bad_json')(new WeftError(400, 'too_deep', 'deep')), /got 400 too_deep/);
    assert.throws(() => isWeftError(400, 'bad_json')(new Error('plain')), /expected a WeftError, got Error: plain/);
  });
});
