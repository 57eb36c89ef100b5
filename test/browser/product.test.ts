/** The storefront's product, rendered from a Liquid file template, in a real browser. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSuite, nextEventResponse, settle } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="product"]';

async function press(page: Page, selector: string): Promise<void> {
  const response = nextEventResponse(page, 'product');
  await settle(page, () => page.locator(`${ROOT} ${selector}`).click());
  assert.equal((await response).status(), 200, `response to ${selector}`);
}

suite.test('choosing a size and adding to cart, with stock shown and sold-out sizes disabled', async ({ page, url, assertClean }) => {
  await page.goto(url('/shop/product/1'));
  const root = page.locator(ROOT);
  // The label's first word; "Only 3 left" must not make the M button match "L".
  const size = (label: string) => root.locator('.size-btn').filter({ hasText: new RegExp(`^\\s*${label}(\\s|$)`) });
  assert.equal(await root.locator('h2').innerText(), 'Linen Shirt');
  assert.equal(await root.locator('.description').innerText(), 'A breathable shirt for "warm" days.');
  // S is sold out, M is low on stock, L is plentiful.
  assert.equal(await size('S').isDisabled(), true);
  assert.equal(await size('M').locator('.low-stock').innerText(), 'Only 3 left');
  assert.equal(await size('L').locator('.low-stock').count(), 0);
  assert.equal(await root.locator('.add-to-cart').isDisabled(), true, 'no size chosen yet');
  assert.equal(await root.locator('.error').count(), 0);

  const response = nextEventResponse(page, 'product');
  await settle(page, () => size('M').click());
  assert.equal((await response).status(), 200);
  assert.equal(await root.locator('.size-btn.selected').innerText().then((t) => t.trim().split(/\s/)[0]), 'M');
  assert.equal(await root.locator('.add-to-cart').isDisabled(), false);

  await press(page, '.add-to-cart');
  assert.equal((await root.locator('.add-to-cart').innerText()).trim(), 'Added to Cart ✓');
  assert.equal(await root.locator('.add-to-cart').isDisabled(), true);
  // The cart beside it heard the page event in the same answer.
  assert.match(await page.locator('[weft="cart"] ul.items').innerText(), /Linen Shirt \(M\) × 1/);
  assertClean();
});

suite.test('a product that does not exist is a 404 page for the browser and JSON for a script, not a crash', async ({ page, url }) => {
  const res = await page.goto(url('/shop/product/999'));
  assert.equal(res?.status(), 404);
  assert.match(res?.headers()['content-type'] ?? '', /^text\/html/);
  assert.equal(await page.locator('h1').innerText(), '404 Not Found');
  assert.equal(await page.locator('p').first().innerText(), 'there is no product 999');
  assert.equal(await page.locator('code').innerText(), 'not_found');
  // The same URL fetched by a script gets the JSON error.
  const json = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { status: r.status, body: await r.json() };
  }, url('/shop/product/999'));
  assert.deepEqual(json, { status: 404, body: { error: 'there is no product 999', code: 'not_found' } });
});
