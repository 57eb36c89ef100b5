/**
 * What a browser sees of views and pages, on every host (node:http, Express,
 * Hono): one URL per view (the other trailing-slash form redirects to it), a
 * refused page GET answered as a page to a browser and as JSON to htmx and
 * scripts, and the icon `page()` links to.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Component, createWeft, html, page, Registry, type Weft, WeftError } from 'weft';
import { weft as weftMiddleware } from 'weft/express';
import { TestClient, type TestResponse } from 'weft/testing';
import { BrokenMount, Item, SECRET, SECRET_MESSAGE, silent, TEST_HOSTS } from './fixtures.js';
import { assertRefusal, hosts } from './servers.js';

/** What Chromium sends when it loads a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** A product page: 404 for a product that does not exist, as an app would refuse it. */
class ProductPage extends Component<Record<string, never>, { id: string }> {
  mount() {
    if (this.params.id !== '1') throw new WeftError(404, 'not_found', `no product <${this.params.id}>`);
    return {};
  }
  override render() {
    return page({ title: 'Product', body: html`<h1 class="product">Product ${this.params.id}</h1>` });
  }
}

function makePagesApp(mode: 'production' | 'development' = 'production'): Weft {
  const registry = new Registry();
  registry.register('product-page', ProductPage);
  registry.register('item', Item);
  registry.register('broken-mount', BrokenMount);
  return createWeft({ registry, secret: SECRET, mode, allowedHosts: TEST_HOSTS, logger: silent })
    .view('/shop/product/:id/', ProductPage)
    .view('/items/:id', Item)
    .view('/broken-mount', BrokenMount);
}

function assertHtmlError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text.slice(0, 300));
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.text, /^<!doctype html>/);
  assert.ok(res.text.includes(`<title>${status} `), res.text);
  assert.ok(res.text.includes(`<code>${code}</code>`), res.text);
}

for (const host of hosts) {
  describe(`${host.name}: pages`, () => {
    let weft: Weft;
    let client: TestClient;

    before(async () => {
      weft = makePagesApp();
      client = await host.start(weft);
    });
    after(() => client.close());

    describe('trailing slash', () => {
      it('serves a view registered with a trailing slash at that URL', async () => {
        const res = await client.get('/shop/product/1/');
        assert.equal(res.status, 200, res.text);
        assert.match(res.text, /<h1 class="product">Product 1<\/h1>/);
      });

      it('redirects the URL without the slash to it with 308, keeping the query string', async () => {
        const res = await client.request('/shop/product/1?ref=mail&x=%20y', { redirect: 'manual' });
        assert.equal(res.status, 308);
        const location = res.headers.get('location') ?? '';
        assert.equal(new URL(location, `${client.baseUrl}/shop/product/1`).href, `${client.baseUrl}/shop/product/1/?ref=mail&x=%20y`);
        // Followed, as a browser would.
        const followed = await client.get('/shop/product/1');
        assert.equal(followed.status, 200);
        assert.match(followed.text, /Product 1/);
      });

      it('redirects a view registered without the slash the other way', async () => {
        const res = await client.request('/items/3/?tab=specs', { redirect: 'manual' });
        assert.equal(res.status, 308);
        assert.equal(new URL(res.headers.get('location') ?? '', `${client.baseUrl}/items/3/`).href, `${client.baseUrl}/items/3?tab=specs`);
        const head = await client.request('/items/3/', { method: 'HEAD', redirect: 'manual' });
        assert.equal(head.status, 308);
      });

      it('does not redirect other methods', async () => {
        const res = await client.request('/shop/product/1', { method: 'POST', redirect: 'manual' });
        assert.equal(res.status, 404);
      });
    });

    describe('errors from views', () => {
      it('answers a browser with an HTML page, escaped', async () => {
        const res = await client.request('/shop/product/99/', { headers: { accept: BROWSER_ACCEPT } });
        assertHtmlError(res, 404, 'not_found');
        assert.ok(res.text.includes('no product &lt;99&gt;'), res.text);
        assert.ok(!res.text.includes('<99>'));
      });

      it('answers htmx and scripts with JSON', async () => {
        const htmx = await client.request('/shop/product/99/', { headers: { accept: BROWSER_ACCEPT, 'hx-request': 'true' } });
        assertRefusal(htmx, 404, 'not_found');
        assertRefusal(await client.get('/shop/product/99/'), 404, 'not_found');
        assertRefusal(await client.request('/shop/product/99/', { headers: { accept: 'application/json' } }), 404, 'not_found');
      });

      it('shows bad params and failures as pages too, without details in production', async () => {
        assertHtmlError(await client.request('/items/abc', { headers: { accept: BROWSER_ACCEPT } }), 400, 'invalid_params');
        assertHtmlError(await client.request('/items/%E0%A4%A', { headers: { accept: BROWSER_ACCEPT } }), 400, 'bad_request');
        const broken = await client.request('/broken-mount', { headers: { accept: BROWSER_ACCEPT } });
        assertHtmlError(broken, 500, 'handler_error');
        assert.ok(!broken.text.includes(SECRET_MESSAGE), 'production leaked the error message');
        assert.ok(!broken.text.includes('<pre>'), 'production leaked a stack');
      });

      it('includes the message and stack in development', async () => {
        const dev = await host.start(makePagesApp('development'));
        try {
          const res = await dev.request('/broken-mount', { headers: { accept: BROWSER_ACCEPT } });
          assertHtmlError(res, 500, 'handler_error');
          assert.ok(res.text.includes(SECRET_MESSAGE));
          assert.match(res.text, /<pre>Error: database password/);
        } finally {
          await dev.close();
        }
      });
    });

    describe('icon', () => {
      it('serves the icon page() links to', async () => {
        const view = await client.get('/shop/product/1/');
        const href = /<link rel="icon" href="([^"]+)"/.exec(view.text)?.[1];
        assert.equal(href, '/weft/favicon.svg');
        const icon = await client.get(href);
        assert.equal(icon.status, 200);
        assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
        assert.match(icon.text, /^<svg /);
        assert.ok(icon.headers.get('etag'));
      });
    });
  });
}

describe('express, mounted under a prefix', () => {
  it('redirects to the other trailing-slash form under the same prefix', async () => {
    const app = express();
    app.use('/store', weftMiddleware(makePagesApp()));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const client = new TestClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    try {
      const res = await client.request('/store/shop/product/1?a=1', { redirect: 'manual' });
      assert.equal(res.status, 308);
      assert.equal(new URL(res.headers.get('location') ?? '', `${client.baseUrl}/store/shop/product/1`).pathname, '/store/shop/product/1/');
      const followed = await client.get('/store/shop/product/1?a=1');
      assert.equal(followed.status, 200);
      assert.match(followed.text, /Product 1/);
    } finally {
      await client.close();
    }
  });
});
