/**
 * @module
 * A Server-Sent Events test client for streamed components (`weft.stream()`):
 * open a stream, then await the events it sends.
 *
 * @example
 * const stream = await StreamTestClient.open(`${base}/notification/`);
 * await weft.publish('notifications_channel', JSON.stringify({ title: 'Hi', message: '…' }));
 * const event = await stream.next((e) => e.event === 'notification');
 * assert.match(event.data, /Hi/);
 * stream.close();
 */

/** One event as the stream sent it, with the moment it arrived. */
export interface StreamEvent {
  id?: string;
  event?: string;
  data: string;
  /** `Date.now()` when its bytes arrived. */
  at: number;
}

export class StreamTestClient {
  /** Every event received, in order (comment lines and `retry:` are not events). */
  readonly events: StreamEvent[] = [];
  /** The stream's HTTP response (status, headers). */
  response!: Response;
  readonly #controller = new AbortController();
  #waiters: (() => void)[] = [];
  #cursor = 0;
  #buffer = '';

  /** Opens a stream; `headers` may carry `last-event-id` to resume. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<StreamTestClient> {
    const client = new StreamTestClient();
    client.response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.#controller.signal });
    void client.#pump();
    return client;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        const at = Date.now();
        this.#buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
          const block = this.#buffer.slice(0, end);
          this.#buffer = this.#buffer.slice(end + 2);
          const event: StreamEvent = { data: '', at };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (event.event === undefined) continue;
          event.data = data.join('\n');
          this.events.push(event);
        }
        for (const wake of this.#waiters.splice(0)) wake();
      }
    } catch {
      // Closed by close().
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** The next event (after those already taken) that matches, waiting up to `timeoutMs`. */
  async next(match: (event: StreamEvent) => boolean = () => true, timeoutMs = 3000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.events.length) {
        const event = this.events[this.#cursor++] as StreamEvent;
        if (match(event)) return event;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` events have arrived in all. */
  async waitFor(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${this.events.length} events, wanted ${count}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ends the stream, as a browser leaving the page does. */
  close(): void {
    this.#controller.abort();
  }
}
