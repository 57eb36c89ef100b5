import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft } from '../app.js';
import { Component, type TemplateContext } from './component.js';
import { WeftError } from './errors.js';
import { html, raw, type SafeHtml } from './html.js';
import { isStateful, newId } from './lifecycle.js';
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

/** A parent whose `role` the server owns; it binds only `note`. */
class Account extends Component<{ role: string; note: string; extra: string }> {
  static override events = { save: true };
  mount() {
    return { role: 'user', note: '', extra: '' };
  }
  save() {}
  override async render() {
    return html`<input ${this.bind('note')}>${await this.child(RoleField)}`;
  }
}

/** A child that binds a field of its own that happens to be called `role`. */
class RoleField extends Component<{ role: string }> {
  static override events = { pick: true };
  mount() {
    return { role: 'guest' };
  }
  pick() {}
  override render() {
    return html`<select ${this.bind('role')}></select>`;
  }
}

/** Markup that merely contains weft-model: hand-written, through raw(), or in a bare child. */
class Smuggler extends Component<{ role: string; note: string; shown: boolean }> {
  static override events = { save: true, hide: true };
  mount() {
    return { role: 'user', note: '', shown: true };
  }
  save() {}
  hide() {
    this.state.shown = false;
  }
  override async render() {
    return html`<input weft-model="role">${raw('<input weft-model="role" name="role">')}${this.state.shown ? html`<input ${this.bind('note')}>` : ''}${await this.child(BareMarkup)}`;
  }
}

class BareMarkup extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override render() {
    return raw('<input weft-model="role">');
  }
}

function weftError(status: number, code: string): (err: unknown) => boolean {
  return (err) => err instanceof WeftError && err.status === status && err.code === code;
}

function bindingApp() {
  const registry = new Registry();
  for (const [name, type] of [['account', Account], ['role-field', RoleField], ['smuggler', Smuggler], ['bare-markup', BareMarkup]] as const) {
    registry.register(name, type);
  }
  return createWeft({ registry, secret: SECRET, mode: 'production' });
}

describe('writable fields: what the render itself bound (P3.6)', () => {
  it("does not let a child's binding make the parent's field of the same name writable", async () => {
    const weft = bindingApp();
    const parent = await weft.render('account');
    assert.match(parent.html, /<select name="role" weft-model="role"/, 'the child does bind role, inside the parent');
    assert.deepEqual(parent.bound, ['note']);
    const fire = (updates: Record<string, unknown>) =>
      weft.dispatch({ component: 'account', state: parent.blob, updates, events: [{ event: 'save', payload: {} }] });
    await assert.rejects(fire({ role: 'admin' }), weftError(400, 'unbound_field'));
    assert.equal(((await fire({ note: 'hi' })).state as { note: string }).note, 'hi', 'bind() still makes note writable');
    // The child itself did bind role, so its own events may write it.
    const childBlob = /weft="role-field" weft-state="([^"]+)"/.exec(parent.html)?.[1];
    const child = await weft.dispatch({ component: 'role-field', state: childBlob, updates: { role: 'x' }, events: [{ event: 'pick', payload: {} }] });
    assert.deepEqual(child.bound, ['role']);
    assert.equal((child.state as { role: string }).role, 'x');
  });

  it('ignores weft-model written by hand, through raw(), or by a child without events', async () => {
    const weft = bindingApp();
    const first = await weft.render('smuggler');
    assert.equal(first.html.match(/weft-model="role"/g)?.length, 3);
    assert.deepEqual(first.bound, ['note']);
    await assert.rejects(
      weft.dispatch({ component: 'smuggler', state: first.blob, updates: { role: 'admin' }, events: [{ event: 'save', payload: {} }] }),
      weftError(400, 'unbound_field'),
    );
  });

  it('counts only the latest render: a field it no longer binds is no longer writable', async () => {
    const weft = bindingApp();
    const first = await weft.render('smuggler');
    const hidden = await weft.dispatch({ component: 'smuggler', state: first.blob, updates: { note: 'n' }, events: [{ event: 'hide', payload: {} }] });
    assert.deepEqual(hidden.bound, []);
    await assert.rejects(
      weft.dispatch({ component: 'smuggler', state: hidden.blob, updates: { note: 'again' }, events: [{ event: 'save', payload: {} }] }),
      weftError(400, 'unbound_field'),
    );
  });
});

/** Renders `width` characters (multi-byte when `char` is) and `count` stateless children. */
class Flood extends Component<{ width: number; count: number; char: string }> {
  static override events = { set: true };
  static mounted = 0;
  mount() {
    return { width: 0, count: 0, char: 'x' };
  }
  set(payload: { width?: number; count?: number; char?: string }) {
    Object.assign(this.state, payload);
  }
  override async render() {
    const children = [];
    for (let i = 0; i < this.state.count; i++) children.push(await this.child(Block, { width: this.state.width }));
    return html`<p>${this.state.char.repeat(this.state.count === 0 ? this.state.width : 0)}</p>${children}`;
  }
}

class Block extends Component<Record<string, never>, { width: number }> {
  mount() {
    Flood.mounted++;
    return {};
  }
  override render() {
    return html`<i>${'y'.repeat(this.params.width)}</i>`;
  }
}

function floodApp(limits: { maxResponseBytes?: number; maxChildren?: number } = {}) {
  const registry = new Registry();
  registry.register('flood', Flood);
  registry.register('block', Block);
  const weft = createWeft({ registry, secret: SECRET, mode: 'production', ...limits });
  return {
    weft,
    async set(payload: Record<string, unknown>) {
      const { blob } = await weft.render('flood');
      return weft.dispatch({ component: 'flood', state: blob, updates: {}, events: [{ event: 'set', payload }] });
    },
  };
}

describe('render limits (P4.2)', () => {
  it('refuses a render over maxResponseBytes with 413 response_too_large, counting bytes and the root element', async () => {
    const { set } = floodApp({ maxResponseBytes: 2000 });
    const fits = await set({ width: 1000 });
    assert.ok(Buffer.byteLength(fits.html) <= 2000);
    await assert.rejects(set({ width: 2000 }), weftError(413, 'response_too_large'));
    // 1000 characters of two bytes each, with the root: over 2000 bytes.
    await assert.rejects(set({ width: 1000, char: 'é' }), (err) => {
      assert.ok(weftError(413, 'response_too_large')(err));
      assert.deepEqual((err as WeftError).toJSON(), {
        error: 'the render of component "flood" is larger than 2000 bytes (maxResponseBytes)',
        code: 'response_too_large',
        limit: 2000,
      });
      return true;
    });
  });

  it('stops building children once they are over maxResponseBytes, instead of building them all', async () => {
    const { set } = floodApp({ maxResponseBytes: 10_000 });
    Flood.mounted = 0;
    await assert.rejects(set({ count: 400, width: 1000 }), weftError(413, 'response_too_large'));
    assert.ok(Flood.mounted <= 11, `built ${Flood.mounted} children of 400`);
  });

  it('refuses a render past maxChildren with 413 too_many_children before mounting the extra child', async () => {
    const { set } = floodApp({ maxChildren: 3 });
    assert.equal((await set({ count: 3 })).html.match(/<i>/g)?.length, 3);
    Flood.mounted = 0;
    await assert.rejects(set({ count: 4 }), (err) => {
      assert.ok(weftError(413, 'too_many_children')(err));
      assert.match((err as Error).message, /"flood" renders more than 3 children in one render/);
      return true;
    });
    assert.equal(Flood.mounted, 3, 'the fourth child was never mounted');
  });

  it('applies to the first render of a page as well, with the defaults of 1 MiB and 500 children', async () => {
    const { weft, set } = floodApp();
    assert.equal((await set({ count: 500 })).html.match(/<i>/g)?.length, 500);
    await assert.rejects(set({ count: 501 }), weftError(413, 'too_many_children'));
    await assert.rejects(set({ width: 1024 * 1024 }), weftError(413, 'response_too_large'));
    class Huge extends Component<Record<string, never>> {
      mount() {
        return {};
      }
      override render() {
        return html`${'z'.repeat(1024 * 1024 + 1)}`;
      }
    }
    weft.registry.register('huge', Huge);
    await assert.rejects(weft.render('huge'), weftError(413, 'response_too_large'));
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
