/**
 * A server restart under a connected page: the page reconnects by itself,
 * each live component is rebuilt from the state the page holds (no second
 * mount()), and a push made while the server was down is shown. Two server
 * processes' worth of apps share one real Redis, as a deploy would.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { serve } from 'weft/node';
import { createRedisBackplane } from 'weft/redis';
import { createExampleApp } from '../../examples/app.js';
import { Cart } from '../../examples/shop/cart.js';
import { REDIS_URL, redisSkip } from '../redis.js';
import { CART, connected, waitForItems } from './shop.js';
import { browserSuite, WAIT_MS } from './harness.js';

const suite = browserSuite();

if (redisSkip('the browser test of a server restart') === false) suite.test('a restarted server: the page reconnects, keeps its state without a new mount, and shows what was pushed meanwhile', async ({ page, context }) => {
  const secret = randomBytes(32).toString('base64url');
  const prefix = `weft-test-${randomUUID().slice(0, 8)}:`;
  const mounts = { count: 0 };
  const originalMount = Cart.prototype.mount;
  Cart.prototype.mount = function (this: Cart) {
    mounts.count++;
    return originalMount.call(this);
  };
  const start = async (port: number) => {
    const backplane = createRedisBackplane({ url: REDIS_URL, prefix });
    const { weft, locals } = createExampleApp({ secret, mode: 'development', backplane });
    const server = await serve(weft, { port, hostname: '127.0.0.1', locals });
    return { weft, server, backplane };
  };
  const stop = (server: Server) => new Promise((resolve) => server.close(resolve));
  let first = await start(0);
  const port = (first.server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  let second: Awaited<ReturnType<typeof start>> | undefined;
  try {
    await context.addCookies([{ name: 'user', value: 'erin', url: origin }]);
    await page.goto(`${origin}/cart`);
    await connected(page);
    await page.locator(`${CART} .add-1-M`).click();
    await waitForItems(page, ['Linen Shirt (M) × 1 — $49.00']);
    assert.equal(mounts.count, 1);

    // Down: the page notices (1001), and a job elsewhere adds to erin's cart.
    await stop(first.server);
    await first.backplane.close();
    await page.waitForFunction(() => !document.documentElement.classList.contains('weft-connected'), undefined, { timeout: WAIT_MS });
    const job = createRedisBackplane({ url: REDIS_URL, prefix });
    const { weft: publisher } = createExampleApp({ secret, mode: 'development', backplane: job });
    await publisher.broadcast('cart-erin', 'addItem', { productId: 42, size: 'M' });
    await job.close();

    // Up again on the same port: the page rejoins on its own.
    second = await start(port);
    await connected(page, 20_000);
    await waitForItems(page, ['Linen Shirt (M) × 1 — $49.00', 'Merino Scarf (M) × 1 — $29.99']);
    assert.equal(mounts.count, 1, 'the cart was rebuilt from its signed state, not mounted again');
  } finally {
    Cart.prototype.mount = originalMount;
    if (second) {
      await stop(second.server);
      await second.backplane.close();
    } else {
      first.server.closeAllConnections();
    }
    const raw = new Redis(REDIS_URL);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    first = undefined as never;
  }
});
