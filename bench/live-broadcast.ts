/**
 * One broadcast to a group of many connected pages: the time from
 * `weft.broadcast()` until the last client has its render frame, against a raw
 * `ws` server sending the same bytes to every socket (`ws.send` per socket, and
 * once more with the frame built once and written to each socket).
 *
 * Every client joined the same root of a `scoreboard` component (one page,
 * rendered once, open in `BENCH_CLIENTS` browsers), so all hold equal state and
 * every render frame of a round is the same bytes. The server runs in a child
 * process pinned to CPU 0; the clients all live in this process, on CPU 1, and
 * stamp each frame's arrival with the machine's monotonic clock, which the
 * server's broadcast time is read from too. Each figure is the median of
 * `BENCH_ROUNDS` broadcasts after one warm-up broadcast; the fastest round is
 * printed too (on a shared machine, the round least disturbed by other work),
 * with the server's CPU for a broadcast and the clients' (when the clients'
 * CPU is near the time, they, not the server, set the pace).
 *
 * Each process opens one descriptor per socket: `ulimit -n` must be above
 * `BENCH_CLIENTS` (default 10 000).
 *
 *   npm run bench
 *   BENCH_CLIENTS=1000 tsx bench/live-broadcast.ts
 *   BENCH_PROF=<dir> tsx bench/live-broadcast.ts   # also writes each server's .cpuprofile of the measured rounds
 */
import type { AddressInfo } from 'node:net';
import { serve } from 'weft/node';
import * as wsPackage from 'ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { checkFileLimit, closeClients, type Join, joinFrame, LIVE_PATH, liveApp, machineNote, median, openClients, partProfiler, pin, ServerChild, serveCommands } from './live-fixture.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const TARGET = 1.0;

/** `ws`' frame builder (exported by the package, not by its type definitions). */
const { Sender } = wsPackage as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] };
};

type Kind = 'weft' | 'ws.send' | 'frame once';
interface Ready {
  port: number;
  join: Join;
}
/** The server's side of one broadcast: when it started (monotonic ns, as text) and the CPU it took. */
interface Round {
  t0: string;
}

// ── child: serve; on "go", broadcast and report the start time; on "cpu", the CPU since ─
if (process.argv[2] === '--serve') {
  const kind = process.argv[3] as Kind;
  let cpuSince = process.cpuUsage();
  let go: () => void;
  let ready: Ready;
  if (kind === 'weft') {
    const weft = liveApp();
    const server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
    const page = await weft.render('scoreboard');
    ready = { port: (server.address() as AddressInfo).port, join: { id: page.id, name: 'scoreboard', state: page.blob as string } };
    go = () => void weft.broadcast('scoreboard', 'point');
  } else {
    const frame = process.argv[4] as string;
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: LIVE_PATH, perMessageDeflate: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws) => {
      ws.once('message', (data) => ws.send(JSON.stringify({ t: 'joined', id: (JSON.parse(String(data)) as { id: string }).id })));
    });
    ready = { port: (wss.address() as AddressInfo).port, join: { id: 'scoreboard-x', name: 'scoreboard', state: '' } };
    go =
      kind === 'ws.send'
        ? () => {
            for (const ws of wss.clients) ws.send(frame);
          }
        : () => {
            const bytes = Buffer.concat(Sender.frame(Buffer.from(frame), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
            for (const ws of wss.clients) (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(bytes);
          };
  }
  const profiler = partProfiler(`broadcast-${kind.replace(' ', '-')}`);
  serveCommands({
    go: async ({ profile }: { profile: boolean }): Promise<Round> => {
      if (profile) await profiler.start();
      cpuSince = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      go();
      return { t0: String(t0) };
    },
    cpu: () => {
      const used = process.cpuUsage(cpuSince);
      return used.user + used.system;
    },
    profiled: () => profiler.stop(),
  });
  process.send?.(ready);
} else {
  await main();
}

/** Waits until every socket has a `render` frame; resolves with the last arrival time and one frame. */
function arrivals(sockets: WebSocket[]): Promise<{ last: bigint; frame: string }> {
  return new Promise((resolve) => {
    let left = sockets.length;
    let frame = '';
    for (const ws of sockets) {
      ws.once('message', (data) => {
        const at = process.hrtime.bigint();
        if (left === sockets.length) frame = String(data);
        if (--left === 0) resolve({ last: at, frame });
      });
    }
  });
}

interface Result {
  ms: number;
  /** The fastest round: on a shared machine, the one least disturbed by other work. */
  bestMs: number;
  cpuMs: number;
  frame: string;
}

async function run(kind: Kind, frame = ''): Promise<Result> {
  const server = new ServerChild<Ready>(new URL(import.meta.url).pathname, [kind, frame], { profileItself: true });
  const ready = await server.ready;
  const opening = process.hrtime.bigint();
  const sockets = await openClients(ready.port, CLIENTS, () => joinFrame(ready.join));
  const openSeconds = Number(process.hrtime.bigint() - opening) / 1e9;
  const times: number[] = [];
  const cpus: number[] = [];
  const clientCpus: number[] = [];
  let sample = '';
  for (let round = 0; round <= ROUNDS; round++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const arrived = arrivals(sockets);
    const clientCpu = process.cpuUsage();
    const { t0 } = await server.ask<Round>({ cmd: 'go', arg: { profile: round > 0 } });
    const { last, frame: got } = await arrived;
    const clientUsed = process.cpuUsage(clientCpu);
    const cpu = await server.ask<number>({ cmd: 'cpu' });
    if (!got.startsWith('{"t":"render"')) throw new Error(`${kind}: unexpected frame ${got.slice(0, 200)}`);
    if (kind === 'weft' && !got.includes(`Score: ${round + 1}<`)) throw new Error(`weft: round ${round + 1} frame shows another score: ${got.slice(0, 300)}`);
    sample = got;
    if (round === 0) continue; // warm-up
    times.push(Number(last - BigInt(t0)) / 1e6);
    cpus.push(cpu / 1000);
    clientCpus.push((clientUsed.user + clientUsed.system) / 1000);
  }
  await server.ask('profiled');
  await closeClients(sockets);
  await server.stop();
  const result = { ms: median(times), bestMs: Math.min(...times), cpuMs: median(cpus), frame: sample };
  // The clients' own CPU for a round tells whether they, not the server, set the pace.
  console.log(
    `  ${kind.padEnd(10)} ${result.ms.toFixed(1).padStart(7)} ms to the last client (best ${result.bestMs.toFixed(1)})` +
      ` ${result.cpuMs.toFixed(1).padStart(7)} ms server CPU` +
      ` ${median(clientCpus).toFixed(1).padStart(7)} ms clients' CPU` +
      `   (rounds: ${times.map((t) => t.toFixed(0)).join(', ')} ms; ${CLIENTS} joined in ${openSeconds.toFixed(1)} s)`,
  );
  return result;
}

async function main(): Promise<void> {
  checkFileLimit(CLIENTS);
  pin(process.pid, 1);
  console.log(`broadcast of one event to ${CLIENTS} clients in one group, median of ${ROUNDS}; server on CPU 0, clients on CPU 1`);
  console.log(`  ${machineNote()}`);
  const ours = await run('weft');
  // The baselines send Weft's own render frame, the same bytes.
  const base = await run('ws.send', ours.frame);
  const once = await run('frame once', ours.frame);
  console.log(`  render frame: ${Buffer.byteLength(ours.frame)} B`);
  const ratio = ours.ms / base.ms;
  console.log(
    `  ratio weft/ws.send: ${ratio.toFixed(2)}× time, medians (target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'missed'}); ` +
      `${(ours.bestMs / base.bestMs).toFixed(2)}× best rounds; ${(ours.cpuMs / base.cpuMs).toFixed(2)}× server CPU`,
  );
  console.log(`  ratio weft/frame once: ${(ours.ms / once.ms).toFixed(2)}× time, ${(ours.cpuMs / once.cpuMs).toFixed(2)}× server CPU`);
}
