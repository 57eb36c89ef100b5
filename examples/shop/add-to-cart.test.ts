/**
 * "Add to cart" on the product page, over the wire: the product emits
 * `cart-add`, the cart beside it (which listens) comes back in the same answer,
 * and the shopper's cart in another tab gets the item through the cart's group.
 * Each cart gets it once, whether the page's socket holds the cart beside or not.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from 'weft/node';
import { LiveTestClient, rootsIn, TestClient } from 'weft/testing';
import { createExampleApp } from '../app.js';

const app = createExampleApp({ secret: 'add-to-cart-examples-secret-0123456789ab', mode: 'development' });

describe('Add to cart beside the cart', () => {
  let server: Server;
  let client: TestClient;
  const sockets: LiveTestClient[] = [];

  before(async () => {
    server = await serve(app.weft, { port: 0, hostname: '127.0.0.1', locals: app.locals });
    client = new TestClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => {}, {
      registry: app.weft.registry,
      headers: { cookie: 'user=zoe' },
    });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function socket(): Promise<LiveTestClient> {
    const live = await LiveTestClient.connect(server, { headers: { cookie: 'user=zoe' } });
    sockets.push(live);
    return live;
  }

  /** The product page's product and cart roots. */
  async function productPage() {
    const page = await client.get('/shop/product/1');
    assert.equal(page.status, 200);
    const roots = rootsIn(page.text);
    const product = roots.find((r) => r.name === 'product');
    const cart = roots.find((r) => r.name === 'cart');
    assert.ok(product && cart, 'the page shows a product and a cart');
    assert.match(page.text, /weft="product" weft-state="[^"]+" weft-child="[^"]+" weft-emits="cart-add"/);
    assert.match(page.text, /weft="cart" weft-state="[^"]+" weft-child="[^"]+" weft-live weft-listen="cart-add"/);
    return { product, cart };
  }

  /** Picks size M, then adds to cart naming the cart beside as a listener, as the browser does. */
  async function addToCart(product: { state: string }, cart: { id: string; name: string; state: string }) {
    const selected = await client.post('product', { event: 'selectSize', payload: { size: 'M' }, state: product.state });
    assert.equal(selected.status, 200, selected.text);
    const res = await client.post('product', { event: 'addToCart', state: selected.state, listeners: [cart] });
    assert.equal(res.status, 200, res.text);
    return res;
  }

  it('answers with the cart beside, out of band, and the page event for scripts', async () => {
    const { product, cart } = await productPage();
    const res = await addToCart(product, cart);
    assert.match(res.text, /^<section id="product-[^"]+" weft="product"[\s\S]*Added to Cart ✓[\s\S]*<\/section><div hx-swap-oob="morph" id="/);
    const beside = new RegExp(`<div hx-swap-oob="morph" id="${cart.id}" weft="cart"[\\s\\S]*Linen Shirt \\(M\\) × 1 — \\$49\\.00`);
    assert.match(res.text, beside);
    assert.equal(res.headers.get('hx-trigger'), '{"cart-add":{"productId":1,"size":"M"}}');
    assert.equal(res.headers.get('weft-skipped'), null);
  });

  it("adds once to the cart beside when the page's socket holds it, and once to the cart in another tab", async () => {
    const { product, cart } = await productPage();
    // The page's socket holds the live cart beside the product (the product is not live).
    const pageSocket = await socket();
    pageSocket.send({ t: 'join', ...cart });
    assert.equal((await pageSocket.next((f) => f.id === cart.id)).t, 'joined');
    const other = (await client.get('/cart')).text;
    const otherCart = rootsIn(other).find((r) => r.name === 'cart');
    assert.ok(otherCart);
    const tab = await socket();
    await tab.join(other);

    const res = await addToCart(product, cart);
    assert.match(res.text, /Linen Shirt \(M\) × 1/);
    // The other tab's cart hears it through the group, once.
    const pushed = await tab.nextRender(otherCart.id);
    assert.match(pushed.html ?? '', /Linen Shirt \(M\) × 1 — \$49\.00/);
    assert.ok(await tab.quiet(200, (f) => f.t === 'render'), 'once');
    // The cart beside handled it in the answer: the group skips it, so its socket pushes nothing.
    assert.ok(await pageSocket.quiet(200, (f) => f.t === 'render'), `the cart beside got a second add: ${JSON.stringify(pageSocket.frames)}`);
  });
});
