import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { Component, type ComponentClass, type EventDeclarations } from './component.js';
import { html } from './html.js';
import { component, Registry, registry as defaultRegistry } from './registry.js';

class Counter extends Component<{ count: number }> {
  static override events = { increment: true, add: z.object({ by: z.number() }) };
  mount() {
    return { count: 0 };
  }
  increment(): void {
    this.state.count++;
  }
  add({ by }: { by: number }): void {
    this.state.count += by;
  }
  override render() {
    return html`${this.state.count}`;
  }
}

class Static extends Component {
  mount() {
    return {};
  }
  override render() {
    return html`static`;
  }
}

/** A fresh class with the given events (and a method for every name in `methods`). */
function withEvents(events: EventDeclarations, methods: string[] = Object.keys(events)): ComponentClass {
  class C extends Component {
    static override events = events;
    mount() {
      return {};
    }
    override render() {
      return html``;
    }
  }
  for (const name of methods) {
    if (!(name in C.prototype)) {
      Object.defineProperty(C.prototype, name, { value: () => {}, configurable: true, writable: true });
    }
  }
  return C;
}

function withTagName(tagName: string): ComponentClass {
  return class extends Static {
    static override tagName = tagName;
  };
}

describe('Registry', () => {
  it('registers a class and returns it', () => {
    const reg = new Registry();
    assert.equal(reg.register('counter', Counter), Counter);
    assert.equal(reg.get('counter'), Counter);
    assert.equal(reg.nameOf(Counter), 'counter');
    assert.deepEqual(reg.names(), ['counter']);
  });

  it('returns undefined for unknown names and classes', () => {
    const reg = new Registry();
    assert.equal(reg.get('counter'), undefined);
    assert.equal(reg.nameOf(Counter), undefined);
    assert.deepEqual(reg.names(), []);
  });

  it('lists names in registration order', () => {
    const reg = new Registry();
    reg.register('b', Counter);
    reg.register('a', Static);
    assert.deepEqual(reg.names(), ['b', 'a']);
  });

  it('keeps the first name of a class registered twice', () => {
    const reg = new Registry();
    reg.register('first', Counter);
    reg.register('second', Counter);
    assert.equal(reg.get('second'), Counter);
    assert.equal(reg.nameOf(Counter), 'first');
  });

  it('keeps registries independent', () => {
    const a = new Registry();
    const b = new Registry();
    a.register('counter', Counter);
    assert.equal(b.get('counter'), undefined);
  });

  it('throws on a duplicate name and keeps the original', () => {
    const reg = new Registry();
    reg.register('counter', Counter);
    assert.throws(() => reg.register('counter', Static), /already registered/);
    assert.equal(reg.get('counter'), Counter);
    assert.equal(reg.nameOf(Static), undefined);
  });

  for (const name of ['a', 'counter', 'contact-rows', 'a_b-9', 'x'.repeat(64)]) {
    it(`accepts the name ${JSON.stringify(name)}`, () => {
      assert.doesNotThrow(() => new Registry().register(name, Static));
    });
  }

  for (const name of ['', 'Counter', '1counter', '-x', '_x', 'a b', 'a/b', '../x', 'a.b', 'x'.repeat(65), 'ümlaut']) {
    it(`throws a TypeError on the invalid name ${JSON.stringify(name)}`, () => {
      const reg = new Registry();
      assert.throws(() => reg.register(name, Static), TypeError);
      assert.deepEqual(reg.names(), []);
    });
  }

  it('throws on something that is not a Component class', () => {
    assert.throws(() => new Registry().register('x', {} as unknown as ComponentClass), TypeError);
    assert.throws(() => new Registry().register('x', class NotAComponent {} as unknown as ComponentClass), TypeError);
  });

  it('accepts a subclass that inherits its events', () => {
    class Sub extends Counter {}
    const reg = new Registry();
    reg.register('sub', Sub);
    assert.equal(reg.get('sub'), Sub);
  });

  describe('event declarations', () => {
    it('throws when a declared event has no method', () => {
      const reg = new Registry();
      assert.throws(() => reg.register('x', withEvents({ missing: true }, [])), /declares event "missing" but has no method/);
      assert.equal(reg.get('x'), undefined);
    });

    it('throws when the "method" is not a function', () => {
      const C = withEvents({ data: true }, []);
      Object.defineProperty(C.prototype, 'data', { value: 42 });
      assert.throws(() => new Registry().register('x', C), /no method/);
    });

    for (const reserved of ['constructor', '__proto__', 'mount', 'render', 'toString', 'hydrate', 'on', 'bind', 'child', 'valueOf', 'hasOwnProperty', 'then', 'state']) {
      it(`throws on the reserved name "${reserved}" as an event`, () => {
        const reg = new Registry();
        assert.throws(() => reg.register('x', withEvents({ [reserved]: true })), /cannot be an event name/);
        assert.equal(reg.get('x'), undefined);
      });
    }

    for (const bad of ['', 'a-b', '1x', 'a b', 'a.b', 'x'.repeat(65)]) {
      it(`throws on the non-identifier event name ${JSON.stringify(bad)}`, () => {
        assert.throws(() => new Registry().register('x', withEvents({ [bad]: true })), /cannot be an event name/);
      });
    }

    for (const [label, spec] of [
      ['false', false],
      ['null', null],
      ['a string', 'yes'],
      ['a number', 1],
      ['a plain object', { type: 'object' }],
      ['a function', () => true],
    ] as const) {
      it(`throws when an event maps to ${label}`, () => {
        const events = { go: spec } as unknown as EventDeclarations;
        assert.throws(() => new Registry().register('x', withEvents(events)), /must map to true or a Standard Schema/);
      });
    }

    it('accepts true and Standard Schemas', () => {
      assert.doesNotThrow(() => new Registry().register('x', withEvents({ a: true, b: z.object({}), c: z.string() })));
    });
  });

  describe('tagName', () => {
    for (const tag of ['div', 'tbody', 'li', 'my-element', 'h1']) {
      it(`accepts ${JSON.stringify(tag)}`, () => {
        assert.doesNotThrow(() => new Registry().register('x', withTagName(tag)));
      });
    }

    for (const tag of ['', 'Div', '1x', 'my tag', 'div>', 'div onclick=x', '-x', 'a_b']) {
      it(`throws on ${JSON.stringify(tag)}`, () => {
        const reg = new Registry();
        assert.throws(() => reg.register('x', withTagName(tag)), /not a valid element name/);
        assert.equal(reg.get('x'), undefined);
      });
    }
  });
});

describe('component() decorator', () => {
  it('registers when called as a plain function and returns the class', () => {
    const reg = new Registry();
    class Local extends Static {}
    assert.equal(component('local', reg)(Local), Local);
    assert.equal(reg.get('local'), Local);
    assert.equal(reg.nameOf(Local), 'local');
  });

  it('registers into the default registry when none is given', () => {
    class Global extends Static {}
    component('registry-test-global')(Global);
    assert.equal(defaultRegistry.get('registry-test-global'), Global);
  });

  it('propagates registration errors', () => {
    const reg = new Registry();
    component('dup', reg)(Static);
    assert.throws(() => component('dup', reg)(Counter), /already registered/);
    assert.throws(() => component('Bad Name', reg)(Counter), TypeError);
  });

  it('works with decorator syntax', () => {
    const reg = new Registry();
    @component('decorated', reg)
    class Decorated extends Static {}
    assert.equal(reg.get('decorated'), Decorated);
  });
});
