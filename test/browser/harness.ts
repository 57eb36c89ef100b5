/**
 * Shared setup for the real-browser tests: the examples app on a random port,
 * one headless Chromium per test file and a fresh browser context per test.
 *
 *     const suite = browserSuite();
 *     suite.test('counts', async ({ page, url }) => { await page.goto(url('/counter')); … });
 *
 * Chromium is found at `CHROMIUM_PATH` or /usr/bin/chromium. Without it the tests
 * are skipped with a loud notice, except under `CI=true`, where they fail.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { serve } from 'weft/node';
import { createExampleApp } from '../../examples/app.js';

/** Upper bound for any single wait in a test (navigation, selector, response). */
export const WAIT_MS = 10_000;
/** Upper bound for a whole test, so a stuck browser cannot hang the run. */
const TEST_MS = 60_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const chromiumFound = existsSync(chromiumPath);
const inCi = process.env.CI === 'true';

/** Why browser tests are skipped, or `undefined` when they run. */
export const skipReason: string | undefined =
  chromiumFound || inCi ? undefined : `Chromium not found at ${chromiumPath} (set CHROMIUM_PATH)`;

/** Set when Chromium is missing under `CI=true`: every browser test then fails with it. */
const ciFailure: string | undefined =
  !chromiumFound && inCi ? `Chromium is required in CI, but it was not found at ${chromiumPath} (set CHROMIUM_PATH).` : undefined;

let noticeShown = false;
function announce(lines: string[]): void {
  if (noticeShown) return;
  noticeShown = true;
  const bar = '!'.repeat(78);
  process.stderr.write(['', bar, ...lines.map((line) => `!!  ${line}`), bar, '', ''].join('\n'));
}

/** What each browser test receives. */
export interface BrowserTestContext {
  page: Page;
  context: BrowserContext;
  /** Absolute URL of a path on the examples server. */
  url(path: string): string;
  /** Console errors and uncaught page exceptions seen so far. */
  consoleErrors: string[];
  /** Responses with status >= 400 and requests that failed, as "STATUS METHOD URL". */
  failedResponses: string[];
  /** Asserts there were no console errors and no failed responses. */
  assertClean(): void;
}

export interface BrowserSuite {
  test(name: string, fn: (t: BrowserTestContext) => Promise<void>): void;
}

export interface SuiteOptions {
  /**
   * Runs before the examples app on every request: may set response headers
   * (a Content-Security-Policy, say) and return locals to add for that request.
   */
  beforeRequest?(req: IncomingMessage, res: ServerResponse): Record<string, unknown> | void;
}

/**
 * Counters the page keeps so tests can wait for htmx to finish: requests done,
 * swaps settled, and every `weft:error` seen at the document.
 */
const INIT_SCRIPT = `(() => {
  const probe = { requests: 0, settles: 0, errors: [] };
  window.__probe = probe;
  document.addEventListener('htmx:afterRequest', () => { probe.requests++; });
  document.addEventListener('htmx:afterSettle', () => { probe.settles++; });
  document.addEventListener('weft:error', (e) => {
    probe.errors.push({ bubbles: e.bubbles, target: e.target && e.target.getAttribute && e.target.getAttribute('weft'), detail: e.detail });
  });
})();`;

/** The page-side counters installed by the harness. */
export interface Probe {
  requests: number;
  settles: number;
  errors: { bubbles: boolean; target: string | null; detail: Record<string, unknown> }[];
}

export function readProbe(page: Page): Promise<Probe> {
  return page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
}

/**
 * Runs `action` (which must cause exactly one htmx request) and waits until that
 * request is done and, if it swapped, settled.
 */
export async function settle(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await readProbe(page);
  await action();
  await page.waitForFunction(
    (n) => (window as unknown as { __probe: Probe }).__probe.requests > n,
    before.requests,
    { timeout: WAIT_MS },
  );
  // htmx settles 20 ms after the swap; wait for it when the request swapped something.
  await page.waitForFunction(
    ([settles, errors]) => {
      const probe = (window as unknown as { __probe: Probe }).__probe;
      return probe.settles > settles || probe.errors.length > errors;
    },
    [before.settles, before.errors.length] as const,
    { timeout: WAIT_MS },
  );
}

/** Waits for the next POST event request to a component; the caller triggers it. */
export function nextEventResponse(page: Page, component: string): Promise<Response> {
  return page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/components/${component}/`,
    { timeout: WAIT_MS },
  );
}

/** A browser asks for /favicon.ico on its own when a page links no icon (`page()` links one). */
function isFavicon(url: string): boolean {
  return url !== '' && URL.canParse(url) && new URL(url).pathname === '/favicon.ico';
}

/** Sets up the server and browser for the calling test file and returns its `test`. */
export function browserSuite(options: SuiteOptions = {}): BrowserSuite {
  if (ciFailure) {
    announce(['BROWSER TESTS FAIL: Chromium is required in CI (CI=true)', `Chromium was not found at: ${chromiumPath}`, 'Install Chromium or point CHROMIUM_PATH at its executable.']);
  } else if (skipReason) {
    announce([
      'BROWSER TESTS SKIPPED',
      `Chromium was not found at: ${chromiumPath}`,
      'Install Chromium or point CHROMIUM_PATH at its executable to run them.',
      '(With CI=true a missing Chromium fails the run instead of skipping.)',
    ]);
  }

  let server: Server | undefined;
  let browser: Browser | undefined;
  let origin = '';

  before(async () => {
    if (ciFailure) throw new Error(ciFailure);
    if (skipReason) return;
    const { weft, locals, fallback } = createExampleApp({ secret: randomBytes(32).toString('base64url'), mode: 'development' });
    const extra = new WeakMap<IncomingMessage, Record<string, unknown>>();
    server = await serve(weft, { port: 0, hostname: '127.0.0.1', locals: (req) => ({ ...locals(req), ...extra.get(req) }), fallback });
    const { beforeRequest } = options;
    if (beforeRequest) {
      // Ahead of the server's own listener, so headers set here go out with Weft's response.
      server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
        const more = beforeRequest(req, res);
        if (more) extra.set(req, more);
      });
    }
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: WAIT_MS * 3 });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      const s = server;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  return {
    test(name, fn) {
      test(name, { skip: skipReason ?? false, timeout: TEST_MS }, async () => {
        assert.ok(browser, 'browser did not start');
        const context = await browser.newContext();
        context.setDefaultTimeout(WAIT_MS);
        context.setDefaultNavigationTimeout(WAIT_MS);
        await context.addInitScript(INIT_SCRIPT);
        const page = await context.newPage();
        const consoleErrors: string[] = [];
        const failedResponses: string[] = [];
        page.on('console', (msg) => {
          if (msg.type() !== 'error' || isFavicon(msg.location().url)) return;
          consoleErrors.push(msg.text());
        });
        page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
        page.on('response', (r) => {
          if (r.status() >= 400 && !isFavicon(r.url())) {
            failedResponses.push(`${r.status()} ${r.request().method()} ${r.url()}`);
          }
        });
        page.on('requestfailed', (r) => failedResponses.push(`failed (${r.failure()?.errorText}) ${r.method()} ${r.url()}`));
        try {
          await fn({
            page,
            context,
            url: (path) => new URL(path, origin).href,
            consoleErrors,
            failedResponses,
            assertClean() {
              assert.deepEqual(consoleErrors, [], 'console errors');
              assert.deepEqual(failedResponses, [], 'failed responses');
            },
          });
        } finally {
          await context.close();
        }
      });
    },
  };
}
