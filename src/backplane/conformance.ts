/**
 * @module
 * The behaviour every backplane engine must have, as one test suite run
 * against each of them (the in-memory engine and Redis), so the engines cannot
 * drift apart: an application tested on one behaves the same on the other.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareSeq, isSeq } from './compare.js';
import { follow } from './follow.js';
import type { Backplane, BackplaneMessage, Seq } from './types.js';

export interface ConformanceOptions {
  bufferSize?: number;
  onError?: (error: unknown) => void;
}

export interface ConformanceTarget {
  /** A new backplane. Topics are unique per test, so instances may share a store. */
  create(options: ConformanceOptions): Backplane | Promise<Backplane>;
  /** Another backplane sharing `first`'s store, as a second process would (it may be `first` itself). */
  peer(first: Backplane, options: ConformanceOptions): Backplane | Promise<Backplane>;
  /** Skips the suite, with the reason shown. */
  skip?: string | false;
}

/** How long a test waits for a delivery before failing. */
const WAIT_MS = 2000;
/** How long a test waits to be confident that something is *not* delivered. */
const QUIET_MS = 100;

let topicCounter = 0;
const runId = Math.random().toString(36).slice(2, 8);
function newTopic(label: string): string {
  return `${label}-${runId}-${++topicCounter}`;
}

/** Collects what a listener receives and waits for a given count. */
class Inbox {
  readonly messages: BackplaneMessage[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  readonly listener = (message: BackplaneMessage): void => {
    this.messages.push(message);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.messages.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  get data(): string[] {
    return this.messages.map((message) => message.data);
  }

  async until(count: number, what = `${count} messages`): Promise<void> {
    if (this.messages.length >= count) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push({ count, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out waiting for ${what}; got ${this.messages.length}: ${JSON.stringify(this.data)}`)),
            WAIT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function assertIncreasing(seqs: (Seq | undefined)[]): void {
  for (let i = 0; i < seqs.length; i++) {
    assert.ok(isSeq(seqs[i]), `id ${String(seqs[i])} is not <ms>-<n>`);
    if (i > 0) assert.ok(compareSeq(seqs[i - 1]!, seqs[i]!) < 0, `ids not increasing: ${seqs[i - 1]} then ${seqs[i]}`);
  }
}

export function backplaneConformance(name: string, target: ConformanceTarget): void {
  describe(`backplane conformance: ${name}`, { skip: target.skip || false }, () => {
    const open = new Set<Backplane>();
    afterEach(async () => {
      for (const backplane of open) await backplane.close();
      open.clear();
    });
    const create = async (options: ConformanceOptions = {}) => {
      const backplane = await target.create(options);
      open.add(backplane);
      return backplane;
    };
    const peer = async (first: Backplane, options: ConformanceOptions = {}) => {
      const backplane = await target.peer(first, options);
      open.add(backplane);
      return backplane;
    };

    it('delivers messages in publish order, with the ids publish returned', async () => {
      const bp = await create();
      const topic = newTopic('order');
      const inbox = new Inbox();
      await bp.subscribe(topic, inbox.listener);
      const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
      const ids = await Promise.all(sent.map((data) => bp.publish(topic, data)));
      await inbox.until(50);
      assert.deepEqual(inbox.data, sent);
      assert.deepEqual(inbox.messages.map((m) => m.seq), ids);
      assert.ok(inbox.messages.every((m) => m.topic === topic));
    });

    it('gives increasing <ms>-<n> ids per topic', async () => {
      const bp = await create();
      const topic = newTopic('mono');
      const ids: Seq[] = [];
      for (let i = 0; i < 100; i++) ids.push(await bp.publish(topic, String(i)));
      assertIncreasing(ids);
    });

    it('passes data through exactly: newlines, unicode, empty, large', async () => {
      const bp = await create();
      const topic = newTopic('data');
      const inbox = new Inbox();
      await bp.subscribe(topic, inbox.listener);
      const sent = ['line 1\nline 2\n', '', 'é ✓ 🧵 \u0000 end', '{"id":1}', 'x'.repeat(100_000), '\n'];
      const ids: Seq[] = [];
      for (const data of sent) ids.push(await bp.publish(topic, data));
      await inbox.until(sent.length);
      assert.deepEqual(inbox.data, sent);
      const replay = await bp.replay(topic, ids[0]!);
      assert.ok(replay.ok);
      assert.deepEqual(
        replay.messages.map((m) => m.data),
        sent.slice(1),
      );
    });

    it('keeps topics apart', async () => {
      const bp = await create();
      const [a, b] = [newTopic('a'), newTopic('b')];
      const inboxA = new Inbox();
      const inboxB = new Inbox();
      await bp.subscribe(a, inboxA.listener);
      await bp.subscribe(b, inboxB.listener);
      const startB = await bp.head(b);
      await bp.publish(a, 'a1');
      await bp.publish(b, 'b1');
      await bp.publish(a, 'a2');
      await inboxA.until(2);
      await inboxB.until(1);
      await sleep(QUIET_MS);
      assert.deepEqual(inboxA.data, ['a1', 'a2']);
      assert.deepEqual(inboxB.data, ['b1']);
      const replayB = await bp.replay(b, startB);
      assert.ok(replayB.ok);
      assert.deepEqual(
        replayB.messages.map((m) => m.data),
        ['b1'],
      );
    });

    it('replays what came after an id, oldest first, with ids and topic', async () => {
      const bp = await create();
      const topic = newTopic('replay');
      const ids: Seq[] = [];
      for (let i = 0; i < 5; i++) ids.push(await bp.publish(topic, `m${i}`));
      const replay = await bp.replay(topic, ids[1]!);
      assert.ok(replay.ok);
      assert.deepEqual(replay.messages, [2, 3, 4].map((i) => ({ topic, seq: ids[i], data: `m${i}` })));
    });

    it('replays nothing from the head, and exactly the new messages from an earlier head', async () => {
      const bp = await create();
      const topic = newTopic('head');
      // A topic nobody has published to yet still has a usable position:
      // a page rendered now records it and gets whatever comes next.
      const empty = await bp.head(topic);
      assert.ok(isSeq(empty));
      assert.deepEqual(await bp.replay(topic, empty), { ok: true, messages: [] });
      const first = await bp.publish(topic, 'one');
      const second = await bp.publish(topic, 'two');
      assert.equal(await bp.head(topic), second);
      assert.deepEqual(await bp.replay(topic, second), { ok: true, messages: [] });
      const fromEmpty = await bp.replay(topic, empty);
      assert.ok(fromEmpty.ok);
      assert.deepEqual(
        fromEmpty.messages.map((m) => [m.seq, m.data]),
        [
          [first, 'one'],
          [second, 'two'],
        ],
      );
    });

    it('answers ok:false with the head when the id is past the buffer', async () => {
      const bufferSize = 5;
      const bp = await create({ bufferSize });
      const topic = newTopic('gap');
      // Redis trims a stream in whole blocks (MAXLEN ~), so publish well past
      // the buffer before expecting the oldest ids to be gone.
      const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => bp.publish(topic, `m${i}`)));
      const last = ids[ids.length - 1]!;
      assert.deepEqual(await bp.replay(topic, ids[0]!), { ok: false, head: last });
      const recent = await bp.replay(topic, ids[296]!);
      assert.ok(recent.ok);
      assert.deepEqual(
        recent.messages.map((m) => m.data),
        ['m297', 'm298', 'm299'],
      );
    });

    it('answers ok:false for a malformed id or one ahead of the head', async () => {
      const bp = await create();
      const topic = newTopic('bad-since');
      const id = await bp.publish(topic, 'x');
      for (const since of ['', 'abc', '12', '1-2-3', '01-1', '-1-0', '1.5-0', ' 1-0', `${id}\n`]) {
        assert.deepEqual(await bp.replay(topic, since), { ok: false, head: id }, JSON.stringify(since));
      }
      const [ms] = id.split('-');
      const ahead = `${BigInt(ms!) + 1000n}-0`;
      assert.deepEqual(await bp.replay(topic, ahead), { ok: false, head: id });
    });

    it('delivers a message published right after subscribe resolves', async () => {
      const bp = await create();
      for (let i = 0; i < 20; i++) {
        const topic = newTopic('sub-pub');
        const inbox = new Inbox();
        await bp.subscribe(topic, inbox.listener);
        await bp.publish(topic, `first-${i}`);
        await inbox.until(1, `the first message on a fresh subscription (round ${i})`);
        assert.deepEqual(inbox.data, [`first-${i}`]);
      }
    });

    it('a second subscriber on a topic starts at its own subscription', async () => {
      const bp = await create();
      const topic = newTopic('second');
      const one = new Inbox();
      const two = new Inbox();
      await bp.subscribe(topic, one.listener);
      await bp.publish(topic, 'before');
      await one.until(1);
      await bp.subscribe(topic, two.listener);
      await bp.publish(topic, 'after');
      await one.until(2);
      await two.until(1);
      await sleep(QUIET_MS);
      assert.deepEqual(one.data, ['before', 'after']);
      assert.deepEqual(two.data, ['after']);
    });

    it('stops delivery on unsubscribe, which is safe to call twice', async () => {
      const bp = await create();
      const topic = newTopic('unsub');
      const gone = new Inbox();
      const stays = new Inbox();
      const unsubscribe = await bp.subscribe(topic, gone.listener);
      await bp.subscribe(topic, stays.listener);
      await bp.publish(topic, 'm1');
      await gone.until(1);
      await stays.until(1);
      await unsubscribe();
      await unsubscribe();
      await bp.publish(topic, 'm2');
      await stays.until(2);
      await sleep(QUIET_MS);
      assert.deepEqual(gone.data, ['m1']);
      assert.deepEqual(stays.data, ['m1', 'm2']);
    });

    it('stops delivery when the last subscriber leaves, and can subscribe again', async () => {
      const bp = await create();
      const topic = newTopic('resub');
      const first = new Inbox();
      const unsubscribe = await bp.subscribe(topic, first.listener);
      await unsubscribe();
      await bp.publish(topic, 'while nobody listens');
      const second = new Inbox();
      const unsubscribeSecond = await bp.subscribe(topic, second.listener);
      await bp.publish(topic, 'back');
      await second.until(1);
      await sleep(QUIET_MS);
      assert.deepEqual(first.data, []);
      assert.deepEqual(second.data, ['back']);
      await unsubscribeSecond();
    });

    it('a subscribe under way when the last subscriber leaves still gets messages', async () => {
      const bp = await create();
      const topic = newTopic('overlap');
      const leaving = await bp.subscribe(topic, () => {});
      const inbox = new Inbox();
      const joining = bp.subscribe(topic, inbox.listener);
      await leaving();
      await joining;
      await bp.publish(topic, 'still here');
      await inbox.until(1);
      assert.deepEqual(inbox.data, ['still here']);
    });

    it('a throwing listener does not stop the others or the publisher', async () => {
      const errors: unknown[] = [];
      const bp = await create({ onError: (error) => errors.push(error) });
      const topic = newTopic('throw');
      const before = new Inbox();
      const after = new Inbox();
      await bp.subscribe(topic, before.listener);
      await bp.subscribe(topic, (message) => {
        throw new Error(`listener failed on ${message.data}`);
      });
      await bp.subscribe(topic, after.listener);
      await bp.publish(topic, 'm1');
      await bp.publish(topic, 'm2');
      await after.until(2);
      await before.until(2);
      assert.deepEqual(before.data, ['m1', 'm2']);
      assert.deepEqual(after.data, ['m1', 'm2']);
      assert.deepEqual(
        errors.map((error) => (error as Error).message),
        ['listener failed on m1', 'listener failed on m2'],
      );
    });

    it('two instances sharing a store: distinct increasing ids, same order everywhere', async () => {
      const a = await create();
      const b = await peer(a);
      const topic = newTopic('shared');
      const inboxA = new Inbox();
      const inboxB = new Inbox();
      await a.subscribe(topic, inboxA.listener);
      await b.subscribe(topic, inboxB.listener);
      const publishes: Promise<Seq>[] = [];
      for (let i = 0; i < 20; i++) {
        publishes.push(a.publish(topic, `a${i}`));
        publishes.push(b.publish(topic, `b${i}`));
      }
      const ids = await Promise.all(publishes);
      assert.equal(new Set(ids).size, ids.length, 'ids are distinct');
      await inboxA.until(40);
      await inboxB.until(40);
      assert.deepEqual(inboxA.messages, inboxB.messages);
      assertIncreasing(inboxA.messages.map((m) => m.seq));
      // Each publisher's own messages keep their order.
      const received = inboxA.data;
      assert.deepEqual(
        received.filter((d) => d.startsWith('a')),
        Array.from({ length: 20 }, (_, i) => `a${i}`),
      );
      assert.deepEqual(
        received.filter((d) => d.startsWith('b')),
        Array.from({ length: 20 }, (_, i) => `b${i}`),
      );
      // Either instance replays the same history.
      const start = inboxA.messages[0]!.seq!;
      const [replayA, replayB] = await Promise.all([a.replay(topic, start), b.replay(topic, start)]);
      assert.deepEqual(replayA, replayB);
    });

    it('rejects use after close; close is safe to call twice', async () => {
      const bp = await create();
      await bp.close();
      await bp.close();
      await assert.rejects(bp.publish(newTopic('closed'), 'x'), /closed/);
      await assert.rejects(bp.subscribe(newTopic('closed'), () => {}), /closed/);
    });

    it('rejects a non-string topic or data', async () => {
      const bp = await create();
      await assert.rejects(bp.publish(newTopic('types'), 42 as unknown as string), TypeError);
      await assert.rejects(bp.publish(undefined as unknown as string, 'x'), TypeError);
    });

    describe('follow()', () => {
      it('delivers what was published since a render, then live messages, once each', async () => {
        const bp = await create();
        const topic = newTopic('follow');
        const rendered = await bp.head(topic);
        await bp.publish(topic, 'missed-1');
        await bp.publish(topic, 'missed-2');
        const inbox = new Inbox();
        const following = await follow(bp, topic, rendered, inbox.listener);
        assert.equal(following.gap, false);
        assert.deepEqual(inbox.data, ['missed-1', 'missed-2']);
        await bp.publish(topic, 'live');
        await inbox.until(3);
        await following.unsubscribe();
        assert.deepEqual(inbox.data, ['missed-1', 'missed-2', 'live']);
      });

      it('loses nothing published between subscribing and replaying, and repeats nothing', async () => {
        const bp = await create();
        const topic = newTopic('follow-race');
        const rendered = await bp.head(topic);
        await bp.publish(topic, 'before');
        // A publish that lands after the subscription and before the replay
        // read arrives live and in the replay: it must be delivered once.
        const racing: Backplane = {
          publish: (t, d) => bp.publish(t, d),
          subscribe: (t, l, o) => bp.subscribe(t, l, o),
          head: (t) => bp.head(t),
          close: () => bp.close(),
          replay: async (t, since) => {
            await bp.publish(t, 'during');
            await sleep(QUIET_MS); // let it arrive live first
            return bp.replay(t, since);
          },
        };
        const inbox = new Inbox();
        const following = await follow(racing, topic, rendered, inbox.listener);
        await bp.publish(topic, 'after');
        await inbox.until(3);
        await sleep(QUIET_MS);
        await following.unsubscribe();
        assert.deepEqual(inbox.data, ['before', 'during', 'after']);
        assertIncreasing(inbox.messages.map((m) => m.seq));
      });

      it('reports a gap when the render is past the buffer, then goes on live', async () => {
        const bp = await create({ bufferSize: 5 });
        const topic = newTopic('follow-gap');
        const rendered = await bp.publish(topic, 'old');
        await Promise.all(Array.from({ length: 300 }, (_, i) => bp.publish(topic, `m${i}`)));
        const head = await bp.head(topic);
        const gaps: Seq[] = [];
        const inbox = new Inbox();
        const following = await follow(bp, topic, rendered, inbox.listener, { onGap: (h) => gaps.push(h) });
        assert.equal(following.gap, true);
        assert.deepEqual(gaps, [head]);
        assert.deepEqual(inbox.data, []);
        await bp.publish(topic, 'live');
        await inbox.until(1);
        await following.unsubscribe();
        assert.deepEqual(inbox.data, ['live']);
      });

      it('treats a malformed render id as a gap', async () => {
        const bp = await create();
        const topic = newTopic('follow-bad');
        const gaps: Seq[] = [];
        const following = await follow(bp, topic, 'not-an-id', () => {}, { onGap: (h) => gaps.push(h) });
        assert.equal(following.gap, true);
        assert.equal(gaps.length, 1);
        assert.ok(isSeq(gaps[0]));
        await following.unsubscribe();
      });
    });
  });
}
