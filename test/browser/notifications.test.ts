/**
 * Live notifications in a real browser, with htmx's own SSE extension and the
 * markup a Django page uses with it (`hx-ext="sse" sse-connect sse-swap`): a
 * notification another program publishes with a plain Redis PUBLISH, and one
 * the app publishes itself, both appear on the page.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { serve } from 'weft/node';
import { createRedisBackplane } from 'weft/redis';
import { createExampleApp } from '../../examples/app.js';
import { NOTIFICATIONS_CHANNEL } from '../../examples/notifications/notification.js';
import { REDIS_URL, redisSkip } from '../redis.js';
import { browserSuite, WAIT_MS } from './harness.js';

const suite = browserSuite();

if (redisSkip('the browser test of notifications') === false) suite.test('notifications published on the channel flash on the page', async ({ page, consoleErrors }) => {
  const prefix = `weft-test-${randomUUID().slice(0, 8)}:`;
  const backplane = createRedisBackplane({ url: REDIS_URL, prefix });
  const { weft, locals, fallback } = createExampleApp({ secret: randomBytes(32).toString('base64url'), mode: 'development', backplane });
  const server = await serve(weft, { port: 0, hostname: '127.0.0.1', locals, fallback });
  const redis = new Redis(REDIS_URL);
  try {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const stream = page.waitForRequest((r) => r.url() === `${origin}/notification/`, { timeout: WAIT_MS });
    await page.goto(`${origin}/notifications`);
    await stream;
    assert.equal(await page.locator('[hx-ext="sse"][sse-connect="/notification/"][sse-swap="notification"]').count(), 1);
    // The extension opened its EventSource; give the server a moment to subscribe.
    await page.waitForTimeout(300);

    // Another program: the JSON a Python publisher would send, with a plain PUBLISH.
    const sent = { id: 7, title: 'Notification 12', message: 'This is a random message 34', color: 'purple', timestamp: 'Fri Nov 27 14:00:00 2026' };
    await redis.publish(NOTIFICATIONS_CHANNEL, JSON.stringify(sent));
    const alert = page.locator('[sse-swap="notification"] [role="alert"]');
    await alert.filter({ hasText: 'Notification 12' }).waitFor({ timeout: WAIT_MS });
    assert.equal((await alert.locator('.notification-title').innerText()).trim(), 'Notification 12');
    assert.match(await alert.getAttribute('class') ?? '', /notification-purple/);

    // The app itself, through the backplane; markup in a message stays text.
    await weft.publish(NOTIFICATIONS_CHANNEL, JSON.stringify({ title: '<img src=x onerror=alert(1)>', message: 'second', color: 'red' }));
    await alert.filter({ hasText: 'second' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('[sse-swap="notification"] img').count(), 0);
    assert.deepEqual(consoleErrors, []);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await backplane.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});
