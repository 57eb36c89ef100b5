/**
 * @module
 * Method decorators for an event's own policies, the same as writing them in
 * `static eventPolicies`. They work with standard (TC39) decorators and with
 * `experimentalDecorators`.
 *
 * @example
 * class Cart extends Component<State> {
 *   static events = { checkout: true };
 *   @requires(IsAuthenticated)
 *   @rateLimit('5/second')
 *   async checkout() { … }
 * }
 */
import { EVENT_POLICY, type EventPolicy, type Permission, type RateLimitOption } from '../core/policy.js';
import { checkPermissions } from './permissions.js';
import { parseRateLimit } from './stages.js';

/** A decorator for an event handler method. */
export interface HandlerDecorator {
  <F extends (...args: never[]) => unknown>(value: F, context: ClassMethodDecoratorContext): F;
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

function decorator(name: string, update: (policy: EventPolicy) => EventPolicy): HandlerDecorator {
  return ((...args: unknown[]) => {
    // experimentalDecorators pass (prototype, key, descriptor); standard ones (method, context).
    const legacy = args.length === 3;
    const method = legacy ? (args[2] as PropertyDescriptor | undefined)?.value : args[0];
    if (typeof method !== 'function') throw new TypeError(`@${name}() decorates event handler methods only`);
    const target = method as { [EVENT_POLICY]?: EventPolicy };
    target[EVENT_POLICY] = update(target[EVENT_POLICY] ?? {});
    return legacy ? args[2] : method;
  }) as HandlerDecorator;
}

/** The event needs every one of `permissions`, besides the component's own. */
export function requires(...permissions: readonly Permission[]): HandlerDecorator {
  checkPermissions(permissions, '@requires()');
  return decorator('requires', (policy) => ({ ...policy, permissions: [...(policy.permissions ?? []), ...permissions] }));
}

/**
 * Limits how often a client may send this event: `"5/second"`, or
 * `{ rate, key }`. A malformed rate throws here, when the class is defined.
 */
export function rateLimit(option: RateLimitOption): HandlerDecorator {
  parseRateLimit(option, '@rateLimit()');
  return decorator('rateLimit', (policy) => ({ ...policy, rateLimit: option }));
}
