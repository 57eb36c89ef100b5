/**
 * Click to load: a component served as a view. GET /contacts/page/N
 * renders N's rows; the last row is a "Load more…" button that replaces itself
 * with the next page. /contacts is the page around the first batch.
 */
import type { DatabaseSync } from 'node:sqlite';
import { Component, html } from 'weft';
import { z } from 'zod';
import { ExamplePage } from '../layout.js';
import { type Contact, contactsPage } from './db.js';

export const PER_PAGE = 3;

function db(component: Component<object, object>): DatabaseSync {
  return component.context.locals.db as DatabaseSync;
}

interface RowsState {
  page: number;
  rows: Contact[];
  hasNext: boolean;
}

/** The rows of one page. No events, so it renders bare `<tr>`s with no state. */
export class ContactRows extends Component<RowsState, { page: number }> {
  static override paramsSchema = z.object({ page: z.coerce.number().int().min(1).max(10_000) });

  mount(): RowsState {
    const { rows, hasNext } = contactsPage(db(this), this.params.page, PER_PAGE);
    return { page: this.params.page, rows, hasNext };
  }

  override render() {
    const { rows, hasNext, page: current } = this.state;
    return html`${rows.map(
      (c) => html`<tr>
  <td>${c.id}</td>
  <td>${c.first_name} ${c.last_name}</td>
  <td>${c.email}</td>
  <td>${c.status}</td>
</tr>`,
    )}${
      hasNext &&
      html`<tr id="replaceMe">
  <td colspan="4">
    <button class="primary" hx-get="/contacts/page/${current + 1}" hx-target="#replaceMe" hx-swap="outerHTML">Load more…</button>
  </td>
</tr>`
    }`;
  }
}

/** The /contacts page: a table whose body starts with page 1. */
export class ContactsPage extends ExamplePage {
  protected readonly title = 'Contacts';
  protected async content() {
    return html`<table>
  <thead><tr><th>ID</th><th>Name</th><th>Email</th><th>Status</th></tr></thead>
  <tbody id="contacts">${await this.child(ContactRows, { page: 1 })}</tbody>
</table>`;
  }
}
