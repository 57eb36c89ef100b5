/**
 * `npm run publish-notifications`: publishes a random notification as JSON
 * (`id`, `title`, `message`, `color`, `timestamp`) to `notifications_channel` on
 * Redis every 3 seconds, with a plain `PUBLISH` as any other program would. Every
 * examples server started with the same REDIS_URL streams them to its pages.
 */
import { Redis } from 'ioredis';
import { NOTIFICATIONS_CHANNEL, randomNotification } from '../examples/notifications/notification.js';

const url = process.env.REDIS_URL;
if (!url) {
  console.error(
    'publish-notifications needs Redis: set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379) and start the examples with the same REDIS_URL.\n' +
      'Without Redis, `npm start` publishes notifications in process and needs nothing else.',
  );
  process.exit(1);
}
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
redis.on('error', (err) => console.error(`Redis at ${url}: ${err.message}`));
const publish = async () => {
  const notification = randomNotification();
  await redis.publish(NOTIFICATIONS_CHANNEL, JSON.stringify(notification));
  console.log('Published:', notification);
};
await publish();
const timer = setInterval(() => void publish().catch((err: Error) => console.error(err.message)), 3000);
process.on('SIGINT', () => {
  clearInterval(timer);
  console.log('Stopped notification publisher');
  void redis.quit().then(() => process.exit(0));
});
