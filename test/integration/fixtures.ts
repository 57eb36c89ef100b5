/**
 * Components and app factories shared by the HTTP integration suite
 * (test/integration) and the wire-protocol conformance suite (test/protocol).
 */
import { z } from 'zod';
import { Component, createWeft, html, raw, Registry, type Weft, type WeftOptions, WeftError } from 'weft';

/** At least 32 characters, as production requires. */
export const SECRET = 'integration-secret-0123456789-abcdefghij';
/** A second secret for rotation tests. */
export const OLD_SECRET = 'integration-old-secret-9876543210-zyxwvu';

/** A logger that drops everything (tests that check logging pass their own). */
export const silent: Pick<Console, 'error' | 'warn'> = { error() {}, warn() {} };

/** What a thrown plain Error says; it must never reach the browser in production. */
export const SECRET_MESSAGE = 'database password is hunter2';

export interface CounterState {
  count: number;
  owner: string;
  note: string;
  flag: boolean;
  big: string;
  /** Written by a <select multiple> (P3.6). */
  tags: string[];
}

/** The counter-like component most tests drive. */
export class Counter extends Component<CounterState, { start?: number }> {
  static override events = {
    increment: true,
    add: z.object({ by: z.number().int() }),
    scale: z.object({ factor: z.coerce.number().int().default(2) }),
    grow: z.object({ bytes: z.number().int().nonnegative() }),
    fail: true,
    refuse: true,
  };
  static override locked = ['owner'];

  mount(): CounterState {
    return { count: Number(this.params.start ?? 0), owner: 'alice', note: '', flag: false, big: '', tags: [] };
  }

  increment(): void {
    this.state.count++;
  }

  add({ by }: { by: number }): void {
    this.state.count += by;
  }

  scale({ factor }: { factor: number }): void {
    this.state.count *= factor;
  }

  grow({ bytes }: { bytes: number }): void {
    this.state.big = 'x'.repeat(bytes);
  }

  fail(): void {
    throw new Error(SECRET_MESSAGE);
  }

  refuse(): void {
    throw new WeftError(403, 'bad_request', 'nope');
  }

  override render() {
    return html`<p>Count: <output class="count">${this.state.count}</output></p>
<p class="owner">${this.state.owner}</p>
<p class="note">${this.state.note}</p>
<p class="flag">${String(this.state.flag)}</p>
<button type="button" ${this.on('increment')}>+1</button>
<button type="button" ${this.on('add', { by: 2 })}>+2</button>
<input type="text" ${this.bind('note')}>
<input type="hidden" ${this.bind('count')}><input type="hidden" ${this.bind('flag')}><input type="hidden" ${this.bind('tags')}>`;
  }
}

/** A second stateful component, whose blobs must not open the counter. */
export class Other extends Component<{ pings: number }> {
  static override events = { ping: true };

  mount() {
    return { pings: 0 };
  }

  ping(): void {
    this.state.pings++;
  }

  override render() {
    return html`<p class="pings">${this.state.pings}</p>`;
  }
}

/** A component with no events: rendered bare, no root, no state. */
export class Badge extends Component<Record<string, never>, { label?: string }> {
  mount() {
    return {};
  }

  override render() {
    return html`<span class="badge">${this.params.label ?? 'plain'}</span>`;
  }
}

/** Served as a view at `/items/:id`, with validated params. */
export class Item extends Component<{ refreshed: number }, { id: number; tab: string }> {
  static override events = { refresh: true };
  static override paramsSchema = z.object({
    id: z.coerce.number().int().positive(),
    tab: z.string().default('overview'),
  });

  mount() {
    return { refreshed: 0 };
  }

  refresh(): void {
    this.state.refreshed++;
  }

  override render() {
    return html`<h2 class="item">Item ${this.params.id}</h2><p class="tab">${this.params.tab}</p><p class="refreshed">${this.state.refreshed}</p>`;
  }
}

/** Shows what the host handed over: `locals.user` and the client address. */
export class Whoami extends Component<Record<string, never>> {
  mount() {
    return {};
  }

  override render() {
    const user = this.context.locals.user;
    return html`<p class="user">${typeof user === 'string' ? user : 'anonymous'}</p><p class="ip">${this.context.request?.ip ?? ''}</p>`;
  }
}

/** Every step a {@link Traced} instance took, across requests (tests reset it). */
export const traceLog: string[] = [];

/** Records the order of the event pipeline (docs/protocol.md P3.3). */
export class Traced extends Component<{ note: string; n: number }> {
  static override events = { a: true, b: z.object({ ok: z.literal(true) }) };
  static override stateSchema = z.object({ note: z.string().max(5), n: z.number() });
  readonly trace: string[] = [];

  #step(step: string): void {
    this.trace.push(step);
    traceLog.push(step);
  }

  mount() {
    this.#step('mount');
    return { note: '', n: 0 };
  }

  override hydrate(): void {
    // Over-long notes are refused by stateSchema, which must run first.
    if (this.state.note.length > 5) throw new Error('hydrate saw state the schema should have refused');
    if (this.state.n < 0) throw new Error('hydrate failed: negative n');
    this.#step(`hydrate(note=${this.state.note})`);
  }

  a(): void {
    this.#step('a');
    this.state.n++;
  }

  b(): void {
    this.#step('b');
  }

  override render() {
    this.#step('render');
    return html`<p class="trace">${this.trace.join(' > ')}</p><input ${this.bind('note')}>`;
  }
}

/** Renders fine until armed, then `render()` throws. */
export class Fragile extends Component<{ armed: boolean }> {
  static override events = { arm: true };

  mount() {
    return { armed: false };
  }

  arm(): void {
    this.state.armed = true;
  }

  override render() {
    if (this.state.armed) throw new Error(SECRET_MESSAGE);
    return html`<p>calm</p>`;
  }
}

/** `mount()` throws; served as a view. */
export class BrokenMount extends Component<Record<string, never>> {
  mount(): Record<string, never> {
    throw new Error(SECRET_MESSAGE);
  }

  override render() {
    return html``;
  }
}

/** A stateful component with another root element. */
export class Row extends Component<{ n: number }> {
  static override events = { touch: true };
  static override tagName = 'li';

  mount() {
    return { n: 0 };
  }

  touch(): void {
    this.state.n++;
  }

  override render() {
    return html`row ${this.state.n}`;
  }
}

/** A stateful parent of {@link Row} children (docs/protocol.md P1.3), served at `/shelf`. */
export class Shelf extends Component<{ rows: number; label: string }> {
  static override events = { grow: true, relabel: true };

  mount() {
    return { rows: 2, label: 'a' };
  }

  grow(): void {
    this.state.rows++;
  }

  relabel(): void {
    this.state.label = 'b';
  }

  override async render() {
    const rows = [];
    for (let i = 0; i < this.state.rows; i++) rows.push(await this.child(Row, { label: this.state.label }, { key: `r${i}` }));
    return html`<ul>${rows}</ul>`;
  }
}

/**
 * A parent whose `role` only the server sets (P3.6). Its page holds inputs named
 * `role` — markup through `raw()` and a child's own binding — but it binds only
 * `note`, so only `note` is writable through its events.
 */
export class Account extends Component<{ role: string; note: string }> {
  static override events = { save: true };

  mount() {
    return { role: 'user', note: '' };
  }

  save(): void {}

  override async render() {
    return html`<p class="role">${this.state.role}</p><input ${this.bind('note')}>${raw('<input weft-model="role" value="admin">')}
${await this.child(RolePicker)}`;
  }
}

/** A child of {@link Account} that binds a field of its own named `role`. */
export class RolePicker extends Component<{ role: string }> {
  static override events = { pick: true };

  mount() {
    return { role: 'guest' };
  }

  pick(): void {}

  override render() {
    return html`<select ${this.bind('role')}></select>`;
  }
}

/** Renders as many bytes and children as it is told (P4.2); served as a view at `/flood`. */
export class Flood extends Component<{ bytes: number; children: number }, { bytes: number; children: number }> {
  static override events = {
    set: z.object({ bytes: z.number().int().nonnegative().default(0), children: z.number().int().nonnegative().default(0) }),
  };
  static override paramsSchema = z.object({
    bytes: z.coerce.number().int().nonnegative().default(0),
    children: z.coerce.number().int().nonnegative().default(0),
  });

  mount() {
    return { bytes: this.params.bytes, children: this.params.children };
  }

  set(sizes: { bytes: number; children: number }): void {
    this.state = sizes;
  }

  override async render() {
    const badges = [];
    for (let i = 0; i < this.state.children; i++) badges.push(await this.child(Badge, { label: String(i) }));
    return html`<p class="flood">${'x'.repeat(this.state.bytes)}</p>${badges}`;
  }
}

/**
 * Emits the page event `said` (P3.12): `shout` to every listener, `whisper`
 * only to `to` (a component name or `#<root id>`), `quiet` emits nothing.
 */
export class Speaker extends Component<{ said: number }> {
  static override events = {
    shout: z.object({ word: z.string() }),
    whisper: z.object({ word: z.string(), to: z.string() }),
    quiet: true,
  };
  static override emits = ['said'];

  mount() {
    return { said: 0 };
  }

  shout({ word }: { word: string }): void {
    this.state.said++;
    this.emit('said', { word });
  }

  whisper({ word, to }: { word: string; to: string }): void {
    this.state.said++;
    this.emit('said', { word }, { to });
  }

  quiet(): void {
    this.state.said++;
  }

  override render() {
    return html`<p class="said">${this.state.said}</p>`;
  }
}

/** Listens to `said` (P3.12) with `hear`, whose schema takes words of up to 10 characters. */
export class Hearer extends Component<{ heard: string[] }> {
  static override events = { hear: z.object({ word: z.string().max(10) }) };
  static override listeners = { said: 'hear' };

  mount() {
    return { heard: [] };
  }

  hear({ word }: { word: string }): void {
    this.state.heard.push(word);
  }

  override render() {
    return html`<p class="heard">${this.state.heard.join(' ')}</p>`;
  }
}

export const registry = new Registry();
registry.register('counter', Counter);
registry.register('other', Other);
registry.register('badge', Badge);
registry.register('item', Item);
registry.register('whoami', Whoami);
registry.register('traced', Traced);
registry.register('fragile', Fragile);
registry.register('broken-mount', BrokenMount);
registry.register('row', Row);
registry.register('shelf', Shelf);
registry.register('account', Account);
registry.register('role-picker', RolePicker);
registry.register('flood', Flood);
registry.register('speaker', Speaker);
registry.register('hearer', Hearer);

/** Names of the events {@link Counter} declares, as `allowed` lists them. */
export const COUNTER_EVENTS = Object.keys(Counter.events);

/** The hosts the test servers are reached at (production needs them listed). */
export const TEST_HOSTS = ['127.0.0.1', 'localhost'];

/**
 * A production app serving the fixtures, with views at `/items/:id`, `/badge`,
 * `/whoami`, `/broken-mount`, `/shelf` and `/flood`. Options override the defaults.
 */
export function makeApp(options: WeftOptions = {}): Weft {
  const weft = createWeft({ registry, secret: SECRET, mode: 'production', allowedHosts: TEST_HOSTS, logger: silent, ...options });
  weft.view('/items/:id', Item);
  weft.view('/badge', Badge);
  weft.view('/whoami', Whoami);
  weft.view('/broken-mount', BrokenMount);
  weft.view('/shelf', Shelf);
  weft.view('/flood', Flood);
  return weft;
}

/** Limits small enough to test cheaply; the throttle is out of the way. */
export const SMALL_LIMITS = {
  maxBodyBytes: 4096,
  maxStateBytes: 1024,
  stateMaxAge: 3600,
  signatureFailures: { points: 100_000, durationSeconds: 600 },
} satisfies WeftOptions;

/** Renders a fresh component and returns its signed state blob. */
export async function freshBlob(weft: Weft, name = 'counter', params: object = {}): Promise<string> {
  const { blob } = await weft.render(name, params);
  if (blob === undefined) throw new Error(`component ${name} rendered no state blob`);
  return blob;
}

/** The text of the first element with `class="<cls>"` in some HTML. */
export function textOf(html: string, cls: string): string | undefined {
  return new RegExp(`class="${cls}"[^>]*>([^<]*)<`).exec(html)?.[1];
}

/** The `id` attribute of a component root. */
export function idOf(html: string): string | undefined {
  return /^<[a-z][a-z0-9-]*\s[^>]*?\bid="([^"]+)"/.exec(html)?.[1];
}
