/**
 * Nested components (P1.3): counters inside a board keep their state, and their
 * elements, when the board re-renders; a child's own events still update it alone.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { MAX_COUNTERS } from '../../examples/board/board.js';
import { browserSuite, nextEventResponse, settle } from './harness.js';

const suite = browserSuite();

const BOARD = '[weft="board"]';
const item = (key: number) => `${BOARD} .board-item[data-key="${key}"]`;

/** Clicks `selector` and waits until `component`'s response has been swapped in. */
async function press(page: Page, component: string, selector: string): Promise<void> {
  const response = nextEventResponse(page, component);
  await settle(page, () => page.locator(selector).click());
  assert.equal((await response).status(), 200);
}

function countOf(page: Page, key: number): Promise<string> {
  return page.locator(`${item(key)} [weft="counter"] .count`).innerText();
}

/** Tags an element in the page, to tell later whether it survived (kept) or was replaced. */
function tag(page: Page, selector: string, value: string): Promise<void> {
  return page.locator(selector).evaluate((el, v) => {
    (el as unknown as { __tag: string }).__tag = v;
  }, value);
}

function tagOf(page: Page, selector: string): Promise<string | undefined> {
  return page.locator(selector).evaluate((el) => (el as unknown as { __tag?: string }).__tag);
}

suite.test('a child keeps its state and element when its parent re-renders', async ({ page, url, assertClean }) => {
  await page.goto(url('/board'));
  await page.locator(item(1)).waitFor();
  const first = `${item(1)} [weft="counter"]`;
  const childId = await page.locator(first).getAttribute('id');
  assert.match(childId ?? '', /^board-page-.+-_0-1$/, 'the child id is its parent id plus its key');

  for (let i = 0; i < 3; i++) await press(page, 'counter', `${first} .inc`);
  assert.equal(await countOf(page, 1), '3');
  await tag(page, first, 'kept');

  // The parent's event lists the children the page shows; the server sends a
  // placeholder for the unchanged one and the browser keeps the one it has.
  const boardResponse = nextEventResponse(page, 'board');
  await press(page, 'board', `${BOARD} .add`);
  const listed = JSON.parse((await boardResponse).request().postData() ?? '{}') as { children?: Record<string, string> };
  assert.deepEqual(Object.keys(listed.children ?? {}), [childId]);
  const sentBack = await (await boardResponse).text();
  assert.ok(sentBack.includes(`<div id="${childId}" weft="counter" weft-child="${listed.children?.[childId ?? '']}"></div>`), sentBack);
  assert.equal(await page.locator(`${BOARD} .board-item`).count(), 2);
  assert.equal(await countOf(page, 1), '3', 'the first counter kept its count');
  assert.equal(await tagOf(page, first), 'kept', 'and its element');
  assert.equal(await page.locator(first).getAttribute('id'), childId);
  assert.equal(await countOf(page, 2), '0', 'the new counter starts from mount()');

  // Each child still talks to the server on its own, with the state it has.
  await press(page, 'counter', `${item(2)} [weft="counter"] .inc`);
  await press(page, 'counter', `${first} .add10`);
  assert.equal(await countOf(page, 1), '13');
  assert.equal(await countOf(page, 2), '1');

  // And after its own events, the parent's next render still keeps it.
  await press(page, 'board', `${BOARD} .add`);
  assert.deepEqual(await Promise.all([countOf(page, 1), countOf(page, 2), countOf(page, 3)]), ['13', '1', '0']);

  // Removing the first: the others are matched by key, not position.
  await press(page, 'board', `${item(1)} .remove`);
  assert.equal(await page.locator(item(1)).count(), 0);
  assert.deepEqual(await Promise.all([countOf(page, 2), countOf(page, 3)]), ['1', '0']);
  assertClean();
});

suite.test("a child's bound input is sent with the child's events, not the parent's", async ({ page, url, assertClean }) => {
  await page.goto(url('/board'));
  const first = `${item(1)} [weft="counter"]`;
  await page.locator(`${first} .note`).fill('child note');
  await page.locator(`${BOARD} .board-title`).fill('Renamed');

  const board = nextEventResponse(page, 'board');
  await settle(page, () => page.locator(`${BOARD} .add`).click());
  const sent = JSON.parse((await board).request().postData() ?? '{}') as { updates: Record<string, unknown> };
  assert.deepEqual(sent.updates, { title: 'Renamed' });
  assert.equal(await page.locator(`${BOARD} .title`).innerText(), 'Renamed');

  const counter = nextEventResponse(page, 'counter');
  await settle(page, () => page.locator(`${first} .inc`).click());
  const sentByChild = JSON.parse((await counter).request().postData() ?? '{}') as { updates: Record<string, unknown> };
  assert.deepEqual(sentByChild.updates, { note: 'child note' });
  assert.equal(await page.locator(`${first} .echo`).innerText(), 'Saved note: child note');
  assertClean();
});

suite.test('the board stops at its cap: the add button is disabled and says how many it holds', async ({ page, url, assertClean }) => {
  await page.goto(url('/board'));
  await page.locator(item(1)).waitFor();
  for (let n = 2; n <= MAX_COUNTERS; n++) await press(page, 'board', `${BOARD} .add`);
  assert.equal(await page.locator(`${BOARD} .board-item`).count(), MAX_COUNTERS);
  assert.equal(await page.locator(`${BOARD} .add`).isDisabled(), true);
  assert.equal(await page.locator(`${BOARD} .count-of`).innerText(), `${MAX_COUNTERS} of ${MAX_COUNTERS}`);
  await press(page, 'board', `${item(1)} .remove`);
  assert.equal(await page.locator(`${BOARD} .add`).isDisabled(), false);
  assertClean();
});
