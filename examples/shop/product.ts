/**
 * The storefront's product: a product with its sizes and stock, a size
 * selector and an add-to-cart button, rendered from a Liquid file template
 * (`templates/product.liquid`).
 *
 * Errors are keyed by the state field they concern (`errors.selectedSize`).
 *
 * "Add to cart" emits the page event `cart-add`: the cart beside the product
 * listens to it, so it updates in the same round trip, with no page script.
 */
import type { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { Component, WeftError } from 'weft';
import { liquidRenderer } from 'weft/liquid';
import { findProduct, type SizeStock, sizesOf } from './catalog.js';

export interface ProductState {
  id: number;
  name: string;
  brand: string;
  price: string;
  description: string;
  sizes: SizeStock[];
  selectedSize: string | null;
  inCart: boolean;
}

export class Product extends Component<ProductState, { productId: number }> {
  static override template = 'product.liquid';
  static override renderer = liquidRenderer({ root: fileURLToPath(new URL('./templates/', import.meta.url)) });
  static override paramsSchema = v.object({
    productId: v.pipe(v.union([v.string(), v.number()]), v.transform(Number), v.integer(), v.minValue(1)),
  });
  static override events = {
    selectSize: v.object({ size: v.pipe(v.string(), v.maxLength(8)) }),
    addToCart: true,
  };
  /** The carts on the page listen to it (`Cart.listeners`). */
  static override emits = ['cart-add'];
  static override tagName = 'section';
  // The template binds no input, so the browser can write no field anyway (only
  // bound fields take updates); locking says so where a reader looks, and keeps
  // it so if an input is added: an `updates` of selectedSize would skip
  // selectSize's stock check, and one of inCart or price the handlers altogether.
  static override locked = ['id', 'name', 'brand', 'price', 'description', 'sizes', 'selectedSize', 'inCart'];

  mount(): ProductState {
    const db = this.context.locals.catalog as DatabaseSync;
    const product = findProduct(db, this.params.productId);
    if (!product) throw new WeftError(404, 'not_found', `there is no product ${this.params.productId}`);
    return {
      id: product.id,
      name: product.name,
      brand: product.brand,
      price: product.price,
      description: product.description,
      sizes: sizesOf(db, product.id),
      selectedSize: null,
      inCart: false,
    };
  }

  selectSize({ size }: { size: string }): void {
    const option = this.state.sizes.find((s) => s.size === size);
    if (!option || option.stock === 0) {
      this.errors.selectedSize = `Size ${size} is not available.`;
      return;
    }
    this.state.selectedSize = size;
  }

  addToCart(): void {
    if (!this.state.selectedSize) {
      this.errors.selectedSize = 'Please select a size first.';
      return;
    }
    // The cart beside this product adds the item in this same round trip, and
    // tells the shopper's other carts (their other tabs) itself.
    this.emit('cart-add', { productId: this.state.id, size: this.state.selectedSize });
    this.state.inCart = true;
  }
}
