/**
 * A page outlives the secret that signed it when the server restarts with
 * another one. Its next event is refused with 409 `state_outdated`, and the
 * client tells the user to reload instead of failing silently. A development
 * server without WEFT_SECRET keeps its secret across restarts, so its pages
 * never go out of date that way.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WeftOptions } from 'weft';
import { serve } from 'weft/node';
import { createExampleApp } from '../../examples/app.js';
import { browserSuite, nextEventResponse, settle, WAIT_MS } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="counter"]';
const quiet = { error() {}, warn() {} };

/** The examples app on `port` (0: any free one), as a restarted server would be. */
async function start(port: number, options: WeftOptions): Promise<{ server: Server; origin: string; stop(): Promise<void> }> {
  const { weft, locals } = createExampleApp({ mode: 'development', logger: quiet, ...options });
  const server = await serve(weft, { port, hostname: '127.0.0.1', locals });
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Clicks +1 and returns the status of the event response. */
async function increment(page: Page): Promise<number> {
  const response = nextEventResponse(page, 'counter');
  await settle(page, () => page.locator(`${ROOT} .inc`).click());
  return (await response).status();
}

/** Counts `weft:outdated` events seen at the document, and optionally handles them. */
async function listenForOutdated(page: Page, prevent: boolean): Promise<void> {
  await page.evaluate((preventIt) => {
    const w = window as unknown as { __outdated: unknown[] };
    w.__outdated = [];
    document.addEventListener('weft:outdated', (e) => {
      w.__outdated.push((e as CustomEvent).detail);
      if (preventIt) e.preventDefault();
    });
  }, prevent);
}

function outdatedEvents(page: Page): Promise<{ code: string; status: number }[]> {
  return page.evaluate(() => (window as unknown as { __outdated: { code: string; status: number }[] }).__outdated);
}

suite.test('a server restarted with another secret: the page says it is out of date, and reloading fixes it', async ({ page }) => {
  const first = await start(0, { secret: randomBytes(32).toString('base64url') });
  const port = portOf(first.server);
  let second: Awaited<ReturnType<typeof start>> | undefined;
  try {
    await page.goto(`${first.origin}/counter`);
    await listenForOutdated(page, false);
    assert.equal(await increment(page), 200);
    assert.equal(await page.locator(`${ROOT} .count`).innerText(), '1');

    // The server restarts on the same address with a different secret.
    await first.stop();
    second = await start(port, { secret: randomBytes(32).toString('base64url') });

    assert.equal(await increment(page), 409);
    const notice = page.locator('.weft-outdated');
    await notice.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal((await notice.innerText()).trim(), 'This page is out of date — reload');
    assert.equal(await notice.getAttribute('role'), 'alert');
    assert.equal(await notice.evaluate((el) => getComputedStyle(el).position), 'fixed');
    assert.deepEqual(
      (await outdatedEvents(page)).map((d) => [d.status, d.code]),
      [[409, 'state_outdated']],
    );
    assert.equal(await page.locator(ROOT).getAttribute('weft-error'), 'state_outdated');
    assert.equal(await page.locator(`${ROOT} .count`).innerText(), '1', 'nothing was swapped');

    // A second refused click does not stack a second notice.
    assert.equal(await increment(page), 409);
    assert.equal(await page.locator('.weft-outdated').count(), 1);

    // The link reloads the page from the new server, whose events then work.
    await Promise.all([page.waitForURL(`${second.origin}/counter`), page.waitForEvent('load'), notice.locator('a').click()]);
    assert.equal(await page.locator('.weft-outdated').count(), 0);
    assert.equal(await page.locator(`${ROOT} .count`).innerText(), '0');
    assert.equal(await increment(page), 200);
    assert.equal(await page.locator(`${ROOT} .count`).innerText(), '1');
  } finally {
    await first.stop().catch(() => {});
    await second?.stop();
  }
});

suite.test('a page that handles weft:outdated itself gets no notice from Weft', async ({ page }) => {
  const first = await start(0, { secret: randomBytes(32).toString('base64url') });
  const port = portOf(first.server);
  await page.goto(`${first.origin}/counter`);
  await listenForOutdated(page, true);
  await first.stop();
  const second = await start(port, { secret: randomBytes(32).toString('base64url') });
  try {
    assert.equal(await increment(page), 409);
    assert.equal((await outdatedEvents(page)).length, 1);
    assert.equal(await page.locator('.weft-outdated').count(), 0);
  } finally {
    await second.stop();
  }
});

suite.test('the notice is styled under a Content-Security-Policy without unsafe-inline', async ({ page }) => {
  const first = await start(0, { secret: randomBytes(32).toString('base64url') });
  const port = portOf(first.server);
  // The same page, served with a strict policy.
  await page.route(`${first.origin}/counter`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'" },
    });
  });
  await page.goto(`${first.origin}/counter`);
  await first.stop();
  const second = await start(port, { secret: randomBytes(32).toString('base64url') });
  try {
    assert.equal(await increment(page), 409);
    const notice = page.locator('.weft-outdated');
    await notice.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await notice.evaluate((el) => getComputedStyle(el).position), 'fixed');
  } finally {
    await second.stop();
  }
});

suite.test('a development server without WEFT_SECRET keeps open pages working across a restart', async ({ page }) => {
  const saved = { cwd: process.cwd(), secret: process.env.WEFT_SECRET };
  const workDir = mkdtempSync(join(tmpdir(), 'weft-restart-'));
  delete process.env.WEFT_SECRET;
  process.chdir(workDir);
  let server: Awaited<ReturnType<typeof start>> | undefined;
  try {
    const first = await start(0, {});
    const port = portOf(first.server);
    await page.goto(`${first.origin}/counter`);
    assert.equal(await increment(page), 200);
    await first.stop();
    server = await start(port, {});
    assert.equal(await increment(page), 200);
    assert.equal(await page.locator(`${ROOT} .count`).innerText(), '2');
    assert.equal(await page.locator('.weft-outdated').count(), 0);
  } finally {
    await server?.stop();
    process.chdir(saved.cwd);
    if (saved.secret !== undefined) process.env.WEFT_SECRET = saved.secret;
    rmSync(workDir, { recursive: true, force: true });
  }
});
