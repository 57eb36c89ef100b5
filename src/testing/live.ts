/**
 * @module
 * A WebSocket test client for live components: join the roots a page rendered,
 * send events, and await the server's next push, in a few lines.
 *
 * @example
 * const server = await serve(weft, { port: 0 });
 * const page = await weft.render(Cart, { user: 'alice' });
 * const live = await LiveTestClient.connect(server);
 * await live.join(page.html);
 * await weft.broadcast('cart-alice', 'add', { item: 'socks' });
 * assert.match((await live.nextRender()).html, /socks/);
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';

/** A frame the server sent, parsed. */
export interface LiveFrame {
  t: string;
  id?: string;
  ref?: number;
  html?: string;
  code?: string;
  status?: number;
  error?: string;
  [key: string]: unknown;
}

export interface LiveConnectOptions {
  /** Default `/ws/components/`. */
  path?: string;
  /** The Origin header to send. Default: the server's own origin, as a browser on the page would. */
  origin?: string | null;
  headers?: Record<string, string>;
}

const ROOT = /<[a-z][a-z0-9-]*\s+id="([^"]+)"\s+weft="([^"]+)"\s+weft-state="([^"]+)"/g;

/** The live roots in some rendered HTML: id, component name and signed state. */
export function rootsIn(html: string): { id: string; name: string; state: string }[] {
  return [...html.matchAll(ROOT)].map((m) => ({ id: m[1] as string, name: m[2] as string, state: (m[3] as string).replace(/&amp;/g, '&') }));
}

export class LiveTestClient {
  readonly socket: WebSocket;
  /** Every frame received, in order. */
  readonly frames: LiveFrame[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #ref = 0;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as LiveFrame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Opens a socket to a listening server (or a `ws://` URL). */
  static connect(target: Server | string, options: LiveConnectOptions = {}): Promise<LiveTestClient> {
    let url: string;
    if (typeof target === 'string') url = target;
    else {
      const { port } = target.address() as AddressInfo;
      url = `ws://127.0.0.1:${port}${options.path ?? '/ws/components/'}`;
    }
    const origin = options.origin === undefined ? url.replace(/^ws/, 'http').replace(/(\/\/[^/]+).*/, '$1') : options.origin;
    const socket = new WebSocket(url, { headers: { ...(origin !== null && { origin }), ...options.headers } });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new LiveTestClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** Sends any frame (for tests of the protocol itself). */
  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Joins every live root in `html` (a page or a component's render) and waits for each `joined`. */
  async join(html: string): Promise<void> {
    const roots = rootsIn(html);
    for (const root of roots) this.send({ t: 'join', ...root });
    // Roots join in any order (one may replay what it missed while another is done).
    const waiting = new Set(roots.map((r) => r.id));
    while (waiting.size > 0) {
      const frame = await this.next((f) => (f.t === 'joined' || (f.t === 'error' && f.join === true)) && waiting.has(f.id as string));
      waiting.delete(frame.id as string);
    }
  }

  /** Sends an event to a joined root; resolves with the answer (`render` or `error`). */
  async event(id: string, event: string, payload: Record<string, unknown> = {}, updates: Record<string, unknown> = {}): Promise<LiveFrame> {
    const ref = ++this.#ref;
    this.send({ t: 'event', id, ref, event, payload, updates });
    return this.next((f) => f.ref === ref);
  }

  /** The next frame (after those already taken) that matches, waiting up to `timeoutMs`. */
  async next(match: (frame: LiveFrame) => boolean = () => true, timeoutMs = 5000): Promise<LiveFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.frames.length) {
        const frame = this.frames[this.#cursor++] as LiveFrame;
        if (match(frame)) return frame;
      }
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next pushed render (not an answer to an event of this client), optionally for one root. */
  nextRender(id?: string, timeoutMs?: number): Promise<LiveFrame> {
    return this.next((f) => f.t === 'render' && f.ref === undefined && (id === undefined || f.id === id), timeoutMs);
  }

  /** Resolves true if no frame matching arrives within `ms`. */
  async quiet(ms = 150, match: (frame: LiveFrame) => boolean = () => true): Promise<boolean> {
    try {
      await this.next(match, ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}
