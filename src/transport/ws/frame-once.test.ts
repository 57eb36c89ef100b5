import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { isPreFramed, preFrame, sendPreFramed } from './frame-once.js';

/** A stand-in for `ws`'s socket object: what sendPreFramed reads and calls. */
function fakeSocket(queue: unknown[] = [], state = 0) {
  const written: Buffer[] = [];
  const sent: [unknown, unknown][] = [];
  const ws = {
    _socket: { write: (b: Buffer) => written.push(b) > 0 },
    _sender: { _queue: queue, _state: state },
    send: (data: unknown, options: unknown) => void sent.push([data, options]),
  };
  return { ws: ws as unknown as WebSocket, written, sent };
}

describe('frame once', () => {
  it('frames a text message as a server frame: final, opcode 1, unmasked, with its length', () => {
    const short = preFrame('{"t":"render"}');
    assert.equal(short.frame[0], 0x81);
    assert.equal(short.frame[1], 14);
    assert.equal(short.frame.subarray(2).toString(), '{"t":"render"}');
    const text = 'é'.repeat(100); // 200 bytes: the 16-bit length form
    const long = preFrame(text);
    assert.equal(long.frame[1], 126);
    assert.equal(long.frame.readUInt16BE(2), 200);
    assert.equal(long.frame.subarray(4).toString(), text);
    assert.ok(isPreFramed(long));
    assert.ok(!isPreFramed('text') && !isPreFramed(Buffer.from('x')));
  });

  it('writes the same bytes to each socket that has nothing of its own in flight', () => {
    const message = preFrame('hello');
    const a = fakeSocket();
    const b = fakeSocket();
    sendPreFramed(a.ws, message);
    sendPreFramed(b.ws, message);
    assert.equal(a.written[0], message.frame);
    assert.equal(b.written[0], message.frame);
    assert.deepEqual([a.sent, b.sent], [[], []]);
  });

  it('goes through ws.send when ws has queued sends or is busy compressing', () => {
    const message = preFrame('hello');
    for (const socket of [fakeSocket(['queued']), fakeSocket([], 1)]) {
      sendPreFramed(socket.ws, message);
      assert.deepEqual(socket.written, []);
      assert.deepEqual(socket.sent, [[message.text, { binary: false }]]);
    }
  });
});
