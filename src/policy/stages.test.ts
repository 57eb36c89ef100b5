import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Component, type ComponentClass, fullContext, type RequestInfo } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import type { CurrentUser, Door, Permission, PolicyContext, StageInput } from '../core/policy.js';
import { isWeftError } from '../testing/index.js';
import { rateLimit, requires } from './decorators.js';
import { hasRole, IsAuthenticated, IsStaff, permission } from './permissions.js';
import type { Rate } from './rate-limit/rate.js';
import { createMemoryRateLimitStore, type RateLimitStore } from './rate-limit/store.js';
import { checkComponentPolicies, createPolicyStages, eventPolicy, parseRateLimit } from './stages.js';

const asClass = (type: unknown): ComponentClass => type as ComponentClass;

class Base extends Component<{ n: number }> {
  static override events = { open: true, refund: true, note: true };
  mount() {
    return { n: 0 };
  }
  open(): void {}
  refund(): void {}
  note(): void {}
}

describe('eventPolicy()', () => {
  it('reads static eventPolicies, the decorators, or both merged', () => {
    const Managed = asClass(
      class extends Base {
        static override eventPolicies = { refund: { permissions: [IsAuthenticated], rateLimit: '9/minute' }, open: { rateLimit: '1/second' } };
        @requires(IsStaff)
        @rateLimit('2/second')
        override refund(): void {}
        @requires(hasRole('clerk'))
        override note(): void {}
      },
    );
    // Both: permissions add up (static first), the decorator's rate wins.
    assert.deepEqual(eventPolicy(Managed, 'refund'), { permissions: [IsAuthenticated, IsStaff], rateLimit: '2/second' });
    assert.deepEqual(eventPolicy(Managed, 'open'), { rateLimit: '1/second' }, 'static only');
    assert.equal(eventPolicy(Managed, 'note')?.permissions?.[0]?.name, 'hasRole(clerk)', 'decorator only');
  });

  it('keeps the static rate when the decorators set none', () => {
    const Mixed = asClass(
      class extends Base {
        static override eventPolicies = { refund: { rateLimit: '9/minute' } };
        @requires(IsStaff)
        override refund(): void {}
      },
    );
    assert.deepEqual(eventPolicy(Mixed, 'refund'), { permissions: [IsStaff], rateLimit: '9/minute' });
  });

  it('has nothing for an event that is not declared, or is reserved', () => {
    const Plain = asClass(Base);
    assert.equal(eventPolicy(Plain, 'open'), undefined);
    assert.equal(eventPolicy(Plain, 'nope'), undefined);
    assert.equal(eventPolicy(Plain, 'constructor'), undefined);
    assert.equal(eventPolicy(Plain, '__proto__'), undefined);
    assert.equal(eventPolicy(Plain, 'toString'), undefined);
  });

  it('does not read an eventPolicies entry inherited through the prototype chain of the object', () => {
    const Sneaky = asClass(
      class extends Base {
        static override eventPolicies = Object.create({ refund: { permissions: [IsStaff] } }) as Record<string, never>;
      },
    );
    assert.equal(eventPolicy(Sneaky, 'refund'), undefined);
  });
});

describe('checkComponentPolicies()', () => {
  const check = (type: unknown): void => checkComponentPolicies('till', asClass(type));

  it('accepts well-formed policies', () => {
    check(
      class extends Base {
        static override permissions = [IsAuthenticated];
        static override rateLimit = { rate: '3/second', key: () => 'k' };
        static override eventPolicies = { refund: { permissions: [IsStaff], rateLimit: '1/minute' } };
      },
    );
  });

  it('names the place of a malformed permission list', () => {
    assert.throws(() => check(class extends Base { static override permissions = IsAuthenticated as never; }), /till: static permissions must be an array/);
    assert.throws(() => check(class extends Base { static override permissions = [IsStaff, 'admin'] as never; }), /till: static permissions\[1\] is not a permission/);
    assert.throws(
      () => check(class extends Base { static override eventPolicies = { refund: { permissions: ['staff'] as never } }; }),
      /till: permissions of event "refund"\[0\] is not a permission/,
    );
  });

  it('names the place of a malformed rate', () => {
    assert.throws(() => check(class extends Base { static override rateLimit = 'fast'; }), /malformed rate limit "fast" in till: static rateLimit/);
    assert.throws(() => check(class extends Base { static override rateLimit = { rate: '1/second', key: 1 } as never; }), /till: static rateLimit\.key must be a function/);
    assert.throws(
      () => check(class extends Base { static override eventPolicies = { open: { rateLimit: '1/eon' } }; }),
      /malformed rate limit "1\/eon" in till: rateLimit of event "open"/,
    );
  });

  it('refuses eventPolicies that name an event the component does not declare', () => {
    assert.throws(
      () => check(class extends Base { static override eventPolicies = { refnud: { permissions: [IsStaff] } }; }),
      /till: static eventPolicies names "refnud", which is not a declared event/,
    );
  });

  it('refuses an eventPolicies entry that is not { permissions?, rateLimit? } (it would protect nothing)', () => {
    assert.throws(
      () => check(class extends Base { static override eventPolicies = { refund: [IsStaff] as never }; }),
      /till: static eventPolicies\.refund must be \{ permissions\?, rateLimit\? \}/,
    );
    assert.throws(
      () => check(class extends Base { static override eventPolicies = { refund: { permission: [IsStaff] } as never }; }),
      /till: static eventPolicies\.refund has an unknown key "permission"/,
    );
    assert.throws(() => check(class extends Base { static override eventPolicies = { refund: null as never }; }), /must be \{ permissions\?, rateLimit\? \}/);
  });
});

describe('parseRateLimit()', () => {
  it('parses text and { rate, key }', () => {
    assert.deepEqual(parseRateLimit('3/second', 'x'), { rate: { points: 3, durationSeconds: 1, text: '3/second' }, key: undefined });
    const key = (): string => 'k';
    assert.equal(parseRateLimit({ rate: '1/day', key }, 'x').key, key);
  });

  it('refuses anything else, naming the place', () => {
    assert.throws(() => parseRateLimit(null as never, 'Cart.rateLimit'), /Cart\.rateLimit must be a rate like "30\/minute"/);
    assert.throws(() => parseRateLimit({ rate: 3 } as never, 'Cart.rateLimit'), /Cart\.rateLimit must be a rate/);
  });
});

/** A store that remembers every key it was asked to count. */
function recordingStore(): RateLimitStore & { keys: string[] } {
  const inner = createMemoryRateLimitStore();
  const keys: string[] = [];
  return {
    keys,
    consume(key: string, rate: Rate) {
      keys.push(key);
      return inner.consume(key, rate);
    },
  };
}

function request(ip = '203.0.113.7'): RequestInfo {
  return { method: 'POST', url: new URL('http://localhost/components/till/'), headers: {}, ip };
}

interface Harness {
  stages: ReturnType<typeof createPolicyStages>;
  store: ReturnType<typeof recordingStore>;
  logged: unknown[];
}

function harness(): Harness {
  const store = recordingStore();
  const logged: unknown[] = [];
  const stages = createPolicyStages({
    store,
    userKey: (user) => (user === undefined || user === null ? undefined : `key-${(user as { id: string }).id}`),
    clientKey: (ip) => `client-${ip}`,
    userError: (err, where) => {
      logged.push(err);
      return new WeftError(500, 'handler_error', `${where} threw`);
    },
  });
  return { stages, store, logged };
}

function input(type: ComponentClass, door: Door, options: { user?: unknown; request?: RequestInfo | null; events?: string[] } = {}): StageInput {
  return {
    door,
    name: 'till',
    type,
    context: fullContext({
      user: options.user as CurrentUser | undefined,
      ...(options.request !== null && { request: options.request ?? request() }),
    }),
    events: options.events?.map((event) => ({ event, payload: {} })),
  };
}

const instance = { params: {}, state: { n: 0 } };

describe('createPolicyStages(): permissions', () => {
  it('refuses an anonymous request with 401 and a user without the role with 403, before the state is read', async () => {
    const { stages } = harness();
    const Staffed = asClass(class extends Base { static override permissions = [IsAuthenticated, IsStaff]; });
    await assert.rejects(stages.request(input(Staffed, 'view')), isWeftError(401, 'unauthenticated'));
    await assert.rejects(stages.request(input(Staffed, 'view', { user: { id: 'a' } })), isWeftError(403, 'forbidden'));
    await stages.request(input(Staffed, 'view', { user: { id: 'a', isStaff: true } }));
  });

  it('runs an event’s own permissions only for that event', async () => {
    const { stages } = harness();
    const Till = asClass(class extends Base { static override eventPolicies = { refund: { permissions: [IsStaff] } }; });
    const user = { id: 'a' };
    await stages.request(input(Till, 'event', { user, events: ['open'] }));
    await stages.request(input(Till, 'view', { user }));
    await assert.rejects(stages.request(input(Till, 'event', { user, events: ['open', 'refund'] })), /event "refund" of component "till" requires IsStaff/);
    // The same check holds for a broadcast that would run the event.
    await assert.rejects(stages.request(input(Till, 'broadcast', { user, events: ['refund'] })), isWeftError(403, 'forbidden'));
  });

  it('gives component-stage permissions the params, state and event', async () => {
    const { stages } = harness();
    const seen: PolicyContext[] = [];
    const spy: Permission = permission('Spy', (ctx) => (seen.push(ctx), ctx.state?.n === 0));
    const Till = asClass(class extends Base { static override permissions = [spy]; static override eventPolicies = { refund: { permissions: [spy] } }; });
    await stages.request(input(Till, 'event', { events: ['refund'] }));
    assert.equal(seen.length, 0, 'a component-stage permission does not run before the state is read');
    await stages.component({ ...input(Till, 'event', { events: ['refund'] }), instance: { params: { p: 1 }, state: { n: 0 } } });
    assert.deepEqual(
      seen.map((c) => [c.event, c.params, c.state]),
      [
        [undefined, { p: 1 }, { n: 0 }],
        ['refund', { p: 1 }, { n: 0 }],
      ],
    );
    await assert.rejects(
      stages.component({ ...input(Till, 'event', { user: { id: 'a' } }), instance: { params: {}, state: { n: 1 } } }),
      isWeftError(403, 'forbidden'),
    );
  });

  it('turns a check that throws into the app’s error (logged); a WeftError passes', async () => {
    const { stages, logged } = harness();
    const boom = new Error('db down');
    const Broken = asClass(class extends Base { static override permissions = [permission('Db', () => { throw boom; }, { stage: 'request' })]; });
    await assert.rejects(stages.request(input(Broken, 'view')), isWeftError(500, 'handler_error'));
    assert.deepEqual(logged, [boom]);
    const Own = asClass(class extends Base { static override permissions = [permission('Own', () => { throw new WeftError(404, 'unknown_component', 'gone'); })]; });
    await assert.rejects(stages.component({ ...input(Own, 'view'), instance }), isWeftError(404, 'unknown_component'));
    assert.equal(logged.length, 1);
  });

  it('checks a class it has not seen on its first use', async () => {
    const { stages } = harness();
    const Late = asClass(class extends Base { static override rateLimit = 'whenever'; });
    await assert.rejects(stages.request(input(Late, 'view')), /malformed rate limit "whenever" in till: static rateLimit/);
  });
});

describe('createPolicyStages(): rate limits', () => {
  const Limited = asClass(class extends Base { static override rateLimit = '2/minute'; static override eventPolicies = { refund: { rateLimit: '1/minute' } }; });

  it('counts events by user, else by client address, and refuses past the limit with 429', async () => {
    const { stages, store } = harness();
    const user = { id: 'ada' };
    await stages.request(input(Limited, 'event', { user, events: ['open'] }));
    await stages.request(input(Limited, 'event', { user, events: ['open'] }));
    await assert.rejects(stages.request(input(Limited, 'event', { user, events: ['open'] })), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limited');
      assert.ok(Number.isInteger(err.details?.retryAfter) && (err.details?.retryAfter as number) >= 1);
      assert.equal(err.headers?.['retry-after'], String(err.details?.retryAfter));
      return true;
    });
    // Another user, and an anonymous client, have their own counters.
    await stages.request(input(Limited, 'event', { user: { id: 'bob' }, events: ['open'] }));
    await stages.request(input(Limited, 'event', { events: ['open'] }));
    assert.deepEqual(store.keys, ['c:till:u:key-ada', 'c:till:u:key-ada', 'c:till:u:key-ada', 'c:till:u:key-bob', 'c:till:ip:client-203.0.113.7']);
  });

  it('counts an event’s own limit apart from the component’s', async () => {
    const { stages, store } = harness();
    await stages.request(input(Limited, 'event', { events: ['refund'] }));
    await assert.rejects(stages.request(input(Limited, 'event', { events: ['refund'] })), isWeftError(429, 'rate_limited'));
    assert.deepEqual(store.keys, ['c:till:ip:client-203.0.113.7', 'e:till.refund:ip:client-203.0.113.7', 'c:till:ip:client-203.0.113.7', 'e:till.refund:ip:client-203.0.113.7']);
  });

  it('counts only events and view loads, not joins, streams or broadcasts', async () => {
    const { stages, store } = harness();
    for (const door of ['join', 'stream', 'broadcast', 'view'] as const) {
      for (let i = 0; i < 5; i++) await stages.request(input(Limited, door, { events: door === 'broadcast' ? ['refund'] : [] }));
    }
    assert.deepEqual(store.keys, [], 'a view counts only its own rateLimit, not the component’s');
    const view = { ...input(Limited, 'view'), view: { pattern: '/till/:id', rateLimit: '1/minute' } };
    await stages.request(view);
    await assert.rejects(stages.request(view), isWeftError(429, 'rate_limited'));
    assert.deepEqual(store.keys, ['v:/till/:id:ip:client-203.0.113.7', 'v:/till/:id:ip:client-203.0.113.7']);
  });

  it('does not count a render the server makes with no request', async () => {
    const { stages, store } = harness();
    for (let i = 0; i < 5; i++) await stages.request(input(Limited, 'event', { request: null, events: ['open'] }));
    assert.deepEqual(store.keys, []);
  });

  it('uses a custom key; a key function returning undefined exempts the request', async () => {
    const { stages, store } = harness();
    const seen: PolicyContext[] = [];
    const Keyed = asClass(
      class extends Base {
        static override rateLimit = {
          rate: '1/minute',
          key: (ctx: PolicyContext) => (seen.push(ctx), (ctx.user as { id?: string } | undefined)?.id === 'admin' ? undefined : 'everyone'),
        };
      },
    );
    for (let i = 0; i < 5; i++) await stages.request(input(Keyed, 'event', { user: { id: 'admin' }, events: ['open'] }));
    assert.deepEqual(store.keys, [], 'exempt requests are not even counted');
    await stages.request(input(Keyed, 'event', { user: { id: 'a' }, events: ['open'] }));
    await assert.rejects(stages.request(input(Keyed, 'event', { user: { id: 'b' }, events: ['open'] })), isWeftError(429, 'rate_limited'));
    assert.deepEqual(store.keys, ['c:till:everyone', 'c:till:everyone']);
    assert.equal(seen[0]?.door, 'event');
  });

  it('turns a key function that throws into the app’s error', async () => {
    const { stages, logged } = harness();
    const Broken = asClass(class extends Base { static override rateLimit = { rate: '1/minute', key: () => { throw new Error('no key'); } }; });
    await assert.rejects(stages.request(input(Broken, 'event', { events: ['open'] })), /till\.rateLimit\.key\(\) threw/);
    assert.equal(logged.length, 1);
  });
});
