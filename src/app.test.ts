import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createWeft, Weft, type WeftOptions } from './app.js';
import { userFromLocals } from './policy/user.js';
import { Component, type Renderer } from './core/component.js';
import { WeftError } from './core/errors.js';
import { html, SafeHtml } from './core/html.js';
import { childDigest } from './core/lifecycle.js';
import { Registry, registry as defaultRegistry } from './core/registry.js';
import { StateCodec } from './core/state-codec.js';

const SECRET = 'app-test-secret-0123456789abcdefghijk';
const OLD_SECRET = 'app-test-old-secret-0123456789abcdefg';

class Counter extends Component<{ count: number }> {
  static override events = { increment: true };
  mount() {
    return { count: 0 };
  }
  increment(): void {
    this.state.count++;
  }
  override render() {
    return html`<b>${this.state.count}</b>`;
  }
}

class Page extends Component<Record<string, never>, Record<string, string>> {
  mount() {
    return {};
  }
  override render() {
    return html`<p>${JSON.stringify(this.params)}</p>`;
  }
}

class Unregistered extends Page {}
class OtherPage extends Page {}

class FileTemplate extends Component<{ title: string }> {
  static override template = 'file.liquid';
  mount() {
    return { title: '<t>' };
  }
}

/** A stateful parent with stateful children: `shown` of them, each given `start`. */
class Parent extends Component<{ shown: number; start: number }> {
  static override events = { more: true, restart: true };
  mount() {
    return { shown: 1, start: 0 };
  }
  more(): void {
    this.state.shown++;
  }
  restart(): void {
    this.state.start = 5;
  }
  override async render() {
    const kids = [];
    for (let i = 0; i < this.state.shown; i++) kids.push(await this.child(Counter, { start: this.state.start }));
    return html`<section>${kids}</section>`;
  }
}

/** Root attributes of every element with a weft-state, in document order. */
function roots(markup: string): { id: string; name: string; child: string | undefined }[] {
  return [...markup.matchAll(/<\w+ id="([^"]+)" weft="([^"]+)" weft-state="[^"]+"(?: weft-child="([^"]+)")?/g)].map((m) => ({
    id: m[1] as string,
    name: m[2] as string,
    child: m[3],
  }));
}

function registry(): Registry {
  const reg = new Registry();
  reg.register('parent', Parent);
  reg.register('counter', Counter);
  reg.register('page', Page);
  reg.register('other-page', OtherPage);
  reg.register('file-template', FileTemplate);
  return reg;
}

function capture(): { logger: Pick<Console, 'error' | 'warn'>; warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    logger: { warn: (msg: unknown) => void warnings.push(String(msg)), error: (msg: unknown) => void errors.push(String(msg)) },
  };
}

/** Runs an increment through `weft` to prove its secrets sign and verify. */
async function roundTrip(weft: Weft): Promise<void> {
  const { blob } = await weft.render('counter');
  const out = await weft.dispatch({ component: 'counter', state: blob, events: [{ event: 'increment', payload: {} }], updates: {} });
  assert.deepEqual(out.state, { count: 1 });
}

describe('createWeft', () => {
  const saved = { secret: process.env.WEFT_SECRET, nodeEnv: process.env.NODE_ENV, cwd: process.cwd() };
  // Each test runs in its own empty working directory, where a development
  // secret would be kept.
  let workDir = '';
  beforeEach(() => {
    delete process.env.WEFT_SECRET;
    delete process.env.NODE_ENV;
    workDir = mkdtempSync(join(tmpdir(), 'weft-app-'));
    process.chdir(workDir);
  });
  afterEach(() => {
    process.chdir(saved.cwd);
    rmSync(workDir, { recursive: true, force: true });
    for (const [key, value] of [['WEFT_SECRET', saved.secret], ['NODE_ENV', saved.nodeEnv]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('returns a Weft with defaults', () => {
    const weft = createWeft({ registry: registry(), secret: SECRET, mode: 'production' });
    assert.ok(weft instanceof Weft);
    assert.equal(weft.production, true);
    assert.equal(weft.basePath, '/components');
    assert.equal(weft.assetsPath, '/weft');
    assert.equal(weft.endpointFor('counter'), '/components/counter/');
    assert.deepEqual(weft.limits, {
      maxBodyBytes: 1024 * 1024,
      maxDepth: 32,
      maxEvents: 10,
      maxResponseBytes: 1024 * 1024,
      maxChildren: 500,
      signatureFailures: { points: 10, durationSeconds: 600 },
      allowedOrigins: [],
      allowedHosts: undefined,
      clientAddress: undefined,
    });
    assert.equal(weft.codec.maxAgeSeconds, 86_400);
    assert.equal(weft.codec.maxStateBytes, 65_536);
  });

  it('takes limits and strips trailing slashes from paths', () => {
    const weft = createWeft({
      registry: registry(),
      secret: SECRET,
      mode: 'development',
      basePath: '/live//',
      assetsPath: '/static/',
      stateMaxAge: 60,
      maxStateBytes: 100,
      maxBodyBytes: 10,
      maxDepth: 2,
      maxEvents: 1,
      maxResponseBytes: 2048,
      maxChildren: 3,
      signatureFailures: { points: 1, durationSeconds: 1 },
      allowedOrigins: ['https://a.example'],
      allowedHosts: ['a.example'],
      clientAddress: { trustedProxies: 2 },
    });
    assert.equal(weft.basePath, '/live');
    assert.equal(weft.assetsPath, '/static');
    assert.equal(weft.endpointFor('x'), '/live/x/');
    assert.equal(weft.codec.maxAgeSeconds, 60);
    assert.equal(weft.codec.maxStateBytes, 100);
    assert.deepEqual(weft.limits, {
      maxBodyBytes: 10,
      maxDepth: 2,
      maxEvents: 1,
      maxResponseBytes: 2048,
      maxChildren: 3,
      signatureFailures: { points: 1, durationSeconds: 1 },
      allowedOrigins: ['https://a.example'],
      allowedHosts: ['a.example'],
      clientAddress: { trustedProxies: 2 },
    });
  });

  describe('secret resolution', () => {
    it('refuses to start in production without a secret', () => {
      assert.throws(() => createWeft({ registry: registry(), mode: 'production' }), /no secret/);
      assert.throws(() => createWeft({ registry: registry(), mode: 'production', secret: [] }), /no secret/);
    });

    it('refuses an empty WEFT_SECRET in production', () => {
      process.env.WEFT_SECRET = ' , ';
      assert.throws(() => createWeft({ registry: registry(), mode: 'production' }), /no secret/);
    });

    it('refuses a short secret in production', () => {
      assert.throws(() => createWeft({ registry: registry(), mode: 'production', secret: 'x'.repeat(31) }), /at least 32 characters/);
      assert.throws(() => createWeft({ registry: registry(), mode: 'production', secret: '' }), /at least 32 characters|no secret/);
    });

    it('refuses a short secret anywhere in a rotation list in production', () => {
      assert.throws(() => createWeft({ registry: registry(), mode: 'production', secret: [SECRET, 'short'] }), /at least 32 characters/);
      process.env.WEFT_SECRET = `${SECRET},short`;
      assert.throws(() => createWeft({ registry: registry(), mode: 'production' }), /at least 32 characters/);
    });

    it('accepts a 32-character secret in production', async () => {
      const { logger, warnings } = capture();
      await roundTrip(createWeft({ registry: registry(), mode: 'production', secret: 'x'.repeat(32), logger }));
      assert.deepEqual(warnings, []);
    });

    it('uses NODE_ENV=production when no mode is given', () => {
      process.env.NODE_ENV = 'production';
      assert.throws(() => createWeft({ registry: registry() }), /no secret/);
      assert.equal(createWeft({ registry: registry(), secret: SECRET }).production, true);
      process.env.NODE_ENV = 'test';
      const { logger } = capture();
      assert.equal(createWeft({ registry: registry(), logger }).production, false);
    });

    it('keeps a generated secret in .weft/secret in development, so a restart accepts old pages', async () => {
      const { logger, warnings } = capture();
      const weft = createWeft({ registry: registry(), mode: 'development', logger });
      assert.equal(weft.production, false);
      const path = join(workDir, '.weft', 'secret');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /no WEFT_SECRET set; created the development secret in .*\.weft[/\\]secret.*git-ignored/);
      assert.ok((warnings[0] as string).includes(path), warnings[0]);
      await roundTrip(weft);
      // Only its owner may read it, and git ignores the whole directory.
      if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.match(readFileSync(join(workDir, '.weft', '.gitignore'), 'utf8'), /^\*$/m);
      const secret = readFileSync(path, 'utf8').trim();
      assert.ok(secret.length >= 32, 'the generated secret is long enough for production rules');

      // A restarted server reads the same secret: the page rendered before it still works.
      const { blob } = await weft.render('counter');
      const restarted = createWeft({ registry: registry(), mode: 'development', logger });
      assert.match(warnings[1] as string, /using the development secret in/);
      const out = await restarted.dispatch({ component: 'counter', state: blob, events: [{ event: 'increment', payload: {} }], updates: {} });
      assert.deepEqual(out.state, { count: 1 });
      assert.equal(readFileSync(path, 'utf8').trim(), secret);
    });

    it('replaces a blank .weft/secret with a generated one', async () => {
      createWeft({ registry: registry(), mode: 'development', logger: capture().logger });
      writeFileSync(join(workDir, '.weft', 'secret'), '\n');
      const weft = createWeft({ registry: registry(), mode: 'development', logger: capture().logger });
      assert.ok(readFileSync(join(workDir, '.weft', 'secret'), 'utf8').trim().length >= 32);
      await roundTrip(weft);
    });

    it('falls back to a random secret, with a warning, when none can be kept', async () => {
      writeFileSync(join(workDir, '.weft'), 'not a directory');
      const { logger, warnings } = capture();
      const weft = createWeft({ registry: registry(), mode: 'development', logger });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /no development secret could be kept.*random secret/);
      await roundTrip(weft);
      // A second app gets a different random secret.
      const other = createWeft({ registry: registry(), mode: 'development', logger });
      const { blob } = await weft.render('counter');
      assert.throws(() => other.codec.decode(blob, 'counter'), (err: unknown) => err instanceof WeftError && err.code === 'state_outdated');
    });

    it('never keeps or reads a development secret in production', () => {
      assert.throws(() => createWeft({ registry: registry(), mode: 'production' }), /no secret/);
      createWeft({ registry: registry(), mode: 'development', logger: capture().logger });
      // Even with a kept development secret present, production refuses to start without its own.
      assert.throws(() => createWeft({ registry: registry(), mode: 'production' }), /no secret/);
    });

    it('warns about a short secret in development and still works', async () => {
      const { logger, warnings } = capture();
      const weft = createWeft({ registry: registry(), mode: 'development', secret: 'short', logger });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /at least 32 characters.*development only/);
      await roundTrip(weft);
    });

    it('does not warn with a good secret', () => {
      const { logger, warnings } = capture();
      createWeft({ registry: registry(), mode: 'development', secret: SECRET, logger });
      assert.deepEqual(warnings, []);
    });

    it('reads WEFT_SECRET as a comma-separated rotation list, newest first', async () => {
      const oldApp = createWeft({ registry: registry(), mode: 'production', secret: OLD_SECRET });
      const { blob: oldBlob } = await oldApp.render('counter');

      process.env.WEFT_SECRET = ` ${SECRET} ,, ${OLD_SECRET} `;
      const { logger, warnings } = capture();
      const rotated = createWeft({ registry: registry(), mode: 'production', logger });
      assert.deepEqual(warnings, []);
      // A page rendered before the rotation still works...
      const out = await rotated.dispatch({ component: 'counter', state: oldBlob, events: [{ event: 'increment', payload: {} }], updates: {} });
      assert.deepEqual(out.state, { count: 1 });
      // ...and new blobs are signed with the first (new) secret only.
      assert.ok(out.blob);
      assert.doesNotThrow(() => new StateCodec({ secrets: [SECRET] }).decode(out.blob, 'counter'));
      assert.throws(() => new StateCodec({ secrets: [OLD_SECRET] }).decode(out.blob, 'counter'), /out of date/);
    });

    it('prefers an explicit secret over WEFT_SECRET', async () => {
      process.env.WEFT_SECRET = OLD_SECRET;
      const weft = createWeft({ registry: registry(), mode: 'production', secret: SECRET });
      const { blob } = await weft.render('counter');
      assert.doesNotThrow(() => new StateCodec({ secrets: [SECRET] }).decode(blob, 'counter'));
      assert.throws(() => new StateCodec({ secrets: [OLD_SECRET] }).decode(blob, 'counter'), /out of date/);
    });

    it('accepts a secret array (rotation) directly', async () => {
      const oldApp = createWeft({ registry: registry(), mode: 'production', secret: OLD_SECRET });
      const { blob } = await oldApp.render('counter');
      const weft = createWeft({ registry: registry(), mode: 'production', secret: [SECRET, OLD_SECRET] });
      assert.doesNotThrow(() => weft.codec.decode(blob, 'counter'));
    });
  });

  describe('render', () => {
    const weft = createWeft({ registry: registry(), secret: SECRET, mode: 'development', logger: capture().logger });

    it('renders a registered class or its name', async () => {
      const byClass = await weft.render(Page, { a: 'x' });
      const byName = await weft.render('page', { a: 'x' });
      assert.equal(byClass.html, '<p>{&quot;a&quot;:&quot;x&quot;}</p>');
      assert.equal(byName.html, byClass.html);
    });

    it('throws for an unregistered class', async () => {
      await assert.rejects(weft.render(Unregistered), /Unregistered is not registered/);
    });

    it('names the registry it searched: the one passed to createWeft(), or the default one', async () => {
      await assert.rejects(
        weft.render(Unregistered),
        /^Error: Weft: component class Unregistered is not registered in the registry passed to createWeft\(\); call register\('unregistered', Unregistered\) on that registry$/,
      );
      const usesDefault = createWeft({ secret: SECRET, mode: 'development', logger: capture().logger });
      await assert.rejects(
        usesDefault.render(Unregistered),
        /^Error: Weft: component class Unregistered is not registered in the default registry; call registry\.register\('unregistered', Unregistered\)$/,
      );
    });

    it('says so when a class is in the default registry but the app has its own', async () => {
      class InDefault extends Page {}
      defaultRegistry.register('app-test-in-default', InDefault);
      await assert.rejects(
        weft.render(InDefault),
        /not registered in the registry passed to createWeft\(\).*\. It is registered in the default registry \(as "app-test-in-default"\)/,
      );
    });

    it('refuses an unknown name with 404 unknown_component', async () => {
      await assert.rejects(weft.render('missing'), (err: unknown) => err instanceof WeftError && err.status === 404 && err.code === 'unknown_component');
    });

    it('renderHtml returns SafeHtml', async () => {
      const out = await weft.renderHtml('page');
      assert.ok(out instanceof SafeHtml);
      assert.equal(out.value, '<p>{}</p>');
    });

    it('uses the app renderer for a template class without its own renderer', async () => {
      const calls: string[] = [];
      const renderer: Renderer = {
        render: (template, context) => {
          calls.push(template);
          return `<h1>${String((context.state as { title: string }).title)}</h1>`;
        },
      };
      const withRenderer = createWeft({ registry: registry(), secret: SECRET, mode: 'development', renderer });
      const out = await withRenderer.render('file-template');
      assert.equal(out.html, '<h1><t></h1>', 'a renderer string is trusted as already escaped');
      assert.deepEqual(calls, ['file.liquid']);
      await assert.rejects(weft.render('file-template'), (err: unknown) => err instanceof WeftError && err.code === 'render_error');
    });
  });

  describe('children (P1.3)', () => {
    const weft = createWeft({ registry: registry(), secret: SECRET, mode: 'development', logger: capture().logger });

    it('gives a stateful child its parent id plus key, and a weft-child digest; the parent has none', async () => {
      const first = await weft.render('parent');
      const [parent, child] = roots(first.html);
      assert.equal(parent?.name, 'parent');
      assert.equal(parent?.child, undefined, 'a top-level root is nobody\'s child');
      assert.deepEqual(child && { id: child.id, name: child.name }, { id: `${first.id}-_0`, name: 'counter' });
      assert.match(child?.child ?? '', /^[A-Za-z0-9_-]{12}$/);
    });

    it('renders the same ids and digests when the parent re-renders with the same child params', async () => {
      const first = await weft.render('parent');
      const next = await weft.dispatch({ component: 'parent', state: first.blob, events: [{ event: 'more', payload: {} }], updates: {} });
      const [, a0] = roots(first.html);
      const [, b0, b1] = roots(next.html);
      assert.deepEqual(b0, a0, 'the existing child is asked for again unchanged');
      assert.equal(b1?.id, `${first.id}-_1`);
      assert.equal(b1?.child, b0?.child, 'same name and params, same digest');
    });

    it('changes the digest when the child params change, so the browser mounts it afresh', async () => {
      const first = await weft.render('parent');
      const next = await weft.dispatch({ component: 'parent', state: first.blob, events: [{ event: 'restart', payload: {} }], updates: {} });
      const [, before] = roots(first.html);
      const [, after] = roots(next.html);
      assert.equal(after?.id, before?.id);
      assert.notEqual(after?.child, before?.child);
    });

    it('renders a child the browser lists with the same digest as an empty placeholder, without mounting it', async () => {
      const first = await weft.render('parent');
      const [, child] = roots(first.html);
      assert.ok(child?.child);
      let mounts = 0;
      const original = Counter.prototype.mount;
      Counter.prototype.mount = function (this: Counter) {
        mounts++;
        return original.call(this);
      };
      try {
        const next = await weft.dispatch({
          component: 'parent',
          state: first.blob,
          events: [{ event: 'more', payload: {} }],
          updates: {},
          children: { [child.id]: child.child },
        });
        assert.ok(
          next.html.includes(`<div id="${child.id}" weft="counter" weft-child="${child.child}"></div>`),
          'the listed child is a placeholder',
        );
        // roots() lists rendered roots only (a placeholder has no weft-state).
        const [, added, none] = roots(next.html);
        assert.equal(none, undefined);
        assert.equal(added?.id, `${first.id}-_1`, 'a child the browser does not have renders in full');
        assert.equal(mounts, 1, 'only the new child was mounted');

        // A listed child whose digest no longer matches (other params) renders in full.
        const stale = await weft.dispatch({
          component: 'parent',
          state: first.blob,
          events: [{ event: 'restart', payload: {} }],
          updates: {},
          children: { [child.id]: child.child },
        });
        assert.equal(roots(stale.html)[1]?.id, child.id);
        assert.equal(mounts, 2);
      } finally {
        Counter.prototype.mount = original;
      }
    });

    it("a child's own event response carries the digest its parent gave it, from its blob", async () => {
      const first = await weft.render('parent');
      const [, child] = roots(first.html);
      const blob = /id="[^"]+-_0" weft="counter" weft-state="([^"]+)"/.exec(first.html)?.[1];
      const own = await weft.dispatch({ component: 'counter', state: blob, events: [{ event: 'increment', payload: {} }], updates: {} });
      assert.equal(own.id, child?.id, 'the child keeps its id across its own events');
      assert.equal(roots(own.html)[0]?.child, child?.child);
    });

    it("chains the parent's digest into its children's, so a replaced parent never keeps old grandchildren", () => {
      const leaf = childDigest('leaf', {});
      assert.notEqual(childDigest('leaf', {}, childDigest('mid-a', {})), childDigest('leaf', {}, childDigest('mid-b', {})));
      assert.notEqual(childDigest('leaf', {}, 'AAAAAAAAAAAA'), leaf);
      // Params are compared by value: key order does not matter.
      assert.equal(childDigest('row', { a: 1, b: { c: 2, d: 3 } }), childDigest('row', { b: { d: 3, c: 2 }, a: 1 }));
      assert.notEqual(childDigest('row', { a: 1 }), childDigest('row', { a: 2 }));
    });
  });

  describe('views', () => {
    function app(options: WeftOptions = {}): Weft {
      return createWeft({ registry: registry(), secret: SECRET, mode: 'development', ...options });
    }

    it('throws when the class is not registered', () => {
      assert.throws(() => app().view('/x', Unregistered), /not registered/);
    });

    it('throws when the path does not start with /', () => {
      assert.throws(() => app().view('x', Page), TypeError);
    });

    it('is chainable and records the route', () => {
      const weft = app();
      assert.equal(weft.view('/a', Page), weft);
      assert.equal(weft.views.length, 1);
      assert.equal(weft.views[0]?.name, 'page');
      assert.equal(weft.views[0]?.type, Page);
      assert.deepEqual(weft.views[0]?.keys, []);
    });

    it('matches a static path as registered, and names it as the redirect for the other form', () => {
      const weft = app().view('/contacts', Page).view('/shop/', OtherPage);
      assert.deepEqual(weft.matchView('/contacts'), { route: weft.views[0], params: {} });
      assert.deepEqual(weft.matchView('/contacts/'), { route: weft.views[0], params: {}, redirect: '/contacts' });
      assert.deepEqual(weft.matchView('/shop/'), { route: weft.views[1], params: {} });
      assert.deepEqual(weft.matchView('/shop'), { route: weft.views[1], params: {}, redirect: '/shop/' });
      assert.equal(weft.matchView('/contacts//'), undefined);
      assert.equal(weft.matchView('/contacts/x'), undefined);
      assert.equal(weft.matchView('/contact'), undefined);
      assert.equal(weft.matchView('/'), undefined);
    });

    it('extracts and decodes path parameters', () => {
      const weft = app().view('/users/:user/posts/:post', Page);
      const match = weft.matchView('/users/J%C3%BCrgen/posts/a%2Fb%20c');
      assert.equal(match?.route.pattern, '/users/:user/posts/:post');
      assert.deepEqual(match?.params, { user: 'Jürgen', post: 'a/b c' });
      assert.deepEqual(weft.matchView('/users/1/posts/2/'), { route: weft.views[0], params: { user: '1', post: '2' }, redirect: '/users/1/posts/2' });
      assert.equal(weft.matchView('/users/1/posts'), undefined);
      assert.equal(weft.matchView('/users//posts/2'), undefined, 'a parameter is never empty');
    });

    it('does not let a parameter span segments', () => {
      const weft = app().view('/contacts/page/:page', Page);
      assert.deepEqual(weft.matchView('/contacts/page/2')?.params, { page: '2' });
      assert.equal(weft.matchView('/contacts/page/2/3'), undefined);
    });

    it('treats regex characters in the pattern literally', () => {
      const weft = app().view('/a.b/(x)+', Page);
      assert.ok(weft.matchView('/a.b/(x)+'));
      assert.equal(weft.matchView('/aXb/(x)+'), undefined);
      assert.equal(weft.matchView('/a.b/xx'), undefined);
    });

    it('redirects only when no view has the path as written', () => {
      const weft = app().view('/a', Page).view('/a/', OtherPage).view('/p/:id/', Page);
      assert.equal(weft.matchView('/a')?.route.type, Page);
      assert.equal(weft.matchView('/a/')?.route.type, OtherPage);
      assert.equal(weft.matchView('/a/')?.redirect, undefined);
      assert.deepEqual(weft.matchView('/p/1'), { route: weft.views[2], params: { id: '1' }, redirect: '/p/1/' });
      assert.equal(app().view('/', Page).matchView('/')?.redirect, undefined);
    });

    it('returns the first matching route', () => {
      const weft = app().view('/p/new', Page).view('/p/:id', OtherPage);
      assert.equal(weft.matchView('/p/new')?.route.pattern, '/p/new');
      assert.deepEqual(weft.matchView('/p/7')?.params, { id: '7' });
    });

    it('throws a URIError on malformed percent-encoding', () => {
      const weft = app().view('/u/:name', Page);
      assert.throws(() => weft.matchView('/u/%E0%A4%A'), URIError);
    });
  });
});

describe('userError', () => {
  function devApp(errors: unknown[][]): Weft {
    return createWeft({ registry: registry(), secret: SECRET, mode: 'development', logger: { error: (...a: unknown[]) => errors.push(a), warn: () => {} } });
  }

  it('sends no absolute path to the browser in development, and logs the whole error', async () => {
    const { homedir } = await import('node:os');
    const logged: unknown[][] = [];
    const cwd = process.cwd();
    const home = homedir();
    const thrown = new Error(`ENOENT: open '${cwd}/data/x.json' (from ${home}/.apprc)`);
    const err = devApp(logged).userError(thrown, 'handler_error', 'cart.addItem()');
    const body = JSON.stringify(err.toJSON());
    assert.equal(err.status, 500);
    assert.ok(!body.includes(cwd), body);
    assert.ok(home.length < 2 || !body.includes(home), body);
    assert.ok(!body.includes('file://'), body);
    // No path that starts at the root of the file system, in the message or in any frame.
    assert.doesNotMatch(body, /(^|[\s('"])\/[\w.-]+\//, body);
    assert.match(err.message, /cart\.addItem\(\) threw: ENOENT: open 'data\/x\.json' \(from ~\/\.apprc\)/);
    // The stack is still useful: it names this file, relative to the project.
    assert.match(String(err.details?.stack), /\(src\/app\.test\.ts:\d+:\d+\)/);
    assert.equal(logged[0]?.[1], thrown, 'the log gets the error itself, stack and all');
    assert.ok(String((logged[0]?.[1] as Error).stack).includes(cwd));
  });

  it('turns a thrown value whose String() throws into a 500, not a crash', () => {
    const err = devApp([]).userError({ toString: 1 }, 'handler_error', 'x.y()');
    assert.equal(err.status, 500);
    assert.equal(err.code, 'handler_error');
    assert.match(err.message, /x\.y\(\) threw: a thrown object/);
  });
});

describe('render() from the app\'s own routes finds the user', () => {
  class Whoami extends Component<{ who: string }> {
    static override events = { noop: true };
    mount() {
      return { who: String(this.user?.id ?? 'nobody') };
    }
    noop() {}
    override render() {
      return html`<p>${this.state.who}</p>`;
    }
  }
  const registry = new Registry();
  registry.register('whoami', Whoami);
  const app = createWeft({
    registry,
    secret: 'render-user-secret-0123456789abcdefghij',
    mode: 'development',
    user: userFromLocals,
  });

  it('runs the user function on the call\'s locals when the context names no user', async () => {
    const rendered = await app.render(Whoami, {}, { locals: { user: { id: 'ada' } } });
    assert.match(rendered.html, /<p>ada<\/p>/);
    // Its blob is bound to ada: the same user's event is accepted, anyone else's refused.
    await app.dispatch({ component: 'whoami', state: rendered.blob, events: [{ event: 'noop', payload: {} }], updates: {} }, { user: { id: 'ada' } });
    await assert.rejects(
      app.dispatch({ component: 'whoami', state: rendered.blob, events: [{ event: 'noop', payload: {} }], updates: {} }, { user: { id: 'bob' } }),
      (err: unknown) => err instanceof WeftError && err.status === 403 && err.code === 'state_user',
    );
  });

  it('uses a user the context names, even undefined, as it is', async () => {
    assert.match((await app.render(Whoami, {}, { locals: { user: { id: 'ada' } }, user: { id: 'cy' } })).html, /<p>cy<\/p>/);
    assert.match((await app.render(Whoami, {}, { locals: { user: { id: 'ada' } }, user: undefined })).html, /<p>nobody<\/p>/);
  });
});
