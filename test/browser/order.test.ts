/**
 * Events on one root are sent one at a time, each with the state the previous
 * response produced (P5.6): no event is lost when several are in flight, a failed
 * one does not hold up the rest, and a nested root keeps its own order.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page, Request } from 'playwright-core';
import { Component, html } from 'weft';
import { z } from 'zod';
import { browserSuite, readProbe, WAIT_MS } from './harness.js';
import { ownApp } from './own-app.js';

/** A counter whose server takes a random 0–80 ms per event. */
class SlowCounter extends Component<{ count: number }> {
  static override events = { increment: true, addTwo: true, fail: z.object({ by: z.number() }) };
  mount() {
    return { count: 0 };
  }
  async increment() {
    await sleep(Math.random() * 80);
    this.state.count++;
  }
  async addTwo() {
    await sleep(Math.random() * 80);
    this.state.count += 2;
  }
  fail() {
    // Never reached: the button below sends a payload the schema refuses (422).
  }
  override render() {
    return html`<output class="count">${this.state.count}</output>
<button class="inc" ${this.on('increment')}>+1</button>
<button class="add2" ${this.on('addTwo')}>+2</button>
<button class="fail" ${this.on('fail', { by: 'not a number' })}>fail</button>`;
  }
}

interface Line {
  id: number;
  name: string;
  cents: number;
  qty: number;
}

/**
 * The storefront cart's shape: a quantity field per row (a number input whose
 * change sets it) and a Remove button per row; setting a quantity is slow.
 */
class RaceCart extends Component<{ items: Line[] }> {
  static override events = {
    setQty: z.object({ id: z.number().int(), qty: z.number().int().min(0).max(99) }),
    removeItem: z.object({ id: z.number().int() }),
  };
  mount() {
    return {
      items: [
        { id: 1, name: 'Shirt', cents: 4900, qty: 1 },
        { id: 2, name: 'Scarf', cents: 2999, qty: 1 },
        { id: 3, name: 'Hat', cents: 1500, qty: 1 },
      ],
    };
  }
  async setQty({ id, qty }: { id: number; qty: number }) {
    await sleep(150);
    for (const item of this.state.items) if (item.id === id) item.qty = qty;
  }
  async removeItem({ id }: { id: number }) {
    await sleep(Math.random() * 30);
    this.state.items = this.state.items.filter((i) => i.id !== id);
  }
  override render() {
    const total = this.state.items.reduce((sum, i) => sum + i.cents * i.qty, 0);
    return html`<ul>${this.state.items.map(
      (i) => html`<li data-id="${i.id}">${i.name}
  <input class="qty" type="number" name="qty" min="0" max="99" value="${i.qty}" ${this.on('setQty', { id: i.id }, { trigger: 'change' })}>
  <button class="remove" ${this.on('removeItem', { id: i.id })}>Remove</button></li>`,
    )}</ul>
<p class="total">${(total / 100).toFixed(2)}</p>`;
  }
}

/** A parent whose own event is slow, around a child counter. */
class Shelf extends Component<{ label: string }> {
  static override events = { rename: true };
  mount() {
    return { label: 'first' };
  }
  async rename() {
    await sleep(400);
    this.state.label = 'second';
  }
  override async render() {
    return html`<h2 class="label">${this.state.label}</h2>
<button class="rename" ${this.on('rename')}>rename</button>
${await this.child(SlowCounter, {}, { key: 'c' })}`;
  }
}

const suite = browserSuite();
const app = ownApp({
  '/counter': ['slow-counter', SlowCounter],
  '/cart': ['race-cart', RaceCart],
  '/shelf': ['shelf', Shelf],
});

/**
 * Counts the event requests the page makes that have finished, answered or failed
 * (htmx reports a request whose element left the page nowhere the page can see).
 */
function countEvents(page: Page): { done: () => number } {
  let done = 0;
  const isEvent = (r: Request) => r.method() === 'POST' && new URL(r.url()).pathname.startsWith('/components/');
  page.on('requestfinished', (r) => void (isEvent(r) && done++));
  page.on('requestfailed', (r) => void (isEvent(r) && done++));
  return { done: () => done };
}

/** Waits until `n` event requests have finished, and that no more follow. */
async function afterRequests(page: Page, events: { done: () => number }, n: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (events.done() < n) {
    assert.ok(Date.now() < deadline, `only ${events.done()} of ${n} requests finished`);
    await page.waitForTimeout(20);
  }
  // Let the last response swap and settle; a request sent late would show up too.
  await page.waitForTimeout(200);
  assert.equal(events.done(), n, 'no more requests than events');
}

/** Clicks every element matching `selector`, in document order, within one task. */
function clickAll(page: Page, selectors: string[]): Promise<void> {
  return page.evaluate((list) => {
    for (const s of list) (document.querySelector(s) as HTMLElement).click();
  }, selectors);
}

function rows(page: Page): Promise<{ name: string; qty: string }[]> {
  return page.locator('li').evaluateAll((lis) =>
    lis.map((li) => ({ name: (li.firstChild?.textContent ?? '').trim(), qty: (li.querySelector('.qty') as HTMLInputElement).value })),
  );
}

suite.test('typing a quantity, then clicking Remove on another row: both changes last (P5.6)', async ({ page, assertClean }) => {
  const events = countEvents(page);
  await page.goto(app.url('/cart'));
  // Blur of the quantity field fires setQty (slow); the click fires removeItem.
  await page.locator('li[data-id="1"] .qty').fill('3');
  await page.locator('li[data-id="2"] .remove').click();
  await afterRequests(page, events, 2);
  assert.deepEqual(await rows(page), [
    { name: 'Shirt', qty: '3' },
    { name: 'Hat', qty: '1' },
  ]);
  assert.equal(await page.locator('.total').innerText(), '162.00');
  assertClean();
});

suite.test('three Removes clicked at once remove the three rows they were clicked on (P5.6)', async ({ page, assertClean }) => {
  const events = countEvents(page);
  await page.goto(app.url('/cart'));
  // Each response shifts the rows under the next click: the payload is the one
  // the user clicked, the state the one the previous response left.
  await clickAll(page, ['li[data-id="1"] .remove', 'li[data-id="2"] .remove', 'li[data-id="3"] .remove']);
  await afterRequests(page, events, 3);
  assert.deepEqual(await rows(page), []);
  assert.equal(await page.locator('.total').innerText(), '0.00');
  assertClean();
});

suite.test('10 rapid clicks with random server delays count 10, every time (P5.6)', async ({ page, assertClean }) => {
  const events = countEvents(page);
  for (let round = 0; round < 4; round++) {
    await page.goto(app.url('/counter'));
    await clickAll(page, Array<string>(10).fill('.inc'));
    await afterRequests(page, events, 10 * (round + 1));
    assert.equal(await page.locator('.count').innerText(), '10', `round ${round}`);
  }
  // Real clicks on two buttons, alternating, as fast as the browser takes them.
  await page.goto(app.url('/counter'));
  for (let i = 0; i < 5; i++) {
    await page.locator('.inc').click();
    await page.locator('.add2').click();
  }
  await afterRequests(page, events, 50);
  assert.equal(await page.locator('.count').innerText(), '15');
  assertClean();
});

suite.test('a refused or unreachable request does not hold up the ones after it (P5.6)', async ({ page }) => {
  const events = countEvents(page);
  await page.goto(app.url('/counter'));
  await page.route(app.url('/components/slow-counter/'), (route) => route.abort('connectionrefused'), { times: 1 });
  await clickAll(page, ['.inc', '.fail', '.inc', '.add2']);
  await afterRequests(page, events, 4);
  assert.equal(await page.locator('.count').innerText(), '3');
  const { errors } = await readProbe(page);
  assert.deepEqual(
    errors.map((e) => e.detail.code),
    ['network', 'invalid_payload'],
  );
});

suite.test('a nested root keeps its own order: its events do not wait for its parent (P5.6)', async ({ page, assertClean }) => {
  const events = countEvents(page);
  await page.goto(app.url('/shelf'));
  await page.evaluate(() => {
    const swapped: string[] = [];
    (window as unknown as { swapped: string[] }).swapped = swapped;
    document.addEventListener('htmx:afterSwap', (e) => swapped.push((e as CustomEvent).detail.target.getAttribute('weft')));
  });
  await clickAll(page, ['.rename', '.inc']);
  await afterRequests(page, events, 2);
  assert.equal(await page.locator('.label').innerText(), 'second');
  assert.equal(await page.locator('.count').innerText(), '1', 'the parent kept the child as it was');
  // The child's answer landed while the parent's slow event was still out.
  assert.deepEqual(await page.evaluate(() => (window as unknown as { swapped: string[] }).swapped), ['slow-counter', 'shelf']);
  assertClean();
});
