/** The storefront's product: sizes, selection, add to cart, and its errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeftError, mountComponent } from 'weft/testing';
import { openCatalog } from './catalog.js';
import { Product } from './product.js';

const catalog = openCatalog();
const mount = (productId: number | string) => mountComponent(Product, { params: { productId } as { productId: number }, context: { locals: { catalog } } });

describe('Product', () => {
  it('mounts from the catalog with sizes in shopper order and nothing selected', async () => {
    const product = await mount(1);
    assert.equal(product.state.name, 'Linen Shirt');
    assert.deepEqual(product.state.sizes, [
      { size: 'S', stock: 0 },
      { size: 'M', stock: 3 },
      { size: 'L', stock: 12 },
    ]);
    assert.equal(product.state.selectedSize, null);
    assert.equal(product.state.inCart, false);
  });

  it('takes its product id from a URL string', async () => {
    assert.equal((await mount('42')).state.name, 'Merino Scarf');
  });

  it('refuses a bad id (400) and an unknown product (404)', async () => {
    await assert.rejects(mount('abc'), isWeftError(400, 'invalid_params'));
    await assert.rejects(mount(999), isWeftError(404, 'not_found'));
  });

  it('renders the Liquid template escaped, inside a <section> root', async () => {
    const product = await mount(2);
    assert.match(product.html, /^<section id="product-/);
    assert.match(product.html, /Heavy &lt;selvedge&gt; denim\./);
    assert.match(product.html, /<span class="low-stock">Only 2 left<\/span>/);
    assert.doesNotMatch(product.html, /class="error"/);
  });

  it('selects an available size', async () => {
    const product = await mount(1);
    const html = await product.fire('selectSize', { size: 'L' });
    assert.equal(product.state.selectedSize, 'L');
    assert.match(html, /class="size-btn selected"/);
  });

  it('refuses a sold-out or unknown size with a message, keeping the selection', async () => {
    const product = await mount(1);
    await product.fire('selectSize', { size: 'M' });
    for (const size of ['S', 'XXL']) {
      const html = await product.fire('selectSize', { size });
      assert.equal(product.state.selectedSize, 'M');
      assert.equal(product.errors.selectedSize, `Size ${size} is not available.`);
      assert.match(html, new RegExp(`<p class="error">Size ${size} is not available.</p>`));
    }
  });

  it('asks for a size before adding to cart, then adds: it tells the page (cart-add)', async () => {
    const product = await mount(1);
    await product.fire('addToCart');
    assert.equal(product.errors.selectedSize, 'Please select a size first.');
    assert.equal(product.state.inCart, false);
    assert.deepEqual(product.emitted, [], 'nothing added, nothing said');
    await product.fire('selectSize', { size: 'M' });
    const html = await product.fire('addToCart');
    assert.equal(product.state.inCart, true);
    assert.match(html, /Added to Cart ✓/);
    assert.deepEqual(product.emitted, [{ name: 'cart-add', payload: { productId: 1, size: 'M' } }]);
  });

  it('says on its root that it emits cart-add', async () => {
    assert.deepEqual(Product.emits, ['cart-add']);
    assert.match((await mount(1)).html, /^<section id="product-[^"]+" weft="product" weft-state="[^"]+" weft-emits="cart-add" /);
  });

  it('refuses browser updates to any field, so a size cannot skip the stock check', async () => {
    const product = await mount(1);
    for (const updates of [{ selectedSize: 'XXL' }, { selectedSize: 'S' }, { inCart: true }, { price: '0.01' }]) {
      await assert.rejects(product.fire('addToCart', undefined, { updates }), isWeftError(400, 'locked_field'));
    }
    assert.equal(product.state.selectedSize, null);
    assert.equal(product.state.inCart, false);
  });

  it('validates the size payload', async () => {
    const product = await mount(1);
    await assert.rejects(product.fire('selectSize', { size: 7 as unknown as string }), isWeftError(422, 'invalid_payload'));
  });
});
