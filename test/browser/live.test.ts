/**
 * Live components in a real browser: the storefront's cart is in its shopper's
 * group, so what one tab adds shows in the shopper's other tabs, pushed over
 * the page's WebSocket, and nowhere else. ("Add to cart" reaches the cart
 * beside the product as a page event, test/browser/emit.test.ts; that cart
 * tells the others through the group.)
 */
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { CART, cartItems, connected, waitForItems } from './shop.js';
import { browserSuite } from './harness.js';

const suite = browserSuite();

async function asUser(context: BrowserContext, user: string, origin: string): Promise<void> {
  await context.addCookies([{ name: 'user', value: user, url: origin }]);
}

suite.test("adding to the cart in one tab updates the shopper's other tab, and no one else's", async ({ page, context, url, assertClean }) => {
  const origin = url('/');
  await asUser(context, 'alice', origin);
  const other = await context.browser()!.newContext();
  await asUser(other, 'bob', origin);
  try {
    const tabB = await context.newPage();
    const bob = await other.newPage();
    await page.goto(url('/shop/product/1'));
    await tabB.goto(url('/shop/product/1'));
    await bob.goto(url('/shop/product/1'));
    await Promise.all([connected(page), connected(tabB), connected(bob)]);

    const size = page.locator('[weft="product"] .size-btn').filter({ hasText: /^\s*M(\s|$)/ });
    await size.click();
    await page.locator('[weft="product"] .size-btn.selected').waitFor();
    await page.locator('[weft="product"] .add-to-cart').click();

    await waitForItems(page, ['Linen Shirt (M) × 1 — $49.00']);
    await waitForItems(tabB, ['Linen Shirt (M) × 1 — $49.00']);
    assert.equal((await tabB.locator(`${CART} .total`).innerText()).trim(), 'Total: $49.00');
    await page.waitForTimeout(200);
    assert.deepEqual(await cartItems(bob), [], "bob's cart is untouched");
    assert.deepEqual(await cartItems(page), ['Linen Shirt (M) × 1 — $49.00'], 'the cart beside the product added it once');
    assert.deepEqual(await cartItems(tabB), ['Linen Shirt (M) × 1 — $49.00'], 'the other tab added it once');

    // The cart's own buttons go through the group too, over the socket.
    await tabB.locator(`${CART} .add-42-M`).click();
    await waitForItems(page, ['Linen Shirt (M) × 1 — $49.00', 'Merino Scarf (M) × 1 — $29.99']);
    await waitForItems(tabB, ['Linen Shirt (M) × 1 — $49.00', 'Merino Scarf (M) × 1 — $29.99']);
    assert.deepEqual(await cartItems(bob), []);
    assertClean();
  } finally {
    await other.close();
  }
});

suite.test('events of a live root travel over the socket once it is open', async ({ page, context, url, assertClean }) => {
  await asUser(context, 'carol', url('/'));
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
  });
  await page.goto(url('/cart'));
  await connected(page);
  await page.locator(`${CART} .add-1-M`).click();
  await waitForItems(page, ['Linen Shirt (M) × 1 — $49.00']);
  await page.locator(CART).getByRole('button', { name: '+', exact: true }).click();
  await waitForItems(page, ['Linen Shirt (M) × 2 — $49.00']);
  assert.deepEqual(posts, [], 'no HTTP event requests');
  assertClean();
});

suite.test("a page cannot join another shopper's group by hand", async ({ page, context, url }) => {
  await asUser(context, 'mallory', url('/'));
  await page.goto(url('/cart'));
  await connected(page);
  const answers = await page.evaluate(async (path) => {
    const root = document.querySelector('[weft="cart"]') as HTMLElement;
    const ws = new WebSocket(path);
    await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
    const frames: { t: string; code?: string; id?: string }[] = [];
    ws.addEventListener('message', (m) => frames.push(JSON.parse(m.data as string)));
    const base = { t: 'join', id: root.id, name: 'cart', state: root.getAttribute('weft-state') };
    // Naming the group outright, and a blob whose signed group was edited.
    ws.send(JSON.stringify({ ...base, groups: ['cart-alice'] }));
    const [head, body, sig] = (base.state as string).split('.');
    const edited = btoa(atob((body as string).replace(/-/g, '+').replace(/_/g, '/')).replace('cart-mallory', 'cart-alice'))
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    ws.send(JSON.stringify({ ...base, state: `${head}.${edited}.${sig}` }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    ws.close();
    return frames;
  }, url('/ws/components/').replace('http', 'ws'));
  assert.deepEqual(answers.map((f) => [f.t, f.code]), [['error', 'bad_request'], ['error', 'state_signature']]);
});
