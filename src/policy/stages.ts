/**
 * @module
 * The policy stages of the one event path: permissions and rate limits, run the
 * same way whichever door a request came in by (HTTP event, view, WebSocket join
 * or event, SSE stream, broadcast delivery). The app builds one of these and the
 * core calls it (core/policy.ts says when).
 */
import { type ComponentClass, isDeclaredEvent } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import {
  EVENT_POLICY,
  type EventPolicy,
  type Permission,
  type PolicyContext,
  type PolicyStages,
  type RateLimitOption,
  type StageInput,
} from '../core/policy.js';
import { checkPermissions, enforce } from './permissions.js';
import { parseRate, type Rate } from './rate-limit/rate.js';
import { rateLimitedError } from './rate-limit/error.js';
import type { RateLimitStore } from './rate-limit/store.js';

export interface PolicyStagesOptions {
  /** Where rate-limit counters live (memory, or Redis to share them between processes). */
  store: RateLimitStore;
  /** The key a user is counted and bound by; `undefined` for anonymous. */
  userKey(user: unknown): string | undefined;
  /** The throttle key of a client address (an IPv6 /64 counts as one client). */
  clientKey(ip: string): string;
  /** Turns an unexpected error from a user-written check into a WeftError (logged). */
  userError(err: unknown, where: string): WeftError;
}

interface ParsedLimit {
  rate: Rate;
  key: ((context: PolicyContext) => string | undefined) | undefined;
}

/** A rate-limit option, parsed and checked; throws at start-up for a malformed one. */
export function parseRateLimit(option: RateLimitOption, where: string): ParsedLimit {
  if (typeof option === 'string') return { rate: parseRate(option, where), key: undefined };
  if (typeof option !== 'object' || option === null || typeof option.rate !== 'string') {
    throw new TypeError(`${where} must be a rate like "30/minute" or { rate: "30/minute", key(context) { … } }`);
  }
  if (option.key !== undefined && typeof option.key !== 'function') throw new TypeError(`${where}.key must be a function`);
  return { rate: parseRate(option.rate, where), key: option.key };
}

/** An event's own policies: the decorators' (on the handler) merged with `static eventPolicies`. */
export function eventPolicy(type: ComponentClass, event: string): EventPolicy | undefined {
  if (!isDeclaredEvent(type, event)) return undefined;
  const handler = (type.prototype as unknown as Record<string, unknown>)[event] as { [EVENT_POLICY]?: EventPolicy };
  const fromDecorators = handler[EVENT_POLICY];
  const fromStatic = Object.hasOwn(type.eventPolicies ?? {}, event) ? type.eventPolicies[event] : undefined;
  if (!fromDecorators) return fromStatic;
  if (!fromStatic) return fromDecorators;
  return {
    permissions: [...(fromStatic.permissions ?? []), ...(fromDecorators.permissions ?? [])],
    rateLimit: fromDecorators.rateLimit ?? fromStatic.rateLimit,
  };
}

/**
 * Checks every policy a component declares (permissions, rates, per-event
 * policies), so a malformed one fails when the app starts, with its place named.
 */
export function checkComponentPolicies(name: string, type: ComponentClass): void {
  checkPermissions(type.permissions, `${name}: static permissions`);
  if (type.rateLimit !== undefined) parseRateLimit(type.rateLimit, `${name}: static rateLimit`);
  for (const event of Object.keys(type.events)) {
    const policy = eventPolicy(type, event);
    if (!policy) continue;
    checkPermissions(policy.permissions, `${name}: permissions of event "${event}"`);
    if (policy.rateLimit !== undefined) parseRateLimit(policy.rateLimit, `${name}: rateLimit of event "${event}"`);
  }
  const declared = type.eventPolicies ?? {};
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) {
    throw new TypeError(`${name}: static eventPolicies must be an object of event name → { permissions?, rateLimit? }`);
  }
  for (const [event, policy] of Object.entries(declared)) {
    if (!Object.hasOwn(type.events, event)) {
      throw new Error(`${name}: static eventPolicies names "${event}", which is not a declared event`);
    }
    checkEventPolicyShape(policy, `${name}: static eventPolicies.${event}`);
  }
}

const EVENT_POLICY_KEYS: ReadonlySet<string> = new Set(['permissions', 'rateLimit']);

/**
 * An entry written `{ refund: [IsStaff] }` or `{ refund: { permission: [...] } }`
 * would otherwise be read as "no permissions" and leave the event open.
 */
function checkEventPolicyShape(policy: unknown, where: string): void {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw new TypeError(`${where} must be { permissions?, rateLimit? }`);
  }
  for (const key of Object.keys(policy)) {
    if (!EVENT_POLICY_KEYS.has(key)) throw new TypeError(`${where} has an unknown key ${JSON.stringify(key)} (use permissions or rateLimit)`);
  }
}

export function createPolicyStages(options: PolicyStagesOptions): PolicyStages {
  const parsed = new WeakMap<object, ParsedLimit>();
  const parsedText = new Map<string, ParsedLimit>();
  const checked = new WeakSet<ComponentClass>();

  function limitOf(option: RateLimitOption, where: string): ParsedLimit {
    if (typeof option === 'string') {
      let found = parsedText.get(option);
      if (!found) parsedText.set(option, (found = parseRateLimit(option, where)));
      return found;
    }
    let found = parsed.get(option);
    if (!found) parsed.set(option, (found = parseRateLimit(option, where)));
    return found;
  }

  function baseContext(input: StageInput): PolicyContext {
    return {
      door: input.door,
      name: input.name,
      type: input.type,
      user: input.context.user,
      request: input.context.request,
      context: input.context,
    };
  }

  /** Counts one request against `option` in `scope`; refuses with 429 past the limit. */
  async function consume(scope: string, option: RateLimitOption, ctx: PolicyContext, where: string): Promise<void> {
    const limit = limitOf(option, where);
    let who: string | undefined;
    if (limit.key) {
      try {
        who = limit.key(ctx);
      } catch (err) {
        throw options.userError(err, `${where}.key()`);
      }
      if (who === undefined) return;
    } else {
      const user = options.userKey(ctx.user);
      if (user !== undefined) who = `u:${user}`;
      // A render the server makes on its own (no request) is not a client to count.
      else if (ctx.request) who = `ip:${options.clientKey(ctx.request.ip)}`;
      else return;
    }
    const decision = await options.store.consume(`${scope}:${who}`, limit.rate);
    if (!decision.allowed) throw rateLimitedError(decision.retryAfterSeconds, where);
  }

  async function run(permissions: readonly Permission[], stage: 'request' | 'component', ctx: PolicyContext): Promise<void> {
    try {
      await enforce(permissions, stage, ctx);
    } catch (err) {
      if (err instanceof WeftError) throw err;
      throw options.userError(err, `a permission of ${ctx.name}`);
    }
  }

  /** Classes whose events declare no policy of their own (the common case), found once. */
  const noEventPolicies = new WeakMap<ComponentClass, boolean>();

  /**
   * Whether nothing applies to this pass: no permission on the class or its
   * events, and no rate limit for this door. A broadcast to ten thousand roots
   * then costs each no stage at all.
   */
  function declaresNothing(input: StageInput): boolean {
    const { type } = input;
    if ((type.permissions ?? []).length > 0) return false;
    if (input.door === 'event' && type.rateLimit !== undefined) return false;
    if (input.door === 'view' && input.view?.rateLimit !== undefined) return false;
    let none = noEventPolicies.get(type);
    if (none === undefined) {
      none = Object.keys(type.events).every((event) => eventPolicy(type, event) === undefined);
      noEventPolicies.set(type, none);
    }
    return none;
  }

  function checkOnce(input: StageInput): void {
    // Classes registered after the app was created are checked on first use.
    if (checked.has(input.type)) return;
    checkComponentPolicies(input.name, input.type);
    checked.add(input.type);
  }

  return {
    idle(input) {
      checkOnce(input);
      return declaresNothing(input);
    },
    async request(input) {
      checkOnce(input);
      if (declaresNothing(input)) return;
      const ctx = baseContext(input);
      await run(input.type.permissions ?? [], 'request', ctx);
      for (const call of input.events ?? []) {
        const policy = eventPolicy(input.type, call.event);
        if (policy?.permissions) await run(policy.permissions, 'request', { ...ctx, event: call.event, payload: call.payload });
      }
      // Rate limits count what a client asks for: its events and its page loads,
      // not what the server pushes to it.
      if (input.door === 'event') {
        if (input.type.rateLimit !== undefined) await consume(`c:${input.name}`, input.type.rateLimit, ctx, `${input.name}.rateLimit`);
        for (const call of input.events ?? []) {
          const policy = eventPolicy(input.type, call.event);
          if (policy?.rateLimit !== undefined) {
            await consume(`e:${input.name}.${call.event}`, policy.rateLimit, { ...ctx, event: call.event, payload: call.payload }, `${input.name}.${call.event}`);
          }
        }
      }
      if (input.door === 'view' && input.view?.rateLimit !== undefined) {
        await consume(`v:${input.view.pattern}`, input.view.rateLimit, ctx, `view ${input.view.pattern}`);
      }
    },
    async component(input) {
      if (declaresNothing(input)) return;
      const ctx: PolicyContext = {
        ...baseContext(input),
        params: input.instance.params as Record<string, unknown>,
        state: input.instance.state as Record<string, unknown>,
      };
      await run(input.type.permissions ?? [], 'component', ctx);
      for (const call of input.events ?? []) {
        const policy = eventPolicy(input.type, call.event);
        if (policy?.permissions) await run(policy.permissions, 'component', { ...ctx, event: call.event, payload: call.payload });
      }
    },
  };
}
