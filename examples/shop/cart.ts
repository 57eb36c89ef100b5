/**
 * The storefront's cart: items and a total in server state, quantities and
 * removal as events. The product catalog comes from `context.locals.catalog`.
 *
 * Payload schemas check shapes; the handlers check what only the catalog knows
 * (the product exists, in that size) and keep every quantity within MAX_QTY,
 * whichever event changes it.
 */
import type { DatabaseSync } from 'node:sqlite';
import * as v from 'valibot';
import { Component, html } from 'weft';
import { findProduct, fromCents, sizesOf, toCents } from './catalog.js';

export interface CartItem {
  productId: number;
  name: string;
  size: string;
  price: string;
  qty: number;
  imageUrl?: string;
}

export interface CartState {
  /** Whose cart: set at mount from the request, signed, never written by the browser. */
  user: string;
  items: CartItem[];
  total: string;
}

/** The group of every cart a shopper has open. */
export function cartGroup(user: string): string {
  return `cart-${user}`;
}

/** The most of one item a cart holds. */
export const MAX_QTY = 99;

const itemKey = v.object({ productId: v.pipe(v.number(), v.integer()), size: v.pipe(v.string(), v.maxLength(8)) });

/** Buttons the example page shows; the storefront adds items from the product component. */
const QUICK_ADD: [number, string][] = [
  [1, 'M'],
  [2, 'L'],
  [42, 'M'],
];

export class Cart extends Component<CartState> {
  static override events = {
    addItem: itemKey,
    removeItem: itemKey,
    setQty: v.object({ ...itemKey.entries, qty: v.pipe(v.number(), v.integer(), v.maxValue(MAX_QTY)) }),
    quickAdd: itemKey,
    clear: true,
  };
  static override locked = ['user', 'total'];
  /** "Add to cart" on a product beside this cart (its page event `cart-add`) is a quick add. */
  static override listeners = { 'cart-add': 'quickAdd' };

  mount(): CartState {
    return { user: String(this.user?.id ?? 'guest'), items: [], total: '0.00' };
  }

  /** Every cart of this shopper (each of their tabs) is in this group. */
  override groups(): string[] {
    return [cartGroup(this.state.user)];
  }

  /**
   * The example's own add buttons, and a product's "Add to cart" on the same
   * page: this cart adds the item, and the shopper's other carts (their other
   * tabs) are told through the group. The broadcast skips this cart, so it
   * adds the item once, whether its page's socket is connected or not.
   */
  async quickAdd(item: { productId: number; size: string }): Promise<void> {
    this.addItem(item);
    await this.broadcast(cartGroup(this.state.user), 'addItem', item);
  }

  /** An order was placed (the checkout broadcasts it to every cart of the shopper). */
  clear(): void {
    this.state.items = [];
    this.recalculateTotal();
  }

  recalculateTotal(): void {
    this.state.total = fromCents(this.state.items.reduce((sum, item) => sum + toCents(item.price) * item.qty, 0));
  }

  addItem({ productId, size }: { productId: number; size: string }): void {
    const existing = this.state.items.find((i) => i.productId === productId && i.size === size);
    if (existing) {
      if (existing.qty >= MAX_QTY) {
        this.errors.cart = `At most ${MAX_QTY} of one item.`;
        return;
      }
      existing.qty += 1;
    } else {
      const catalog = this.context.locals.catalog as DatabaseSync;
      const product = findProduct(catalog, productId);
      if (!product) {
        this.errors.cart = `There is no product ${productId}.`;
        return;
      }
      if (!sizesOf(catalog, productId).some((s) => s.size === size)) {
        this.errors.cart = `${product.name} does not come in size ${size}.`;
        return;
      }
      this.state.items.push({ productId, name: product.name, size, price: product.price, qty: 1, imageUrl: product.thumbnail });
    }
    this.recalculateTotal();
  }

  removeItem({ productId, size }: { productId: number; size: string }): void {
    this.state.items = this.state.items.filter((i) => !(i.productId === productId && i.size === size));
    this.recalculateTotal();
  }

  setQty({ productId, size, qty }: { productId: number; size: string; qty: number }): void {
    if (qty <= 0) return this.removeItem({ productId, size });
    for (const item of this.state.items) {
      if (item.productId === productId && item.size === size) item.qty = qty;
    }
    this.recalculateTotal();
  }

  override render() {
    const { items, total } = this.state;
    return html`<h2>Cart</h2>
${this.errors.cart && html`<p class="error">${this.errors.cart}</p>`}
${items.length === 0 ? html`<p class="empty">Your cart is empty.</p>` : ''}
<ul class="items">${items.map(
      (i) => html`<li>${i.name} (${i.size}) × ${i.qty} — $${i.price}
  <button type="button" ${i.qty >= MAX_QTY && 'disabled'} ${this.on('setQty', { productId: i.productId, size: i.size, qty: Math.min(i.qty + 1, MAX_QTY) })}>+</button>
  <button type="button" ${this.on('removeItem', { productId: i.productId, size: i.size })}>Remove</button></li>`,
    )}</ul>
<p class="total">Total: $${total}</p>
<p>${QUICK_ADD.map(
      ([productId, size]) =>
        html`<button type="button" class="add-${productId}-${size}" ${this.on('quickAdd', { productId, size })}>Add #${productId} (${size})</button> `,
    )}</p>`;
  }
}
