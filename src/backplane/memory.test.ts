import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareSeq } from './compare.js';
import { backplaneConformance } from './conformance.js';
import { MemoryBackplane } from './memory.js';
import type { BackplaneMessage, Seq } from './types.js';

backplaneConformance('memory', {
  create: (options) => new MemoryBackplane(options),
  // One process has one memory backplane: a "second instance" is the same one.
  peer: (first) => first,
});

/** A clock the test moves by hand. */
function manualClock(start = 1_800_000_000_000) {
  let now = start;
  return { clock: () => now, set: (ms: number) => void (now = ms), advance: (ms: number) => void (now += ms) };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('MemoryBackplane', () => {
  it('keeps ids increasing when the clock goes backwards or stands still', async () => {
    const time = manualClock();
    const bp = new MemoryBackplane({ clock: time.clock });
    const ids: Seq[] = [];
    ids.push(await bp.publish('t', 'a'));
    ids.push(await bp.publish('t', 'b'));
    time.set(1_700_000_000_000); // back by about three years
    ids.push(await bp.publish('t', 'c'));
    time.advance(5);
    ids.push(await bp.publish('t', 'd'));
    time.set(1_800_000_000_007);
    ids.push(await bp.publish('t', 'e'));
    assert.deepEqual(ids, [
      '1800000000000-1',
      '1800000000000-2',
      '1800000000000-3',
      '1800000000000-4',
      '1800000000007-0',
    ]);
    for (let i = 1; i < ids.length; i++) assert.ok(compareSeq(ids[i - 1]!, ids[i]!) < 0);
  });

  it('refuses ids from before it started (another process, or before a restart)', async () => {
    const time = manualClock();
    const bp = new MemoryBackplane({ clock: time.clock });
    // An id a page got from the previous process, a minute before this one started.
    const fromEarlierProcess = '1799999940000-3';
    assert.deepEqual(await bp.replay('t', fromEarlierProcess), { ok: false, head: '1800000000000-0' });
    await bp.publish('t', 'a');
    assert.deepEqual(await bp.replay('t', fromEarlierProcess), { ok: false, head: '1800000000000-1' });
  });

  it('answers exactly at the edge of the buffer', async () => {
    const bp = new MemoryBackplane({ bufferSize: 3 });
    const ids: Seq[] = [];
    for (let i = 0; i < 5; i++) ids.push(await bp.publish('t', `m${i}`));
    // m2..m4 are buffered: from m1 nothing is missing, from m0 m1 is.
    const fromM1 = await bp.replay('t', ids[1]!);
    assert.ok(fromM1.ok);
    assert.deepEqual(
      fromM1.messages.map((m) => m.data),
      ['m2', 'm3', 'm4'],
    );
    assert.deepEqual(await bp.replay('t', ids[0]!), { ok: false, head: ids[4] });
    assert.equal(bp.stats().messages, 3);
  });

  it('drops messages older than maxAgeMs, and then answers ok:false for them', async () => {
    const time = manualClock();
    const bp = new MemoryBackplane({ clock: time.clock, maxAgeMs: 1000 });
    const old = await bp.publish('t', 'old');
    time.advance(600);
    const recent = await bp.publish('t', 'recent');
    time.advance(600); // 'old' is now 1200 ms old, 'recent' 600 ms
    const replay = await bp.replay('t', old);
    assert.ok(replay.ok, 'nothing after "old" has expired yet');
    assert.deepEqual(
      replay.messages.map((m) => m.data),
      ['recent'],
    );
    time.advance(600);
    assert.deepEqual(await bp.replay('t', old), { ok: false, head: recent });
    assert.deepEqual(await bp.replay('t', recent), { ok: true, messages: [] });
    assert.equal(await bp.head('t'), recent);
  });

  it('drops topics whose messages have all expired, as other topics are published to', async () => {
    const time = manualClock();
    const bp = new MemoryBackplane({ clock: time.clock, maxAgeMs: 1000 });
    for (let i = 0; i < 500; i++) await bp.publish(`idle-${i}`, 'x');
    assert.equal(bp.stats().topics, 500);
    time.advance(2000);
    for (let i = 0; i < 300; i++) await bp.publish('busy', String(i));
    assert.deepEqual(bp.stats(), { topics: 1, messages: 300, subscribedTopics: 0 });
  });

  it('keeps at most maxTopics topics, and a dropped topic answers ok:false for its old ids', async () => {
    const bp = new MemoryBackplane({ maxTopics: 100 });
    const first = await bp.publish('topic-0', 'x');
    for (let i = 1; i < 1000; i++) await bp.publish(`topic-${i}`, 'x');
    assert.equal(bp.stats().topics, 100);
    assert.equal((await bp.replay('topic-0', first)).ok, false);
    // The most recent topics are kept and replay normally.
    const before = await bp.head('topic-999');
    await bp.publish('topic-999', 'y');
    const replay = await bp.replay('topic-999', before);
    assert.ok(replay.ok);
    assert.deepEqual(
      replay.messages.map((m) => m.data),
      ['y'],
    );
  });

  it('an unused topic keeps no memory: head, replay and unsubscribe leave nothing behind', async () => {
    const bp = new MemoryBackplane();
    const head = await bp.head('nobody');
    await bp.replay('nobody', head);
    const unsubscribe = await bp.subscribe('nobody', () => {});
    assert.equal(bp.stats().subscribedTopics, 1);
    await unsubscribe();
    assert.deepEqual(bp.stats(), { topics: 0, messages: 0, subscribedTopics: 0 });
  });

  it('delivers asynchronously, and a listener that publishes does not jump the queue', async () => {
    const bp = new MemoryBackplane();
    const seen: string[] = [];
    await bp.subscribe('t', (m) => {
      seen.push(`1:${m.data}`);
      if (m.data === 'a') void bp.publish('t', 'from-listener');
    });
    await bp.subscribe('t', (m) => seen.push(`2:${m.data}`));
    const publishing = [bp.publish('t', 'a'), bp.publish('t', 'b')];
    assert.deepEqual(seen, [], 'nothing is delivered inside publish');
    await Promise.all(publishing);
    await flush();
    assert.deepEqual(seen, ['1:a', '2:a', '1:b', '2:b', '1:from-listener', '2:from-listener']);
  });

  it('does not deliver a message published before the subscription, even if still queued', async () => {
    const bp = new MemoryBackplane();
    const early: BackplaneMessage[] = [];
    const late: BackplaneMessage[] = [];
    await bp.subscribe('t', (m) => early.push(m));
    void bp.publish('t', 'before');
    await bp.subscribe('t', (m) => late.push(m));
    await bp.publish('t', 'after');
    await flush();
    assert.deepEqual(early.map((m) => m.data), ['before', 'after']);
    assert.deepEqual(late.map((m) => m.data), ['after']);
  });

  it('does not deliver a queued message to a subscription stopped before delivery', async () => {
    const bp = new MemoryBackplane();
    const seen: string[] = [];
    const unsubscribe = await bp.subscribe('t', (m) => seen.push(m.data));
    void bp.publish('t', 'queued');
    await unsubscribe();
    await flush();
    assert.deepEqual(seen, []);
  });

  it('hands out frozen messages, so one listener cannot change what the next one sees', async () => {
    const bp = new MemoryBackplane();
    const seen: string[] = [];
    await bp.subscribe('t', (m) => {
      assert.throws(() => ((m as { data: string }).data = 'changed'), TypeError);
    });
    await bp.subscribe('t', (m) => seen.push(m.data));
    await bp.publish('t', 'original');
    await flush();
    assert.deepEqual(seen, ['original']);
  });

  it('reports listener errors to console.error by default, and survives a throwing onError', async () => {
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      const bp = new MemoryBackplane();
      await bp.subscribe('t', () => {
        throw new Error('boom');
      });
      await bp.publish('t', 'x');
      await flush();
    } finally {
      console.error = original;
    }
    assert.equal(logged.length, 1);
    assert.match(String(logged[0]![0]), /listener failed/);
    assert.equal((logged[0]![1] as Error).message, 'boom');

    const bp = new MemoryBackplane({
      onError: () => {
        throw new Error('handler broke too');
      },
    });
    const seen: string[] = [];
    await bp.subscribe('t', () => {
      throw new Error('boom');
    });
    await bp.subscribe('t', (m) => seen.push(m.data));
    await bp.publish('t', 'x');
    await flush();
    assert.deepEqual(seen, ['x']);
  });

  it('refuses bad options at construction', () => {
    assert.throws(() => new MemoryBackplane({ bufferSize: 0 }), /bufferSize must be a positive integer/);
    assert.throws(() => new MemoryBackplane({ bufferSize: 1.5 }), /bufferSize/);
    assert.throws(() => new MemoryBackplane({ maxTopics: -1 }), /maxTopics/);
    assert.throws(() => new MemoryBackplane({ maxAgeMs: 0 }), /maxAgeMs/);
    assert.throws(() => new MemoryBackplane({ maxAgeMs: Number.NaN }), /maxAgeMs/);
  });

  it('leaves nothing running that keeps the process alive', async () => {
    // A process that uses the backplane and never closes it must still exit.
    const dir = mkdtempSync(join(tmpdir(), 'weft-memory-'));
    try {
      const module = fileURLToPath(new URL('./memory.ts', import.meta.url));
      const script = join(dir, 'script.mts');
      writeFileSync(
        script,
        `import { MemoryBackplane } from ${JSON.stringify(module)};
const bp = new MemoryBackplane({ maxAgeMs: 60_000 });
await bp.subscribe('t', () => {});
for (let i = 0; i < 10; i++) await bp.publish('t', String(i));
await bp.replay('t', await bp.head('t'));
console.log('done');
`,
      );
      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const child = spawn(tsx, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill();
          reject(new Error('the process did not exit within 15 s'));
        }, 15_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(code, 0);
      assert.equal(out.trim(), 'done');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
