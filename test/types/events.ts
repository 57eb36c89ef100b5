/**
 * Type-level tests: what the type checker catches in event names and payloads.
 * Never run, only compiled. Each `@ts-expect-error` line is a mistake the type
 * checker must refuse; test/types/types.test.ts removes them and checks that
 * every one of those lines then fails to compile.
 */
import { z } from 'zod';
import { Component, component, createWeft, type ErrorCode, html, Registry, WeftError } from 'weft';
import { createTestClient, mountComponent } from 'weft/testing';

/** The README's counter, verbatim. */
export class Counter extends Component<{ count: number }> {
  static override events = { increment: true, add: z.object({ by: z.number().int() }) };

  mount() {
    return { count: 0 };
  }
  increment() {
    this.state.count++;
  }
  add({ by }: { by: number }) {
    this.state.count += by;
  }
  override render() {
    return html`<output>${this.state.count}</output>
      <button ${this.on('increment')}>+1</button>
      <button ${this.on('add', { by: 10 })}>+10</button>`;
  }
}

const Size = z.enum(['S', 'M', 'L']);

export class Cart extends Component<{ items: { id: number; size: string }[]; total: number; note: string }> {
  static override events = {
    addItem: z.object({ productId: z.number(), size: Size }),
    setTags: z.object({ tags: z.array(z.string()) }),
    /** The wire carries text; the handler gets a number. */
    setQty: z.object({ qty: z.string().transform(Number) }),
    clear: true,
    save: true,
  };

  mount() {
    return { items: [], total: 0, note: '' };
  }
  addItem({ productId, size }: { productId: number; size: 'S' | 'M' | 'L' }) {
    this.state.items.push({ id: productId, size });
    this._recalculateTotal();
  }
  setTags({ tags }: { tags: string[] }) {
    this.state.note = tags.join(',');
  }
  setQty({ qty }: { qty: number }) {
    this.state.total = qty;
  }
  clear() {
    this.state.items = [];
  }
  save(payload: Record<string, unknown>) {
    this.state.note = JSON.stringify(payload);
  }
  /** Public, but not an event. */
  _recalculateTotal() {
    this.state.total = this.state.items.length;
  }
  private secret() {}

  override render() {
    return html`
      <button ${this.on('addItem', { productId: 42, size: 'M' })}></button>
      <button ${this.on('setTags', { tags: ['a', 'b'] })}></button>
      <button ${this.on('clear')}></button>
      <button ${this.on('save')}></button>
      <button ${this.on('save', { anything: [1, 'two'] })}></button>
      <button ${this.on('clear', undefined, { trigger: 'click' })}></button>
      <form ${this.on('addItem')}><input name="productId" type="number"><select name="size"></select></form>
      <input name="size" ${this.on('addItem', { productId: 42 }, { trigger: 'change' })}>
      <form ${this.on('addItem', {})}></form>
      ${
        // @ts-expect-error misspelt event
        this.on('clearr')
      }
      ${
        // @ts-expect-error a member of Component, not a handler
        this.on('render')
      }
      ${
        // @ts-expect-error state is not a method
        this.on('state')
      }
      ${
        // @ts-expect-error a private helper
        this.on('secret')
      }
      ${
        // @ts-expect-error the size is not one the handler takes
        this.on('addItem', { productId: 42, size: 'XL' })
      }
      ${
        // @ts-expect-error productId is a number
        this.on('addItem', { productId: '42', size: 'M' })
      }
      ${
        // @ts-expect-error a key the handler does not take (a misspelt productId)
        this.on('addItem', { productID: 42 })
      }
      ${
        // @ts-expect-error a given key of the wrong type, with the rest left to the form
        this.on('addItem', { size: 'XL' })
      }
      ${
        // @ts-expect-error the handler takes a number (what the schema outputs), not text
        this.on('setQty', { qty: '3' })
      }`;
  }
}

/** The README's on() calls, from outside the class too. */
declare const counter: Counter;
counter.on('add', { by: 1 });
// @ts-expect-error misspelt event
counter.on('incc');
// @ts-expect-error by is a number
counter.on('add', { by: '1' });

/** Test helpers: the event names are the keys of `static events`, payloads their schema's input. */
export async function harness(): Promise<void> {
  const c = await mountComponent(Counter);
  await c.fire('increment');
  await c.fire('add', { by: 2 });
  const n: number = c.state.count;
  void n;
  // @ts-expect-error misspelt event
  await c.fire('incc');
  // @ts-expect-error by is a number
  await c.fire('add', { by: '2' });
  // @ts-expect-error the schema needs a payload
  await c.fire('add');

  const cart = await mountComponent(Cart);
  await cart.fire('addItem', { productId: 1, size: 'S' });
  await cart.fire('setQty', { qty: '3' }, { updates: { note: 'x' } });
  await cart.fire('save');
  await cart.fire('save', { any: 'thing' });
  // @ts-expect-error a public method, but not a declared event
  await cart.fire('_recalculateTotal');
  // @ts-expect-error the schema takes text (its input), not the handler's number
  await cart.fire('setQty', { qty: 3 });
  // @ts-expect-error not a size
  await cart.fire('addItem', { productId: 1, size: 'XL' });

  const weft = createWeft({ registry: new Registry() });
  const client = await createTestClient(weft);
  await client.fire(Counter, undefined, 'add', { by: 1 });
  await client.fire(Counter, undefined, 'increment');
  // A name instead of a class sends anything, to test how the server refuses it.
  await client.fire('counter', undefined, 'incc', { by: 'x' });
  // @ts-expect-error misspelt event
  await client.fire(Counter, undefined, 'incc');
  // @ts-expect-error by is a number
  await client.fire(Counter, undefined, 'add', { by: 'x' });
}

/** A handler that does not take what its event's schema outputs. */
export class WrongHandler extends Component<{ count: number }> {
  static override events = { add: z.object({ by: z.number() }) };
  mount() {
    return { count: 0 };
  }
  add({ by }: { by: string }) {
    this.state.count += by.length;
  }
  override render() {
    return html`${this.state.count}`;
  }
}

/** `true` hands the handler any object, so it cannot expect particular fields. */
export class TrueWithFields extends Component<{ items: string[] }> {
  static override events = { add: true };
  mount() {
    return { items: [] };
  }
  add({ item }: { item: string }) {
    this.state.items.push(item);
  }
  override render() {
    return html`${this.state.items}`;
  }
}

/** A declared event without a method. */
export class NoHandler extends Component<{ count: number }> {
  static override events = { increment: true };
  mount() {
    return { count: 0 };
  }
  override render() {
    return html`${this.state.count}`;
  }
}

export function registration(registry: Registry): void {
  registry.register('counter', Counter);
  registry.register('cart', Cart);
  // @ts-expect-error add() takes { by: string }, the schema outputs { by: number }
  registry.register('wrong', WrongHandler);
  // @ts-expect-error add() expects fields that `true` does not promise
  registry.register('true-with-fields', TrueWithFields);
  // @ts-expect-error increment is declared but has no handler
  registry.register('no-handler', NoHandler);
  // @ts-expect-error mountComponent checks the same
  void mountComponent(WrongHandler);
}

// @ts-expect-error the decorator checks the same
@component('decorated-wrong')
export class DecoratedWrong extends WrongHandler {}

@component('decorated-right')
export class DecoratedRight extends Counter {}

/** Apps use their own error codes; Weft's stay listed for autocompletion. */
export function errors(): WeftError[] {
  const own = new WeftError(409, 'sold_out', 'That size is sold out');
  const builtIn = new WeftError(400, 'bad_request', 'no');
  if (own.code === 'sold_out' || builtIn.code === 'csrf') return [own];
  // @ts-expect-error ErrorCode itself lists only Weft's codes
  const code: ErrorCode = 'sold_out';
  return [new WeftError(400, code, 'x')];
}
