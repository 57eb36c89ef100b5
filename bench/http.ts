/**
 * End to end over real sockets: a Weft app on node:http against a hand-written
 * node:http server doing the same work (parse JSON, verify HMAC, update, render a
 * 20-item escaped list, sign, respond). Each server runs in its own process; the
 * load comes from this one. Prints server CPU µs per request, requests/s and ratios.
 *
 *   npm run bench
 *   BENCH_PROF=<dir> tsx bench/http.ts   # also writes each server's .cpuprofile to <dir>
 */
import { fork } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = 8;
const SECRET = 'bench-secret-bench-secret-bench-secret!!';
const ITEMS = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `Item <${i}> & "friends"` }));

type Kind = 'weft' | 'baseline';

async function serveWeft(): Promise<{ port: number; body: string }> {
  const { Component, createWeft, html, Registry } = await import('weft');
  const { serve } = await import('weft/node');
  class Counter extends Component<{ count: number; items: typeof ITEMS }> {
    static override events = { increment: true };
    mount() {
      return { count: 0, items: ITEMS };
    }
    increment() {
      this.state.count++;
    }
    override render() {
      return html`<p>Count: ${this.state.count}</p><ul>${this.state.items.map((i) => html`<li data-id="${i.id}">${i.name}</li>`)}</ul>
<button ${this.on('increment')}>+1</button>`;
    }
  }
  const registry = new Registry();
  registry.register('counter', Counter);
  const weft = createWeft({ registry, secret: SECRET, mode: 'production' });
  const server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
  const first = await weft.render('counter');
  return { port: (server.address() as AddressInfo).port, body: JSON.stringify({ event: 'increment', payload: {}, state: first.blob }) };
}

async function serveBaseline(): Promise<{ port: number; body: string }> {
  const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] as string);
  const sign = (data: string) => createHmac('sha256', SECRET).update(data).digest('base64url');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = JSON.parse(Buffer.concat(chunks).toString()) as { state: string; event: string };
      const [payload = '', sig = ''] = msg.state.split('.');
      if (!timingSafeEqual(Buffer.from(sign(payload)), Buffer.from(sig))) {
        res.writeHead(400).end();
        return;
      }
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { count: number; items: typeof ITEMS };
      if (msg.event === 'increment') state.count++;
      let inner = `<p>Count: ${state.count}</p><ul>`;
      for (const i of state.items) inner += `<li data-id="${i.id}">${esc(i.name)}</li>`;
      inner += `</ul>\n<button hx-post="/components/counter/" hx-vals="${esc('{"event":"increment"}')}">+1</button>`;
      const next = Buffer.from(JSON.stringify(state)).toString('base64url');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<div id="c" weft-state="${next}.${sign(next)}">${inner}</div>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const payload = Buffer.from(JSON.stringify({ count: 0, items: ITEMS })).toString('base64url');
  return { port: (server.address() as AddressInfo).port, body: JSON.stringify({ event: 'increment', state: `${payload}.${sign(payload)}` }) };
}

// ── child: serve, then report CPU used since the parent said "start" ──────────
if (process.argv[2] === '--serve') {
  const kind = process.argv[3] as Kind;
  const { port, body } = kind === 'weft' ? await serveWeft() : await serveBaseline();
  let since = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'start') since = process.cpuUsage();
    if (m === 'stop') {
      const used = process.cpuUsage(since);
      process.send?.({ cpu: used.user + used.system }, () => process.exit(0));
    }
  });
  process.send?.({ port, body });
} else {
  await main();
}

function post(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/components/counter/', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(kind: Kind): Promise<{ cpuUs: number; rps: number }> {
  const prof = process.env.BENCH_PROF;
  const execArgv = prof ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${prof}`] : process.execArgv;
  const child = fork(new URL(import.meta.url).pathname, ['--serve', kind], { execArgv });
  const ready = await new Promise<{ port: number; body: string }>((resolve) => child.once('message', (m) => resolve(m as { port: number; body: string })));
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const load = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < n) {
          const status = await post(agent, ready.port, ready.body);
          if (status !== 200) throw new Error(`${kind}: status ${status}`);
        }
      }),
    );
  };
  await load(2000); // warm up
  child.send('start');
  const start = process.hrtime.bigint();
  await load(REQUESTS);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  child.send('stop');
  const { cpu } = await new Promise<{ cpu: number }>((resolve) => child.once('message', (m) => resolve(m as { cpu: number })));
  agent.destroy();
  const result = { cpuUs: cpu / REQUESTS, rps: REQUESTS / seconds };
  console.log(`${kind.padEnd(28)} ${result.cpuUs.toFixed(1).padStart(7)} µs CPU/request ${result.rps.toFixed(0).padStart(8)} req/s`);
  return result;
}

async function main(): Promise<void> {
  console.log(`event over node:http, ${REQUESTS} requests, ${CONCURRENCY} in flight, server in its own process`);
  const base = await run('baseline');
  const ours = await run('weft');
  console.log(`ratio weft/baseline: CPU ${(ours.cpuUs / base.cpuUs).toFixed(2)}×, throughput ${(ours.rps / base.rps).toFixed(2)}×`);
}
