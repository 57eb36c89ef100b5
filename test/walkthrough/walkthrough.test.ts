/**
 * The getting-started walk-through "Weft inside an app you already have" must be
 * true: its code blocks are the files of this folder, verbatim, and here the
 * Express and the Hono app it shows serve the component in their own layout,
 * take its events and hand it the logged-in user.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LiveTestClient, stateOf } from 'weft/testing';

const guide = readFileSync(new URL('../../docs/getting-started.md', import.meta.url), 'utf8');
const FILES = ['db.ts', 'notes.ts', 'session.ts', 'weft.ts', 'notes.test.ts', 'express-app.ts', 'hono-app.ts'];

describe('the walk-through in docs/getting-started.md', () => {
  it('shows each file of the walk-through verbatim', () => {
    const section = guide.split('\n## Weft inside an app you already have\n')[1]?.split('\n## ')[0];
    assert.ok(section, 'no "## Weft inside an app you already have" section');
    for (const name of FILES) {
      const code = readFileSync(new URL(name, import.meta.url), 'utf8');
      assert.ok(section.includes('```ts\n// ' + name + '\n' + code + '```'), `${name} differs from the walk-through`);
    }
  });
});

// The apps listen on PORT when imported, as a server file does.
process.env.PORT = '0';
process.env.WEFT_SECRET = randomBytes(32).toString('base64url');
const servers: Record<string, Server> = {
  Express: (await import('./express-app.js')).server,
  Hono: (await import('./hono-app.js')).server as Server,
};

for (const [host, server] of Object.entries(servers)) {
  describe(`the notes component inside a ${host} app`, () => {
    let base = '';
    before(async () => {
      if (!server.listening) await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    const asAda = { cookie: 'user=ada' };
    const post = (body: unknown, headers: Record<string, string> = asAda) =>
      fetch(`${base}/components/notes/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    it('embeds the component, for the logged-in user, in the app\'s layout with Weft\'s scripts', async () => {
      const res = await fetch(`${base}/notes`, { headers: asAda });
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /<nav>My app<\/nav><main><[a-z]+ [^>]*weft-state="[^"]+"/);
      assert.match(page, /<h2>ada(&#39;|&#x27;|')s notes<\/h2>/);
      for (const script of ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js']) {
        assert.ok(page.includes(`<script defer src="/weft/${script}"></script>`), script);
        assert.equal((await fetch(`${base}/weft/${script}`)).status, 200, `${host} serves /weft/${script}`);
      }
      assert.doesNotMatch(page, /&lt;/, 'Weft\'s HTML is not escaped again');
    });

    it('asks a visitor who is not logged in to sign in', async () => {
      const res = await fetch(`${base}/notes`);
      assert.equal(res.status, 401);
    });

    it('takes an event from the page and keeps the note in the database', async () => {
      const state = stateOf(await (await fetch(`${base}/notes`, { headers: asAda })).text());
      const res = await post({ event: 'add', payload: { text: `from ${host}` }, state });
      assert.equal(res.status, 200);
      assert.match(await res.text(), new RegExp(`<li>from ${host}</li>`));
      assert.match(await (await fetch(`${base}/notes`, { headers: asAda })).text(), new RegExp(`<li>from ${host}</li>`));
    });

    it('refuses ada\'s notes to another logged-in user', async () => {
      const state = stateOf(await (await fetch(`${base}/notes`, { headers: asAda })).text());
      const res = await post({ event: 'add', payload: { text: 'hi' }, state }, { cookie: 'user=mallory' });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, 'state_user');
    });

    it('refuses ada\'s state replayed with no session at all: 401, and her notes are unchanged', async () => {
      const state = stateOf(await (await fetch(`${base}/notes`, { headers: asAda })).text());
      const res = await post({ event: 'add', payload: { text: 'replayed' }, state }, {});
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error: 'Authentication required', code: 'unauthenticated' });
      assert.doesNotMatch(await (await fetch(`${base}/notes`, { headers: asAda })).text(), /replayed/);
    });

    it('reads a 150 KB event body with Weft\'s own limit (1 MiB), not a body parser\'s', async () => {
      const state = stateOf(await (await fetch(`${base}/notes`, { headers: asAda })).text());
      const res = await post({ event: 'add', payload: { text: 'x'.repeat(150 * 1024) }, state });
      // Read whole and refused by the event's schema (at most 500 characters).
      assert.equal(res.status, 422);
    });

    if (host === 'Express') {
      it('serves live components\' WebSocket on the app\'s server (attachLive)', async () => {
        const live = await LiveTestClient.connect(server);
        await live.close();
      });
    }

    it('leaves other URLs to the app\'s own not-found answer', async () => {
      const res = await fetch(`${base}/nowhere`);
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.headers.get('content-type') ?? '', /json/, 'not Weft\'s JSON 404');
    });
  });
}
