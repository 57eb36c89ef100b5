/**
 * One examples server sharing a Redis backplane, run as a separate process by
 * live-redis.test.ts (several of them at once, like several machines behind a
 * load balancer). Like examples/server.ts, plus:
 *
 * - `WEFT_REDIS_PREFIX`: the prefix of every Redis key and channel, so runs
 *   that share a Redis do not see each other's groups;
 * - `POST /test/broadcast?group=…` calls `weft.broadcast(group, 'addItem', body)`
 *   and answers `{"returnedAt": <ms>}`, the moment the broadcast returned;
 * - it prints `{"port": n}` once listening, and exits when its stdin closes, so
 *   it cannot outlive the test that started it, even one that was killed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from 'weft/node';
import { createRedisBackplane } from 'weft/redis';
import { createExampleApp } from '../../examples/app.js';

const backplane = createRedisBackplane({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  ...(process.env.WEFT_REDIS_PREFIX && { prefix: process.env.WEFT_REDIS_PREFIX }),
});
const { weft, locals, fallback } = createExampleApp({ backplane });

async function testRoutes(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'POST' || url.pathname !== '/test/broadcast') return fallback(req, res);
  let body = '';
  for await (const chunk of req) body += String(chunk);
  await weft.broadcast(url.searchParams.get('group') ?? '', 'addItem', JSON.parse(body) as Record<string, unknown>);
  const returnedAt = Date.now();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ returnedAt }));
}

const server = await serve(weft, {
  port: Number(process.env.PORT ?? 0),
  hostname: '127.0.0.1',
  locals,
  fallback: (req, res) =>
    testRoutes(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error), code: 'test_route' }));
    }),
});
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));

function shutdown(): void {
  server.closeAllConnections();
  server.close(() => void backplane.close().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
