/**
 * A Weft app of a test file's own, for behaviour the examples have no reason to
 * show (a handler that sleeps, a todo list): served on a random port beside the
 * examples server of the harness, for the same browser.
 *
 *     const app = ownApp({ '/todo': ['todo', Todo] });
 *     suite.test('…', async ({ page }) => { await page.goto(app.url('/todo')); … });
 *
 * Each component is registered under its name and shown alone on a page at its path.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { Component, type ComponentClass, createWeft, html, page, Registry, type SafeHtml } from 'weft';
import { serve } from 'weft/node';
import { skipReason } from './harness.js';

export interface OwnApp {
  /** Absolute URL of a path on this app's server. */
  url(path: string): string;
}

/** Serves each `[name, Component]` on a page at its path while the file's tests run. */
export function ownApp(views: Record<string, [string, ComponentClass]>): OwnApp {
  let server: Server | undefined;
  let origin = '';
  before(async () => {
    if (skipReason) return;
    const registry = new Registry();
    const weft = createWeft({ registry, secret: randomBytes(32).toString('base64url'), mode: 'development' });
    for (const [path, [name, type]] of Object.entries(views)) {
      const shown = pageFor(type);
      registry.register(name, type);
      registry.register(`${name}-page`, shown);
      weft.view(path, shown);
    }
    server = await serve(weft, { port: 0, hostname: '127.0.0.1' });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    const s = server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });
  return { url: (path) => new URL(path, origin).href };
}

/** A page that shows one component. */
function pageFor(type: ComponentClass): ComponentClass {
  return class extends Component<Record<string, never>> {
    mount() {
      return {};
    }
    override async render(): Promise<SafeHtml> {
      return page({ title: 'test', body: html`<main>${await this.child(type)}</main>` });
    }
  };
}
