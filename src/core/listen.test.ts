import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft, type Weft } from '../app.js';
import { IsAuthenticated } from '../policy/permissions.js';
import { isWeftError } from '../testing/index.js';
import { Component } from './component.js';
import type { PageEvent } from './emit.js';
import { html } from './html.js';
import { listenerCalls, runListener } from './listen.js';
import { Registry } from './registry.js';
import { Kid, Listener } from '../../test/fixtures/page-events.js';


/** Needs a signed-in user for its mapped event. */
class Guarded extends Component<{ heard: number }> {
  static override events = { hear: true };
  static override listeners = { ping: 'hear' };
  static override eventPolicies = { hear: { permissions: [IsAuthenticated] } };
  mount() {
    return { heard: 0 };
  }
  hear() {
    this.state.heard++;
  }
  override render() {
    return html`${this.state.heard}`;
  }
}

function makeApp(): Weft {
  const registry = new Registry();
  registry.register('listener', Listener);
  registry.register('kid', Kid);
  registry.register('guarded', Guarded);
  return createWeft({
    registry,
    secret: 'listen-test-secret-0123456789abcdefghijk',
    mode: 'development',
    user: ({ locals }) => (locals as { user?: { id: string } }).user,
    logger: { error() {}, warn() {} },
  });
}

describe('listeners', () => {
  const events: PageEvent[] = [
    { name: 'ping', payload: { n: 1 } },
    { name: 'cart:add', payload: { id: 7 }, to: 'listener' },
    { name: 'ping', payload: { n: 2 }, to: '#listener-b' },
    { name: 'ping', payload: { n: 3 }, to: 'sender' },
    { name: 'other.thing', payload: {} },
  ];

  it('run the event each page event maps to, when it is meant for them, each with its own payload', () => {
    const a = listenerCalls(Listener, 'listener', 'listener-a', events);
    assert.deepEqual(a, [
      { event: 'hear', payload: { n: 1 } },
      { event: 'add', payload: { id: 7 } },
    ]);
    assert.deepEqual(listenerCalls(Listener, 'listener', 'listener-b', events).map((c) => c.payload), [{ n: 1 }, { id: 7 }, { n: 2 }]);
    assert.notEqual(a[0]?.payload, events[0]?.payload, 'a copy');
    assert.deepEqual(listenerCalls(Kid, 'kid', 'kid-1', events), []);
  });

  it('run from their blob like a browser event, and what they emit goes nowhere', async () => {
    const weft = makeApp();
    const listener = await weft.render('listener');
    const entry = { id: listener.id, name: 'listener', state: listener.blob as string };
    const out = await runListener(weft, entry, events, { locals: {} });
    assert.ok(out);
    assert.match(out.html, /<p class="heard">1,-1<\/p>/);
    assert.equal(out.emits, undefined);
    assert.deepEqual(events[1]?.payload, { id: 7 }, 'the handler changed its own copy only');
    // Not listening to any of them: untouched, not even opened.
    assert.equal(await runListener(weft, { ...entry, state: 'not a blob' }, [{ name: 'other.thing', payload: {} }], { locals: {} }), undefined);
    assert.equal(await runListener(weft, entry, [{ name: 'ping', payload: {}, to: 'sender' }], { locals: {} }), undefined);
  });

  it('are refused like a browser event: payload schema, blob, id, user, policies', async () => {
    const weft = makeApp();
    const listener = await weft.render('listener');
    const entry = { id: listener.id, name: 'listener', state: listener.blob as string };
    const ping = [{ name: 'ping', payload: { n: 'x' } }];
    await assert.rejects(runListener(weft, entry, ping, { locals: {} }), isWeftError(422, 'invalid_payload'));
    const ok = [{ name: 'ping', payload: { n: 1 } }];
    const [v, body, sig] = entry.state.split('.') as [string, string, string];
    const forged = `${v}.${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}.${sig}`;
    await assert.rejects(runListener(weft, { ...entry, state: forged }, ok, { locals: {} }), isWeftError(400, 'state_signature'));
    await assert.rejects(runListener(weft, { ...entry, id: 'listener-zz' }, ok, { locals: {} }), isWeftError(400, 'state_component'));
    await assert.rejects(runListener(weft, { ...entry, name: 'nope' }, ok, { locals: {} }), isWeftError(404, 'unknown_component'));
    // A blob issued to one user is refused for another, and for no user.
    const alice = { locals: {}, user: { id: 'alice' } };
    const mine = await weft.render('listener', {}, alice);
    const minEntry = { id: mine.id, name: 'listener', state: mine.blob as string };
    assert.ok(await runListener(weft, minEntry, ok, alice));
    await assert.rejects(runListener(weft, minEntry, ok, { locals: {}, user: { id: 'bob' } }), isWeftError(403, 'state_user'));
    await assert.rejects(runListener(weft, minEntry, ok, { locals: {} }), isWeftError(401, 'unauthenticated'));
    // The mapped event's own policies hold.
    const guarded = await weft.render('guarded');
    const guardedEntry = { id: guarded.id, name: 'guarded', state: guarded.blob as string };
    await assert.rejects(runListener(weft, guardedEntry, ok, { locals: {} }), isWeftError(401, 'unauthenticated'));
  });

  it('send placeholders for the children the page says it shows', async () => {
    const weft = makeApp();
    const { blob: first } = await weft.render('listener');
    // A listener that shows a child: its blob, signed as a render would sign it.
    const envelope = weft.codec.decode<Record<string, unknown>, object>(first, 'listener');
    const blob = weft.codec.encode('listener', envelope.id, { ...envelope.state, kids: true }, envelope.params, Date.now(), {});
    const full = await runListener(weft, { id: envelope.id, name: 'listener', state: blob }, [{ name: 'cart:add', payload: {} }], { locals: {} });
    const digest = /weft-child="([^"]+)"/.exec(full?.html ?? '')?.[1] as string;
    assert.match(full?.html ?? '', /weft="kid" weft-state=/);
    const kept = await runListener(weft, { id: envelope.id, name: 'listener', state: blob, children: { [`${envelope.id}-k`]: digest } }, [{ name: 'cart:add', payload: {} }], {
      locals: {},
    });
    assert.match(kept?.html ?? '', new RegExp(`<div id="${envelope.id}-k" weft="kid" weft-child="${digest}"></div>`));
  });
});
