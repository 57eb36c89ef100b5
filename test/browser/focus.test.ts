/**
 * Typing in an input inside a component while an update lands keeps focus, the
 * caret and what was typed; the value at send time reaches the server. What the
 * user did not change since the request went out takes the server's value (P5.3).
 */
import assert from 'node:assert/strict';
import type { Page, Route } from 'playwright-core';
import { Component, html } from 'weft';
import { browserSuite, nextEventResponse, WAIT_MS } from './harness.js';
import { ownApp } from './own-app.js';

/** A todo list: Enter in the draft field adds it and clears the field. */
class Todo extends Component<{ draft: string; items: string[] }> {
  static override events = { add: true };
  mount() {
    return { draft: '', items: [] };
  }
  add() {
    const text = this.state.draft.trim();
    if (!text) return;
    this.state.items.push(text);
    this.state.draft = '';
  }
  override render() {
    return html`<form class="new" ${this.on('add')}><input class="draft" autocomplete="off" ${this.bind('draft')}></form>
<ul>${this.state.items.map((item) => html`<li>${item}</li>`)}</ul>`;
  }
}

const suite = browserSuite();
const app = ownApp({ '/todo': ['todo', Todo] });

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
async function holdNextEvent(page: Page, component = 'counter'): Promise<{ sent: Promise<string>; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let sentBody!: (body: string) => void;
  const sent = new Promise<string>((resolve) => (sentBody = resolve));
  await page.route(
    `**/components/${component}/`,
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

function draftState(page: Page): Promise<InputSnapshot> {
  return page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('.draft');
    if (!input) throw new Error('no .draft');
    return { focused: document.activeElement === input, value: input.value, start: input.selectionStart, end: input.selectionEnd };
  });
}

suite.test("the server's value wins in the field the event was sent from: Enter adds once and clears it (P5.3)", async ({ page, assertClean }) => {
  await page.goto(app.url('/todo'));
  await page.locator('.draft').focus();
  await page.keyboard.type('walk dog');
  let response = nextEventResponse(page, 'todo');
  await page.keyboard.press('Enter');
  assert.equal((await response).status(), 200);
  await page.locator('li').first().waitFor({ timeout: WAIT_MS });
  await page.waitForTimeout(100);
  assert.deepEqual(await draftState(page), { focused: true, value: '', start: 0, end: 0 }, 'the handler cleared the draft');

  // A second Enter has nothing to add.
  response = nextEventResponse(page, 'todo');
  await page.keyboard.press('Enter');
  assert.equal(JSON.parse((await response).request().postData() ?? '{}').updates.draft, '');
  await page.waitForTimeout(100);
  assert.deepEqual(await page.locator('li').allInnerTexts(), ['walk dog']);

  await page.keyboard.type('feed cat');
  response = nextEventResponse(page, 'todo');
  await page.keyboard.press('Enter');
  await (await response).finished();
  await page.locator('li').nth(1).waitFor({ timeout: WAIT_MS });
  await page.waitForTimeout(100);
  assert.deepEqual(await page.locator('li').allInnerTexts(), ['walk dog', 'feed cat']);
  assert.deepEqual(await draftState(page), { focused: true, value: '', start: 0, end: 0 });
  assertClean();
});

suite.test('what is typed while the request is out is kept, though the server cleared the field (P5.3)', async ({ page, assertClean }) => {
  await page.goto(app.url('/todo'));
  await page.locator('.draft').focus();
  await page.keyboard.type('walk dog');
  const held = await holdNextEvent(page, 'todo');
  await page.keyboard.press('Enter');
  assert.equal(JSON.parse(await held.sent).updates.draft, 'walk dog');
  await page.keyboard.type(' and cat');
  // Wait for the answer from the moment it is let go, with room for a loaded machine.
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/components/todo/', { timeout: 3 * WAIT_MS });
  held.release();
  assert.equal((await response).status(), 200);
  await page.locator('li').first().waitFor({ timeout: WAIT_MS });
  await page.waitForTimeout(100);
  assert.deepEqual(await page.locator('li').allInnerTexts(), ['walk dog']);
  assert.deepEqual(await draftState(page), { focused: true, value: 'walk dog and cat', start: 16, end: 16 });
  assertClean();
});
