// Temporary stand-in; replaced by the real engine.
import type { Backplane, BackplaneMessage, Listener, Replay, Seq, Unsubscribe } from './types.js';

export class MemoryBackplane implements Backplane {
  #n = 0;
  #listeners = new Map<string, Set<Listener>>();
  #log = new Map<string, BackplaneMessage[]>();
  #trimmed = new Map<string, number>();
  async publish(topic: string, data: string): Promise<Seq> {
    const seq = `0-${++this.#n}`;
    const msg = { topic, seq, data };
    const log = this.#log.get(topic) ?? [];
    log.push(msg);
    if (log.length > 100) this.#trimmed.set(topic, Number(log.shift()!.seq!.split('-')[1]));
    this.#log.set(topic, log);
    for (const l of this.#listeners.get(topic) ?? []) l(msg);
    return seq;
  }
  async subscribe(topic: string, listener: Listener): Promise<Unsubscribe> {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return async () => {
      set.delete(listener);
    };
  }
  async replay(topic: string, since: Seq): Promise<Replay> {
    const log = this.#log.get(topic) ?? [];
    const n = Number(since.split('-')[1]);
    if ((this.#trimmed.get(topic) ?? 0) > n) return { ok: false, head: log.at(-1)?.seq };
    return { ok: true, messages: log.filter((m) => Number(m.seq!.split('-')[1]) > n) };
  }
  async head(topic: string): Promise<Seq | undefined> {
    return this.#log.get(topic)?.at(-1)?.seq;
  }
  async close(): Promise<void> {}
}
