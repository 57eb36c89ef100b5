/**
 * @module
 * One process's fan-out: however many sockets and streams listen to a topic,
 * the process holds one backplane subscription for it and hands each message to
 * every local member. Topics nobody listens to any more are unsubscribed.
 */
import type { Backplane, BackplaneMessage, Unsubscribe } from './types.js';

/**
 * A local listener. `gap` is true when the backplane lost messages it cannot
 * replay (its connection was down too long); `message.seq` is then the head
 * to continue from, and the member should resync (re-render) instead.
 */
export type Member = (message: BackplaneMessage, gap: boolean) => void;

interface Topic {
  members: Set<Member>;
  /** Resolves once the backplane subscription is live. */
  ready: Promise<Unsubscribe>;
}

export class Hub {
  readonly backplane: Backplane;
  readonly #topics = new Map<string, Topic>();
  readonly #onError: (err: unknown) => void;

  constructor(backplane: Backplane, onError: (err: unknown) => void = (err) => console.error('Weft: hub member threw', err)) {
    this.backplane = backplane;
    this.#onError = onError;
  }

  /** Members currently listening to `topic` in this process. */
  size(topic: string): number {
    return this.#topics.get(topic)?.members.size ?? 0;
  }

  /**
   * Adds `member` to `topic`; resolves, once messages published from now on will
   * reach it, with the function that removes it again.
   */
  async join(topic: string, member: Member): Promise<() => void> {
    let entry = this.#topics.get(topic);
    if (!entry) {
      const members = new Set<Member>();
      const each = (message: BackplaneMessage, gap: boolean): void => {
        for (const m of members) {
          try {
            m(message, gap);
          } catch (err) {
            this.#onError(err);
          }
        }
      };
      const ready = this.backplane.subscribe(topic, (message) => each(message, false), {
        onGap: (head) => each({ topic, seq: head, data: '' }, true),
      });
      entry = { members, ready };
      this.#topics.set(topic, entry);
      ready.catch(() => {
        if (this.#topics.get(topic) === entry) this.#topics.delete(topic);
      });
    }
    entry.members.add(member);
    const joined = entry;
    try {
      await joined.ready;
    } catch (err) {
      joined.members.delete(member);
      throw err;
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.members.delete(member);
      if (joined.members.size === 0 && this.#topics.get(topic) === joined) {
        this.#topics.delete(topic);
        void joined.ready.then((unsubscribe) => unsubscribe()).catch(this.#onError);
      }
    };
  }
}
