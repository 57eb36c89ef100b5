/**
 * `npm start`: serves the examples on http://localhost:3000 (PORT overrides).
 *
 * With REDIS_URL set, live components and streams go through Redis, so several
 * servers share them and `npm run publish-notifications` (another process)
 * feeds /notifications. Without it everything runs in this process, and a timer
 * here publishes the notifications.
 */
import { serve } from 'weft/node';
import { createRedisBackplane } from 'weft/redis';
import { createExampleApp } from './app.js';
import { NOTIFICATIONS_CHANNEL, randomNotification } from './notifications/notification.js';

const redisUrl = process.env.REDIS_URL;
const { weft, locals, fallback } = createExampleApp(redisUrl ? { backplane: createRedisBackplane({ url: redisUrl }) } : {});
const port = Number(process.env.PORT ?? 3000);
const server = await serve(weft, { port, locals, fallback });
console.log(`Weft examples: http://localhost:${port}/${redisUrl ? ` (live updates through Redis at ${redisUrl})` : ''}`);

const publisher = redisUrl
  ? undefined
  : setInterval(() => void weft.publish(NOTIFICATIONS_CHANNEL, JSON.stringify(randomNotification())), 3000);

// Sockets close with 1001, so open pages reconnect (to this server once it is back, or to another).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(publisher);
    server.close(() => void weft.backplane.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
