/**
 * @module
 * `weft/redis`: the backplane for several processes and machines. Groups,
 * channels and their replay buffers live in Redis (≥ 6.2; 7 recommended), so a
 * broadcast made in one process reaches the live components of every other.
 *
 * Each topic is a Redis Stream, `<prefix>stream:<topic>`, which gives the
 * sequence ids and a bounded replay buffer, and a pub/sub channel,
 * `<prefix>ch:<topic>`, which delivers each message as `<id>\n<data>`. One
 * script appends to the stream and publishes the id it got, atomically, so
 * every subscriber sees messages in id order with their ids. Subscribers also
 * listen on the bare channel `<topic>`, so another program's plain
 * `PUBLISH notifications_channel '<json>'` reaches them too (with no id).
 *
 * @example
 * import { createRedisBackplane } from 'weft/redis';
 * const backplane = createRedisBackplane({ url: process.env.REDIS_URL });
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { compareSeq, isSeq } from '../../backplane/compare.js';
import type {
  Backplane,
  BackplaneMessage,
  BackplaneOptions,
  Listener,
  Replay,
  Seq,
  SubscribeOptions,
  Unsubscribe,
} from '../../backplane/types.js';
import { quit } from './connection.js';

export interface RedisBackplaneOptions extends BackplaneOptions {
  /** Where Redis is (default: `REDIS_URL`, else `redis://127.0.0.1:6379`). Ignored when `redis` is given. */
  url?: string;
  /**
   * A connection to use for commands instead of opening one; the subscriber
   * connection is its `duplicate()`. It stays open after `close()`: it is yours.
   */
  redis?: Redis;
  /** Prefix of every key and channel Weft uses (default `'weft:'`). */
  prefix?: string;
  /**
   * A topic's stream is deleted when nothing has been published to it for this
   * long, so topics nobody uses any more do not stay in Redis forever
   * (default one day; 0 keeps them). A client away for longer gets a re-render.
   */
  streamTtlMs?: number;
  /**
   * Whether subscribers of a topic also get plain `PUBLISH <topic>` messages
   * from other programs. Default: every topic except live components' groups
   * (`group:…`) and sign-outs (`session:…`), whose messages run handlers or close sockets and so come only through
   * `broadcast()`. Pass a function to choose per topic.
   */
  plainChannels?: boolean | ((topic: string) => boolean);
}

const DEFAULT_BUFFER_SIZE = 1000;
const DEFAULT_STREAM_TTL_MS = 24 * 60 * 60 * 1000;
/** The position of a topic that has no stream (yet): before any id Redis issues. */
const ORIGIN: Seq = '0-0';

// XADD and PUBLISH in one script: the channel message must carry the id XADD
// assigns, which a MULTI transaction cannot pass from one command to the next.
// Redis runs a script atomically, so channel order is id order.
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'data', ARGV[3])
redis.call('PUBLISH', ARGV[2], id .. '\\n' .. ARGV[3])
local ttl = tonumber(ARGV[4])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return id
`;
const PUBLISH_SHA = createHash('sha1').update(PUBLISH_SCRIPT).digest('hex');

interface Subscription {
  listener: Listener;
  onGap: ((head: Seq) => void) | undefined;
  active: boolean;
}

interface TopicState {
  topic: string;
  channels: string[];
  subscriptions: Set<Subscription>;
  /** Resolves once Redis has confirmed the subscription. */
  ready: Promise<void>;
  /** Subscribe calls waiting for `ready`. */
  waiting: number;
  /** The topic's head just before subscribing: where catching up starts if nothing was delivered yet. */
  baseline: Seq | undefined;
  /** The id of the last message delivered, to drop one that arrives both live and by catching up. */
  last: Seq | undefined;
  /** Live messages held back while catching up after a reconnect. */
  held: BackplaneMessage[] | undefined;
  /** Increases with each catch-up, so an older one that finishes late gives way. */
  generation: number;
}

/** Creates a Redis backplane. Connections open at once for commands, and on the first `subscribe` for delivery. */
export function createRedisBackplane(options: RedisBackplaneOptions = {}): RedisBackplane {
  return new RedisBackplane(options);
}

export class RedisBackplane implements Backplane {
  readonly #redis: Redis;
  readonly #ownsRedis: boolean;
  readonly #prefix: string;
  readonly #bufferSize: number;
  readonly #streamTtlMs: number;
  readonly #plain: (topic: string) => boolean;
  readonly #onError: (error: unknown) => void;

  #subscriber: Redis | undefined;
  /** Set when the subscriber connection drops, cleared once it is subscribed again. */
  #subscriberDown = false;
  readonly #topics = new Map<string, TopicState>();
  /** Channel → topic and whether its messages carry an id. */
  readonly #channels = new Map<string, { topic: string; sequenced: boolean }>();
  #closed = false;

  constructor(options: RedisBackplaneOptions = {}) {
    this.#bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!Number.isSafeInteger(this.#bufferSize) || this.#bufferSize < 1) {
      throw new RangeError(`bufferSize must be a positive integer, got ${String(options.bufferSize)}`);
    }
    this.#streamTtlMs = options.streamTtlMs ?? DEFAULT_STREAM_TTL_MS;
    if (!Number.isSafeInteger(this.#streamTtlMs) || this.#streamTtlMs < 0) {
      throw new RangeError(`streamTtlMs must be a non-negative integer, got ${String(options.streamTtlMs)}`);
    }
    this.#prefix = options.prefix ?? 'weft:';
    const plain = options.plainChannels ?? ((topic: string) => !topic.startsWith('group:') && !topic.startsWith('session:'));
    this.#plain = typeof plain === 'function' ? plain : () => plain;
    this.#onError = options.onError ?? ((error) => console.error('weft redis backplane:', error));
    if (options.redis) {
      this.#redis = options.redis;
      this.#ownsRedis = false;
    } else {
      this.#redis = new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      this.#ownsRedis = true;
      this.#redis.on('error', (error: unknown) => this.#report(error));
    }
  }

  /** The stream key of a topic. */
  streamKey(topic: string): string {
    return `${this.#prefix}stream:${topic}`;
  }

  /** The pub/sub channel carrying a topic's sequenced messages. */
  channel(topic: string): string {
    return `${this.#prefix}ch:${topic}`;
  }

  async publish(topic: string, data: string): Promise<Seq> {
    this.#open();
    checkString('topic', topic);
    checkString('data', data);
    const args = [this.streamKey(topic), String(this.#bufferSize), this.channel(topic), data, String(this.#streamTtlMs)];
    let id: unknown;
    try {
      id = await this.#redis.evalsha(PUBLISH_SHA, 1, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      id = await this.#redis.eval(PUBLISH_SCRIPT, 1, ...args);
    }
    return String(id);
  }

  async subscribe(topic: string, listener: Listener, options: SubscribeOptions = {}): Promise<Unsubscribe> {
    this.#open();
    checkString('topic', topic);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const state = this.#topics.get(topic) ?? this.#startTopic(topic);
    // Counted while waiting, so that the topic's last subscriber leaving
    // meanwhile does not unsubscribe it from under this one.
    state.waiting++;
    try {
      await state.ready;
    } catch (error) {
      state.waiting--;
      if (this.#topics.get(topic) === state && state.subscriptions.size === 0 && state.waiting === 0) this.#dropTopic(state);
      throw error;
    }
    state.waiting--;
    this.#open();
    const subscription: Subscription = { listener, onGap: options.onGap, active: true };
    state.subscriptions.add(subscription);
    const owner = state;
    return async () => {
      if (!subscription.active) return;
      subscription.active = false;
      owner.subscriptions.delete(subscription);
      if (owner.subscriptions.size > 0 || owner.waiting > 0 || this.#topics.get(topic) !== owner) return;
      this.#dropTopic(owner);
      if (this.#closed || !this.#subscriber) return;
      try {
        await this.#subscriber.unsubscribe(...owner.channels);
      } catch (error) {
        // The connection is gone; it will not resubscribe to a dropped topic.
        if (!this.#closed) this.#report(error);
      }
    };
  }

  async replay(topic: string, since: Seq): Promise<Replay> {
    this.#open();
    checkString('topic', topic);
    if (!isSeq(since)) return { ok: false, head: await this.head(topic) };
    const key = this.streamKey(topic);
    // One transaction, so the stream's bounds and its entries agree.
    const results = (await this.#redis.multi().xinfo('STREAM', key).xrange(key, `(${since}`, '+').exec()) ?? [];
    const [infoError, infoReply] = results[0] ?? [new Error('no reply')];
    if (infoError) {
      if (/no such key/i.test(infoError.message)) {
        return since === ORIGIN ? { ok: true, messages: [] } : { ok: false, head: ORIGIN };
      }
      throw infoError;
    }
    const info = fields(infoReply);
    const last = String(info['last-generated-id']);
    const length = Number(info['length']);
    const first = Array.isArray(info['first-entry']) ? String(info['first-entry'][0]) : undefined;
    const maxDeleted = info['max-deleted-entry-id'];
    const added = info['entries-added'];
    // Redis 7 counts every entry ever added, so a trimmed stream shows; before
    // 7, a stream shorter than the buffer cannot have been trimmed.
    const trimmed = added !== undefined ? Number(added) > length : length >= this.#bufferSize;
    if (
      compareSeq(since, last) > 0 ||
      (typeof maxDeleted === 'string' && compareSeq(since, maxDeleted) < 0) ||
      (trimmed && compareSeq(since, first ?? last) < 0)
    ) {
      return { ok: false, head: last };
    }
    const [rangeError, entries] = results[1] ?? [new Error('no reply')];
    if (rangeError) throw rangeError;
    return { ok: true, messages: (entries as [string, string[]][]).map((entry) => this.#entry(topic, entry)) };
  }

  async head(topic: string): Promise<Seq> {
    this.#open();
    checkString('topic', topic);
    const entries = await this.#redis.xrevrange(this.streamKey(topic), '+', '-', 'COUNT', 1);
    return entries[0]?.[0] ?? ORIGIN;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#topics.clear();
    this.#channels.clear();
    const connections = [this.#subscriber, this.#ownsRedis ? this.#redis : undefined];
    await Promise.all(connections.map((connection) => (connection ? quit(connection) : undefined)));
  }

  #startTopic(topic: string): TopicState {
    const channels = [this.channel(topic)];
    this.#channels.set(this.channel(topic), { topic, sequenced: true });
    if (this.#plain(topic)) {
      channels.push(topic);
      this.#channels.set(topic, { topic, sequenced: false });
    }
    const state: TopicState = {
      topic,
      channels,
      subscriptions: new Set(),
      ready: Promise.resolve(),
      waiting: 0,
      baseline: undefined,
      last: undefined,
      held: undefined,
      generation: 0,
    };
    this.#topics.set(topic, state);
    const subscriber = this.#connectSubscriber();
    state.ready = (async () => {
      // The head is read before subscribing: catching up after a reconnect
      // then starts no later than the first message this subscription can get.
      state.baseline = await this.head(topic);
      await subscriber.subscribe(...channels);
    })();
    return state;
  }

  #dropTopic(state: TopicState): void {
    this.#topics.delete(state.topic);
    for (const channel of state.channels) {
      if (this.#channels.get(channel)?.topic === state.topic) this.#channels.delete(channel);
    }
  }

  #connectSubscriber(): Redis {
    if (this.#subscriber) return this.#subscriber;
    // Resubscribing is done here rather than by ioredis, so that catching up
    // starts only once Redis has confirmed the subscriptions.
    const subscriber = this.#redis.duplicate({ autoResubscribe: false, lazyConnect: false });
    this.#subscriber = subscriber;
    subscriber.on('error', (error: unknown) => this.#report(error));
    subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    subscriber.on('close', () => {
      if (this.#closed) return;
      this.#subscriberDown = true;
      for (const state of this.#topics.values()) state.held ??= [];
    });
    subscriber.on('ready', () => {
      if (this.#closed || !this.#subscriberDown) return;
      this.#subscriberDown = false;
      void this.#resubscribe(subscriber);
    });
    return subscriber;
  }

  async #resubscribe(subscriber: Redis): Promise<void> {
    const channels = [...this.#channels.keys()];
    try {
      if (channels.length > 0) await subscriber.subscribe(...channels);
    } catch (error) {
      // The connection dropped again; the next 'ready' starts over.
      if (!this.#closed) this.#report(error);
      return;
    }
    await Promise.all([...this.#topics.values()].map((state) => this.#catchUp(state)));
  }

  /** Delivers what was published to a topic while the subscriber was disconnected. */
  async #catchUp(state: TopicState): Promise<void> {
    const generation = ++state.generation;
    state.held ??= [];
    const from = state.last ?? state.baseline;
    let replay: Replay | undefined;
    if (from !== undefined) {
      try {
        replay = await this.replay(state.topic, from);
      } catch (error) {
        if (!this.#closed) this.#report(error);
      }
    }
    if (this.#closed || state.generation !== generation || this.#topics.get(state.topic) !== state) return;
    if (replay?.ok) {
      for (const message of replay.messages) this.#deliver(state, message);
    } else {
      const head = replay?.head ?? from ?? ORIGIN;
      state.last = undefined;
      for (const subscription of state.subscriptions) {
        if (!subscription.active || !subscription.onGap) continue;
        try {
          subscription.onGap(head);
        } catch (error) {
          this.#report(error);
        }
      }
    }
    const held = state.held ?? [];
    state.held = undefined;
    for (const message of held) this.#deliver(state, message);
  }

  #onMessage(channel: string, raw: string): void {
    const route = this.#channels.get(channel);
    if (!route) return;
    const state = this.#topics.get(route.topic);
    if (!state) return;
    let message: BackplaneMessage;
    if (route.sequenced) {
      const newline = raw.indexOf('\n');
      const seq = newline < 0 ? '' : raw.slice(0, newline);
      if (!isSeq(seq)) {
        this.#report(new Error(`weft redis backplane: ignored a malformed message on ${channel}`));
        return;
      }
      message = Object.freeze({ topic: route.topic, seq, data: raw.slice(newline + 1) });
    } else {
      message = Object.freeze({ topic: route.topic, seq: undefined, data: raw });
    }
    if (state.held) state.held.push(message);
    else this.#deliver(state, message);
  }

  #deliver(state: TopicState, message: BackplaneMessage): void {
    if (message.seq !== undefined) {
      if (state.last !== undefined && compareSeq(message.seq, state.last) <= 0) return;
      state.last = message.seq;
    }
    for (const subscription of state.subscriptions) {
      if (!subscription.active) continue;
      try {
        subscription.listener(message);
      } catch (error) {
        this.#report(error);
      }
    }
  }

  #entry(topic: string, [seq, values]: [string, string[]]): BackplaneMessage {
    let data = '';
    for (let i = 0; i + 1 < values.length; i += 2) {
      if (values[i] === 'data') data = values[i + 1]!;
    }
    return Object.freeze({ topic, seq, data });
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // An error handler that throws must not stop delivery.
    }
  }

  #open(): void {
    if (this.#closed) throw new Error('the backplane is closed');
  }
}

/** XINFO's flat `[name, value, …]` reply as an object. */
function fields(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  }
  return out;
}


function checkString(name: string, value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
}
export { createRedisRateLimitStore, type RedisRateLimitStoreOptions } from './rate-limit.js';
export { createRedisCacheStore, type RedisCacheStoreOptions } from './cache.js';
