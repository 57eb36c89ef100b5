/**
 * Every policy on every door, against one real app served over HTTP and
 * WebSocket: permissions (the component's, an event's own, a custom one that
 * reads state and params), rate limits, the binding of state blobs to their
 * user, what a joined root may still receive, streams, and the render cache.
 *
 * Users come from an `x-user` header (or a `user=` cookie) with their roles in
 * `x-roles`; anonymous clients are told apart by `X-Forwarded-For` (the app
 * trusts one proxy).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Component,
  createWeft,
  type CurrentUser,
  hasRole,
  html,
  IsAuthenticated,
  IsStaff,
  MemoryBackplane,
  permission,
  rateLimit,
  Registry,
  requires,
  type Weft,
} from 'weft';
import { createTestClient, LiveTestClient, mountComponent, rootsIn, StreamTestClient, type TestClient, type TestResponse } from 'weft/testing';

const SECRET = 'policies-secret-0123456789-abcdefghijklmnop';
const silent = { error() {}, warn() {} };

type User = { id: string; roles: string[]; isStaff?: boolean };
const idOf = (user: CurrentUser | undefined): string | undefined => (user as User | undefined)?.id;

// ---------------------------------------------------------------- components

/** Only for signed-in users; live, so its root can join a socket. */
class Secret extends Component<{ n: number }> {
  static override permissions = [IsAuthenticated];
  static override events = { inc: true };
  static override live = true;
  mount() {
    return { n: 0 };
  }
  inc(): void {
    this.state.n++;
  }
  override render() {
    return html`<b>secret ${this.state.n}</b>`;
  }
}

/** Only for admins. */
class Admin extends Component<{ n: number }> {
  static override permissions = [hasRole('admin')];
  static override events = { inc: true };
  static override live = true;
  mount() {
    return { n: 0 };
  }
  inc(): void {
    this.state.n++;
  }
  override render() {
    return html`<b>admin ${this.state.n}</b>`;
  }
}

/** Open to all; single events have their own permissions, written both ways. */
class Till extends Component<{ log: string[] }> {
  static override events = { look: true, refund: true, cancel: true, save: true };
  static override eventPolicies = { refund: { permissions: [hasRole('manager')] }, save: { permissions: [IsAuthenticated] } };
  static override live = true;
  mount() {
    return { log: [] };
  }
  look(): void {
    this.state.log.push('look');
  }
  refund(): void {
    this.state.log.push('refund');
  }
  @requires(IsStaff)
  cancel(): void {
    this.state.log.push('cancel');
  }
  save(): void {
    this.state.log.push('save');
  }
  override render() {
    return html`<i>${this.state.log.join(',')}</i>`;
  }
}

/** A document its owner may use, or anyone when it is shared (`?shared=yes`). */
const OwnsDoc = permission('OwnsDoc', ({ user, state, params }) => params?.shared === 'yes' || state?.owner === idOf(user));

class Doc extends Component<{ owner: string; edits: number }, { owner: string; shared?: string }> {
  static override permissions = [OwnsDoc];
  static override events = { edit: true };
  mount() {
    return { owner: this.params.owner, edits: 0 };
  }
  edit(): void {
    this.state.edits++;
  }
  override render() {
    return html`<p>doc of ${this.state.owner}: ${this.state.edits}</p>`;
  }
}

/** Three events a second per client; in a group, to receive broadcasts. */
class Limited extends Component<{ n: number }> {
  static override rateLimit = '3/second';
  static override events = { bump: true };
  mount() {
    return { n: 0 };
  }
  override groups() {
    return ['limited'];
  }
  bump(): void {
    this.state.n++;
  }
  override render() {
    return html`<b>bumps ${this.state.n}</b>`;
  }
}

/** One `shout` a minute per client, set by the decorator; the other event is free. */
class Megaphone extends Component<{ n: number }> {
  static override events = { shout: true, whisper: true };
  mount() {
    return { n: 0 };
  }
  @rateLimit('1/minute')
  shout(): void {
    this.state.n++;
  }
  whisper(): void {
    this.state.n++;
  }
  override render() {
    return html`<b>${this.state.n}</b>`;
  }
}

/** A plain component, to be served as a rate-limited view. */
class Plain extends Component<object> {
  mount() {
    return {};
  }
  override render() {
    return html`<p>plain</p>`;
  }
}

/** No policies at all: its blobs are bound to the user who loaded it. */
class Notes extends Component<{ notes: string[] }> {
  static override events = { add: true };
  static override live = true;
  mount() {
    return { notes: [] };
  }
  add(): void {
    this.state.notes.push('note');
  }
  override render() {
    return html`<ul>${this.state.notes.map((n) => html`<li>${n}</li>`)}</ul>`;
  }
}

/** Who may listen to a room: changed by the tests while roots are joined. */
const members = new Set<string>();
const IsMember = permission('IsMember', ({ user }) => members.has(idOf(user) ?? ''), { stage: 'request' });

class Room extends Component<{ said: string[] }, { room: string }> {
  static override permissions = [IsMember];
  static override events = { say: true };
  mount() {
    return { said: [] };
  }
  override groups() {
    return [`room-${this.params.room}`];
  }
  say({ text }: { text?: unknown }): void {
    this.state.said.push(String(text));
  }
  override render() {
    return html`<p>${this.state.said.join('|')}</p>`;
  }
}

/** Streams for signed-in users, and for staff. */
class Feed extends Component<{ last: string }> {
  static override permissions = [IsAuthenticated];
  static stream = { channel: 'feed', event: 'item' };
  mount() {
    return { last: '' };
  }
  receive(data: string) {
    this.state.last = data;
  }
  override render() {
    return html`<p>${this.state.last}</p>`;
  }
}

class StaffFeed extends Feed {
  static override permissions = [IsStaff];
}

/** A stream for members only, re-checked on every message. */
class MemberFeed extends Feed {
  static override permissions = [IsMember];
  static override stream = { channel: 'member-feed', event: 'item' };
}

/** Cached for 60 s; its key ignores the user, so only anonymous loads use the cache. */
class Catalog extends Component<{ touched: number }, { id: string }> {
  static renders = 0;
  static touches = 0;
  static override cache = { ttl: 60, tags: ({ params }: { params: Readonly<Record<string, unknown>> }) => ['catalog', `item:${String(params.id)}`], http: { maxAge: 30 } };
  static override events = { touch: true };
  mount() {
    return { touched: 0 };
  }
  touch(): void {
    Catalog.touches++;
    this.state.touched++;
  }
  override render() {
    Catalog.renders++;
    return html`<p>item ${this.params.id}, touched ${this.state.touched}</p>`;
  }
}

/** Cached per user: its key reads the user. */
class Greeting extends Component<object> {
  static renders = 0;
  static override cache = { ttl: 60, key: ({ user }: { user: CurrentUser | undefined }) => `u:${idOf(user) ?? '-'}` };
  mount() {
    return {};
  }
  override render() {
    Greeting.renders++;
    return html`<p>hello ${idOf(this.user) ?? 'guest'}</p>`;
  }
}

// ---------------------------------------------------------------- the app

/** A memory backplane whose subscribers can be told that messages were lost. */
class GapBackplane extends MemoryBackplane {
  readonly #gaps = new Map<string, ((head: string) => void)[]>();
  override async subscribe(...[topic, listener, options]: Parameters<MemoryBackplane['subscribe']>) {
    if (options?.onGap) this.#gaps.set(topic, [...(this.#gaps.get(topic) ?? []), options.onGap]);
    return super.subscribe(topic, listener, options);
  }
  /** Reports a gap on `topic`, as a Redis backplane does after a long disconnect. */
  async gap(topic: string): Promise<void> {
    const head = await this.head(topic);
    for (const onGap of this.#gaps.get(topic) ?? []) onGap(head);
  }
}

function cookieValue(cookie: string | undefined, name: string): string | undefined {
  for (const part of (cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function makeApp(options: { user?: boolean } = {}): { weft: Weft; backplane: GapBackplane } {
  const registry = new Registry();
  for (const [name, type] of Object.entries({ secret: Secret, admin: Admin, till: Till, doc: Doc, limited: Limited, megaphone: Megaphone, plain: Plain, notes: Notes, room: Room, feed: Feed, 'staff-feed': StaffFeed, 'member-feed': MemberFeed, catalog: Catalog, greeting: Greeting })) {
    registry.register(name, type);
  }
  const backplane = new GapBackplane();
  const weft = createWeft({
    registry,
    secret: SECRET,
    mode: 'development',
    logger: silent,
    backplane,
    clientAddress: { trustedProxies: 1 },
    loginUrl: '/login',
    ...(options.user !== false && {
      user: ({ request }) => {
        const id = request.headers['x-user'] ?? cookieValue(request.headers.cookie, 'user');
        if (id === undefined || id === '') return undefined;
        const roles = (request.headers['x-roles'] ?? '').split(',').filter(Boolean);
        return { id, roles, ...(roles.includes('staff') && { isStaff: true }) } satisfies User;
      },
    }),
  });
  weft
    .view('/secret/', Secret)
    .view('/admin/', Admin)
    .view('/till/', Till)
    .view('/doc/:owner', Doc)
    .view('/limited/', Limited)
    .view('/megaphone/', Megaphone)
    .view('/plain/', Plain, { rateLimit: '2/second' })
    .view('/notes/', Notes)
    .view('/room/:room', Room)
    .view('/catalog/:id', Catalog)
    .view('/hello/', Greeting)
    .stream('/feed/', Feed)
    .stream('/staff-feed/', StaffFeed)
    .stream('/member-feed/', MemberFeed);
  return { weft, backplane };
}

// ---------------------------------------------------------------- helpers

/** Headers of a signed-in user. */
function as(id: string, ...roles: string[]): Record<string, string> {
  return { 'x-user': id, ...(roles.length > 0 && { 'x-roles': roles.join(',') }) };
}

let nextClient = 1;
/** Headers of an anonymous client with an address of its own. */
function anonymous(): Record<string, string> {
  return { 'x-forwarded-for': `198.51.100.${nextClient++}` };
}

function assertRefused(res: TestResponse, status: number, code: string, error?: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(res.json?.code, code, res.text.slice(0, 300));
  if (error !== undefined) assert.equal(res.json?.error, error);
}

function assertUnauthenticated(res: TestResponse): void {
  assertRefused(res, 401, 'unauthenticated');
  assert.deepEqual(res.json, { error: 'Authentication required', code: 'unauthenticated' });
}

function assertErrorFrame(frame: { t: string; status?: number; code?: string }, status: number, code: string): void {
  assert.equal(frame.t, 'error', JSON.stringify(frame));
  assert.deepEqual([frame.status, frame.code], [status, code], JSON.stringify(frame));
}

// ---------------------------------------------------------------- tests

describe('policies on every door', () => {
  let weft: Weft;
  let backplane: GapBackplane;
  let client: TestClient;
  let wsUrl: string;
  const sockets: LiveTestClient[] = [];
  const streams: StreamTestClient[] = [];

  before(async () => {
    ({ weft, backplane } = makeApp());
    client = await createTestClient(weft);
    wsUrl = `${client.baseUrl.replace(/^http/, 'ws')}/ws/components/`;
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await Promise.all(sockets.map((s) => s.close()));
    await client.close();
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<TestResponse> => client.request(path, { headers, redirect: 'manual' });
  const post = (name: string, state: unknown, event: string, headers: Record<string, string> = {}, payload: Record<string, unknown> = {}): Promise<TestResponse> =>
    client.post(name, { event, payload, ...(state !== undefined && { state }) }, headers);
  /** The state blob of a view, loaded as `headers` say. */
  async function blobOf(path: string, headers: Record<string, string>): Promise<string> {
    const res = await get(path, headers);
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.ok(res.state, 'the view has a state blob');
    return res.state.replace(/&amp;/g, '&');
  }
  async function connect(headers: Record<string, string> = {}): Promise<LiveTestClient> {
    const socket = await LiveTestClient.connect(wsUrl, { headers });
    sockets.push(socket);
    return socket;
  }
  /** Joins the roots of `html` and returns the first frame answering the join. */
  async function join(socket: LiveTestClient, page: string): Promise<{ id: string; frame: Awaited<ReturnType<LiveTestClient['next']>> }> {
    const root = rootsIn(page)[0];
    assert.ok(root, 'the page has a live root');
    socket.send({ t: 'join', ...root });
    const frame = await socket.next((f) => (f.t === 'joined' || f.t === 'error') && f.id === root.id);
    return { id: root.id, frame };
  }
  async function open(path: string, headers: Record<string, string> = {}): Promise<StreamTestClient> {
    const stream = await StreamTestClient.open(client.baseUrl + path, headers);
    streams.push(stream);
    return stream;
  }

  describe('IsAuthenticated', () => {
    it('HTTP event: anonymous gets 401 "Authentication required" with no state, garbage state or a valid blob', async () => {
      const blob = await blobOf('/secret/', as('ada'));
      for (const state of [undefined, 'garbage', 42, blob]) {
        assertUnauthenticated(await post('secret', state, 'inc', anonymous()));
      }
      // Before the event is even looked at.
      assertUnauthenticated(await post('secret', undefined, 'no-such-event', anonymous()));
      const ok = await post('secret', blob, 'inc', as('ada'));
      assert.equal(ok.status, 200);
      assert.match(ok.text, /secret 1/);
    });

    it('HTTP event from htmx: the 401 carries HX-Redirect to the login URL, back to the page it came from', async () => {
      const base = new URL(client.baseUrl);
      const res = await post('secret', undefined, 'inc', { ...anonymous(), 'hx-request': 'true', 'hx-current-url': `${base.origin}/secret/?tab=2` });
      assertUnauthenticated(res);
      assert.equal(res.headers.get('hx-redirect'), `/login?next=${encodeURIComponent('/secret/?tab=2')}`);
      // Another site's page is never the way back.
      const elsewhere = await post('secret', undefined, 'inc', { 'hx-request': 'true', 'hx-current-url': 'https://evil.example/x' });
      assert.equal(elsewhere.headers.get('hx-redirect'), '/login?next=%2F');
      // Not htmx: no redirect, only the 401.
      assert.equal((await post('secret', undefined, 'inc')).headers.get('hx-redirect'), null);
    });

    it('view GET: 401 JSON for scripts, HX-Redirect for htmx, 302 to the login URL for a browser page load', async () => {
      assertUnauthenticated(await get('/secret/?tab=1', anonymous()));
      const htmx = await get('/secret/', { 'hx-request': 'true', 'hx-current-url': `${client.baseUrl}/home` });
      assertUnauthenticated(htmx);
      assert.equal(htmx.headers.get('hx-redirect'), '/login?next=%2Fhome');
      const page = await get('/secret/?tab=1', { accept: 'text/html,application/xhtml+xml' });
      assert.equal(page.status, 302);
      assert.equal(page.headers.get('location'), `/login?next=${encodeURIComponent('/secret/?tab=1')}`);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const signedIn = await get('/secret/', { ...as('ada'), accept: 'text/html' });
      assert.equal(signedIn.status, 200);
      assert.match(signedIn.text, /secret 0/);
      // The cookie finds the user as well as the header.
      assert.equal((await get('/secret/', { cookie: 'theme=dark; user=ada' })).status, 200);
    });

    it('WebSocket join: an anonymous socket is refused 401, a signed-in one joins', async () => {
      const page = (await get('/secret/', as('ada'))).text;
      const { frame } = await join(await connect(), page);
      assertErrorFrame(frame, 401, 'unauthenticated');
      assert.equal(frame.error, 'Authentication required');
      assert.equal(frame.join, true);
      const { frame: joined } = await join(await connect({ cookie: 'user=ada' }), page);
      assert.equal(joined.t, 'joined');
    });

    it('WebSocket event: an event that needs a user is refused 401 on an anonymous socket, others run', async () => {
      const page = (await get('/till/', anonymous())).text;
      const socket = await connect(anonymous());
      const { id, frame } = await join(socket, page);
      assert.equal(frame.t, 'joined');
      const refused = await socket.event(id, 'save');
      assertErrorFrame(refused, 401, 'unauthenticated');
      // The app's login URL, which the live client turns into htmx's HX-Redirect (with the page as next).
      assert.equal(refused.login, '/login');
      const look = await socket.event(id, 'look');
      assert.equal(look.t, 'render');
      assert.match(look.html!, /<i>look<\/i>/, 'the refused event changed nothing');
    });

    it('SSE stream: anonymous gets the 401 as JSON before any stream; a signed-in user gets the stream', async () => {
      const refused = await get('/feed/', { ...anonymous(), accept: 'text/event-stream' });
      assertUnauthenticated(refused);
      assert.match(refused.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(refused.headers.get('hx-redirect'), null);
      const stream = await open('/feed/', as('ada'));
      assert.equal(stream.response.status, 200);
      assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
      await new Promise((r) => setTimeout(r, 50));
      await weft.publish('feed', 'first news');
      const event = await stream.next((e) => e.event === 'item');
      assert.equal(event.data, '<p>first news</p>');
    });
  });

  describe('SSE messages', () => {
    it('a stream whose permission stops holding gets a weft:error and ends', async () => {
      members.add('gus');
      const stream = await open('/member-feed/', as('gus'));
      assert.equal(stream.response.status, 200);
      await new Promise((r) => setTimeout(r, 50));
      await weft.publish('member-feed', 'welcome');
      assert.equal((await stream.next((e) => e.event === 'item')).data, '<p>welcome</p>');
      members.delete('gus');
      await weft.publish('member-feed', 'members only');
      const error = await stream.next();
      assert.equal(error.event, 'weft:error');
      assert.equal((JSON.parse(error.data) as { code: string }).code, 'forbidden');
      await weft.publish('member-feed', 'more');
      await assert.rejects(stream.next(() => true, 200), /no matching event/, 'nothing follows the error');
    });
  });

  describe('a role permission', () => {
    it('HTTP event and view: a user without the role gets 403 forbidden, with it 200', async () => {
      const noRole = await get('/admin/', as('bob', 'editor'));
      assertRefused(noRole, 403, 'forbidden', 'Permission denied: component "admin" requires hasRole(admin)');
      const blob = await blobOf('/admin/', as('root', 'admin'));
      assertRefused(await post('admin', blob, 'inc', as('bob', 'editor')), 403, 'forbidden');
      assertUnauthenticated(await post('admin', blob, 'inc', anonymous()));
      const ok = await post('admin', blob, 'inc', as('root', 'admin'));
      assert.equal(ok.status, 200);
      assert.match(ok.text, /admin 1/);
    });

    it('view GET from a browser: 403 is a page (no login redirect: the user is signed in)', async () => {
      const res = await get('/admin/', { ...as('bob'), accept: 'text/html' });
      assert.equal(res.status, 403);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.text, /<code>forbidden<\/code>/);
      assert.equal(res.headers.get('location'), null);
    });

    it('WebSocket join: without the role 403, with it joined, and its events run', async () => {
      const page = (await get('/admin/', as('root', 'admin'))).text;
      assertErrorFrame((await join(await connect(as('bob')), page)).frame, 403, 'forbidden');
      const socket = await connect(as('root', 'admin'));
      const { id, frame } = await join(socket, page);
      assert.equal(frame.t, 'joined');
      const answer = await socket.event(id, 'inc');
      assert.equal(answer.t, 'render');
      assert.match(answer.html!, /admin 1/);
    });

    it('SSE stream: without the role 403 JSON, with it 200', async () => {
      assertRefused(await get('/staff-feed/', { ...as('bob'), accept: 'text/event-stream' }), 403, 'forbidden');
      assert.equal((await open('/staff-feed/', as('sam', 'staff'))).response.status, 200);
    });
  });

  describe('an event’s own permission applies to that event only', () => {
    it('static eventPolicies, over HTTP', async () => {
      const blob = await blobOf('/till/', as('bob'));
      assert.equal((await post('till', blob, 'look', as('bob'))).status, 200);
      assertRefused(await post('till', blob, 'refund', as('bob')), 403, 'forbidden', 'Permission denied: event "refund" of component "till" requires hasRole(manager)');
      const managed = await blobOf('/till/', as('meg', 'manager'));
      const ok = await post('till', managed, 'refund', as('meg', 'manager'));
      assert.equal(ok.status, 200);
      assert.match(ok.text, /<i>refund<\/i>/);
    });

    it('the decorator, over HTTP', async () => {
      const blob = await blobOf('/till/', as('bob'));
      assertRefused(await post('till', blob, 'cancel', as('bob')), 403, 'forbidden', 'Permission denied: event "cancel" of component "till" requires IsStaff');
      const staff = await blobOf('/till/', as('sam', 'staff'));
      const ok = await post('till', staff, 'cancel', as('sam', 'staff'));
      assert.equal(ok.status, 200);
      assert.match(ok.text, /<i>cancel<\/i>/);
    });

    it('a batch with one refused event runs none of them', async () => {
      const blob = await blobOf('/till/', as('bob'));
      const res = await client.post('till', { state: blob, events: [{ event: 'look' }, { event: 'refund' }] }, as('bob'));
      assertRefused(res, 403, 'forbidden');
    });

    it('over the WebSocket, both ways of writing it', async () => {
      const page = (await get('/till/', as('bob'))).text;
      const socket = await connect(as('bob'));
      const { id } = await join(socket, page);
      assertErrorFrame(await socket.event(id, 'refund'), 403, 'forbidden');
      assertErrorFrame(await socket.event(id, 'cancel'), 403, 'forbidden');
      assert.match((await socket.event(id, 'look')).html!, /<i>look<\/i>/);
      assert.match((await socket.event(id, 'save')).html!, /<i>look,save<\/i>/);
    });
  });

  describe('a component-stage permission reading state and params', () => {
    it('view: the owner may, another user may not unless the params share it, anonymous must sign in', async () => {
      assert.equal((await get('/doc/ada', as('ada'))).status, 200);
      assertRefused(await get('/doc/ada', as('bob')), 403, 'forbidden', 'Permission denied: component "doc" requires OwnsDoc');
      assert.equal((await get('/doc/ada?shared=yes', as('bob'))).status, 200);
      assertUnauthenticated(await get('/doc/ada', anonymous()));
    });

    it('events: checked against the state in the blob', async () => {
      const blob = await blobOf('/doc/ada', as('ada'));
      const ok = await post('doc', blob, 'edit', as('ada'));
      assert.equal(ok.status, 200);
      assert.match(ok.text, /doc of ada: 1/);
      // A shared doc loaded by bob is his blob, and its params still share it.
      const shared = await blobOf('/doc/ada?shared=yes', as('bob'));
      assert.equal((await post('doc', shared, 'edit', as('bob'))).status, 200);
    });

    it('WebSocket: checked at the join and on each event', async () => {
      const page = (await get('/doc/ada', as('ada'))).text;
      const socket = await connect(as('ada'));
      const { id, frame } = await join(socket, page);
      assert.equal(frame.t, 'joined');
      assert.match((await socket.event(id, 'edit')).html!, /doc of ada: 1/);
    });
  });

  describe('rate limits', () => {
    it('HTTP event: the 4th in a second is 429 with Retry-After and retryAfter', async () => {
      const client1 = anonymous();
      const blob = await blobOf('/limited/', client1);
      const first = await Promise.all([1, 2, 3].map(() => post('limited', blob, 'bump', client1)));
      assert.deepEqual(first.map((r) => r.status), [200, 200, 200]);
      const fourth = await post('limited', blob, 'bump', client1);
      assertRefused(fourth, 429, 'rate_limited');
      const retryAfter = Number(fourth.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${fourth.headers.get('retry-after')}`);
      assert.equal(fourth.json?.retryAfter, retryAfter);
    });

    it('anonymous clients are counted by address', async () => {
      const [one, two] = [anonymous(), anonymous()];
      const blob = await blobOf('/limited/', one);
      await Promise.all([1, 2, 3].map(() => post('limited', blob, 'bump', one)));
      assertRefused(await post('limited', blob, 'bump', one), 429, 'rate_limited');
      assert.equal((await post('limited', blob, 'bump', two)).status, 200);
    });

    it('users are counted by user, wherever they come from: one exhausted does not limit another', async () => {
      const [a, b] = [as('rita'), as('sue')];
      const [blobA, blobB] = [await blobOf('/limited/', a), await blobOf('/limited/', b)];
      await Promise.all([1, 2, 3].map(() => post('limited', blobA, 'bump', a)));
      assertRefused(await post('limited', blobA, 'bump', { ...a, ...anonymous() }), 429, 'rate_limited');
      assert.equal((await post('limited', blobB, 'bump', b)).status, 200);
    });

    it('an event’s own limit (the decorator) counts that event only', async () => {
      const who = anonymous();
      const blob = await blobOf('/megaphone/', who);
      assert.equal((await post('megaphone', blob, 'shout', who)).status, 200);
      assertRefused(await post('megaphone', blob, 'shout', who), 429, 'rate_limited');
      for (let i = 0; i < 5; i++) assert.equal((await post('megaphone', blob, 'whisper', who)).status, 200);
    });

    it('WebSocket event: the 4th in a second is an error frame 429 rate_limited with retryAfter', async () => {
      const who = anonymous();
      const page = (await get('/limited/', who)).text;
      const socket = await connect(who);
      const { id } = await join(socket, page);
      for (let i = 1; i <= 3; i++) assert.equal((await socket.event(id, 'bump')).t, 'render');
      const refused = await socket.event(id, 'bump');
      assertErrorFrame(refused, 429, 'rate_limited');
      assert.ok(Number.isInteger(refused.retryAfter) && (refused.retryAfter as number) >= 1);
    });

    it('a view with { rateLimit: "2/second" }: the 3rd GET is 429', async () => {
      const who = anonymous();
      assert.equal((await get('/plain/', who)).status, 200);
      assert.equal((await get('/plain/', who)).status, 200);
      const third = await get('/plain/', who);
      assertRefused(third, 429, 'rate_limited');
      assert.ok(Number(third.headers.get('retry-after')) >= 1);
      assert.equal((await get('/plain/', anonymous())).status, 200, 'another client is not limited');
    });

    it('broadcasts delivered to a joined root are not limited', async () => {
      const who = anonymous();
      const page = (await get('/limited/', who)).text;
      const socket = await connect(who);
      const { id } = await join(socket, page);
      for (let i = 0; i < 6; i++) await weft.broadcast('limited', 'bump');
      let last = '';
      for (let i = 0; i < 6; i++) last = (await socket.nextRender(id)).html!;
      assert.match(last, /bumps 6/);
    });

    it('mountComponent(...).fire() never counts', async () => {
      const harness = await mountComponent(Limited, { user: { id: 'tester' } });
      for (let i = 0; i < 100; i++) await harness.fire('bump');
      assert.equal(harness.state.n, 100);
    });
  });

  describe('state blobs are bound to their user', () => {
    it('HTTP event: another user 403 state_user, anonymous 401, the owner 200', async () => {
      const blob = await blobOf('/notes/', as('ada'));
      assertRefused(await post('notes', blob, 'add', as('bob')), 403, 'state_user', 'this state was issued to another user');
      assertUnauthenticated(await post('notes', blob, 'add', anonymous()));
      // A page left open after its session ended: htmx is sent to sign in again.
      const expired = await post('notes', blob, 'add', { 'hx-request': 'true', 'hx-current-url': `${client.baseUrl}/notes/` });
      assertUnauthenticated(expired);
      assert.equal(expired.headers.get('hx-redirect'), '/login?next=%2Fnotes%2F');
      assert.equal((await post('notes', blob, 'add', as('ada'))).status, 200);
      // An anonymous blob works for anonymous requests.
      const open = await blobOf('/notes/', anonymous());
      assert.equal((await post('notes', open, 'add', anonymous())).status, 200);
    });

    it('WebSocket join: another user 403 state_user, anonymous 401, the owner joins', async () => {
      const page = (await get('/notes/', as('ada'))).text;
      assertErrorFrame((await join(await connect(as('bob')), page)).frame, 403, 'state_user');
      assertErrorFrame((await join(await connect(), page)).frame, 401, 'unauthenticated');
      assert.equal((await join(await connect(as('ada')), page)).frame.t, 'joined');
    });

    it('with no `user` option at all, blobs work as before (whatever the request says)', async () => {
      const { weft: plainApp } = makeApp({ user: false });
      const plainClient = await createTestClient(plainApp);
      try {
        const page = await plainClient.request('/notes/', { headers: as('ada') });
        assert.equal(page.status, 200);
        const blob = page.state!.replace(/&amp;/g, '&');
        assert.equal(JSON.parse(Buffer.from(blob.split('.')[1]!, 'base64url').toString()).u, undefined, 'the blob names no user');
        const res = await plainClient.post('notes', { state: blob, event: 'add' }, as('bob'));
        assert.equal(res.status, 200, res.text);
        assert.match(res.text, /<li>note<\/li>/);
        // And IsAuthenticated simply refuses everyone.
        assertUnauthenticated(await plainClient.request('/secret/', { headers: as('ada') }));
      } finally {
        await plainClient.close();
      }
    });
  });

  describe('broadcast delivery to a joined root', () => {
    it('stops, with an error frame, once the root’s permission no longer holds', async () => {
      members.add('ada').add('bob');
      const pageA = (await get('/room/r1', as('ada'))).text;
      const pageB = (await get('/room/r1', as('bob'))).text;
      const [ada, bob] = [await connect(as('ada')), await connect(as('bob'))];
      const { id: idA } = await join(ada, pageA);
      const { id: idB } = await join(bob, pageB);
      await weft.broadcast('room-r1', 'say', { text: 'one' });
      assert.match((await ada.nextRender(idA)).html!, /one/);
      assert.match((await bob.nextRender(idB)).html!, /one/);

      members.delete('ada');
      await weft.broadcast('room-r1', 'say', { text: 'two' });
      const refused = await ada.next((f) => f.id === idA);
      assertErrorFrame(refused, 403, 'forbidden');
      assert.equal(refused.join, true, 'the root is no longer joined');
      assert.match((await bob.nextRender(idB)).html!, /one\|two/);

      await weft.broadcast('room-r1', 'say', { text: 'three' });
      assert.match((await bob.nextRender(idB)).html!, /one\|two\|three/);
      assert.ok(await ada.quiet(200), 'nothing more reaches the refused root');
      assertErrorFrame(await ada.event(idA, 'say', { text: 'x' }), 409, 'not_joined');
    });

    it('a refresh (no event) is checked too', async () => {
      members.add('cy');
      const page = (await get('/room/r2', as('cy'))).text;
      const socket = await connect(as('cy'));
      const { id } = await join(socket, page);
      await weft.refresh('room-r2');
      assert.equal((await socket.nextRender(id)).t, 'render');
      members.delete('cy');
      await weft.refresh('room-r2');
      assertErrorFrame(await socket.next((f) => f.id === id), 403, 'forbidden');
    });

    it('a resync after lost messages is checked too', async () => {
      members.add('dee');
      const page = (await get('/room/r3', as('dee'))).text;
      const socket = await connect(as('dee'));
      const { id } = await join(socket, page);
      members.delete('dee');
      await backplane.gap('group:room-r3');
      const frame = await socket.next((f) => f.id === id);
      assertErrorFrame(frame, 403, 'forbidden');
      assert.ok(await socket.quiet(150), 'and no render follows');
    });

    it('weft.signOut(user) closes that user’s sockets with 4401, and no one else’s', async () => {
      members.add('eve').add('fay');
      const [eve, eve2, fay] = [await connect(as('eve')), await connect({ cookie: 'user=eve' }), await connect(as('fay'))];
      const { id: idFay } = await join(fay, (await get('/room/r4', as('fay'))).text);
      await join(eve, (await get('/room/r4', as('eve'))).text);
      const closed = (socket: LiveTestClient) => new Promise<number>((resolve) => socket.socket.once('close', (code) => resolve(code)));
      const [code, code2] = [closed(eve), closed(eve2)];
      await weft.signOut({ id: 'eve' });
      assert.deepEqual(await Promise.all([code, code2]), [4401, 4401]);
      assert.equal(fay.socket.readyState, fay.socket.OPEN);
      await weft.broadcast('room-r4', 'say', { text: 'still here' });
      assert.match((await fay.nextRender(idFay)).html!, /still here/);
    });
  });

  describe('the render cache', () => {
    it('serves the second anonymous GET from the cache, with the same HTML, without rendering', async () => {
      const before = Catalog.renders;
      const first = await get('/catalog/1', anonymous());
      const second = await get('/catalog/1', anonymous());
      assert.equal(first.status, 200);
      assert.equal(second.text, first.text);
      assert.equal(Catalog.renders - before, 1);
      await get('/catalog/2', anonymous());
      assert.equal(Catalog.renders - before, 2, 'other params are another entry');
    });

    it('never serves an event from the cache: its handler runs', async () => {
      const blob = await blobOf('/catalog/1', anonymous());
      const [touches, renders] = [Catalog.touches, Catalog.renders];
      const res = await post('catalog', blob, 'touch', anonymous());
      assert.equal(res.status, 200);
      assert.match(res.text, /touched 1/);
      assert.equal(Catalog.touches - touches, 1);
      assert.equal(Catalog.renders - renders, 1);
      assert.equal(res.headers.get('etag'), null);
    });

    it('bypasses the cache for signed-in users when the key ignores the user', async () => {
      const before = Catalog.renders;
      const first = await get('/catalog/3', as('ada'));
      const second = await get('/catalog/3', as('ada'));
      assert.equal(Catalog.renders - before, 2);
      assert.equal(second.headers.get('cache-control'), 'no-store');
      assert.equal(second.headers.get('etag'), null);
      assert.notEqual(first.state, second.state, 'each user render is its own');
      // Anonymous loads of the same page are still cached.
      await get('/catalog/3', anonymous());
      await get('/catalog/3', anonymous());
      assert.equal(Catalog.renders - before, 3);
    });

    it('keeps one entry per user when the key reads the user: no one sees another’s HTML', async () => {
      const before = Greeting.renders;
      const ada1 = await get('/hello/', as('ada'));
      const bob1 = await get('/hello/', as('bob'));
      const ada2 = await get('/hello/', as('ada'));
      const bob2 = await get('/hello/', as('bob'));
      const guest = await get('/hello/', anonymous());
      assert.match(ada1.text, /hello ada/);
      assert.match(bob1.text, /hello bob/);
      assert.equal(ada2.text, ada1.text);
      assert.equal(bob2.text, bob1.text);
      assert.match(guest.text, /hello guest/);
      assert.equal(Greeting.renders - before, 3, 'ada, bob and guest once each');
    });

    it('invalidateTag() and invalidate() empty entries', async () => {
      await get('/catalog/4', anonymous());
      await get('/catalog/5', anonymous());
      let before = Catalog.renders;
      await get('/catalog/4', anonymous());
      assert.equal(Catalog.renders, before, 'cached');
      await weft.invalidateTag('item:4');
      await get('/catalog/4', anonymous());
      await get('/catalog/5', anonymous());
      assert.equal(Catalog.renders - before, 1, 'only the tagged entry was dropped');

      before = Catalog.renders;
      await weft.invalidate(Catalog, JSON.stringify({ id: '5' }));
      await get('/catalog/5', anonymous());
      await get('/catalog/4', anonymous());
      assert.equal(Catalog.renders - before, 1, 'only that key was dropped');

      before = Catalog.renders;
      await weft.invalidateTag('catalog');
      await get('/catalog/4', anonymous());
      await get('/catalog/5', anonymous());
      assert.equal(Catalog.renders - before, 2, 'a shared tag drops them all');

      before = Greeting.renders;
      // A key that reads the user is kept per user: name the user whose entry it is.
      await weft.invalidate('greeting', 'u:ada', { id: 'ada' });
      assert.match((await get('/hello/', as('ada'))).text, /hello ada/);
      await get('/hello/', as('bob'));
      assert.equal(Greeting.renders - before, 1, 'by name and key, for one user');
    });

    it('http: { maxAge } gives Cache-Control and an ETag, and a 304 on If-None-Match', async () => {
      const first = await get('/catalog/6', anonymous());
      const etag = first.headers.get('etag');
      assert.ok(etag && /^"[A-Za-z0-9_-]{22}"$/.test(etag), `ETag: ${etag}`);
      assert.equal(first.headers.get('cache-control'), 'private, max-age=30');
      assert.equal(first.headers.get('vary'), 'Cookie');
      const again = await get('/catalog/6', { ...anonymous(), 'if-none-match': etag });
      assert.equal(again.status, 304);
      assert.equal(again.text, '');
      assert.equal(again.headers.get('etag'), etag);
      // As a CDN or a browser may send it: a list, or the tag marked weak.
      assert.equal((await get('/catalog/6', { ...anonymous(), 'if-none-match': `"older", W/${etag}` })).status, 304);
      const stale = await get('/catalog/6', { ...anonymous(), 'if-none-match': '"something-else"' });
      assert.equal(stale.status, 200);
      assert.equal(stale.text, first.text);
    });
  });
});
