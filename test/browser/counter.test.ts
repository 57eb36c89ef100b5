/** The counter in a real browser: events round-trip and morph the root in place. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSuite, nextEventResponse, settle } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="counter"]';

function count(page: Page): Promise<string> {
  return page.locator(`${ROOT} .count`).innerText();
}

function stateOf(page: Page): Promise<string | null> {
  return page.locator(ROOT).getAttribute('weft-state');
}

/** Clicks a button in the counter and waits for the response and the morph. */
async function press(page: Page, selector: string): Promise<void> {
  const response = nextEventResponse(page, 'counter');
  await settle(page, () => page.locator(`${ROOT} ${selector}`).click());
  assert.equal((await response).status(), 200);
}

suite.test('+1 five times, −1 and +10 morph the same root with fresh state', async ({ page, url, assertClean }) => {
  await page.goto(url('/counter'));
  await page.locator(ROOT).waitFor();
  assert.equal(await count(page), '0');
  // Tag the root element so we can tell a morph (same element) from a replacement.
  await page.locator(ROOT).evaluate((el) => {
    (el as unknown as { __tag: string }).__tag = 'original';
  });

  let previous = await stateOf(page);
  const expectRoot = async (expected: string) => {
    assert.equal(await count(page), expected);
    assert.equal(await page.locator(ROOT).count(), 1, 'exactly one counter root');
    const tag = await page.locator(ROOT).evaluate((el) => (el as unknown as { __tag?: string }).__tag);
    assert.equal(tag, 'original', 'the root element survived the morph');
    const state = await stateOf(page);
    assert.ok(state?.startsWith('v1.'), `signed state: ${state}`);
    // Consecutive states differ (the count changed); the same count can repeat a blob.
    assert.notEqual(state, previous, 'weft-state changed');
    previous = state;
  };

  for (let i = 1; i <= 5; i++) {
    await press(page, '.inc');
    await expectRoot(String(i));
  }
  assert.equal(await count(page), '5');

  await press(page, '.dec');
  await expectRoot('4');

  // The typed payload {by: 10} must arrive as a number (the schema refuses "10").
  const request = page.waitForRequest((r) => r.method() === 'POST');
  await press(page, '.add10');
  await expectRoot('14');
  const body = JSON.parse((await request).postData() ?? '{}');
  assert.equal(body.event, 'add');
  assert.deepEqual(body.payload, { by: 10 });

  assertClean();
});

suite.test('each page load mounts a fresh counter', async ({ page, url, assertClean }) => {
  await page.goto(url('/counter'));
  await press(page, '.inc');
  assert.equal(await count(page), '1');
  await page.goto(url('/counter'));
  assert.equal(await count(page), '0');
  assertClean();
});
