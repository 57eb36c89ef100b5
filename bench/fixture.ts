/**
 * What every event benchmark measures: a counter with a 20-item escaped list, as a
 * Weft component and as the same work written by hand (the baseline).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Component, createWeft, html, Registry, type Weft } from 'weft';

export const SECRET = 'bench-secret-bench-secret-bench-secret!!';
export const ITEMS = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `Item <${i}> & "friends"` }));

/** The benchmarks' counter: a count and a 20-item escaped list. */
export class Counter extends Component<{ count: number; items: typeof ITEMS }> {
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

/** A production-mode app serving the counter, and the body of an increment event for it. */
export async function weftCounter(): Promise<{ weft: Weft; body: string }> {
  const registry = new Registry();
  registry.register('counter', Counter);
  const weft = createWeft({ registry, secret: SECRET, mode: 'production', allowedHosts: ['localhost', '127.0.0.1'] });
  const first = await weft.render('counter');
  return { weft, body: JSON.stringify({ event: 'increment', payload: {}, state: first.blob }) };
}

// ── Baseline: the same work written by hand ─────────────────────────────────
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] as string);
const sign = (data: string) => createHmac('sha256', SECRET).update(data).digest('base64url');

/** The body of an increment event for {@link baselineEvent}. */
export function baselineBody(): string {
  const payload = Buffer.from(JSON.stringify({ count: 0, items: ITEMS })).toString('base64url');
  return JSON.stringify({ event: 'increment', state: `${payload}.${sign(payload)}` });
}

/** Parse, verify, update, render escaped, sign: an event with no framework. Throws on a bad signature. */
export function baselineEvent(body: string): string {
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
