/**
 * Several server processes sharing one real Redis (REDIS_URL, default
 * redis://127.0.0.1:6379), as several machines behind a load balancer would:
 * a broadcast made in one process reaches the WebSocket clients of another,
 * and a plain `redis-cli PUBLISH` by another program reaches the SSE clients of
 * each, within 200 ms. Each server is live-redis-server.ts in its own process,
 * under a random key prefix that is deleted afterwards.
 *
 * Without a Redis the tests are skipped with a notice, except under CI=true,
 * where they fail.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteKeys, redisSkip } from '../redis.js';
import { type ServerProcess, startServerProcess, stopProcess } from './processes.js';
import { Redis } from 'ioredis';
import { LiveTestClient, rootsIn, type LiveFrame } from '../../src/testing/live.js';
import { StreamTestClient } from '../../src/testing/stream.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `weft-test-live-${randomUUID().slice(0, 8)}:`;
const SECRET = `live-redis-secret-${randomUUID()}`;
/** What every measured push must beat, counted from the moment the broadcast or publish returned. */
const WITHIN_MS = 200;

const skip = redisSkip('the multi-process live tests');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const children: ChildProcess[] = [];

/** Starts live-redis-server.ts in a new process and waits until it prints its port. */
function startServer(name: string): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./live-redis-server.ts', import.meta.url));
  return startServerProcess(script, name, { REDIS_URL: url, WEFT_SECRET: SECRET, WEFT_REDIS_PREFIX: prefix }, children);
}

/** Opens a stream and checks it is one. */
async function openStream(url: string): Promise<StreamTestClient> {
  const stream = await StreamTestClient.open(url);
  assert.equal(stream.response.status, 200);
  assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
  return stream;
}

/** redis-cli run as another program would, fed commands one line at a time through a pipe. */
class RedisCli {
  readonly #child: ChildProcess;
  #out = '';
  #waiters: (() => void)[] = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => {
      this.#out += chunk.toString();
      for (const wake of this.#waiters.splice(0)) wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.#out += chunk.toString()));
    child.once('exit', () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static start(redisUrl: string): Promise<RedisCli> {
    const child = spawn('redis-cli', ['-u', redisUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(new RedisCli(child)));
      child.once('error', reject);
    });
  }

  /** Writes one command line and resolves with the reply line redis-cli prints. */
  async command(line: string, timeoutMs = 5000): Promise<string> {
    this.#out = '';
    this.#child.stdin!.write(`${line}\n`);
    const deadline = Date.now() + timeoutMs;
    while (!this.#out.includes('\n')) {
      if (this.#child.exitCode !== null) throw new Error(`redis-cli exited: ${this.#out}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`redis-cli did not answer ${line.slice(0, 40)}: ${this.#out}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#out.slice(0, this.#out.indexOf('\n'));
  }

  close(): Promise<void> {
    return stopProcess(this.#child);
  }
}

/** Records when each frame of a live client arrived (frames[i] arrived at times[i]). */
function arrivals(live: LiveTestClient): number[] {
  const times: number[] = live.frames.map(() => 0);
  live.socket.on('message', () => times.push(Date.now()));
  return times;
}

async function getCart(server: ServerProcess, user: string): Promise<string> {
  const response = await fetch(`${server.base}/cart`, { headers: { cookie: `user=${user}` } });
  assert.equal(response.status, 200);
  return response.text();
}

function cartRoot(html: string): { id: string; name: string; state: string } {
  const root = rootsIn(html).find((r) => r.name === 'cart');
  assert.ok(root, 'the page has a live cart');
  return root;
}

describe('live components across server processes sharing Redis', { skip, timeout: 120_000 }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let redis: Redis;
  const clients: LiveTestClient[] = [];
  const readers: StreamTestClient[] = [];
  /** Every figure measured, printed at the end. */
  const figures: string[] = [];

  before(async () => {
    redis = new Redis(url);
    [a, b] = await Promise.all([startServer('A'), startServer('B')]);
  });

  after(async () => {
    // Each step on its own, so one failing does not leave the others undone.
    for (const live of clients) await live.close().catch(() => {});
    for (const reader of readers) reader.close();
    await Promise.all(children.map((child) => stopProcess(child).catch(() => child.kill('SIGKILL'))));
    if (redis) {
      try {
        await deleteKeys(redis, prefix);
        assert.deepEqual(await redis.keys(`${prefix}*`), [], 'no key left under the prefix');
      } finally {
        redis.disconnect();
      }
    }
    if (figures.length > 0) console.log(`live-redis figures:\n  ${figures.join('\n  ')}`);
  });

  /** A shopper's socket: their cookie goes with the upgrade, as a browser's would (blobs are bound to their user). */
  async function connect(server: ServerProcess, page: string, user: string): Promise<LiveTestClient> {
    const live = await LiveTestClient.connect(`${server.base.replace(/^http/, 'ws')}/ws/components/`, { headers: { cookie: `user=${user}` } });
    clients.push(live);
    await live.join(page);
    assert.ok(!live.frames.some((f) => f.t === 'error'), `joined without error: ${JSON.stringify(live.frames)}`);
    return live;
  }

  it("a cart's event in process A reaches the same shopper's cart on a WebSocket of process B, and no other shopper's", async () => {
    // u1 and u2 each have the cart page open on B.
    const u1Page = await getCart(b, 'u1');
    const u2Page = await getCart(b, 'u2');
    const u1 = await connect(b, u1Page, 'u1');
    const u2 = await connect(b, u2Page, 'u2');
    const u1Times = arrivals(u1);

    // u1 presses "Add #42 (M)" on a cart page served by A: the event reaches A,
    // whose handler broadcasts to the group cart-u1.
    const state = cartRoot(await getCart(a, 'u1')).state;
    const sentAt = Date.now();
    const response = await fetch(`${a.base}/components/cart/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'user=u1' },
      body: JSON.stringify({ event: 'quickAdd', payload: { productId: 42, size: 'M' }, state }),
    });
    // A answers once the handler, and so the broadcast, has returned (and the
    // requesting cart has rendered, so B's push may arrive first).
    const answeredAt = Date.now();
    assert.equal(response.status, 200, await response.clone().text());
    await response.text();

    const render = await u1.nextRender(cartRoot(u1Page).id);
    const renderedAt = u1Times[u1.frames.indexOf(render)] as number;
    assert.match(render.html ?? '', /Merino Scarf \(M\) × 1/);
    assert.match(render.html ?? '', /Total: \$29\.99/);
    figures.push(`quickAdd on A → render on B's socket: ${renderedAt - sentAt} ms after the POST was sent (${renderedAt - answeredAt} ms after A answered)`);
    // The broadcast returned somewhere between the two; counted from the POST,
    // which also counts A's own handling of the request.
    assert.ok(renderedAt - sentAt < WITHIN_MS, `the render reached B's client ${renderedAt - sentAt} ms after the POST to A`);

    // u2's cart, on the same process, heard nothing of u1's group.
    assert.ok(await u2.quiet(300, (f: LiveFrame) => f.t === 'render'), `u2 got ${JSON.stringify(u2.frames)}`);
  });

  it('weft.broadcast() in process A reaches the WebSocket clients of process B within 200 ms, once, in order', async () => {
    const u3Page = await getCart(b, 'u3');
    const u4Page = await getCart(b, 'u4');
    const u3 = await connect(b, u3Page, 'u3');
    const u4 = await connect(b, u4Page, 'u4');
    const u3Times = arrivals(u3);
    const id = cartRoot(u3Page).id;

    const seen: number[] = [];
    for (const [productId, size] of [
      [1, 'M'],
      [2, 'L'],
      [42, 'M'],
    ] as const) {
      const sentAt = Date.now();
      const response = await fetch(`${a.base}/test/broadcast?group=cart-u3`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ productId, size }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      // Stamped in A the moment weft.broadcast() returned (same machine, same clock).
      const { returnedAt } = (await response.json()) as { returnedAt: number };
      const render = await u3.nextRender(id);
      const renderedAt = u3Times[u3.frames.indexOf(render)] as number;
      const took = renderedAt - returnedAt;
      seen.push(took);
      // B's push may arrive before A's own process gets on after the await: negative then.
      figures.push(`weft.broadcast() in A → render on B's socket: ${took} ms after it returned (${renderedAt - sentAt} ms after the POST was sent)`);
      assert.ok(took < WITHIN_MS, `broadcast ${productId} (${size}) reached B's client ${took} ms after it returned`);
      assert.equal((render.html ?? '').match(/<li>/g)?.length, seen.length, 'each render shows one more item');
    }
    const last = u3.frames.filter((f) => f.t === 'render').at(-1)!;
    assert.match(last.html ?? '', /Total: \$168\.49/);
    assert.ok(await u3.quiet(200, (f: LiveFrame) => f.t === 'render'), 'no render twice');
    assert.ok(await u4.quiet(100, (f: LiveFrame) => f.t === 'render'), `u4 got ${JSON.stringify(u4.frames)}`);
  });

  it("another program's redis-cli PUBLISH notifications_channel reaches an SSE client of each process within 200 ms", async () => {
    const [onA, onB] = await Promise.all([openStream(`${a.base}/notification/`), openStream(`${b.base}/notification/`)]);
    readers.push(onA, onB);
    // A plain PUBLISH is not kept for replay: wait until both processes have
    // subscribed. Each subscribes to the channel and its own sequenced channel
    // (named with this run's prefix, so other runs do not count) in one command.
    const ownChannel = `${prefix}ch:notifications_channel`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [, count] = (await redis.pubsub('NUMSUB', ownChannel)) as [string, number];
      if (Number(count) >= 2) break;
      assert.ok(Date.now() < deadline, `both processes subscribed to ${ownChannel} (${count})`);
      await sleep(10);
    }

    // A notification as a publisher script sends it, published by another program with a plain PUBLISH.
    const sent = {
      id: 1,
      title: 'Notification 5',
      message: 'This is a random message 7',
      color: 'blue',
      timestamp: new Date().toString(),
    };
    let timing = { sentAt: 0, returnedAt: 0 };
    // redis-cli reads commands line by line from a pipe and prints each reply:
    // started and connected first, so its start-up is not counted.
    const cli = await RedisCli.start(url);
    try {
      assert.equal(await cli.command('PING'), 'PONG');
      const sentAt = Date.now();
      const reply = await cli.command(`PUBLISH notifications_channel ${JSON.stringify(JSON.stringify(sent))}`);
      const returnedAt = Date.now();
      assert.ok(Number(reply) >= 2, `redis-cli says ${reply} subscribers got it`);
      timing = { sentAt, returnedAt };
    } finally {
      await cli.close();
    }

    // notifications_channel has no prefix: another program (or run) may publish on it too.
    const isSent = (e: { event?: string; data: string; at: number }) =>
      e.at >= timing.sentAt &&
      e.event === 'notification' && e.data.includes('Notification 5') && e.data.includes('This is a random message 7');
    const [fromA, fromB] = await Promise.all([onA.next(isSent), onB.next(isSent)]);
    for (const [name, e] of [
      ['A', fromA],
      ['B', fromB],
    ] as const) {
      assert.match(e.data, /<div class="notification notification-blue" role="alert">/);
      assert.match(e.data, /<span class="notification-title">Notification 5<\/span> This is a random message 7/);
      assert.ok(e.id, 'the event has an id');
      figures.push(
        `redis-cli PUBLISH → SSE event on ${name}: ${e.at - timing.returnedAt} ms after redis-cli printed the reply (${e.at - timing.sentAt} ms after the command was written to it)`,
      );
      // Counted from writing the command, a little before the publish returned.
      assert.ok(e.at - timing.sentAt < WITHIN_MS, `the notification reached ${name}'s SSE client ${e.at - timing.sentAt} ms after the publish`);
    }
  });

  it('fails on neither server: their output has no error', () => {
    for (const server of [a, b]) assert.doesNotMatch(server.output(), /error/i, `${server.name} logged:\n${server.output()}`);
  });
});
