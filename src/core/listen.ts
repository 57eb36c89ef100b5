/**
 * @module
 * The listening side of page events (emit.ts has the sending side): which of
 * a root's declared events the emits of a request run, and running a listener
 * root from its state blob exactly as an event request from its own browser.
 * The transports decide where listeners come from (the request's
 * `listeners`, the socket's joined roots) and how their renders travel.
 */
import type { ComponentClass, ComponentContext } from './component.js';
import { type DispatchHost, type EventCall, lookup, openBlob, rebuild, runEvent } from './dispatch.js';
import { type ListenerEntry, type PageEvent, takeEmits } from './emit.js';
import { WeftError } from './errors.js';
import { type Rendered, renderInstance } from './lifecycle.js';

/** Whether page event `event` is for the root `id` of component `name` (its `to`). */
export function isFor(event: PageEvent, name: string, id: string): boolean {
  return event.to === undefined || (event.to.startsWith('#') ? event.to.slice(1) === id : event.to === name);
}

/**
 * The handler calls root `id` of component `name` makes for `events`: one per
 * event it listens to and is meant for, in emit order, each with its own copy
 * of the payload (a handler that changes it cannot change another listener's).
 */
export function listenerCalls(type: ComponentClass, name: string, id: string, events: readonly PageEvent[]): EventCall[] {
  const listeners = type.listeners ?? {};
  const calls: EventCall[] = [];
  for (const event of events) {
    if (!Object.hasOwn(listeners, event.name) || !isFor(event, name, id)) continue;
    calls.push({ event: listeners[event.name] as string, payload: structuredClone(event.payload) });
  }
  return calls;
}

/** Whether root `name` may listen to any of `events` (by name, before `to` is looked at). */
export function listensToAny(type: ComponentClass | undefined, events: readonly PageEvent[]): boolean {
  const listeners = type?.listeners ?? {};
  return events.some((event) => Object.hasOwn(listeners, event.name));
}

/**
 * Runs a listener root from its state blob, exactly as an event request from
 * its own browser would run: the request stage of the policies (door `event`),
 * the blob opened for this request's user, its id checked against the entry,
 * the component stage, each mapped handler with its payload validated, the
 * render. Returns `undefined`, touching nothing, when the root listens to none
 * of `events` (or none is meant for it). Throws what a refused event would;
 * the caller skips that listener and keeps the sender's answer. What the
 * listener emits in turn goes nowhere: page events travel one hop.
 */
export async function runListener(
  host: DispatchHost,
  entry: ListenerEntry,
  events: readonly PageEvent[],
  context: ComponentContext,
): Promise<Rendered | undefined> {
  const type = lookup(host.registry, entry.name);
  const calls = listenerCalls(type, entry.name, entry.id, events);
  if (calls.length === 0) return undefined;
  const ctx = entry.children ? { ...context, kept: entry.children } : context;
  const input = { door: 'event' as const, name: entry.name, type, context: ctx, events: calls };
  await host.policies?.request(input);
  const envelope = openBlob(host, entry.name, entry.state, ctx.user);
  if (envelope.id !== entry.id) {
    // The answer morphs the element with the blob's id: it must be the one named.
    throw new WeftError(400, 'state_component', `state was issued to root "${envelope.id}", not "${entry.id}"`);
  }
  const instance = await rebuild(host, type, envelope, {}, ctx);
  await host.policies?.component({ ...input, instance });
  for (const call of calls) await runEvent(host, instance, call);
  takeEmits(instance);
  return renderInstance(host, instance);
}
