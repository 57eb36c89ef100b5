/**
 * Type-level tests for an app that declares its locals once, by module
 * augmentation, as docs/getting-started.md shows. Compiled in its own program
 * (test/types/locals/tsconfig.json), since the declaration applies to every
 * file compiled with it — Weft's own sources included, which must still compile.
 */
import { Component, type ComponentContext, createWeft, html, Registry } from 'weft';
import { createTestClient, mountComponent } from 'weft/testing';
import { createNodeHandler } from 'weft/node';

interface Database {
  products(): string[];
}
interface User {
  name: string;
}

declare module 'weft' {
  interface Locals {
    db: Database;
    user?: User;
  }
}

export class Shelf extends Component<{ names: string[]; who: string }> {
  mount() {
    // Typed, no casts.
    const names: string[] = this.context.locals.db.products();
    const who: string = this.context.locals.user?.name ?? 'guest';
    // local() returns the value without `undefined`, or throws naming what is missing.
    const db: Database = this.local('db');
    const user: User = this.local('user');
    void [db, user];
    // @ts-expect-error user is optional: it may be undefined
    void this.context.locals.user.name;
    // @ts-expect-error a local the app did not declare
    void this.context.locals.cache;
    // @ts-expect-error local() takes only declared names
    void this.local('dbb');
    return { names, who };
  }
  override render() {
    return html`<p>${this.state.who}: ${this.state.names}</p>`;
  }
}

export async function helpers(db: Database): Promise<void> {
  const registry = new Registry();
  registry.register('shelf', Shelf);
  const weft = createWeft({ registry });
  await mountComponent(Shelf, { registry, locals: { db, user: { name: 'Ada' } } });
  // A test may leave locals out; this.local() names the missing one at run time.
  await mountComponent(Shelf, { locals: { user: { name: 'Ada' } } });
  // @ts-expect-error db must be a Database
  await mountComponent(Shelf, { locals: { db: 42 } });
  // @ts-expect-error not a declared local
  await mountComponent(Shelf, { locals: { dbb: db } });

  const client = await createTestClient(weft, { locals: (req) => ({ db, user: { name: String(req.headers['x-user']) } }) });
  await client.close();
  await createTestClient(weft, { locals: { db } });
  // @ts-expect-error user must be a User
  await createTestClient(weft, { locals: { user: 'ada' } });

  const page = await weft.render(Shelf, {}, { locals: { db } });
  void page;
  const context: ComponentContext = { locals: { db } };
  void context;
  // @ts-expect-error a full context needs the required locals
  const partial: ComponentContext = { locals: {} };
  void partial;
  void createNodeHandler(weft, { locals: () => ({ db }) });
}
