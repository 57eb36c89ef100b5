/**
 * A form in a real browser: a submit with mistakes re-renders messages beside the
 * fields and keeps what was typed (validated()); a good submit shows the welcome.
 */
import assert from 'node:assert/strict';
import { browserSuite, nextEventResponse, settle } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="signup"]';

suite.test('mistakes come back as messages beside the fields, then a fix signs up', async ({ page, url, assertClean }) => {
  await page.goto(url('/signup'));
  await page.locator(`${ROOT} input[name="email"]`).fill('ada@');

  let response = nextEventResponse(page, 'signup');
  await settle(page, () => page.locator(`${ROOT} button[type="submit"]`).click());
  assert.equal((await response).status(), 200, 'field errors are a normal render, not a 422');
  const sent = JSON.parse((await response).request().postData() ?? '{}') as { event: string; payload: Record<string, unknown> };
  assert.equal(sent.event, 'submit');
  assert.deepEqual(sent.payload, { name: '', email: 'ada@' });

  const message = (field: string) => page.locator(`${ROOT} .error[data-for="${field}"]`).innerText();
  assert.equal(await message('name'), 'Tell us your name.');
  assert.equal(await message('email'), 'That does not look like an email address.');
  assert.equal(await message('plan'), 'Pick a plan.');
  assert.equal(await page.locator(`${ROOT} input[name="email"]`).inputValue(), 'ada@', 'what was typed is still there');

  await page.locator(`${ROOT} input[name="name"]`).fill('Ada');
  await page.locator(`${ROOT} input[name="email"]`).fill('ada@example.com');
  await page.locator(`${ROOT} input[value="pro"]`).check();
  response = nextEventResponse(page, 'signup');
  await settle(page, () => page.locator(`${ROOT} button[type="submit"]`).click());
  assert.equal((await response).status(), 200);
  assert.equal(
    await page.locator(`${ROOT} .welcome`).innerText(),
    'Welcome, Ada! A pro account is on its way to ada@example.com.',
  );
  assert.equal(await page.locator(`${ROOT} .error`).count(), 0);
  assertClean();
});
