/**
 * The example pages under a strict Content-Security-Policy, in a real browser:
 * no inline script or style anywhere (Weft's pages, htmx's indicator style, the
 * examples' layout), with a `'self'` policy and with a nonce + `'strict-dynamic'`
 * policy. Any violation is reported by the browser as a `securitypolicyviolation`
 * event and a console error; both must stay empty while the counter works.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { browserSuite, nextEventResponse, settle } from './harness.js';

const SELF_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'";

function noncePolicy(nonce: string): string {
  return `default-src 'self'; script-src 'nonce-${nonce}' 'strict-dynamic'; style-src 'self'; object-src 'none'; base-uri 'none'`;
}

/** Which policy a request gets: the test picks one with this request header. */
const POLICY_HEADER = 'x-test-csp';

const suite = browserSuite({
  beforeRequest(req, res) {
    if (req.headers[POLICY_HEADER] === 'nonce') {
      // A fresh nonce for every response, in the header and (through locals) on the page's scripts.
      const nonce = randomBytes(16).toString('base64');
      res.setHeader('content-security-policy', noncePolicy(nonce));
      return { cspNonce: nonce };
    }
    res.setHeader('content-security-policy', SELF_POLICY);
    return undefined;
  },
});

/** Records every CSP violation the page reports, from before its first script runs. */
const VIOLATIONS = `(() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
  });
})();`;

function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

const PAGES = ['/', '/counter', '/contacts', '/cart', '/shop/product/1', '/board', '/signup'];

for (const policy of ['self', 'nonce'] as const) {
  suite.test(`${policy} policy: every example page loads with no violation, and the counter counts`, async ({ page, context, url, assertClean }) => {
    await context.setExtraHTTPHeaders({ [POLICY_HEADER]: policy });
    await context.addInitScript(VIOLATIONS);

    for (const path of PAGES) {
      const response = await page.goto(url(path));
      assert.equal(response?.status(), 200, path);
      const header = response?.headers()['content-security-policy'] ?? '';
      assert.match(header, policy === 'nonce' ? /'strict-dynamic'/ : /^default-src 'self'; script-src 'self'/, path);
      // htmx, idiomorph and Weft's client all ran, and htmx took its settings from the page.
      await page.waitForFunction(() => {
        const w = window as unknown as { htmx?: { config: Record<string, unknown> }; Idiomorph?: unknown };
        return w.htmx !== undefined && w.Idiomorph !== undefined && w.htmx.config.includeIndicatorStyles === false;
      });
      assert.equal(await page.locator('style').count(), 0, `${path}: an inline <style> is in the page`);
      assert.deepEqual(await violations(page), [], path);
    }

    await page.goto(url('/counter'));
    const root = page.locator('[weft="counter"]');
    await root.waitFor();
    // The stylesheet is a file, allowed by style-src 'self', and applied.
    assert.equal(await root.locator('output.count').evaluate((el) => getComputedStyle(el).fontWeight), '600');
    for (let i = 1; i <= 3; i++) {
      const response = nextEventResponse(page, 'counter');
      await settle(page, () => root.locator('.inc').click());
      assert.equal((await response).status(), 200);
      assert.equal(await root.locator('.count').innerText(), String(i));
    }
    assert.deepEqual(await violations(page), []);
    assertClean();

    // The policy is really enforced, and a violation would be seen: an inline style is refused.
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { color: red }';
      document.head.append(style);
    });
    await page.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length > 0);
    assert.match((await violations(page))[0] ?? '', /^style-src/);
  });
}
