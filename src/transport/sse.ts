/**
 * @module
 * Weft's Server-Sent Events door: a component served as an event stream that
 * renders each message published on a channel (`weft.stream(path, Type)`).
 * It speaks plain SSE, so htmx's own SSE extension works with it
 * (`hx-ext="sse" sse-connect="/notification/" sse-swap="notification"`), as does
 * any `EventSource`.
 *
 * - Every message carries `id:` (its backplane id), so a browser that
 *   reconnects sends `Last-Event-ID` and gets exactly what it missed, from the
 *   backplane's buffer; past the buffer it simply continues.
 * - A comment line every `heartbeatMs` keeps proxies from closing an idle
 *   stream and lets the server notice a client that went away.
 * - When the client goes away the subscription ends: nothing leaks.
 */
import type { Weft } from '../app.js';
import type { ComponentClass, ComponentContext } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import { type AnyComponent, mountNew, renderInstance } from '../core/lifecycle.js';
import { isSeq } from '../backplane/compare.js';
import { follow } from '../backplane/follow.js';
import type { BackplaneMessage } from '../backplane/types.js';
import { checkStreamClass, type Receiver } from '../core/live.js';

/** A response body written over time: `start` begins it and returns how to stop it. */
export interface EventStream {
  start(write: (chunk: string) => void, end: () => void): () => void;
}

export function isEventStream(body: unknown): body is EventStream {
  return typeof body === 'object' && body !== null && typeof (body as EventStream).start === 'function';
}

/** SSE `data:` lines: one per line of the text, so newlines survive. */
export function sseMessage(id: string | undefined, event: string, data: string): string {
  // One native replace: a render full of line ends costs no more than copying it.
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`;
}

export interface StreamOptions {
  /** Comment line interval. Default 15 000 ms. */
  heartbeatMs?: number;
}

/**
 * Opens a stream for one client: mounts the component, follows its channel
 * from `lastEventId` (or from now), and renders each message into an SSE event.
 */
export async function openStream(
  weft: Weft,
  type: ComponentClass,
  name: string,
  params: object,
  context: ComponentContext,
  lastEventId: string | undefined,
  options: StreamOptions = {},
): Promise<EventStream> {
  const spec = checkStreamClass(type as unknown as Parameters<typeof checkStreamClass>[0], name);
  const event = spec.event ?? 'message';
  // The same policies as every other door: refused here, the stream never opens.
  const stage = { door: 'stream' as const, name, type, context };
  await weft.policies.request(stage);
  const instance: AnyComponent = await mountNew(weft, type, name, params, context);
  await weft.policies.component({ ...stage, instance });
  const since = lastEventId !== undefined && isSeq(lastEventId) ? lastEventId : await weft.backplane.head(spec.channel);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  return {
    start(write, end) {
      let stopped = false;
      let last = since;
      let chain = Promise.resolve();
      let unsubscribe: (() => Promise<void>) | undefined;
      const onMessage = (message: BackplaneMessage): void => {
        chain = chain.then(async () => {
          if (stopped) return;
          try {
            // A permission that no longer holds (the user's role was taken away, say) ends the stream.
            await weft.policies.request(stage);
            await weft.policies.component({ ...stage, instance });
          } catch (err) {
            const e = err instanceof WeftError ? err : weft.userError(err, 'handler_error', `a permission of ${name}`);
            write(sseMessage(last, 'weft:error', JSON.stringify(e.toJSON())));
            stop();
            end();
            return;
          }
          try {
            if ((await (instance as unknown as Receiver).receive(message.data)) === false) return;
            const { html } = await renderInstance(weft, instance);
            // Another program's message has no id of its own: repeat the last one,
            // so a reconnect still resumes from Weft's own messages.
            if (message.seq !== undefined) last = message.seq;
            write(sseMessage(last, event, html));
          } catch (err) {
            const e = err instanceof WeftError ? err : weft.userError(err, 'handler_error', `${name}.receive()`);
            write(sseMessage(last, 'weft:error', JSON.stringify(e.toJSON())));
          }
        });
      };
      // Tells EventSource how soon to come back, with some spread between clients.
      write(`retry: ${1000 + Math.floor(Math.random() * 2000)}\n\n`);
      void follow(weft.backplane, spec.channel, since, onMessage).then(
        (following) => {
          if (stopped) void following.unsubscribe();
          else unsubscribe = following.unsubscribe;
        },
        (err) => {
          weft.logger.error(`Weft: could not follow channel "${spec.channel}"`, err);
          stop();
          end();
        },
      );
      const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
      heartbeat.unref();
      const stop = (): void => {
        if (stopped) return;
        stopped = true;
        clearInterval(heartbeat);
        void unsubscribe?.();
      };
      return stop;
    },
  };
}
