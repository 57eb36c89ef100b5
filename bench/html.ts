/**
 * The `html` tagged template against hand-written string building with the same
 * escaping, rendering a 100-row table. Prints µs/render and the ratio.
 */
import { html } from 'weft';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const ROWS = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `Row ${i} <b>`, email: `r${i}@example.com`, active: i % 3 !== 0 }));
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] as string);

function baseline(): string {
  let out = '<table>';
  for (const r of ROWS) out += `<tr><td>${r.id}</td><td>${esc(r.name)}</td><td>${esc(r.email)}</td><td>${r.active ? 'yes' : ''}</td></tr>`;
  return out + '</table>';
}

function weft(): string {
  return html`<table>${ROWS.map((r) => html`<tr><td>${r.id}</td><td>${r.name}</td><td>${r.email}</td><td>${r.active && 'yes'}</td></tr>`)}</table>`.value;
}

if (baseline() !== weft()) throw new Error('renderers disagree');

function time(label: string, fn: () => string): number {
  for (let i = 0; i < 1000; i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) fn();
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / ITERATIONS;
  console.log(`${label.padEnd(28)} ${us.toFixed(1).padStart(7)} µs/render CPU`);
  return us;
}

console.log(`100-row table, ${ITERATIONS} iterations`);
const base = time('baseline (string concat)', baseline);
const ours = time('weft html``', weft);
console.log(`ratio weft/baseline: ${(ours / base).toFixed(2)}×`);
