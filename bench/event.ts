/**
 * Server CPU per event: Weft's full HTTP event path (CSRF, body limits, JSON depth
 * check, verify HMAC, hydrate, handler, render with escaping, sign) against a
 * hand-written baseline doing the same essential work with no framework, in the
 * same process and run. Prints µs/event for both and the ratio.
 *
 *   npm run bench   (measures the built package in dist/, as users get it)
 */
import { createHttpHandler } from 'weft';
import { baselineBody, baselineEvent, weftCounter } from './fixture.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);

function time(label: string, fn: () => Promise<unknown> | unknown): Promise<number> {
  return (async () => {
    for (let i = 0; i < 1000; i++) await fn(); // warm up the JIT
    const start = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) await fn();
    const used = process.cpuUsage(start);
    const us = (used.user + used.system) / ITERATIONS;
    console.log(`${label.padEnd(28)} ${us.toFixed(1).padStart(7)} µs/event CPU`);
    return us;
  })();
}

const { weft, body: weftBody } = await weftCounter();
const handle = createHttpHandler(weft);
const url = new URL('http://localhost/components/counter/');
const headers = { 'content-type': 'application/json', host: 'localhost', origin: 'http://localhost' };
const baseBody = baselineBody();

console.log(`event over HTTP handler, ${ITERATIONS} iterations, 20-item list render`);
const base = await time('baseline (hand-written)', () => baselineEvent(baseBody));
const ours = await time('weft', async () => {
  const res = await handle({ method: 'POST', url, headers, ip: '127.0.0.1', body: async () => weftBody });
  if (res?.status !== 200) throw new Error(`unexpected ${res?.status}: ${String(res?.body)}`);
});
console.log(`ratio weft/baseline: ${(ours / base).toFixed(2)}×`);
