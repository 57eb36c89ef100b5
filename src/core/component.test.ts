import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  beginRender,
  Component,
  type ComponentClass,
  type ComponentInit,
  type EventDeclarations,
  isDeclaredEvent,
  RESERVED_NAMES,
  type Renderer,
  type TemplateContext,
} from './component.js';
import { html, SafeHtml } from './html.js';
import { renderRecord } from './render-record.js';

interface CounterState {
  count: number;
  note: string | null;
}

class Counter extends Component<CounterState> {
  static override events: EventDeclarations = { increment: true, add: z.object({ by: z.number() }) };
  mount(): CounterState {
    return { count: 0, note: '' };
  }
  increment(): void {
    this.state.count++;
  }
  add({ by }: { by: number }): void {
    this.state.count += by;
  }
  /** A public method that is not an event. */
  helper(): void {}
  override render() {
    return html`<button ${this.on('increment')}>${this.state.count}</button>`;
  }
}

/** A component that uses the default render(). */
class Templated extends Component<{ title: string }> {
  mount() {
    return { title: 't' };
  }
}

function init(overrides: Partial<ComponentInit> = {}): ComponentInit<never> {
  return {
    name: 'counter',
    id: 'counter-abc',
    params: {},
    context: { locals: {} },
    endpoint: '/components/counter/',
    ...overrides,
  } as ComponentInit<never>;
}

function counter(overrides: Partial<ComponentInit> = {}): Counter {
  const c = new Counter(init(overrides));
  c.state = c.mount();
  return c;
}

/** Undoes escapeHtml for attribute values. */
function unescape(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function hxVals(out: SafeHtml): unknown {
  const m = / hx-vals="([^"]*)"/.exec(out.value);
  assert.ok(m, `no hx-vals in ${out.value}`);
  return JSON.parse(unescape(m[1] as string));
}

describe('Component', () => {
  it('takes name, id, params, context and endpoint from its init', () => {
    const locals = { user: 'ada' };
    const c = new Counter(init({ params: { start: 1 }, context: { locals } }));
    assert.equal(c.name, 'counter');
    assert.equal(c.id, 'counter-abc');
    assert.deepEqual(c.params, { start: 1 });
    assert.equal(c.context.locals, locals);
    assert.equal(c.endpoint, '/components/counter/');
    assert.deepEqual(c.errors, {});
  });

  it('has a no-op hydrate() by default', async () => {
    const c = counter();
    assert.equal(await c.hydrate(), undefined);
    assert.deepEqual(c.state, { count: 0, note: '' });
  });

  it('has safe static defaults', () => {
    assert.deepEqual(Templated.events, {});
    assert.deepEqual(Templated.locked, []);
    assert.equal(Templated.paramsSchema, undefined);
    assert.equal(Templated.stateSchema, undefined);
    assert.equal(Templated.template, undefined);
    assert.equal(Templated.renderer, undefined);
    assert.equal(Templated.tagName, 'div');
  });

  describe('on()', () => {
    it('posts the event to the endpoint with hx-vals carrying the event key', () => {
      const out = counter().on('increment');
      assert.ok(out instanceof SafeHtml);
      assert.equal(out.value, 'hx-post="/components/counter/" hx-vals="{&quot;event&quot;:&quot;increment&quot;}"');
    });

    it('puts the payload in hx-vals, JSON-encoded and escaped', () => {
      const out = counter().on('add', { by: 2 });
      assert.equal(out.value, 'hx-post="/components/counter/" hx-vals="{&quot;by&quot;:2,&quot;event&quot;:&quot;add&quot;}"');
      assert.deepEqual(hxVals(out), { by: 2, event: 'add' });
    });

    it('escapes hostile payload values so they stay inside the attribute', () => {
      const payload = { text: `"><script>alert('x')</script>&`, n: 1.5, ok: true, list: [1, null] };
      const out = counter().on('add', payload as never);
      assert.doesNotMatch(out.value, /<script>/);
      assert.equal((out.value.match(/"/g) ?? []).length, 4, 'only the attribute quotes are literal');
      assert.deepEqual(hxVals(out), { ...payload, event: 'add' });
    });

    it('refuses a payload key "event", which would be replaced by the event name', () => {
      assert.throws(() => counter().on('add', { event: 'delete', by: 1 } as never), /payload key "event" is reserved/);
      // An inherited "event" is not the payload's own key and is not sent by JSON.stringify.
      assert.deepEqual(hxVals(counter().on('add', Object.create({ event: 'x' }) as never)), { event: 'add' });
    });

    it('adds hx-trigger when a trigger is given, escaped', () => {
      const out = counter().on('increment', undefined, { trigger: 'keyup changed delay:300ms' });
      assert.match(out.value, / hx-trigger="keyup changed delay:300ms"$/);
      assert.match(counter().on('increment', {}, { trigger: 'a"b' }).value, / hx-trigger="a&quot;b"$/);
      assert.doesNotMatch(counter().on('increment', {}, {}).value, /hx-trigger/);
    });

    it('escapes the endpoint', () => {
      const out = counter({ endpoint: '/x"y/<z>&/' }).on('increment');
      assert.match(out.value, /^hx-post="\/x&quot;y\/&lt;z&gt;&amp;\/" /);
    });

    it('can be interpolated into html``', () => {
      const c = counter();
      const rendered = c.render() as SafeHtml;
      assert.equal(rendered.value, `<button ${c.on('increment').value}>0</button>`);
    });

    for (const event of ['decrement', 'helper', 'mount', 'render', 'constructor', 'toString', '__proto__', 'on', 'bind', '', 'a-b']) {
      it(`throws for the undeclared event ${JSON.stringify(event)}`, () => {
        assert.throws(() => counter().on(event as never), /declares no event/);
      });
    }
  });

  describe('bind()', () => {
    it('names the field and carries its current value', () => {
      const c = counter();
      c.state.note = 'hello';
      assert.equal(c.bind('note').value, 'name="note" weft-model="note" value="hello"');
    });

    it('escapes the value', () => {
      const c = counter();
      c.state.note = `"><img src=x onerror='alert(1)'>&`;
      assert.equal(c.bind('note').value, 'name="note" weft-model="note" value="&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;"');
    });

    it('renders numbers as text and null/undefined as an empty value', () => {
      const c = counter();
      c.state.count = 12;
      assert.match(c.bind('count').value, / value="12"$/);
      c.state.note = null;
      assert.match(c.bind('note').value, / value=""$/);
      (c.state as unknown as Record<string, unknown>).note = undefined;
      assert.match(c.bind('note').value, / value=""$/);
    });

    it('records the field for the current render, which beginRender clears', () => {
      const c = counter();
      c.bind('note');
      c.bind('count');
      assert.deepEqual(renderRecord(c).bound, ['count', 'note']);
      beginRender(c);
      assert.deepEqual(renderRecord(c).bound, []);
    });

    it('throws in a component without events: no root would send the value back', () => {
      const t = new Templated(init({ name: 'templated' }));
      t.state = t.mount();
      assert.throws(() => t.bind('title'), /"templated" declares no events, so nothing would send field "title" back/);
      assert.deepEqual(renderRecord(t).bound, []);
    });

    it('throws for a field name that is not a string (a template can pass anything)', () => {
      assert.throws(() => counter().bind(7 as never), /must be a string/);
    });
  });

  describe('render() default', () => {
    it('throws without a template or renderer', () => {
      const c = new Templated(init({ name: 'templated' }));
      c.state = c.mount();
      assert.throws(() => c.render(), /"templated" must override render\(\) or set static template and a renderer/);
    });

    it('throws with a template but no renderer, and with a renderer but no template', () => {
      const renderer: Renderer = { render: () => 'x' };
      class OnlyTemplate extends Templated {
        static override template = 't.liquid';
      }
      class OnlyRenderer extends Templated {
        static override renderer = renderer;
      }
      for (const C of [OnlyTemplate, OnlyRenderer]) {
        const c = new C(init({ name: 'x' }));
        c.state = c.mount();
        assert.throws(() => c.render(), /must override render\(\)/);
      }
    });

    it('renders static template with static renderer and the template context', async () => {
      const calls: [string, TemplateContext][] = [];
      class WithTemplate extends Templated {
        static override template = 'page.liquid';
        static override renderer: Renderer = {
          render(template, context) {
            calls.push([template, context]);
            return Promise.resolve('<p>rendered</p>');
          },
        };
      }
      const c = new WithTemplate(init({ name: 'with-template', id: 'with-template-1', params: { a: 1 } }));
      c.state = c.mount();
      c.errors.title = 'bad';
      const out = await c.render();
      assert.ok(out instanceof SafeHtml, 'engine output is returned as trusted SafeHtml');
      assert.equal(out.value, '<p>rendered</p>');
      assert.equal(calls.length, 1);
      const [template, context] = calls[0] as [string, TemplateContext];
      assert.equal(template, 'page.liquid');
      assert.deepEqual(context, {
        state: { title: 't' },
        params: { a: 1 },
        errors: { title: 'bad' },
        slots: {},
        component_id: 'with-template-1',
        component_name: 'with-template',
        component: c,
      });
    });
  });

  describe('child()', () => {
    it('throws without a runtime', async () => {
      await assert.rejects(counter().child(Templated), /has no runtime/);
    });

    it('asks the runtime, naming itself as the parent', async () => {
      const seen: unknown[] = [];
      const c = counter({
        runtime: {
          renderChild: async (parent, type, params, id) => {
            seen.push(parent, type, params, id);
            return html`<i>child</i>`;
          },
        },
      });
      assert.equal((await c.child(Templated, { x: 1 })).value, '<i>child</i>');
      assert.deepEqual(seen, [c, Templated, { x: 1 }, `${c.id}-_0`]);
      await c.child(Templated);
      assert.deepEqual(seen.slice(4), [c, Templated, {}, `${c.id}-_1`]);
    });

    describe('child ids', () => {
      function withIds(): { c: Counter; ids: string[] } {
        const ids: string[] = [];
        const c = counter({ runtime: { renderChild: async (_parent, _type, _params, id) => (ids.push(id), html``) } });
        return { c, ids };
      }

      it("are the parent id plus the key, or _<n> for the n-th unkeyed child of this render", async () => {
        const { c, ids } = withIds();
        await c.child(Templated);
        await c.child(Templated, {}, { key: 'row_7' });
        await c.child(Templated, {}, { key: 42 });
        await c.child(Templated);
        assert.deepEqual(ids, [`${c.id}-_0`, `${c.id}-row_7`, `${c.id}-42`, `${c.id}-_1`]);
      });

      it('restart at _0 on every render (beginRender)', async () => {
        const { c, ids } = withIds();
        await c.child(Templated);
        beginRender(c);
        await c.child(Templated);
        assert.deepEqual(ids, [`${c.id}-_0`, `${c.id}-_0`]);
      });

      it('stop at the runtime\'s maxChildren with 413 too_many_children, before asking for the extra child', async () => {
        const ids: string[] = [];
        const c = counter({
          runtime: { limits: { maxChildren: 2, maxResponseBytes: 1000 }, renderChild: async (_p, _t, _params, id) => (ids.push(id), html`<i></i>`) },
        });
        await c.child(Templated);
        await c.child(Templated, {}, { key: 'k' });
        await assert.rejects(c.child(Templated), { status: 413, code: 'too_many_children' });
        assert.deepEqual(ids, [`${c.id}-_0`, `${c.id}-k`]);
        beginRender(c);
        await c.child(Templated);
        assert.equal(ids.length, 3, 'the count is per render');
      });

      it('stop once the children\'s HTML is over the runtime\'s maxResponseBytes', async () => {
        const c = counter({
          runtime: { limits: { maxChildren: 100, maxResponseBytes: 10 }, renderChild: async () => html`<i>12</i>` },
        });
        await c.child(Templated);
        await assert.rejects(c.child(Templated), { status: 413, code: 'response_too_large' });
      });

      it('refuse a key used twice in one render', async () => {
        const { c } = withIds();
        await c.child(Templated, {}, { key: 'a' });
        await assert.rejects(c.child(Templated, {}, { key: 'a' }), /renders two children with the key "a"/);
      });

      it('never let an explicit key meet a positional one, or a keyed child shift an unkeyed one', async () => {
        const { c, ids } = withIds();
        await c.child(Templated, {}, { key: 0 });
        await c.child(Templated);
        await c.child(Templated, {}, { key: 1 });
        await c.child(Templated);
        assert.deepEqual(ids, [`${c.id}-0`, `${c.id}-_0`, `${c.id}-1`, `${c.id}-_1`]);
      });

      // "-" joins keys into ids, so "1-0" could meet child "1"'s child "0"; "_" leads positional keys.
      for (const key of ['', 'a b', 'a"b', '<x>', 'é', 'x'.repeat(65), 1.5, -1, '1-0', 'a-b', '_0', '_x']) {
        it(`refuse the key ${JSON.stringify(key)} (ids must stay plain and unambiguous)`, async () => {
          const { c } = withIds();
          await assert.rejects(c.child(Templated, {}, { key }), TypeError);
        });
      }
    });
  });
});

describe('validated()', () => {
  const Form = z.object({
    email: z.string().email('enter an email'),
    age: z.coerce.number().int().min(18, 'adults only').max(130, 'too old'),
    address: z.object({ city: z.string().min(1, 'city is required') }),
  });

  it('returns the parsed value and leaves errors alone when the value is valid', async () => {
    const c = counter();
    const form = await c.validated(Form, { email: 'a@b.co', age: '40', address: { city: 'Oslo' } });
    assert.deepEqual(form, { email: 'a@b.co', age: 40, address: { city: 'Oslo' } });
    assert.deepEqual(c.errors, {});
  });

  it('puts one message per field, keyed by dotted path, in this.errors and returns undefined', async () => {
    const c = counter();
    c.errors.other = 'kept';
    const form = await c.validated(Form, { email: 'nope', age: '12', address: { city: '' } });
    assert.equal(form, undefined);
    assert.deepEqual(c.errors, { other: 'kept', email: 'enter an email', age: 'adults only', 'address.city': 'city is required' });
  });

  it('keeps the first message when a field fails several checks, and uses "" for the value itself', async () => {
    const c = counter();
    await c.validated(z.string().min(5, 'too short').regex(/^\d+$/, 'digits only'), 'ab');
    assert.deepEqual(c.errors, { '': 'too short' });
  });

  it('is a reserved name, so no class can declare it as an event', () => {
    assert.ok(RESERVED_NAMES.has('validated'));
  });
});

describe('isDeclaredEvent', () => {
  /** A class that declares `events` directly, bypassing the registry's checks. */
  function declaring(events: EventDeclarations): ComponentClass {
    class C extends Counter {
      static override events = events;
    }
    return C as unknown as ComponentClass;
  }

  it('accepts declared, implemented events', () => {
    assert.equal(isDeclaredEvent(Counter as unknown as ComponentClass, 'increment'), true);
    assert.equal(isDeclaredEvent(Counter as unknown as ComponentClass, 'add'), true);
  });

  it('rejects methods that are not declared', () => {
    assert.equal(isDeclaredEvent(Counter as unknown as ComponentClass, 'helper'), false);
  });

  it('rejects declared events without a method', () => {
    assert.equal(isDeclaredEvent(declaring({ ghost: true }), 'ghost'), false);
  });

  it('rejects names that are not identifiers', () => {
    for (const name of ['', 'a-b', '1a', 'a b', 'a.b', 'x'.repeat(65)]) {
      assert.equal(isDeclaredEvent(declaring({ [name]: true }), name), false, name);
    }
  });

  for (const name of ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'constructor', '__proto__', '__defineGetter__', 'toLocaleString']) {
    it(`rejects the inherited Object.prototype name "${name}"`, () => {
      assert.equal(isDeclaredEvent(Counter as unknown as ComponentClass, name), false);
      // Even if the declarations list it as an own key:
      assert.equal(isDeclaredEvent(declaring({ [name]: true }), name), false);
    });
  }

  it('rejects inherited names when the declarations object has a prototype', () => {
    const events = Object.create({ increment: true }) as EventDeclarations;
    assert.equal(isDeclaredEvent(declaring(events), 'increment'), false);
  });

  for (const name of ['mount', 'hydrate', 'render', 'on', 'bind', 'child', 'templateContext', 'then', 'state', 'params']) {
    it(`rejects the reserved name "${name}" even when declared`, () => {
      const C = declaring({ [name]: true });
      if (typeof (C.prototype as unknown as Record<string, unknown>)[name] !== 'function') {
        Object.defineProperty(C.prototype, name, { value: () => {}, configurable: true });
      }
      assert.equal(isDeclaredEvent(C, name), false);
    });
  }
});
