/**
 * @module
 * The single event path: verify the state blob, rebuild the instance, apply
 * browser updates, hydrate, run the declared handlers, render. Transports parse
 * their own framing into an {@link EventRequest} and call {@link dispatch}.
 */
import { type ComponentClass, type ComponentContext, isDeclaredEvent } from './component.js';
import { WeftError } from './errors.js';
import { isPlainObject } from './json.js';
import { type AnyComponent, instantiate, type LifecycleHost, type Rendered, renderInstance, setDigest } from './lifecycle.js';
import type { Registry } from './registry.js';
import { validate } from './schema.js';
import type { Envelope } from './state-codec.js';
import { applyUpdates } from './updates.js';
import { setSeqs } from './live.js';
import { setSlots, slotsFromSpec } from './slots.js';
import type { PolicyStages } from './policy.js';
import { type ListenerEntry, takeEmits } from './emit.js';

/** One event: a declared handler name and its payload. */
export interface EventCall {
  event: string;
  payload: Record<string, unknown>;
}

/** A transport-neutral event request (docs/protocol.md, "Event request"). */
export interface EventRequest {
  component: string;
  state: unknown;
  events: EventCall[];
  updates: Record<string, unknown>;
  /** Children the browser shows inside this component: id → `weft-child` digest. */
  children?: Readonly<Record<string, string>> | undefined;
  /** Other roots on the page that may listen to what the handlers emit (docs/protocol.md, P3.12). */
  listeners?: readonly ListenerEntry[] | undefined;
  /** The component assets the page has (their hashes): a response brings only the others. */
  assets?: readonly string[] | undefined;
}

export interface DispatchHost extends LifecycleHost {
  readonly registry: Registry;
  /** The app's policies (permissions, rate limits), run before and after the state is read. */
  readonly policies?: PolicyStages | undefined;
}

/** The refusal for a request that needs a user and has none (the text htmx apps look for). */
export function authenticationRequired(): WeftError {
  return new WeftError(401, 'unauthenticated', 'Authentication required');
}

export function lookup(registry: Registry, name: string): ComponentClass {
  const type = registry.get(name);
  if (!type) throw new WeftError(404, 'unknown_component', `no component named "${name}"`);
  return type;
}

/**
 * Applies browser `updates` to `state` (bound, unlocked fields only, coerced to
 * each field's type) and checks the result against the class's `stateSchema`;
 * returns the state to use.
 */
export async function updatedState(
  type: ComponentClass,
  name: string,
  state: Record<string, unknown>,
  updates: Record<string, unknown>,
  bound: readonly string[],
): Promise<object> {
  applyUpdates(state, updates, type.locked, bound);
  if (!type.stateSchema || Object.keys(updates).length === 0) return state;
  const result = await validate(type.stateSchema, state);
  if (!result.ok) {
    throw new WeftError(422, 'invalid_update', `state updates for component "${name}" are invalid`, {
      issues: result.issues,
    });
  }
  return result.value as object;
}

/**
 * Verifies a state blob issued to component `name` and opens it. A blob issued
 * to a user is refused for any other user (403 `state_user`) and for an
 * anonymous request (401): replaying someone's blob without their session gets nothing.
 */
export function openBlob(host: DispatchHost, name: string, blob: unknown, user?: unknown): Envelope<Record<string, unknown>, object> {
  const envelope = host.codec.decode<Record<string, unknown>, object>(blob, name);
  if (!isPlainObject(envelope.state)) {
    throw new WeftError(400, 'state_malformed', 'state blob does not hold an object');
  }
  const key = host.userKey?.(user);
  if (envelope.user !== key) {
    if (key === undefined) throw authenticationRequired();
    throw new WeftError(403, 'state_user', 'this state was issued to another user');
  }
  return envelope;
}

/** Rebuilds a component from its verified state blob (no handler has run yet). */
export async function restore(
  host: DispatchHost,
  name: string,
  blob: unknown,
  updates: Record<string, unknown>,
  context: ComponentContext,
): Promise<AnyComponent> {
  const type = lookup(host.registry, name);
  const envelope = openBlob(host, name, blob, context.user);
  return rebuild(host, type, envelope, updates, context);
}

/** Builds an instance from an opened envelope, applies `updates`, and hydrates it. */
export async function rebuild(
  host: DispatchHost,
  type: ComponentClass,
  envelope: Envelope<Record<string, unknown>, object>,
  updates: Record<string, unknown>,
  context: ComponentContext,
): Promise<AnyComponent> {
  const instance = instantiate(host, type, envelope.name, envelope.id, envelope.params, context);
  setDigest(instance, envelope.child);
  setSeqs(instance, envelope.seqs);
  // The fills its last render had, so this render places the same ones.
  setSlots(instance, slotsFromSpec(envelope.slots, (name) => host.registry.get(name)));
  instance.state = await updatedState(type, envelope.name, envelope.state, updates, envelope.bound);
  try {
    await instance.hydrate();
  } catch (err) {
    throw host.userError(err, 'handler_error', `${envelope.name}.hydrate()`);
  }
  return instance;
}

/** Runs one declared handler on `instance`, validating its payload first. */
export async function runEvent(host: DispatchHost, instance: AnyComponent, call: EventCall): Promise<void> {
  const type = instance.constructor as ComponentClass;
  if (typeof call.event !== 'string' || !isDeclaredEvent(type, call.event)) {
    const allowed = Object.keys(type.events);
    throw new WeftError(
      400,
      'unknown_event',
      // The name is the client's: quote at most 64 characters of it back.
      `component "${instance.name}" has no event ${JSON.stringify(call.event.length > 64 ? `${call.event.slice(0, 64)}…` : call.event)}; allowed: ${allowed.join(', ') || '(none)'}`,
      { allowed },
    );
  }
  const spec = type.events[call.event];
  let payload: unknown = call.payload;
  if (typeof spec === 'object' || typeof spec === 'function') {
    const result = await validate(spec, call.payload);
    if (!result.ok) {
      throw new WeftError(422, 'invalid_payload', `invalid payload for event "${call.event}"`, { issues: result.issues });
    }
    payload = result.value;
  }
  const handler = (instance as unknown as Record<string, (p: unknown) => unknown>)[call.event] as (p: unknown) => unknown;
  try {
    await handler.call(instance, payload);
  } catch (err) {
    throw host.userError(err, 'handler_error', `${instance.name}.${call.event}()`);
  }
}

/**
 * Handles an event request end to end and returns the new render: the request
 * stage of the policies, the state, the component stage, the handlers, the render.
 */
export async function dispatch(host: DispatchHost, request: EventRequest, context: ComponentContext): Promise<Rendered> {
  const ctx = request.children ? { ...context, kept: request.children } : context;
  const type = lookup(host.registry, request.component);
  const input = { door: 'event' as const, name: request.component, type, context: ctx, events: request.events };
  // Nothing declared for this class and door: no stage to run (the usual event).
  const policies = host.policies?.idle?.(input) ? undefined : host.policies;
  await policies?.request(input);
  const envelope = openBlob(host, request.component, request.state, ctx.user);
  const instance = await rebuild(host, type, envelope, request.updates, ctx);
  await policies?.component({ ...input, instance });
  for (const call of request.events) await runEvent(host, instance, call);
  const emits = takeEmits(instance);
  const rendered = await renderInstance(host, instance);
  return emits.length > 0 ? { ...rendered, emits } : rendered;
}
