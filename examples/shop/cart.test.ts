/** The storefront's cart driven with no server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeft, Registry } from 'weft';
import { mountComponent, isWeftError } from 'weft/testing';
import { Cart, MAX_QTY } from './cart.js';
import { openCatalog } from './catalog.js';

function mountCart() {
  return mountComponent(Cart, { context: { locals: { catalog: openCatalog() } } });
}


describe('Cart', () => {
  it('mounts empty', async () => {
    const cart = await mountCart();
    assert.deepEqual(cart.state, { user: 'guest', items: [], total: '0.00' });
    assert.match(cart.html, /Your cart is empty\./);
    assert.match(cart.html, /Total: \$0\.00/);
  });

  it('test_add_item', async () => {
    const cart = await mountCart();
    const out = await cart.fire('addItem', { productId: 42, size: 'M' });
    assert.equal(cart.state.items.length, 1);
    assert.deepEqual(cart.state.items[0], {
      productId: 42,
      name: 'Merino Scarf',
      size: 'M',
      price: '29.99',
      qty: 1,
      imageUrl: '/static/scarf.svg',
    });
    assert.equal(cart.state.total, '29.99');
    assert.match(out, /Merino Scarf \(M\) × 1/);
    assert.doesNotMatch(out, /Your cart is empty/);
    assert.deepEqual(cart.errors, {});
  });

  it('test_add_same_item_increments_qty', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 42, size: 'M' });
    await cart.fire('addItem', { productId: 42, size: 'M' });
    assert.equal(cart.state.items.length, 1);
    assert.equal(cart.state.items[0]?.qty, 2);
    assert.equal(cart.state.total, '59.98');
  });

  it('keeps sizes of the same product apart', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 1, size: 'M' });
    await cart.fire('addItem', { productId: 1, size: 'L' });
    assert.equal(cart.state.items.length, 2);
    assert.equal(cart.state.total, '98.00');
  });

  it('test_remove_item', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 42, size: 'M' });
    await cart.fire('addItem', { productId: 2, size: 'L' });
    await cart.fire('removeItem', { productId: 42, size: 'M' });
    assert.deepEqual(cart.state.items.map((i) => i.productId), [2]);
    assert.equal(cart.state.total, '89.50');
  });

  it('test_optimistic_patch_remove', async () => {
    // No optimistic API yet: removing the only item through the event empties the cart.
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 42, size: 'M' });
    const out = await cart.fire('removeItem', { productId: 42, size: 'M' });
    assert.deepEqual(cart.state.items, []);
    assert.equal(cart.state.total, '0.00');
    assert.match(out, /Your cart is empty\./);
  });

  it('removing an item that is not in the cart changes nothing', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 42, size: 'M' });
    await cart.fire('removeItem', { productId: 42, size: 'S' });
    assert.equal(cart.state.items.length, 1);
    assert.equal(cart.state.total, '29.99');
  });

  it('test_total_recalculates', async () => {
    const cart = await mountCart();
    cart.state.items = [{ productId: 1, name: 'Linen Shirt', size: 'S', price: '29.99', qty: 3 }];
    cart.instance.recalculateTotal();
    assert.equal(cart.state.total, '89.97');
  });

  it('sums in cents without floating-point drift', async () => {
    const cart = await mountCart();
    cart.state.items = [
      { productId: 1, name: 'a', size: 'S', price: '0.10', qty: 1 },
      { productId: 2, name: 'b', size: 'S', price: '0.20', qty: 1 },
      { productId: 3, name: 'c', size: 'S', price: '5', qty: 1 },
    ];
    cart.instance.recalculateTotal();
    assert.equal(cart.state.total, '5.30');
  });

  it('an unknown product sets errors.cart and adds nothing', async () => {
    const cart = await mountCart();
    const out = await cart.fire('addItem', { productId: 999, size: 'M' });
    assert.equal(cart.errors.cart, 'There is no product 999.');
    assert.match(out, /<p class="error">There is no product 999\.<\/p>/);
    assert.deepEqual(cart.state.items, []);
    assert.equal(cart.state.total, '0.00');
    // The error is cleared by the next event.
    await cart.fire('addItem', { productId: 42, size: 'M' });
    assert.deepEqual(cart.errors, {});
  });

  it('setQty sets the quantity and the total', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 2, size: 'L' });
    await cart.fire('setQty', { productId: 2, size: 'L', qty: 3 });
    assert.equal(cart.state.items[0]?.qty, 3);
    assert.equal(cart.state.total, '268.50');
  });

  it('setQty 0 removes the item', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 42, size: 'M' });
    await cart.fire('addItem', { productId: 1, size: 'S' });
    await cart.fire('setQty', { productId: 42, size: 'M', qty: 0 });
    assert.deepEqual(cart.state.items.map((i) => i.productId), [1]);
    assert.equal(cart.state.total, '49.00');
  });

  it('validates payloads', async () => {
    const cart = await mountCart();
    await assert.rejects(cart.fire('addItem', { productId: 1.5, size: 'M' }), isWeftError(422, 'invalid_payload'));
    await assert.rejects(cart.fire('addItem', { productId: 1, size: 'XXXXXXXXXL' }), isWeftError(422, 'invalid_payload'));
    await assert.rejects(cart.fire('addItem', { productId: '1', size: 'M' } as unknown as { productId: number; size: string }), isWeftError(422, 'invalid_payload'));
    await assert.rejects(cart.fire('setQty', { productId: 1, size: 'M', qty: 100 }), isWeftError(422, 'invalid_payload'));
    assert.deepEqual(cart.state.items, []);
  });

  it('refuses a size the product does not come in', async () => {
    const cart = await mountCart();
    const out = await cart.fire('addItem', { productId: 42, size: 'XL' });
    assert.equal(cart.errors.cart, 'Merino Scarf does not come in size XL.');
    assert.match(out, /<p class="error">Merino Scarf does not come in size XL\.<\/p>/);
    assert.deepEqual(cart.state.items, []);
    await cart.fire('addItem', { productId: 2, size: 'S' });
    assert.deepEqual(cart.state.items, []);
    assert.equal(cart.state.total, '0.00');
  });

  it('addItem never takes a quantity past the cap setQty keeps to', async () => {
    const cart = await mountCart();
    await cart.fire('addItem', { productId: 42, size: 'M' });
    await cart.fire('setQty', { productId: 42, size: 'M', qty: MAX_QTY });
    const out = await cart.fire('addItem', { productId: 42, size: 'M' });
    assert.equal(cart.state.items[0]?.qty, MAX_QTY);
    assert.equal(cart.errors.cart, `At most ${MAX_QTY} of one item.`);
    assert.equal(cart.state.total, '2969.01');
    // The "+" at the cap is disabled and would ask for no more than the cap.
    assert.match(out, /<button type="button" disabled hx-post="\/components\/cart\/" hx-vals="[^"]*&quot;qty&quot;:99/);
  });

  it('handles a product\'s cart-add page event as a quick add, and says so on its root', async () => {
    assert.deepEqual(Cart.listeners, { 'cart-add': 'quickAdd' });
    const cart = await mountCart();
    assert.match(cart.html, / weft-live weft-listen="cart-add" /);
  });

  it('does not expose recalculateTotal as an event', async () => {
    const cart = await mountCart();
    // @ts-expect-error a public method, but not a declared event
    await assert.rejects(cart.fire('recalculateTotal'), isWeftError(400, 'unknown_event'));
  });

  it('renders buttons that fire the declared events', async () => {
    const cart = await mountCart();
    const out = await cart.fire('addItem', { productId: 42, size: 'M' });
    assert.ok(out.includes(cart.instance.on('setQty', { productId: 42, size: 'M', qty: 2 }).value));
    assert.ok(out.includes(cart.instance.on('removeItem', { productId: 42, size: 'M' }).value));
    assert.ok(out.includes(cart.instance.on('quickAdd', { productId: 1, size: 'M' }).value));
  });

  it('total is locked', async () => {
    assert.ok(Cart.locked.includes('total'));
    // A browser update to the total is refused before any handler runs.
    const registry = new Registry();
    registry.register('cart', Cart);
    const weft = createWeft({ registry, secret: 'cart-test-secret-0123456789abcdefghij', mode: 'development' });
    const { blob } = await weft.render('cart', {}, { locals: { catalog: openCatalog() } });
    await assert.rejects(
      weft.dispatch(
        { component: 'cart', state: blob, events: [{ event: 'addItem', payload: { productId: 42, size: 'M' } }], updates: { total: '0.01' } },
        { locals: { catalog: openCatalog() } },
      ),
      isWeftError(400, 'locked_field'),
    );
  });
});
