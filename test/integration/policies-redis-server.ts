/**
 * @module
 * One app server whose rate limits and render cache live in Redis, run as a
 * separate process by policies-redis.test.ts (two at once, as two machines
 * behind a load balancer would be). It serves:
 *
 * - `GET /tapper`: `Tapper`, whose one event `tap` is limited to 5 a second
 *   (`static rateLimit`), counted per user;
 * - `GET /product/:id`: `ProductPage`, cached for 60 s under the tag
 *   `product-page:<id>`. Its HTML names the process that rendered it and how
 *   many renders that process has made, so the test can tell a render from a
 *   cache hit, and whose render it was.
 *
 * The user is the `x-test-user` header (none: anonymous), so a test can start
 * a fresh rate-limit count by naming a new user.
 *
 * Environment: `WEFT_SECRET` (the same for every process, so each verifies the
 * others' blobs), `WEFT_REDIS_PREFIX` (every key of the run starts with it),
 * `WEFT_PROCESS_NAME` (shown in renders), `REDIS_URL`, `PORT`.
 *
 * On stdin it takes one command a line: `invalidate <tag>` calls
 * `weft.invalidateTag(tag)` in this process and prints
 * `{"invalidated":"<tag>"}` once it has resolved (or `{"failed":…}`). It prints
 * `{"port": n}` once listening, and exits when its stdin closes, so it cannot
 * outlive the test that started it.
 */
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Component, createWeft, html, Registry } from 'weft';
import { serve } from 'weft/node';
import { createRedisCacheStore, createRedisRateLimitStore } from 'weft/redis';

const processName = process.env.WEFT_PROCESS_NAME ?? `pid-${process.pid}`;
const prefix = process.env.WEFT_REDIS_PREFIX ?? 'weft-test-policies:';
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Renders of ProductPage made by this process. */
let productRenders = 0;

class Tapper extends Component<{ taps: number }> {
  static override events = { tap: true };
  static override rateLimit = '5/second';

  mount() {
    return { taps: 0 };
  }

  tap(): void {
    this.state.taps++;
  }

  override render() {
    return html`<p class="taps">Taps: ${this.state.taps} (in ${processName})</p><button type="button" ${this.on('tap')}>Tap</button>`;
  }
}

class ProductPage extends Component<{ id: string }, { id: string }> {
  static override cache = { ttl: 60, tags: ({ params }: { params: Readonly<Record<string, unknown>> }) => [`product-page:${String(params.id)}`] };

  mount() {
    return { id: String(this.params.id) };
  }

  override render() {
    productRenders++;
    return html`<h1>Product ${this.state.id}</h1><p class="rendered">rendered by ${processName} (pid ${process.pid}), render ${productRenders}</p>`;
  }
}

const registry = new Registry();
registry.register('tapper', Tapper);
registry.register('product-page', ProductPage);

const rateLimitStore = createRedisRateLimitStore({ url, prefix: `${prefix}rl:` });
const cacheStore = createRedisCacheStore({ url, prefix: `${prefix}cache:` });
const weft = createWeft({
  registry,
  rateLimitStore,
  cacheStore,
  user: ({ request }) => {
    const id = request.headers['x-test-user'];
    return id ? { id } : undefined;
  },
});
weft.view('/tapper', Tapper);
weft.view('/product/:id', ProductPage);

const server = await serve(weft, { port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1', live: false });
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));

/** Runs one stdin command and answers it on stdout, one JSON line. */
async function command(line: string): Promise<void> {
  const space = line.indexOf(' ');
  const verb = space === -1 ? line : line.slice(0, space);
  const arg = space === -1 ? '' : line.slice(space + 1);
  if (verb !== 'invalidate' || arg === '') {
    console.log(JSON.stringify({ failed: `unknown command ${JSON.stringify(line)}` }));
    return;
  }
  try {
    await weft.invalidateTag(arg);
    console.log(JSON.stringify({ invalidated: arg }));
  } catch (error) {
    console.log(JSON.stringify({ failed: String(error) }));
  }
}

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close(() => void Promise.allSettled([rateLimitStore.close?.(), cacheStore.close?.()]).then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => void command(line.trim()));
lines.on('close', shutdown);
process.stdin.on('error', shutdown);
