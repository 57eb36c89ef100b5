import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft, type Weft } from '../app.js';
import { isWeftError } from '../testing/index.js';
import { Component, type ComponentClass } from './component.js';
import { asciiJson, isPageEventName, MAX_EMITS, MAX_TRIGGER_BYTES, pageEventAttributes, takeEmits, triggerOf } from './emit.js';
import { html } from './html.js';
import { Registry } from './registry.js';
import { Kid, Listener } from '../../test/fixtures/page-events.js';

const SECRET = 'emit-test-secret-0123456789abcdefghijkl';

/** Emits whatever its `send` payload asks, so each test says what is emitted. */
class Sender extends Component<{ sent: number }> {
  static override events = { send: true, sendThenFail: true, nothing: true };
  static override emits = ['ping', 'cart:add', 'other.thing'];
  mount() {
    return { sent: 0 };
  }
  send(p: Record<string, unknown>) {
    this.state.sent++;
    for (const e of (p.emits as [string, Record<string, unknown>, Record<string, string>?][] | undefined) ?? [['ping', { n: 1 }]]) {
      this.emit(e[0], e[1], e[2]);
    }
  }
  sendThenFail() {
    this.emit('ping', { n: 1 });
    throw new Error('failed after emitting');
  }
  nothing() {}
  override render() {
    return html`<p>${this.state.sent}</p>`;
  }
}


function makeApp(): Weft {
  const registry = new Registry();
  registry.register('sender', Sender);
  registry.register('listener', Listener);
  registry.register('kid', Kid);
  return createWeft({
    registry,
    secret: SECRET,
    mode: 'development',
    user: ({ locals }) => (locals as { user?: { id: string } }).user,
    logger: { error() {}, warn() {} },
  });
}

/** A class with the given statics, registered to see what registration says. */
function register(statics: Record<string, unknown>): () => void {
  class Tried extends Component<object> {
    static override events = { hear: true };
    mount() {
      return {};
    }
    hear() {}
    override render() {
      return html``;
    }
  }
  Object.assign(Tried, statics);
  return () => new Registry().register('tried', Tried as unknown as ComponentClass);
}

describe('page event names', () => {
  it('are letters, digits, - _ : . up to 64 characters, and not htmx:… or weft:…', () => {
    for (const name of ['cart-add', 'cart:add', 'a', 'A1_b.c', 'x'.repeat(64)]) assert.ok(isPageEventName(name), name);
    for (const name of ['', 'x'.repeat(65), 'cart add', 'cart/add', 'é', 'htmx:abort', 'weft:error', 1, undefined]) {
      assert.ok(!isPageEventName(name), String(name));
    }
  });
});

describe('static emits and static listeners', () => {
  it('are checked when the class is registered', () => {
    register({ emits: ['ping', 'cart:add'], listeners: { ping: 'hear' } })();
    assert.throws(register({ emits: ['bad name'] }), /static emits has "bad name", which is not a page event name/);
    assert.throws(register({ emits: ['htmx:abort'] }), /not a page event name/);
    assert.throws(register({ emits: 'ping' }), /static emits must be an array/);
    assert.throws(register({ listeners: { 'bad name': 'hear' } }), /static listeners has "bad name"/);
    assert.throws(register({ listeners: { ping: 'missing' } }), /listens to "ping" with "missing", which is not one of its declared events/);
    assert.throws(register({ listeners: { ping: 'render' } }), /not one of its declared events/);
    assert.throws(register({ listeners: { ping: 3 } }), /not one of its declared events/);
    assert.throws(register({ listeners: ['hear'] }), /static listeners must map page event names/);
    assert.throws(register({ events: {}, emits: ['ping'] }), /declares static emits but no events/);
  });

  it('put weft-emits and weft-listen on the root, and nothing on others', async () => {
    const weft = makeApp();
    assert.equal(pageEventAttributes(Sender), ' weft-emits="ping cart:add other.thing"');
    assert.equal(pageEventAttributes(Listener), ' weft-emits="ping" weft-listen="ping cart:add"');
    assert.equal(pageEventAttributes(Kid), '');
    assert.match((await weft.render('sender')).html, /^<div id="sender-[^"]+" weft="sender" weft-state="[^"]+" weft-emits="ping cart:add other\.thing" hx-target="this"/);
    assert.match((await weft.render('listener')).html, / weft-emits="ping" weft-listen="ping cart:add" hx-target/);
    assert.doesNotMatch((await weft.render('kid')).html, /weft-emits|weft-listen/);
  });
});

describe('emit()', () => {
  const instance = async () => {
    const weft = makeApp();
    const { blob } = await weft.render('sender');
    return { weft, blob: blob as string };
  };
  const send = async (emits: unknown[]) => {
    const { weft, blob } = await instance();
    return weft.dispatch({ component: 'sender', state: blob, events: [{ event: 'send', payload: { emits } }], updates: {} });
  };

  it('hands the transport what the handlers emitted, in order, as JSON carries it', async () => {
    const at = new Date(0);
    const rendered = await send([
      ['ping', { n: 1, at }],
      ['cart:add', {}, { to: 'listener' }],
      ['ping', { n: 2 }, { to: '#listener-x1' }],
    ]);
    assert.deepEqual(rendered.emits, [
      { name: 'ping', payload: { n: 1, at: '1970-01-01T00:00:00.000Z' } },
      { name: 'cart:add', payload: {}, to: 'listener' },
      { name: 'ping', payload: { n: 2 }, to: '#listener-x1' },
    ]);
    assert.deepEqual(triggerOf(rendered.emits ?? []), { ping: { n: 2 }, 'cart:add': {} }, 'the last payload of a name wins in the header');
  });

  it('hands over nothing when no handler emitted, or when a handler failed after emitting', async () => {
    const { weft, blob } = await instance();
    const rendered = await weft.dispatch({ component: 'sender', state: blob, events: [{ event: 'nothing', payload: {} }], updates: {} });
    assert.equal(rendered.emits, undefined);
    await assert.rejects(
      weft.dispatch({ component: 'sender', state: blob, events: [{ event: 'sendThenFail', payload: {} }], updates: {} }),
      isWeftError(500, 'handler_error'),
    );
  });

  it('refuses what the class does not declare, malformed options and payloads, and too much', async () => {
    const refused = async (emits: unknown[], message: RegExp) => {
      await assert.rejects(send(emits), (err: unknown) => {
        isWeftError(500, 'handler_error')(err);
        assert.match((err as Error).message, message);
        return true;
      });
    };
    await refused([['pong', {}]], /emits "pong" but does not declare it/);
    await refused([['bad name', {}]], /is not a page event name/);
    await refused([['ping', [1]]], /must be a plain object/);
    await refused([['ping', { target: '#x' }]], /may not have a "target" key/);
    await refused([['ping', {}, { to: 'Not A Name' }]], /"to" must be a component name or "#<root id>"/);
    await refused([['ping', {}, { to: '#' }]], /"to" must be/);
    await refused([['ping', { big: 1n }]], /cannot be sent as JSON/);
    await refused(Array.from({ length: MAX_EMITS + 1 }, () => ['ping', {}]), /more than 16 page events/);
    await refused([['ping', { text: 'é'.repeat(MAX_TRIGGER_BYTES / 6) }]], /at most 4096 bytes/);
    // Exactly at the limits is fine.
    assert.equal((await send(Array.from({ length: MAX_EMITS }, () => ['ping', {}]))).emits?.length, MAX_EMITS);
  });

  it('refuses a payload that is not an object once it has been through JSON', async () => {
    const { weft } = await instance();
    const sender = new Sender({ name: 'sender', id: 'sender-1', params: {} as never, context: { locals: {} }, endpoint: '/', runtime: weft });
    assert.throws(() => sender.emit('ping', new Date(0) as unknown as Record<string, unknown>), /must be a plain object/);
    sender.emit('ping');
    assert.deepEqual(takeEmits(sender), [{ name: 'ping', payload: {} }]);
    assert.deepEqual(takeEmits(sender), [], 'taken once');
  });
});

describe('asciiJson', () => {
  it('escapes every character past ASCII, so the text can be a header value', () => {
    assert.equal(asciiJson({ w: 'café ✓ 😀', n: 1 }), '{"w":"caf\\u00e9 \\u2713 \\ud83d\\ude00","n":1}');
    assert.deepEqual(JSON.parse(asciiJson({ w: 'café ✓ 😀\u007f' })), { w: 'café ✓ 😀\u007f' });
    assert.equal(asciiJson({ plain: 'text' }), '{"plain":"text"}');
  });
});
