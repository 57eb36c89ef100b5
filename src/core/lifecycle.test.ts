import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft } from './app.js';
import { Component, type TemplateContext } from './component.js';
import { html, type SafeHtml } from './html.js';
import { boundFields, isStateful, newId } from './lifecycle.js';
import { Registry } from './registry.js';

const SECRET = 'lifecycle-test-secret-0123456789abcdef';

class Sneaky extends Component<{ name: string }> {
  mount() {
    return { name: '<img src=x onerror=alert(1)>' };
  }
  override render() {
    // A plain template literal, not html``: must not be trusted.
    return `<p>${this.state.name}</p>` as unknown as SafeHtml;
  }
}

class Templated extends Component<{ n: number }> {
  static override template = 'templated.tpl';
  mount() {
    return { n: 3 };
  }
}

class Live extends Component<{ n: number }> {
  static override events = { bump: true };
  mount() {
    return { n: 0 };
  }
  bump() {
    this.state.n++;
  }
  override render() {
    return html`<b>${this.state.n}</b>`;
  }
}

class Broken extends Component<{ ratio: number }> {
  static override events = { divide: true };
  mount() {
    return { ratio: 1 };
  }
  divide() {
    this.state.ratio = 0 / 0;
  }
  override render() {
    return html`<b>${this.state.ratio}</b>`;
  }
}

function app(renderer?: { render(t: string, c: TemplateContext): string }) {
  const registry = new Registry();
  registry.register('sneaky', Sneaky);
  registry.register('templated', Templated);
  registry.register('live', Live);
  return createWeft({ registry, secret: SECRET, mode: 'production', renderer });
}

describe('boundFields', () => {
  it('lists the weft-model fields of a render, sorted and once each, bind() or hand-written', () => {
    assert.deepEqual(boundFields('<input name="note" weft-model="note" value=""><select weft-model="size"></select><input weft-model="note">'), ['note', 'size']);
  });

  it('reads escaped attribute values back', () => {
    assert.deepEqual(boundFields('<input weft-model="a&amp;b">'), ['a&b']);
  });

  it('finds none in HTML without weft-model, and ignores text that only looks like one', () => {
    assert.deepEqual(boundFields('<p>no inputs</p>'), []);
    assert.deepEqual(boundFields('<p>weft-model=&quot;x&quot;</p><input data-weft-model="y">'), []);
  });
});

describe('renderInstance', () => {
  it('reports state that JSON cannot carry (NaN) as a 500 render_error instead of signing null', async () => {
    const errors: unknown[][] = [];
    const registry = new Registry();
    registry.register('broken', Broken);
    const logger = { error: (...args: unknown[]) => errors.push(args), warn() {} };
    const weft = createWeft({ registry, secret: SECRET, mode: 'production', logger });
    const { blob } = await weft.render('broken');
    await assert.rejects(weft.dispatch({ component: 'broken', state: blob, updates: {}, events: [{ event: 'divide', payload: {} }] }), {
      status: 500,
      code: 'render_error',
    });
    assert.equal(errors.length, 1, 'logged once');
    assert.match(String(errors[0]?.[1]), /state\.ratio is not a finite number/);
  });

  it('escapes a render() result that is a plain string instead of trusting it', async () => {
    const out = await app().render('sneaky');
    assert.equal(out.html, '&lt;p&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/p&gt;');
  });

  it("uses the app's renderer for a class with a template and no renderer of its own, trusting its output", async () => {
    const seen: string[] = [];
    const out = await app({
      render(template, context) {
        seen.push(template);
        return `<i>${(context.state as { n: number }).n}</i>`;
      },
    }).render('templated');
    assert.deepEqual(seen, ['templated.tpl']);
    assert.equal(out.html, '<i>3</i>');
  });

  it('fails with 500 render_error when a template class has no renderer anywhere', async () => {
    await assert.rejects(app().render('templated'), { status: 500, code: 'render_error' });
  });

  it('wraps only stateful components and signs their state', async () => {
    const out = await app().render('live');
    assert.match(out.html, /^<div id="live-[\w-]{8}" weft="live" weft-state="v1\.[\w-]+\.[\w-]{43}"/);
    assert.ok(out.blob);
  });
});

describe('isStateful / newId', () => {
  it('a class is stateful exactly when it declares an event', () => {
    assert.equal(isStateful(Live), true);
    assert.equal(isStateful(Sneaky), false);
  });

  it('ids are the name and 8 url-safe random characters, different each time', () => {
    const a = newId('cart');
    assert.match(a, /^cart-[A-Za-z0-9_-]{8}$/);
    assert.notEqual(a, newId('cart'));
  });
});
