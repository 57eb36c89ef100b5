/**
 * A tampered state blob: the server refuses it with 400 JSON, the client announces
 * it as a `weft:error` event and leaves the page alone.
 */
import assert from 'node:assert/strict';
import { browserSuite, nextEventResponse, readProbe, settle } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="counter"]';

/** Rewrites the signed envelope's state (count → 1000), keeping the old signature. */
function forge(blob: string): string {
  const [version, envelope, signature] = blob.split('.');
  assert.ok(version && envelope && signature, `unexpected blob ${blob}`);
  const data = JSON.parse(Buffer.from(envelope, 'base64url').toString('utf8'));
  data.s.count = 1000;
  return `${version}.${Buffer.from(JSON.stringify(data)).toString('base64url')}.${signature}`;
}

suite.test('a tampered weft-state gets a 400 and a weft:error event, not a swap', async (t) => {
  const { page, url } = t;
  await page.goto(url('/counter'));
  const root = page.locator(ROOT);
  const original = await root.getAttribute('weft-state');
  assert.ok(original);
  const forged = forge(original);
  await root.evaluate((el, blob) => el.setAttribute('weft-state', blob), forged);
  const pageBefore = await page.locator('main').innerHTML();

  const response = nextEventResponse(page, 'counter');
  await settle(page, () => root.locator('.inc').click());
  const res = await response;
  assert.equal(res.status(), 400);
  assert.match(res.headers()['content-type'] ?? '', /^application\/json/);
  const body = await res.json();
  assert.equal(body.code, 'state_signature');
  assert.equal(typeof body.error, 'string');

  const { errors } = await readProbe(page);
  assert.equal(errors.length, 1, 'exactly one weft:error');
  const [error] = errors;
  assert.ok(error);
  assert.equal(error.bubbles, true, 'weft:error bubbles');
  assert.equal(error.target, 'counter', 'dispatched on the component root');
  assert.equal(error.detail.status, 400);
  assert.equal(error.detail.code, 'state_signature');

  // Nothing was swapped: same markup (but for the root's weft-error mark), same
  // forged state, count still 0, no JSON on the page.
  assert.equal(await root.getAttribute('weft-error'), 'state_signature');
  assert.equal((await page.locator('main').innerHTML()).replace(' weft-error="state_signature"', ''), pageBefore);
  assert.equal(await root.getAttribute('weft-state'), forged);
  assert.equal(await root.locator('.count').innerText(), '0');
  assert.equal(await page.locator(ROOT).count(), 1);
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes('state_signature'), 'the error body is not on the page');

  // The only failure is the refused event request.
  assert.equal(t.failedResponses.length, 1, t.failedResponses.join('\n'));
  assert.match(t.failedResponses[0] ?? '', /^400 POST .*\/components\/counter\/$/);
  assert.ok(
    t.consoleErrors.every((e) => /400|htmx:responseError|Response Status Error/i.test(e)),
    `unexpected console errors: ${t.consoleErrors.join('\n')}`,
  );

  // The server is fine: a fresh /counter works.
  t.consoleErrors.length = 0;
  t.failedResponses.length = 0;
  const reload = await page.goto(url('/counter'));
  assert.equal(reload?.status(), 200);
  assert.equal(await root.locator('.count').innerText(), '0');
  const next = nextEventResponse(page, 'counter');
  await settle(page, () => root.locator('.inc').click());
  assert.equal((await next).status(), 200);
  assert.equal(await root.locator('.count').innerText(), '1');
  t.assertClean();
});
