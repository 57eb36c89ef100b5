/**
 * @module
 * The WebSocket wire format (docs/protocol.md, "Live connection"): one JSON
 * object per text message, `t` naming its kind. A page opens one socket and
 * multiplexes every live root on it by root id.
 *
 * Browser → server: `join`, `leave`, `event`, `ping`.
 * Server → browser: `joined`, `render` (with `trigger` when the root emitted page events), `error`, `pong`.
 */
import type { EventRequest } from '../core/dispatch.js';
import { WeftError } from '../core/errors.js';
import { isPlainObject, parseJson } from '../core/json.js';
import { COMPONENT_NAME } from '../core/registry.js';
import { parseAssetList } from '../transport/component-assets.js';
import { parseEventBody } from '../transport/http.js';

export interface JoinFrame {
  t: 'join';
  /** The root element's id; must be the id signed into `state`. */
  id: string;
  name: string;
  /** The root's signed state blob: its `weft-state`. */
  state: string;
  /** The component assets the page has (their hashes), so pushes bring only the others. */
  assets?: readonly string[] | undefined;
}

export interface LeaveFrame {
  t: 'leave';
  id: string;
}

export interface EventFrame {
  t: 'event';
  id: string;
  /** Echoed in the answer, so the browser can match it to the request. */
  ref: number | undefined;
  request: EventRequest;
}

export interface PingFrame {
  t: 'ping';
}

export type ClientFrame = JoinFrame | LeaveFrame | EventFrame | PingFrame;

/** Root ids are element ids Weft wrote: a name, `-`, and more of the same characters. */
const ROOT_ID = /^[A-Za-z0-9_-]{1,200}$/;

const JOIN_KEYS = new Set(['t', 'id', 'name', 'state', 'assets']);

function rootId(value: unknown): string {
  if (typeof value !== 'string' || !ROOT_ID.test(value)) throw new WeftError(400, 'bad_request', '"id" must be a root element id');
  return value;
}

/** Parses one message from a browser, naming the first problem found. */
export function parseClientFrame(text: string, maxDepth: number, maxEvents: number): ClientFrame {
  const body = parseJson(text, maxDepth);
  if (!isPlainObject(body)) throw new WeftError(400, 'bad_request', 'a frame must be a JSON object');
  switch (body.t) {
    case 'ping':
      return { t: 'ping' };
    case 'leave':
      return { t: 'leave', id: rootId(body.id) };
    case 'join': {
      // Groups come from the signed state only: a join that names groups (or
      // anything else) is a hand-crafted attempt to listen to someone else's.
      const extra = Object.keys(body).find((key) => !JOIN_KEYS.has(key));
      if (extra !== undefined) {
        throw new WeftError(400, 'bad_request', `a join frame carries only id, name, state and assets, not ${JSON.stringify(extra.slice(0, 64))}; groups are decided by the server`);
      }
      if (typeof body.name !== 'string' || !COMPONENT_NAME.test(body.name)) {
        throw new WeftError(400, 'bad_request', '"name" must be a component name');
      }
      if (typeof body.state !== 'string') throw new WeftError(400, 'state_missing', 'a join frame carries no component state');
      return {
        t: 'join',
        id: rootId(body.id),
        name: body.name,
        state: body.state,
        ...(body.assets !== undefined && { assets: parseAssetList(body.assets) }),
      };
    }
    case 'event': {
      const id = rootId(body.id);
      const ref = body.ref;
      if (ref !== undefined && !(Number.isSafeInteger(ref) && (ref as number) >= 0)) {
        throw new WeftError(400, 'bad_request', '"ref" must be a non-negative integer');
      }
      // Same fields, same checks as an HTTP event body; the state is the one the
      // server holds for the root, so the frame needs none.
      const { t: _t, id: _id, ref: _ref, ...rest } = body;
      return { t: 'event', id, ref: ref as number | undefined, request: parseEventBody('', rest, maxEvents) };
    }
    default:
      throw new WeftError(400, 'bad_request', `unknown frame type ${JSON.stringify(String(body.t).slice(0, 32))}`);
  }
}

/**
 * `{"t":"render", id, html, ref?, trigger?}`: a root's new HTML, to morph in
 * place; `trigger` holds the page events its handlers emitted, name → payload,
 * for the page's scripts (as `HX-Trigger` over HTTP).
 */
export function renderFrame(id: string, html: string, ref?: number, trigger?: Record<string, Record<string, unknown>>): string {
  return (
    `{"t":"render","id":${JSON.stringify(id)},${ref === undefined ? '' : `"ref":${ref},`}` +
    `${trigger === undefined ? '' : `"trigger":${JSON.stringify(trigger)},`}"html":${JSON.stringify(html)}}`
  );
}

export function joinedFrame(id: string): string {
  return JSON.stringify({ t: 'joined', id });
}

/** The same body as an HTTP error, plus the HTTP status, the root and the request it answers. */
export function errorFrame(err: WeftError, id?: string, ref?: number, join = false, login?: string): string {
  return JSON.stringify({
    t: 'error',
    ...(id !== undefined && { id }),
    ...(ref !== undefined && { ref }),
    // A refused join: the root is not live on this socket, its events go over HTTP.
    ...(join && { join: true }),
    status: err.status,
    ...err.toJSON(),
    // Where a 401 should send the browser (the app's loginUrl): the client adds `next`.
    ...(login !== undefined && err.status === 401 && { login }),
  });
}

export const PONG = '{"t":"pong"}';

/** Close codes (RFC 6455 §7.4 and the 4000–4999 private range). */
export const CLOSE = {
  /** Server shutting down or restarting: reconnect (elsewhere) after a jittered wait. */
  goingAway: 1001,
  /** A frame too large (ws sends this itself past `maxPayload`). */
  tooBig: 1009,
  /** No frames, not even pings, for the idle time. */
  idle: 4408,
  /** Too many protocol errors or messages: the client is misbehaving. */
  policy: 1008,
  /** The user signed out (`weft.signOut()`): reconnect, as whoever the page's cookies now say. */
  signedOut: 4401,
} as const;
