/**
 * Page events in a real browser: the product's "Add to cart" emits `cart-add`,
 * and the cart beside it, which listens, shows the item from the same answer
 * (morphed out of band), with no page script and no second request — whether
 * the page's WebSocket is up or not.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { CART, cartItems, waitForItems } from './shop.js';
import { browserSuite, readProbe, WAIT_MS } from './harness.js';

const suite = browserSuite();

const PRODUCT = '[weft="product"]';

/**
 * Picks size M, then clicks "Add to cart" and returns every request the page
 * made from the click until the cart shows the item (and a while after, so a
 * second add or request would be seen), and what page scripts heard.
 */
async function addToCart(page: Page): Promise<{ requests: string[]; heard: unknown[] }> {
  await page.locator(`${PRODUCT} .size-btn`).filter({ hasText: /^\s*M(\s|$)/ }).click();
  await page.locator(`${PRODUCT} .size-btn.selected`).waitFor();
  await page.evaluate(() => {
    const heard: unknown[] = [];
    (window as unknown as { heard: unknown[] }).heard = heard;
    // A page script hears the emit as a DOM event, as with htmx's HX-Trigger.
    document.addEventListener('cart-add', (e) => {
      const { productId, size } = (e as CustomEvent).detail as { productId: number; size: string };
      heard.push({ productId, size });
    });
    // The cart element itself, so the test can tell a morph from a replacement.
    (document.querySelector('[weft="cart"]') as unknown as { mark: number }).mark = 1;
  });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  const before = (await readProbe(page)).settles;
  await page.locator(`${PRODUCT} .add-to-cart`).click();
  await waitForItems(page, ['Linen Shirt (M) × 1 — $49.00']);
  await page.waitForFunction((n) => (window as unknown as { __probe: { settles: number } }).__probe.settles > n, before);
  await page.waitForTimeout(400);
  return { requests, heard: await page.evaluate(() => (window as unknown as { heard: unknown[] }).heard) };
}

async function assertAdded(page: Page): Promise<void> {
  assert.equal((await page.locator(`${PRODUCT} .add-to-cart`).innerText()).trim(), 'Added to Cart ✓');
  assert.deepEqual(await cartItems(page), ['Linen Shirt (M) × 1 — $49.00'], 'the cart has the item once');
  assert.equal((await page.locator(`${CART} .total`).innerText()).trim(), 'Total: $49.00');
  assert.equal(await page.locator(CART).count(), 1, 'one cart root');
  assert.equal(await page.locator('[hx-swap-oob]').count(), 0, 'no out-of-band marker left in the page');
  assert.equal(await page.locator(CART).evaluate((el) => (el as unknown as { mark?: number }).mark), 1, 'the cart was morphed, not replaced');
  assert.equal(await page.locator(`${CART}[weft-error]`).count(), 0);
}

suite.test('with the WebSocket blocked, "Add to cart" updates the cart beside it in one request', async ({ page, url, assertClean }) => {
  // The page's socket never reaches the server: it closes as soon as it opens.
  await page.routeWebSocket('**/ws/components/**', (ws) => void ws.close());
  await page.goto(url('/shop/product/1'));
  assert.equal(await page.locator(`${PRODUCT}[weft-emits="cart-add"]`).count(), 1);
  assert.equal(await page.locator(`${CART}[weft-listen="cart-add"]`).count(), 1);
  assert.deepEqual(await cartItems(page), []);

  const { requests, heard } = await addToCart(page);
  assert.deepEqual(requests, ['POST /components/product/'], 'exactly one request, to the product');
  assert.deepEqual(heard, [{ productId: 1, size: 'M' }]);
  await assertAdded(page);
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('weft-connected')), false);
  assertClean();
});

suite.test('with the WebSocket connected, the cart still gets the item once, and its socket holds the new state', async ({ page, url, assertClean }) => {
  await page.goto(url('/shop/product/1'));
  await page.waitForFunction(() => document.documentElement.classList.contains('weft-connected'), undefined, { timeout: WAIT_MS });

  const { requests, heard } = await addToCart(page);
  assert.deepEqual(requests, ['POST /components/product/'], 'exactly one request, to the product');
  assert.deepEqual(heard, [{ productId: 1, size: 'M' }]);
  await assertAdded(page);

  // The cart rejoined its socket with the state the answer gave it: its next
  // event goes over the socket and builds on the item, not on an empty cart.
  await page.locator(CART).getByRole('button', { name: '+', exact: true }).click();
  await waitForItems(page, ['Linen Shirt (M) × 2 — $49.00']);
  assert.deepEqual(requests, ['POST /components/product/'], 'the cart answered over the socket');
  assertClean();
});
