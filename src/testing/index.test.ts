import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createWeft } from '../core/app.js';
import { Component, type TemplateContext } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import { html } from '../core/html.js';
import { Registry } from '../core/registry.js';
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


function context(state: unknown): TemplateContext {
  return { state, params: {}, errors: {}, component_id: 'x-1', component_name: 'x', component: {} as TemplateContext['component'] };
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
      await assert.rejects(cart.fire('reset'), isWeftError(400, 'unknown_event'));
      await assert.rejects(cart.fire('constructor' as 'reset'), isWeftError(400, 'unknown_event'));
      await assert.rejects(cart.fire('mount' as 'reset'), isWeftError(400, 'unknown_event'));
      assert.deepEqual(cart.state.items, []);
    });

    it('enforces the event schema', async () => {
      const cart = await mountComponent(ShoppingCart);
      await assert.rejects(cart.fire('add', { item: '' }), isWeftError(422, 'invalid_payload'));
      await assert.rejects(cart.fire('add', { item: 3 } as unknown as { item: string }), isWeftError(422, 'invalid_payload'));
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
