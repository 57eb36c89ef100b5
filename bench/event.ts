/**
 * Server CPU per event: Weft's full HTTP event path (CSRF, body limits, JSON depth
 * check, verify HMAC, hydrate, handler, render with escaping, sign) against a
 * hand-written baseline doing the same essential work with no framework, in the
 * same process and run. Prints µs/event for both and the ratio.
 *
 *   npm run bench   (measures the built package in dist/, as users get it)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Component, createHttpHandler, createWeft, html, Registry } from 'weft';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const SECRET = 'bench-secret-bench-secret-bench-secret!!';
const ITEMS = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `Item <${i}> & "friends"` }));

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

// ── Baseline: the same work written by hand ─────────────────────────────────
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] as string);
const sign = (data: string) => createHmac('sha256', SECRET).update(data).digest('base64url');

function baselineHandle(body: string): string {
  const req = JSON.parse(body) as { state: string; event: string };
  const [payload = '', sig = ''] = req.state.split('.');
  if (!timingSafeEqual(Buffer.from(sign(payload)), Buffer.from(sig))) throw new Error('bad signature');
  const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { count: number; items: typeof ITEMS };
  if (req.event === 'increment') state.count++;
  let inner = `<p>Count: ${state.count}</p><ul>`;
  for (const i of state.items) inner += `<li data-id="${i.id}">${esc(i.name)}</li>`;
  inner += `</ul>\n<button hx-post="/components/counter/" hx-vals="${esc('{"event":"increment"}')}">+1</button>`;
  const next = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `<div id="c" weft-state="${next}.${sign(next)}">${inner}</div>`;
}

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

const registry = new Registry();
registry.register('counter', Counter);
const weft = createWeft({ registry, secret: SECRET, mode: 'production' });
const handle = createHttpHandler(weft);
const first = await weft.render('counter');
const weftBody = JSON.stringify({ event: 'increment', payload: {}, state: first.blob });
const url = new URL('http://localhost/components/counter/');
const headers = { 'content-type': 'application/json', host: 'localhost', origin: 'http://localhost' };

const basePayload = Buffer.from(JSON.stringify({ count: 0, items: ITEMS })).toString('base64url');
const baseBody = JSON.stringify({ event: 'increment', state: `${basePayload}.${sign(basePayload)}` });

console.log(`event over HTTP handler, ${ITERATIONS} iterations, 20-item list render`);
const base = await time('baseline (hand-written)', () => baselineHandle(baseBody));
const ours = await time('weft', async () => {
  const res = await handle({ method: 'POST', url, headers, ip: '127.0.0.1', body: async () => weftBody });
  if (res?.status !== 200) throw new Error(`unexpected ${res?.status}: ${String(res?.body)}`);
});
console.log(`ratio weft/baseline: ${(ours / base).toFixed(2)}×`);
