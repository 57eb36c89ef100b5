/**
 * Rate limits and the render cache shared by two server processes through one
 * real Redis (REDIS_URL, default redis://127.0.0.1:6379), as two machines
 * behind a load balancer would share them:
 *
 * - a "5/second" limit is one allowance, whichever process a request reaches:
 *   the 6th event in a second is refused with 429, `Retry-After` and
 *   `rate_limited`, even though neither process has seen more than 3;
 * - a view rendered and cached by one process is served by the other without
 *   rendering, and a tag invalidated in one process empties it for both.
 *
 * Each server is policies-redis-server.ts in its own process, under a random
 * key prefix that is deleted afterwards. Without a Redis the tests are skipped
 * with a notice, except under CI=true, where they fail.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { rootsIn } from '../../src/testing/live.js';
import { deleteKeys, redisSkip } from '../redis.js';
import { type ServerProcess, startServerProcess, stopProcess } from './processes.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `weft-test-policies-${randomUUID().slice(0, 8)}:`;
const SECRET = `policies-redis-secret-${randomUUID()}`;
/**
 * A round of requests slower than this may have straddled two 1-second
 * windows, and so proves nothing: it is run again with a fresh user.
 */
const ROUND_MS = 800;
const ROUNDS = 5;

const skip = redisSkip('the multi-process rate-limit and cache tests');

const children: ChildProcess[] = [];

/** Starts policies-redis-server.ts in a new process and waits until it prints its port. */
function startServer(name: string): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./policies-redis-server.ts', import.meta.url));
  return startServerProcess(script, name, { REDIS_URL: url, WEFT_SECRET: SECRET, WEFT_REDIS_PREFIX: prefix, WEFT_PROCESS_NAME: name }, children);
}

/**
 * Writes `invalidate <tag>` to a server's stdin and resolves with its answer,
 * the JSON line it prints once `weft.invalidateTag()` has resolved in that process.
 */
async function invalidateIn(server: ServerProcess, tag: string): Promise<Record<string, unknown>> {
  const child = server.child;
  let out = '';
  const onData = (chunk: Buffer) => (out += chunk.toString());
  child.stdout!.on('data', onData);
  try {
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${server.name} did not answer "invalidate ${tag}" within 5 s: ${out}`)), 5000);
      const check = () => {
        const line = out.split('\n').find((l) => l.startsWith('{"invalidated"') || l.startsWith('{"failed"'));
        if (line === undefined) return;
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(line);
      };
      child.stdout!.on('data', check);
    });
    child.stdin!.write(`invalidate ${tag}\n`);
    return JSON.parse(await answered) as Record<string, unknown>;
  } finally {
    child.stdout!.off('data', onData);
  }
}

/** Who rendered a product page, and that process's render count then. */
function renderedBy(html: string): { name: string; render: number } {
  const m = /rendered by (\w+) \(pid \d+\), render (\d+)/.exec(html);
  assert.ok(m, `the page says who rendered it: ${html.slice(0, 400)}`);
  return { name: m[1] as string, render: Number(m[2]) };
}

async function getProduct(server: ServerProcess, id: string): Promise<string> {
  const response = await fetch(`${server.base}/product/${id}`);
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return body;
}

/** A fresh Tapper state blob, issued by `server` to `user`. */
async function tapperBlob(server: ServerProcess, user: string): Promise<string> {
  const response = await fetch(`${server.base}/tapper`, { headers: { 'x-test-user': user } });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  const root = rootsIn(body).find((r) => r.name === 'tapper');
  assert.ok(root, `the page has a tapper: ${body.slice(0, 400)}`);
  return root.state;
}

interface Answer {
  server: string;
  status: number;
  retryAfter: string | null;
  body: string;
}

async function tap(server: ServerProcess, user: string, state: string): Promise<Answer> {
  const response = await fetch(`${server.base}/components/tapper/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-user': user },
    body: JSON.stringify({ event: 'tap', payload: {}, state }),
  });
  return { server: server.name, status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
}

/** Checks a refusal: 429, a whole `Retry-After` of 1 s (the window's length), JSON code `rate_limited`; returns the wait. */
function assertRateLimited(answer: Answer): number {
  assert.equal(answer.status, 429, `${answer.server} answered ${answer.status}: ${answer.body}`);
  assert.match(answer.retryAfter ?? '', /^\d+$/, 'Retry-After is whole seconds');
  const seconds = Number(answer.retryAfter);
  // Never 0 (that invites a retry at once), never past the window.
  assert.equal(seconds, 1, `Retry-After ${seconds}: at least 1, at most the 1-second window`);
  const json = JSON.parse(answer.body) as { code?: unknown; retryAfter?: unknown };
  assert.equal(json.code, 'rate_limited');
  assert.equal(json.retryAfter, seconds, 'the body says the same wait as the header');
  return seconds;
}

/**
 * Runs `round` with a fresh user until one finishes within {@link ROUND_MS}
 * (a slower one may have spanned two windows), then returns its result.
 */
async function quickRound<T>(round: (user: string) => Promise<{ took: number; result: T }>, notes: string[]): Promise<{ user: string; result: T }> {
  const slow: number[] = [];
  for (let attempt = 1; attempt <= ROUNDS; attempt++) {
    const user = `user-${randomUUID()}`;
    const { took, result } = await round(user);
    if (took <= ROUND_MS) return { user, result };
    slow.push(took);
    notes.push(`a round took ${took} ms (> ${ROUND_MS}); ran it again with a new user`);
  }
  assert.fail(`no round of requests finished within ${ROUND_MS} ms in ${ROUNDS} tries (${slow.join(', ')} ms)`);
}

describe('rate limits and the render cache across server processes sharing Redis', { skip, timeout: 120_000 }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let redis: Redis;
  const notes: string[] = [];

  before(async () => {
    redis = new Redis(url);
    [a, b] = await Promise.all([startServer('A'), startServer('B')]);
  });

  after(async () => {
    // Each step on its own, so one failing does not leave the others undone.
    await Promise.all(children.map((child) => stopProcess(child).catch(() => child.kill('SIGKILL'))));
    if (redis) {
      try {
        await deleteKeys(redis, prefix);
        assert.deepEqual(await redis.keys(`${prefix}*`), [], 'no key left under the prefix');
      } finally {
        redis.disconnect();
      }
    }
    if (notes.length > 0) console.log(`policies-redis notes:\n  ${notes.join('\n  ')}`);
  });

  it('two processes share one "5/second" limit: the 6th event in a second, alternating A and B, gets 429', async () => {
    const { user, result: answers } = await quickRound(async (user) => {
      // Blobs first, so only the events are timed (and views are not rate-limited).
      const servers = [a, b, a, b, a, b];
      const blobs = await Promise.all(servers.map((server) => tapperBlob(server, user)));
      const started = Date.now();
      const answers: Answer[] = [];
      for (const [i, server] of servers.entries()) answers.push(await tap(server, user, blobs[i] as string));
      return { took: Date.now() - started, result: answers };
    }, notes);

    // Each process saw 3 events: only a count shared between them refuses one.
    for (const [i, answer] of answers.slice(0, 5).entries()) {
      assert.equal(answer.status, 200, `event ${i + 1} on ${answer.server}: ${answer.body}`);
      assert.match(answer.body, new RegExp(`Taps: 1 \\(in ${answer.server}\\)`), `event ${i + 1} was handled by ${answer.server}`);
    }
    const sixth = answers[5]!;
    assert.equal(sixth.server, 'B');
    const wait = assertRateLimited(sixth);

    // The counters are in Redis, under this run's prefix.
    const keys = await redis.keys(`${prefix}rl:*`);
    assert.ok(keys.length >= 1, 'the limit is counted in Redis');

    // Once the wait is over, the same user may tap again, on either process.
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    const again = await tap(a, user, await tapperBlob(a, user));
    assert.equal(again.status, 200, `after Retry-After, A answered ${again.status}: ${again.body}`);
  });

  it('a burst of 10 events at once, 5 to each process, is allowed 5 and refused 5', async () => {
    const { result: answers } = await quickRound(async (user) => {
      const servers = [a, b, a, b, a, b, a, b, a, b];
      const blobs = await Promise.all(servers.map((server) => tapperBlob(server, user)));
      const started = Date.now();
      const answers = await Promise.all(servers.map((server, i) => tap(server, user, blobs[i] as string)));
      return { took: Date.now() - started, result: answers };
    }, notes);
    const allowed = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200);
    assert.equal(allowed.length, 5, `allowed: ${answers.map((x) => `${x.server} ${x.status}`).join(', ')}`);
    for (const answer of refused) assertRateLimited(answer);
  });

  it('a user of its own has an allowance of its own', async () => {
    // The previous tests used up their users' allowances; a new user starts at 5.
    const user = `user-${randomUUID()}`;
    const answer = await tap(b, user, await tapperBlob(a, user));
    assert.equal(answer.status, 200, answer.body);
  });

  it("a view cached by A is served by B without rendering, until A invalidates its tag; then B renders it", async () => {
    const entryTag = `${prefix}cache:t:product-page:7`;

    // A renders /product/7 and stores it in the shared cache.
    const fromA = await getProduct(a, '7');
    assert.deepEqual(renderedBy(fromA), { name: 'A', render: 1 });
    assert.equal(await redis.exists(entryTag), 1, 'the tag is listed in Redis');

    // B serves A's HTML: the very same bytes, rendered by A.
    const fromB = await getProduct(b, '7');
    assert.equal(fromB, fromA, "B serves A's render from the shared cache");

    // Another product is not that entry: B renders it, its first render.
    assert.deepEqual(renderedBy(await getProduct(b, '8')), { name: 'B', render: 1 });

    // Invalidating another tag, even one that starts the same, leaves product 7 alone.
    assert.deepEqual(await invalidateIn(a, 'product-page:70'), { invalidated: 'product-page:70' });
    assert.equal(await getProduct(b, '7'), fromA, 'still cached after another tag was invalidated');

    // A invalidates product 7's tag, in its own process.
    assert.deepEqual(await invalidateIn(a, 'product-page:7'), { invalidated: 'product-page:7' });
    assert.equal(await redis.exists(entryTag), 0, 'the tag is gone from Redis');

    // B renders anew (its second render: product 8 was its first), and stores it.
    const renderedByB = await getProduct(b, '7');
    assert.deepEqual(renderedBy(renderedByB), { name: 'B', render: 2 });
    assert.notEqual(renderedByB, fromA);

    // And A now serves B's render: A has rendered nothing since its first.
    assert.equal(await getProduct(a, '7'), renderedByB, "A serves B's render from the shared cache");
    // Product 8 was not touched by either invalidation.
    assert.deepEqual(renderedBy(await getProduct(a, '8')), { name: 'B', render: 1 });
  });

  it('an unknown stdin command is answered as a failure (the harness itself can fail)', async () => {
    let out = '';
    const onData = (chunk: Buffer) => (out += chunk.toString());
    a.child.stdout!.on('data', onData);
    a.child.stdin!.write('flush everything\n');
    const deadline = Date.now() + 5000;
    while (!out.includes('{"failed"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    a.child.stdout!.off('data', onData);
    assert.match(out, /\{"failed":"unknown command \\"flush everything\\""\}/);
  });

  it('fails on neither server: their output has no error', () => {
    for (const server of [a, b]) assert.doesNotMatch(server.output(), /error/i, `${server.name} logged:\n${server.output()}`);
  });
});
