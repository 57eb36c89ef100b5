/**
 * @module
 * One push framed once for many sockets. A group message that many roots share
 * (shared-work.ts) produces one `render` frame; instead of each socket's
 * `ws.send` encoding and framing the same text again, the WebSocket frame is
 * built once (by `ws`'s own `Sender.frame`) and the same bytes are written to
 * every socket.
 *
 * Writing to the socket `ws` owns is safe only while `ws` has nothing of its
 * own in flight for it (no compression, which Weft turns off, and no queued
 * send); otherwise, and if `ws` ever stops exposing what this needs, the push
 * goes through `ws.send` like any other frame.
 */
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';

/** A text message and its WebSocket frame (server to client: unmasked, final, opcode 1). */
export interface PreFramed {
  readonly text: Buffer;
  readonly frame: Buffer;
}

interface SenderClass {
  frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[];
}

/** What of `ws`'s own state a raw write depends on; absent members mean "use ws.send". */
interface WsInternals {
  _socket?: { write(data: Buffer): boolean };
  _sender?: { _queue?: unknown[]; _state?: number };
}

// `ws` exports its Sender, though its type declarations do not name it.
const Sender = (wsModule as unknown as { Sender?: SenderClass }).Sender;

export function preFrame(text: string): PreFramed {
  const bytes = Buffer.from(text);
  const frame = typeof Sender?.frame === 'function' ? Buffer.concat(Sender.frame(bytes, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false })) : bytes;
  return { text: bytes, frame: frame === bytes ? Buffer.alloc(0) : frame };
}

export function isPreFramed(value: unknown): value is PreFramed {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && Buffer.isBuffer((value as PreFramed).frame);
}

/** Sends a pre-framed message: its bytes straight to the socket when `ws` allows, else through `ws.send`. */
export function sendPreFramed(ws: WebSocket, message: PreFramed): void {
  const inner = ws as unknown as WsInternals;
  const sender = inner._sender;
  if (message.frame.length > 0 && inner._socket && sender && sender._state === 0 && Array.isArray(sender._queue) && sender._queue.length === 0) {
    inner._socket.write(message.frame);
    return;
  }
  ws.send(message.text, { binary: false });
}
