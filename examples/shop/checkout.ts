/**
 * The storefront's checkout: only a signed-in shopper may use it, on every door
 * that serves it (a page, an htmx POST, the WebSocket). An anonymous POST to
 * `/components/checkout/` gets 401 "Authentication required" — before its state
 * is even read — and htmx is sent to the login page. Placing orders is also
 * rate limited per shopper.
 */
import { Component, html, IsAuthenticated } from 'weft';
import { cartGroup } from './cart.js';

export interface CheckoutState {
  user: string;
  orders: number;
}

export class Checkout extends Component<CheckoutState> {
  static override permissions = [IsAuthenticated];
  static override events = { placeOrder: true };
  static override eventPolicies = { placeOrder: { rateLimit: '5/minute' } };
  static override locked = ['user', 'orders'];

  mount(): CheckoutState {
    return { user: String(this.user?.id), orders: 0 };
  }

  /** Empties every cart this shopper has open (each tab, each process). */
  async placeOrder(): Promise<void> {
    this.state.orders++;
    await this.broadcast(cartGroup(this.state.user), 'clear');
  }

  override render() {
    return html`<p class="checkout">Signed in as <strong>${this.state.user}</strong>.
<button type="button" class="place-order" ${this.on('placeOrder')}>Place order</button>
${this.state.orders > 0 && html`<span class="placed">Orders placed: ${this.state.orders}</span>`}</p>`;
  }
}
