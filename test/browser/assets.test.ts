/**
 * Component CSS and JS (`static css`, `static js`; docs/protocol.md, P5.8) in a
 * real browser: a page links each once and both work; an event whose response
 * brings a component type the page has not shown yet loads that type's CSS and
 * JS, and the new component works; nothing is loaded twice (elements in the
 * page, requests on the network, behaviour that would double). The same under
 * a strict Content-Security-Policy ('self', and nonce + 'strict-dynamic').
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { componentAssets } from '../../src/core/assets.js';
import { Meter, Note } from '../../examples/widgets/widgets.js';
import { browserSuite, nextEventResponse, settle } from './harness.js';

/** Which policy a request gets: the test picks one with this request header (none without it). */
const POLICY_HEADER = 'x-test-csp';

const suite = browserSuite({
  beforeRequest(req, res) {
    const policy = req.headers[POLICY_HEADER];
    if (policy === 'nonce') {
      const nonce = randomBytes(16).toString('base64');
      res.setHeader(
        'content-security-policy',
        `default-src 'self'; script-src 'nonce-${nonce}' 'strict-dynamic'; style-src 'self'; object-src 'none'; base-uri 'none'`,
      );
      return { cspNonce: nonce };
    }
    if (policy === 'self') res.setHeader('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'");
    return undefined;
  },
});

const [noteCss, noteJs] = componentAssets(Note, 'note');
const [meterCss, meterJs] = componentAssets(Meter, 'meter');
assert.ok(noteCss && noteJs && meterCss && meterJs);
const ALL = [noteCss.hash, noteJs.hash, meterCss.hash, meterJs.hash];

/**
 * Records, from before the first script runs, every CSP violation and every
 * `data-weft-asset` element that finished loading (`link:<hash>`, `script:<hash>`;
 * a script's load comes after it ran).
 */
const PROBES = `(() => {
  window.__violations = [];
  window.__assetLoads = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
  });
  document.addEventListener('load', (e) => {
    const t = e.target;
    if (t && t.getAttribute && t.hasAttribute('data-weft-asset')) window.__assetLoads.push(t.localName + ':' + t.getAttribute('data-weft-asset'));
  }, true);
})();`;

type Probed = Window & { __violations: string[]; __assetLoads: string[] };

/** Waits until the asset elements named (`link:<hash>`, `script:<hash>`) have loaded. */
async function loaded(page: Page, ...names: string[]): Promise<void> {
  await page.waitForFunction((wanted) => wanted.every((n) => (window as unknown as Probed).__assetLoads.includes(n)), names);
}

/** How many elements in the document carry each hash. */
function elementsPerHash(page: Page): Promise<number[]> {
  return page.evaluate((hashes) => hashes.map((h) => document.querySelectorAll(`[data-weft-asset="${h}"]`).length), ALL);
}

function style(page: Page, selector: string, property: string): Promise<string> {
  return page.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);
}

for (const policy of ['none', 'self', 'nonce'] as const) {
  suite.test(`${policy === 'none' ? 'no' : policy} policy: a page links its components' CSS and JS once; an event brings a new type's, once`, async ({ page, context, url, assertClean }) => {
    if (policy !== 'none') await context.setExtraHTTPHeaders({ [POLICY_HEADER]: policy });
    await context.addInitScript(PROBES);
    const requested: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/weft/c/')) requested.push(path);
    });

    await page.goto(url('/widgets'));
    await page.locator('[weft="widget-board"] .note').first().waitFor();
    assert.equal(await page.locator('.note').count(), 3);
    // Three notes, one link and one script, in <head>; no meter's yet.
    assert.deepEqual(await elementsPerHash(page), [1, 1, 0, 0]);
    assert.equal(await page.locator(`head link[data-weft-asset="${noteCss.hash}"]`).count(), 1);
    assert.equal(await page.locator(`head script[data-weft-asset="${noteJs.hash}"]`).count(), 1);
    if (policy === 'nonce') assert.ok(await page.locator(`head script[data-weft-asset="${noteJs.hash}"]`).evaluate((el) => (el as HTMLScriptElement).nonce !== ''));
    await loaded(page, `link:${noteCss.hash}`, `script:${noteJs.hash}`);

    // The CSS applies, and the JS works (ran once: twice would toggle back).
    assert.equal(await style(page, '.note', 'border-left-color'), 'rgb(37, 99, 235)');
    assert.equal(await style(page, '.note', 'border-left-width'), '4px');
    const body = page.locator('.note').nth(1).locator('.note-body');
    await page.locator('.note').nth(1).locator('.note-toggle').click();
    assert.equal(await body.isHidden(), true);
    await page.locator('.note').nth(1).locator('.note-toggle').click();
    assert.equal(await body.isVisible(), true);

    // The event lists what the page has; the response brings the meter's CSS and JS only.
    const response = nextEventResponse(page, 'widget-board');
    await settle(page, () => page.locator('.add-meter').click());
    const sent = JSON.parse((await response).request().postData() ?? '{}') as { assets?: string[] };
    assert.deepEqual(sent.assets?.toSorted(), [noteCss.hash, noteJs.hash].toSorted());
    const text = await (await response).text();
    assert.ok(!text.includes(noteCss.hash) && !text.includes(noteJs.hash), 'the note\'s assets came again');
    assert.ok(text.includes(`data-weft-asset="${meterCss.hash}"`) && text.includes(`data-weft-asset="${meterJs.hash}"`), text);
    await loaded(page, `link:${meterCss.hash}`, `script:${meterJs.hash}`);
    // Moved into <head>, not swapped into the board.
    assert.equal(await page.locator(`head link[data-weft-asset="${meterCss.hash}"]`).count(), 1);
    assert.equal(await page.locator(`head script[data-weft-asset="${meterJs.hash}"]`).count(), 1);
    assert.equal(await page.locator('[weft="widget-board"] [data-weft-asset]').count(), 0);
    assert.equal(await page.locator('.meter').count(), 1);
    assert.equal(await style(page, '.meter-bar', 'background-color'), 'rgb(22, 163, 74)');
    await page.locator('.meter-bump').click();
    assert.equal(await page.locator('.meter-value').innerText(), '1');

    // A second meter: the page has everything, so nothing more comes or loads.
    const again = nextEventResponse(page, 'widget-board');
    await settle(page, () => page.locator('.add-meter').click());
    assert.ok(!(await (await again).text()).includes('data-weft-asset'));
    assert.equal(await page.locator('.meter').count(), 2);
    await page.locator('.meter-bump').nth(1).click();
    assert.equal(await page.locator('.meter-value').nth(1).innerText(), '1');
    assert.deepEqual(await elementsPerHash(page), [1, 1, 1, 1]);
    assert.deepEqual(
      requested.toSorted(),
      [`/weft/c/meter.${meterCss.hash}.css`, `/weft/c/meter.${meterJs.hash}.js`, `/weft/c/note.${noteCss.hash}.css`, `/weft/c/note.${noteJs.hash}.js`].toSorted(),
      'each asset requested once',
    );
    if (policy === 'nonce') assert.ok(await page.locator(`script[data-weft-asset="${meterJs.hash}"]`).evaluate((el) => (el as HTMLScriptElement).nonce !== ''));
    assert.deepEqual(await page.evaluate(() => (window as unknown as Probed).__violations), []);
    assert.equal(await page.locator('style').count(), 0, 'an inline <style> is in the page');
    assertClean();
  });
}

suite.test('a live push brings its asset tags the same way: loaded once, never swapped in; a tag for another file is not loaded', async ({ page, context, url, assertClean }) => {
  await context.addInitScript(PROBES);
  await page.goto(url('/widgets'));
  await page.locator('.note').first().waitFor();
  await page.waitForFunction(() => (window as unknown as { htmx?: unknown }).htmx !== undefined);
  const tags =
    `<link rel="stylesheet" href="/weft/c/meter.${meterCss.hash}.css" data-weft-asset="${meterCss.hash}">` +
    `<script defer src="/weft/c/meter.${meterJs.hash}.js" data-weft-asset="${meterJs.hash}"></script>` +
    // Not a file whose name carries its hash: never loaded.
    `<script src="/weft/htmx.min.js" data-weft-asset="AAAAAAAAAAAAAAAA"></script>`;
  // What weft-live.min.js does with a push before swapping it.
  const push = (html: string) =>
    page.evaluate((h) => {
      const detail = { html: h };
      document.dispatchEvent(new CustomEvent('weft:push', { detail }));
      return detail.html;
    }, html);
  assert.equal(await push(`<div id="x">pushed</div>${tags}`), '<div id="x">pushed</div>');
  assert.equal(await push(`<div id="x">again</div>${tags}`), '<div id="x">again</div>');
  await loaded(page, `link:${meterCss.hash}`, `script:${meterJs.hash}`);
  assert.deepEqual(await elementsPerHash(page), [1, 1, 1, 1]);
  assert.equal(await page.locator('[data-weft-asset="AAAAAAAAAAAAAAAA"]').count(), 0);
  // A push without tags is left exactly as it came.
  assert.equal(await push('<div id="x">a &amp; b <b>c</b></div>'), '<div id="x">a &amp; b <b>c</b></div>');
  assertClean();
});

suite.test('live: joins list the page\'s assets; a meter added over the socket, and pushed to another page of the room, brings its CSS and JS once', async ({ page, context, url, assertClean }) => {
  await context.addInitScript(PROBES);
  const room = `r${randomBytes(6).toString('hex')}`;
  const other = await context.newPage();
  const joins: Record<string, unknown>[] = [];
  const pushed: { a: string[]; b: string[] } = { a: [], b: [] };
  const requested: { a: string[]; b: string[] } = { a: [], b: [] };
  let posts = 0;
  for (const [key, p] of [['a', page], ['b', other]] as const) {
    p.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        const frame = JSON.parse(String(f.payload)) as Record<string, unknown>;
        if (frame.t === 'join' && key === 'a') joins.push(frame);
      });
      ws.on('framereceived', (f) => {
        const frame = JSON.parse(String(f.payload)) as { t: string; html?: string; ref?: number };
        if (frame.t === 'render' && frame.ref === undefined) pushed[key].push(frame.html ?? '');
      });
    });
    p.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/weft/c/')) requested[key].push(path);
      if (r.method() === 'POST') posts++;
    });
    await p.goto(url(`/widgets/live?room=${room}`));
    await p.waitForFunction(() => document.documentElement.classList.contains('weft-connected'));
    await loaded(p, `link:${noteCss.hash}`, `script:${noteJs.hash}`);
  }
  assert.ok(joins.length > 0, 'no join frame');
  assert.deepEqual((joins[0]?.assets as string[] | undefined)?.toSorted(), [noteCss.hash, noteJs.hash].toSorted());

  // Added on the first page: answered over its socket (no POST), with the meter's files.
  await settle(page, () => page.locator('.add-meter').click());
  assert.equal(posts, 0, 'the event went over HTTP');
  await loaded(page, `link:${meterCss.hash}`, `script:${meterJs.hash}`);
  await page.locator('.meter-bump').click();
  assert.equal(await page.locator('.meter-value').innerText(), '1');

  // Pushed to the other page of the room, with the meter's files too: loaded once, and working.
  await other.locator('.meter').waitFor();
  await loaded(other, `link:${meterCss.hash}`, `script:${meterJs.hash}`);
  assert.ok(pushed.b.some((html) => html.includes(`data-weft-asset="${meterJs.hash}"`)), 'the push brought no tags');
  assert.equal(await other.locator('[weft="room-widget-board"] [data-weft-asset]').count(), 0);
  assert.equal(await style(other, '.meter-bar', 'background-color'), 'rgb(22, 163, 74)');
  await other.locator('.meter-bump').click();
  assert.equal(await other.locator('.meter-value').innerText(), '1');

  // Added on the other page: each socket knows its page has them now, so no tags come again.
  await settle(other, () => other.locator('.add-meter').click());
  await page.locator('.meter').nth(1).waitFor();
  assert.ok(pushed.a.length > 0 && !pushed.a.some((html) => html.includes('data-weft-asset')), 'a push repeated tags');
  for (const p of [page, other]) assert.deepEqual(await elementsPerHash(p), [1, 1, 1, 1]);
  for (const list of [requested.a, requested.b]) {
    assert.deepEqual(
      list.toSorted(),
      [`/weft/c/meter.${meterCss.hash}.css`, `/weft/c/meter.${meterJs.hash}.js`, `/weft/c/note.${noteCss.hash}.css`, `/weft/c/note.${noteJs.hash}.js`].toSorted(),
    );
  }
  assert.equal(posts, 0);
  assertClean();
});
