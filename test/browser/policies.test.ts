/**
 * Policies in a real browser, on the storefront: checking out needs a signed-in
 * shopper (401 → htmx follows HX-Redirect to the login page, and back),
 * placing orders is rate limited (429 reaches the page as a `weft:error`), and
 * signing out closes the shopper's live sockets.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { CART, connected } from './shop.js';
import { browserSuite, readProbe, WAIT_MS } from './harness.js';

const suite = browserSuite();

const CHECKOUT = '[weft="checkout"]';

async function signIn(page: Page, url: (path: string) => string, name: string): Promise<void> {
  await page.goto(url('/cart'));
  await page.locator('a[href="/login?next=/cart"]').click();
  await page.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
  await page.locator('input[name="name"]').fill(name);
  await page.locator('form.login button[type="submit"]').click();
  await page.waitForURL((u) => u.pathname === '/cart', { timeout: WAIT_MS });
}

suite.test('an anonymous shopper is offered the login page, and comes back to the cart signed in', async ({ page, url, assertClean }) => {
  await page.goto(url('/cart'));
  assert.equal(await page.locator(CHECKOUT).count(), 0, 'no checkout for an anonymous shopper');
  await signIn(page, url, 'dora');
  await page.locator(CHECKOUT).waitFor({ timeout: WAIT_MS });
  assert.match(await page.locator(CHECKOUT).innerText(), /Signed in as dora/);
  assertClean();
});

suite.test('a checkout whose session ended is sent to the login page by HX-Redirect, with the cart as next', async ({ page, context, url }) => {
  await signIn(page, url, 'erin');
  await connected(page);
  await page.locator(CHECKOUT).waitFor({ timeout: WAIT_MS });
  // The session ends behind the page's back (it expired, or another tab signed out).
  await context.clearCookies();
  const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/components/checkout/', { timeout: WAIT_MS });
  await page.locator(`${CHECKOUT} .place-order`).click();
  const response = await refused;
  // (Its body, {"error": "Authentication required"}, is gone with the page htmx leaves.)
  assert.equal(response.status(), 401);
  assert.equal(response.headers()['hx-redirect'], '/login?next=%2Fcart');
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/cart', { timeout: WAIT_MS });
});

suite.test('placing orders past the limit answers 429 to the page, and the cart keeps its items', async ({ page, url }) => {
  await signIn(page, url, 'fred');
  await connected(page);
  await page.locator(`${CART} .add-42-M`).click();
  await page.waitForFunction((sel) => document.querySelectorAll(`${sel} ul.items > li`).length === 1, CART, { timeout: WAIT_MS });
  const statuses: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/components/checkout/') statuses.push(r.status());
  });
  // '5/minute' per shopper: five orders, then a refusal.
  for (let i = 1; i <= 6; i++) {
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/components/checkout/', { timeout: WAIT_MS });
    await page.locator(`${CHECKOUT} .place-order`).click();
    const response = await answered;
    if (i <= 5) await page.waitForFunction((n) => document.querySelector('.placed')?.textContent?.includes(`Orders placed: ${n}`), i, { timeout: WAIT_MS });
    else {
      assert.equal(response.status(), 429);
      assert.ok(Number(response.headers()['retry-after']) >= 1, 'Retry-After in seconds');
    }
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('weft-error') === 'rate_limited', CHECKOUT, { timeout: WAIT_MS });
  const probe = await readProbe(page);
  assert.ok(probe.errors.some((e) => e.detail.code === 'rate_limited' && e.detail.retryAfter !== undefined), JSON.stringify(probe.errors));
  assert.match(await page.locator(CHECKOUT).innerText(), /Orders placed: 5/, 'the refused order changed nothing');
});

suite.test("signing out in one tab closes the shopper's live socket in the other", async ({ page, context, url }) => {
  await signIn(page, url, 'gwen');
  await connected(page);
  const other = await context.newPage();
  await other.goto(url('/cart'));
  await connected(other);
  const closes = other.evaluate(
    () =>
      new Promise<number>((resolve) => {
        document.addEventListener('weft:disconnected', (e) => resolve((e as CustomEvent<{ code: number }>).detail.code), { once: true });
      }),
  );
  await page.locator('button.logout').click();
  await page.waitForURL((u) => u.pathname === '/', { timeout: WAIT_MS });
  assert.equal(await closes, 4401);
  // It reconnects as who its cookies now say (no one): the cart it shows was
  // gwen's, so its join is refused and nothing more is pushed to it.
  await other.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('weft-error') === 'unauthenticated', CART, { timeout: WAIT_MS });
});
