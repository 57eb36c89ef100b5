/**
 * @module
 * The publish/subscribe layer that live components stand on: groups of
 * components and SSE streams are topics, and every message published to a topic
 * gets a sequence id that is monotonic per topic across every process sharing
 * the backplane. A reconnecting client says which id it last saw and gets what
 * it missed (`replay`), so pushes are not lost between a page's render and its
 * subscription, or across a dropped connection.
 *
 * Two engines implement it: `MemoryBackplane` (one process, the default)
 * and the Redis one in `weft/redis` (several processes and machines).
 * Ids are ordered with `compareSeq` (`./compare.ts`).
 */

/** A sequence id, `<ms>-<n>` like a Redis Stream id: ordered by `compareSeq`. */
export type Seq = string;

export interface BackplaneMessage {
  topic: string;
  /**
   * The message's sequence id, or `undefined` for a message another program
   * published to the topic's plain channel (a bare Redis `PUBLISH`): those have
   * no place in the replay buffer.
   */
  seq: Seq | undefined;
  data: string;
}

export type Listener = (message: BackplaneMessage) => void;

/** Stops a subscription. Safe to call twice. */
export type Unsubscribe = () => Promise<void>;

export interface SubscribeOptions {
  /**
   * Called when messages on the topic may have been missed after the
   * subscription started and cannot be replayed (the connection to Redis was
   * down longer than the buffer reaches). The subscriber should resync another
   * way — re-render from state — and treat `head` as what it now reflects.
   * Delivery goes on afterwards. The in-memory engine never misses messages.
   */
  onGap?: (head: Seq) => void;
}

/** What {@link Backplane.replay} answers. */
export type Replay =
  /** Every message after the given id, oldest first (possibly none). */
  | { ok: true; messages: BackplaneMessage[] }
  /**
   * The buffer no longer reaches back to the given id (or the id is malformed
   * or unknown here): the caller must resync another way, after which `head`
   * is the position it reflects.
   */
  | { ok: false; head: Seq };

export interface Backplane {
  /** Publishes `data` on `topic`; resolves with the sequence id it was given. */
  publish(topic: string, data: string): Promise<Seq>;
  /**
   * Calls `listener` for every message on `topic` from now on, in sequence
   * order, until the returned function is called. Resolves once the
   * subscription is live, so a publish made after it resolves is delivered.
   * Listeners are called asynchronously (never inside `publish`), one message
   * at a time; one that throws is reported to the engine's `onError` and does
   * not stop the others.
   */
  subscribe(topic: string, listener: Listener, options?: SubscribeOptions): Promise<Unsubscribe>;
  /**
   * Messages on `topic` after `since` (exclusive), from the bounded buffer.
   * `{ ok: false }` when some message after `since` is no longer buffered, or
   * `since` is not an id this backplane can place (malformed, or ahead of the
   * topic's head).
   */
  replay(topic: string, since: Seq): Promise<Replay>;
  /**
   * The topic's current position: the id of its last message, or, when none is
   * buffered, an id that still works as a starting point. Record it with a
   * render; `replay(topic, head)` later returns exactly what was published
   * after this call.
   */
  head(topic: string): Promise<Seq>;
  /** Releases connections and timers. Safe to call twice; publishing afterwards rejects. */
  close(): Promise<void>;
}

/** Options every engine takes. */
export interface BackplaneOptions {
  /** Messages kept per topic for `replay` (default 1000). */
  bufferSize?: number;
  /** Where errors thrown by listeners (and connection errors) go. Default: `console.error`. */
  onError?: (error: unknown) => void;
}
