/**
 * The checkout over HTTP: it needs a signed-in shopper, whatever the request
 * carries, and a shopper's state is theirs alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestClient, mountComponent, type TestClient } from 'weft/testing';
import { createExampleApp } from '../app.js';
import { Checkout } from './checkout.js';

const app = createExampleApp({ secret: 'checkout-examples-secret-0123456789abcdef', mode: 'development' });
const { weft } = app;

async function blobOf(user: string): Promise<string> {
  const rendered = await weft.render('checkout', {}, { locals: app.locals({} as never), user: { id: user } });
  return rendered.blob as string;
}

describe('Checkout', () => {
  let anonymous: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  before(async () => {
    anonymous = await createTestClient(weft, { locals: app.locals });
    alice = await createTestClient(weft, { locals: app.locals, headers: { cookie: 'user=alice' } });
    bob = await createTestClient(weft, { locals: app.locals, headers: { cookie: 'user=bob' } });
  });
  after(async () => {
    await Promise.all([anonymous.close(), alice.close(), bob.close()]);
  });

  const REFUSED = { error: 'Authentication required', code: 'unauthenticated' };

  it('refuses an anonymous POST with no state with 401 "Authentication required", not a state error', async () => {
    const res = await anonymous.post('checkout', { event: 'placeOrder' });
    assert.equal(res.status, 401, res.text);
    assert.deepEqual(res.json, REFUSED);
  });

  it('refuses an anonymous POST with garbage state, or with a real shopper\'s state, the same way', async () => {
    for (const state of ['garbage', 'v1.e30.' + 'A'.repeat(43), await blobOf('alice')]) {
      const res = await anonymous.fire('checkout', state, 'placeOrder');
      assert.equal(res.status, 401, res.text);
      assert.deepEqual(res.json, REFUSED);
    }
  });

  it('sends htmx to the login page, with the page it was on as next', async () => {
    const res = await anonymous.post('checkout', { event: 'placeOrder' }, { 'hx-request': 'true', 'hx-current-url': `${anonymous.baseUrl}/cart` });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('hx-redirect'), '/login?next=%2Fcart');
  });

  it("places alice's order with alice's state, and refuses it to bob (403 state_user)", async () => {
    const blob = await blobOf('alice');
    const ok = await alice.fire('checkout', blob, 'placeOrder');
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /Orders placed: 1/);
    const stolen = await bob.fire('checkout', blob, 'placeOrder');
    assert.equal(stolen.status, 403, stolen.text);
    assert.equal(stolen.json?.code, 'state_user');
  });

  it('a page GET of the cart for an anonymous shopper offers the login page instead of the checkout', async () => {
    const res = await anonymous.get('/cart');
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /weft="checkout"/);
    assert.match(res.text, /href="\/login\?next=\/cart"/);
  });

  it('unit tests place any number of orders: limits belong to the app, not to the component', async () => {
    const checkout = await mountComponent(Checkout, { user: { id: 'tess' } });
    for (let i = 0; i < 20; i++) await checkout.fire('placeOrder');
    assert.equal(checkout.state.orders, 20);
  });
});
