/**
 * What the live benchmarks share: the components they measure, the same work
 * written by hand on a raw `ws` server (the baselines), CPU pinning, server
 * child processes, and a client side that opens many sockets.
 *
 * Every live benchmark runs the server in a child process pinned to CPU 0 and
 * the load (this process) on CPU 1 with `taskset`, so the server's figures are
 * not mixed with the clients' work.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join as joinPath } from 'node:path';
import { Component, createWeft, html, Registry, type Weft } from 'weft';
import { WebSocket } from 'ws';
import { Counter, ITEMS, SECRET } from './fixture.js';

export { SECRET };
export const LIVE_PATH = '/ws/components/';

// ── The components ───────────────────────────────────────────────────────────


/** A counter's first state, for the baseline's first render. */
export function counterState(name: 'counter' | 'list-counter'): { count: number; items?: typeof ITEMS } {
  return name === 'counter' ? { count: 0 } : { count: 0, items: ITEMS };
}

/** A live counter: the smallest useful live component. */
export class LiveCounter extends Component<{ count: number }> {
  static override events = { increment: true };
  static override live = true;
  mount() {
    return { count: 0 };
  }
  increment() {
    this.state.count++;
  }
  override render() {
    return html`<p>Count: ${this.state.count}</p><button ${this.on('increment')}>+1</button>`;
  }
}

/** The same counter with the 20-item escaped list the HTTP benchmarks render. */
export class ListCounter extends Counter {
  static override live = true;
}

export class Scoreboard extends Component<{ score: number }> {
  static override events = { point: true };
  mount() {
    return { score: 0 };
  }
  override groups() {
    return ['scoreboard'];
  }
  point() {
    this.state.score++;
  }
  override render() {
    return html`<p>Score: ${this.state.score}</p>`;
  }
}

/** A user's cart: each page joins its own user's group (`cart-<user>`). */
export class Cart extends Component<{ user: string; items: string[] }, { user: string }> {
  static override events = { add: true };
  mount() {
    return { user: this.params.user, items: [] };
  }
  override groups() {
    return [`cart-${this.state.user}`];
  }
  add({ item }: { item?: unknown }) {
    if (typeof item === 'string') this.state.items.push(item);
  }
  override render() {
    return html`<ul>${this.state.items.map((i) => html`<li>${i}</li>`)}</ul>`;
  }
}

/** A production-mode app with the live benchmarks' components. */
export function liveApp(): Weft {
  const registry = new Registry();
  registry.register('counter', LiveCounter);
  registry.register('list-counter', ListCounter);
  registry.register('scoreboard', Scoreboard);
  registry.register('cart', Cart);
  return createWeft({ registry, secret: SECRET, mode: 'production', allowedHosts: ['localhost', '127.0.0.1'] });
}

/** What a browser sends to join a root it was rendered with. */
export interface Join {
  id: string;
  name: string;
  state: string;
}

export function joinFrame(join: Join): string {
  return JSON.stringify({ t: 'join', ...join });
}

// ── Baseline: Weft's wire protocol written by hand ──────────────────────────

const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
const sign = (part: string) => createHmac('sha256', key).update(part).digest('base64url');
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] as string);

/** A signed state blob in Weft's format (`v1.<envelope>.<HMAC>`), so both servers send the same bytes. */
export function baselineBlob(name: string, id: string, state: unknown): string {
  const envelope = `{"n":"${name}","i":"${id}","t":${Math.floor(Date.now() / 1000)},"s":${JSON.stringify(state)}}`;
  const part = `v1.${Buffer.from(envelope).toString('base64url')}`;
  return `${part}.${sign(part)}`;
}

/** Verifies a blob made by {@link baselineBlob} (or by Weft with the same secret) and returns its state. */
export function baselineOpen(name: string, blob: string): { id: string; state: Record<string, unknown> } {
  const [v = '', payload = '', sig = ''] = blob.split('.');
  const expected = Buffer.from(sign(`${v}.${payload}`));
  if (sig.length !== expected.length || !timingSafeEqual(expected, Buffer.from(sig))) throw new Error('bad signature');
  const envelope = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { n: string; i: string; s: Record<string, unknown> };
  if (envelope.n !== name) throw new Error('wrong component');
  return { id: envelope.i, state: envelope.s };
}

const INCREMENT_VALS = esc('{"event":"increment"}');

/** The inner HTML of {@link LiveCounter} or {@link ListCounter}, by hand. */
export function baselineCounterHtml(name: string, state: { count: number; items?: typeof ITEMS }): string {
  const button = `<button hx-post="/components/${name}/" hx-vals="${INCREMENT_VALS}">+1</button>`;
  if (!state.items) return `<p>Count: ${state.count}</p>${button}`;
  let out = `<p>Count: ${state.count}</p><ul>`;
  for (const i of state.items) out += `<li data-id="${i.id}">${esc(i.name)}</li>`;
  return `${out}</ul>\n${button}`;
}

/** A live root element around `inner`, as Weft writes it. */
export function baselineRoot(name: string, id: string, blob: string, inner: string): string {
  return `<div id="${id}" weft="${name}" weft-state="${blob}" weft-live hx-target="this" hx-swap="morph" hx-ext="weft">${inner}</div>`;
}

export function baselineRenderFrame(id: string, html: string, ref?: number): string {
  return `{"t":"render","id":${JSON.stringify(id)},${ref === undefined ? '' : `"ref":${ref},`}"html":${JSON.stringify(html)}}`;
}

// ── Processes ────────────────────────────────────────────────────────────────

let tasksetChecked: boolean | undefined;

/** Pins a process (all its threads) to one CPU; says once if `taskset` is missing. */
export function pin(pid: number, cpu: number): void {
  if (tasksetChecked === false) return;
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    tasksetChecked = true;
  } catch {
    tasksetChecked = false;
    console.log('note: `taskset` is not available (util-linux); server and load share the CPUs');
  }
}

/**
 * Each socket is a file descriptor in the server and in the clients' process:
 * stops with a clear message when `ulimit -n` is too low for `sockets`.
 */
export function checkFileLimit(sockets: number): void {
  let limit = Infinity;
  try {
    limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || Infinity;
  } catch {
    return; // no shell to ask: let the sockets tell
  }
  if (limit < sockets + 200) {
    console.error(`ulimit -n is ${limit}, too low for ${sockets} sockets: raise it (ulimit -n ${sockets + 1000}) or set BENCH_CLIENTS lower`);
    process.exit(1);
  }
}

/** One line on the machine: CPUs and load, since other work on it moves the figures. */
export function machineNote(): string {
  const [one = 0, five = 0] = loadavg();
  return `load average ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min)`;
}

/** A server child process, pinned to CPU 0, spoken to over IPC. */
export class ServerChild<Ready> {
  readonly child: ChildProcess;
  readonly ready: Promise<Ready>;
  #messages: unknown[] = [];
  #waiting: ((m: unknown) => void)[] = [];

  constructor(script: string, args: string[], options: { exposeGc?: boolean; profileItself?: boolean } = {}) {
    const prof = options.profileItself ? undefined : process.env.BENCH_PROF;
    const execArgv = [...process.execArgv, ...(options.exposeGc ? ['--expose-gc'] : []), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
    this.child = fork(script, ['--serve', ...args], { execArgv });
    pin(this.child.pid as number, 0);
    this.child.on('message', (m) => {
      const wake = this.#waiting.shift();
      if (wake) wake(m);
      else this.#messages.push(m);
    });
    this.ready = this.next<Ready>();
  }

  next<T>(): Promise<T> {
    const m = this.#messages.shift();
    if (m !== undefined) return Promise.resolve(m as T);
    return new Promise((resolve) => this.#waiting.push(resolve as (m: unknown) => void));
  }

  /** Sends a command and waits for its answer. */
  ask<T>(command: unknown): Promise<T> {
    this.child.send(command as never);
    return this.next<T>();
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('exit');
    await exited;
  }
}

/** In the child: answers commands from the parent; `exit` ends the process (after a profile is written). */
export function serveCommands(handlers: Record<string, (arg: never) => unknown>): void {
  process.on('message', async (m: unknown) => {
    const { cmd, arg } = typeof m === 'string' ? { cmd: m, arg: undefined } : (m as { cmd: string; arg: unknown });
    if (cmd === 'exit') process.exit(0);
    const handler = handlers[cmd];
    if (!handler) throw new Error(`unknown command ${cmd}`);
    process.send?.((await handler(arg as never)) ?? null);
  });
}

/**
 * A CPU profile of part of a child's life (Node's `--cpu-prof` covers all of
 * it, connection set-up included). Does nothing unless `BENCH_PROF` names a directory.
 */
export function partProfiler(name: string): { start(): Promise<void>; stop(): Promise<void> } {
  const dir = process.env.BENCH_PROF;
  let session: Session | undefined;
  return {
    async start() {
      if (!dir || session) return;
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    async stop() {
      if (!dir || !session) return;
      const { profile } = await session.post('Profiler.stop');
      await writeFile(joinPath(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
      session = undefined;
    },
  };
}

// ── Clients ──────────────────────────────────────────────────────────────────

/** Local addresses to connect from: each has its own range of ports, so tens of thousands of sockets fit. */
const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

/**
 * Opens `count` sockets to a live path, at most `parallel` handshakes at a
 * time; if `join` is given, each joins that root and waits for `joined`.
 */
export async function openClients(port: number, count: number, join?: (i: number) => string, parallel = 200): Promise<WebSocket[]> {
  const url = `ws://127.0.0.1:${port}${LIVE_PATH}`;
  const origin = `http://127.0.0.1:${port}`;
  const sockets: WebSocket[] = new Array(count);
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { origin }, localAddress: LOCAL_ADDRESSES[i % LOCAL_ADDRESSES.length], perMessageDeflate: false });
      sockets[i] = ws;
      ws.once('error', reject);
      ws.once('open', () => {
        if (!join) return resolve();
        ws.once('message', (data) => {
          const text = String(data);
          if (!text.startsWith('{"t":"joined"')) reject(new Error(`join refused: ${text}`));
          else resolve();
        });
        ws.send(join(i));
      });
    });
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return sockets;
}

export async function closeClients(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.terminate();
        }),
    ),
  );
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
