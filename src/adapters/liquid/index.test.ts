import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { Component, type ComponentInit } from '../../core/component.js';
import { isWeftError, mountComponent } from '../../testing/index.js';
import { liquidRenderer } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'weft-liquid-'));
after(() => rmSync(root, { recursive: true, force: true }));

const templates: Record<string, string> = {
  'counter.liquid':
    '<p class="count">{{ state.count }}</p>' +
    '<p class="note">{{ state.note }}</p>' +
    '{% if errors.note %}<p class="error">{{ errors.note }}</p>{% endif %}' +
    '<button class="inc" {% on "increment" %}>+1</button>' +
    '<button class="add" {% on "add", by: 2 %}>+2</button>',
  'plain.liquid': '{{ state.note }}|{{ state.note | raw }}|{{ params.page }}|{{ component_id }}|{{ component_name }}',
  'on-variable.liquid': '<button {% on "add", by: state.count %}>x</button><button {% on ev, by: 1, tag: state.note %}>y</button>',
  'on-undeclared.liquid': '<button {% on "explode" %}>x</button>',
  'on-outside.liquid': '<button {% on "increment" %}>x</button>',
  'partial.liquid': '<div>{% render "item", name: state.note %}</div>',
  'item.liquid': '<i>{{ name }}</i>',
  'bind.liquid': '<input class="note" {% bind "note" %}><input {% bind field %}>',
  'bind-note.liquid': '<input {% bind "note" %}>',
  'bind-empty.liquid': '<input {% bind %}>',
  // weft-model written by hand and arriving in a `| raw` value: neither is a binding.
  'form.liquid': '<input weft-model="count">{{ state.markup | raw }}<input {% bind "note" %}><p class="note">{{ state.note }}</p>',
  // The storefront's product template, verbatim: `size` is a field here.
  'size-error.liquid': '{% if errors.size %}<p class="error">{{ errors.size }}</p>{% endif %}',
  'size-error-brackets.liquid': '{% if errors["size"] %}<p class="error">{{ errors["size"] }}</p>{% endif %}',
  'errors-listed.liquid': '{% if errors == empty %}none{% else %}{% for e in errors %}[{{ e[0] }}={{ e[1] }}]{% endfor %}{% endif %}',
};
for (const [file, text] of Object.entries(templates)) writeFileSync(join(root, file), text);

const renderer = liquidRenderer({ root });

interface CounterState {
  count: number;
  note: string;
}

class LiquidCounter extends Component<CounterState, { page?: number }> {
  static override events = { increment: true, add: z.object({ by: z.number().int() }), annotate: true };
  static override template = 'counter.liquid';
  static override renderer = renderer;
  mount(): CounterState {
    return { count: 0, note: '' };
  }
  increment(): void {
    this.state.count++;
  }
  add({ by }: { by: number }): void {
    this.state.count += by;
  }
  annotate(): void {
    this.state.note = '<b>"quoted" & \'single\'</b>';
    this.errors.note = 'Note <must> be plain';
  }
}

function instance(state: CounterState, params: { page?: number } = {}): LiquidCounter {
  const init: ComponentInit<{ page?: number }> = {
    name: 'liquid-counter',
    id: 'liquid-counter-abc',
    params,
    context: { locals: {} },
    endpoint: '/components/liquid-counter/',
  };
  const c = new LiquidCounter(init as ComponentInit<never>);
  c.state = state;
  return c;
}

describe('liquidRenderer', () => {
  it('exposes the LiquidJS engine', () => {
    assert.equal(typeof renderer.engine.parseAndRender, 'function');
  });

  it('renders a template with state, params, component_id and component_name', async () => {
    const c = instance({ count: 0, note: 'hello' }, { page: 3 });
    assert.equal(await renderer.render('plain.liquid', c.templateContext()), 'hello|hello|3|liquid-counter-abc|liquid-counter');
  });

  it('escapes output by default, and | raw opts out', async () => {
    const c = instance({ count: 0, note: `<script>alert("x" & 'y')</script>` });
    const out = await renderer.render('plain.liquid', c.templateContext());
    const [escaped, raw] = out.split('|');
    assert.match(escaped ?? '', /^&lt;script&gt;alert\((&quot;|&#34;)x(&quot;|&#34;) &amp; &#39;y&#39;\)&lt;\/script&gt;$/);
    assert.equal(raw, `<script>alert("x" & 'y')</script>`);
  });

  it('escapes every kind of value as Liquid does: lists joined, nothing for nil, and the memory limit still counted', async () => {
    const out = await renderer.engine.parseAndRender('{{ list }}|{{ n }}|{{ nothing }}|{{ missing }}|{{ text }}|{{ text | raw }}', {
      list: ['<a>', '&'],
      n: 5,
      nothing: null,
      text: `"q" & 'a' <b>`,
    });
    assert.equal(out, `&lt;a&gt;&amp;|5|||&quot;q&quot; &amp; &#39;a&#39; &lt;b&gt;|"q" & 'a' <b>`);
    const small = liquidRenderer({ root, memoryLimit: 100 });
    await assert.rejects(small.engine.parseAndRender('{{ text }}', { text: 'x'.repeat(200) }), /memory/i);
  });

  it('resolves the .liquid extension', async () => {
    const c = instance({ count: 0, note: 'n' });
    assert.equal(await renderer.render('plain', c.templateContext()), 'n|n||liquid-counter-abc|liquid-counter');
  });

  it('renders partials', async () => {
    const c = instance({ count: 0, note: '<x>' });
    assert.equal(await renderer.render('partial.liquid', c.templateContext()), '<div><i>&lt;x&gt;</i></div>');
  });

  it('refuses a missing template', async () => {
    await assert.rejects(Promise.resolve().then(() => renderer.render('missing.liquid', instance({ count: 0, note: '' }).templateContext())));
  });

  describe('errors', () => {
    function withErrors(errors: Record<string, string>): LiquidCounter {
      const c = instance({ count: 0, note: '' });
      c.errors = errors;
      return c;
    }

    it('renders nothing for errors.size while no field named size has an error, not a count of 0', async () => {
      for (const file of ['size-error.liquid', 'size-error-brackets.liquid']) {
        assert.equal(await renderer.render(file, withErrors({}).templateContext()), '', file);
        assert.equal(await renderer.render(file, withErrors({ color: 'Pick a color' }).templateContext()), '', file);
      }
    });

    it('renders the message of a field named size', async () => {
      for (const file of ['size-error.liquid', 'size-error-brackets.liquid']) {
        const out = await renderer.render(file, withErrors({ size: 'Pick a size' }).templateContext());
        assert.equal(out, '<p class="error">Pick a size</p>', file);
      }
    });

    it('lists only the real fields, and compares to empty as before', async () => {
      assert.equal(await renderer.render('errors-listed.liquid', withErrors({}).templateContext()), 'none');
      assert.equal(
        await renderer.render('errors-listed.liquid', withErrors({ size: 'S?', note: 'N?' }).templateContext()),
        '[size=S?][note=N?]',
      );
      assert.equal(await renderer.render('errors-listed.liquid', withErrors({ note: 'N?' }).templateContext()), '[note=N?]');
    });

    it("leaves the component's own errors untouched", async () => {
      const c = withErrors({ note: 'N?' });
      await renderer.render('size-error.liquid', c.templateContext());
      assert.deepEqual(Object.getOwnPropertyNames(c.errors), ['note']);
    });
  });

  describe('{% on %}', () => {
    it('writes the same attributes as component.on()', async () => {
      const c = instance({ count: 0, note: '' });
      const out = await renderer.render('counter.liquid', c.templateContext());
      assert.ok(out.includes(`<button class="inc" ${c.on('increment').value}>+1</button>`), out);
      assert.ok(out.includes(`<button class="add" ${c.on('add', { by: 2 }).value}>+2</button>`), out);
      assert.match(out, / hx-vals="\{&quot;by&quot;:2,&quot;event&quot;:&quot;add&quot;\}"/);
    });

    it('evaluates the event name and payload values from the context', async () => {
      const c = instance({ count: 7, note: `a"b<c>` });
      const ctx = { ...c.templateContext(), ev: 'add' };
      const out = await renderer.render('on-variable.liquid', ctx);
      assert.equal(out, `<button ${c.on('add', { by: 7 }).value}>x</button><button ${c.on('add', { by: 1, tag: `a"b<c>` } as never).value}>y</button>`);
    });

    it('throws for an event the component does not declare', async () => {
      const c = instance({ count: 0, note: '' });
      await assert.rejects(Promise.resolve().then(() => renderer.render('on-undeclared.liquid', c.templateContext())), /declares no event "explode"/);
    });

    it('throws outside a component template', async () => {
      await assert.rejects(renderer.engine.renderFile('on-outside.liquid', { state: {} }), /outside a component template/);
    });
  });

  describe('{% bind %}', () => {
    it('writes the same attributes as component.bind(), the field a literal or a variable', async () => {
      const c = instance({ count: 4, note: 'a"b' });
      const ctx = { ...c.templateContext(), field: 'count' };
      const out = await renderer.render('bind.liquid', ctx);
      assert.equal(out, `<input class="note" ${c.bind('note').value}><input ${c.bind('count').value}>`);
      assert.match(out, /name="note" weft-model="note" value="a&quot;b"/);
    });

    it('throws outside a component template, and without a field', async () => {
      await assert.rejects(renderer.engine.renderFile('bind-note.liquid', { state: {} }), /\{% bind %\} used outside a component template/);
      await assert.rejects(renderer.engine.renderFile('bind-empty.liquid', { state: {} }), /needs a field name/);
    });

    it('throws for a locked field, like bind()', async () => {
      class Locked extends LiquidCounter {
        static override locked = ['note'];
        static override template = 'bind-note.liquid';
      }
      await assert.rejects(mountComponent(Locked, { name: 'locked' }), /state field "note" of component "locked" is locked/);
    });

    it('is the only thing that makes a field writable: not weft-model by hand or through | raw', async () => {
      class LiquidForm extends Component<{ count: number; note: string; markup: string }> {
        static override events = { save: true };
        static override template = 'form.liquid';
        static override renderer = renderer;
        mount() {
          return { count: 0, note: '', markup: '<input weft-model="count" name="count">' };
        }
        save(): void {}
      }
      const form = await mountComponent(LiquidForm, { name: 'liquid-form' });
      assert.equal(form.html.match(/weft-model="count"/g)?.length, 2, 'both smuggled inputs are in the page');
      await assert.rejects(form.fire('save', {}, { updates: { count: 99 } }), isWeftError(400, 'unbound_field'));
      assert.match(await form.fire('save', {}, { updates: { note: 'kept' } }), /<p class="note">kept<\/p>/);
    });
  });

  describe('through a component', () => {
    it('renders, fires and re-renders end to end', async () => {
      const harness = await mountComponent(LiquidCounter, { name: 'liquid-counter' });
      assert.match(harness.html, /^<div id="liquid-counter-[^"]+" weft="liquid-counter" weft-state="v1\.[^"]+"/);
      assert.match(harness.html, /<p class="count">0<\/p>/);
      assert.ok(harness.html.includes(harness.instance.on('increment').value));

      assert.match(await harness.fire('increment'), /<p class="count">1<\/p>/);
      assert.match(await harness.fire('add', { by: 2 }), /<p class="count">3<\/p>/);
      assert.equal(harness.state.count, 3);
    });

    it('escapes state and errors in the rendered component', async () => {
      const harness = await mountComponent(LiquidCounter, { name: 'liquid-counter' });
      const out = await harness.fire('annotate');
      assert.match(out, /<p class="note">&lt;b&gt;(&quot;|&#34;)quoted(&quot;|&#34;) &amp; &#39;single&#39;&lt;\/b&gt;<\/p>/);
      assert.ok(out.includes('<p class="error">Note &lt;must&gt; be plain</p>'), out);
    });

    it('works as the app-wide renderer for a class with only a template', async () => {
      class AppRendered extends Component<CounterState> {
        static override events = { increment: true, add: z.object({ by: z.number() }) };
        static override template = 'counter.liquid';
        mount(): CounterState {
          return { count: 5, note: 'app' };
        }
        increment(): void {
          this.state.count++;
        }
        add({ by }: { by: number }): void {
          this.state.count += by;
        }
      }
      const harness = await mountComponent(AppRendered, { renderer });
      assert.match(harness.html, /<p class="count">5<\/p><p class="note">app<\/p>/);
      assert.match(await harness.fire('increment'), /<p class="count">6<\/p>/);
    });
  });
});
