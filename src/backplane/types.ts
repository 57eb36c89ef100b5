/**
 * @module
 * The publish/subscribe layer that live components stand on: groups of
 * components and SSE streams are topics, and every message published to a topic
 * gets a sequence id that is monotonic per topic across every process sharing
 * the backplane. A reconnecting client says which id it last saw and gets what
 * it missed (`replay`), so pushes are not lost between a page's render and its
 * subscription, or across a dropped connection.
 *
 * Two engines implement it: {@link MemoryBackplane} (one process, the default)
 * and the Redis one in `weft/redis` (several processes and machines).
 */

/** A sequence id: opaque text, ordered by {@link compareSeq}. */
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

/** What {@link Backplane.replay} answers. */
export type Replay =
  /** Every message after the given id, oldest first (possibly none). */
  | { ok: true; messages: BackplaneMessage[] }
  /** The buffer no longer reaches back to the given id: the caller must resync another way. */
  | { ok: false; head: Seq | undefined };

export interface Backplane {
  /** Publishes `data` on `topic`; resolves with the sequence id it was given. */
  publish(topic: string, data: string): Promise<Seq>;
  /**
   * Calls `listener` for every message on `topic` from now on, in sequence
   * order, until the returned function is called. Resolves once the
   * subscription is live, so a publish made after it resolves is delivered.
   */
  subscribe(topic: string, listener: Listener): Promise<Unsubscribe>;
  /** Messages on `topic` after `since` (exclusive), from the bounded buffer. */
  replay(topic: string, since: Seq): Promise<Replay>;
  /** The id of the last message on `topic`, or `undefined` if none is buffered. */
  head(topic: string): Promise<Seq | undefined>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
