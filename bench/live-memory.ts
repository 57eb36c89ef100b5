/**
 * Memory per idle live connection: `BENCH_CLIENTS` sockets (default 10 000),
 * each with one joined live root, held by a Weft server, against a raw `ws`
 * server holding the same number of idle sockets.
 *
 * The server runs in a child process pinned to CPU 0 with `--expose-gc`; the
 * clients live in this process on CPU 1. The server is measured after a forced
 * GC with no client connected (after a warm-up batch has come and gone), then
 * again with every client connected and joined; the difference divided by the
 * number of clients is the figure. The target is judged on the JS heap plus
 * `external` (memory the GC accounts for, including Buffers); the resident set
 * is printed too, but it moves in whole pages and arenas and never shrinks back,
 * so it is a looser figure.
 *
 * Two Weft cases: every page in one shared group (`scoreboard`), and a group
 * per page (`cart-<user>`, one backplane topic per connection); each measured
 * right after the joins and again after one render was pushed to every root
 * (what a page holds once anything has happened on it).
 *
 * Each process opens one descriptor per socket: `ulimit -n` must be above
 * `BENCH_CLIENTS`.
 *
 *   npm run bench
 *   BENCH_CLIENTS=1000 tsx bench/live-memory.ts
 *   BENCH_HEAP_SNAPSHOT=<dir> tsx bench/live-memory.ts   # also writes the server's heap before and after
 */
import type { AddressInfo } from 'node:net';
import { join as joinPath } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from 'weft/node';
import { type WebSocket, WebSocketServer } from 'ws';
import { checkFileLimit, closeClients, joinFrame, LIVE_PATH, liveApp, machineNote, openClients, pin, ServerChild, serveCommands } from './live-fixture.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const WARMUP = Math.min(200, CLIENTS);
const TARGET_KB = 6;

type Kind = 'ws' | 'weft-shared' | 'weft-per-user';
interface Memory {
  heap: number;
  external: number;
  rss: number;
}

// ── child: serve; on "measure", collect garbage and report memory ───────────
if (process.argv[2] === '--serve') {
  const kind = process.argv[3] as Kind;
  let port: number;
  let push: () => Promise<unknown>;
  /** The pages clients join, rendered by this server (as the page's own server renders them). */
  let pages: string[] = [];
  if (kind === 'ws') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: LIVE_PATH, perMessageDeflate: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    // An idle connection: it answers the join and holds nothing else.
    wss.on('connection', (ws) => {
      ws.once('message', () => ws.send('{"t":"joined"}'));
    });
    port = (wss.address() as AddressInfo).port;
    pages = ['{"t":"join"}'];
    push = async () => {
      for (const ws of wss.clients) ws.send('{"t":"render"}');
    };
  } else {
    const weft = liveApp();
    const server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
    port = (server.address() as AddressInfo).port;
    const count = kind === 'weft-shared' ? 1 : CLIENTS;
    for (let i = 0; i < count; i++) {
      const name = kind === 'weft-shared' ? 'scoreboard' : 'cart';
      const page = await weft.render(name, { ...(name === 'cart' && { user: `user${i}` }) });
      pages.push(joinFrame({ id: page.id, name, state: page.blob as string }));
    }
    // A fresh render of every root, state unchanged (as after any event or broadcast).
    push = () => Promise.all(Array.from({ length: count }, (_, i) => weft.refresh(kind === 'weft-shared' ? 'scoreboard' : `cart-user${i}`)));
  }
  let snapshots = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the server with --expose-gc');
  serveCommands({
    push: () => push(),
    pages: () => {
      const out = pages;
      pages = [];
      return out;
    },
    measure: async (): Promise<Memory> => {
      for (let i = 0; i < 4; i++) {
        gc();
        await sleep(50);
      }
      const m = process.memoryUsage();
      // Heap snapshots to compare in Chrome DevTools (Memory tab, "Comparison" view).
      if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(joinPath(process.env.BENCH_HEAP_SNAPSHOT, `${kind}-${++snapshots}.heapsnapshot`));
      return { heap: m.heapUsed, external: m.external, rss: m.rss };
    },
  });
  process.send?.({ port });
} else {
  await main();
}

/** Per connection, in KB: heap + external (the figure), and the resident set. */
interface PerConnection {
  kb: number;
  heapKb: number;
  externalKb: number;
  rssKb: number;
}

function perConnection(before: Memory, after: Memory): PerConnection {
  const kb = (bytes: number) => bytes / CLIENTS / 1024;
  const heapKb = kb(after.heap - before.heap);
  const externalKb = kb(after.external - before.external);
  return { kb: heapKb + externalKb, heapKb, externalKb, rssKb: kb(after.rss - before.rss) };
}

function print(label: string, m: PerConnection): void {
  console.log(
    `  ${label.padEnd(26)} ${m.kb.toFixed(2).padStart(6)} KB heap+external per connection` +
      ` (heap ${m.heapKb.toFixed(2)}, external ${m.externalKb.toFixed(2)})   rss ${m.rssKb.toFixed(2)} KB`,
  );
}

/** Resolves once every socket has had one more message. */
function oneMessageEach(sockets: WebSocket[]): Promise<void> {
  return new Promise((resolve) => {
    let left = sockets.length;
    for (const ws of sockets) ws.once('message', () => --left === 0 && resolve());
  });
}

async function run(kind: Kind): Promise<{ idle: PerConnection; pushed: PerConnection }> {
  const server = new ServerChild<{ port: number }>(new URL(import.meta.url).pathname, [kind], { exposeGc: true });
  const { port } = await server.ready;
  const pages = await server.ask<string[]>('pages');
  const join = (i: number) => pages[i % pages.length] as string;
  // Warm up (first connections load code and fill caches), then measure with none open.
  await closeClients(await openClients(port, WARMUP, join));
  await sleep(500);
  const before = await server.ask<Memory>('measure');
  const sockets = await openClients(port, CLIENTS, join);
  await sleep(1000);
  const idle = perConnection(before, await server.ask<Memory>('measure'));
  // The same connections after one render was pushed to each.
  const pushed = oneMessageEach(sockets);
  await server.ask('push');
  await pushed;
  await sleep(500);
  const afterPush = perConnection(before, await server.ask<Memory>('measure'));
  await closeClients(sockets);
  await server.stop();
  print(`${kind}, joined`, idle);
  print(`${kind}, after one push`, afterPush);
  return { idle, pushed: afterPush };
}

async function main(): Promise<void> {
  checkFileLimit(CLIENTS);
  pin(process.pid, 1);
  console.log(`memory per idle connection at ${CLIENTS} connections, after a forced GC; server on CPU 0, clients on CPU 1`);
  console.log(`  ${machineNote()}`);
  const base = await run('ws');
  for (const kind of ['weft-shared', 'weft-per-user'] as const) {
    const ours = await run(kind);
    for (const [when, m] of [
      ['joined', ours.idle],
      ['after one push', ours.pushed],
    ] as const) {
      console.log(
        `  ${kind}, ${when}: ${m.kb.toFixed(2)} KB, ${(m.kb / base.idle.kb).toFixed(2)}× raw ws (target ≤ ${TARGET_KB} KB: ${m.kb <= TARGET_KB ? 'met' : 'missed'})`,
      );
    }
  }
}
