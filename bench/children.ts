/**
 * A parent re-rendering 50 stateful children: the event request without the
 * `children` list (every child mounted, rendered and sent, the baseline) against
 * the same request listing the children the page shows (unchanged ones become
 * placeholders, protocol P1.3). Prints µs/event, response bytes and the ratios.
 */
import { Component, createHttpHandler, createWeft, html, Registry } from 'weft';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5_000);
const CHILDREN = 50;

class Row extends Component<{ n: number; tags: string[] }, { index: number }> {
  static override events = { touch: true };
  mount() {
    return { n: this.params.index, tags: ['a', 'b <c>', 'd & e'] };
  }
  touch() {
    this.state.n++;
  }
  override render() {
    return html`<b>${this.state.n}</b> ${this.state.tags.map((t) => html`<i>${t}</i>`)} <button ${this.on('touch')}>+</button>`;
  }
}

class List extends Component<{ title: string; rows: number }> {
  static override events = { rename: true };
  mount() {
    return { title: 'list', rows: CHILDREN };
  }
  rename() {
    this.state.title += '!';
  }
  override async render() {
    const rows = [];
    for (let i = 0; i < this.state.rows; i++) rows.push(html`<li>${await this.child(Row, { index: i }, { key: i })}</li>`);
    return html`<h2>${this.state.title}</h2><ul>${rows}</ul>`;
  }
}

const registry = new Registry();
registry.register('row', Row);
registry.register('list', List);
const weft = createWeft({ registry, secret: 'bench-secret-bench-secret-bench-secret!!', mode: 'production', allowedHosts: ['localhost'] });
const handle = createHttpHandler(weft);
const first = await weft.render('list');
const children = Object.fromEntries(
  [...first.html.matchAll(/id="([^"]+)" weft="row" weft-state="[^"]+" weft-child="([^"]+)"/g)].map((m) => [m[1], m[2]]),
);
if (Object.keys(children).length !== CHILDREN) throw new Error('fixture did not render its children');

const url = new URL('http://localhost/components/list/');
const headers = { 'content-type': 'application/json', host: 'localhost', origin: 'http://localhost' };
const bodies = {
  full: JSON.stringify({ event: 'rename', state: first.blob }),
  listed: JSON.stringify({ event: 'rename', state: first.blob, children }),
};

async function run(label: string, body: string): Promise<{ us: number; bytes: number }> {
  let bytes = 0;
  const once = async () => {
    const res = await handle({ method: 'POST', url, headers, ip: '127.0.0.1', body: async () => body });
    if (res?.status !== 200) throw new Error(`unexpected ${res?.status}: ${String(res?.body)}`);
    bytes = Buffer.byteLength(res.body as string);
  };
  for (let i = 0; i < 200; i++) await once(); // warm up the JIT
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) await once();
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / ITERATIONS;
  console.log(`${label.padEnd(34)} ${us.toFixed(1).padStart(8)} µs/event CPU ${String(bytes).padStart(7)} B/response`);
  return { us, bytes };
}

console.log(`parent event re-rendering ${CHILDREN} unchanged stateful children, ${ITERATIONS} iterations`);
const full = await run('baseline (children rendered)', bodies.full);
const listed = await run('weft (children listed, kept)', bodies.listed);
console.log(`ratio kept/rendered: ${(listed.us / full.us).toFixed(2)}× CPU, ${(listed.bytes / full.bytes).toFixed(2)}× bytes`);
