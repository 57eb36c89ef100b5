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
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from 'weft/node';
import { baselineBody, baselineEvent, weftCounter } from './fixture.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = 8;

type Kind = 'weft' | 'baseline';

async function serveWeft(): Promise<{ port: number; body: string }> {
  const { weft, body } = await weftCounter();
  const server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
  return { port: (server.address() as AddressInfo).port, body };
}

async function serveBaseline(): Promise<{ port: number; body: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let out: string;
      try {
        out = baselineEvent(Buffer.concat(chunks).toString());
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, body: baselineBody() };
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
