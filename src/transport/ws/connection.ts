/**
 * @module
 * One browser page's socket: the live roots it joined, each held on the server
 * with its latest state while the socket is open, their group subscriptions,
 * and a bounded send buffer. Every root's work (its own events, group messages,
 * the replay at join) runs in order on one chain per root.
 */
import type { WebSocket } from 'ws';
import type { Weft } from '../../app.js';
import type { ComponentClass, ComponentContext } from '../../core/component.js';
import { lookup, openBlob, rebuild, runEvent, updatedState } from '../../core/dispatch.js';
import { WeftError } from '../../core/errors.js';
import { getSeqs, type GroupMessage, groupTopic, setSeqs } from '../../core/live.js';
import { decodedMessage, release, retain, sharedOutcome, type SharedOutcome, shareKey } from './shared-work.js';
import { isPreFramed, preFrame, type PreFramed, sendPreFramed } from './frame-once.js';
import { type AnyComponent, renderInstance } from '../../core/lifecycle.js';
import { assetTags } from '../../core/asset-tags.js';
import type { AssetRef } from '../../core/assets.js';
import { MAX_LISTED_ASSETS } from '../component-assets.js';
import { compareSeq } from '../../backplane/compare.js';
import type { BackplaneMessage } from '../../backplane/types.js';
import { TurnQueue } from './turns.js';
import { type ListenerEntry, type PageEvent, takeEmits, triggerOf } from '../../core/emit.js';
import { listenerCalls, listensToAny, runListener } from '../../core/listen.js';
import { CLOSE, type EventFrame, errorFrame, joinedFrame, type JoinFrame, parseClientFrame, PONG, renderFrame } from '../../protocol/frames.js';

export interface LiveLimits {
  /** Roots one socket may join. Default 100. */
  maxRoots: number;
  /** Messages a socket may send per second before they are refused. Default 50. */
  messagesPerSecond: number;
  /** Bytes queued for a slow socket before intermediate renders are dropped. Default 1 MiB. */
  maxBufferedBytes: number;
}

interface LiveRoot {
  id: string;
  name: string;
  type: ComponentClass;
  instance: AnyComponent;
  /** The last render's writable fields. */
  bound: readonly string[];
  /** Removes this root from each group it listens to. */
  leaves: Map<string, () => void>;
  /** The root's work, in order. */
  chain: Promise<void>;
  gone: boolean;
  /**
   * Set when the root's state last came from a shared group outcome and has not
   * changed since: every root with the same token holds the same component, so
   * the token stands for the share key (shared-work.ts) without serialising it.
   */
  shareToken?: string | undefined;
}

/** Group messages for every root of every socket in this process start here, a slice per turn. */
const groupWork = new TurnQueue();

const NO_ASSETS: readonly AssetRef[] = [];

/** Numbers each shared outcome, for its roots' share token. */
let outcomeCount = 0;


export class LiveConnection {
  readonly #weft: Weft;
  readonly #ws: WebSocket;
  readonly #context: Omit<ComponentContext, 'kept'>;
  readonly #limits: LiveLimits;
  readonly #roots = new Map<string, LiveRoot>();
  /** Latest undelivered render per root while the socket is over its buffer; made when first needed (most sockets never fall behind). */
  #pending: Map<string, string | PreFramed> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #windowStart = 0;
  #windowCount = 0;
  #closed = false;
  /** Hashes of the component assets the page has: what it listed, and what this socket sent it. */
  #assets: Set<string> | undefined;

  constructor(weft: Weft, ws: WebSocket, context: Omit<ComponentContext, 'kept'>, limits: LiveLimits) {
    this.#weft = weft;
    this.#ws = ws;
    this.#context = context;
    this.#limits = limits;
  }

  get rootCount(): number {
    return this.#roots.size;
  }

  /** Handles one text message from the browser. Never throws. */
  receive(text: string): void {
    const now = Date.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    if (++this.#windowCount > this.#limits.messagesPerSecond) {
      const retryAfter = 1;
      this.#send(this.#errorFrame(new WeftError(429, 'throttled', `more than ${this.#limits.messagesPerSecond} messages per second; retry in ${retryAfter}s`, { retryAfter })));
      return;
    }
    let frame;
    try {
      frame = parseClientFrame(text, this.#weft.limits.maxDepth, this.#weft.limits.maxEvents);
    } catch (err) {
      this.#send(this.#errorFrame(toWeftError(this.#weft, err)));
      return;
    }
    switch (frame.t) {
      case 'ping':
        this.#send(PONG);
        return;
      case 'leave':
        this.#leave(frame.id);
        return;
      case 'join':
        this.#join(frame);
        return;
      case 'event': {
        const root = this.#roots.get(frame.id);
        if (!root) {
          this.#send(this.#errorFrame(new WeftError(409, 'not_joined', `root ${JSON.stringify(frame.id)} has not joined this socket`), frame.id, frame.ref));
          return;
        }
        this.#enqueue(root, () => this.#event(root, frame), () =>
          this.#send(this.#errorFrame(new WeftError(409, 'not_joined', `root ${JSON.stringify(frame.id)} is not joined to this socket`), frame.id, frame.ref)),
        );
      }
    }
  }

  #errorFrame(err: WeftError, id?: string, ref?: number, join = false): string {
    return errorFrame(err, id, ref, join, this.#weft.loginUrl);
  }

  /** Leaves every group; called when the socket closes. */
  close(): void {
    this.#closed = true;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    for (const id of [...this.#roots.keys()]) this.#leave(id);
  }

  #leave(id: string): void {
    const root = this.#roots.get(id);
    if (!root) return;
    root.gone = true;
    for (const leave of root.leaves.values()) leave();
    root.leaves.clear();
    this.#roots.delete(id);
    this.#pending?.delete(id);
  }

  /** Queues `work` on the root's chain; `orElse` runs instead if the root has left by then. */
  #enqueue(root: LiveRoot, work: () => Promise<void>, orElse?: () => void): void {
    root.chain = root.chain.then(() => (root.gone || this.#closed ? orElse?.() : work())).catch((err) => {
      this.#weft.logger.error('Weft: live root work failed', err);
    });
  }

  /**
   * Takes the root at once, so events sent right behind the join wait on its
   * chain instead of finding no root; the rebuild is the chain's first step.
   */
  #join(frame: JoinFrame): void {
    this.#noteAssets(frame.assets);
    if (!this.#roots.has(frame.id) && this.#roots.size >= this.#limits.maxRoots) {
      const err = new WeftError(400, 'too_many_roots', `a socket may join at most ${this.#limits.maxRoots} roots`, { limit: this.#limits.maxRoots });
      this.#send(this.#errorFrame(err, frame.id, undefined, true));
      return;
    }
    this.#leave(frame.id);
    const root: LiveRoot = {
      id: frame.id,
      name: frame.name,
      type: undefined as unknown as ComponentClass,
      instance: undefined as unknown as AnyComponent,
      bound: [],
      leaves: new Map(),
      chain: Promise.resolve(),
      gone: false,
    };
    this.#roots.set(frame.id, root);
    this.#enqueue(root, async () => {
      try {
        root.type = lookup(this.#weft.registry, frame.name);
        // Joining is opening the component again: the same permissions as its view.
        const stage = { door: 'join' as const, name: frame.name, type: root.type, context: this.#context };
        await this.#weft.policies.request(stage);
        const envelope = openBlob(this.#weft, frame.name, frame.state, this.#context.user);
        if (envelope.id !== frame.id) {
          throw new WeftError(400, 'state_component', `state was issued to root "${envelope.id}", not "${frame.id}"`);
        }
        root.bound = envelope.bound;
        root.instance = await rebuild(this.#weft, root.type, envelope, {}, { ...this.#context });
        await this.#weft.policies.component({ ...stage, instance: root.instance });
      } catch (err) {
        this.#leave(frame.id);
        this.#send(this.#errorFrame(toWeftError(this.#weft, err), frame.id, undefined, true));
        return;
      }
      // Subscribe first, then replay: a message published in between is both
      // delivered and replayed, and the message id drops the second copy.
      const groups = Object.keys(getSeqs(root.instance));
      await this.#subscribe(root, groups);
      let changed = false;
      for (const group of groups) {
        const since = getSeqs(root.instance)[group] as string;
        const replay = await this.#weft.backplane.replay(groupTopic(group), since);
        if (replay.ok) {
          for (const message of replay.messages) if (await this.#apply(root, group, message)) changed = true;
        } else {
          // Past the buffer: what was missed cannot be replayed, so the page gets
          // a render from the state it holds, marked as up to date.
          getSeqs(root.instance)[group] = replay.head;
          changed = true;
        }
      }
      this.#send(joinedFrame(root.id));
      if (changed) await this.#render(root);
    });
  }

  async #subscribe(root: LiveRoot, groups: readonly string[]): Promise<void> {
    // The usual case after a push: the same groups as before, nothing to join or leave.
    if (groups.length === root.leaves.size && groups.every((g) => root.leaves.has(g))) return;
    for (const group of groups) {
      if (root.leaves.has(group)) continue;
      const leave = await this.#weft.hub.join(groupTopic(group), (message, gap) => {
        // Counted now, while the hub hands the message to every member, so its
        // shared outcome lives until the last of them is done (shared-work.ts).
        retain(message);
        groupWork.start(() =>
          this.#enqueue(root, async () => {
            try {
              await this.#onGroupMessage(root, group, message, gap);
            } finally {
              release(message);
            }
          }, () => release(message)),
        );
      });
      if (root.gone) leave();
      else root.leaves.set(group, leave);
    }
    for (const [group, leave] of root.leaves) {
      if (!groups.includes(group)) {
        leave();
        root.leaves.delete(group);
      }
    }
  }

  /** One group message on a live root: a resync after lost messages, or the message itself. */
  async #onGroupMessage(root: LiveRoot, group: string, message: BackplaneMessage, gap: boolean): Promise<void> {
    if (gap) {
      // Messages were lost for good: show the state the server holds, marked as
      // caught up — if the root may still receive pushes at all.
      if (!(await this.#stillAllowed(root, []))) return;
      root.shareToken = undefined;
      if (message.seq !== undefined) getSeqs(root.instance)[group] = message.seq;
      await this.#render(root);
      return;
    }
    const call = await this.#accept(root, group, message);
    if (call) await this.#applyShared(root, message, call);
  }

  /** Applies one group message to a root (a replay at join); false when it changed nothing. */
  async #apply(root: LiveRoot, group: string, message: BackplaneMessage): Promise<boolean> {
    const call = await this.#accept(root, group, message);
    if (!call) return false;
    if (call.event === undefined) return true;
    await this.#guarded(root, undefined, async () => {
      await runEvent(this.#weft, root.instance, { event: call.event as string, payload: structuredClone(call.payload ?? {}) });
    });
    return true;
  }

  /**
   * What a group message asks of this root, or `undefined` when nothing: it was
   * applied already (its message id), this root sent it, it cannot be read, or
   * the root may no longer receive it (its policies). Marks it applied.
   */
  async #accept(root: LiveRoot, group: string, message: BackplaneMessage): Promise<GroupMessage | undefined> {
    const seqs = getSeqs(root.instance);
    if (message.seq !== undefined) {
      const seen = seqs[group];
      if (seen !== undefined && compareSeq(message.seq, seen) <= 0) return undefined;
      seqs[group] = message.seq;
    }
    let call;
    try {
      call = decodedMessage(message);
    } catch (err) {
      this.#weft.logger.error(`Weft: unreadable message on group "${group}"`, err);
      return undefined;
    }
    // The sender handled it already (Component.broadcast skips its own root).
    if (call.event !== undefined && call.origin === root.id) return undefined;
    if (!(await this.#stillAllowed(root, call.event === undefined ? [] : [{ event: call.event, payload: call.payload ?? {} }]))) return undefined;
    return call;
  }

  /**
   * Handles a live group message on a root and pushes its render, sharing the
   * work with every root in this process that holds the same component
   * (shared-work.ts): the handler and the render run once per distinct state.
   */
  async #applyShared(root: LiveRoot, message: BackplaneMessage, call: GroupMessage): Promise<void> {
    const { instance } = root;
    const key = root.shareToken ?? shareKey(instance, this.#weft.userKey(instance.context.user), root.bound);
    const { outcome, first } = sharedOutcome(message, key, () => this.#handleOnce(root, call));
    const result = await outcome;
    root.shareToken = result.ok ? result.token : undefined;
    if (!first) {
      // Each root keeps its own copy of the state it now holds.
      if (result.ok) {
        instance.state = JSON.parse(result.state) as object;
        // Shared as it is: a handler gets a fresh errors object before it runs (#guarded).
        instance.errors = result.errors;
        setSeqs(instance, { ...result.seqs });
      } else if (result.state !== undefined) instance.state = JSON.parse(result.state) as object;
    }
    if (!result.ok) {
      this.#send(this.#errorFrame(result.error, root.id));
      return;
    }
    const { rendered } = result;
    root.bound = rendered.bound;
    await this.#subscribe(root, rendered.groups);
    const missing = rendered.assets?.length ? rendered.assets.filter((asset) => !this.#assets?.has(asset.hash)) : NO_ASSETS;
    // The shared frame, unless this page lacks some of the render's assets.
    const frame = missing.length === 0 ? result.frame : renderFrame(root.id, rendered.html + assetTags(missing, { assetsPath: this.#weft.assetsPath }).value);
    if (this.#send(frame, root.id)) this.#noteAssets(missing);
  }

  /** Runs a group message's handler on a root and renders it: the work {@link #applyShared} shares. */
  async #handleOnce(root: LiveRoot, call: GroupMessage): Promise<SharedOutcome> {
    const { instance } = root;
    const before = JSON.stringify(instance.state);
    instance.errors = {};
    if (call.event !== undefined) {
      try {
        // Its own copy: the decoded message is shared by every root it reaches.
        await runEvent(this.#weft, instance, { event: call.event, payload: structuredClone(call.payload ?? {}) });
        // A group message's handlers emit to no page (docs/protocol.md, L10).
        takeEmits(instance);
      } catch (err) {
        instance.state = JSON.parse(before) as object;
        return { ok: false, error: toWeftError(this.#weft, err) };
      }
    }
    const state = JSON.stringify(instance.state);
    try {
      const rendered = await renderInstance(this.#weft, instance);
      return {
        ok: true,
        token: `~${++outcomeCount}`,
        state,
        errors: { ...instance.errors },
        seqs: { ...getSeqs(instance) },
        rendered,
        frame: preFrame(renderFrame(root.id, rendered.html)),
      };
    } catch (err) {
      return { ok: false, error: toWeftError(this.#weft, err), state };
    }
  }

  /**
   * Whether the root may still receive what its groups send, by the same
   * permissions as its view and events: one that stopped holding (a role taken
   * away) drops the root's subscriptions, and its page is told why.
   */
  async #stillAllowed(root: LiveRoot, events: { event: string; payload: Record<string, unknown> }[]): Promise<boolean> {
    const stage = { door: 'broadcast' as const, name: root.name, type: root.type, context: root.instance.context, events };
    if (this.#weft.policies.idle?.(stage)) return true;
    try {
      await this.#weft.policies.request(stage);
      await this.#weft.policies.component({ ...stage, instance: root.instance });
      return true;
    } catch (err) {
      this.#leave(root.id);
      this.#send(this.#errorFrame(toWeftError(this.#weft, err), root.id, undefined, true));
      return false;
    }
  }

  async #event(root: LiveRoot, frame: EventFrame): Promise<void> {
    let emits: PageEvent[] = [];
    this.#noteAssets(frame.request.assets);
    const ok = await this.#guarded(root, frame.ref, async () => {
      const { instance } = root;
      const stage = { door: 'event' as const, name: root.name, type: root.type, context: instance.context, events: frame.request.events };
      // Permissions and rate limits as over HTTP, before anything changes (none declared: nothing to run).
      const policies = this.#weft.policies.idle?.(stage) ? undefined : this.#weft.policies;
      await policies?.request(stage);
      (instance.context as ComponentContext).kept = frame.request.children;
      instance.state = await updatedState(root.type, root.name, instance.state as Record<string, unknown>, frame.request.updates, root.bound);
      await policies?.component({ ...stage, instance });
      // What a group message's handlers emitted is not this event's.
      takeEmits(instance);
      for (const call of frame.request.events) await runEvent(this.#weft, instance, call);
      emits = takeEmits(instance);
    });
    if (!ok || !(await this.#render(root, frame.ref, emits))) return;
    if (emits.length > 0) await this.#deliver(root, emits, frame.request.listeners ?? []);
  }

  /**
   * Delivers a root's page events on its page (docs/protocol.md, L10): to every
   * other joined root that listens, each on its own chain with the state this
   * socket holds, and to the roots the event named that have not joined (the
   * page's roots that are not live), from their blobs. Each listener's render
   * is pushed; a refused one gets an error frame and is left as it was.
   */
  async #deliver(sender: LiveRoot, emits: readonly PageEvent[], listed: readonly ListenerEntry[]): Promise<void> {
    const unjoined = new Map(listed.map((entry) => [entry.id, entry]));
    unjoined.delete(sender.id);
    for (const root of this.#roots.values()) {
      const entry = unjoined.get(root.id);
      unjoined.delete(root.id);
      if (root === sender || !listensToAny(this.#weft.registry.get(root.name), emits)) continue;
      // A root whose join fails meanwhile is still on the page: its blob can answer.
      this.#enqueue(root, () => this.#listen(root, emits, entry), entry && (() => void this.#listenFromBlob(entry, emits)));
    }
    for (const entry of unjoined.values()) await this.#listenFromBlob(entry, emits);
  }

  /** A joined root handles page events as it handles its own browser's events. */
  async #listen(root: LiveRoot, emits: readonly PageEvent[], entry: ListenerEntry | undefined): Promise<void> {
    const calls = listenerCalls(root.type, root.name, root.id, emits);
    if (calls.length === 0) return;
    const ok = await this.#guarded(root, undefined, async () => {
      const { instance } = root;
      const stage = { door: 'event' as const, name: root.name, type: root.type, context: instance.context, events: calls };
      await this.#weft.policies.request(stage);
      // The children the page showed when the sender's event left, if it said.
      (instance.context as ComponentContext).kept = entry?.children;
      await this.#weft.policies.component({ ...stage, instance });
      takeEmits(instance);
      for (const call of calls) await runEvent(this.#weft, instance, call);
      // Page events travel one hop: what a listener emits goes nowhere.
      takeEmits(instance);
    }, true);
    if (ok) await this.#render(root);
  }

  /** A listener root that has not joined this socket runs from its blob, as over HTTP. */
  async #listenFromBlob(entry: ListenerEntry, emits: readonly PageEvent[]): Promise<void> {
    try {
      const rendered = await runListener(this.#weft, entry, emits, { ...this.#context });
      if (rendered) this.#send(renderFrame(entry.id, rendered.html), entry.id);
    } catch (err) {
      const refusal = toWeftError(this.#weft, err);
      skippedListener(this.#weft, entry.id, entry.name, refusal);
      this.#send(this.#errorFrame(refusal, entry.id));
    }
  }

  /**
   * Runs `work` on the root's instance; on failure the state goes back to what
   * it was (like an HTTP event, a failed event changes nothing) and the browser
   * gets an error frame (logged too for a `listener` that skips a page event).
   */
  async #guarded(root: LiveRoot, ref: number | undefined, work: () => Promise<void>, listener = false): Promise<boolean> {
    // Its own work makes the root unlike the others it shared group outcomes with.
    root.shareToken = undefined;
    const before = JSON.stringify(root.instance.state);
    root.instance.errors = {};
    try {
      await work();
      return true;
    } catch (err) {
      root.instance.state = JSON.parse(before) as object;
      const refusal = toWeftError(this.#weft, err);
      if (listener) skippedListener(this.#weft, root.id, root.name, refusal);
      this.#send(this.#errorFrame(refusal, root.id, ref));
      return false;
    }
  }

  /** Renders and sends a root; `emits` go to page scripts with it (`trigger`). False when the render failed. */
  async #render(root: LiveRoot, ref?: number, emits: readonly PageEvent[] = []): Promise<boolean> {
    try {
      const rendered = await renderInstance(this.#weft, root.instance);
      root.bound = rendered.bound;
      await this.#subscribe(root, rendered.groups);
      const trigger = emits.length > 0 ? triggerOf(emits) : undefined;
      // Followed by the CSS and JS of component types the page does not have yet.
      const missing = rendered.assets?.filter((asset) => !this.#assets?.has(asset.hash)) ?? [];
      const html = missing.length === 0 ? rendered.html : rendered.html + assetTags(missing, { assetsPath: this.#weft.assetsPath }).value;
      // Counted as the page's only once written: a push dropped for a later one
      // (a slow socket) leaves them to that later one.
      if (this.#send(renderFrame(root.id, html, ref, trigger), ref === undefined ? root.id : undefined)) this.#noteAssets(missing);
      return true;
    } catch (err) {
      this.#send(this.#errorFrame(toWeftError(this.#weft, err), root.id, ref));
      return false;
    }
  }

  /**
   * Sends a frame. A push for a root (`latestFor`) to a socket that is not
   * keeping up replaces that root's earlier undelivered push: a slow reader gets
   * the latest render, not every intermediate one, and never holds more than
   * about `maxBufferedBytes` of our memory.
   */
  #send(frame: string | PreFramed, latestFor?: string): boolean {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return false;
    // Read once: it asks the socket, and a broadcast sends to thousands.
    const buffered = this.#ws.bufferedAmount;
    if (latestFor !== undefined && (buffered > this.#limits.maxBufferedBytes || (this.#pending?.size ?? 0) > 0)) {
      const pending = (this.#pending ??= new Map());
      pending.delete(latestFor);
      pending.set(latestFor, frame);
      this.#scheduleFlush();
      return false;
    }
    if (buffered > this.#limits.maxBufferedBytes * 4) {
      // Even answers cannot get through: the reader is stuck. Let it reconnect and resync.
      this.#ws.terminate();
      return false;
    }
    this.#write(frame);
    return true;
  }

  #write(frame: string | PreFramed): void {
    // Framed once for many sockets (frame-once.ts), or a frame of this socket's own.
    if (isPreFramed(frame)) sendPreFramed(this.#ws, frame);
    else this.#ws.send(frame);
  }

  /** Adds to what the page has, up to a bound (past it, a push may bring a tag again; the browser loads each once). */
  #noteAssets(assets: readonly (string | AssetRef)[] | undefined): void {
    if (!assets) return;
    const had = (this.#assets ??= new Set());
    for (const asset of assets) {
      if (had.size >= MAX_LISTED_ASSETS) return;
      had.add(typeof asset === 'string' ? asset : asset.hash);
    }
  }

  #scheduleFlush(): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      const pending = this.#pending;
      if (this.#closed || !pending) return;
      while (pending.size > 0 && this.#ws.bufferedAmount <= this.#limits.maxBufferedBytes) {
        const [id, frame] = pending.entries().next().value as [string, string | PreFramed];
        pending.delete(id);
        this.#write(frame);
      }
      if (pending.size > 0) this.#scheduleFlush();
    }, 50);
    this.#flushTimer.unref();
  }
}

/** A listener refused a page event: it is left as it was; the sender's answer stands. */
function skippedListener(weft: Weft, id: string, name: string, refusal: WeftError): void {
  weft.logger.warn(`Weft: listener ${id} (${name}) skipped the page event: ${refusal.status} ${refusal.code}: ${refusal.message}`);
}

function toWeftError(weft: Weft, err: unknown): WeftError {
  if (err instanceof WeftError) return err;
  weft.logger.error('Weft: unexpected error on a live connection', err);
  return new WeftError(500, 'handler_error', 'internal error');
}

export { CLOSE };
