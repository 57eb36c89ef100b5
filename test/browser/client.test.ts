/**
 * The browser client (src/client/weft.ts) in real Chromium with the real htmx and
 * idiomorph, against hand-written pages and canned responses: what it sends
 * (P5.2), how it swaps (P5.3, P5.5) and what it announces (P5.4).
 */
import assert from 'node:assert/strict';
import type { Page, Route } from 'playwright-core';
import { browserSuite, readProbe, settle } from './harness.js';

const suite = browserSuite();

/** Serves `body` as a page on the examples server's origin, loading Weft's scripts from it. */
async function openPage(page: Page, url: (path: string) => string, body: string): Promise<void> {
  await page.route(url('/client-fixture'), (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html><head>
<script defer src="/weft/htmx.min.js"></script>
<script defer src="/weft/idiomorph.min.js"></script>
<script defer src="/weft/weft.min.js"></script>
</head><body>${body}</body></html>`,
    }),
  );
  await page.goto(url('/client-fixture'));
  await page.waitForFunction(() => 'htmx' in window && 'Idiomorph' in window);
}

/** A root element as the server writes it (P1.1). */
function root(id: string, name: string, inner: string, extra = ''): string {
  return `<div id="${id}" weft="${name}" weft-state="v1.${name}.sig"${extra} hx-target="this" hx-swap="morph" hx-ext="weft">${inner}</div>`;
}

/** Answers the next POST to /components/<name>/ with `respond` and records the JSON it carried. */
async function intercept(
  page: Page,
  url: (path: string) => string,
  name: string,
  respond: { status?: number; contentType?: string; body: string },
): Promise<{ sent: () => Record<string, unknown>; headers: () => Record<string, string> }> {
  let body: Record<string, unknown> | undefined;
  let headers: Record<string, string> = {};
  await page.route(
    url(`/components/${name}/`),
    async (route: Route) => {
      body = JSON.parse(route.request().postData() ?? 'null') as Record<string, unknown>;
      headers = route.request().headers();
      await route.fulfill({ status: respond.status ?? 200, contentType: respond.contentType ?? 'text/html; charset=utf-8', body: respond.body });
    },
    { times: 1 },
  );
  return {
    sent: () => {
      assert.ok(body, 'no request was intercepted');
      return body;
    },
    headers: () => headers,
  };
}

suite.test('sends {event, payload, state, updates} as JSON with typed values (P5.2)', async ({ page, url, assertClean }) => {
  await openPage(
    page,
    url,
    root(
      'form-1',
      'form',
      `<form hx-post="/components/form/" hx-vals='{"event":"save","n":2,"flag":true,"list":[1,"a"]}'>
  <input name="tag" value="x"><input name="tag" value="y">
  <input name="title" value="typed">
  <input type="checkbox" weft-model="done" checked>
  <input type="number" weft-model="qty" value="7">
  <input type="number" weft-model="empty" value="">
  <input type="range" weft-model="level" min="0" max="10" value="3">
  <input type="text" name="note" weft-model="note" value="bound">
  <label><input type="radio" name="size" weft-model="size" value="S"> S</label>
  <label><input type="radio" name="size" weft-model="size" value="M" checked> M</label>
  <label><input type="radio" name="size" weft-model="size" value="L"> L</label>
  <input type="radio" name="unset" weft-model="unset" value="a"><input type="radio" name="unset" weft-model="unset" value="b">
  <select weft-model="color"><option>red</option><option selected>blue</option></select>
  <select weft-model="tags" multiple><option selected>a</option><option>b</option><option selected>c</option></select>
  <textarea weft-model="bio">multi
line</textarea>
  <input weft-model="frozen" value="z" disabled>
  <input name="toString" value="a field like any other">
  <button type="submit">Save</button>
</form>`,
    ),
  );
  const req = await intercept(page, url, 'form', { body: root('form-1', 'form', '<p class="done">saved</p>') });
  await settle(page, () => page.locator('button').click());
  assert.deepEqual(req.sent(), {
    event: 'save',
    // hx-vals keep their JSON types; repeated form fields become arrays; bound
    // inputs are updates, not payload.
    payload: { tag: ['x', 'y'], title: 'typed', toString: 'a field like any other', n: 2, flag: true, list: [1, 'a'] },
    state: 'v1.form.sig',
    // Only the checked radio of a group counts; a group with none checked, an empty
    // number field and a disabled input send nothing.
    updates: { done: true, qty: 7, level: 3, note: 'bound', size: 'M', color: 'blue', tags: ['a', 'c'], bio: 'multi\nline' },
  });
  assert.equal(req.headers()['content-type'], 'application/json');
  assert.equal(await page.locator('.done').innerText(), 'saved');
  assertClean();
});

suite.test('form fields join the payload typed by their control: numbers, lists, text (P5.2)', async ({ page, url, assertClean }) => {
  await openPage(
    page,
    url,
    root(
      'typed-1',
      'typed',
      `<form hx-post="/components/typed/" hx-vals='{"event":"save","fixed":"7"}'>
  <input type="number" name="qty" value="3">
  <input type="number" name="price" step="0.01" value="2.50">
  <input type="range" name="level" min="0" max="10" value="4">
  <input type="number" name="blank" value="">
  <input type="number" name="pair" value="1"><input type="number" name="pair" value="-2">
  <select name="tags" multiple><option selected>a</option><option>b</option></select>
  <select name="picks" multiple><option selected>x</option><option selected>y</option></select>
  <select name="none" multiple><option>z</option></select>
  <select name="size"><option>S</option><option selected>M</option></select>
  <input type="checkbox" name="gift" value="yes" checked>
  <input type="checkbox" name="wrap" checked>
  <input type="checkbox" name="off">
  <input type="radio" name="ship" value="2" checked>
  <input name="note" value="12">
  <input type="hidden" name="token" value="5">
  <input type="number" name="fixed" value="9">
  <button type="submit">Save</button>
</form>`,
    ),
  );
  const req = await intercept(page, url, 'typed', { body: root('typed-1', 'typed', '<p class="done">saved</p>') });
  await settle(page, () => page.locator('button').click());
  assert.deepEqual(req.sent().payload, {
    // Number and range inputs send numbers; an empty one sends nothing.
    qty: 3,
    price: 2.5,
    level: 4,
    pair: [1, -2],
    // A multiple select sends a list, even of one.
    tags: ['a'],
    picks: ['x', 'y'],
    // Every other control sends its text, as a form does.
    size: 'M',
    gift: 'yes',
    wrap: 'on',
    ship: '2',
    note: '12',
    token: '5',
    // JSON hx-vals keep their JSON type and win over a field of the same name.
    fixed: '7',
  });
  assertClean();
});

suite.test("a page's own hx-sync still applies: a request it aborts while waiting its turn is never sent (P5.6)", async ({ page, url, consoleErrors, failedResponses }) => {
  const html = root(
    's-1',
    'search',
    `<button class="go" hx-post="/components/search/" hx-vals='{"event":"go"}'>go</button>
<input class="q" name="q" autocomplete="off" hx-post="/components/search/" hx-trigger="input" hx-sync="this:replace" hx-vals='{"event":"find"}'>`,
  );
  await openPage(page, url, html);
  const sent: unknown[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route(url('/components/search/'), async (route) => {
    const body = JSON.parse(route.request().postData() ?? 'null') as { event: string; payload: unknown };
    sent.push({ event: body.event, payload: body.payload });
    if (sent.length === 1) await gate;
    await route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
  });
  await page.locator('.go').click();
  // Each keystroke fires; the second replaces the first, which is still waiting
  // behind the held "go".
  await page.locator('.q').pressSequentially('ab');
  await page.waitForTimeout(100);
  assert.deepEqual(sent, [{ event: 'go', payload: {} }], 'nothing else goes out while "go" is out');
  const { requests } = await readProbe(page);
  release();
  await page.waitForFunction((n) => (window as unknown as { __probe: { requests: number } }).__probe.requests >= n + 2, requests);
  await page.waitForTimeout(100);
  assert.deepEqual(sent, [
    { event: 'go', payload: {} },
    { event: 'find', payload: { q: 'ab' } },
  ]);
  // htmx logs every abort; the aborted request ended as one, and nothing failed.
  assert.deepEqual(consoleErrors.map((e) => e.split(',')[0]), ['htmx:afterRequest', 'htmx:sendAbort']);
  assert.deepEqual(failedResponses, []);
});

suite.test('an event collects only its own root\'s bound inputs, not a nested child\'s (P5.2)', async ({ page, url, assertClean }) => {
  const inner = `<input weft-model="note" value="inner note"><button class="inner" hx-post="/components/inner/" hx-vals='{"event":"go"}'>inner</button>`;
  const child = root('outer-1-0', 'inner', inner, ' weft-child="d1"');
  const outerHtml = root(
    'outer-1',
    'outer',
    `<input weft-model="title" value="outer title">
<button class="outer" hx-post="/components/outer/" hx-vals='{"event":"go"}'>outer</button>
${child}`,
  );
  await openPage(page, url, outerHtml);
  const outer = await intercept(page, url, 'outer', { body: outerHtml });
  await settle(page, () => page.locator('button.outer').click());
  assert.deepEqual(outer.sent().updates, { title: 'outer title' });
  const innerReq = await intercept(page, url, 'inner', { body: root('outer-1-0', 'inner', inner) });
  await settle(page, () => page.locator('button.inner').click());
  assert.deepEqual(innerReq.sent().updates, { note: 'inner note' });
  assert.equal(innerReq.sent().state, 'v1.inner.sig');
  assertClean();
});

suite.test('a GET inside a root stays an ordinary htmx GET', async ({ page, url, assertClean }) => {
  await openPage(page, url, root('list-1', 'list', `<button hx-get="/client-more" hx-target="#more" hx-swap="innerHTML">more</button><div id="more"></div>`));
  let seen: { method: string; contentType: string | undefined; body: string | null } | undefined;
  await page.route(url('/client-more'), (route) => {
    seen = { method: route.request().method(), contentType: route.request().headers()['content-type'], body: route.request().postData() };
    return route.fulfill({ contentType: 'text/html', body: '<p class="more">more rows</p>' });
  });
  await settle(page, () => page.locator('button').click());
  assert.deepEqual(seen, { method: 'GET', contentType: undefined, body: null });
  assert.equal(await page.locator('.more').innerText(), 'more rows');
  assertClean();
});

suite.test('a morph keeps a child whose id and weft-child match, replaces one whose digest changed (P5.5)', async ({ page, url, assertClean }) => {
  const child = (digest: string, text: string) =>
    root('p-1-0', 'kid', `<span class="kid">${text}</span><input class="kid-input" weft-model="n" value="">`, ` weft-child="${digest}"`);
  const parent = (inner: string, label: string) => root('p-1', 'parent', `<h2 class="label">${label}</h2><button class="go" hx-post="/components/parent/" hx-vals='{"event":"go"}'>go</button>${inner}`);
  await openPage(page, url, parent(child('same', 'old child'), 'first'));
  await page.locator('.kid-input').fill('typed in the child');

  let req = await intercept(page, url, 'parent', { body: parent(child('same', 'fresh child'), 'second') });
  await settle(page, () => page.locator('.go').click());
  req.sent();
  assert.equal(await page.locator('.label').innerText(), 'second', 'the parent was morphed');
  assert.equal(await page.locator('.kid').innerText(), 'old child', 'the matching child was kept');
  assert.equal(await page.locator('.kid-input').inputValue(), 'typed in the child');

  req = await intercept(page, url, 'parent', { body: parent(child('changed', 'fresh child'), 'third') });
  await settle(page, () => page.locator('.go').click());
  req.sent();
  assert.equal(await page.locator('.kid').innerText(), 'fresh child', 'a child with a new digest shows its new render');
  assert.equal(await page.locator('#p-1-0').getAttribute('weft-child'), 'changed');
  assertClean();
});

suite.test("a child's response for a child its parent has since replaced is not swapped in (P5.5)", async ({ page, url, assertClean }) => {
  const kid = (digest: string, n: number) =>
    root('k-1', 'kid', `<button class="inc" hx-post="/components/kid/" hx-vals='{"event":"inc"}'>+</button><b class="n">${n}</b>`, ` weft-child="${digest}"`);
  await openPage(page, url, kid('AAAAAAAAAAAA', 0));
  // The child's response still fits: swapped.
  let req = await intercept(page, url, 'kid', { body: kid('AAAAAAAAAAAA', 1) });
  await settle(page, () => page.locator('.inc').click());
  req.sent();
  assert.equal(await page.locator('.n').innerText(), '1');
  // While the next one is in flight, the parent replaces the child (new params, new digest).
  await page.locator('#k-1').evaluate((el) => {
    el.setAttribute('weft-child', 'BBBBBBBBBBBB');
    (el.querySelector('.n') as HTMLElement).textContent = '100';
  });
  req = await intercept(page, url, 'kid', { body: kid('AAAAAAAAAAAA', 2) });
  // Nothing will be swapped, so wait for the request to finish rather than to settle.
  const { requests } = await readProbe(page);
  await page.locator('.inc').click();
  await page.waitForFunction((n) => (window as unknown as { __probe: { requests: number } }).__probe.requests > n, requests);
  await page.waitForTimeout(100);
  req.sent();
  assert.equal(await page.locator('.n').innerText(), '100', 'the stale response was dropped');
  assert.equal(await page.locator('#k-1').getAttribute('weft-child'), 'BBBBBBBBBBBB');
  assertClean();
});

suite.test('a root takes no form fields or hx-vals from the component around it, nor from one inside it (P5.2)', async ({ page, url, assertClean }) => {
  const child = root(
    'p-2-_0',
    'leaf',
    `<input name="note" weft-model="note" value="child note"><button class="inc" hx-post="/components/leaf/" hx-vals='{"event":"inc"}'>+</button>`,
    ' weft-child="CCCCCCCCCCCC"',
  );
  const parent = root(
    'p-2',
    'parent',
    `<form hx-post="/components/parent/" hx-vals='{"event":"save"}'>
  <input name="title" value="parent title">
  <div hx-vals='{"secret":"parent only","itemId":7}'>${child}</div>
  <button type="submit" class="save">Save</button>
</form>`,
  );
  await openPage(page, url, parent);
  const leaf = await intercept(page, url, 'leaf', { body: child });
  await settle(page, () => page.locator('.inc').click());
  assert.deepEqual(leaf.sent().payload, {}, 'nothing of the parent form or its hx-vals');
  assert.deepEqual(leaf.sent().updates, { note: 'child note' });

  const save = await intercept(page, url, 'parent', { body: parent });
  await settle(page, () => page.locator('.save').click());
  assert.deepEqual(save.sent().payload, { title: 'parent title' }, "nothing of the child's fields");
  assert.deepEqual(save.sent().children, { 'p-2-_0': 'CCCCCCCCCCCC' });
  assertClean();
});

suite.test('hx-swap="morph:innerHTML" on an event works: the response root replaces the root (P5.3)', async ({ page, url, assertClean }) => {
  const html = (n: number) => root('m-1', 'inner', `<button class="go" hx-post="/components/inner/" hx-swap="morph:innerHTML" hx-vals='{"event":"go"}'>go</button><b class="n">${n}</b>`);
  await openPage(page, url, html(0));
  const req = await intercept(page, url, 'inner', { body: html(1) });
  await settle(page, () => page.locator('.go').click());
  req.sent();
  assert.equal(await page.locator('.n').innerText(), '1');
  assert.equal(await page.locator('[weft="inner"]').count(), 1, 'no root nested in itself');
  assertClean();
});

suite.test('refusals and unreachable servers become weft:error on the root, nothing is swapped (P5.4)', async ({ page, url }) => {
  await openPage(page, url, root('e-1', 'err', `<button class="go" hx-post="/components/err/" hx-vals='{"event":"go"}'>go</button><p class="body">kept</p>`));
  let req = await intercept(page, url, 'err', { status: 422, contentType: 'application/json', body: '{"error":"bad payload","code":"invalid_payload","issues":[]}' });
  await settle(page, () => page.locator('.go').click());
  req.sent();
  req = await intercept(page, url, 'err', { status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' });
  await settle(page, () => page.locator('.go').click());
  req.sent();
  await page.route(url('/components/err/'), (route) => route.abort('connectionrefused'), { times: 1 });
  await settle(page, () => page.locator('.go').click());

  const { errors } = await readProbe(page);
  assert.deepEqual(
    errors.map((e) => ({ target: e.target, bubbles: e.bubbles, status: e.detail.status, code: e.detail.code })),
    [
      { target: 'err', bubbles: true, status: 422, code: 'invalid_payload' },
      { target: 'err', bubbles: true, status: 502, code: undefined },
      { target: 'err', bubbles: true, status: 0, code: 'network' },
    ],
  );
  assert.equal(errors[0]?.detail.error, 'bad payload');
  assert.equal(await page.locator('.body').innerText(), 'kept');
  assert.equal(await page.locator('#e-1').getAttribute('weft-error'), 'network', 'the last failure marks the root');

  // The next success morphs the mark away.
  req = await intercept(page, url, 'err', {
    body: root('e-1', 'err', `<button class="go" hx-post="/components/err/" hx-vals='{"event":"go"}'>go</button><p class="body">fresh</p>`),
  });
  await settle(page, () => page.locator('.go').click());
  req.sent();
  assert.equal(await page.locator('.body').innerText(), 'fresh');
  assert.equal(await page.locator('#e-1').getAttribute('weft-error'), null);
});
