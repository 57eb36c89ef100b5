import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Component } from '../core/component.js';
import { EVENT_POLICY, type EventPolicy } from '../core/policy.js';
import { rateLimit, requires } from './decorators.js';
import { hasRole, IsAuthenticated, IsStaff } from './permissions.js';
import { eventPolicy } from './stages.js';

const policyOf = (fn: unknown): EventPolicy | undefined => (fn as { [EVENT_POLICY]?: EventPolicy })[EVENT_POLICY];

/** What a TC39 decorator is given besides the method; the decorators read none of it. */
function standardContext(name: string): ClassMethodDecoratorContext {
  return {
    kind: 'method',
    name,
    static: false,
    private: false,
    access: { has: () => true, get: () => undefined },
    addInitializer: () => {},
    metadata: {},
  } as unknown as ClassMethodDecoratorContext;
}

describe('@requires() and @rateLimit() called as standard decorators', () => {
  it('return the method itself, with its policies on it', () => {
    function refund(): void {}
    const returned = requires(IsStaff)(refund, standardContext('refund'));
    assert.equal(returned, refund);
    assert.deepEqual(policyOf(refund), { permissions: [IsStaff] });
  });

  it('add up when stacked, the inner decorator first', () => {
    function checkout(): void {}
    // `@requires(IsAuthenticated) @rateLimit('5/second') @requires(IsStaff)` applies bottom-up.
    requires(IsStaff)(checkout, standardContext('checkout'));
    rateLimit('5/second')(checkout, standardContext('checkout'));
    requires(IsAuthenticated)(checkout, standardContext('checkout'));
    assert.deepEqual(policyOf(checkout), { permissions: [IsStaff, IsAuthenticated], rateLimit: '5/second' });
  });

  it('work as written in a class (the syntax the docs show)', () => {
    class Till extends Component<{ n: number }> {
      static override events = { refund: true, open: true };
      mount() {
        return { n: 0 };
      }
      @requires(hasRole('manager'))
      @rateLimit({ rate: '2/minute', key: () => 'shared' })
      refund(): void {}
      open(): void {}
    }
    const policy = eventPolicy(Till as never, 'refund');
    assert.equal(policy?.permissions?.[0]?.name, 'hasRole(manager)');
    assert.equal((policy?.rateLimit as { rate: string }).rate, '2/minute');
    assert.equal(eventPolicy(Till as never, 'open'), undefined, 'an undecorated event has no policy of its own');
  });
});

describe('@requires() and @rateLimit() called as legacy (experimentalDecorators) decorators', () => {
  it('return the descriptor and mark its method', () => {
    const proto = {};
    function refund(): void {}
    const descriptor: PropertyDescriptor = { value: refund, writable: true, enumerable: false, configurable: true };
    const returned = requires(IsStaff)(proto, 'refund', descriptor);
    assert.equal(returned, descriptor);
    assert.equal(returned.value, refund);
    rateLimit('10/hour')(proto, 'refund', descriptor);
    assert.deepEqual(policyOf(refund), { permissions: [IsStaff], rateLimit: '10/hour' });
  });

  it('refuse what is not a method (a getter, a field)', () => {
    const getter: PropertyDescriptor = { get: () => 1, configurable: true };
    assert.throws(() => requires(IsStaff)({}, 'total', getter), /@requires\(\) decorates event handler methods only/);
    assert.throws(() => rateLimit('1/second')({}, 'total', undefined as never), /@rateLimit\(\) decorates event handler methods only/);
    assert.throws(() => requires(IsStaff)(undefined as never, standardContext('x')), /@requires\(\) decorates event handler methods only/);
  });
});

describe('checks made when the decorator is written', () => {
  it('a malformed rate throws at decoration, naming the decorator', () => {
    assert.throws(() => rateLimit('5 per second'), /malformed rate limit "5 per second" in @rateLimit\(\)/);
    assert.throws(() => rateLimit('0/second'), /malformed rate limit/);
    assert.throws(() => rateLimit('5/fortnight'), /malformed rate limit/);
    assert.throws(() => rateLimit({ rate: 'often' }), /malformed rate limit "often"/);
    assert.throws(() => rateLimit({ rate: '5/second', key: 'user' as never }), /@rateLimit\(\)\.key must be a function/);
    assert.throws(() => rateLimit(5 as never), /must be a rate like "30\/minute"/);
  });

  it('a permission that is not one throws at decoration', () => {
    assert.throws(() => requires('IsStaff' as never), /@requires\(\)\[0\] is not a permission/);
    assert.throws(() => requires(IsStaff, {} as never), /@requires\(\)\[1\] is not a permission/);
  });

  it('a class with a malformed decorator never gets defined', () => {
    assert.throws(() => {
      class Bad extends Component<object> {
        static override events = { go: true };
        mount() {
          return {};
        }
        @rateLimit('lots')
        go(): void {}
      }
      return Bad;
    }, /malformed rate limit "lots"/);
  });
});
