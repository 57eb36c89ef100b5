/**
 * @module
 * What the core knows about live components: the groups an instance joins, the
 * message ids its state reflects, and the shape of a group message. Transports
 * (WebSocket, SSE) and the backplane build on these; the core never talks to a
 * socket or to Redis.
 */
import { WeftError } from './errors.js';
import { isPlainObject } from './json.js';

/** Group names: what users write (`cart-42`, `room:lobby`), short enough to be a Redis key part. */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Most groups one component may join; each costs a subscription per page. */
export const MAX_GROUPS = 16;

/** The backplane topic a group's messages travel on. */
export function groupTopic(group: string): string {
  return `group:${group}`;
}

/** The backplane topic that tells a user's sockets the user signed out. */
export function sessionTopic(userKey: string): string {
  return `session:${userKey}`;
}

export function checkGroup(group: unknown, where: string): string {
  if (typeof group !== 'string' || !GROUP_NAME.test(group)) {
    throw new TypeError(`${where}: group ${JSON.stringify(group)} must match ${GROUP_NAME}`);
  }
  return group;
}

/** Validates what `groups()` returned: distinct valid names, at most {@link MAX_GROUPS}. */
export function checkGroups(groups: unknown, component: string): string[] {
  if (!Array.isArray(groups)) throw new TypeError(`${component}.groups() must return an array of group names`);
  const out = [...new Set(groups.map((g) => checkGroup(g, `${component}.groups()`)))];
  if (out.length > MAX_GROUPS) throw new TypeError(`${component}.groups() returned ${out.length} groups; the limit is ${MAX_GROUPS}`);
  return out.sort();
}

/** A message to a group: run `event` with `payload`, or (no event) just render again. */
export interface GroupMessage {
  event?: string;
  payload?: Record<string, unknown>;
  /** The root that sent it from one of its handlers: it has handled the event already, so it is skipped. */
  origin?: string;
}

export function encodeGroupMessage(message: GroupMessage): string {
  if (message.event === undefined) return JSON.stringify({ r: 1 });
  return JSON.stringify({ e: message.event, p: message.payload ?? {}, ...(message.origin !== undefined && { o: message.origin }) });
}

/** Reads a group message from the backplane; anything else (another program's text) is refused. */
export function decodeGroupMessage(data: string): GroupMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    throw new WeftError(400, 'bad_request', 'group message is not JSON');
  }
  if (!isPlainObject(raw)) throw new WeftError(400, 'bad_request', 'group message is not an object');
  if (raw.r === 1) return {};
  if (typeof raw.e !== 'string' || !isPlainObject(raw.p)) throw new WeftError(400, 'bad_request', 'group message names no event');
  return { event: raw.e, payload: raw.p, ...(typeof raw.o === 'string' && { origin: raw.o }) };
}

/** Per instance: the group message ids its state reflects (from its blob, or from messages it handled). */
const seqsOf = new WeakMap<object, Record<string, string>>();

export function getSeqs(instance: object): Record<string, string> {
  let seqs = seqsOf.get(instance);
  if (!seqs) seqsOf.set(instance, (seqs = {}));
  return seqs;
}

export function setSeqs(instance: object, seqs: Readonly<Record<string, string>>): void {
  seqsOf.set(instance, { ...seqs });
}

/** What a streamed component declares (`static stream`): see `weft.stream()`. */
export interface StreamSpec {
  /** The channel whose messages it renders, e.g. `notifications_channel`. */
  channel: string;
  /** The SSE event name each render is sent as (htmx's `sse-swap`). Default `message`. */
  event?: string;
}

/** A streamed component's instance side. */
export interface Receiver {
  /** Takes one channel message (its text) into the state; returning `false` skips it (nothing is sent). */
  receive(data: string): unknown;
}

/** Checks, when the route is registered, that a class can be streamed. */
export function checkStreamClass(type: { stream?: StreamSpec; prototype: unknown }, name: string): StreamSpec {
  const spec = type.stream;
  if (!spec || typeof spec.channel !== 'string' || spec.channel === '') {
    throw new TypeError(`component "${name}" has no static stream = { channel } to be served as a stream`);
  }
  if (typeof (type.prototype as Partial<Receiver>).receive !== 'function') {
    throw new TypeError(`component "${name}" must have a receive(data) method to be served as a stream`);
  }
  return spec;
}
