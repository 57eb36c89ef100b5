/**
 * @module
 * Joining a topic where a render left off, without a gap and without
 * duplicates: subscribe first, then replay what was published after the
 * render's id, and hold live messages back until the replay has been handed
 * over. A message that arrives both ways is delivered once.
 *
 * Subscribing after replaying would lose whatever is published in between
 * (the render→subscribe race); replaying without holding live messages back
 * would deliver them out of order.
 */
import { compareSeq, isSeq } from './compare.js';
import type { Backplane, BackplaneMessage, Listener, Seq, Unsubscribe } from './types.js';

export interface FollowOptions {
  /**
   * Called when what was missed cannot be replayed: at the start if `since` is
   * past the buffer (or not a valid id), and later if the engine reports a gap
   * in live delivery. Resync (re-render from state) and treat `head` as the
   * position reached; delivery of newer messages goes on.
   */
  onGap?: (head: Seq) => void;
  /**
   * Where an error thrown by `listener` for a replayed message goes (default
   * `console.error`); the following messages are still delivered. Live
   * messages are reported by the engine's own `onError`.
   */
  onError?: (error: unknown) => void;
}

export interface Following {
  unsubscribe: Unsubscribe;
  /** Whether the start was a gap (`onGap` was called before any message was delivered). */
  gap: boolean;
}

/**
 * Delivers to `listener` every message on `topic` after `since`, then every
 * new one, each once and in order. Resolves after the replayed messages have
 * been delivered; a message the listener receives is always newer than the
 * previous one (plain-channel messages, which have no id, pass straight through).
 */
export async function follow(
  backplane: Backplane,
  topic: string,
  since: Seq,
  listener: Listener,
  options: FollowOptions = {},
): Promise<Following> {
  let position: Seq | undefined = isSeq(since) ? since : undefined;
  let held: BackplaneMessage[] | undefined = [];

  const deliver = (message: BackplaneMessage): void => {
    if (message.seq !== undefined) {
      if (position !== undefined && compareSeq(message.seq, position) <= 0) return;
      position = message.seq;
    }
    listener(message);
  };
  const deliverReplayed = (message: BackplaneMessage): void => {
    try {
      deliver(message);
    } catch (error) {
      (options.onError ?? ((e: unknown) => console.error('weft backplane: a listener failed', e)))(error);
    }
  };

  const unsubscribe = await backplane.subscribe(topic, (message) => (held ? held.push(message) : deliver(message)), {
    onGap: (head) => {
      // What arrives next was not missed, whatever its id: do not filter it.
      position = undefined;
      options.onGap?.(head);
    },
  });

  let gap = false;
  try {
    const replay = await backplane.replay(topic, since);
    if (replay.ok) {
      for (const message of replay.messages) deliverReplayed(message);
    } else {
      gap = true;
      position = undefined;
      options.onGap?.(replay.head);
    }
  } catch (error) {
    await unsubscribe();
    throw error;
  }
  // Live messages that arrived meanwhile come next. After a gap they are
  // still delivered: they arrived after subscribing, so they were not missed.
  const pending = held;
  held = undefined;
  for (const message of pending) deliverReplayed(message);
  return { unsubscribe, gap };
}
