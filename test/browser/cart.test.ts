/** The cart in a real browser: add, merge quantities, total in server state, remove. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSuite, readProbe, settle, WAIT_MS } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="cart"]';

/**
 * Clicks a button of the cart and waits for its answer: over HTTP, or over the
 * page's socket once the live cart has joined it. The add buttons broadcast to
 * the shopper's carts, so the item itself may arrive a moment later as a push.
 */
async function press(page: Page, name: string, nth = 0): Promise<void> {
  const before = (await readProbe(page)).errors.length;
  await settle(page, () => page.locator(ROOT).getByRole('button', { name, exact: true }).nth(nth).click());
  assert.deepEqual((await readProbe(page)).errors.slice(before), [], `answer to "${name}"`);
}

/** Waits until the cart lists `expected` (a push may still be on its way). */
async function expectItems(page: Page, expected: string[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await items(page);
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await page.waitForTimeout(25);
  }
  assert.deepEqual(last, expected);
}

async function items(page: Page): Promise<string[]> {
  const texts = await page.locator(`${ROOT} ul.items > li`).allInnerTexts();
  // Drop the buttons' labels and collapse whitespace: "Merino Scarf (M) × 2 — $29.99".
  return texts.map((t) => t.replace(/\+|Remove/g, '').replace(/\s+/g, ' ').trim());
}

function total(page: Page): Promise<string> {
  return page.locator(`${ROOT} .total`).innerText();
}

suite.test('adding, merging and removing items keeps the list and total right', async ({ page, url, assertClean }) => {
  await page.goto(url('/cart'));
  assert.equal(await page.locator(`${ROOT} .empty`).innerText(), 'Your cart is empty.');
  assert.equal(await total(page), 'Total: $0.00');

  await press(page, 'Add #42 (M)');
  await press(page, 'Add #42 (M)');
  await press(page, 'Add #1 (M)');
  await expectItems(page, ['Merino Scarf (M) × 2 — $29.99', 'Linen Shirt (M) × 1 — $49.00']);
  assert.equal(await total(page), 'Total: $108.98');
  assert.equal(await page.locator(`${ROOT} .empty`).count(), 0);
  assert.equal(await page.locator(`${ROOT} .error`).count(), 0);

  // "+" on the shirt (second item) sets its quantity to 2.
  await press(page, '+', 1);
  await expectItems(page, ['Merino Scarf (M) × 2 — $29.99', 'Linen Shirt (M) × 2 — $49.00']);
  assert.equal(await total(page), 'Total: $157.98');

  // Remove the scarf (first item's "Remove").
  await press(page, 'Remove', 0);
  await expectItems(page, ['Linen Shirt (M) × 2 — $49.00']);
  assert.equal(await total(page), 'Total: $98.00');

  await press(page, 'Remove', 0);
  await expectItems(page, []);
  assert.equal(await total(page), 'Total: $0.00');
  assert.equal(await page.locator(`${ROOT} .empty`).innerText(), 'Your cart is empty.');

  assert.equal(await page.locator(ROOT).count(), 1, 'one cart root');
  assert.equal(await page.locator('#cart').count(), 1, 'the page around the cart is untouched');
  assertClean();
});
