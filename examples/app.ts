/**
 * The examples app: every example registered in one registry and served by one
 * Weft app. `npm start` serves it; the browser tests start it on a random port.
 */
import type { IncomingMessage } from 'node:http';
import { attrs, Component, createWeft, html, page, Registry, type Weft, type WeftOptions } from 'weft';
import { Board } from './board/board.js';
import { ContactRows, ContactsPage } from './contacts/contacts.js';
import { openContacts } from './contacts/db.js';
import { Counter } from './counter/counter.js';
import { Cart } from './shop/cart.js';
import { Product } from './shop/product.js';
import { Signup } from './signup/signup.js';
import { Notification } from './notifications/notification.js';
import { openCatalog } from './shop/catalog.js';
import { cspNonce, ExamplePage, exampleStyles, pageOf } from './layout.js';
import { Checkout } from './shop/checkout.js';
import { exampleUser, LoginForm, loginFallback, LoginPage, userOf } from './login.js';
import { Meter, Note, RoomWidgetBoard, WidgetBoard } from './widgets/widgets.js';

export { userOf };

class IndexPage extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override render() {
    return page({
      head: exampleStyles,
      nonce: cspNonce(this.context.locals),
      title: 'Weft examples',
      body: html`<main>
<h1>Weft examples</h1>
<ul>
  <li><a href="/counter">Counter</a> — events, a validated payload, an input bound to state</li>
  <li><a href="/contacts">Contacts</a> — click to load: a component served as a view (node:sqlite)</li>
  <li><a href="/shop/product/1">Product</a> — the storefront's product: a Liquid file template, size selector, errors</li>
  <li><a href="/cart">Cart</a> — the storefront's cart component</li>
  <li><a href="/signup">Sign-up form</a> — a form whose mistakes re-render as messages beside the fields</li>
  <li><a href="/notifications">Notifications</a> — live: messages on a pub/sub channel streamed over Server-Sent Events (htmx's SSE extension); <a href="/notifications/weft">the same with Weft's stream client</a></li>
  <li><a href="/board">Board</a> — nested components: counters inside a board keep their state when it re-renders</li>
  <li><a href="/widgets">Widgets</a> — components with their own CSS and JS, linked once per page and brought by the response that first shows them (<a href="/widgets/live">live</a>: pushed to every page of a room)</li>
</ul>
</main>`,
    });
  }
}

const CounterPage = pageOf('Counter', Counter);

/**
 * Notifications streamed over Server-Sent Events, shown with htmx's own SSE
 * extension and the very markup a Django page would use with it.
 */
class NotificationsPage extends ExamplePage {
  protected readonly title = 'Notifications';
  protected override head() {
    return html`<script defer src="/weft/htmx-ext-sse.min.js" ${attrs({ nonce: cspNonce(this.context.locals) })}></script>`;
  }
  protected async content() {
    return html`<p>Each notification published on <code>notifications_channel</code> replaces the one below.</p>
<div class="notifications">
<div hx-ext="sse" sse-connect="/notification/" sse-swap="notification"></div>
</div>`;
  }
}

/**
 * The same notifications shown with Weft's own stream client: it resumes from
 * the last message it saw whenever it has to open the stream again.
 */
class NotificationsWeftPage extends ExamplePage {
  protected readonly title = 'Notifications (Weft client)';
  protected override readonly stream = true;
  protected async content() {
    return html`<p>The same channel, shown with <code>weft-stream</code> instead of htmx's SSE extension.</p>
<div class="notifications">
<div weft-stream="/notification/" weft-event="notification"></div>
</div>`;
  }
}

class CartPage extends ExamplePage {
  protected readonly title = 'Cart';
  // Checking out needs a signed-in shopper: others are offered the login page.
  protected async content() {
    const cart = await this.child(Cart);
    const checkout = this.user
      ? html`${await this.child(Checkout)}<form method="post" action="/logout"><button type="submit" class="logout">Sign out</button></form>`
      : html`<p class="checkout"><a href="/login?next=/cart">Sign in</a> to check out.</p>`;
    return html`<div id="cart">${cart}</div>${checkout}`;
  }
}

const BoardPage = pageOf('Board', Board);

const SignupPage = pageOf('Sign up', Signup);

const WidgetsPage = pageOf('Widgets', WidgetBoard);

/** The board of a room (`?room=`), live: what one page adds, every page of the room shows. */
class RoomWidgetsPage extends ExamplePage<{ room?: string }> {
  protected readonly title = 'Widgets, live';
  protected async content() {
    return this.child(RoomWidgetBoard, { room: this.params.room });
  }
}

class ProductPage extends ExamplePage<{ productId: string }> {
  protected readonly title = 'Product';
  protected override readonly heading = false;
  // "Add to cart" emits the page event `cart-add`, which the cart beside the
  // product listens to: it updates in the same round trip, and (being live)
  // tells the shopper's carts in their other tabs through its group.
  protected async content() {
    return html`<div class="product-layout">
<div class="product-main">${await this.child(Product, { productId: this.params.productId })}</div>
<aside class="cart-sidebar">${await this.child(Cart)}</aside>
</div>`;
  }
}

/**
 * Builds the examples app with its own registry and databases. Serve it with
 * `locals` and with `fallback` (which serves the stylesheet).
 */
export function createExampleApp(options: WeftOptions = {}): {
  weft: Weft;
  locals: (req: IncomingMessage) => Record<string, unknown>;
  fallback: ReturnType<typeof loginFallback>;
} {
  const registry = new Registry();
  registry.register('index-page', IndexPage);
  registry.register('counter', Counter);
  registry.register('counter-page', CounterPage);
  registry.register('contact-rows', ContactRows);
  registry.register('contacts-page', ContactsPage);
  registry.register('cart', Cart);
  registry.register('cart-page', CartPage);
  registry.register('product', Product);
  registry.register('product-page', ProductPage);
  registry.register('board', Board);
  registry.register('board-page', BoardPage);
  registry.register('signup', Signup);
  registry.register('signup-page', SignupPage);
  registry.register('notification', Notification);
  registry.register('notifications-page', NotificationsPage);
  registry.register('notifications-weft-page', NotificationsWeftPage);
  registry.register('checkout', Checkout);
  registry.register('login-form', LoginForm);
  registry.register('login-page', LoginPage);
  registry.register('note', Note);
  registry.register('meter', Meter);
  registry.register('widget-board', WidgetBoard);
  registry.register('widgets-page', WidgetsPage);
  registry.register('room-widget-board', RoomWidgetBoard);
  registry.register('room-widgets-page', RoomWidgetsPage);

  const weft = createWeft({ registry, user: exampleUser, loginUrl: '/login', ...options });
  weft.view('/', IndexPage);
  weft.view('/counter', CounterPage);
  weft.view('/contacts', ContactsPage);
  weft.view('/contacts/page/:page', ContactRows);
  weft.view('/cart', CartPage);
  weft.view('/shop/product/:productId', ProductPage);
  weft.view('/board', BoardPage);
  weft.view('/signup', SignupPage);
  weft.view('/notifications', NotificationsPage);
  weft.view('/notifications/weft', NotificationsWeftPage);
  weft.view('/login', LoginPage);
  weft.view('/widgets', WidgetsPage);
  weft.view('/widgets/live', RoomWidgetsPage);
  weft.stream('/notification/', Notification);
  const shared = { db: openContacts(), catalog: openCatalog() };
  return { weft, locals: () => shared, fallback: loginFallback(weft) };
}
