/**
 * The README's tutorial must be true: its code blocks are the files in
 * examples/tutorial/ (type-checked with the rest), and that code runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { mountComponent, stateOf } from 'weft/testing';
import { Counter } from '../../examples/tutorial/counter.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const file = (name: string) => readFileSync(new URL(`../../examples/tutorial/${name}`, import.meta.url), 'utf8');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

describe('README tutorial', () => {
  it('shows examples/tutorial/counter.ts and server.ts verbatim', () => {
    assert.ok(readme.includes('```ts\n' + file('counter.ts') + '```'), 'counter.ts differs from the README');
    assert.ok(readme.includes('```ts\n' + file('server.ts') + '```'), 'server.ts differs from the README');
  });

  it('says plainly in its Security section what the state blob is and is not', () => {
    const section = readme.split('\n## Security\n')[1]?.split('\n## ')[0]?.replace(/\s+/g, ' ');
    assert.ok(section, 'no "## Security" section');
    for (const point of [/signed, not encrypted/, /can read it/, /secrets out of state/, /accepted until it expires/, /roll a component back/, /not tied to a user or session/, /re-check/, /stock, prices, permissions/]) {
      assert.match(section, point);
    }
  });

  it('has the same in docs/protocol.md, section 2', () => {
    const protocol = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const section2 = (protocol.split('\n## 2. State blob\n')[1]?.split('\n## 3.')[0] ?? '').replace(/\s+/g, ' ');
    for (const point of [/Signed, not encrypted/, /Keep secrets out of state/, /accepted until it expires/, /roll it back/, /not tied to a user or session/, /re-checks/]) {
      assert.match(section2, point);
    }
  });

  it('names the run and test commands', () => {
    for (const command of ['npm install', 'npm start', 'npm test']) assert.ok(readme.includes(command), command);
  });

  it('step 5: the counter works without a server', async () => {
    const counter = await mountComponent(Counter);
    await counter.fire('add', { by: 2 });
    assert.equal(counter.state.count, 2);
    await assert.rejects(counter.fire('add', { by: 1.5 }), { status: 422 });
  });

  describe('step 3: the server serves the page and takes events', () => {
    let child: ReturnType<typeof spawn> | undefined;
    after(() => child?.kill());

    it('renders / and answers an event', async () => {
      const port = await freePort();
      child = spawn(process.execPath, ['--import', 'tsx', '--conditions=weft-source', 'examples/tutorial/server.ts'], {
        env: { ...process.env, PORT: String(port), NODE_ENV: 'development' },
        stdio: 'ignore',
      });
      const base = `http://127.0.0.1:${port}`;
      let page: Response | undefined;
      for (let i = 0; i < 100 && !page; i++) {
        page = await fetch(base + '/').catch(() => undefined);
        if (!page) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(page, 'tutorial server did not start');
      const body = await page.text();
      assert.match(body, /<h1>Counter<\/h1>/);
      const res = await fetch(base + '/components/counter/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'add', payload: { by: 10 }, state: stateOf(body) }),
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<output>10<\/output>/);
    });
  });
});
