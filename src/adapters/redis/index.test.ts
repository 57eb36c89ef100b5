/**
 * Runs against the real Redis at REDIS_URL (default redis://127.0.0.1:6379),
 * under a random key prefix that is deleted afterwards. Without a Redis the
 * tests are skipped with a notice, except under CI=true, where they fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteKeys, redisSkip } from '../../../test/redis.js';
import { Redis, type RedisOptions } from 'ioredis';
import { backplaneConformance } from '../../backplane/conformance.js';
import type { Backplane, BackplaneMessage, Seq } from '../../backplane/types.js';
import { createRedisBackplane, RedisBackplane, type RedisBackplaneOptions } from './index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const prefix = `weft-test-${run}:`;

const skip = redisSkip('the Redis backplane tests');
const available = skip === false;

after(async () => {
  if (!available) return;
  // Delete every key this run created.
  const raw = new Redis(url);
  await deleteKeys(raw, prefix);
  await raw.quit();
});

backplaneConformance('redis', {
  skip,
  create: (options) => createRedisBackplane({ url, prefix, ...options }),
  peer: (_first, options) => createRedisBackplane({ url, prefix, ...options }),
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('weft/redis', { skip }, () => {
  const opened: (Backplane | Redis)[] = [];
  afterEach(async () => {
    for (const item of opened.splice(0)) {
      if (item instanceof Redis) item.disconnect();
      else await item.close();
    }
  });
  const backplane = (options: RedisBackplaneOptions = {}) => {
    const bp = createRedisBackplane({ url, prefix, ...options });
    opened.push(bp);
    return bp;
  };
  const client = (options: RedisOptions = {}) => {
    const redis = new Redis(url, options);
    opened.push(redis);
    return redis;
  };
  const topic = (label: string) => `${label}-${run}-${randomUUID().slice(0, 6)}`;

  it('keeps each topic in a stream and a channel under the prefix', async () => {
    const bp = backplane();
    const name = topic('keys');
    const raw = client();
    const id = await bp.publish(name, 'hello');
    assert.equal(bp.streamKey(name), `${prefix}stream:${name}`);
    assert.equal(bp.channel(name), `${prefix}ch:${name}`);
    assert.deepEqual(await raw.xrange(bp.streamKey(name), '-', '+'), [[id, ['data', 'hello']]]);
    const ttl = await raw.pttl(bp.streamKey(name));
    assert.ok(ttl > 23 * 3600_000 && ttl <= 24 * 3600_000, `stream ttl ${ttl}`);
  });

  it("delivers another program's plain PUBLISH on the topic, with no id and the exact data", async () => {
    const bp = backplane();
    const channel = topic('notifications_channel');
    const received: BackplaneMessage[] = [];
    await bp.subscribe(channel, (m) => received.push(m));
    const json = '{"id":1,"title":"t"}';
    // As another program's publisher does (a Python script, say): a bare PUBLISH from another client.
    const publisher = client();
    assert.equal(await publisher.publish(channel, json), 1, 'one subscriber connection for the channel');
    await waitFor(() => received.length === 1, 'the plain message');
    assert.deepEqual(received, [{ topic: channel, seq: undefined, data: json }]);
    // Plain messages are not buffered: they have no id to replay from.
    assert.deepEqual(await bp.replay(channel, await bp.head(channel)), { ok: true, messages: [] });
  });

  it('ignores plain PUBLISH on topics where plainChannels says no', async () => {
    const bp = backplane({ plainChannels: (t) => t.startsWith('feed-') });
    const group = topic('group');
    const feed = topic('feed');
    const groupSeen: BackplaneMessage[] = [];
    const feedSeen: BackplaneMessage[] = [];
    await bp.subscribe(group, (m) => groupSeen.push(m));
    await bp.subscribe(feed, (m) => feedSeen.push(m));
    const publisher = client();
    assert.equal(await publisher.publish(group, 'forged'), 0, 'nobody listens on the bare group channel');
    await publisher.publish(feed, 'plain');
    await bp.publish(group, 'real');
    await waitFor(() => groupSeen.length === 1 && feedSeen.length === 1, 'both messages');
    await sleep(50);
    assert.deepEqual(groupSeen.map((m) => m.data), ['real']);
    assert.deepEqual(feedSeen.map((m) => m.data), ['plain']);
  });

  it('shares one subscriber connection across topics and unsubscribes channels nobody needs', async () => {
    const name = `weft-test-conn-${run}-${randomUUID().slice(0, 6)}`;
    const redis = client({ connectionName: name });
    const bp = backplane({ redis });
    const [a, b] = [topic('one'), topic('two')];
    const offA = await bp.subscribe(a, () => {});
    const offA2 = await bp.subscribe(a, () => {});
    const offB = await bp.subscribe(b, () => {});
    const raw = client();
    const subscribed = async () => {
      const list = String(await raw.client('LIST'));
      return list
        .split('\n')
        .filter((line) => line.includes(` name=${name} `) && !/ sub=0 /.test(line))
        .map((line) => Number(/ sub=(\d+) /.exec(line)?.[1]));
    };
    assert.deepEqual(await subscribed(), [4], 'one connection: two topics, each with its id channel and plain channel');
    await offA();
    assert.deepEqual(await subscribed(), [4], 'topic a still has a subscriber');
    await offA2();
    assert.deepEqual(await subscribed(), [2]);
    await offB();
    assert.deepEqual(await subscribed(), []);
  });

  it('close() quits the connections it opened and leaves a given one open', async () => {
    const name = `weft-test-close-${run}-${randomUUID().slice(0, 6)}`;
    const redis = client({ connectionName: name });
    const bp = createRedisBackplane({ redis, prefix });
    await bp.subscribe(topic('close'), () => {});
    const raw = client();
    const count = async () =>
      String(await raw.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `)).length;
    assert.equal(await count(), 2);
    await bp.close();
    await sleep(50);
    assert.equal(await count(), 1);
    assert.equal(await redis.ping(), 'PONG');

    const own = createRedisBackplane({ url, prefix });
    await own.subscribe(topic('close'), () => {});
    await own.close();
    await assert.rejects(own.publish(topic('close'), 'x'), /closed/);
  });

  describe('when the subscriber connection drops', () => {
    // Reconnect after 300 ms, leaving time to publish while it is down.
    const slowReconnect = { retryStrategy: () => 300 };

    async function killSubscriber(raw: Redis, name: string): Promise<void> {
      const list = String(await raw.client('LIST'));
      const line = list.split('\n').find((l) => l.includes(` name=${name} `) && !/ sub=0 /.test(l));
      const id = line && / id=(\d+) /.exec(` ${line}`)?.[1];
      assert.ok(id, 'found the subscriber connection');
      await raw.client('KILL', 'ID', id);
    }

    it('catches up on what was published meanwhile: in order, once each, listeners kept', async () => {
      const name = `weft-test-drop-${run}-${randomUUID().slice(0, 6)}`;
      const redis = client({ connectionName: name, ...slowReconnect });
      const errors: unknown[] = [];
      const bp = backplane({ redis, onError: (e) => errors.push(e) });
      const publisher = backplane();
      const t = topic('drop');
      const seen: BackplaneMessage[] = [];
      const gaps: Seq[] = [];
      await bp.subscribe(t, (m) => seen.push(m), { onGap: (h) => gaps.push(h) });
      await publisher.publish(t, 'before');
      await waitFor(() => seen.length === 1, 'the first message');

      await killSubscriber(client(), name);
      await sleep(20);
      for (const data of ['down-1', 'down-2', 'down-3']) await publisher.publish(t, data);
      await waitFor(() => seen.length >= 4, 'the messages published while down', 5000);
      await publisher.publish(t, 'after');
      await waitFor(() => seen.length >= 5, 'a live message after reconnecting', 5000);
      await sleep(50);
      assert.deepEqual(seen.map((m) => m.data), ['before', 'down-1', 'down-2', 'down-3', 'after']);
      assert.deepEqual(gaps, []);
    });

    it('reports a gap when more was published meanwhile than the buffer holds, then goes on', async () => {
      const name = `weft-test-gap-${run}-${randomUUID().slice(0, 6)}`;
      const redis = client({ connectionName: name, ...slowReconnect });
      const bp = backplane({ redis, bufferSize: 5, onError: () => {} });
      const publisher = backplane({ bufferSize: 5 });
      const t = topic('drop-gap');
      const seen: string[] = [];
      const gaps: Seq[] = [];
      await bp.subscribe(t, (m) => seen.push(m.data), { onGap: (h) => gaps.push(h) });
      await publisher.publish(t, 'before');
      await waitFor(() => seen.length === 1, 'the first message');

      await killSubscriber(client(), name);
      await sleep(20);
      const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => publisher.publish(t, `down-${i}`)));
      await waitFor(() => gaps.length === 1, 'the gap', 5000);
      assert.deepEqual(gaps, [ids[ids.length - 1]]);
      await publisher.publish(t, 'after');
      await waitFor(() => seen.includes('after'), 'a live message after the gap', 5000);
      assert.deepEqual(seen, ['before', 'after']);
    });
  });

  it('delivers a publish from another process within 200 ms', async () => {
    const bp = backplane();
    const t = topic('cross');
    let receivedAt = 0;
    const seen: BackplaneMessage[] = [];
    await bp.subscribe(t, (m) => {
      receivedAt = Date.now();
      seen.push(m);
    });
    const dir = mkdtempSync(join(tmpdir(), 'weft-redis-'));
    try {
      const module = fileURLToPath(new URL('./index.ts', import.meta.url));
      const script = join(dir, 'publisher.mts');
      writeFileSync(
        script,
        `import { createRedisBackplane } from ${JSON.stringify(module)};
const bp = createRedisBackplane({ url: ${JSON.stringify(url)}, prefix: ${JSON.stringify(prefix)} });
await bp.head(${JSON.stringify(t)}); // connected before timing starts
const sentAt = Date.now();
const id = await bp.publish(${JSON.stringify(t)}, 'from another process');
console.log(JSON.stringify({ sentAt, id }));
await bp.close();
`,
      );
      const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
      const child = spawn(tsx, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, 'the publisher exits once closed');
      const { sentAt, id } = JSON.parse(out) as { sentAt: number; id: string };
      await waitFor(() => seen.length === 1, 'the message from the child');
      assert.deepEqual(seen, [{ topic: t, seq: id, data: 'from another process' }]);
      assert.ok(receivedAt - sentAt < 200, `took ${receivedAt - sentAt} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options', () => {
    assert.throws(() => new RedisBackplane({ url, bufferSize: 0 }), /bufferSize/);
    assert.throws(() => new RedisBackplane({ url, streamTtlMs: -1 }), /streamTtlMs/);
  });
});
