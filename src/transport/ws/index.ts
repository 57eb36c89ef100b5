/**
 * @module
 * Weft's WebSocket door: one socket per page at `weft.livePath`
 * (`/ws/components/` by default), carrying every live root on it. Any Node
 * server can hand a connection over with `handleUpgrade(req, socket, head)`,
 * as with the `ws` package itself; `weft/node`'s `serve()` does it for you.
 *
 * Cross-site WebSocket hijacking is refused at the upgrade: a browser's
 * `Origin` must be the page's own (or in `allowedOrigins`), as for HTTP events.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Weft } from '../../app.js';
import { type ComponentContext, type ContextLocals, fullContext, type RequestInfo } from '../../core/component.js';
import { WeftError } from '../../core/errors.js';
import { hostCheck } from '../../policy/allowed-hosts.js';
import { clientResolver } from '../../policy/client-address.js';
import { checkCsrf } from '../../policy/csrf.js';
import { CLOSE } from '../../protocol/frames.js';
import type { CurrentUser } from '../../core/policy.js';
import { sessionTopic } from '../../core/live.js';
import { LiveConnection, type LiveLimits } from './connection.js';

export interface LiveServerOptions extends Partial<LiveLimits> {
  /** Values passed to components as `context.locals`, from the upgrade request. */
  locals?: (req: IncomingMessage) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Largest message from a browser, in bytes. Default: the app's `maxBodyBytes`. */
  maxMessageBytes?: number;
  /** Ping interval; a socket that misses a whole interval is dropped. Default 30 000 ms. */
  heartbeatMs?: number;
  /** A socket that sends nothing (not even the client's pings) for this long is closed. Default 120 000 ms. */
  idleMs?: number;
  /**
   * When the server goes away (`close()`: a deploy, a restart), each page is
   * told how long to wait before it reconnects: a random time up to this many
   * milliseconds, so thousands of pages do not all come back in the same
   * second. Default 10 000.
   */
  reconnectSpreadMs?: number;
}

export interface LiveServer {
  /** Takes over an upgrade request for the live path; returns false (and does nothing) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Open sockets. */
  readonly size: number;
  /** Closes every socket with 1001 (going away) so browsers reconnect, to another process if there is one. */
  close(): Promise<void>;
}

interface Tracked {
  connection: LiveConnection;
  leaveSession?: () => void;
  alive: boolean;
  lastMessage: number;
}

function headerMap(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function refuse(socket: Duplex, err: WeftError): void {
  const body = JSON.stringify(err.toJSON());
  socket.end(
    `HTTP/1.1 ${err.status} ${err.status === 403 ? 'Forbidden' : 'Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function createLiveServer(weft: Weft, options: LiveServerOptions = {}): LiveServer {
  const limits: LiveLimits = {
    maxRoots: options.maxRoots ?? 100,
    messagesPerSecond: options.messagesPerSecond ?? 50,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
  };
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const idleMs = options.idleMs ?? 120_000;
  const spreadMs = Math.max(0, options.reconnectSpreadMs ?? 10_000);
  // `sockets` below tracks every socket, so ws need not keep a second set (and a listener per socket for it).
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: options.maxMessageBytes ?? weft.limits.maxBodyBytes,
    perMessageDeflate: false,
  });
  const sockets = new Map<WebSocket, Tracked>();
  // The same Host and client-address rules as the app's HTTP routes.
  const checkHost = hostCheck(weft.limits.allowedHosts);
  const client = clientResolver(weft.limits.clientAddress);

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const [ws, tracked] of sockets) {
      if (!tracked.alive) {
        ws.terminate();
        continue;
      }
      if (now - tracked.lastMessage > idleMs) {
        ws.close(CLOSE.idle, 'idle');
        continue;
      }
      tracked.alive = false;
      ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  function accept(ws: WebSocket, req: IncomingMessage, request: RequestInfo): void {
    // The browser may send its joins as soon as the socket opens: frames that
    // arrive while the app finds the locals and the user wait for them, and a
    // socket that closes meanwhile is never tracked.
    const early: [RawData, boolean][] = [];
    const hold = (data: RawData, isBinary: boolean): void => void early.push([data, isBinary]);
    let closed = false;
    const gone = (): void => {
      closed = true;
    };
    ws.on('message', hold);
    ws.once('close', gone);
    const settle = (): void => {
      ws.off('message', hold);
      ws.off('close', gone);
    };
    void (async () => {
      let locals: Record<string, unknown>;
      try {
        locals = (await options.locals?.(req)) ?? {};
      } catch (err) {
        settle();
        weft.logger.error('Weft: locals() failed for a WebSocket', err);
        if (!closed) ws.close(1011, 'internal error');
        return;
      }
      let user;
      try {
        user = await weft.findUser(request, locals as unknown as ContextLocals);
      } catch {
        // findUser logged it.
        settle();
        if (!closed) ws.close(1011, 'internal error');
        return;
      }
      settle();
      if (closed) return;
      start(ws, request, locals, user);
      for (const [data, isBinary] of early) onMessage.call(ws, data, isBinary);
    })();
  }

  function start(ws: WebSocket, request: RequestInfo, locals: Record<string, unknown>, user: CurrentUser | undefined): void {
    const context: Omit<ComponentContext, 'kept'> = fullContext({ request, locals: locals as unknown as ContextLocals, user });
    const connection = new LiveConnection(weft, ws, context, limits);
    const tracked: Tracked = { connection, alive: true, lastMessage: Date.now() };
    sockets.set(ws, tracked);
    ws.on('pong', onPong);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    const key = weft.userKey(user);
    if (key !== undefined) {
      // `weft.signOut(user)`: the socket closes, and the page reconnects with
      // its new cookies, so its roots are judged again as the user it is now.
      void weft.hub
        .join(sessionTopic(key), () => ws.close(CLOSE.signedOut, 'signed out'))
        .then((leave) => {
          if (sockets.has(ws)) tracked.leaveSession = leave;
          else leave();
        }, (err: unknown) => weft.logger.error('Weft: could not follow sign-outs', err));
    }
  }

  function onPong(this: WebSocket): void {
    const tracked = sockets.get(this);
    if (tracked) tracked.alive = true;
  }

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const tracked = sockets.get(this);
    if (!tracked) return;
    tracked.alive = true;
    tracked.lastMessage = Date.now();
    if (isBinary) {
      this.close(1003, 'text frames only');
      return;
    }
    tracked.connection.receive(data.toString());
  }

  function onClose(this: WebSocket): void {
    const tracked = sockets.get(this);
    sockets.delete(this);
    tracked?.connection.close();
    tracked?.leaveSession?.();
  }

  function onError(): void {
    // A broken connection closes; onClose cleans up.
  }

  return {
    get size() {
      return sockets.size;
    },
    handleUpgrade(req, socket, head) {
      const host = req.headers.host && /^[A-Za-z0-9.:[\]-]+$/.test(req.headers.host) ? req.headers.host : 'localhost';
      const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
      let url: URL;
      try {
        url = new URL(`${scheme}://${host}${(req.url ?? '/').startsWith('/') ? req.url : '/'}`);
      } catch {
        return false;
      }
      if (url.pathname !== weft.livePath) return false;
      const headers = headerMap(req);
      const raw: RequestInfo = { method: 'GET', url, headers, ip: req.socket.remoteAddress ?? '' };
      const request: RequestInfo = { ...raw, ip: client.address(raw) };
      try {
        checkHost(headers.host);
        checkCsrf(headers, { scheme: client.scheme(raw), host: headers.host ?? url.host }, weft.limits);
      } catch (err) {
        refuse(socket, err as WeftError);
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        accept(ws, req, request);
      });
      return true;
    },
    async close() {
      clearInterval(heartbeat);
      const closing = [...sockets.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            // The close reason asks the page to wait (docs/protocol.md, L8): spread over reconnectSpreadMs.
            ws.close(CLOSE.goingAway, `retry=${500 + Math.floor(Math.random() * spreadMs)}`);
            setTimeout(() => {
              ws.terminate();
              resolve();
            }, 2000).unref();
          }),
      );
      await Promise.all(closing);
      wss.close();
    },
  };
}
