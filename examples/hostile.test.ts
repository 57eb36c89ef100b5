/**
 * Every event of every example, fed payloads a hostile client could send: each
 * must be refused with a 4xx or handled (200), never crash into a 500. Values
 * that are not what the event's schema describes (objects with a `toString`,
 * lists, huge numbers) must be refused before any handler sees them.
 */
import type { IncomingMessage } from 'node:http';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ComponentClass } from 'weft';
import { WeftError } from 'weft';
import { serve } from 'weft/node';
import { TestClient } from 'weft/testing';
import { createExampleApp } from './app.js';
import { MAX_METERS } from './widgets/widgets.js';

const app = createExampleApp({ secret: 'hostile-examples-secret-0123456789abcdef', mode: 'development' });
const { weft } = app;
/** What a request without cookies gets: the shared databases and the guest shopper. */
const locals = app.locals({ headers: {} } as IncomingMessage);
/** A signed-in shopper, so the checkout (which needs one) is attacked too. */
const user = { id: 'hostile' };

/** Params a component needs to mount (the rest mount with none). */
const PARAMS: Record<string, object> = { product: { productId: 1 }, 'contact-rows': { page: 1 } };

/** Every payload key the examples read, and more. */
const KEYS = ['name', 'email', 'plan', 'productId', 'size', 'qty', 'key', 'by', 'page', 'title'];

const VALUES: unknown[] = [
  { toString: 1 },
  { valueOf: 1, toString: 1 },
  { toString: { toString: 1 } },
  [],
  ['M'],
  null,
  true,
  '',
  ' ',
  'x'.repeat(100_000),
  '<script>alert(1)</script>',
  -1,
  0,
  1.5,
  99,
  100,
  1e21,
  -1e308,
  1e308,
  Number.MAX_SAFE_INTEGER,
  '1',
  '__proto__',
  { __proto: { polluted: true } },
];

/** Values that are never a name, an email, a number or a size: the schema must refuse them. */
const NEVER_VALID: unknown[] = [{ toString: 1 }, { valueOf: 1, toString: 1 }, [], ['M'], true];

interface Target {
  name: string;
  events: string[];
}

function statefulExamples(): Target[] {
  return weft.registry
    .names()
    .map((name) => ({ name, events: Object.keys((weft.registry.get(name) as ComponentClass).events) }))
    .filter((t) => t.events.length > 0);
}

async function freshBlob(name: string): Promise<string> {
  const rendered = await weft.render(name, PARAMS[name] ?? {}, { locals, user });
  assert.ok(rendered.blob, `${name} has no state`);
  return rendered.blob;
}

function payloads(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{}];
  for (const key of KEYS) for (const value of VALUES) out.push({ [key]: value });
  for (const value of VALUES) out.push(Object.fromEntries(KEYS.map((k) => [k, value])));
  return out;
}

describe('examples under hostile payloads', () => {
  const targets = statefulExamples();

  it('covers every stateful example', () => {
    assert.deepEqual(targets.map((t) => t.name).sort(), ['board', 'cart', 'checkout', 'counter', 'product', 'room-widget-board', 'signup', 'widget-board']);
  });

  for (const target of targets) {
    for (const event of target.events) {
      it(`${target.name}.${event}: every payload is handled or refused with a 4xx`, async () => {
        const blob = await freshBlob(target.name);
        for (const payload of payloads()) {
          try {
            await weft.dispatch({ component: target.name, state: blob, events: [{ event, payload }], updates: {} }, { locals, user });
          } catch (err) {
            assert.ok(err instanceof WeftError, `${target.name}.${event}(${JSON.stringify(payload).slice(0, 80)}) threw ${String(err)}`);
            assert.ok(err.status >= 400 && err.status < 500, `${target.name}.${event}(${JSON.stringify(payload).slice(0, 80)}) → ${err.status} ${err.code}: ${err.message}`);
          }
        }
      });
    }
  }

  it('runs the same events over and over without a 500 (quantities, counts and lists stay in bounds)', async () => {
    for (const [name, event, payload] of [
      ['cart', 'addItem', { productId: 42, size: 'M' }],
      ['counter', 'add', { by: 100 }],
      ['board', 'addCounter', {}],
      ['widget-board', 'addMeter', {}],
    ] as const) {
      let blob = await freshBlob(name);
      let state: unknown;
      for (let i = 0; i < 150; i++) {
        const rendered = await weft.dispatch({ component: name, state: blob, events: [{ event, payload }], updates: {} }, { locals, user });
        blob = rendered.blob as string;
        state = rendered.state;
      }
      if (name === 'cart') assert.equal((state as { items: { qty: number }[] }).items[0]?.qty, 99);
      if (name === 'widget-board') assert.equal((state as { meters: number }).meters, MAX_METERS);
    }
  });
});

describe('examples over HTTP', () => {
  let client: TestClient;
  before(async () => {
    const server = await serve(weft, { port: 0, hostname: '127.0.0.1', locals: app.locals });
    const { port } = server.address() as AddressInfo;
    // Signed in as the shopper the blobs were issued to: blobs are bound to their user.
    client = new TestClient(`http://127.0.0.1:${port}`, () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }), { headers: { cookie: `user=${user.id}` } });
  });
  after(() => client.close());

  it('signup refuses {"name": {"toString": 1}} with 422 invalid_payload, not 500', async () => {
    const res = await client.fire('signup', await freshBlob('signup'), 'submit', { name: { toString: 1 } });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json?.code, 'invalid_payload');
  });

  for (const [name, event] of [['signup', 'submit'], ['cart', 'addItem'], ['cart', 'setQty'], ['board', 'removeCounter'], ['product', 'selectSize'], ['counter', 'add']] as const) {
    it(`${name}.${event} refuses values no schema should take, with a 422 JSON error`, async () => {
      const blob = await freshBlob(name);
      for (const value of NEVER_VALID) {
        const payload = Object.fromEntries(KEYS.map((k) => [k, value]));
        const res = await client.fire(name, blob, event, payload);
        assert.equal(res.status, 422, `${JSON.stringify(value)}: ${res.text}`);
        assert.equal(res.json?.code, 'invalid_payload');
      }
    });
  }
});
