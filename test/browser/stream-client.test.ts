/**
 * Weft's own stream client (`weft-stream`) in a real browser: notifications
 * appear as they are published, and a stream the browser gave up on (the
 * server answered its reconnect with an error) is opened again by the client,
 * resuming after the last message it showed: what was published meanwhile
 * arrives, in order, once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from 'weft/node';
import { createExampleApp } from '../../examples/app.js';
import { NOTIFICATIONS_CHANNEL } from '../../examples/notifications/notification.js';
import { browserSuite, WAIT_MS } from './harness.js';

const suite = browserSuite();

suite.test('weft-stream shows published notifications and resumes after the browser gave up on its stream', async ({ page }) => {
  const { weft, locals, fallback } = createExampleApp({ secret: randomBytes(32).toString('base64url'), mode: 'development' });
  const server = await serve(weft, { port: 0, hostname: '127.0.0.1', locals, fallback });
  try {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const streamUrls: string[] = [];
    let refuse = false;
    await page.route('**/notification/**', async (route) => {
      streamUrls.push(route.request().url());
      // A proxy or a restarting server answering the reconnect with an error:
      // EventSource then stops for good, and only the client can start it again.
      if (refuse) {
        refuse = false;
        await route.fulfill({ status: 503, body: 'busy' });
      } else await route.continue();
    });
    await page.goto(`${origin}/notifications/weft`);
    const box = page.locator('[weft-stream="/notification/"]');
    await page.waitForFunction(() => document.querySelector('[weft-stream]')?.classList.contains('weft-stream-open'), undefined, { timeout: WAIT_MS });
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const el = document.querySelector('[weft-stream]') as Element;
      new MutationObserver(() => {
        const title = el.querySelector('.notification-title')?.textContent;
        if (title) seen.push(title);
      }).observe(el, { childList: true, subtree: true });
    });

    await weft.publish(NOTIFICATIONS_CHANNEL, JSON.stringify({ title: 'one', message: 'first', color: 'blue' }));
    await box.locator('.notification-title', { hasText: 'one' }).waitFor({ timeout: WAIT_MS });

    // Drop the stream; its reconnect is refused; meanwhile two more are published.
    refuse = true;
    server.closeAllConnections();
    await page.waitForFunction(() => !document.querySelector('[weft-stream]')?.classList.contains('weft-stream-open'), undefined, { timeout: WAIT_MS });
    await weft.publish(NOTIFICATIONS_CHANNEL, JSON.stringify({ title: 'two', message: 'second', color: 'green' }));
    await weft.publish(NOTIFICATIONS_CHANNEL, JSON.stringify({ title: 'three', message: 'third', color: 'red' }));

    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.includes('three'), undefined, { timeout: WAIT_MS });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // Each title once, in order (a swap may be seen by the observer more than once per message).
    assert.deepEqual([...new Set(seen)], ['one', 'two', 'three']);
    // The client's own reopen named where it left off.
    const reopened = streamUrls.find((u) => new URL(u).searchParams.has('lastEventId'));
    assert.ok(reopened, `the client reopened with ?lastEventId=: ${JSON.stringify(streamUrls)}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
