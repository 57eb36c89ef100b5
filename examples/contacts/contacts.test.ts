/** Click-to-load: the contact rows component, one page at a time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeftError } from 'weft';
import { mountComponent } from 'weft/testing';
import { ContactRows, PER_PAGE } from './contacts.js';
import { openContacts } from './db.js';

const db = openContacts();

function mountPage(page: unknown) {
  return mountComponent(ContactRows, { params: { page: page as number }, context: { locals: { db } } });
}

/** Data rows (the Load more row excluded). */
function dataRows(html: string): string[] {
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1] as string);
}

describe('ContactRows', () => {
  it('page 1 has 3 rows and a Load more button for page 2', async () => {
    const rows = await mountPage(1);
    assert.equal(PER_PAGE, 3);
    const cells = dataRows(rows.html);
    assert.equal(cells.length, 3);
    assert.match(cells[0] ?? '', /<td>1<\/td>\s*<td>Ada Lovelace<\/td>\s*<td>ada\.lovelace\.1@example\.com<\/td>\s*<td>Active<\/td>/);
    assert.match(cells[2] ?? '', /<td>3<\/td>/);
    assert.match(rows.html, /<tr id="replaceMe">/);
    assert.match(rows.html, /<button class="primary" hx-get="\/contacts\/page\/2" hx-target="#replaceMe" hx-swap="outerHTML">Load more…<\/button>/);
    assert.equal((rows.html.match(/<button/g) ?? []).length, 1);
  });

  it('renders bare rows with no root element or state (no events)', async () => {
    const rows = await mountPage(1);
    assert.match(rows.html, /^<tr>/);
    assert.doesNotMatch(rows.html, /weft-state|weft=/);
  });

  it('page 2 continues at contact 4 and points at page 3', async () => {
    const rows = await mountPage(2);
    const cells = dataRows(rows.html);
    assert.equal(cells.length, 3);
    assert.match(cells[0] ?? '', /<td>4<\/td>/);
    assert.match(rows.html, /hx-get="\/contacts\/page\/3"/);
  });

  it('the last page (34) has 1 row and no button', async () => {
    const rows = await mountPage(34);
    const cells = dataRows(rows.html);
    assert.equal(cells.length, 1);
    assert.match(cells[0] ?? '', /<td>100<\/td>/);
    assert.doesNotMatch(rows.html, /replaceMe|<button|Load more/);
    assert.equal(rows.state.hasNext, false);
  });

  it('page 33 is full and still links to page 34', async () => {
    const rows = await mountPage(33);
    assert.equal(dataRows(rows.html).length, 3);
    assert.match(rows.html, /hx-get="\/contacts\/page\/34"/);
  });

  it('a page past the end is empty', async () => {
    const rows = await mountPage(35);
    assert.equal(rows.html, '');
  });

  it('coerces a page number from the URL string', async () => {
    const rows = await mountPage('2');
    assert.equal(rows.state.page, 2);
    assert.equal(rows.instance.params.page, 2);
  });

  for (const page of [0, -1, 'abc', '1.5', 10_001, undefined]) {
    it(`refuses page ${JSON.stringify(page) ?? 'undefined'} with 400 invalid_params`, async () => {
      await assert.rejects(mountPage(page), (err: unknown) => {
        assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
        assert.equal(err.status, 400);
        assert.equal(err.code, 'invalid_params');
        assert.deepEqual((err.details?.issues as { path: string }[]).map((i) => i.path), ['page']);
        return true;
      });
    });
  }

  it('escapes contact data', async () => {
    const local = openContacts(1);
    local.prepare('UPDATE contacts SET first_name = ? WHERE id = 1').run('<img src=x onerror=alert(1)>');
    const rows = await mountComponent(ContactRows, { params: { page: 1 }, context: { locals: { db: local } } });
    assert.match(rows.html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(rows.html, /<img/);
  });
});
