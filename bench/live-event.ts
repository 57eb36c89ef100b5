/**
 * Server CPU per counter event over a WebSocket: a Weft live counter against a
 * framework-free counter on a raw `ws` server speaking Weft's own wire protocol.
 *
 * Both servers do the same essential work per event: parse the event frame's
 * JSON, find the root the socket joined, run the increment, render the same
 * HTML (escaped), sign the new state with HMAC-SHA256 into a blob of Weft's
 * format, and send a `render` frame; the frames are byte for byte the same size.
 * The baseline skips what Weft adds for safety (frame validation, the message
 * rate limit, declared-event checks, the state snapshot that rolls back a
 * failed handler, size caps).
 *
 * Each server runs alone in a child process pinned to CPU 0; this process (CPU 1)
 * keeps `BENCH_SOCKETS` sockets busy, one event in flight on each. CPU is the
 * server process's own `process.cpuUsage()` over `BENCH_EVENTS` events after a
 * warm-up. Weft's message rate limit is raised for the run (the check still runs).
 *
 *   npm run bench
 *   BENCH_EVENTS=5000 tsx bench/live-event.ts
 *   BENCH_PROF=<dir> tsx bench/live-event.ts   # also writes each server's .cpuprofile of the measured events
 */
import type { AddressInfo } from 'node:net';
import { serve } from 'weft/node';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  baselineBlob,
  baselineCounterHtml,
  baselineOpen,
  baselineRenderFrame,
  baselineRoot,
  counterState,
  type Join,
  joinFrame,
  LIVE_PATH,
  liveApp,
  machineNote,
  median,
  openClients,
  partProfiler,
  pin,
  ServerChild,
  serveCommands,
} from './live-fixture.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const WARMUP = Math.min(2000, EVENTS);
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 8);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const TARGET = 1.15;

type Kind = 'weft' | 'baseline';
type Variant = 'counter' | 'list-counter';
interface Ready {
  port: number;
  join: Join;
}

async function serveWeft(variant: Variant): Promise<Ready> {
  const weft = liveApp();
  const server = await serve(weft, { port: 0, hostname: '127.0.0.1', live: { messagesPerSecond: 1e9 } });
  const page = await weft.render(variant);
  return { port: (server.address() as AddressInfo).port, join: { id: page.id, name: variant, state: page.blob as string } };
}

interface Root {
  id: string;
  state: ReturnType<typeof counterState>;
}

async function serveBaseline(variant: Variant): Promise<Ready> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: LIVE_PATH, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws: WebSocket) => {
    const roots = new Map<string, Root>();
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; id: string; ref?: number; name?: string; state?: string; event?: string };
      if (frame.t === 'event') {
        const root = roots.get(frame.id);
        if (!root || frame.event !== 'increment') {
          ws.send(JSON.stringify({ t: 'error', id: frame.id, ref: frame.ref, status: 400 }));
          return;
        }
        root.state.count++;
        const blob = baselineBlob(variant, root.id, root.state);
        ws.send(baselineRenderFrame(root.id, baselineRoot(variant, root.id, blob, baselineCounterHtml(variant, root.state)), frame.ref));
      } else if (frame.t === 'join') {
        const opened = baselineOpen(frame.name as string, frame.state as string);
        roots.set(frame.id, { id: opened.id, state: opened.state as Root['state'] });
        ws.send(JSON.stringify({ t: 'joined', id: frame.id }));
      }
    });
  });
  // The page's first render, as Weft's would be.
  const id = `${variant}-AAAAAAAA`;
  return { port: (wss.address() as AddressInfo).port, join: { id, name: variant, state: baselineBlob(variant, id, counterState(variant)) } };
}

// ── child: serve, report CPU between "start" and "stop" ─────────────────────
if (process.argv[2] === '--serve') {
  const kind = process.argv[3] as Kind;
  const variant = process.argv[4] as Variant;
  const ready = kind === 'weft' ? await serveWeft(variant) : await serveBaseline(variant);
  let since = process.cpuUsage();
  const profiler = partProfiler(`event-${kind}-${variant}`);
  serveCommands({
    start: async () => {
      await profiler.start();
      since = process.cpuUsage();
    },
    stop: async () => {
      const used = process.cpuUsage(since);
      await profiler.stop();
      return used;
    },
  });
  process.send?.(ready);
} else {
  await main();
}

/** Sends `total` events spread over the sockets, one in flight per socket; returns the last render frame. */
async function load(sockets: WebSocket[], id: string, total: number): Promise<string> {
  let sent = 0;
  let last = '';
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve, reject) => {
          let ref = 0;
          const send = () => {
            if (sent >= total) {
              ws.off('message', onMessage);
              return resolve();
            }
            sent++;
            ws.send(`{"t":"event","id":${JSON.stringify(id)},"ref":${++ref},"event":"increment","payload":{}}`);
          };
          const onMessage = (data: Buffer) => {
            const text = String(data);
            if (!text.startsWith('{"t":"render"')) return reject(new Error(`unexpected frame: ${text.slice(0, 200)}`));
            last = text;
            send();
          };
          ws.on('message', onMessage);
          send();
        }),
    ),
  );
  return last;
}

interface Run {
  /** Server CPU per event, user + system, µs. */
  cpuUs: number;
  /** The user-space part alone: the JavaScript and ws' framing, without the kernel's socket work. */
  userUs: number;
  frameBytes: number;
  rate: number;
}

async function run(kind: Kind, variant: Variant): Promise<Run> {
  const server = new ServerChild<Ready>(new URL(import.meta.url).pathname, [kind, variant], { profileItself: true });
  const ready = await server.ready;
  // Every socket joins the same root id, each holding its own copy of it: one page's counter per socket.
  const sockets = await openClients(ready.port, SOCKETS, () => joinFrame(ready.join));
  await load(sockets, ready.join.id, WARMUP);
  await server.ask('start');
  const started = process.hrtime.bigint();
  const last = await load(sockets, ready.join.id, EVENTS);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = await server.ask<NodeJS.CpuUsage>('stop');
  for (const ws of sockets) ws.terminate();
  await server.stop();
  // Each socket counted its own events; the last frame shows a count from one of them.
  if (!/Count: \d+/.test(last)) throw new Error(`${kind}: last frame has no count: ${last.slice(0, 200)}`);
  return { cpuUs: (cpu.user + cpu.system) / EVENTS, userUs: cpu.user / EVENTS, frameBytes: Buffer.byteLength(last), rate: EVENTS / seconds };
}

async function main(): Promise<void> {
  pin(process.pid, 1);
  console.log(
    `live counter event over a WebSocket: ${EVENTS} events after ${WARMUP} warm-up, ${SOCKETS} sockets, ${REPEAT} runs each; server on CPU 0, load on CPU 1`,
  );
  console.log(`  ${machineNote()}`);
  for (const variant of ['counter', 'list-counter'] as const) {
    console.log(`${variant === 'counter' ? 'counter' : 'counter with a 20-item escaped list'}:`);
    // Alternate the two, so a burst of other work on the machine hits both alike;
    // the ratio is the median of each pair's ratio.
    const runs: Record<Kind, Run[]> = { baseline: [], weft: [] };
    for (let i = 0; i < REPEAT; i++) {
      runs.baseline.push(await run('baseline', variant));
      runs.weft.push(await run('weft', variant));
    }
    for (const kind of ['baseline', 'weft'] as const) {
      const all = runs[kind];
      console.log(
        `  ${kind.padEnd(10)} ${median(all.map((r) => r.cpuUs)).toFixed(1).padStart(6)} µs CPU/event (user ${median(all.map((r) => r.userUs)).toFixed(1)})` +
          ` ${median(all.map((r) => r.rate)).toFixed(0).padStart(7)} events/s   render frame ${all[0]?.frameBytes} B   (runs: ${all.map((r) => r.cpuUs.toFixed(1)).join(', ')} µs)`,
      );
    }
    const pairs = (pick: (r: Run) => number) => median(runs.weft.map((w, i) => pick(w) / pick(runs.baseline[i] as Run)));
    const ratio = pairs((r) => r.cpuUs);
    console.log(
      `  ratio weft/baseline: ${ratio.toFixed(2)}× CPU (user only ${pairs((r) => r.userUs).toFixed(2)}×), median of ${REPEAT} pairs` +
        ` (target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'missed'})`,
    );
  }
}
