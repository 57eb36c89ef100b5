import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { z } from 'zod';
import { createWeft, type Weft } from '../app.js';
import { Component } from './component.js';
import type { EventCall } from './dispatch.js';
import { WeftError } from './errors.js';
import { html } from './html.js';
import { Registry } from './registry.js';
import { StateCodec } from './state-codec.js';

const SECRET = 'dispatch-test-secret-0123456789abcdef';

/** What handlers and hooks did, in order. */
let log: string[] = [];

interface CounterState {
  count: number;
  note: string;
  owner: string;
  last: unknown;
}

class Counter extends Component<CounterState> {
  static override events = {
    increment: true,
    add: z.object({ by: z.number().int().max(100) }),
    rename: z.object({ note: z.string().trim() }),
    double: true,
    echo: true,
    slow: true,
    boom: true,
    boomString: true,
    refuse: true,
    grow: true,
    whoami: true,
    check: true,
  };
  static override locked = ['owner'];
  static override stateSchema = z.object({
    count: z.number().int().min(0),
    note: z.string().trim().max(10),
    owner: z.string(),
    last: z.unknown(),
  });

  /** Set by hydrate(); not part of the serialised state. */
  hydrated = false;

  mount(): CounterState {
    log.push('mount');
    return { count: Number((this.params as { start?: number }).start ?? 0), note: '', owner: 'ada', last: null };
  }
  override hydrate(): void {
    log.push(`hydrate:${this.state.note}`);
    this.hydrated = true;
  }
  increment(): void {
    log.push('increment');
    this.state.count++;
  }
  add({ by }: { by: number }): void {
    log.push(`add:${by}`);
    this.state.count += by;
  }
  rename({ note }: { note: string }): void {
    this.state.note = note;
  }
  double(): void {
    log.push('double');
    this.state.count *= 2;
  }
  echo(payload: unknown): void {
    this.state.last = payload;
  }
  async slow(): Promise<void> {
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.state.count += 10;
  }
  boom(): void {
    throw new Error('kaboom: secret detail');
  }
  boomString(): void {
    throw 'plain string thrown';
  }
  refuse(): void {
    throw new WeftError(409, 'bad_request', 'not now', { reason: 'busy' });
  }
  grow(): void {
    this.state.note = 'x'.repeat(10_000);
  }
  whoami(): void {
    this.state.last = this.context.locals.user ?? null;
  }
  check(): void {
    log.push(`check:hydrated=${this.hydrated}`);
  }
  override render() {
    return html`<p class="count">${this.state.count}</p><p class="note">${this.state.note}</p><button ${this.on('increment')}>+</button>`;
  }
}

class Rows extends Component<{ n: number }> {
  static override events = { more: true };
  static override tagName = 'tbody';
  mount() {
    return { n: 1 };
  }
  more(): void {
    this.state.n++;
  }
  override render() {
    return html`<tr><td>${this.state.n}</td></tr>`;
  }
}

class Static extends Component<{ text: string }> {
  mount() {
    return { text: '<static>' };
  }
  override render() {
    return html`<p>${this.state.text}</p>`;
  }
}

class Broken extends Component<{ phase: string }> {
  static override events = { go: true };
  mount() {
    const phase = String((this.params as { fail?: string }).fail ?? '');
    if (phase === 'mount') throw new Error('mount failed');
    if (phase === 'mount-null') return null as unknown as { phase: string };
    return { phase };
  }
  override hydrate(): void {
    if (this.state.phase === 'hydrate') throw new Error('hydrate failed');
  }
  go(): void {}
  override render() {
    if (this.state.phase === 'render') throw new Error('render failed');
    return html`ok`;
  }
}

const registry = new Registry();
registry.register('counter', Counter);
registry.register('rows', Rows);
registry.register('static', Static);
registry.register('broken', Broken);

interface Logged {
  errors: unknown[][];
  warnings: unknown[][];
}

function app(mode: 'production' | 'development', extra: { maxStateBytes?: number; basePath?: string } = {}): Weft & { logged: Logged } {
  const logged: Logged = { errors: [], warnings: [] };
  const weft = createWeft({
    registry,
    secret: SECRET,
    mode,
    logger: {
      error: (...args: unknown[]) => void logged.errors.push(args),
      warn: (...args: unknown[]) => void logged.warnings.push(args),
    },
    ...extra,
  });
  return Object.assign(weft, { logged });
}

function weftError(status: number, code: string, check?: (err: WeftError) => void) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.status, status, `status (${err.code}: ${err.message})`);
    assert.equal(err.code, code);
    check?.(err);
    return true;
  };
}

async function blobOf(weft: Weft, name = 'counter', params: object = {}): Promise<string> {
  const { blob } = await weft.render(name, params);
  assert.ok(blob);
  return blob;
}

/** A fresh counter blob as if its render had bound `note` and `count` to inputs (P3.6). */
async function boundBlob(weft: Weft): Promise<string> {
  const { id, state } = await weft.render('counter');
  return weft.codec.encode('counter', id, state, undefined, Date.now(), { bound: ['count', 'note'] });
}

function fire(weft: Weft, state: unknown, events: EventCall[] | string, updates: Record<string, unknown> = {}, component = 'counter') {
  const calls = typeof events === 'string' ? [{ event: events, payload: {} }] : events;
  return weft.dispatch({ component, state, events: calls, updates });
}

describe('dispatch', () => {
  let dev: ReturnType<typeof app>;
  beforeEach(() => {
    log = [];
    dev = app('development');
  });

  describe('round trip', () => {
    it('mounts, renders a root element and fires events through the blob', async () => {
      const first = await dev.render('counter');
      assert.match(first.id, /^counter-[A-Za-z0-9_-]{8}$/);
      assert.ok(first.blob?.startsWith('v1.'));
      assert.equal(
        first.html,
        `<div id="${first.id}" weft="counter" weft-state="${first.blob}" hx-target="this" hx-swap="morph" hx-ext="weft">` +
          '<p class="count">0</p><p class="note"></p>' +
          '<button hx-post="/components/counter/" hx-vals="{&quot;event&quot;:&quot;increment&quot;}">+</button></div>',
      );
      assert.deepEqual(first.state, { count: 0, note: '', owner: 'ada', last: null });

      const second = await fire(dev, first.blob, 'increment');
      assert.equal(second.id, first.id, 'the id travels in the blob');
      assert.notEqual(second.blob, first.blob);
      assert.deepEqual(second.state, { count: 1, note: '', owner: 'ada', last: null });
      assert.match(second.html, new RegExp(`^<div id="${second.id}" weft="counter" weft-state="${second.blob}"`));
      assert.match(second.html, /<p class="count">1<\/p>/);

      const third = await fire(dev, second.blob, [{ event: 'add', payload: { by: 5 } }]);
      assert.equal((third.state as CounterState).count, 6);
      assert.equal(third.id, first.id);
      assert.deepEqual(log, ['mount', 'hydrate:', 'increment', 'hydrate:', 'add:5']);
    });

    it('keeps params in the blob', async () => {
      const blob = await blobOf(dev, 'counter', { start: 4 });
      const { state } = await fire(dev, blob, 'increment');
      assert.equal((state as CounterState).count, 5);
      assert.deepEqual(dev.codec.decode(blob, 'counter').params, { start: 4 });
    });

    it('wraps in the class tagName', async () => {
      const { html: out, blob } = await dev.render('rows');
      assert.match(out, /^<tbody id="rows-[^"]+" weft="rows" weft-state="[^"]+" hx-target="this" hx-swap="morph" hx-ext="weft"><tr><td>1<\/td><\/tr><\/tbody>$/);
      const next = await fire(dev, blob, 'more', {}, 'rows');
      assert.match(next.html, /^<tbody [^>]*><tr><td>2<\/td><\/tr><\/tbody>$/);
    });

    it('passes the request context to handlers', async () => {
      const blob = await blobOf(dev);
      const { state } = await dev.dispatch({ component: 'counter', state: blob, events: [{ event: 'whoami', payload: {} }], updates: {} }, { locals: { user: 'grace' } });
      assert.equal((state as CounterState).last, 'grace');
    });

    it('gives handlers the configured endpoint', async () => {
      const custom = app('development', { basePath: '/live/' });
      const out = await custom.render('counter');
      assert.equal(custom.endpointFor('counter'), '/live/counter/');
      assert.match(out.html, / hx-post="\/live\/counter\/"/);
      assert.doesNotMatch(out.html, /\/components\//);
    });
  });

  describe('components without events', () => {
    it('render bare, with no root element and no blob', async () => {
      const out = await dev.render('static');
      assert.equal(out.html, '<p>&lt;static&gt;</p>');
      assert.equal(out.blob, undefined);
      assert.doesNotMatch(out.html, /weft-state/);
    });

    it('refuse any event with 400 unknown_event and an empty allowed list', async () => {
      const blob = dev.codec.encode('static', 'static-1', { text: '' });
      await assert.rejects(fire(dev, blob, 'anything', {}, 'static'), weftError(400, 'unknown_event', (err) => {
        assert.deepEqual(err.details, { allowed: [] });
        assert.match(err.message, /\(none\)/);
      }));
    });
  });

  describe('events', () => {
    it('refuses an undeclared event with 400 unknown_event listing the allowed events', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(fire(dev, blob, 'explode'), weftError(400, 'unknown_event', (err) => {
        assert.deepEqual(err.details, { allowed: Object.keys(Counter.events) });
        assert.match(err.message, /no event "explode"; allowed: increment, add/);
      }));
    });

    for (const event of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'mount', 'render', 'hydrate', 'on', 'bind', 'child', 'then', 'templateContext', '', 'add.call', 'a-b']) {
      it(`refuses ${JSON.stringify(event)} as an event with 400 unknown_event`, async () => {
        const blob = await blobOf(dev);
        log = [];
        await assert.rejects(fire(dev, blob, event), weftError(400, 'unknown_event'));
        assert.deepEqual(log, ['hydrate:'], 'no lifecycle method ran as an event');
      });
    }

    it('quotes at most 64 characters of an unknown event name back', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(fire(dev, blob, 'x'.repeat(100_000)), weftError(400, 'unknown_event', (err) => {
        assert.match(err.message, new RegExp(`no event "${'x'.repeat(64)}…"; allowed`));
        assert.ok(!err.message.includes('x'.repeat(65)));
      }));
    });

    it('refuses a non-string event name with 400 unknown_event', async () => {
      const blob = await blobOf(dev);
      const calls = [{ event: 42, payload: {} }] as unknown as EventCall[];
      await assert.rejects(fire(dev, blob, calls), weftError(400, 'unknown_event'));
    });

    it('refuses a payload that fails the schema with 422 invalid_payload and issues', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(fire(dev, blob, [{ event: 'add', payload: { by: 1000 } }]), weftError(422, 'invalid_payload', (err) => {
        const issues = err.details?.issues as { path: string; message: string }[];
        assert.equal(issues.length, 1);
        assert.equal(issues[0]?.path, 'by');
        assert.equal(typeof issues[0]?.message, 'string');
      }));
      await assert.rejects(fire(dev, blob, [{ event: 'add', payload: { by: '2' } }]), weftError(422, 'invalid_payload'));
      await assert.rejects(fire(dev, blob, [{ event: 'add', payload: {} }]), weftError(422, 'invalid_payload'));
      assert.equal(log.filter((l) => l.startsWith('add')).length, 0, 'the handler never ran');
    });

    it('passes the schema output (not the raw payload) to the handler', async () => {
      const blob = await blobOf(dev);
      const { state } = await fire(dev, blob, [{ event: 'rename', payload: { note: '  hi  ' } }]);
      assert.equal((state as CounterState).note, 'hi');
    });

    it('passes the payload as-is for an event declared with true', async () => {
      const blob = await blobOf(dev);
      const { state } = await fire(dev, blob, [{ event: 'echo', payload: { a: [1, 'b'], c: null } }]);
      assert.deepEqual((state as CounterState).last, { a: [1, 'b'], c: null });
    });

    it('awaits an async handler before rendering', async () => {
      const blob = await blobOf(dev);
      const out = await fire(dev, blob, 'slow');
      assert.equal((out.state as CounterState).count, 10);
      assert.match(out.html, /<p class="count">10<\/p>/);
      assert.equal((dev.codec.decode(out.blob, 'counter').state as CounterState).count, 10);
    });

    it('runs hydrate() before the handlers', async () => {
      const blob = await blobOf(dev);
      log = [];
      await fire(dev, blob, 'check');
      assert.deepEqual(log, ['hydrate:', 'check:hydrated=true']);
    });

    it('runs multiple events in order on one instance', async () => {
      const blob = await blobOf(dev);
      log = [];
      const out = await fire(dev, blob, [
        { event: 'add', payload: { by: 2 } },
        { event: 'double', payload: {} },
        { event: 'increment', payload: {} },
      ]);
      assert.equal((out.state as CounterState).count, 5, '(0 + 2) * 2 + 1');
      assert.deepEqual(log, ['hydrate:', 'add:2', 'double', 'increment'], 'hydrated once, handlers in order');
    });

    it('fails the whole request when a later event is refused', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(
        fire(dev, blob, [
          { event: 'increment', payload: {} },
          { event: 'nope', payload: {} },
        ]),
        weftError(400, 'unknown_event'),
      );
    });

    it('renders the state unchanged for an empty event list', async () => {
      const blob = await blobOf(dev);
      const out = await fire(dev, blob, []);
      assert.equal((out.state as CounterState).count, 0);
    });
  });

  describe('handler errors', () => {
    it('turns a thrown Error into 500 handler_error with message and stack in development', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(fire(dev, blob, 'boom'), weftError(500, 'handler_error', (err) => {
        assert.match(err.message, /counter\.boom\(\) threw: kaboom: secret detail/);
        assert.equal(typeof err.details?.stack, 'string');
        assert.match(String(err.details?.stack), /kaboom/);
        assert.ok('stack' in err.toJSON());
      }));
      assert.equal(dev.logged.errors.length, 1);
      assert.match(String(dev.logged.errors[0]?.[0]), /counter\.boom\(\) threw/);
      assert.ok(dev.logged.errors[0]?.[1] instanceof Error);
    });

    it('turns a thrown non-Error into 500 handler_error in development', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(fire(dev, blob, 'boomString'), weftError(500, 'handler_error', (err) => {
        assert.match(err.message, /plain string thrown/);
      }));
    });

    it('hides the message and stack in production but still logs', async () => {
      const prod = app('production');
      const blob = await blobOf(prod);
      await assert.rejects(fire(prod, blob, 'boom'), weftError(500, 'handler_error', (err) => {
        assert.equal(err.message, 'internal error in counter.boom()');
        assert.equal(err.details, undefined);
        const body = JSON.stringify(err.toJSON());
        assert.doesNotMatch(body, /kaboom|secret detail|stack|at /);
        assert.deepEqual(err.toJSON(), { error: 'internal error in counter.boom()', code: 'handler_error' });
      }));
      assert.equal(prod.logged.errors.length, 1, 'the logger was called');
      const logged = prod.logged.errors[0]?.[1];
      assert.ok(logged instanceof Error);
      assert.equal(logged.message, 'kaboom: secret detail', 'the real error is logged');
    });

    it('keeps the status, code and details of a thrown WeftError without logging it', async () => {
      for (const weft of [dev, app('production')]) {
        const blob = await blobOf(weft);
        await assert.rejects(fire(weft, blob, 'refuse'), weftError(409, 'bad_request', (err) => {
          assert.equal(err.message, 'not now');
          assert.deepEqual(err.details, { reason: 'busy' });
        }));
        assert.equal(weft.logged.errors.length, 0);
      }
    });

    it('reports a throwing hydrate() as 500 handler_error', async () => {
      const blob = await blobOf(dev, 'broken', { fail: 'hydrate' });
      await assert.rejects(fire(dev, blob, 'go', {}, 'broken'), weftError(500, 'handler_error', (err) => {
        assert.match(err.message, /broken\.hydrate\(\)/);
      }));
    });

    it('reports a throwing mount() as 500 handler_error', async () => {
      await assert.rejects(dev.render('broken', { fail: 'mount' }), weftError(500, 'handler_error', (err) => {
        assert.match(err.message, /broken\.mount\(\) threw: mount failed/);
      }));
    });

    it('reports a mount() that returns no object as 500 handler_error', async () => {
      await assert.rejects(dev.render('broken', { fail: 'mount-null' }), weftError(500, 'handler_error'));
    });

    it('reports a throwing render() as 500 render_error', async () => {
      await assert.rejects(dev.render('broken', { fail: 'render' }), weftError(500, 'render_error', (err) => {
        assert.match(err.message, /broken\.render\(\) threw: render failed/);
      }));
      const prod = app('production');
      await assert.rejects(prod.render('broken', { fail: 'render' }), weftError(500, 'render_error', (err) => {
        assert.equal(err.message, 'internal error in broken.render()');
      }));
    });
  });

  describe('state blob', () => {
    it('refuses an unknown component with 404 unknown_component', async () => {
      const blob = await blobOf(dev);
      await assert.rejects(fire(dev, blob, 'increment', {}, 'nope'), weftError(404, 'unknown_component'));
    });

    it('refuses a missing blob with 400 state_missing', async () => {
      await assert.rejects(fire(dev, undefined, 'increment'), weftError(400, 'state_missing'));
    });

    it('refuses a tampered blob with 400 state_signature', async () => {
      const [v, , sig] = (await blobOf(dev)).split('.');
      const forged = Buffer.from(JSON.stringify({ n: 'counter', i: 'counter-x', t: Math.floor(Date.now() / 1000), s: { count: 99, note: '', owner: 'eve', last: null } })).toString('base64url');
      await assert.rejects(fire(dev, `${v}.${forged}.${sig}`, 'increment'), weftError(400, 'state_signature'));
    });

    it('refuses a blob from another app secret with 409 state_outdated', async () => {
      const other = new StateCodec({ secrets: ['another-secret-0123456789abcdefghijkl'] });
      await assert.rejects(fire(dev, other.encode('counter', 'counter-1', { count: 0 }), 'increment'), weftError(409, 'state_outdated'));
    });

    it("refuses another component's blob with 400 state_component", async () => {
      const rowsBlob = await blobOf(dev, 'rows');
      await assert.rejects(fire(dev, rowsBlob, 'increment'), weftError(400, 'state_component'));
    });

    it('refuses a blob whose state is not an object with 400 state_malformed', async () => {
      for (const state of [[1, 2], 'text', null, 5]) {
        const blob = dev.codec.encode('counter', 'counter-1', state);
        await assert.rejects(fire(dev, blob, 'increment'), weftError(400, 'state_malformed'));
      }
    });

    it('refuses to sign state a handler grew past the cap with 413 state_too_large', async () => {
      const small = app('development', { maxStateBytes: 1000 });
      const blob = await blobOf(small);
      await assert.rejects(fire(small, blob, 'grow'), weftError(413, 'state_too_large'));
    });
  });

  describe('updates', () => {
    it('applies updates before hydrate() and the handlers', async () => {
      const blob = await boundBlob(dev);
      log = [];
      const out = await fire(dev, blob, 'increment', { note: 'hello', count: '4' });
      assert.deepEqual(log, ['hydrate:hello', 'increment']);
      assert.deepEqual(out.state, { count: 5, note: 'hello', owner: 'ada', last: null });
    });

    it('stores the stateSchema output', async () => {
      const blob = await boundBlob(dev);
      const out = await fire(dev, blob, [], { note: '  padded  ' });
      assert.equal((out.state as CounterState).note, 'padded');
    });

    it('refuses updates that fail the stateSchema with 422 invalid_update and issues', async () => {
      const blob = await boundBlob(dev);
      await assert.rejects(fire(dev, blob, 'increment', { note: 'far too long for ten' }), weftError(422, 'invalid_update', (err) => {
        assert.deepEqual((err.details?.issues as { path: string }[]).map((i) => i.path), ['note']);
      }));
      await assert.rejects(fire(dev, blob, 'increment', { count: -1 }), weftError(422, 'invalid_update', (err) => {
        assert.deepEqual((err.details?.issues as { path: string }[]).map((i) => i.path), ['count']);
      }));
      assert.equal(log.includes('increment'), false);
    });

    it('refuses a locked field with 400 locked_field', async () => {
      const blob = await boundBlob(dev);
      await assert.rejects(fire(dev, blob, 'increment', { owner: 'eve' }), weftError(400, 'locked_field'));
    });

    it('refuses an unknown field with 400 unknown_field', async () => {
      const blob = await boundBlob(dev);
      await assert.rejects(fire(dev, blob, 'increment', { isAdmin: true }), weftError(400, 'unknown_field'));
      const proto = JSON.parse('{"__proto__": {"isAdmin": true}}') as Record<string, unknown>;
      await assert.rejects(fire(dev, blob, 'increment', proto), weftError(400, 'unknown_field'));
    });

    it('refuses a field the render bound to no input with 400 unbound_field, even if unlocked', async () => {
      const bound = await boundBlob(dev);
      await assert.rejects(fire(dev, bound, 'increment', { last: 'x' }), weftError(400, 'unbound_field'));
      // A blob from a render that bound nothing takes no updates at all.
      const unbound = await blobOf(dev);
      await assert.rejects(fire(dev, unbound, 'increment', { note: 'x' }), weftError(400, 'unbound_field'));
      assert.equal((await fire(dev, unbound, 'increment')).state && true, true, 'events without updates still run');
    });

    it('refuses a value of the wrong type with 422 invalid_update', async () => {
      const blob = await boundBlob(dev);
      await assert.rejects(fire(dev, blob, 'increment', { count: { n: 1 } }), weftError(422, 'invalid_update'));
      await assert.rejects(fire(dev, blob, 'increment', { count: [1] }), weftError(422, 'invalid_update'));
    });
  });
});
