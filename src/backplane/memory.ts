/**
 * @module
 * The in-process backplane: the default, for one process with nothing to set
 * up. Ids have the Redis Stream format, so moving to `weft/redis` later changes
 * nothing a browser holds; each topic keeps a bounded buffer for replay.
 *
 * Memory stays bounded without timers: a topic's buffer holds at most
 * `bufferSize` messages (and none older than `maxAgeMs`), at most `maxTopics`
 * topics are kept (least recently published dropped first), and topics whose
 * messages have all aged out are dropped as other topics are published to.
 */
import { compareSeq, isSeq } from './compare.js';
import type {
  Backplane,
  BackplaneMessage,
  BackplaneOptions,
  Listener,
  Replay,
  Seq,
  SubscribeOptions,
  Unsubscribe,
} from './types.js';

export interface MemoryBackplaneOptions extends BackplaneOptions {
  /** Messages older than this are dropped from the replay buffer (default: no age limit). */
  maxAgeMs?: number;
  /** Topics whose buffers are kept; the least recently published goes first (default 10 000). */
  maxTopics?: number;
  /** The clock, in milliseconds (default `Date.now`); ids stay increasing even if it goes backwards. */
  clock?: () => number;
}

interface Buffered {
  message: BackplaneMessage;
  at: number;
}

interface Topic {
  /** Every message after this id is in `items`; ids up to it are forgotten. */
  floor: Seq;
  /** The last id issued on this topic (may have aged out of `items`). */
  last: Seq;
  items: Buffered[];
  /** Index of the oldest live entry in `items` (dropping from the front without copying). */
  start: number;
}

interface Subscription {
  listener: Listener;
  /** Messages numbered up to this were published before the subscription and are not delivered. */
  after: number;
  active: boolean;
}

const DEFAULT_BUFFER_SIZE = 1000;
const DEFAULT_MAX_TOPICS = 10_000;
/** How many of the least recently published topics each publish checks for aged-out buffers. */
const SWEEP_PER_PUBLISH = 2;

export class MemoryBackplane implements Backplane {
  readonly #bufferSize: number;
  readonly #maxAgeMs: number;
  readonly #maxTopics: number;
  readonly #clock: () => number;
  readonly #onError: (error: unknown) => void;

  /** Topic buffers in least-recently-published-first order (a Map keeps insertion order). */
  readonly #topics = new Map<string, Topic>();
  readonly #subscriptions = new Map<string, Set<Subscription>>();

  /** The last id issued on any topic: ids come from one counter, so they increase per topic too. */
  #lastMs: number;
  #lastN = 0;
  #lastSeq: Seq;
  /**
   * What a topic created now can vouch for: ids before it may belong to this
   * process's earlier life (a dropped topic) or another process's (a restart),
   * whose messages this one cannot replay.
   */
  #forgottenBefore: Seq;

  /** Messages waiting to be handed to listeners, numbered by `#published`. */
  #queue: { message: BackplaneMessage; number: number }[] = [];
  #published = 0;
  #draining = false;
  #closed = false;

  constructor(options: MemoryBackplaneOptions = {}) {
    this.#bufferSize = positiveInteger('bufferSize', options.bufferSize ?? DEFAULT_BUFFER_SIZE);
    this.#maxTopics = positiveInteger('maxTopics', options.maxTopics ?? DEFAULT_MAX_TOPICS);
    const maxAge = options.maxAgeMs ?? Infinity;
    if (!(maxAge > 0)) throw new RangeError(`maxAgeMs must be a positive number, got ${String(options.maxAgeMs)}`);
    this.#maxAgeMs = maxAge;
    this.#clock = options.clock ?? Date.now;
    this.#onError = options.onError ?? ((error) => console.error('weft backplane: a listener failed', error));
    // Start at "now-0", an id never issued: the first message in this
    // millisecond gets "now-1", and anything a client holds from before this
    // process started is older than what it can replay.
    this.#lastMs = Math.max(0, Math.floor(this.#clock()));
    this.#lastSeq = `${this.#lastMs}-0`;
    this.#forgottenBefore = this.#lastSeq;
  }

  async publish(topic: string, data: string): Promise<Seq> {
    this.#open();
    checkString('topic', topic);
    checkString('data', data);
    const seq = this.#nextSeq();
    const message: BackplaneMessage = Object.freeze({ topic, seq, data });
    const now = this.#clock();

    let buffer = this.#topics.get(topic);
    if (buffer) {
      this.#topics.delete(topic); // re-inserted below as the most recently published
    } else {
      buffer = { floor: this.#forgottenBefore, last: seq, items: [], start: 0 };
    }
    this.#topics.set(topic, buffer);
    buffer.last = seq;
    buffer.items.push({ message, at: now });
    while (buffer.items.length - buffer.start > this.#bufferSize) this.#dropOldest(buffer);
    this.#trimAge(buffer, now);
    this.#sweep(now);

    if (this.#subscriptions.has(topic)) {
      this.#queue.push({ message, number: ++this.#published });
      if (!this.#draining) {
        this.#draining = true;
        queueMicrotask(() => this.#drain());
      }
    } else {
      ++this.#published;
    }
    return seq;
  }

  async subscribe(topic: string, listener: Listener, _options?: SubscribeOptions): Promise<Unsubscribe> {
    this.#open();
    checkString('topic', topic);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const subscription: Subscription = { listener, after: this.#published, active: true };
    let set = this.#subscriptions.get(topic);
    if (!set) this.#subscriptions.set(topic, (set = new Set()));
    set.add(subscription);
    return async () => {
      if (!subscription.active) return;
      subscription.active = false;
      const current = this.#subscriptions.get(topic);
      if (!current) return;
      current.delete(subscription);
      if (current.size === 0) this.#subscriptions.delete(topic);
    };
  }

  async replay(topic: string, since: Seq): Promise<Replay> {
    this.#open();
    checkString('topic', topic);
    const head = this.#head(topic);
    if (!isSeq(since) || compareSeq(since, head) > 0) return { ok: false, head };
    const buffer = this.#topics.get(topic);
    if (!buffer) return compareSeq(since, this.#forgottenBefore) < 0 ? { ok: false, head } : { ok: true, messages: [] };
    if (compareSeq(since, buffer.floor) < 0) return { ok: false, head };
    // Binary search for the first buffered message after `since`.
    let lo = buffer.start;
    let hi = buffer.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareSeq(buffer.items[mid]!.message.seq!, since) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return { ok: true, messages: buffer.items.slice(lo).map((item) => item.message) };
  }

  async head(topic: string): Promise<Seq> {
    this.#open();
    checkString('topic', topic);
    return this.#head(topic);
  }

  /** What the backplane holds now: topics with a buffer, buffered messages, topics with subscribers. */
  stats(): { topics: number; messages: number; subscribedTopics: number } {
    let messages = 0;
    for (const buffer of this.#topics.values()) messages += buffer.items.length - buffer.start;
    return { topics: this.#topics.size, messages, subscribedTopics: this.#subscriptions.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#topics.clear();
    this.#subscriptions.clear();
    this.#queue = [];
  }

  #head(topic: string): Seq {
    const buffer = this.#topics.get(topic);
    if (buffer) {
      this.#trimAge(buffer, this.#clock());
      return buffer.last;
    }
    // No buffer: whatever is published next gets a larger id than this, and
    // a buffer created later vouches for everything after it.
    return this.#lastSeq;
  }

  #nextSeq(): Seq {
    const now = Math.floor(this.#clock());
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#lastN = 0;
    } else {
      // Same millisecond, or the clock went backwards: keep the last
      // millisecond and count up, as Redis does.
      this.#lastN++;
    }
    this.#lastSeq = `${this.#lastMs}-${this.#lastN}`;
    return this.#lastSeq;
  }

  #dropOldest(buffer: Topic): void {
    const dropped = buffer.items[buffer.start]!;
    buffer.floor = dropped.message.seq!;
    buffer.start++;
    // Compact once the dropped prefix outweighs the rest, so dropping stays
    // O(1) on average and the array does not grow forever.
    if (buffer.start > 32 && buffer.start * 2 > buffer.items.length) {
      buffer.items = buffer.items.slice(buffer.start);
      buffer.start = 0;
    }
  }

  #trimAge(buffer: Topic, now: number): void {
    if (this.#maxAgeMs === Infinity) return;
    while (buffer.start < buffer.items.length && now - buffer.items[buffer.start]!.at > this.#maxAgeMs) {
      this.#dropOldest(buffer);
    }
  }

  /** Drops the least recently published topics that are over the cap or hold nothing any more. */
  #sweep(now: number): void {
    while (this.#topics.size > this.#maxTopics) {
      const [topic, buffer] = this.#topics.entries().next().value!;
      this.#forget(topic, buffer);
    }
    let checked = 0;
    for (const [topic, buffer] of this.#topics) {
      if (checked++ >= SWEEP_PER_PUBLISH) break;
      this.#trimAge(buffer, now);
      if (buffer.start === buffer.items.length) this.#forget(topic, buffer);
    }
  }

  #forget(topic: string, buffer: Topic): void {
    this.#topics.delete(topic);
    // A topic created from now on cannot replay what this one held.
    if (compareSeq(buffer.last, this.#forgottenBefore) > 0) this.#forgottenBefore = buffer.last;
  }

  #drain(): void {
    // One message at a time, in publish order, to the subscriptions that
    // existed when it was published; a listener that publishes adds to the
    // end of the queue rather than jumping ahead of messages still in it.
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const { message, number } = this.#queue[i]!;
        const set = this.#subscriptions.get(message.topic);
        if (!set) continue;
        for (const subscription of set) {
          if (!subscription.active || subscription.after >= number) continue;
          try {
            subscription.listener(message);
          } catch (error) {
            this.#report(error);
          }
        }
      }
    } finally {
      this.#queue = [];
      this.#draining = false;
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // An error handler that throws must not stop delivery either.
    }
  }

  #open(): void {
    if (this.#closed) throw new Error('the backplane is closed');
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function checkString(name: string, value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
}
