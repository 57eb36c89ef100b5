/**
 * Typing in an input inside a component while an update lands keeps focus, the
 * caret and what was typed; the value at send time reaches the server.
 */
import assert from 'node:assert/strict';
import type { Page, Route } from 'playwright-core';
import { browserSuite, nextEventResponse, WAIT_MS } from './harness.js';

const suite = browserSuite();

const ROOT = '[weft="counter"]';
const NOTE = `${ROOT} .note`;

interface InputSnapshot {
  focused: boolean;
  value: string;
  start: number | null;
  end: number | null;
}

function inputState(page: Page): Promise<InputSnapshot> {
  return page.evaluate((selector) => {
    const input = document.querySelector<HTMLInputElement>(selector);
    if (!input) throw new Error(`no ${selector}`);
    return {
      focused: document.activeElement === input,
      value: input.value,
      start: input.selectionStart,
      end: input.selectionEnd,
    };
  }, NOTE);
}

/** Clicks +1 from script, so focus stays in the note input. */
function clickIncWithoutFocus(page: Page): Promise<void> {
  return page.evaluate((selector) => document.querySelector<HTMLButtonElement>(selector)?.click(), `${ROOT} .inc`);
}

/**
 * Holds the next event request in the network layer until `release()`, so the
 * test can act while it is in flight. The body was already built when it was sent.
 */
async function holdNextEvent(page: Page): Promise<{ sent: Promise<string>; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let sentBody!: (body: string) => void;
  const sent = new Promise<string>((resolve) => (sentBody = resolve));
  await page.route(
    '**/components/counter/',
    async (route: Route) => {
      sentBody(route.request().postData() ?? '');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gate, new Promise((resolve) => (timer = setTimeout(resolve, WAIT_MS)))]);
      clearTimeout(timer);
      await route.continue();
    },
    { times: 1 },
  );
  return { sent, release };
}

suite.test('focus, caret and typing survive an update that lands mid-typing', async ({ page, url, assertClean }) => {
  await page.goto(url('/counter'));
  const note = page.locator(NOTE);
  await note.focus();
  await page.keyboard.type('abc');

  const held = await holdNextEvent(page);
  const response = nextEventResponse(page, 'counter');
  await clickIncWithoutFocus(page);
  const body = JSON.parse(await held.sent);
  assert.deepEqual(body.updates, { note: 'abc' }, 'the note at send time is sent as an update');
  assert.equal(body.event, 'increment');

  // The request is in flight: keep typing.
  await page.keyboard.type('def');
  assert.equal(await page.locator(`${ROOT} .count`).innerText(), '0', 'still in flight');
  held.release();
  assert.equal((await response).status(), 200);
  await page.locator(`${ROOT} .count`).filter({ hasText: '1' }).waitFor({ timeout: WAIT_MS });
  // Let htmx settle (20 ms) so a late attribute sync would show up.
  await page.waitForTimeout(100);

  assert.deepEqual(await inputState(page), { focused: true, value: 'abcdef', start: 6, end: 6 });
  assert.equal(await page.locator(`${ROOT} .echo`).innerText(), 'Saved note: abc');

  // Typing continues where the caret was.
  await page.keyboard.type('!');
  assert.equal(await note.inputValue(), 'abcdef!');
  assertClean();
});

suite.test('a caret in the middle of the input stays put across a morph', async ({ page, url, assertClean }) => {
  await page.goto(url('/counter'));
  const note = page.locator(NOTE);
  await note.focus();
  await page.keyboard.type('hello');
  await note.evaluate((el) => (el as HTMLInputElement).setSelectionRange(1, 1));

  const response = nextEventResponse(page, 'counter');
  await clickIncWithoutFocus(page);
  assert.equal((await response).status(), 200);
  await page.locator(`${ROOT} .count`).filter({ hasText: '1' }).waitFor({ timeout: WAIT_MS });
  await page.waitForTimeout(100);

  assert.deepEqual(await inputState(page), { focused: true, value: 'hello', start: 1, end: 1 });
  assert.equal(await page.locator(`${ROOT} .echo`).innerText(), 'Saved note: hello');
  await page.keyboard.type('X');
  assert.equal(await note.inputValue(), 'hXello');
  assertClean();
});
