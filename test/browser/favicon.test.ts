/**
 * A page made with `page()` links an icon Weft serves, so the browser's icon
 * request succeeds instead of logging a 404 for /favicon.ico on every load.
 */
import assert from 'node:assert/strict';
import { browserSuite, WAIT_MS } from './harness.js';

const suite = browserSuite();

suite.test('loading a page fetches its icon from /weft/favicon.svg, and never /favicon.ico', async ({ page, url }) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const icon = page.waitForResponse((r) => new URL(r.url()).pathname === '/weft/favicon.svg', { timeout: WAIT_MS });
  await page.goto(url('/counter'));
  const res = await icon;
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'image/svg+xml');
  await page.waitForLoadState('networkidle');
  assert.ok(!requested.includes('/favicon.ico'), `requested: ${requested.join(', ')}`);
});
