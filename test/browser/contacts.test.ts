/** Click-to-load in a real browser: "Load more…" replaces itself with the next page. */
import assert from 'node:assert/strict';
import { browserSuite, settle } from './harness.js';

const suite = browserSuite();

const TOTAL = 100;
const PER_PAGE = 3;

suite.test('"Load more…" until it disappears loads all 100 contacts in order', async ({ page, url, assertClean }) => {
  await page.goto(url('/contacts'));
  const rows = page.locator('#contacts > tr:not(#replaceMe)');
  const more = page.getByRole('button', { name: 'Load more…' });
  assert.equal(await rows.count(), PER_PAGE);

  const maxClicks = Math.ceil(TOTAL / PER_PAGE) + 5;
  let clicks = 0;
  while ((await more.count()) > 0) {
    assert.ok(clicks < maxClicks, `"Load more…" still there after ${clicks} clicks`);
    const before = await rows.count();
    await settle(page, () => more.click());
    clicks++;
    assert.equal(await rows.count(), Math.min(before + PER_PAGE, TOTAL), `rows after click ${clicks}`);
  }
  assert.equal(clicks, Math.ceil(TOTAL / PER_PAGE) - 1);

  const ids = await page.locator('#contacts > tr > td:first-child').allInnerTexts();
  assert.deepEqual(
    ids.map((id) => id.trim()),
    Array.from({ length: TOTAL }, (_, i) => String(i + 1)),
  );
  assert.equal(await page.locator('tbody').count(), 1, 'exactly one table body');
  assert.equal(await page.locator('#replaceMe').count(), 0, 'no leftover #replaceMe');
  assert.equal(await page.locator('table tr').count(), TOTAL + 1, 'header row + 100 rows, nothing else');
  assertClean();
});
